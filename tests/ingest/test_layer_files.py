"""Upload checks of geoapp/ingest/layer_files.py, through check_boundaries and check_indicators."""

from __future__ import annotations

import io
import zipfile

import pyogrio
import pytest
from geopandas.testing import assert_geodataframe_equal

from geoapp.config import GEODATA_DIR
from geoapp.ingest import Limits, check_boundaries, list_layers
from tests.ingest.uploads import SHIPPED, geojson, only_error, shapefile_zip

pytestmark = pytest.mark.filterwarnings("ignore:Normalized/laundered field name")


def test_geopackage_with_several_layers_needs_a_layer(published, tmp_path):
    path = tmp_path / "layers.gpkg"
    pyogrio.write_dataframe(published, path, layer="communes")
    districts = pyogrio.read_dataframe(GEODATA_DIR / "districts_2021.geojson")
    pyogrio.write_dataframe(districts, path, layer="districts", append=True)
    raw = path.read_bytes()
    assert list_layers("layers.gpkg", raw) == ["communes", "districts"]
    issue = only_error(check_boundaries("layers.gpkg", raw, published=published), "upload_layer_required")
    assert issue.params["layers"] == ["communes", "districts"]
    assert "communes, districts" in issue.message("en")
    unknown = only_error(check_boundaries("layers.gpkg", raw, layer="roads", published=published), "upload_layer_unknown")
    assert unknown.params == {"layer": "roads", "layers": ["communes", "districts"]}
    check = check_boundaries("layers.gpkg", raw, layer="communes", published=published)
    assert check.ok and check.report["layer"] == "communes"
    assert_geodataframe_equal(check.frame, published)


def test_list_layers_of_bad_input_is_empty():
    assert list_layers("x.gpkg", b"not a database") == []
    assert list_layers("x.geojson", SHIPPED.read_bytes()) == ["upload"]


def test_deeply_nested_json():
    raw = b'{"type": "FeatureCollection", "features": [' + b"[" * 100_000 + b"]" * 100_000 + b"]}"
    assert only_error(check_boundaries("deep.geojson", raw), "upload_json_too_deep").params == {"max": 64}


def test_huge_json_is_refused_before_reading():
    raw = SHIPPED.read_bytes()
    issue = only_error(check_boundaries("communes.geojson", raw, limits=Limits(max_bytes=100_000)), "upload_too_large")
    assert issue.params == {"size_mb": 0.6, "max_mb": 0.1}
    too_many = check_boundaries("communes.geojson", raw, limits=Limits(max_features=100))
    assert only_error(too_many, "upload_too_many_features").params == {"count": 194, "max": 100}


@pytest.mark.parametrize("filename, content, found", [
    ("communes.geojson", "zip", "ZIP"),
    ("communes.zip", "json", "JSON"),
    ("communes.gpkg", "json", "JSON"),
    ("communes.json", "png", "unrecognised data"),
])
def test_content_not_matching_the_extension(cao_loc, tmp_path, filename, content, found):
    raw = {"zip": shapefile_zip(cao_loc, tmp_path), "json": geojson(cao_loc), "png": b"\x89PNG\r\n\x1a\n" + b"\0" * 64}
    issue = only_error(check_boundaries(filename, raw[content]), "upload_content_mismatch")
    assert issue.params["name"] == filename and issue.params["found"] == found


def test_unsupported_formats_and_a_lone_shp(tmp_path, cao_loc):
    assert only_error(check_boundaries("communes.kml", b"<kml/>"), "upload_unsupported_format")
    pyogrio.write_dataframe(cao_loc, tmp_path / "c.shp")
    assert only_error(check_boundaries("c.shp", (tmp_path / "c.shp").read_bytes()), "upload_shp_alone")


@pytest.mark.parametrize("part", [".dbf", ".shx"])
def test_shapefile_missing_a_part(cao_loc, tmp_path, part):
    raw = shapefile_zip(cao_loc, tmp_path, drop=(part,))
    issue = only_error(check_boundaries("communes.zip", raw), "upload_shapefile_missing_part")
    assert issue.params == {"layer": "communes", "parts": [part]}


def test_zip_without_a_shapefile(tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("notes.txt", "no layer here")
    assert only_error(check_boundaries("x.zip", buf.getvalue()), "upload_zip_no_shapefile").params == {"members": ["notes.txt"]}

