"""Cao Lộc with commune 06184 (Thị trấn Đồng Đăng) replaced by a circle of the same area."""

import geopandas as gpd
import math

from tests.hostile import EQUAL_AREA, cao_loc, geojson

FILENAME = "circle.geojson"
KIND = "boundaries"
OPTIONS = {}
EXPECTED = ("upload_area_changed",)


def build(published) -> bytes:
    layer = cao_loc(published)
    i = layer.index[layer["commune_code"] == "06184"][0]
    shape = gpd.GeoSeries([layer.geometry[i]], crs=4326).to_crs(EQUAL_AREA).iloc[0]
    circle = shape.centroid.buffer(math.sqrt(shape.area / math.pi), 64)
    layer.loc[i, "geometry"] = gpd.GeoSeries([circle], crs=EQUAL_AREA).to_crs(4326).iloc[0]
    return geojson(layer)
