"""Upload checks of geoapp/ingest/layer_check.py, through check_boundaries and check_indicators."""

from __future__ import annotations

import json

import geopandas as gpd
import pandas as pd
import pytest
from geopandas.testing import assert_geodataframe_equal
from shapely.geometry import Polygon, box

from geoapp.ingest import check_boundaries
from geoapp.storage.base import BOUNDARY_COLUMNS
from tests.ingest.uploads import CAO_LOC, GEOD, SHIPPED, geojson, keys, only_error, shapefile_zip

pytestmark = pytest.mark.filterwarnings("ignore:Normalized/laundered field name")


def test_geojson_of_the_shipped_layer_passes_unchanged(published):
    check = check_boundaries("communes.geojson", SHIPPED.read_bytes(), published=published)
    assert check.ok, [i.message("en") for i in check.errors]
    assert_geodataframe_equal(check.frame, published)
    report = check.report
    assert report["feature_count"] == 194 and report["format"] == "geojson" and report["encoding"] == "utf-8"
    assert set(report["geometry_types"]) <= {"Polygon", "MultiPolygon"}
    assert report["crs"] == {"source": "EPSG:4326 WGS 84", "from": "file", "stored": "EPSG:4326"}
    assert report["fields"]["code"] == "commune_code" and report["fields"]["name"] == "commune_name"
    assert report["scope"] == sorted(published["district_code"].unique())
    assert report["diff"]["added"] == report["diff"]["removed"] == report["diff"]["renamed"] == []
    assert report["diff"]["geometry_changed"] == [] and len(report["diff"]["geometry_unchanged"]) == 194
    assert {"code": "06202", "name": "Xã Xuất Lễ", "normalized": "xuất lễ"} in report["names"]
    json.dumps(check.to_dict("vi"))


def test_shapefile_of_the_published_layer_reuploads_unchanged(published, tmp_path):
    raw = shapefile_zip(published[BOUNDARY_COLUMNS + ["geometry"]], tmp_path / "shp")
    check = check_boundaries("communes.zip", raw, published=published)
    assert check.ok, [i.message("en") for i in check.errors]
    assert_geodataframe_equal(check.frame, published)
    diff = check.report["diff"]
    assert not (diff["added"] or diff["removed"] or diff["renamed"] or diff["geometry_changed"])
    assert check.report["fields"] == {
        "code": "commune_co", "name": "commune_na", "district_code": "district_c", "district_name": "district_n",
        "commune_type": "commune_ty", "province_code": "province_c", "province_name": "province_n",
        "boundary_quality": "boundary_q",
    }
    assert check.report["encoding"] == "utf-8" and check.report["format"] == "shapefile"


def test_code_and_name_fields_can_be_chosen(published, cao_loc):
    upload = cao_loc.rename(columns={"commune_code": "MSX", "commune_name": "TEN_DV"})
    issue = only_error(check_boundaries("c.geojson", geojson(upload), published=published), "upload_no_code_field")
    assert "MSX" in issue.params["fields"]
    check = check_boundaries("c.geojson", geojson(upload), code_field="MSX", name_field="TEN_DV", published=published)
    assert check.ok and check.report["fields"]["code"] == "MSX"
    assert_geodataframe_equal(check.frame, published)
    bad = check_boundaries("c.geojson", geojson(upload), code_field="MaXa", published=published)
    assert only_error(bad, "upload_field_unknown").params["field"] == "MaXa"


def test_html_in_attribute_values_is_kept_as_text(published, cao_loc):
    payload = "<img src=x onerror=alert(1)>"
    upload = cao_loc.copy()
    upload.loc[0, "commune_name"] = payload
    check = check_boundaries("c.geojson", geojson(upload), published=published)
    assert check.ok and keys(check, "warning").count("upload_markup") == 1
    assert check.frame.set_index("commune_code").at["06184", "commune_name"] == payload
    assert check.report["markup"] == [{"feature": 1, "field": "commune_name", "value": payload}]
    assert {"code": "06184", "old": "Thị trấn Đồng Đăng", "new": payload} in check.report["diff"]["renamed"]


