"""The 14 wards of Quận Ba Đình (Hà Nội) with their real codes, moved 40 km south: checked against the national list."""

import geopandas as gpd
from shapely.geometry import box

from geoapp.ingest.national import national_list
from tests.hostile import EQUAL_AREA, geojson

FILENAME = "badinh.geojson"
KIND = "boundaries"
OPTIONS = {}
EXPECTED = ("upload_units_outside_district_box",)


def layer(shift_m: float = -40_000.0) -> gpd.GeoDataFrame:
    """Ba Đình's wards as strips of the district's geocoded box, moved `shift_m` metres north."""
    units = sorted((u for u in national_list().units_2021.values() if u.district_code == "001"), key=lambda u: u.code)
    west, south, east, north = national_list().districts["001"].bounds
    step = (east - west) / len(units)
    cells = gpd.GeoSeries([box(west + i * step, south, west + (i + 1) * step, north) for i in range(len(units))], crs=4326)
    cells = cells.to_crs(EQUAL_AREA).translate(0, shift_m).to_crs(4326)
    return gpd.GeoDataFrame({"ma_xa": [u.code for u in units], "ten_xa": [u.name for u in units], "ma_huyen": "001",
                             "ma_tinh": "01", "ten_tinh": "Thành phố Hà Nội"}, geometry=cells.values, crs=4326)


def build(published=None) -> bytes:
    return geojson(layer())
