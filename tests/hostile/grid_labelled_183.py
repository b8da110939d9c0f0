"""A grid of 400 square cells over the whole province, every cell labelled district 183 (Cao Lộc)."""

import geopandas as gpd
import numpy as np
from shapely.geometry import box

from tests.hostile import geojson

FILENAME = "grid.geojson"
KIND = "boundaries"
OPTIONS = {}
EXPECTED = ("upload_units_outside_district", "upload_district_replaced")
SIDE = 20


def build(published) -> bytes:
    west, south, east, north = published.total_bounds
    xs, ys = np.linspace(west, east, SIDE + 1), np.linspace(south, north, SIDE + 1)
    cells = [box(xs[i], ys[j], xs[i + 1], ys[j + 1]) for i in range(SIDE) for j in range(SIDE)]
    codes = [f"{90000 + k}" for k in range(len(cells))]
    frame = gpd.GeoDataFrame({"ma_xa": codes, "ten_xa": [f"Ô {k}" for k in range(len(cells))], "ma_huyen": "183"},
                             geometry=cells, crs=4326)
    return geojson(frame)
