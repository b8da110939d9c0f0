"""Cao Lộc's 22 communes dissolved into 3 units that keep three of the codes: a district replaced wholesale."""

import geopandas as gpd

from tests.hostile import cao_loc, geojson

FILENAME = "merged.geojson"
KIND = "boundaries"
OPTIONS = {}
EXPECTED = ("upload_district_replaced",)


def layer(published) -> gpd.GeoDataFrame:
    units = cao_loc(published)
    units["group"] = [i % 3 for i in range(len(units))]
    merged = units.dissolve("group", aggfunc="first").reset_index(drop=True)
    return merged[["commune_code", "commune_name", "district_code", "geometry"]]


def build(published) -> bytes:
    return geojson(layer(published))
