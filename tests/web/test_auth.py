import json

import pytest
from click.testing import CliRunner

from geoapp import create_app
from geoapp.accounts import (
    allows,
    authenticate,
    change_role,
    create_user,
    hash_password,
    remove_user,
    reset_password,
    verify_password,
)
from geoapp.cli import main
from geoapp.data.dataset import ensure_store
from geoapp.errors import Conflict, Invalid
from tests.accounts import PASSWORD, add_user, as_user, csrf, login


@pytest.fixture
def store(settings):
    from geoapp.config import load_settings

    return ensure_store(load_settings(settings))


def test_passwords_are_salted_scrypt_hashes():
    first, second = hash_password(PASSWORD), hash_password(PASSWORD)
    assert first.startswith("scrypt:") and PASSWORD not in first
    assert first != second
    assert verify_password(first, PASSWORD) and not verify_password(first, PASSWORD + "x")
    with pytest.raises(Invalid):
        hash_password("short")


def test_roles_are_ordered():
    assert allows("admin", "editor") and allows("editor", "editor") and allows("viewer", "viewer")
    assert not allows("viewer", "editor") and not allows("editor", "admin") and not allows(None, "viewer")
    assert not allows("root", "viewer")


def test_accounts_and_audit(store):
    create_user(store, "an", PASSWORD, "admin", actor="setup")
    create_user(store, "ed", PASSWORD, "editor", actor="an")
    assert authenticate(store, "ed", PASSWORD)["role"] == "editor"
    assert authenticate(store, "ed", "wrong password") is None
    assert authenticate(store, "nobody", PASSWORD) is None
    with pytest.raises(Conflict):
        create_user(store, "ed", PASSWORD, "viewer", actor="an")
    with pytest.raises(Invalid):
        create_user(store, "<b>x</b>", PASSWORD, "viewer", actor="an")
    with pytest.raises(Invalid):
        create_user(store, "x", PASSWORD, "root", actor="an")
    change_role(store, "ed", "admin", actor="an")
    reset_password(store, "ed", "another password", actor="an")
    assert authenticate(store, "ed", "another password")["role"] == "admin"
    remove_user(store, "ed", actor="an")
    with pytest.raises(Conflict):
        remove_user(store, "an", actor="an")  # the last admin stays
    with pytest.raises(Conflict):
        change_role(store, "an", "editor", actor="an")
    assert [u["name"] for u in store.list_users()] == ["an"]
    actions = [(e["actor"], e["action"]) for e in store.audit()]
    assert ("an", "add user") in actions and ("an", "change role") in actions
    assert ("an", "change password") in actions and ("an", "delete user") in actions
    assert all(PASSWORD not in json.dumps(e) for e in store.audit())


def test_login_sets_a_hardened_session_and_renews_it(app):
    add_user(app, "ed", "editor")
    client = app.test_client()
    before = csrf(client)
    response = login(client, "ed")
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    after = csrf(client, "/admin/")
    assert after != before  # a new session after login
    page = client.get("/").get_data(as_text=True)
    assert 'id="nav-admin"' in page and 'id="nav-logout"' in page
    assert client.post("/logout", data={"csrf_token": before}).status_code == 400  # the old token is dead
    assert client.get("/logout").status_code == 405  # logout is a POST
    assert client.post("/logout", data={"csrf_token": after}).status_code == 302
    assert client.get("/admin/").status_code == 302  # logged out


def test_secure_cookie_setting(settings):
    app = create_app({**settings, "SESSION_COOKIE_SECURE": True})
    add_user(app, "ed", "editor")
    assert "Secure" in login(app.test_client(), "ed").headers["Set-Cookie"]


def test_wrong_password_is_refused_without_saying_which_part(app):
    add_user(app, "ed", "editor")
    client = app.test_client()
    wrong = login(client, "ed", "not the password")
    unknown = login(client, "nobody", "not the password")
    assert wrong.status_code == unknown.status_code == 401
    assert 'id="login-error"' in wrong.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302


def test_login_needs_a_csrf_token(app):
    add_user(app, "ed", "editor")
    client = app.test_client()
    response = client.post("/login", data={"name": "ed", "password": PASSWORD})
    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302


