"""Changes to the map that need the editor's confirmation with a reason.

- a unit whose area grows or shrinks, or whose outline moves, by more than the tolerance
  (setting MAX_AREA_CHANGE_PCT, default 1%) compared with its published self;
- a geometry repair (make_valid) that changes a unit's area by more than the tolerance;
- a district whose units are replaced by a very different number or extent of units.

Without a confirmation each is an error; with one (option `confirm`, the reason) it
is a warning and the reason is kept in the report, to be written to the audit log on
publishing.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

from geoapp.ingest.geometry import EQUAL_AREA
from geoapp.ingest.report import Findings, capped
from geoapp.storage.base import boundary_frame

COUNT_RATIO = 1.5  # a district's unit count may change by this factor before it needs confirming
EXTENT_CHANGE_PCT = 10.0  # nor may its outline (the union of its units) move by more than this share
MAX_CONFIRM = 1000


def _area(geoms) -> np.ndarray:
    return shapely.area(gpd.GeoSeries(list(geoms), crs=4326).to_crs(EQUAL_AREA).values)


def unit_changes(published, units: gpd.GeoDataFrame, tolerance_pct: float) -> list[dict]:
    """Return the units whose area changes or whose outline moves by more than `tolerance_pct`."""
    if published is None or len(published) == 0:
        return []
    old = boundary_frame(published).drop_duplicates("commune_code").set_index("commune_code")
    common = [c for c in units["commune_code"] if c in old.index]
    if not common:
        return []
    new = units.drop_duplicates("commune_code").set_index("commune_code")
    before = gpd.GeoSeries([old.at[c, "geometry"] for c in common], crs=4326).to_crs(EQUAL_AREA).values
    after = gpd.GeoSeries([new.at[c, "geometry"] for c in common], crs=4326).to_crs(EQUAL_AREA).values
    old_area, new_area = shapely.area(before), shapely.area(after)
    moved_area = np.zeros(len(common))
    differ = ~shapely.equals_exact(before, after, tolerance=0.0)
    moved_area[differ] = shapely.area(shapely.symmetric_difference(before[differ], after[differ]))
    out = []
    for code, a, b, moved in zip(common, old_area, new_area, moved_area):
        if a <= 0:
            continue
        change, moved_pct = (b - a) / a * 100, moved / a * 100
        if abs(change) > tolerance_pct or moved_pct > tolerance_pct:
            out.append({"code": code, "name": str(new.at[code, "commune_name"]),
                        "area_change_pct": round(float(change), 2), "moved_pct": round(float(moved_pct), 2)})
    return out


def repair_changes(repairs: list[dict], tolerance_pct: float) -> list[dict]:
    """Return the repairs that changed a unit's area by more than `tolerance_pct` (None: from nothing)."""
    out = []
    for entry in repairs:
        pct = entry.get("area_change_pct")
        if pct is None or abs(pct) > tolerance_pct:
            out.append({"code": entry.get("code", ""), "name": entry.get("name", ""), "area_change_pct": pct})
    return out


def replacement_changes(published, units: gpd.GeoDataFrame, changed_codes: set[str] = frozenset()) -> list[dict]:
    """Return the districts whose units are replaced by a very different number or extent of units.

    A district that keeps its codes, none of whose units changed beyond the tolerance
    (`changed_codes`), keeps its extent too and is not measured.
    """
    if published is None or len(published) == 0:
        return []
    old_all = boundary_frame(published)
    out = []
    for district in sorted(set(units["district_code"]) & set(old_all["district_code"])):  # published districts only
        old = old_all[old_all["district_code"] == district]
        new = units[units["district_code"] == district]
        codes = set(new["commune_code"])
        if codes == set(old["commune_code"]) and not codes & set(changed_codes):
            continue
        ratio = len(new) / len(old)
        before = shapely.union_all(gpd.GeoSeries(list(old.geometry), crs=4326).to_crs(EQUAL_AREA).values)
        after = shapely.union_all(gpd.GeoSeries(list(new.geometry), crs=4326).to_crs(EQUAL_AREA).values)
        extent = float(shapely.area(shapely.symmetric_difference(before, after)) / shapely.area(before) * 100)
        kept = len(set(old["commune_code"]) & set(new["commune_code"])) / len(old)
        if ratio > COUNT_RATIO or ratio < 1 / COUNT_RATIO or extent > EXTENT_CHANGE_PCT or kept < 0.5:
            out.append({"district": district, "old_count": len(old), "new_count": len(new),
                        "extent_change_pct": round(extent, 1), "codes_kept_pct": round(kept * 100, 1)})
    return out


def check_changes(published, units: gpd.GeoDataFrame, repairs: list[dict], found: Findings, *,
                  tolerance_pct: float, confirm: str | None) -> None:
    """Report the changes that need confirming: errors without `confirm`, warnings with it."""
    confirm = (confirm or "").strip()[:MAX_CONFIRM]
    level = found.warning if confirm else found.error
    changed = unit_changes(published, units, tolerance_pct)
    repaired = repair_changes(repairs, tolerance_pct)
    replaced = replacement_changes(published, units, {c["code"] for c in changed})
    if changed:
        level("upload_area_changed", count=len(changed), tolerance=tolerance_pct,
              units=capped(f"{c['code']} {c['name']} ({c['area_change_pct']:+.1f}%, {c['moved_pct']:.1f}%)"
                           for c in changed))
    if repaired:
        level("upload_repair_changed_area", count=len(repaired), tolerance=tolerance_pct,
              units=capped(f"{r['code']} {r['name']}".strip() for r in repaired))
    for entry in replaced:
        level("upload_district_replaced", **entry)
    moved = (found.report.get("national_list") or {}).get("other_district", [])
    needed = {"units": changed, "repairs": repaired, "districts": replaced, "codes": moved}
    any_needed = bool(changed or repaired or replaced or moved)
    found.report["confirmation"] = {"needed": any_needed, "reason": confirm if any_needed else "", **needed}
    if any_needed and confirm:
        found.info("upload_changes_confirmed", reason=confirm)


def audit_detail(report: dict) -> str | None:
    """Return the audit-log text of the confirmed changes in a check report, or None if none were confirmed."""
    entry = report.get("confirmation") or {}
    if not (entry.get("needed") and entry.get("reason")):
        return None
    parts = [f"unit {c['code']} area {c['area_change_pct']:+.1f}% moved {c['moved_pct']:.1f}%" for c in entry["units"]]
    parts += [f"repair {r['code']}" for r in entry["repairs"]]
    parts += [f"district {d['district']} {d['old_count']} -> {d['new_count']} units" for d in entry["districts"]]
    parts += [f"code {c}" for c in entry.get("codes", [])]
    return "confirmed: " + "; ".join(parts)
