"""Sessions end server-side: logout, password and role changes, sign out everywhere, idle and absolute expiry."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from geoapp.cli import main
from geoapp.sessions import token_hash
from tests.accounts import PASSWORD, add_user, as_user, csrf, login


class Clock:
    """A clock the test moves by hand (seconds since the epoch)."""

    def __init__(self, start: float = 1_900_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(backend_app):
    fake = Clock()
    backend_app.extensions["geoapp_clock"] = fake
    return fake


def session_cookie(client) -> str:
    return client.get_cookie("session").value


def replay(app, cookie: str):
    """A new client that sends a saved session cookie, as an attacker who copied it would."""
    thief = app.test_client()
    thief.set_cookie("session", cookie)
    return thief


def reaches_users_page(client) -> bool:
    response = client.get("/admin/users")
    if response.status_code == 200:
        return True
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    return False


def cli(settings: dict, *args: str, **kwargs):
    env = {"GEOAPP_DATABASE_URL": settings.get("DATABASE_URL", "")}
    return CliRunner().invoke(main, [*args, "--data-dir", settings["DATA_DIR"]], env=env, **kwargs)


def test_cookie_holds_only_a_random_token_stored_hashed(backend_app):
    admin = as_user(backend_app, "boss", "admin")
    cookie = session_cookie(admin)
    payload = backend_app.session_interface.get_signing_serializer(backend_app).loads(cookie)
    assert set(payload) == {"sid"} and len(payload["sid"]) >= 40
    store = backend_app.extensions["geoapp"].store
    assert store.get_session(payload["sid"]) is None  # the store never holds the token itself
    assert store.get_session(token_hash(payload["sid"]))["user_name"] == "boss"


def test_cookie_replayed_after_logout_no_longer_reaches_admin(backend_app):
    admin = as_user(backend_app, "boss", "admin")
    cookie = session_cookie(admin)
    token = csrf(admin, "/admin/users")
    assert reaches_users_page(replay(backend_app, cookie))
    assert admin.post("/logout", data={"csrf_token": token}).status_code == 302

    thief = replay(backend_app, cookie)
    assert not reaches_users_page(thief)
    created = thief.post("/admin/users", data={"name": "mallory", "password": PASSWORD, "role": "admin",
                                               "csrf_token": token})
    assert created.status_code in (302, 400, 401) and "/admin/users" not in created.headers.get("Location", "")
    assert backend_app.extensions["geoapp"].store.get_user("mallory") is None


def test_password_change_on_the_web_ends_the_accounts_sessions(backend_app):
    admin = as_user(backend_app, "boss", "admin")
    victim = as_user(backend_app, "ed", "admin")
    saved = session_cookie(victim)
    assert reaches_users_page(victim)
    changed = admin.post("/admin/users/ed/password", data={"password": "another password 9",
                                                           "csrf_token": csrf(admin, "/admin/users")})
    assert changed.status_code == 303
    assert not reaches_users_page(victim) and not reaches_users_page(replay(backend_app, saved))
    assert reaches_users_page(admin)  # other accounts keep their sessions
    assert login(backend_app.test_client(), "ed", "another password 9").status_code == 302


def test_role_change_on_the_web_ends_the_accounts_sessions(backend_app):
    admin = as_user(backend_app, "boss", "admin")
    other = as_user(backend_app, "ed", "admin")
    assert reaches_users_page(other)
    assert admin.post("/admin/users/ed/role", data={"role": "editor",
                                                    "csrf_token": csrf(admin, "/admin/users")}).status_code == 303
    assert other.get("/admin/").status_code == 302  # logged out, not merely demoted
    assert login(other, "ed").status_code == 302 and other.get("/admin/").status_code == 200


def test_sign_out_everywhere_on_the_web(backend_app):
    admin = as_user(backend_app, "boss", "admin")
    laptop, phone = as_user(backend_app, "ed", "admin"), backend_app.test_client()
    assert login(phone, "ed").status_code == 302
    bystander = as_user(backend_app, "an", "admin")
    response = admin.post("/admin/users/ed/signout", data={"csrf_token": csrf(admin, "/admin/users")})
    assert response.status_code == 303
    assert not reaches_users_page(laptop) and not reaches_users_page(phone)
    assert reaches_users_page(bystander) and reaches_users_page(admin)
    entry = backend_app.extensions["geoapp"].store.audit(1)[0]
    assert (entry["actor"], entry["action"], entry["detail"]) == ("boss", "sign out everywhere", "ed (2 sessions)")

    everyone = admin.post("/admin/users/signout", data={"csrf_token": csrf(admin, "/admin/users")})
    assert everyone.status_code == 303
    assert not reaches_users_page(bystander) and not reaches_users_page(admin)


def test_sign_out_password_and_role_from_the_cli(backend_app, backend_settings):
    first, second = as_user(backend_app, "ed", "admin"), as_user(backend_app, "an", "admin")
    third = as_user(backend_app, "jo", "admin")
    signed_out = cli(backend_settings, "users", "signout", "ed")
    assert signed_out.exit_code == 0 and "ended 1 sessions" in signed_out.output, signed_out.output
    assert not reaches_users_page(first) and reaches_users_page(second)

    assert cli(backend_settings, "users", "set-password", "an", "--password-stdin", input="new password 77\n").exit_code == 0
    assert not reaches_users_page(second) and reaches_users_page(third)
    assert cli(backend_settings, "users", "set-role", "jo", "editor").exit_code == 0
    assert third.get("/admin/").status_code == 302

    again = as_user(backend_app, "zed", "admin")
    assert cli(backend_settings, "users", "signout", "--all").exit_code == 0
    assert not reaches_users_page(again)
    assert cli(backend_settings, "users", "signout", "ghost").exit_code != 0
    assert cli(backend_settings, "users", "signout").exit_code != 0


def test_idle_timeout(backend_app, clock):
    idle = backend_app.config["GEOAPP"]["SESSION_IDLE_MINUTES"] * 60
    admin = as_user(backend_app, "boss", "admin")
    for _ in range(3):  # active use keeps the session alive past the idle time
        clock.advance(idle - 61)
        assert reaches_users_page(admin)
    clock.advance(idle + 1)
    assert not reaches_users_page(admin)


def test_absolute_lifetime(backend_app, clock):
    settings = backend_app.config["GEOAPP"]
    step = settings["SESSION_IDLE_MINUTES"] * 60 - 61
    lifetime = settings["SESSION_MAX_HOURS"] * 3600
    admin = as_user(backend_app, "boss", "admin")
    elapsed = 0
    while elapsed + step < lifetime:
        clock.advance(step)
        elapsed += step
        assert reaches_users_page(admin)
    clock.advance(lifetime - elapsed + 1)
    assert not reaches_users_page(admin)
    assert login(admin, "boss").status_code == 302 and reaches_users_page(admin)


def test_expired_sessions_are_purged_at_the_next_login(backend_app, clock):
    store = backend_app.extensions["geoapp"].store
    old = as_user(backend_app, "boss", "admin")
    old_token = backend_app.session_interface.get_signing_serializer(backend_app).loads(session_cookie(old))["sid"]
    clock.advance(backend_app.config["GEOAPP"]["SESSION_MAX_HOURS"] * 3600 + 1)
    assert store.get_session(token_hash(old_token)) is not None  # never used again, still stored
    assert login(backend_app.test_client(), "boss").status_code == 302
    assert store.get_session(token_hash(old_token)) is None
