"""Checks of uploaded boundary layers: geometry types and repairs, codes, coverage gaps and overlaps, diff."""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoapp.data.names import normalize_code

# Areas are measured in an Albers equal-area projection fitted to Vietnam.
EQUAL_AREA = "+proj=aea +lat_0=16 +lon_0=106 +lat_1=10 +lat_2=22 +ellps=WGS84 +units=m +no_defs"
POLYGONAL = ("Polygon", "MultiPolygon")
MIN_AREA_M2 = 1.0
REPAIR_METHOD = "make_valid(method='structure')"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_MARKUP = re.compile(r"<[a-zA-Z/!?]|javascript\s*:|\bon[a-z]+\s*=", re.IGNORECASE)


def geometry_types(geoms) -> dict[str, int]:
    """Return how many geometries there are of each type ("missing" for nulls)."""
    names = ["missing" if g is None else g.geom_type for g in geoms]
    return {name: int(n) for name, n in pd.Series(names, dtype=object).value_counts().items()}


def empty_rows(geoms) -> list[int]:
    """Return the positions of null or empty geometries."""
    return [i for i, g in enumerate(geoms) if g is None or g.is_empty]


def polygonal_only(geom):
    """Return the polygonal part of a geometry (a Polygon or MultiPolygon, possibly empty)."""
    if geom.geom_type in POLYGONAL:
        return geom
    parts = [p for p in shapely.get_parts(geom) if p.geom_type in POLYGONAL]
    polygons = [q for p in parts for q in shapely.get_parts(p)]
    if len(polygons) == 1:
        return polygons[0]
    return shapely.MultiPolygon(polygons)


def repair(geoms) -> tuple[np.ndarray, list[dict]]:
    """Repair invalid polygons with make_valid; return the geometries and one entry per repair."""
    out = np.array(geoms, dtype=object)
    repairs = []
    for i, geom in enumerate(out):
        if geom is None or geom.is_empty or geom.geom_type not in POLYGONAL or geom.is_valid:
            continue
        reason = shapely.is_valid_reason(geom)
        fixed = polygonal_only(shapely.make_valid(geom, method="structure", keep_collapsed=False))
        out[i] = fixed
        before = abs(float(geom.area))
        change = round((float(fixed.area) - before) / before * 100, 2) if before > 0 else None
        repairs.append({"position": i, "reason": reason, "repair": REPAIR_METHOD,
                        "result_type": fixed.geom_type, "result_empty": bool(fixed.is_empty),
                        "area_change_pct": change})
    return out, repairs


def code_problems(values) -> tuple[list[str | None], dict[str, list]]:
    """Return the normalised codes and the positions of missing, malformed and duplicate ones."""
    codes, missing, malformed = [], [], []
    for i, value in enumerate(values):
        text = "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value).strip()
        code = normalize_code(value) if text else None
        if not text:
            missing.append(i)
        elif code is None:
            malformed.append({"position": i, "value": text})
        codes.append(code)
    seen = pd.Series([c for c in codes if c is not None], dtype=object)
    duplicate = sorted(set(seen[seen.duplicated()]))
    return codes, {"missing": missing, "malformed": malformed, "duplicate": duplicate}


def _text_hits(frame: pd.DataFrame, pattern: re.Pattern) -> list[dict]:
    """Return the text values matching `pattern`: {position, field, value}."""
    found = []
    skip = frame.geometry.name if isinstance(frame, gpd.GeoDataFrame) else None
    for position, col in enumerate(frame.columns):  # by position: a table may repeat a column name
        if col == skip:
            continue
        values = frame.iloc[:, position]
        hits = {v for v in pd.unique(values.to_numpy(dtype=object)) if isinstance(v, str) and pattern.search(v)}
        if not hits:
            continue  # the usual case, decided once per distinct value
        for i, value in enumerate(values):
            if isinstance(value, str) and value in hits:
                found.append({"position": i, "field": str(col), "value": value[:200]})
    return found


def markup(frame: pd.DataFrame) -> list[dict]:
    """Return the text values that look like HTML or script: {position, field, value}."""
    return _text_hits(frame, _MARKUP)


def control_characters(frame: pd.DataFrame) -> list[dict]:
    """Return the text values holding control characters (NUL and the like): {position, field, value}."""
    return _text_hits(frame, _CONTROL)


def _lonlat(point) -> list[float]:
    return [round(point.x, 6), round(point.y, 6)]


def _metres(geoms) -> np.ndarray:
    """Return EPSG:4326 geometries in the equal-area projection."""
    return gpd.GeoSeries(list(geoms), crs=4326).to_crs(EQUAL_AREA).values


