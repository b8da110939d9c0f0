"""Login throttling per account and per address, shared through the store, audited, silent about which names exist."""

from __future__ import annotations

import re

import pytest

from geoapp import create_app
from tests.accounts import PASSWORD, add_user, csrf
from tests.web.test_sessions import Clock

FREE = 3
FREE_CLIENT = 8


@pytest.fixture
def throttled_settings(backend_settings):
    return {**backend_settings, "LOGIN_FREE_FAILURES": FREE, "LOGIN_FREE_FAILURES_CLIENT": FREE_CLIENT,
            "LOGIN_MAX_DELAY": 600}


@pytest.fixture
def app(throttled_settings):
    app = create_app(throttled_settings)
    app.extensions["geoapp_clock"] = Clock()
    add_user(app, "boss", "admin")
    return app


def attempt(app, name: str, password: str = "wrong password", address: str = "198.51.100.7"):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client.post("/login", data={"name": name, "password": password, "csrf_token": csrf(client)})


def without_name(response, name: str) -> str:
    """The response body with the echoed name and the per-response nonce and token removed."""
    body = response.get_data(as_text=True).replace(name, "NAME")
    return re.sub(r'(nonce-|nonce="|value=")[A-Za-z0-9_\-]{16,}', r"\1X", body)


def test_growing_delay_then_429_with_retry_after_even_for_the_right_password(app):
    clock = app.extensions["geoapp_clock"]
    statuses = [attempt(app, "boss").status_code for _ in range(FREE)]
    assert statuses == [401] * FREE
    blocked = attempt(app, "boss", PASSWORD)
    assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) == 1
    assert "login-throttled" in blocked.get_data(as_text=True)

    waits = []
    for _ in range(4):  # each failure after the free ones doubles the wait
        clock.advance(int(attempt(app, "boss").headers.get("Retry-After", 0)) + 1)
        assert attempt(app, "boss").status_code == 401
        waits.append(int(attempt(app, "boss").headers["Retry-After"]))
    assert waits == sorted(waits) and waits[-1] > waits[0]
    clock.advance(waits[-1] + 1)
    assert attempt(app, "boss", PASSWORD).status_code == 302  # the right password after the wait
    assert attempt(app, "boss").status_code == 401  # and success forgot the account's failures


def test_failures_are_audited(app):
    for _ in range(FREE):
        attempt(app, "boss")
    attempt(app, "nobody-here")
    entries = app.extensions["geoapp"].store.audit(FREE + 1)
    assert [e["action"] for e in entries] == ["login failed"] * (FREE + 1)
    assert [e["actor"] for e in entries] == ["nobody-here"] + ["boss"] * FREE
    assert all("198.51.100.7" in e["detail"] for e in entries)
    assert "next try allowed in 1 s" in entries[1]["detail"]


def test_unknown_accounts_get_the_same_answers(app):
    clock = app.extensions["geoapp_clock"]
    known = [attempt(app, "boss", address="203.0.113.1") for _ in range(FREE + 1)]
    clock.advance(3600)
    unknown = [attempt(app, "ghost", address="203.0.113.2") for _ in range(FREE + 1)]
    assert [r.status_code for r in known] == [r.status_code for r in unknown] == [401] * FREE + [429]
    assert [r.headers.get("Retry-After") for r in known] == [r.headers.get("Retry-After") for r in unknown]
    for k, u in zip(known, unknown):
        assert without_name(k, "boss") == without_name(u, "ghost")


def test_per_address_limit_across_names(app):
    statuses = [attempt(app, f"user{i}", address="192.0.2.9").status_code for i in range(FREE_CLIENT + 1)]
    assert statuses == [401] * FREE_CLIENT + [429]
    assert attempt(app, "boss", PASSWORD, address="192.0.2.9").status_code == 429
    assert attempt(app, "boss", PASSWORD, address="192.0.2.10").status_code == 302


def test_state_is_shared_by_every_app_on_the_store(app, throttled_settings):
    other_worker = create_app(throttled_settings)
    other_worker.extensions["geoapp_clock"] = app.extensions["geoapp_clock"]
    for _ in range(FREE):
        assert attempt(app, "boss").status_code == 401
    assert attempt(other_worker, "boss", PASSWORD).status_code == 429
