"""The parts of old units that go to new units: whole polygons, or a split unit divided around reference points."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import shapely
from pyproj import Transformer

# Lambert azimuthal equal-area centred on Vietnam: areas are true, distances within
# Lạng Sơn are off by well under 1 %. Every share and distance of the crosswalk uses it.
EQUAL_AREA_CRS = "+proj=laea +lat_0=16 +lon_0=106 +datum=WGS84 +units=m +no_defs"
# Edges of divided parts are cut into pieces of at most SEGMENT_M metres before they are
# taken back to longitude/latitude, so that they keep their shape; seed outlines are
# sampled every SAMPLE_M metres for the nearest-seed division.
SEGMENT_M = 100.0
SAMPLE_M = 200.0

_TO_EA = Transformer.from_crs(4326, EQUAL_AREA_CRS, always_xy=True)
_FROM_EA = Transformer.from_crs(EQUAL_AREA_CRS, 4326, always_xy=True)


def to_equal_area(geom):
    """Return a lon/lat geometry in the equal-area projection (metres)."""
    return shapely.transform(geom, lambda xy: _stack(_TO_EA.transform(xy[:, 0], xy[:, 1])))


def to_lonlat(geom):
    """Return an equal-area geometry in lon/lat."""
    return shapely.transform(geom, lambda xy: _stack(_FROM_EA.transform(xy[:, 0], xy[:, 1])))


def _stack(xy):
    import numpy as np

    return np.column_stack(xy)


def area_km2(geom) -> float:
    """Return a lon/lat geometry's area in km² (equal-area projection)."""
    return float(to_equal_area(geom).area) / 1e6


def distance_km(a, b) -> float:
    """Return the distance between two lon/lat geometries in km (0 when they touch or overlap)."""
    return float(to_equal_area(a).distance(to_equal_area(b))) / 1e3


def _samples(geom, spacing_m: float) -> list:
    """Return points of an equal-area geometry: itself if a point, else its boundary every `spacing_m`."""
    if geom.geom_type == "Point":
        return [geom]
    ring = shapely.segmentize(geom.boundary, spacing_m)
    return [shapely.Point(xy) for xy in shapely.get_coordinates(ring)]


def nearest_division(polygon, seeds: dict[str, object]) -> dict[str, object]:
    """Divide a lon/lat polygon among seeds {code: lon/lat geometry}: each point goes to the nearest seed.

    Seeds are the receiving units' other parts (polygons) or their reference points. Nearness
    is measured in the equal-area projection: the seeds' boundaries are sampled every
    SAMPLE_M metres, the Voronoi cells of the samples are merged per code and clipped to the
    polygon, so the parts cover the polygon without overlap. A code whose cells miss the
    polygon gets an empty geometry; with one distinct seed the first code gets it all.
    """
    codes = list(seeds)
    samples = {c: _samples(to_equal_area(seeds[c]), SAMPLE_M) for c in codes}
    distinct = {c for c in codes if samples[c]}
    if len(distinct) < 2 or len({seeds[c].wkb for c in codes}) < 2:
        return {c: (polygon if i == 0 else shapely.Polygon()) for i, c in enumerate(codes)}
    area = to_equal_area(polygon)
    labels, points = [], []
    for code in codes:
        for pt in samples[code]:
            labels.append(code)
            points.append(pt)
    extent = shapely.box(*shapely.union_all([shapely.MultiPoint(points), area]).envelope.buffer(1e4).bounds)
    cells = shapely.voronoi_polygons(shapely.MultiPoint(points), extend_to=extent)
    owner = shapely.STRtree(points)
    by_code: dict[str, list] = {c: [] for c in codes}
    for cell in cells.geoms:
        inside = owner.query(cell, predicate="covers")
        if len(inside):
            by_code[labels[int(inside[0])]].append(cell.intersection(extent))
    parts = {}
    for code in codes:
        region = shapely.union_all(by_code[code]) if by_code[code] else shapely.Polygon()
        piece = area.intersection(region)
        parts[code] = shapely.make_valid(to_lonlat(shapely.segmentize(piece, SEGMENT_M))) if not piece.is_empty else shapely.Polygon()
    return parts


def reference_points(units: pd.DataFrame) -> dict[str, tuple[float, float]]:
    """Return {code: (lon, lat)} from a unit table with lat/lon columns."""
    return {c: (float(lon), float(lat)) for c, lat, lon in zip(units["commune_code"], units["lat"], units["lon"])}


def whole_members(pairs: pd.DataFrame) -> dict[str, list[str]]:
    """Return {new_code: old codes that go to it whole (their only row)}."""
    fan_out = pairs.groupby("old_code")["new_code"].transform("nunique")
    whole = pairs[fan_out == 1]
    return {n: list(g["old_code"]) for n, g in whole.groupby("new_code")}


def _seed(new_code: str, whole: dict, polygons: dict, points: dict):
    members = [polygons[o] for o in whole.get(new_code, []) if o in polygons]
    if members:
        return shapely.union_all(members)
    if new_code in points:
        return shapely.Point(points[new_code])
    return None


def build_parts(pairs: pd.DataFrame, old_units: gpd.GeoDataFrame, seeds: dict[str, tuple[float, float]]) -> gpd.GeoDataFrame:
    """Return one part per (old_code, new_code) row: geometry, share of the old unit's area, km², method.

    An old unit with one row goes whole to its new unit. An old unit with several rows is
    divided by nearest_division among its receiving units; each receiving unit is
    represented by the old units that go to it whole, or, when it has none, by its
    reference point. Rows whose old unit has no polygon get an empty part.
    """
    polygons = dict(zip(old_units["commune_code"], old_units.geometry))
    whole = whole_members(pairs)
    records = []
    for old_code, rows in pairs.groupby("old_code", sort=False):
        polygon = polygons.get(old_code)
        new_codes = list(dict.fromkeys(rows["new_code"]))
        if polygon is None:
            pieces = {c: shapely.Polygon() for c in new_codes}
            method = "whole" if len(new_codes) == 1 else "nearest"
        elif len(new_codes) == 1:
            pieces, method = {new_codes[0]: polygon}, "whole"
        else:
            known = {c: s for c in new_codes if (s := _seed(c, whole, polygons, seeds)) is not None}
            pieces = nearest_division(polygon, known) if known else {}
            pieces = {c: pieces.get(c, shapely.Polygon()) for c in new_codes}
            method = "nearest"
        total = area_km2(polygon) if polygon is not None else 0.0
        for new_code in new_codes:
            km2 = area_km2(pieces[new_code])
            share = km2 / total if total > 0 else 0.0
            records.append({"old_code": old_code, "new_code": new_code, "share": share,
                            "area_km2": km2, "method": method, "geometry": pieces[new_code]})
    return gpd.GeoDataFrame(records, columns=["old_code", "new_code", "share", "area_km2", "method", "geometry"],
                            geometry="geometry", crs=4326)


def dissolve_parts(parts: gpd.GeoDataFrame, grid: float = 1e-6) -> dict[str, object]:
    """Return {new_code: the union of its parts}, snapped to a `grid` of degrees (valid output)."""
    out = {}
    for new_code, group in parts.groupby("new_code", sort=False):
        union = shapely.union_all([g for g in group.geometry if g is not None and not g.is_empty])
        out[new_code] = shapely.set_precision(union, grid)
    return out
