"""Small hand-made editions: old units as boxes near Lạng Sơn, new units with reference points."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
from shapely.geometry import box

from geoapp.editions.crosswalk import CrosswalkRow, Crosswalk

X0, Y0, STEP = 106.5, 21.8, 0.05  # 0.05° is about 5.2 km east-west and 5.6 km north-south here


def old_units(extra: dict | None = None) -> gpd.GeoDataFrame:
    """Old units A, B, C, D side by side (west to east) in one district; `extra` adds {code: geometry}."""
    codes = ["00001", "00002", "00003", "00004"]
    geoms = [box(X0 + i * STEP, Y0, X0 + (i + 1) * STEP, Y0 + STEP) for i in range(4)]
    for code, geom in (extra or {}).items():
        codes.append(code)
        geoms.append(geom)
    frame = pd.DataFrame({
        "commune_code": codes,
        "commune_name": [f"Xã Cũ {c}" for c in codes],
        "district_code": "183",
        "district_name": "Huyện Cao Lộc",
        "province_code": "20",
        "province_name": "Tỉnh Lạng Sơn",
    })
    return gpd.GeoDataFrame(frame, geometry=geoms, crs=4326)


def new_units() -> pd.DataFrame:
    """New units X (west, made of A and B) and Y (east, made of C and D), reference points inside."""
    return pd.DataFrame({
        "commune_code": ["10001", "10002"],
        "commune_name": ["Xã Tây", "Xã Đông"],
        "commune_type": ["Xã", "Xã"],
        "lat": [str(Y0 + STEP / 2)] * 2,
        "lon": [str(X0 + STEP), str(X0 + 3 * STEP)],
        "area_km2": ["58", "58"],
    })


def pairs(rows: list[tuple[str, str]]) -> pd.DataFrame:
    """Return a crosswalk as published: old_code, new_code (names left empty)."""
    return pd.DataFrame({"old_code": [r[0] for r in rows], "new_code": [r[1] for r in rows],
                         "old_name": "", "old_district": "", "new_name": "", "split": ""})


GOOD = [("00001", "10001"), ("00002", "10001"), ("00003", "10002"), ("00004", "10002")]


def row(old: str, new: str, share: float = 1.0, area: float = 10.0) -> CrosswalkRow:
    """A used crosswalk row; a share below 1 marks a part of a divided old unit."""
    return CrosswalkRow(old, f"Xã {old}", "Huyện", new, f"Xã {new}", "merge", share, area,
                        "whole" if share == 1.0 else "nearest")


def crosswalk(*rows: CrosswalkRow) -> Crosswalk:
    return Crosswalk("old", "new", tuple(rows))