def test_login_only_redirects_within_the_site(app):
    add_user(app, "ed", "editor")
    for target in ("//evil.example/x", "/\\evil.example", "/\t/evil.example", "https://evil.example/"):
        client = app.test_client()
        data = {"name": "ed", "password": PASSWORD, "csrf_token": csrf(client), "next": target}
        assert client.post("/login", data=data).headers["Location"].endswith("/admin/"), target
    client = app.test_client()
    token = csrf(client)
    good = client.post("/login", data={"name": "ed", "password": PASSWORD, "csrf_token": token, "next": "/admin/audit"})
    assert good.headers["Location"].endswith("/admin/audit")


def test_password_reset_and_deletion_end_sessions(app):
    store = app.extensions["geoapp"].store
    client = as_user(app, "ed", "editor")
    assert client.get("/admin/").status_code == 200
    reset_password(store, "ed", "a brand new password", actor="test")
    assert client.get("/admin/").status_code == 302
    assert login(client, "ed", "a brand new password").status_code == 302
    assert client.get("/admin/").status_code == 200
    store.delete_user("ed", actor="test")
    assert client.get("/admin/").status_code == 302


def test_viewers_do_not_reach_admin_pages(app):
    viewer = as_user(app, "vi", "viewer")
    assert viewer.get("/admin/").status_code == 403
    assert 'id="nav-admin"' not in viewer.get("/").get_data(as_text=True)


def test_require_login_covers_everything_but_health_login_and_assets(settings):
    app = create_app({**settings, "REQUIRE_LOGIN": True})
    client = app.test_client()
    for path in ("/", "/maps/defence_drills", "/communes/06184"):
        response = client.get(path)
        assert response.status_code == 302 and "/login?next=" in response.headers["Location"]
    api = client.get("/api/indicators")
    assert api.status_code == 401 and api.is_json
    assert client.get("/healthz").status_code == 200
    assert client.get("/login").status_code == 200
    assert client.get("/static/geoapp.css").status_code == 200
    assert client.get("/vendor/leaflet/leaflet.js").status_code == 200
    add_user(app, "vi", "viewer")
    response = client.post("/login?next=/maps/defence_drills",
                           data={"name": "vi", "password": PASSWORD, "csrf_token": csrf(client)})
    assert response.headers["Location"].endswith("/maps/defence_drills")
    assert client.get("/maps/defence_drills").status_code == 200
    assert client.get("/api/indicators").status_code == 200


def test_login_is_public_by_default(client):
    assert client.get("/").status_code == 200
    assert 'id="nav-login"' in client.get("/").get_data(as_text=True)


def run(args, data_dir, **kwargs):
    return CliRunner().invoke(main, [*args, "--data-dir", str(data_dir)], **kwargs)


def test_cli_users(tmp_path, store):
    data_dir = tmp_path / "data"
    added = run(["users", "add", "an", "--role", "admin", "--password-stdin"], data_dir, input=PASSWORD + "\n")
    assert added.exit_code == 0, added.output
    prompted = run(["users", "add", "ed", "--role", "editor"], data_dir, input=f"{PASSWORD}\n{PASSWORD}\n")
    assert prompted.exit_code == 0, prompted.output
    mismatch = run(["users", "add", "ex"], data_dir, input=f"{PASSWORD}\nsomething else\n")
    assert mismatch.exit_code != 0
    on_command_line = run(["users", "add", "ev", "--password", PASSWORD], data_dir)
    assert on_command_line.exit_code == 2 and "No such option" in on_command_line.output
    assert run(["users", "set-role", "ed", "admin"], data_dir).exit_code == 0
    listed = json.loads(run(["users", "list", "--json"], data_dir).output)
    assert [(u["name"], u["role"]) for u in listed] == [("an", "admin"), ("ed", "admin")]
    assert "password" not in json.dumps(listed)
    assert run(["users", "set-password", "ed", "--password-stdin"], data_dir, input="new password 1\n").exit_code == 0
    assert authenticate(store, "ed", "new password 1") is not None
    assert run(["users", "delete", "ed"], data_dir).exit_code == 0
    refused = run(["users", "delete", "an"], data_dir)
    assert refused.exit_code != 0 and "last admin" in refused.output
    assert run(["users", "delete", "ghost"], data_dir).exit_code != 0
    assert [u["name"] for u in store.list_users()] == ["an"]
    newest = store.audit()[0]
    assert newest["action"] == "delete user" and newest["detail"] == "ed" and newest["actor"].startswith("cli")
