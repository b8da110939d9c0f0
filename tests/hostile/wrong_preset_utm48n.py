"""Cao Lộc in the Lạng Sơn TM-3 grid, read as VN-2000 / UTM 48N: lands about 232 km away."""

from geoapp.ingest.crs import preset_crs
from tests.hostile import cao_loc, projected_without_crs

FILENAME = "caoloc_vn2000.geojson"
KIND = "boundaries"
OPTIONS = {"crs": "vn2000-utm48n"}
EXPECTED = ("upload_units_outside_district", "upload_area_changed", "upload_district_replaced")


def build(published) -> bytes:
    return projected_without_crs(cao_loc(published), preset_crs("vn2000-langson"))
