"""The national list of administrative units and their GSO codes, both editions, read offline.

The list is the SQLite table shipped inside the `vietnamadminunits` package: the 2021
edition (63 provinces, districts, 10,040 communes) and the 2025 edition (34 provinces,
3,321 communes, no districts). Besides codes and names it holds a geocoded centre and
bounding box of each district; those are approximate (from a geocoder), so they are
used only as a coarse location check where the product ships no real outline.
"""

from __future__ import annotations

import functools
import importlib.util
import sqlite3
from contextlib import closing
from pathlib import Path
from dataclasses import dataclass

from shapely.geometry import box


@dataclass(frozen=True)
class Unit:
    """A commune-level unit of the national list."""

    code: str
    name: str
    district_code: str  # "" in the 2025 edition
    province_code: str
    province_name: str


@dataclass(frozen=True)
class District:
    """A district of the 2021 edition with its geocoded bounding box (lon/lat)."""

    code: str
    name: str
    province_code: str
    province_name: str
    bounds: tuple[float, float, float, float] | None

    def box(self):
        """Return the geocoded bounding box as a polygon (None when unknown)."""
        return box(*self.bounds) if self.bounds else None


@dataclass(frozen=True)
class NationalList:
    """Units of both editions, and the 2021 districts, by code."""

    units_2021: dict[str, Unit]
    units_2025: dict[str, Unit]
    districts: dict[str, District]
    provinces: dict[str, str]

    def province_of_code(self, code: str) -> set[str]:
        """Return the province codes a commune code has in either edition."""
        return {u.province_code for u in (self.units_2021.get(code), self.units_2025.get(code)) if u}


def _bounds(text: str | None) -> tuple[float, float, float, float] | None:
    """Parse "lat,lon – lat,lon" into (min lon, min lat, max lon, max lat)."""
    try:
        first, second = (part.strip() for part in str(text).split("–"))
        lat1, lon1 = (float(v) for v in first.split(","))
        lat2, lon2 = (float(v) for v in second.split(","))
    except ValueError:
        return None
    return min(lon1, lon2), min(lat1, lat2), max(lon1, lon2), max(lat1, lat2)


def _get_data(fields: list[str], table: str) -> list[dict]:
    """Return the distinct rows of the package's table, read from its SQLite file.

    Importing the package would compile its address parser first (seconds): the file is
    found without importing it, and the package's own reader is the fallback.
    """
    spec = importlib.util.find_spec("vietnamadminunits")
    folders = list(spec.submodule_search_locations or []) if spec else []
    path = next((Path(f) / "data" / "dataset.db" for f in folders if (Path(f) / "data" / "dataset.db").is_file()), None)
    if path is None:
        from vietnamadminunits.database import get_data

        return get_data(fields, table=table)
    columns = ", ".join(f'"{f}"' for f in fields)
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
        conn.row_factory = sqlite3.Row
        return [dict(row) for row in conn.execute(f'SELECT DISTINCT {columns} FROM "{table}"')]


@functools.cache
def national_list() -> NationalList:
    """Return the national list (read once per process)."""
    legacy = _get_data(["wardCode", "ward", "districtCode", "district", "districtBounds", "provinceCode", "province"],
                      table="admin_units_legacy")
    current = _get_data(["wardCode", "ward", "provinceCode", "province"], table="admin_units")
    units_2021 = {r["wardCode"]: Unit(r["wardCode"], r["ward"], r["districtCode"], r["provinceCode"], r["province"])
                  for r in legacy if r["wardCode"]}
    units_2025 = {r["wardCode"]: Unit(r["wardCode"], r["ward"], "", r["provinceCode"], r["province"])
                  for r in current if r["wardCode"]}
    rows = {r["districtCode"]: r for r in legacy if r["districtCode"]}  # one row per district, its bounds parsed once
    districts = {code: District(code, r["district"], r["provinceCode"], r["province"], _bounds(r["districtBounds"]))
                 for code, r in rows.items()}
    provinces = {r["provinceCode"]: r["province"] for r in (*legacy, *current)}
    return NationalList(units_2021, units_2025, districts, provinces)
