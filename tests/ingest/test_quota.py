"""Pending uploads cannot fill the disk: rejected ones are cleaned up, quotas per user and in total."""

from __future__ import annotations

import json
import time

import pytest

from geoapp import create_app
from geoapp.config import GEODATA_DIR
from geoapp.data.dataset import read_default_boundaries
from geoapp.ingest import publish
from geoapp.ingest.quota import Quota, entries, purge_rejected
from tests.accounts import as_user, published_bytes
from tests.hostile import cao_loc, case, geojson
from tests.ingest.helpers import pending_token, upload

JUNK = case("junk_200kb").build(None)  # 200 kB of junk named .geojson


@pytest.fixture(scope="module")
def layer():
    return geojson(cao_loc(read_default_boundaries(GEODATA_DIR)))


def pending_bytes(settings) -> int:
    root = publish.pending_root(settings)
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file()) if root.exists() else 0


def test_twenty_junk_uploads_keep_only_the_last_rejected_one(backend_settings):
    app = create_app(backend_settings)
    editor = as_user(app, "ed", "editor")
    before = published_bytes(app, editor)
    for _ in range(20):
        assert upload(editor, "boundaries", "junk.geojson", JUNK).status_code == 422
    root = publish.pending_root(app.extensions["geoapp"].settings)
    kept = entries(root)
    assert len(kept) == 1 and not kept[0].ok and kept[0].author == "ed"
    assert pending_bytes(app.extensions["geoapp"].settings) < 2 * len(JUNK)
    assert published_bytes(app, editor) == before


def test_a_full_user_quota_gets_a_clear_translated_message(backend_settings, layer):
    app = create_app({**backend_settings, "PENDING_USER_UPLOADS": 2})
    editor = as_user(app, "ed", "editor")
    before = published_bytes(app, editor)
    for _ in range(2):
        assert upload(editor, "boundaries", "caoloc.geojson", layer).status_code == 200
    full = upload(editor, "boundaries", "caoloc.geojson", layer)
    assert full.status_code == 413
    assert "Không còn chỗ cho tệp tải lên của bạn: 2/2 tệp đang chờ" in full.get_data(as_text=True)
    editor.set_cookie("lang", "en")
    assert "you have 2 of 2 pending uploads" in upload(editor, "boundaries", "c.geojson", layer).get_data(as_text=True)
    other = as_user(app, "other", "editor")
    assert upload(other, "boundaries", "caoloc.geojson", layer).status_code == 200  # a per-user quota
    assert published_bytes(app, editor) == before


def test_the_total_quota_holds_across_users(backend_settings, layer):
    probe = create_app(backend_settings)
    assert upload(as_user(probe, "p", "editor"), "boundaries", "caoloc.geojson", layer).status_code == 200
    entry = pending_bytes(probe.extensions["geoapp"].settings)  # one pending upload: the file, its findings, its checked layer
    room = 3 * entry + len(layer) / 2  # the probe's and two more pending uploads fit; a fourth does not
    app = create_app({**backend_settings, "PENDING_TOTAL_MB": room / 1024 / 1024})
    first, second = as_user(app, "a", "editor"), as_user(app, "b", "editor")
    assert upload(first, "boundaries", "caoloc.geojson", layer).status_code == 200
    assert upload(second, "boundaries", "caoloc.geojson", layer).status_code == 200
    full = upload(first, "boundaries", "caoloc.geojson", layer)
    assert full.status_code == 413
    assert pending_bytes(app.extensions["geoapp"].settings) <= room


def test_a_recheck_replaces_its_upload_within_the_quota(backend_settings, layer):
    app = create_app({**backend_settings, "PENDING_USER_UPLOADS": 1})
    editor = as_user(app, "ed", "editor")
    report = upload(editor, "boundaries", "caoloc.geojson", layer)
    from tests.accounts import csrf

    again = editor.post(f"/admin/pending/{pending_token(report)}/recheck", data={"csrf_token": csrf(editor, "/admin/")})
    assert again.status_code == 200


def test_rejected_uploads_expire_sooner_than_pending_ones(tmp_path):
    root = tmp_path / "pending"
    for token, ok, author in (("a" * 32, False, "x"), ("b" * 32, True, "x"), ("c" * 32, False, "y")):
        (root / token).mkdir(parents=True)
        (root / token / "meta.json").write_text(json.dumps({"ok": ok, "author": author, "created": time.time()}))
    quota = Quota(rejected_ttl=60)
    assert purge_rejected(root, quota) == []
    assert sorted(purge_rejected(root, quota, now=time.time() + 61)) == ["a" * 32, "c" * 32]
    assert [e.token for e in entries(root)] == ["b" * 32]
