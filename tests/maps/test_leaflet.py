import json

import geopandas as gpd
import pytest
import shapely
from shapely.geometry import Polygon

from geoapp.config import GEODATA_DIR
from geoapp.maps.leaflet import folium_map, geometry_json, map_parts, tile_layer


@pytest.fixture
def units():
    frame = gpd.read_file(GEODATA_DIR / "communes_2021_approx.geojson")
    return frame[frame["district_code"] == "183"]


def test_geometry_json_rounds_to_about_a_metre(units):
    data = json.loads(geometry_json(units, 5))
    assert len(data["features"]) == 22
    assert data["features"][0]["properties"] == {"code": "06184", "name": "Thị trấn Đồng Đăng", "district": "183"}
    coords = shapely.get_coordinates(shapely.from_geojson(json.dumps(data["features"][0]["geometry"])))
    assert (abs(coords * 1e5 - (coords * 1e5).round()) < 1e-6).all()
    # rounding moves no boundary by more than ~1.5 m (1e-5 degree)
    original = units.geometry.iloc[0]
    rounded = shapely.from_geojson(json.dumps(data["features"][0]["geometry"]))
    assert shapely.hausdorff_distance(original, rounded) < 2e-5


def test_geometry_json_keeps_names_as_data():
    frame = gpd.GeoDataFrame(
        {"commune_code": ["1"], "commune_name": ['<img src=x onerror=alert(1)>"'], "district_code": ["183"]},
        geometry=[Polygon([(106, 21), (106.1, 21), (106.1, 21.1)])],
        crs=4326,
    )
    data = json.loads(geometry_json(frame))
    assert data["features"][0]["properties"]["name"] == '<img src=x onerror=alert(1)>"'


def test_folium_map_uses_no_cdn_and_configured_tiles(units):
    opts = {"geometry": "/api/boundaries.geojson?district=183", "values": None}
    html, script = map_parts(folium_map(units.total_bounds, opts))
    assert "folium-map" in html
    assert "geoappChoropleth(" in script and "/api/boundaries.geojson?district=183" in script
    assert "http" not in script and "tileLayer" not in script
    _, script = map_parts(folium_map(units.total_bounds, opts, tiles="https://t.example/{z}/{x}/{y}.png", attribution="© OSM"))
    assert "https://t.example/{z}/{x}/{y}.png" in script


def test_options_are_serialised_as_json_not_code(units):
    opts = {"geometry": "/x", "values": None, "title": "</script><script>alert(1)</script>"}
    _, script = map_parts(folium_map(units.total_bounds, opts))
    assert "</script>" not in script


def test_tile_layer_none():
    assert tile_layer("none", "") is None
    assert tile_layer("", "") is None
