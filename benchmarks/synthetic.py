"""A synthetic national commune layer: a Voronoi coverage with wiggly shared edges.

    frame = synthetic_communes(10_000)          # about 300 vertices per polygon
    write_layer(frame, path)                    # a GeoPackage or GeoJSON the upload accepts

The cells of a Voronoi diagram of random points, clipped to a box in southern Vietnam
(away from the shipped Lạng Sơn communes), are densified and then moved by one smooth
displacement field. A shared vertex moves the same way in both neighbours, and the field
is a contraction-free map (its slope stays below 1), so the result is still a valid
coverage: no gaps, no overlaps. Codes are 5-digit text starting at 40000, districts and
provinces 3- and 2-digit codes that the national list does not use (so the upload's location
check, which knows only real districts, has nothing to object to); names are Vietnamese
with diacritics.
Everything is deterministic for a given seed.
"""

from __future__ import annotations

import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

BOX = (104.6, 10.6, 108.4, 14.4)  # lon/lat, inside Vietnam's bounds, away from Lạng Sơn
COMMUNES_PER_DISTRICT = 40  # 10,000 communes need 250 district codes; about 300 are unused
DISTRICTS_PER_PROVINCE = 10
FIRST_CODE = 40000  # real commune codes end at 32248
GRID = 1e-7  # coordinates are rounded to this so shared vertices stay identical

_SYLLABLES = [
    "An", "Bình", "Hòa", "Phú", "Tân", "Thạnh", "Long", "Hưng", "Đông", "Tây", "Nam", "Bắc",
    "Hải", "Yên", "Lộc", "Quang", "Trung", "Hiệp", "Thái", "Đức", "Vĩnh", "Mỹ", "Sơn", "Thủy",
    "Lâm", "Hồng", "Châu", "Khánh", "Ninh", "Thuận", "Định", "Lợi", "Phước", "Thành", "Xuân", "Cường",
]


def _names(n: int, rng: np.random.Generator) -> list[str]:
    """Return n distinct two-syllable Vietnamese names, with a number where they would repeat."""
    seen: dict[str, int] = {}
    out = []
    for a, b in rng.integers(0, len(_SYLLABLES), size=(n, 2)):
        base = f"{_SYLLABLES[a]} {_SYLLABLES[b]}"
        seen[base] = seen.get(base, 0) + 1
        out.append(base if seen[base] == 1 else f"{base} {seen[base]}")
    return out


def _unused_codes(used, width: int) -> list[str]:
    """Return the codes of `width` digits (from 1 up) that are not in `used`."""
    return [code for code in (f"{i:0{width}d}" for i in range(1, 10**width)) if code not in used]


def _displace(coords: np.ndarray, scale: float) -> np.ndarray:
    """Move points by a smooth field whose slope stays at 0.45 (a one-to-one map of the plane)."""
    xy = np.round(coords / GRID) * GRID
    k1, k2 = 2 * math.pi / scale, 2 * math.pi / (scale * 0.61)
    amp1, amp2 = 0.3 / k1, 0.15 / k2
    dx = amp1 * np.sin(k1 * xy[:, 1] + 1.3) + amp2 * np.sin(k2 * (xy[:, 0] + xy[:, 1]))
    dy = amp1 * np.sin(k1 * xy[:, 0] + 0.7) + amp2 * np.cos(k2 * (xy[:, 0] - xy[:, 1]))
    moved = xy + np.column_stack([dx, dy])
    return np.round(moved / GRID) * GRID


def synthetic_communes(n: int = 10_000, *, vertices: int = 300, seed: int = 10) -> gpd.GeoDataFrame:
    """Return n communes (EPSG:4326) covering BOX without gaps or overlaps, ~`vertices` vertices each."""
    rng = np.random.default_rng(seed)
    minx, miny, maxx, maxy = BOX
    points = shapely.points(rng.uniform(minx, maxx, n), rng.uniform(miny, maxy, n))
    box = shapely.box(*BOX)
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(points), extend_to=box))
    cells = shapely.intersection(cells, box)
    # Order the cells as the points were drawn, so codes do not depend on GEOS' output order.
    tree = shapely.STRtree(cells)
    order = tree.query(points, predicate="within")
    cells = cells[order[1][np.argsort(order[0])]]
    spacing = math.sqrt((maxx - minx) * (maxy - miny) / n)
    cells = shapely.segmentize(cells, 3.7 * spacing / vertices)
    cells = shapely.transform(cells, lambda c: _displace(c, spacing * 0.9))
    cells = shapely.make_valid(cells) if not shapely.is_valid(cells).all() else cells
    district = np.arange(n) // COMMUNES_PER_DISTRICT
    province = district // DISTRICTS_PER_PROVINCE
    from geoapp.ingest.national import national_list

    national = national_list()
    district_codes = _unused_codes(national.districts, 3)
    province_codes = _unused_codes(national.provinces, 2)
    if district[-1] >= len(district_codes) or province[-1] >= len(province_codes):
        raise ValueError(f"{n} communes need more unused district codes than there are")
    names = _names(n, rng)
    kinds = np.where(rng.random(n) < 0.12, "Phường", "Xã")
    return gpd.GeoDataFrame(
        {
            "ma_xa": [f"{FIRST_CODE + i:05d}" for i in range(n)],
            "ten_xa": [f"{k} {name}" for k, name in zip(kinds, names)],
            "ma_huyen": [district_codes[d] for d in district],
            "ten_huyen": [f"Huyện {_SYLLABLES[d % len(_SYLLABLES)]} {d + 1}" for d in district],
            "ma_tinh": [province_codes[p] for p in province],
            "ten_tinh": [f"Tỉnh {_SYLLABLES[(p * 7) % len(_SYLLABLES)]} {p + 1}" for p in province],
        },
        geometry=cells,
        crs=4326,
    )


def write_layer(frame: gpd.GeoDataFrame, path: str | Path) -> Path:
    """Write the layer as a GeoPackage (.gpkg) or GeoJSON (.geojson) that the upload accepts."""
    path = Path(path)
    driver = "GPKG" if path.suffix == ".gpkg" else "GeoJSON"
    frame.to_file(path, driver=driver, engine="pyogrio")
    return path


def indicator_table(frame: gpd.GeoDataFrame, rows: int = 100_000, *, seed: int = 10):
    """Return a long indicator table of `rows` rows over the communes: codes, names, districts.

    Most rows are matched by code; a share carries only a name (exact or without
    diacritics) and the district, so every path of the join is exercised.
    """
    import pandas as pd

    rng = np.random.default_rng(seed)
    n = len(frame)
    years = np.arange(2000, 2000 + math.ceil(rows / n) + 1)
    pick = np.arange(rows) % n
    year = years[np.arange(rows) // n]
    codes = frame["ma_xa"].to_numpy()[pick].astype(object)
    names = frame["ten_xa"].to_numpy()[pick].astype(object)
    by_name = rng.random(rows) < 0.2
    codes[by_name] = ""
    plain = by_name & (rng.random(rows) < 0.3)
    from geoapp.data.names import ascii_key

    names[plain] = [ascii_key(x).title() for x in names[plain]]
    return pd.DataFrame({
        "ma_xa": codes,
        "ten_xa": names,
        "ma_huyen": frame["ma_huyen"].to_numpy()[pick],
        "nam": year,
        "chi_tieu": "schools_total",
        "gia_tri": rng.integers(0, 40, rows).astype(str),
    })
