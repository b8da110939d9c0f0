"""A small new edition "2027" made from the shipped 2025 units: two neighbouring units merged into one.

Used by the upload tests of a new edition (web, CLI, storage): the layer as GeoJSON bytes and
its crosswalk from 2025 as CSV text, plus deliberately broken crosswalks.
"""

from __future__ import annotations

import io

import geopandas as gpd
import pandas as pd
import shapely

from geoapp.config import GEODATA_DIR
from tests.ingest.uploads import geojson

SHIPPED_2025 = GEODATA_DIR / "communes_2025_approx.geojson"
KEPT, MERGED = "06187", "05986"  # Phường Kỳ Lừa absorbs Phường Tam Thanh (neighbours in Lạng Sơn city)
MERGED_NAME = "Phường Kỳ Lừa"
FAR = "06001"  # Xã Đoàn Kết, a 2025 unit far from Lạng Sơn city, for a broken crosswalk


def units_2025() -> gpd.GeoDataFrame:
    frame = gpd.read_file(SHIPPED_2025, engine="pyogrio")
    for col in frame.columns.drop("geometry"):
        frame[col] = frame[col].astype(str)
    return frame


def units_2027() -> gpd.GeoDataFrame:
    """Return the 64 units of "2027": the 2025 units with MERGED dissolved into KEPT."""
    old = units_2025()
    merged = shapely.union_all(old.loc[old["commune_code"].isin([KEPT, MERGED]), "geometry"].values)
    new = old[old["commune_code"] != MERGED].copy()
    new.loc[new["commune_code"] == KEPT, "geometry"] = merged
    new.loc[new["commune_code"] == KEPT, "commune_name"] = MERGED_NAME
    return gpd.GeoDataFrame(new[["commune_code", "commune_name", "geometry"]].reset_index(drop=True),
                            geometry="geometry", crs=4326)


def layer_bytes() -> bytes:
    return geojson(units_2027())


def crosswalk_frame() -> pd.DataFrame:
    """Return the crosswalk 2025 → 2027: every unit to itself, MERGED and KEPT merged (no shares: computed)."""
    old = units_2025()
    rows = []
    for code, name in zip(old["commune_code"], old["commune_name"]):
        new = KEPT if code == MERGED else code
        change = "merge" if code in (KEPT, MERGED) else "unchanged"
        rows.append({"old_code": code, "old_name": name, "new_code": new, "change": change, "share": ""})
    return pd.DataFrame(rows)


def csv_text(frame: pd.DataFrame) -> str:
    out = io.StringIO()
    frame.to_csv(out, index=False)
    return out.getvalue()


def crosswalk_text() -> str:
    return csv_text(crosswalk_frame())


def broken_crosswalks() -> dict[str, str]:
    """Return crosswalks with one deliberate fault each, keyed by the finding they must produce."""
    good = crosswalk_frame()
    unassigned = good[good["old_code"] != "05977"]
    shares = good.copy()
    shares.loc[shares["old_code"] == "05977", "share"] = "0.6"
    far = good.copy()
    far.loc[far["old_code"] == MERGED, "new_code"] = FAR
    return {"unassigned_old_unit": csv_text(unassigned), "shares_not_one": csv_text(shares),
            "outside_new_unit": csv_text(far)}
