"""Uploading through the admin pages and reading what is published, for the ingest tests."""

from __future__ import annotations

import io
import re

from tests.accounts import csrf

CAO_LOC = "183"


def store_of(app):
    return app.extensions["geoapp"].store


def upload(client, kind: str, filename: str, body: bytes, **fields):
    data = {"csrf_token": csrf(client, f"/admin/upload/{kind}"), "file": (io.BytesIO(body), filename), **fields}
    return client.post(f"/admin/upload/{kind}", data=data, content_type="multipart/form-data")


def issue_keys(response) -> list[str]:
    return re.findall(r'<li data-key="([^"]+)"', response.get_data(as_text=True))


def pending_token(response) -> str:
    match = re.search(r'action="/admin/pending/([0-9a-f]{32})/', response.get_data(as_text=True))
    assert match, response.get_data(as_text=True)[:2000]
    return match.group(1)


def try_publish(client, response, comment="publish anyway"):
    """Post the publish form of a dry-run report (also when the page offers none)."""
    token = pending_token(response)
    return client.post(f"/admin/pending/{token}/publish", data={"csrf_token": csrf(client, "/admin/"), "comment": comment})



def form_token(response, action: str) -> str:
    """Return the pending token in the report's form for `action` ("publish", "recheck"); fail if there is none."""
    match = re.search(rf'action="/admin/pending/([0-9a-f]{{32}})/{action}"', response.get_data(as_text=True))
    assert match, f"no {action} form"
    return match.group(1)


def publish_report(client, report, comment="checked and approved"):
    """Post the publish form that a dry-run report offers."""
    token = form_token(report, "publish")
    return client.post(f"/admin/pending/{token}/publish", data={"csrf_token": csrf(client, "/admin/"), "comment": comment})
