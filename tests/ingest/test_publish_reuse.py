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


def refuse_to_check(*args, **kwargs):
    raise AssertionError("the upload was checked a second time")


def test_publish_uses_the_checked_frame_without_checking_again(gpkg_store, pending_dir, monkeypatch):
    pending, check = publish.dry_run(published(gpkg_store), "boundaries", "new.geojson", geojson(renamed(gpkg_store)), {},
                                     root=pending_dir)
    assert check.ok
    monkeypatch.setattr(publish, "run_check", refuse_to_check)
    pending = publish.load_pending(pending_dir, pending.token)
    assert publish.publish_pending(gpkg_store, published(gpkg_store), pending, "ed", "renamed", root=pending_dir) == 2
    assert_geodataframe_equal(gpkg_store.read_boundaries(), check.frame.reset_index(drop=True), check_dtype=False)


def test_an_indicator_table_is_checked_again_when_the_boundaries_changed(gpkg_store, pending_dir, monkeypatch):
    table = gpkg_store.read_indicators()
    table.loc[(table["commune_code"] == "06202") & (table["indicator"] == "schools_total"), "value"] = "12345"
    raw = table.to_csv(index=False).encode("utf-8")
    pending, check = publish.dry_run(published(gpkg_store), "indicators", "values.csv", raw, {}, root=pending_dir)
    assert check.ok
    publish.publish_checked(gpkg_store, "boundaries", 1, publish.run_check(published(gpkg_store), "boundaries", "b.geojson",
                            geojson(renamed(gpkg_store)), {})[1], author="ed", comment="boundaries first")
    calls = []
    real = publish.run_check
    monkeypatch.setattr(publish, "run_check", lambda *a, **k: calls.append(a[1]) or real(*a, **k))
    assert publish.publish_pending(gpkg_store, published(gpkg_store), pending, "ed", "values", root=pending_dir) == 2
    assert calls == ["indicators"]
    assert "12345" in set(gpkg_store.read_indicators()["value"])


def test_the_checked_table_round_trips_with_its_types(gpkg_store, pending_dir):
    table = gpkg_store.read_indicators()
    hit = (table["commune_code"] == "06202") & (table["indicator"] == "schools_total")
    raw = table.assign(value=table["value"].where(~hit, "7.5")).to_csv(index=False).encode("utf-8")
    pending, check = publish.dry_run(published(gpkg_store), "indicators", "values.csv", raw, {}, root=pending_dir)
    pending = publish.load_pending(pending_dir, pending.token)
    frame = pending.checked_frame(gpkg_store.published_versions())
    pd.testing.assert_frame_equal(frame.reset_index(drop=True), check.frame.reset_index(drop=True))


def test_report_lists_a_hundred_per_kind_and_the_json_has_all(app):
    editor = as_user(app, "ed", "editor")
    app_store = app.extensions["geoapp"].store
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
    assert app_store.published_versions()["indicators"] == 1
    assert as_user(app, "viewer1", "viewer").get(link).status_code in (302, 403)


def test_a_streamed_upload_is_written_once_and_kept_as_the_pending_file(gpkg_store, pending_dir):
    raw = geojson(renamed(gpkg_store))
    pending, check = publish.dry_run_stream(published(gpkg_store), "boundaries", "new.geojson", io.BytesIO(raw), {},
                                            root=pending_dir)
    assert check.ok
    assert (pending_dir / pending.token / "upload.bin").read_bytes() == raw
    assert not list(pending_dir.glob(".incoming-*"))
    assert publish.publish_pending(gpkg_store, published(gpkg_store), pending, "ed", "streamed", root=pending_dir) == 2


def test_a_streamed_upload_over_the_limit_is_refused_and_removed(gpkg_store, pending_dir):
    from geoapp.errors import Invalid
    from geoapp.ingest import Limits

    with pytest.raises(Invalid) as exc:
        publish.dry_run_stream(published(gpkg_store), "boundaries", "big.geojson", io.BytesIO(b"{" + b" " * 5000 + b"}"), {},
                               root=pending_dir, limits=Limits(max_bytes=1000))
    assert exc.value.key == "upload_too_large"
    assert list(pending_dir.iterdir()) == []


def test_uploads_checked_from_a_mapped_file_match_bytes(gpkg_store, pending_dir, tmp_path):
    raw = geojson(renamed(gpkg_store))
    path = tmp_path / "upload.geojson"
    path.write_bytes(raw)
    from_bytes = publish.run_check(published(gpkg_store), "boundaries", "a.geojson", raw, {})[1]
    from_map = publish.run_check(published(gpkg_store), "boundaries", "a.geojson", publish.mapped(path), {})[1]
    assert from_map.ok and from_map.report["diff"] == from_bytes.report["diff"]
