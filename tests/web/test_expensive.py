"""Expensive work: a bounded pool shared by every process (503 + Retry-After), per-client rates (429), a time bound."""

from __future__ import annotations

import http.client
import io
import threading

import pytest

from geoapp import create_app
from geoapp.limits import SlotPool, limits_dir
from geoapp.web import embed
from tests.accounts import as_user, csrf
from tests.conftest import LiveServer

EXPORT = "/maps/ntm_level.svg?year=2020"


def slot_pool(app) -> SlotPool:
    """The app's pool, opened separately, as another worker process would."""
    settings = app.config["GEOAPP"]
    return SlotPool(limits_dir(settings) / "slots", app.extensions["geoapp_expensive"].pool.size)


class HeldSlots:
    """Hold every slot of an app's pool from outside the app."""

    def __init__(self, app) -> None:
        self.pool = slot_pool(app)
        self.fds = []

    def __enter__(self):
        for _ in range(self.pool.size):
            fd = self.pool.try_acquire()
            assert fd is not None
            self.fds.append(fd)
        return self

    def __exit__(self, *exc):
        for fd in self.fds:
            self.pool.release(fd)


@pytest.fixture
def one_slot(settings):
    return {**settings, "EXPENSIVE_SLOTS": 1, "EXPENSIVE_JENKS_UNITS": 50}


def get(port: int, url: str):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        conn.request("GET", url)
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def test_saturated_pool_answers_503_fast_while_pages_still_answer(one_slot, monkeypatch):
    app = create_app(one_slot)
    started, release = threading.Event(), threading.Event()
    real_export = embed.export_map

    def held_export(*args, **kwargs):
        started.set()
        assert release.wait(120)
        return real_export(*args, **kwargs)

    monkeypatch.setattr(embed, "export_map", held_export)
    with LiveServer(app) as server:
        port = server.server.server_port
        results = {}
        first = threading.Thread(target=lambda: results.setdefault("first", get(port, EXPORT)))
        first.start()
        assert started.wait(60)
        status, headers, body = get(port, "/maps/ntm_level.png?year=2020&dpi=150")
        assert status == 503 and int(headers["Retry-After"]) >= 1
        assert "Máy chủ đang bận" in body.decode()
        assert get(port, "/healthz")[0] == 200
        assert get(port, "/maps/ntm_level?year=2020")[0] == 200
        assert get(port, "/api/maps/ntm_level.json?year=2020")[0] == 200
        assert "first" not in results  # the held export is still running
        release.set()
        first.join(120)
        assert results["first"][0] == 200 and results["first"][2].startswith(b"<?xml")
        assert get(port, "/maps/ntm_level.png?year=2020&dpi=150")[0] == 200


def test_pool_held_by_another_process_refuses_every_expensive_route(one_slot):
    app = create_app(one_slot)
    client = app.test_client()
    expensive = [EXPORT, "/maps/ntm_level.html?year=2020", "/api/download/boundaries.gpkg",
                 "/api/download/indicators.xlsx", "/maps/schools_total?scheme=natural_breaks&district=all",
                 "/api/maps/schools_total.json?scheme=natural_breaks&district=all",
                 "/embed/schools_total?scheme=natural_breaks&district=all"]
    # Natural breaks are cheap on one district, and ignored (no classes) for an ordinal indicator.
    cheap = ["/healthz", "/", "/api/download/indicators.csv", "/api/boundaries.geojson",
             "/maps/schools_total?scheme=quantiles&district=all", "/maps/schools_total?scheme=natural_breaks",
             "/maps/ntm_level?scheme=natural_breaks&district=all"]
    with HeldSlots(app):
        for url in expensive:
            response = client.get(url, headers={"Accept-Language": "en"})
            assert response.status_code == 503 and response.headers["Retry-After"] == "5", url
        for url in cheap:
            assert client.get(url).status_code == 200, url
        english = client.get("/api/download/boundaries.gpkg?lang=en").json["error"]["message"]
        assert "server is busy" in english
    for url in expensive:
        assert client.get(url).status_code == 200, url


def test_upload_dry_run_is_expensive_work(one_slot):
    app = create_app(one_slot)
    editor = as_user(app, "ed", "editor")
    token = csrf(editor, "/admin/upload/indicators")
    upload = {"csrf_token": token, "file": (io.BytesIO(b"commune_code,value\n06202,1\n"), "table.csv")}
    with HeldSlots(app):
        refused = editor.post("/admin/upload/indicators", data=upload, content_type="multipart/form-data")
        assert refused.status_code == 503 and refused.headers["Retry-After"] == "5"
    upload["file"] = (io.BytesIO(b"commune_code,value\n06202,1\n"), "table.csv")
    assert editor.post("/admin/upload/indicators", data=upload, content_type="multipart/form-data").status_code != 503


def test_rate_limit_per_client_returns_429(settings):
    app = create_app({**settings, "EXPENSIVE_BURST": 3, "EXPENSIVE_PER_MINUTE": 1})
    client = app.test_client()
    statuses = [client.get(EXPORT).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    limited = client.get(EXPORT)
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1
    assert client.get("/healthz").status_code == 200
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "192.0.2.44"
    for _ in range(5):  # mistakes are answered cheaply and cost nothing
        assert other.get("/maps/ntm_level.png?dpi=50").status_code == 400
    assert other.get(EXPORT).status_code == 200  # another client has its own budget


def test_time_bound_stops_slow_work_and_frees_the_slot(settings, monkeypatch):
    app = create_app({**settings, "EXPENSIVE_SLOTS": 1, "EXPENSIVE_TIMEOUT": 1})
    never, stopped = threading.Event(), threading.Event()
    real_export = embed.export_map

    def endless_export(*args, **kwargs):
        try:
            while not never.is_set():
                sum(range(1000))
        finally:
            stopped.set()

    monkeypatch.setattr(embed, "export_map", endless_export)
    client = app.test_client()
    response = client.get(EXPORT)
    assert stopped.is_set()
    assert response.status_code == 503 and "Retry-After" in response.headers
    assert "quá nhiều thời gian" in response.get_data(as_text=True)
    with HeldSlots(app):  # the stopped request gave its slot back
        pass
    monkeypatch.setattr(embed, "export_map", real_export)
    app.extensions["geoapp_expensive"].timeout = 300
    assert client.get(EXPORT).status_code == 200
