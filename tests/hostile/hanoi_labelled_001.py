"""Cao Lộc's codes on units located in Hà Nội (Quận Ba Đình), labelled district 001."""

import geopandas as gpd
from shapely.geometry import box

from geoapp.ingest.national import national_list
from tests.hostile import cao_loc, geojson

FILENAME = "hanoi.geojson"
KIND = "boundaries"
OPTIONS = {}
EXPECTED = ("upload_district_other_province", "upload_code_other_district", "upload_area_changed")


def build(published) -> bytes:
    west, south, east, north = national_list().districts["001"].bounds
    units = cao_loc(published).head(5)
    step = (east - west) / len(units)
    cells = [box(west + i * step, south, west + (i + 1) * step, north) for i in range(len(units))]
    frame = gpd.GeoDataFrame({"ma_xa": units["commune_code"], "ten_xa": units["commune_name"], "ma_huyen": "001"},
                             geometry=cells, crs=4326)
    return geojson(frame)
