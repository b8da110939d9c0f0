"""Uploads in the right place: units inside the district their code names, codes of the right district and province."""

from __future__ import annotations

import pytest

from geoapp.config import GEODATA_DIR
from geoapp.data.dataset import read_default_boundaries
from geoapp.i18n import format_number
from geoapp.ingest import check_boundaries
from geoapp.ingest.location import shipped_outlines
from geoapp.ingest.national import national_list
from tests.accounts import as_user, published_bytes
from tests.hostile import badinh_shifted_40km as badinh
from tests.hostile import case, geojson
from tests.ingest.helpers import issue_keys, upload


@pytest.fixture(scope="module")
def published():
    return read_default_boundaries(GEODATA_DIR)


def outside(check):
    [issue] = [i for i in check.errors if i.key.startswith("upload_units_outside_district")]
    return issue


@pytest.mark.parametrize("name, offset_km", [("wrong_preset_utm48n", 232), ("wrong_tm3_zone_107", 26),
                                             ("wrong_tm3_zone_10745", 52), ("shifted_50km_south", 50)])
def test_a_misplaced_layer_is_an_error_with_its_offset(published, name, offset_km):
    hostile = case(name)
    check = check_boundaries(hostile.filename, hostile.build(published), published=published, **hostile.options)
    issue = outside(check)
    assert check.frame is None and issue.params["district"] == "183"
    assert issue.params["offset_km"] == pytest.approx(offset_km, abs=2)
    assert f"khoảng {format_number(issue.params['offset_km'], 'vi')} km" in issue.message("vi")  # 232,5 km
    if "crs" in hostile.options:
        assert check.report["crs_presets_that_fit"] == ["vn2000-langson"]
        assert "vn2000-langson" in next(i for i in check.issues if i.key == "upload_crs_preset_fits").message("en")


def test_the_right_preset_passes_the_location_check(published):
    hostile = case("wrong_preset_utm48n")
    check = check_boundaries(hostile.filename, hostile.build(published), published=published, crs="vn2000-langson")
    assert check.ok, [i.message("en") for i in check.errors]
    assert check.report["location"] == []


def test_every_shipped_unit_lies_in_its_shipped_district(published):
    outlines = shipped_outlines()
    assert len(outlines) == 11
    check = check_boundaries("all.geojson", geojson(published), published=published)
    assert check.ok and check.report["location"] == [] and check.report["national_list"]["other_district"] == []


def test_a_district_of_another_province_is_an_error_naming_the_province(published):
    hostile = case("hanoi_labelled_001")
    check = check_boundaries(hostile.filename, hostile.build(published), published=published)
    [issue] = [i for i in check.errors if i.key == "upload_district_other_province"]
    assert "Thành phố Hà Nội" in issue.message("vi") and "Tỉnh Lạng Sơn" in issue.message("vi")
    [codes] = [i for i in check.errors if i.key == "upload_code_other_district"]
    assert codes.params["count"] == 5 and "183 Huyện Cao Lộc" in codes.params["units"][0]


def test_other_provinces_are_checked_against_the_national_list():
    assert len(national_list().units_2021) > 10_000 and len(national_list().units_2025) > 3_000
    check = check_boundaries("badinh.geojson", geojson(badinh.layer(shift_m=0)))
    assert check.ok, [i.message("en") for i in check.errors]
    moved = check_boundaries("badinh.geojson", badinh.build())
    issue = outside(moved)
    assert issue.key == "upload_units_outside_district_box" and issue.params["offset_km"] > 25
    relabelled = badinh.layer(shift_m=0).assign(ma_huyen="002")  # Quận Hoàn Kiếm
    keys = [i.key for i in check_boundaries("badinh.geojson", geojson(relabelled)).errors]
    assert "upload_code_other_district" in keys


@pytest.mark.parametrize("name", ["wrong_preset_utm48n", "shifted_50km_south", "hanoi_labelled_001"])
def test_misplaced_layers_on_the_web_name_the_fix_and_publish_nothing(backend_app, published, name):
    hostile = case(name)
    editor = as_user(backend_app, "ed", "editor")
    before = published_bytes(backend_app, editor)
    response = upload(editor, hostile.kind, hostile.filename, hostile.build(published), **hostile.options)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and set(hostile.expected) <= set(issue_keys(response))
    if name == "wrong_preset_utm48n":
        assert "upload_crs_preset_fits" in issue_keys(response) and "vn2000-langson" in page
    assert published_bytes(backend_app, editor) == before


def test_a_crs_that_leaves_vietnam_names_the_preset_that_fits_the_declared_district(published):
    hostile = case("wrong_preset_utm48n")
    raw = hostile.build(published)
    check = check_boundaries(hostile.filename, raw, published=published, crs="vn2000-utm49n", district="183")
    assert [i.key for i in check.errors] == ["upload_crs_outside"]
    assert check.report["crs_presets_that_fit"] == ["vn2000-langson"]
    anywhere = check_boundaries(hostile.filename, raw, published=published, crs="EPSG:32633")
    assert "vn2000-langson" in anywhere.report["crs_presets_that_fit"]  # inside the province, without a district