def coverage(frame: gpd.GeoDataFrame, focus: np.ndarray) -> dict:
    """Return invalid edges, overlaps and gaps between units; only those touching `focus` units.

    `frame` is the whole layer in EPSG:4326 with commune_code and commune_name; `focus` a
    boolean mask of the uploaded units. Gaps are holes of the union of all units. The
    topology is worked out in lon/lat (a projection keeps shared vertices shared); only
    what is found is projected, to be measured in metres.
    """
    geoms = np.asarray(frame.geometry.values, dtype=object)
    codes, names = frame["commune_code"].tolist(), frame["commune_name"].tolist()
    edges = shapely.coverage_invalid_edges(geoms)
    flawed = ~shapely.is_empty(edges)
    listed = np.flatnonzero(focus & flawed)
    lengths = shapely.length(_metres(edges[listed])) if len(listed) else []
    invalid_edges = [
        {"code": codes[i], "name": names[i], "length_m": round(float(length), 1)} for i, length in zip(listed, lengths)
    ]
    return {
        "valid": not invalid_edges,
        "invalid_edges": invalid_edges,
        "overlaps": _overlaps(geoms, focus, flawed, codes, names),
        "gaps": _gaps(geoms, focus, codes, flawed),
    }


def _overlaps(geoms, focus, flawed, codes, names) -> list[dict]:
    """Return overlapping pairs. A unit can only overlap another where the coverage check found a
    flawed edge (matching edges cannot cross), so only pairs with a flawed unit are intersected."""
    candidates = np.flatnonzero(flawed)
    if not len(candidates):
        return []
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms[candidates], predicate="intersects")
    left = candidates[left]
    pairs = np.unique(np.column_stack([np.minimum(left, right), np.maximum(left, right)]), axis=0)
    left, right = pairs[:, 0], pairs[:, 1]
    keep = (left < right) & (focus[left] | focus[right])
    left, right = left[keep], right[keep]
    shared = shapely.intersection(geoms[left], geoms[right])
    areas = shapely.area(_metres(shared)) if len(shared) else np.array([])
    found = []
    for a, b, area, part in zip(left, right, areas, shared):
        if area >= MIN_AREA_M2:
            found.append({"codes": [codes[a], codes[b]], "names": [names[a], names[b]],
                          "area_m2": round(float(area), 1), "at": _at(part)})
    return sorted(found, key=lambda o: -o["area_m2"])


def coverage_union(geoms, flawed: np.ndarray):
    """Return the union of the units: the units whose edges all match their neighbours' are
    joined by matching edges (coverage_union_all, linear in the vertices); only the flawed
    ones are overlaid."""
    clean = shapely.coverage_union_all(geoms[~flawed])
    if not flawed.any():
        return clean
    return shapely.union_all([clean, shapely.union_all(geoms[flawed])])


def union_holes(geoms, flawed: np.ndarray) -> list:
    """Return the holes of the union of the units.

    When every edge matches its neighbour's (no flawed unit), the union's boundary is the
    edges that only one unit has: those are found by hashing the segments, and the holes are
    the faces they enclose that no unit covers. Otherwise the union is computed.
    """
    if flawed.any():
        union = coverage_union(geoms, flawed)
        return [shapely.Polygon(ring).difference(union) for poly in shapely.get_parts(union) for ring in poly.interiors]
    present = geoms[~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)]
    edges = _unshared_segments(present)
    if not len(edges):
        return []
    faces = shapely.get_parts(shapely.polygonize(shapely.linestrings(edges)))
    if not len(faces):
        return []
    inside = shapely.STRtree(present).query(shapely.point_on_surface(faces), predicate="intersects")[0]
    return list(np.delete(faces, np.unique(inside)))


def _unshared_segments(geoms) -> np.ndarray:
    """Return the segments (n x 2 x 2) of the polygons' rings that appear in only one ring (either direction)."""
    rings = shapely.get_rings(shapely.get_parts(geoms))
    coords, ring = shapely.get_coordinates(rings, return_index=True)
    same_ring = ring[1:] == ring[:-1]
    start, end = coords[:-1][same_ring], coords[1:][same_ring]
    swap = (start[:, 0] > end[:, 0]) | ((start[:, 0] == end[:, 0]) & (start[:, 1] > end[:, 1]))
    start[swap], end[swap] = end[swap].copy(), start[swap].copy()
    segments = np.column_stack([start, end])
    bits = np.ascontiguousarray(segments).view(np.uint64)
    with np.errstate(over="ignore"):
        key = (bits * np.array([0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0x27D4EB2F165667C5],
                               dtype=np.uint64)).sum(axis=1, dtype=np.uint64)
    order = np.argsort(key, kind="stable")
    ordered = segments[order]
    equal = (key[order][1:] == key[order][:-1]) & (ordered[1:] == ordered[:-1]).all(axis=1)
    shared = np.zeros(len(segments), dtype=bool)
    shared[order[1:][equal]] = shared[order[:-1][equal]] = True
    return segments[~shared].reshape(-1, 2, 2)