def test_diff_reports_renamed_units_and_area_change(published, cao_loc):
    upload = cao_loc.copy()
    upload.loc[2, "commune_name"] = "Xã Bảo Lâm Mới"
    ring = list(upload.geometry[5].exterior.coords)
    centre = upload.geometry[5].centroid
    ring[3] = (centre.x + (ring[3][0] - centre.x) * 1.5, centre.y + (ring[3][1] - centre.y) * 1.5)
    moved = Polygon(ring[:-1] + [ring[0]])
    assert moved.is_valid
    upload.loc[5, "geometry"] = moved
    assert "upload_area_changed" in keys(check_boundaries("caoloc.geojson", geojson(upload), published=published))
    check = check_boundaries("caoloc.geojson", geojson(upload), published=published, confirm="vertex corrected")
    assert check.ok
    diff = check.report["diff"]
    assert diff["renamed"] == [{"code": "06190", "old": "Xã Bảo Lâm", "new": "Xã Bảo Lâm Mới"}]
    [changed] = diff["geometry_changed"]
    old_area = abs(GEOD.geometry_area_perimeter(cao_loc.geometry[5])[0])
    new_area = abs(GEOD.geometry_area_perimeter(moved)[0])
    assert changed["code"] == cao_loc["commune_code"][5]
    assert changed["area_change_pct"] == pytest.approx((new_area / old_area - 1) * 100, abs=0.01)
    assert changed["area_change_pct"] != 0
    assert len(diff["geometry_unchanged"]) == 21 and diff["added"] == diff["removed"] == []
    summary = next(i for i in check.issues if i.key == "upload_diff_summary")
    assert summary.level == "info" and summary.params["renamed"] == 1 and summary.params["reshaped"] == 1


def test_a_district_upload_replaces_only_that_district(published, cao_loc):
    upload = cao_loc[cao_loc["commune_code"] != "06250"].copy()
    upload.loc[upload["commune_code"] == "06202", "commune_name"] = "Xã Xuất Lễ Mới"
    check = check_boundaries("caoloc.geojson", geojson(upload), published=published)
    assert check.ok and check.report["scope"] == [CAO_LOC]
    frame = check.frame
    assert len(frame) == len(published) - 1 and "06250" not in set(frame["commune_code"])
    others = published[published["district_code"] != CAO_LOC].reset_index(drop=True)
    assert_geodataframe_equal(frame[frame["district_code"] != CAO_LOC].reset_index(drop=True), others)
    assert frame.set_index("commune_code").at["06202", "commune_name"] == "Xã Xuất Lễ Mới"
    assert check.report["diff"]["removed"] == [{"code": "06250", "name": "Xã Tân Thành"}]
    assert list(frame.columns) == BOUNDARY_COLUMNS + ["geometry"] and frame.crs.to_epsg() == 4326


def test_district_comes_from_the_published_unit_or_the_argument(published, cao_loc):
    upload = cao_loc[["commune_code", "commune_name", "geometry"]].copy()
    new_unit = gpd.GeoDataFrame({"commune_code": ["06299"], "commune_name": ["Xã Mới"]},
                                geometry=[box(106.80, 21.90, 106.81, 21.91)], crs=4326)
    upload = pd.concat([upload, new_unit], ignore_index=True)
    issue = only_error(check_boundaries("c.geojson", geojson(upload), published=published), "upload_district_unknown")
    assert issue.params == {"count": 1, "codes": ["06299"]}
    check = check_boundaries("c.geojson", geojson(upload), district=CAO_LOC, published=published)
    assert check.ok and check.report["scope"] == [CAO_LOC]
    added = check.frame.set_index("commune_code").loc["06299"]
    assert added["district_name"] == "Huyện Cao Lộc" and added["province_name"] == "Tỉnh Lạng Sơn"
    assert added["commune_type"] == "Xã" and added["boundary_quality"] == "as uploaded"
    assert check.report["diff"]["added"] == [{"code": "06299", "name": "Xã Mới"}]
    kept = check.frame[check.frame["commune_code"] != "06299"].reset_index(drop=True)
    in_file = published["district_code"] == CAO_LOC
    quality = published["boundary_quality"].where(~in_file, "as uploaded")
    assert_geodataframe_equal(kept, published.assign(boundary_quality=quality))


