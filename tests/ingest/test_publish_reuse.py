"""Publishing reuses the dry run's checked frame; full findings download as JSON; HTML lists the first hundred."""

from __future__ import annotations

import io
import re

import pandas as pd
import pytest
from geopandas.testing import assert_geodataframe_equal

from geoapp.config import load_settings
from geoapp.data.dataset import ensure_store
from geoapp.ingest import publish
from tests.accounts import as_user, csrf
from tests.ingest.test_publish import geojson, published, renamed


@pytest.fixture
def store(settings):
    return ensure_store(load_settings(settings))


@pytest.fixture
def root(tmp_path):
    return tmp_path / "pending"


def refuse_to_check(*args, **kwargs):
    raise AssertionError("the upload was checked a second time")


def test_publish_uses_the_checked_frame_without_checking_again(store, root, monkeypatch):
    pending, check = publish.dry_run(published(store), "boundaries", "new.geojson", geojson(renamed(store)), {},
                                     root=root)
    assert check.ok
    monkeypatch.setattr(publish, "run_check", refuse_to_check)
    pending = publish.load_pending(root, pending.token)
    assert publish.publish_pending(store, published(store), pending, "ed", "renamed", root=root) == 2
    assert_geodataframe_equal(store.read_boundaries(), check.frame.reset_index(drop=True), check_dtype=False)


def test_an_indicator_table_is_checked_again_when_the_boundaries_changed(store, root, monkeypatch):
    table = store.read_indicators()
    table.loc[(table["commune_code"] == "06202") & (table["indicator"] == "schools_total"), "value"] = "12345"
    raw = table.to_csv(index=False).encode("utf-8")
    pending, check = publish.dry_run(published(store), "indicators", "values.csv", raw, {}, root=root)
    assert check.ok
    publish.publish_checked(store, "boundaries", 1, publish.run_check(published(store), "boundaries", "b.geojson",
                            geojson(renamed(store)), {})[1], author="ed", comment="boundaries first")
    calls = []
    real = publish.run_check
    monkeypatch.setattr(publish, "run_check", lambda *a, **k: calls.append(a[1]) or real(*a, **k))
    assert publish.publish_pending(store, published(store), pending, "ed", "values", root=root) == 2
    assert calls == ["indicators"]
    assert "12345" in set(store.read_indicators()["value"])


def test_the_checked_table_round_trips_with_its_types(store, root):
    table = store.read_indicators()
    hit = (table["commune_code"] == "06202") & (table["indicator"] == "schools_total")
    raw = table.assign(value=table["value"].where(~hit, "7.5")).to_csv(index=False).encode("utf-8")
    pending, check = publish.dry_run(published(store), "indicators", "values.csv", raw, {}, root=root)
    pending = publish.load_pending(root, pending.token)
    frame = pending.checked_frame(store.published_versions())
    pd.testing.assert_frame_equal(frame.reset_index(drop=True), check.frame.reset_index(drop=True))


def test_report_lists_a_hundred_per_kind_and_the_json_has_all(app):
    editor = as_user(app, "ed", "editor")
    store = app.extensions["geoapp"].store
    rows = [{"ma_xa": f"9{i:04d}", "nam": 2021, "ocop_total": "1"} for i in range(150)]
    rows.append({"ma_xa": "06202", "nam": 2021, "ocop_total": "2"})
    body = pd.DataFrame(rows).to_csv(index=False).encode("utf-8")
    data = {"csrf_token": csrf(editor, "/admin/upload/indicators"), "file": (io.BytesIO(body), "t.csv")}
    page = editor.post("/admin/upload/indicators", data=data, content_type="multipart/form-data")
    text = page.get_data(as_text=True)
    unmatched = re.search(r'<ul id="report-unmatched">(.*?)</ul>', text, re.S).group(1)
    assert unmatched.count("<li>") == 100
    assert "and 50 more" in text or "và 50 mục khác" in text
    link = re.search(r'id="report-json" href="([^"]+)"', text).group(1)
    full = editor.get(link + "?lang=en")
    assert full.status_code == 200 and full.headers["Content-Disposition"].startswith("attachment")
    report = full.get_json()
    assert len(report["report"]["match"]["unmatched"]) == 150
    assert any(w["key"] == "upload_rows_unmatched" and "150" in w["message"] for w in report["warnings"])
    assert store.published_versions()["indicators"] == 1
    assert as_user(app, "viewer1", "viewer").get(link).status_code in (302, 403)


def test_a_streamed_upload_is_written_once_and_kept_as_the_pending_file(store, root):
    raw = geojson(renamed(store))
    pending, check = publish.dry_run_stream(published(store), "boundaries", "new.geojson", io.BytesIO(raw), {},
                                            root=root)
    assert check.ok
    assert (root / pending.token / "upload.bin").read_bytes() == raw
    assert not list(root.glob(".incoming-*"))
    assert publish.publish_pending(store, published(store), pending, "ed", "streamed", root=root) == 2


def test_a_streamed_upload_over_the_limit_is_refused_and_removed(store, root):
    from geoapp.errors import Invalid
    from geoapp.ingest import Limits

    with pytest.raises(Invalid) as exc:
        publish.dry_run_stream(published(store), "boundaries", "big.geojson", io.BytesIO(b"{" + b" " * 5000 + b"}"), {},
                               root=root, limits=Limits(max_bytes=1000))
    assert exc.value.key == "upload_too_large"
    assert list(root.iterdir()) == []


def test_uploads_checked_from_a_mapped_file_match_bytes(store, root, tmp_path):
    raw = geojson(renamed(store))
    path = tmp_path / "upload.geojson"
    path.write_bytes(raw)
    from_bytes = publish.run_check(published(store), "boundaries", "a.geojson", raw, {})[1]
    from_map = publish.run_check(published(store), "boundaries", "a.geojson", publish.mapped(path), {})[1]
    assert from_map.ok and from_map.report["diff"] == from_bytes.report["diff"]
