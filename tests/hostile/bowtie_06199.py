"""Cao Lộc with commune 06199 (Xã Thạch Đạn) drawn as a bow-tie: make_valid would shrink it."""

from shapely.geometry import Polygon

from tests.hostile import cao_loc, geojson

FILENAME = "bowtie.geojson"
KIND = "boundaries"
OPTIONS = {}
EXPECTED = ("upload_area_changed", "upload_repair_changed_area")


def build(published) -> bytes:
    layer = cao_loc(published)
    i = layer.index[layer["commune_code"] == "06199"][0]
    geom = layer.geometry[i]
    ring = list((geom if geom.geom_type == "Polygon" else max(geom.geoms, key=lambda g: g.area)).exterior.coords)
    half = len(ring) // 2
    layer.loc[i, "geometry"] = Polygon(ring[:half] + ring[half:-1][::-1])  # the second half reversed: it crosses
    return geojson(layer)
