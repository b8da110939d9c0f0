"""Every route that changes something refuses anonymous users and viewers, and needs a CSRF token."""

import io
import re
import warnings
from pathlib import Path

import pytest

from tests.accounts import PASSWORD, as_user, csrf
from tests.ingest.helpers import store_of

MUTATING = {"POST", "PUT", "PATCH", "DELETE"}
# Logging in and out change only the caller's own session.
OPEN_TO_ALL = {"auth.login", "auth.logout"}
EXPECTED = {
    "admin.upload", "admin.recheck", "admin.publish_upload", "admin.discard", "admin.rollback",
    "admin.add_user", "admin.set_role", "admin.set_password", "admin.delete_user",
}
ADMIN_ONLY = {"admin.add_user", "admin.set_role", "admin.set_password", "admin.delete_user"}


def mutating_rules(app):
    """Yield (rule, method) for every route that accepts a mutating method."""
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods & MUTATING):
            yield rule, method


def snapshot(app, root):
    store = store_of(app)
    return (
        store.data_version(),
        [(v.kind, v.version) for kind in ("boundaries", "indicators") for v in store.history(kind)],
        store.list_users(),
        store.audit(),
        sorted(p.name for p in root.iterdir()),
    )


def dry_run(editor, body) -> str:
    """Upload a layer as the editor; return the pending token of its report."""
    report = editor.post("/admin/upload/boundaries", content_type="multipart/form-data", data={
        "csrf_token": csrf(editor, "/admin/"), "file": (io.BytesIO(body), "b.geojson")})
    return re.search(r"/admin/pending/([0-9a-f]{32})/publish", report.get_data(as_text=True)).group(1)


@pytest.fixture
def world(app, settings):
    """Two boundary versions, a pending upload and an editor: (editor, token, pending root, layer bytes)."""
    editor = as_user(app, "ed", "editor")
    layer = store_of(app).read_boundaries()
    layer.loc[0, "commune_name"] = "Tên mới"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        body = layer.to_json(drop_id=True).encode()
    first = dry_run(editor, body)
    editor.post(f"/admin/pending/{first}/publish", data={"csrf_token": csrf(editor, "/admin/"), "comment": "v2"})
    assert store_of(app).published_versions()["boundaries"] == 2
    layer.loc[1, "commune_name"] = "Tên khác"  # an identical upload would have nothing to publish
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        body = layer.to_json(drop_id=True).encode()
    return editor, dry_run(editor, body), Path(settings["DATA_DIR"]) / "pending", body


def request_values(rule, token):
    values = {"kind": "boundaries", "token": token, "name": "ed"}
    return {arg: values[arg] for arg in rule.arguments}


def attack(client, app, rule, method, token, body, with_csrf=True):
    url = app.url_map.bind("localhost").build(rule.endpoint, request_values(rule, token), method=method)
    data = {"comment": "x", "version": "1", "base_version": "2", "role": "admin", "password": PASSWORD,
            "name": "mallory", "with_options": "1", "file": (io.BytesIO(body), "b.geojson")}
    if with_csrf:
        data["csrf_token"] = csrf(client)
    return client.open(url, method=method, data=data, content_type="multipart/form-data")


def refused(response) -> bool:
    if response.status_code in (401, 403):
        return True
    return response.status_code in (302, 303) and "/login" in response.headers["Location"]


def test_the_walk_sees_every_mutating_route(app):
    endpoints = {rule.endpoint for rule, _ in mutating_rules(app)}
    assert EXPECTED <= endpoints


@pytest.mark.parametrize("who", ["anonymous", "viewer"])
def test_every_mutating_route_refuses_anonymous_users_and_viewers(app, world, who):
    editor, token, root, body = world
    client = app.test_client() if who == "anonymous" else as_user(app, "vi", "viewer")
    before = snapshot(app, root)
    walked = []
    for rule, method in mutating_rules(app):
        if rule.endpoint in OPEN_TO_ALL:
            continue
        response = attack(client, app, rule, method, token, body)
        assert refused(response), (who, method, rule.rule, response.status_code)
        walked.append(rule.endpoint)
    assert EXPECTED <= set(walked)
    assert snapshot(app, root) == before


def test_editors_cannot_manage_users(app, world):
    editor, token, root, body = world
    before = snapshot(app, root)
    for rule, method in mutating_rules(app):
        if rule.endpoint in ADMIN_ONLY:
            assert attack(editor, app, rule, method, token, body).status_code == 403, rule.rule
    assert snapshot(app, root) == before


def test_every_mutating_route_needs_a_csrf_token(app, world):
    editor, token, root, body = world
    admin = as_user(app, "an", "admin")
    before = snapshot(app, root)
    for rule, method in mutating_rules(app):
        response = attack(admin, app, rule, method, token, body, with_csrf=False)
        assert response.status_code == 400, (method, rule.rule, response.status_code)
    assert snapshot(app, root) == before
