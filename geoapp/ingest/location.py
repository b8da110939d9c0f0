"""Is an uploaded layer where it says it is? Codes against the national list, units against district outlines.

Every unit must lie mostly inside the district its district code names: the real
outline shipped in geodata/districts_2021.geojson where there is one, else the
district's geocoded box from the national list (widened by a margin, because it is
approximate). Codes must belong to the district and province they claim. When the
chosen CRS puts units outside their districts and another VN-2000 preset would put
them inside, the report says which.
"""

from __future__ import annotations

import functools
import statistics
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from pyproj import Transformer

from geoapp.config import GEODATA_DIR
from geoapp.ingest.crs import CRS_PRESETS, looks_geographic, preset_crs
from geoapp.ingest.geometry import EQUAL_AREA
from geoapp.ingest.national import national_list
from geoapp.ingest.report import Findings, capped

MIN_INSIDE = 0.5  # share of a unit's area that must lie in its district
PRESET_FIT = 0.9  # share of units a preset must place in their districts to be suggested
NATIONAL_BOX_MARGIN_M = 5_000.0
OUTLINES_FILE = "districts_2021.geojson"


@functools.cache
def shipped_outlines(geodata_dir: str = str(GEODATA_DIR)) -> dict[str, object]:
    """Return {district code: outline in the equal-area projection} of the shipped district outlines."""
    path = Path(geodata_dir) / OUTLINES_FILE
    frame = gpd.read_file(path)
    outlines = frame.to_crs(EQUAL_AREA)
    return {str(code): shapely.make_valid(geom) for code, geom in zip(outlines["district_code"], outlines.geometry)}


def district_area(code: str) -> tuple[object, str] | None:
    """Return (area in the equal-area projection, "outline" or "national_box") of a district, or None."""
    outline = shipped_outlines().get(code)
    if outline is not None:
        return outline, "outline"
    district = national_list().districts.get(code)
    if district is None or district.box() is None:
        return None
    projected = gpd.GeoSeries([district.box()], crs=4326).to_crs(EQUAL_AREA).iloc[0]
    return projected.buffer(NATIONAL_BOX_MARGIN_M), "national_box"


def published_province(published) -> str | None:
    """Return the one province code of the published layer, or None."""
    if published is None or len(published) == 0:
        return None
    codes = {str(c) for c in published["province_code"] if str(c)}
    return codes.pop() if len(codes) == 1 else None


def check_location(units: gpd.GeoDataFrame, found: Findings, *, published=None, source_geoms=None,
                   crs_option: str | None = None, confirm: str | None = None) -> None:
    """Check codes against the national list and units against their districts' outlines.

    A code that the national list puts in another district of the same province is an
    error unless `confirm` (a reason) is given: units do move between districts.
    """
    check_codes(units, found, published_province(published), confirm)
    misplaced = check_places(units, found, published)
    if misplaced and source_geoms is not None:
        suggest_preset(units, np.asarray(source_geoms, dtype=object), found, crs_option)


def check_codes(units, found: Findings, expected_province: str | None, confirm: str | None = None) -> None:
    """Codes and districts must belong to the district and province they claim."""
    national = national_list()
    other_district, other_province, unknown = [], {}, []
    for code, district, province in zip(units["commune_code"], units["district_code"], units["province_code"]):
        claimed = national.districts.get(district)
        if claimed is not None:
            for wanted in {p for p in (province, expected_province) if p}:
                if claimed.province_code != wanted:
                    other_province[district] = (claimed, wanted)
        old, new = national.units_2021.get(code), national.units_2025.get(code)
        if old is None and new is None:
            unknown.append(code)
        elif old is not None and district and old.district_code != district:
            owner = national.districts.get(old.district_code)
            other_district.append(f"{code} {old.name} → {old.district_code} {owner.name if owner else ''}".strip())
        elif old is None and province and new.province_code != province:
            other_district.append(f"{code} {new.name} → {new.province_name}")
    for district, (claimed, wanted) in sorted(other_province.items()):
        found.error("upload_district_other_province", district=district, district_name=claimed.name,
                    province=claimed.province_name, claimed=national.provinces.get(wanted, wanted))
    if other_district:
        level = found.warning if (confirm or "").strip() else found.error
        level("upload_code_other_district", count=len(other_district), units=capped(other_district))
    if unknown:
        found.warning("upload_code_not_national", count=len(unknown), codes=capped(unknown))
    found.report["national_list"] = {"other_district": other_district, "other_province": sorted(other_province),
                                     "unknown": unknown}


def _inside_share(geoms: np.ndarray, area) -> np.ndarray:
    """Return the share of each geometry's area inside `area` (1 for geometries wholly inside)."""
    shapely.prepare(area)
    share = np.ones(len(geoms))
    within = shapely.contains_properly(area, geoms)
    rest = np.flatnonzero(~within)
    if len(rest):
        own = shapely.area(geoms[rest])
        common = shapely.area(shapely.intersection(geoms[rest], area))
        share[rest] = np.where(own > 0, common / np.where(own > 0, own, 1), 0.0)
    return share


def _offsets_km(codes, geoms, area, published) -> list[float]:
    """Return how far each unit is from where it belongs: from its published self, else from its district."""
    old = {}
    if published is not None and len(published):
        known = published[published["commune_code"].isin(list(codes))]
        old = dict(zip(known["commune_code"], known.geometry.to_crs(EQUAL_AREA).centroid))
    out = []
    for code, geom in zip(codes, geoms):
        centre = shapely.centroid(geom)
        target = old.get(code)
        distance = centre.distance(target) if target is not None else centre.distance(area)
        out.append(round(float(distance) / 1000, 1))
    return out


