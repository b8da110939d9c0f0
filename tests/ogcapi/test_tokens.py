"""Personal API tokens: stored as digests in both backends, managed from the command line,
accepted for read-only requests when login is required (OWSLib and GDAL send them as a header)."""

from __future__ import annotations

import os
import subprocess

import pytest
from click.testing import CliRunner
from owslib.ogcapi.features import Features

from geoapp.cli import main
from geoapp.errors import NotFound
from geoapp.tokens import issue_token, revoke_token, token_digest, token_owner
from tests.accounts import as_user
from tests.ogcapi.conftest import API


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_tokens_are_stored_as_digests_and_revocable(store):
    token_id, token = issue_token(store, "gis.nguyen", actor="admin")
    assert token_owner(store, token) == {"id": token_id, "name": "gis.nguyen"}
    assert token_owner(store, token + "x") is None and token_owner(store, "") is None
    listed = store.list_api_tokens()
    assert listed == [{"id": token_id, "name": "gis.nguyen", "created_at": listed[0]["created_at"], "revoked_at": None}]
    assert token not in repr(listed) and token_digest(token) not in repr(listed)
    revoke_token(store, token_id, actor="admin")
    assert token_owner(store, token) is None
    assert store.list_api_tokens()[0]["revoked_at"]
    with pytest.raises(NotFound):
        revoke_token(store, token_id, actor="admin")  # already revoked
    with pytest.raises(NotFound):
        revoke_token(store, 999, actor="admin")
    assert [e["action"] for e in store.audit(2)] == ["revoke api token", "add api token"]


def test_cli_adds_lists_and_revokes(backend_settings, tmp_path, monkeypatch):
    if backend_settings.get("DATABASE_URL"):
        monkeypatch.setenv("GEOAPP_DATABASE_URL", backend_settings["DATABASE_URL"])
    data_dir = ["--data-dir", backend_settings["DATA_DIR"]]
    runner = CliRunner()
    added = runner.invoke(main, ["tokens", "add", "gis.tran", *data_dir])
    assert added.exit_code == 0, added.output
    token = added.stdout.strip().splitlines()[-1]
    assert token.startswith("geoapp_") and len(token) > 40
    listed = runner.invoke(main, ["tokens", "list", *data_dir])
    assert "gis.tran" in listed.output and "active" in listed.output and token not in listed.output
    token_id = listed.output.split("\t", 1)[0]
    revoked = runner.invoke(main, ["tokens", "revoke", token_id, *data_dir])
    assert revoked.exit_code == 0, revoked.output
    assert "revoked" in runner.invoke(main, ["tokens", "list", *data_dir]).output
    again = runner.invoke(main, ["tokens", "revoke", token_id, *data_dir])
    assert again.exit_code == 2 and "no active API token" in again.output
    bad_name = runner.invoke(main, ["tokens", "add", "not a name", *data_dir])
    assert bad_name.exit_code == 2


def test_login_required_without_a_token_is_401_for_clients_and_a_login_page_for_browsers(login_app):
    client = login_app.test_client()
    response = client.get(API + "/collections")
    assert response.status_code == 401
    assert response.get_json()["code"] == "Unauthorized"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    page = client.get(API + "/collections", headers={"Accept": "text/html"})
    assert page.status_code == 302 and "/login" in page.headers["Location"]
    wrong = client.get(API + "/collections", headers=bearer("geoapp_not-a-token"))
    assert wrong.status_code == 401


def test_a_logged_in_viewer_reads_the_api_without_a_token(login_app):
    client = as_user(login_app, "viewer1", "viewer")
    assert client.get(API + "/collections/communes-2021/items?limit=1").status_code == 200
    assert client.get(API + "/collections?f=html").status_code == 200


def test_a_token_reads_but_never_writes_or_administers(login_app):
    store = login_app.extensions["geoapp"].store
    _, token = issue_token(store, "gis.le", actor="admin")
    client = login_app.test_client()
    assert client.get(API + "/collections/communes-2021/items", headers=bearer(token)).status_code == 200
    assert client.get("/", headers=bearer(token)).status_code == 200  # other read-only pages too
    admin = client.get("/admin/", headers=bearer(token))
    assert admin.status_code == 401  # a token is no login: it never opens the admin pages
    versions = store.published_versions()
    rollback = client.post("/admin/history/boundaries/rollback", data={"version": "1"}, headers=bearer(token))
    assert rollback.status_code in (400, 401)  # refused (CSRF or login), never performed
    assert store.published_versions() == versions
    assert store.audit(1)[0]["action"] == "add api token"


def test_owslib_with_a_token_and_after_revocation(login_server, login_app):
    store = login_app.extensions["geoapp"].store
    token_id, token = issue_token(store, "gis.pham", actor="admin")
    client = Features(login_server.url + API, headers=bearer(token))
    assert client.feature_collections() == ["communes-2021", "districts-2021", "indicators-2021", "communes-2025", "indicators-2025"]
    assert client.collection_items("communes-2021", limit=1000)["numberReturned"] == 194
    revoke_token(store, token_id, actor="admin")
    with pytest.raises(RuntimeError, match="Unauthorized"):
        client.collection_items("communes-2021", limit=5)


def test_gdal_with_a_token_header(login_server, login_app, tmp_path):
    store = login_app.extensions["geoapp"].store
    token_id, token = issue_token(store, "gis.vu", actor="admin")
    url = f"OAPIF:{login_server.url}{API}"
    env = {"GDAL_HTTP_HEADERS": f"Authorization: Bearer {token}"}
    target = tmp_path / "communes.gpkg"
    done = subprocess.run(["ogr2ogr", "-f", "GPKG", str(target), url, "communes-2021", "-nlt", "PROMOTE_TO_MULTI"],
                          capture_output=True, text=True, timeout=120, env={**_environ(), **env})
    assert done.returncode == 0, done.stderr
    listed = subprocess.run(["ogrinfo", "-ro", "-so", str(target), "communes-2021"], capture_output=True, text=True)
    assert "Feature Count: 194" in listed.stdout
    refused = subprocess.run(["ogrinfo", "-ro", "-q", url], capture_output=True, text=True, timeout=120, env=_environ())
    assert refused.returncode != 0 and "401" in refused.stderr
    revoke_token(store, token_id, actor="admin")
    revoked = subprocess.run(["ogrinfo", "-ro", "-q", url], capture_output=True, text=True, timeout=120,
                             env={**_environ(), **env})
    assert revoked.returncode != 0 and "401" in revoked.stderr


def _environ() -> dict:
    """The environment without GDAL HTTP settings of the calling shell."""
    return {k: v for k, v in os.environ.items() if not k.startswith("GDAL_HTTP")}