def _gaps(geoms, focus, codes, flawed) -> list[dict]:
    """Return the holes of the union that touch a `focus` unit."""
    holes = union_holes(geoms, flawed)
    areas = shapely.area(_metres(holes)) if holes else []
    holes = [(h, area) for h, area in zip(holes, areas) if area >= MIN_AREA_M2]
    if not holes:
        return []
    focus_idx = np.flatnonzero(focus)
    tree = shapely.STRtree(geoms[focus_idx])
    found = []
    for hole, area in holes:
        near = tree.query(hole, predicate="intersects")
        if len(near):
            found.append({"area_m2": round(float(area), 1), "at": _at(hole),
                          "neighbours": sorted(codes[focus_idx[j]] for j in near)})
    return sorted(found, key=lambda g: -g["area_m2"])


def _at(geom) -> list[float]:
    """Return [lon, lat] of a point inside a lon/lat geometry."""
    return _lonlat(geom.representative_point())


# A shape whose outline moved by less than this share of its area (rounding, re-projection,
# simplification noise) is reported as unchanged and keeps its published geometry.
SHAPE_TOLERANCE_PCT = 0.01


def moved_areas(old: np.ndarray, new: np.ndarray, same: np.ndarray) -> np.ndarray:
    """Return the area between each pair of outlines (symmetric difference) in m², 0 where `same`."""
    moved = np.zeros(len(old))
    differ = ~same
    if differ.any():
        between = shapely.symmetric_difference(old[differ], new[differ])
        moved[differ] = gpd.GeoSeries(between, crs=4326).to_crs(EQUAL_AREA).area.to_numpy()
    return moved


def same_geometry(a, b) -> bool:
    """Return True if two geometries are the same shape (ring order and start ignored)."""
    if shapely.equals_exact(shapely.normalize(a), shapely.normalize(b), tolerance=1e-9):
        return True
    return bool(shapely.equals(a, b))


def diff(old: gpd.GeoDataFrame, new: gpd.GeoDataFrame) -> dict:
    """Return units added, removed, renamed and reshaped from `old` to `new` (both EPSG:4326).

    Geometry changes carry the areas in km² and the area change in %.
    """
    old_by = old.set_index("commune_code", drop=False)
    new_by = new.set_index("commune_code", drop=False)
    old_names = dict(zip(old["commune_code"].tolist(), old["commune_name"].tolist()))  # codes are unique here
    new_names = dict(zip(new["commune_code"].tolist(), new["commune_name"].tolist()))
    added = [c for c in new_by.index if c not in old_names]
    removed = [c for c in old_by.index if c not in new_names]
    common = [c for c in new_by.index if c in old_names]
    renamed = [
        {"code": c, "old": old_names[c], "new": new_names[c]}
        for c in common
        if str(old_names[c]) != str(new_names[c])
    ]
    changed, unchanged, nearly = _geometry_changes(old_by, new_by, common)
    return {
        "geometry_within_tolerance": nearly,
        "added": [{"code": c, "name": new_names[c]} for c in added],
        "removed": [{"code": c, "name": old_names[c]} for c in removed],
        "renamed": renamed,
        "geometry_changed": changed,
        "geometry_unchanged": unchanged,
    }


def _geometry_changes(old_by, new_by, common) -> tuple[list[dict], list[str], list[str]]:
    """Return (changed, unchanged, unchanged only within SHAPE_TOLERANCE_PCT) units."""
    if not common:
        return [], [], []
    old_geoms = gpd.GeoSeries([old_by.at[c, "geometry"] for c in common], crs=4326)
    new_geoms = gpd.GeoSeries([new_by.at[c, "geometry"] for c in common], crs=4326)
    old_area = shapely.area(old_geoms.to_crs(EQUAL_AREA).values)
    new_area = shapely.area(new_geoms.to_crs(EQUAL_AREA).values)
    same = np.array([same_geometry(a, b) for a, b in zip(old_geoms, new_geoms)], dtype=bool)
    moved = moved_areas(old_geoms.values, new_geoms.values, same)
    changed, unchanged, nearly = [], [], []
    for code, is_same, area_moved, area_a, area_b in zip(common, same, moved, old_area, new_area):
        if is_same:
            unchanged.append(code)
            continue
        if area_a and area_moved / area_a * 100 < SHAPE_TOLERANCE_PCT:
            unchanged.append(code)
            nearly.append(code)
            continue
        pct = (area_b - area_a) / area_a * 100 if area_a else None
        changed.append({
            "code": code, "name": new_by.at[code, "commune_name"],
            "old_area_km2": round(float(area_a) / 1e6, 4), "new_area_km2": round(float(area_b) / 1e6, 4),
            "area_change_pct": None if pct is None else round(float(pct), 3),
        })
    return changed, unchanged, nearly
