"""Repairs and changes that move a unit's area, and replaced districts: errors unless confirmed with a reason."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from geoapp import create_app
from geoapp.cli import main
from geoapp.config import GEODATA_DIR, load_settings
from geoapp.data.dataset import read_default_boundaries
from geoapp.ingest import check_boundaries
from geoapp.storage import open_store
from tests.accounts import as_user, published_bytes
from tests.hostile import case
from tests.ingest.helpers import issue_keys, store_of, try_publish, upload

REASON = "Resurvey of 2024, decision 17/QĐ-UBND"


@pytest.fixture(scope="module")
def published():
    return read_default_boundaries(GEODATA_DIR)


def test_a_bow_tie_repair_that_shrinks_06199_is_an_error_naming_it(published):
    hostile = case("bowtie_06199")
    check = check_boundaries(hostile.filename, hostile.build(published), published=published)
    [area] = [i for i in check.errors if i.key == "upload_area_changed"]
    [unit] = check.report["confirmation"]["units"]
    assert unit["code"] == "06199" and unit["area_change_pct"] < -1
    assert "06199" in area.message("en") and "upload_repair_changed_area" in [i.key for i in check.errors]
    assert check.frame is None


def test_a_circle_of_the_same_area_still_moves_the_unit(published):
    hostile = case("circle_06184")
    check = check_boundaries(hostile.filename, hostile.build(published), published=published)
    [unit] = check.report["confirmation"]["units"]
    assert unit["code"] == "06184" and abs(unit["area_change_pct"]) < 1 and unit["moved_pct"] > 20
    confirmed = check_boundaries(hostile.filename, hostile.build(published), published=published, confirm=REASON)
    assert confirmed.ok and "upload_area_changed" in [i.key for i in confirmed.warnings]
    assert confirmed.report["confirmation"]["reason"] == REASON


def test_the_tolerance_is_a_setting(published):
    hostile = case("circle_06184")
    from geoapp.ingest import Limits

    check = check_boundaries(hostile.filename, hostile.build(published), published=published,
                             limits=Limits(max_area_change_pct=50.0))
    assert check.ok and check.report["confirmation"]["needed"] is False


def test_replacing_a_district_by_very_different_units_needs_a_reason(published):
    raw = case("merged_district_183").build(published)
    check = check_boundaries("merged.geojson", raw, published=published)
    [issue] = [i for i in check.errors if i.key == "upload_district_replaced"]
    assert issue.params["old_count"] == 22 and issue.params["new_count"] == 3
    assert check_boundaries("merged.geojson", raw, published=published, confirm=REASON).ok


@pytest.mark.parametrize("name", ["circle_06184", "bowtie_06199"])
def test_confirming_on_the_web_publishes_and_records_the_reason(backend_app, published, name):
    hostile = case(name)
    editor = as_user(backend_app, "ed", "editor")
    before = published_bytes(backend_app, editor)
    refused = upload(editor, "boundaries", hostile.filename, hostile.build(published))
    assert refused.status_code == 422 and set(hostile.expected) <= set(issue_keys(refused))
    assert 'id="confirm-reason"' in refused.get_data(as_text=True)
    assert try_publish(editor, refused).status_code == 422
    assert published_bytes(backend_app, editor) == before
    confirmed = upload(editor, "boundaries", hostile.filename, hostile.build(published), confirm=REASON)
    assert confirmed.status_code == 200, issue_keys(confirmed)
    assert try_publish(editor, confirmed, comment="new outline").status_code == 303
    assert published_bytes(backend_app, editor) != before
    [entry] = [e for e in store_of(backend_app).audit(50) if e["action"] == "confirm boundaries"]
    assert entry["comment"] == REASON and entry["actor"] == "ed" and hostile.name.split("_")[1] in entry["detail"]


def test_confirming_on_the_command_line_records_the_reason(backend_settings, published, tmp_path):
    path = tmp_path / "circle.geojson"
    path.write_bytes(case("circle_06184").build(published))
    create_app(backend_settings)
    store = open_store(load_settings(backend_settings))
    before = store.published_versions()["boundaries"]
    env = {"GEOAPP_DATABASE_URL": backend_settings.get("DATABASE_URL", ""), "GEOAPP_DATA_DIR": backend_settings["DATA_DIR"]}
    refused = CliRunner().invoke(main, ["layers", "import", str(path), "--json"], env=env)
    assert refused.exit_code == 1 and store.published_versions()["boundaries"] == before
    assert "upload_area_changed" in [e["key"] for e in json.loads(refused.output)["check"]["errors"]]
    done = CliRunner().invoke(main, ["layers", "import", str(path), "--confirm", REASON, "--author", "gis"], env=env)
    assert done.exit_code == 0, done.output
    assert store.published_versions()["boundaries"] == before + 1
    [entry] = [e for e in store.audit(50) if e["action"] == "confirm boundaries"]
    assert entry["comment"] == REASON and entry["actor"] == "gis" and "06184" in entry["detail"]