def test_gaps_and_overlaps_are_reported_as_warnings(tmp_path):
    size = 0.01

    def cell(col, row):
        return box(106.7 + col * size, 21.9 + row * size, 106.7 + (col + 1) * size, 21.9 + (row + 1) * size)

    cells = {f"9900{i}": cell(i % 3, i // 3) for i in range(9) if i != 4}  # codes outside the national list
    cells["99002"] = cells["99002"].union(box(106.718, 21.9, 106.72, 21.91))
    frame = gpd.GeoDataFrame({"ma_xa": list(cells), "ten_xa": [f"Xã Ô {c}" for c in cells]},
                             geometry=list(cells.values()), crs=4326)
    check = check_boundaries("grid.geojson", geojson(frame), district="999")
    assert check.ok
    assert {"upload_gaps", "upload_overlaps", "upload_coverage_edges"} <= set(keys(check, "warning"))
    coverage = check.report["coverage"]
    assert len(coverage["gaps"]) == 1 and coverage["gaps"][0]["area_m2"] > 1e6
    assert [sorted(o["codes"]) for o in coverage["overlaps"]] == [["99001", "99002"]]
    assert len(check.frame) == 8 and check.report["scope"] == ["999"]


def test_district_names_in_a_district_field_are_understood(published, cao_loc):
    upload = cao_loc.drop(columns=["district_code"]).rename(columns={"district_name": "district"})
    upload["district"] = "Cao Lộc"
    check = check_boundaries("c.geojson", geojson(upload), published=published)
    assert check.ok and check.report["fields"]["district_code"] == "district" and check.report["scope"] == [CAO_LOC]
    assert set(check.frame.loc[check.frame["district_code"] == CAO_LOC, "district_name"]) == {"Huyện Cao Lộc"}
    upload["district"] = "Atlantis"
    assert only_error(check_boundaries("c.geojson", geojson(upload), published=published),
                      "upload_district_malformed").params == {"values": ["Atlantis"]}


def test_a_unit_moving_to_another_district_leaves_its_old_district(published, cao_loc):
    van_lang = published[published["district_code"] == "182"]
    into_van_lang = pd.concat([van_lang, cao_loc[cao_loc["commune_code"] == "06184"].assign(district_code="182")])
    refused = check_boundaries("vanlang.geojson", geojson(into_van_lang), published=published, confirm="moved")
    assert "upload_units_outside_district" in keys(refused)  # Văn Lãng's real outline does not hold it
    moving = cao_loc[cao_loc["commune_code"] == "06184"].assign(district_code="999", district_name="Huyện Mới")
    refused = check_boundaries("new.geojson", geojson(moving), published=published)
    assert keys(refused) == ["upload_code_other_district"]  # the national list puts 06184 in district 183
    check = check_boundaries("new.geojson", geojson(moving), published=published, confirm="Decision 123/NQ-UBTVQH")
    assert check.ok and check.report["scope"] == ["999"]
    [moved] = [i for i in check.warnings if i.key == "upload_units_moved"]
    assert moved.params == {"count": 1, "codes": ["06184"]}
    frame = check.frame.set_index("commune_code")
    assert frame.at["06184", "district_code"] == "999" and len(frame) == len(published)
    assert int((frame["district_code"] == CAO_LOC).sum()) == len(cao_loc) - 1
    assert check.report["diff"]["added"] == [{"code": "06184", "name": "Thị trấn Đồng Đăng"}]

