"""A copy of Cao Lộc shifted 50 km south, still labelled Cao Lộc."""

from tests.hostile import EQUAL_AREA, cao_loc, geojson

FILENAME = "caoloc_south.geojson"
KIND = "boundaries"
OPTIONS = {}
EXPECTED = ("upload_units_outside_district", "upload_area_changed", "upload_district_replaced")


def build(published) -> bytes:
    layer = cao_loc(published).to_crs(EQUAL_AREA)
    return geojson(layer.set_geometry(layer.geometry.translate(0, -50_000)).to_crs(4326))