def check_places(units: gpd.GeoDataFrame, found: Findings, published) -> bool:
    """Each unit must lie mostly inside its district; return True if some do not."""
    geoms = units.geometry.to_crs(EQUAL_AREA).values
    districts = units["district_code"].to_numpy(dtype=object)
    codes = units["commune_code"].to_numpy(dtype=object)
    entries, any_outside = [], False
    for district in sorted(set(districts)):
        known = district_area(district)
        if known is None:
            continue
        area, reference = known
        mask = districts == district
        share = _inside_share(geoms[mask], area)
        outside = share < MIN_INSIDE
        if not outside.any():
            continue
        any_outside = True
        offsets = _offsets_km(codes[mask][outside], geoms[mask][outside], area, published)
        entries.append({"district": district, "reference": reference, "count": int(outside.sum()),
                        "total": int(mask.sum()), "offset_km": round(statistics.median(offsets), 1),
                        "units": [{"code": c, "inside_pct": round(float(s) * 100, 1), "offset_km": o}
                                  for c, s, o in zip(codes[mask][outside], share[outside], offsets)]})
    found.report["location"] = entries
    for entry in entries:
        key = "upload_units_outside_district" if entry["reference"] == "outline" else "upload_units_outside_district_box"
        found.error(key, district=entry["district"], count=entry["count"], total=entry["total"],
                    offset_km=entry["offset_km"], units=capped(u["code"] for u in entry["units"]))
    return any_outside


def province_area():
    """Return the province outline in the equal-area projection (the union of the shipped district outlines)."""
    return shapely.union_all(list(shipped_outlines().values()))


def check_in_province(units: gpd.GeoDataFrame, found: Findings) -> bool:
    """Each unit of an edition without districts must lie mostly inside the province; return True if some do not."""
    area = province_area()
    geoms = units.geometry.to_crs(EQUAL_AREA).values
    codes = units["commune_code"].to_numpy(dtype=object)
    share = _inside_share(geoms, area)
    outside = share < MIN_INSIDE
    offsets = [round(float(shapely.centroid(g).distance(area)) / 1000, 1) for g in geoms[outside]]
    found.report["location"] = [{"province": True, "count": int(outside.sum()), "total": len(units),
                                 "units": [{"code": c, "inside_pct": round(float(s) * 100, 1), "offset_km": o}
                                           for c, s, o in zip(codes[outside], share[outside], offsets)]}]
    if outside.any():
        found.error("upload_units_outside_province", count=int(outside.sum()), total=len(units),
                    offset_km=round(statistics.median(offsets), 1), units=capped(codes[outside]))
    return bool(outside.any())


def declared_area(district: str | None):
    """Return the area a layer declares: its district's outline, else all shipped outlines (equal-area)."""
    known = district_area(district) if district else None
    return known[0] if known else shapely.union_all(list(shipped_outlines().values()))


def suggest_preset_for_area(source_geoms, found: Findings, *, district: str | None = None,
                            crs_option: str | None = None) -> None:
    """For a layer that fell outside Vietnam: say which VN-2000 presets put it in its declared area."""
    geoms = np.asarray(source_geoms, dtype=object)
    present = np.array([g is not None and not g.is_empty for g in geoms], dtype=bool)
    if not present.any() or looks_geographic(shapely.total_bounds(geoms[present])):
        return
    points = shapely.point_on_surface(geoms[present])
    area = declared_area(district)
    fits = [p for p in CRS_PRESETS if p != crs_option and _points_in_area(points, area, p) >= PRESET_FIT]
    found.report["crs_presets_that_fit"] = fits
    if fits:
        found.warning("upload_crs_preset_fits", crs=crs_option or (found.report.get("crs") or {}).get("source", ""),
                      presets=fits, labels=[CRS_PRESETS[p]["label_en"] for p in fits])


def _points_in_area(points: np.ndarray, area, preset: str) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        to_area = Transformer.from_crs(preset_crs(preset), EQUAL_AREA, always_xy=True)
    x, y = to_area.transform(shapely.get_x(points), shapely.get_y(points))
    return float(shapely.contains(area, shapely.points(np.column_stack([x, y]))).mean())


def _points_in_districts(points: np.ndarray, districts: np.ndarray, preset: str) -> float:
    """Return the share of source points that fall in their district when read with `preset`."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        to_area = Transformer.from_crs(preset_crs(preset), EQUAL_AREA, always_xy=True)
    x, y = to_area.transform(shapely.get_x(points), shapely.get_y(points))
    moved = shapely.points(np.column_stack([x, y]))
    hits = 0
    for district in set(districts):
        known = district_area(district)
        if known is not None:
            hits += int(shapely.contains(known[0], moved[districts == district]).sum())
    return hits / len(points) if len(points) else 0.0


def suggest_preset(units, source_geoms: np.ndarray, found: Findings, crs_option: str | None = None) -> None:
    """Say which VN-2000 presets would put the units in their districts (projected sources only)."""
    present = np.array([g is not None and not g.is_empty for g in source_geoms])
    if not present.any():
        return
    bounds = shapely.total_bounds(source_geoms[present])
    if looks_geographic(bounds):
        return
    points = shapely.point_on_surface(source_geoms[present])
    districts = units["district_code"].to_numpy(dtype=object)[present]
    current = crs_option or (found.report.get("crs") or {}).get("source", "")
    fits = [p for p in CRS_PRESETS if p != crs_option and _points_in_districts(points, districts, p) >= PRESET_FIT]
    found.report["crs_presets_that_fit"] = fits
    if fits:
        found.warning("upload_crs_preset_fits", crs=current, presets=fits,
                      labels=[CRS_PRESETS[p]["label_en"] for p in fits])
