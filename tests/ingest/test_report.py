"""Upload checks of geoapp/ingest/report.py, through check_boundaries and check_indicators."""

from __future__ import annotations

import json

import pytest

from geoapp.ingest import Limits, check_boundaries, check_indicators
from tests.ingest.uploads import only_error, shapefile_zip

pytestmark = pytest.mark.filterwarnings("ignore:Normalized/laundered field name")


def test_upload_over_the_size_limit(cao_loc, tmp_path):
    raw = shapefile_zip(cao_loc, tmp_path)
    issue = only_error(check_boundaries("communes.zip", raw, limits=Limits(max_bytes=1024)), "upload_too_large")
    assert "MB" in issue.message("en")


def test_check_to_dict_is_json_in_both_languages(published):
    csv = "commune_code,indicator,year,value\n06184,schools_total,2021,x\n"
    check = check_indicators("x.csv", csv.encode(), boundaries=published)
    for lang in ("vi", "en"):
        data = json.loads(json.dumps(check.to_dict(lang)))
        assert data["kind"] == "indicators" and data["ok"] is False
        assert data["errors"][0]["key"] == "upload_value_not_numeric"
        assert data["errors"][0]["params"]["rows"] == [2]
    assert "số" in check.to_dict("vi")["errors"][0]["message"]
    assert "numbers" in check.to_dict("en")["errors"][0]["message"]


def test_control_characters_are_refused_in_tables_and_layers():
    import geopandas as gpd

    from geoapp.config import GEODATA_DIR
    from geoapp.ingest import check_boundaries, check_indicators

    boundaries = gpd.read_file(GEODATA_DIR / "communes_2021_approx.geojson")
    raw = "commune_code,indicator,year,value\n06184,ocop_3_star,2021,1\n06187,ocop_3_star,2021,2\x01\n".encode()
    check = check_indicators("t.csv", raw, boundaries=boundaries, district="183")
    assert check.frame is None and check.errors[0].key == "upload_control_characters"
    assert check.errors[0].params["rows"] == [3]
    layer = boundaries[boundaries["district_code"] == "183"].copy()
    layer.loc[layer.index[0], "commune_name"] = "Đồng\x01Đăng"
    check = check_boundaries("b.geojson", layer.to_json().encode(), published=boundaries)
    assert check.frame is None and "upload_control_characters_features" in [i.key for i in check.errors]

