"""District outlines shown above the communes in the whole-province view."""

from __future__ import annotations

import functools
import json
from pathlib import Path

import geopandas as gpd
import shapely

DISTRICTS_FILE = "districts_2021.geojson"
SIMPLIFY_DEGREES = 0.0003  # about 30 m: outlines stay true at province zoom, the file gets small


@functools.cache
def district_outlines_json(geodata_dir: str, decimals: int = 5) -> str:
    """Return the shipped district outlines (code, name) as compact GeoJSON text."""
    frame = gpd.read_file(Path(geodata_dir) / DISTRICTS_FILE, engine="pyogrio").to_crs(4326)
    geoms = shapely.set_precision(frame.geometry.simplify(SIMPLIFY_DEGREES).values, 10.0**-decimals)
    features = [
        {
            "type": "Feature",
            "properties": {"code": str(code), "name": str(name)},
            "geometry": json.loads(shapely.to_geojson(geom)),
        }
        for code, name, geom in zip(frame["district_code"], frame["district_name"], geoms)
    ]
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False, separators=(",", ":"))
