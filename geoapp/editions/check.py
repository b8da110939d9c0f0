"""The crosswalk check a careful GIS officer runs before trusting a crosswalk.

Table checks: every old unit assigned, known codes, consistent names, no duplicate rows,
each old unit's shares summing to 1, every new unit receiving at least one old unit.
Spatial checks (distances in km in the equal-area projection): the parts of a new unit touch
each other; an old unit is not sent far from the new unit's other parts; a divided unit gives
each receiving unit some area; the new unit's reference point lies in or near its dissolved area;
the dissolved area is close to the area listed for the new unit.

Every finding has a severity: "error" (the row cannot be used: the build leaves it out, or
stops when it cannot), "warning" (shown, the row is used) or "note".
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import geopandas as gpd
import pandas as pd
import shapely

from geoapp.data.names import normalize_name
from geoapp.editions.crosswalk import EXCLUDED, is_weighted
from geoapp.editions.parts import area_km2, build_parts, dissolve_parts, distance_km, reference_points
from geoapp.i18n import format_number, translate

ERROR, WARNING, NOTE = "error", "warning", "note"
TOUCH_KM = 0.1  # parts closer than this touch (the polygons are approximate)
FAR_KM = 10.0  # an old unit farther than this from the new unit's other parts is an error
NEAR_KM = 0.5  # a reference point farther than this outside its unit is reported
TINY_SHARE = 0.01  # a divided unit's part below this share of its area is reported
SHARE_TOLERANCE = 1e-4  # shares of one old unit must sum to 1 within this
AREA_RATIO = 2.0  # dissolved area vs listed area beyond this factor is reported


@dataclass(frozen=True)
class Finding:
    """One suspicious row or unit, with its reason and, where it applies, a distance in km."""

    severity: str
    reason: str
    old_code: str = ""
    new_code: str = ""
    line: int | None = None  # line of the row in the crosswalk file (header = 1)
    distance_km: float | None = None
    value: float | None = None

    def message(self, lang: str = "en") -> str:
        params = {
            "old": self.old_code, "new": self.new_code,
            "distance": format_number(self.distance_km, lang, 1) if self.distance_km is not None else "",
            "value": format_number(self.value, lang, 0 if float(self.value).is_integer() else 4)
            if self.value is not None else "",
        }
        return translate(f"crosswalk_{self.reason}", lang, **params)

    def to_dict(self, lang: str = "en") -> dict:
        return {**asdict(self), "message": self.message(lang)}


@dataclass
class CheckReport:
    """The findings of one crosswalk check, with the parts and dissolved areas it computed."""

    rows: int
    findings: list[Finding] = field(default_factory=list)
    parts: gpd.GeoDataFrame | None = None
    dissolved: dict = field(default_factory=dict)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == ERROR]

    @property
    def ok(self) -> bool:
        return not self.errors

    def failing_lines(self) -> set[int]:
        """Return the file lines of rows with an error."""
        return {f.line for f in self.errors if f.line is not None}

    def unit_errors(self) -> list[Finding]:
        """Return errors that concern a unit, not a row (no row can be left out to fix them)."""
        return [f for f in self.errors if f.line is None]

    def counts(self) -> dict[str, int]:
        return {s: sum(f.severity == s for f in self.findings) for s in (ERROR, WARNING, NOTE)}

    def to_dict(self, lang: str = "en") -> dict:
        return {"rows": self.rows, "ok": self.ok, "counts": self.counts(),
                "findings": [f.to_dict(lang) for f in self.findings]}


def _lines(pairs: pd.DataFrame) -> list[int]:
    return [int(i) + 2 for i in range(len(pairs))]


def check_table(pairs: pd.DataFrame, old_units: pd.DataFrame, new_units: pd.DataFrame) -> list[Finding]:
    """Return the findings that need no geometry."""
    old_names = dict(zip(old_units["commune_code"], old_units["commune_name"]))
    old_districts = dict(zip(old_units["commune_code"], old_units.get("district_name", pd.Series(dtype=str))))
    new_names = dict(zip(new_units["commune_code"], new_units["commune_name"]))
    out: list[Finding] = []
    seen: set[tuple[str, str]] = set()
    for line, (_, row) in zip(_lines(pairs), pairs.iterrows()):
        old, new = row["old_code"], row["new_code"]
        where = {"old_code": old, "new_code": new, "line": line}
        if old not in old_names:
            out.append(Finding(ERROR, "unknown_old_code", **where))
        elif row.get("old_name") and normalize_name(row["old_name"]) != normalize_name(old_names[old]):
            out.append(Finding(ERROR, "old_name_mismatch", **where))
        elif row.get("old_district") and old_districts.get(old) and (
            normalize_name(row["old_district"]) != normalize_name(old_districts[old])
        ):
            out.append(Finding(ERROR, "old_district_mismatch", **where))
        if new not in new_names:
            out.append(Finding(ERROR, "unknown_new_code", **where))
        elif row.get("new_name") and normalize_name(row["new_name"]) != normalize_name(new_names[new]):
            out.append(Finding(ERROR, "new_name_mismatch", **where))
        if (old, new) in seen:
            out.append(Finding(ERROR, "duplicate_row", **where))
        seen.add((old, new))
    assigned = set(pairs["old_code"])
    out += [Finding(ERROR, "unassigned_old_unit", old_code=c) for c in old_names if c not in assigned]
    received = set(pairs["new_code"])
    out += [Finding(ERROR, "new_unit_without_parts", new_code=c) for c in new_names if c not in received]
    out += _share_findings(pairs)
    out += _split_flag_findings(pairs)
    return out


def _share_findings(pairs: pd.DataFrame) -> list[Finding]:
    if not is_weighted(pairs):
        return []
    shares = pd.to_numeric(pairs["share"], errors="coerce")
    sums = shares.groupby(pairs["old_code"]).sum(min_count=1)
    out = []
    for line, old, new, share in zip(_lines(pairs), pairs["old_code"], pairs["new_code"], shares):
        total = sums.get(old)
        if pd.isna(share) or not 0 <= share <= 1 + SHARE_TOLERANCE:
            out.append(Finding(ERROR, "bad_share", old, new, line))
        elif pd.isna(total) or abs(total - 1) > SHARE_TOLERANCE:
            out.append(Finding(ERROR, "shares_not_one", old, new, line, value=float(total)))
    return out


def _split_flag_findings(pairs: pd.DataFrame) -> list[Finding]:
    if "split" not in pairs or not pairs["split"].astype(str).str.strip().any():
        return []
    fan_out = pairs.groupby("old_code")["new_code"].transform("nunique")
    flagged = pairs["split"].astype(str).str.strip().str.lower().isin({"true", "1", "yes"})
    return [
        Finding(WARNING, "split_flag_mismatch", old, new, line)
        for line, old, new, n, flag in zip(_lines(pairs), pairs["old_code"], pairs["new_code"], fan_out, flagged)
        if (n > 1) != bool(flag)
    ]


def check_spatial(pairs: pd.DataFrame, old_units: gpd.GeoDataFrame, new_units: pd.DataFrame) -> tuple[list[Finding], gpd.GeoDataFrame, dict]:
    """Return the spatial findings, the parts (one per row) and the dissolved new units."""
    known = pairs[pairs["old_code"].isin(set(old_units["commune_code"])) & pairs["new_code"].isin(set(new_units["commune_code"]))]
    known = known.drop_duplicates(["old_code", "new_code"])
    points = reference_points(new_units)
    parts = build_parts(known, old_units, points)
    lines = dict(zip(zip(pairs["old_code"], pairs["new_code"]), _lines(pairs)))
    parts["line"] = [lines[(o, n)] for o, n in zip(parts["old_code"], parts["new_code"])]
    dissolved = dissolve_parts(parts)
    polygons = dict(zip(old_units["commune_code"], old_units.geometry))
    out: list[Finding] = []
    for _, part in parts.iterrows():
        out += _part_findings(part, parts, polygons, points)
    for new_code, area in dissolved.items():
        out += _unit_findings(new_code, area, parts[parts["new_code"] == new_code], points, new_units)
    return out, parts, dissolved


def _part_findings(part, parts: gpd.GeoDataFrame, polygons: dict, points: dict) -> list[Finding]:
    where = {"old_code": part["old_code"], "new_code": part["new_code"], "line": int(part["line"])}
    siblings = parts[(parts["new_code"] == part["new_code"]) & (parts["old_code"] != part["old_code"])]
    others = [g for g in siblings.geometry if g is not None and not g.is_empty]
    here = part.geometry if not part.geometry.is_empty else polygons.get(part["old_code"])
    out = []
    if part["method"] != "whole" and part["share"] <= 0:
        target = shapely.union_all(others) if others else shapely.Point(points[part["new_code"]])
        out.append(Finding(ERROR, "empty_part", **where, distance_km=distance_km(polygons[part["old_code"]], target)))
    elif part["method"] != "whole" and part["share"] < TINY_SHARE:
        out.append(Finding(WARNING, "tiny_part", **where, value=float(part["share"])))
    if others and here is not None:
        gap = distance_km(here, shapely.union_all(others))
        if gap > FAR_KM:
            out.append(Finding(ERROR, "far_from_other_parts", **where, distance_km=gap))
        elif gap > TOUCH_KM:
            out.append(Finding(WARNING, "not_touching", **where, distance_km=gap))
    return out


def _components(geoms: list) -> int:
    """Return how many groups of mutually touching (within TOUCH_KM) geometries there are."""
    groups: list[list] = []
    for geom in geoms:
        joined = [g for g in groups if any(distance_km(geom, other) <= TOUCH_KM for other in g)]
        merged = [geom] + [x for g in joined for x in g]
        groups = [g for g in groups if g not in joined] + [merged]
    return len(groups)


def _unit_findings(new_code: str, area, parts: gpd.GeoDataFrame, points: dict, new_units: pd.DataFrame) -> list[Finding]:
    out = []
    geoms = [g for g in parts.geometry if g is not None and not g.is_empty]
    pieces = _components(geoms) if len(geoms) > 1 else len(geoms)
    if pieces > 1:
        out.append(Finding(WARNING, "not_contiguous", new_code=new_code, value=float(pieces)))
    if new_code in points and area is not None and not area.is_empty:
        gap = distance_km(area, shapely.Point(points[new_code]))
        if gap > NEAR_KM:
            out.append(Finding(WARNING, "reference_point_outside", new_code=new_code, distance_km=gap))
    listed = pd.to_numeric(new_units.loc[new_units["commune_code"] == new_code, "area_km2"], errors="coerce") \
        if "area_km2" in new_units else pd.Series(dtype=float)
    if len(listed) and area is not None and not area.is_empty:
        value = float(listed.iloc[0]) if pd.notna(listed.iloc[0]) else 0.0
        if value <= 0:
            out.append(Finding(NOTE, "no_listed_area", new_code=new_code))
        else:
            ratio = area_km2(area) / value
            if not 1 / AREA_RATIO <= ratio <= AREA_RATIO:
                out.append(Finding(WARNING, "area_differs", new_code=new_code, value=ratio))
    return out


def excluded_rows(pairs: pd.DataFrame) -> pd.Series:
    """Return a mask of the rows a weighted crosswalk marks as excluded by its build."""
    if "status" not in pairs:
        return pd.Series(False, index=pairs.index)
    return pairs["status"].astype(str) == EXCLUDED


def check_crosswalk(pairs: pd.DataFrame, old_units: gpd.GeoDataFrame, new_units: pd.DataFrame) -> CheckReport:
    """Run every check on a crosswalk table (as published, or weighted by the build).

    Rows that a weighted crosswalk marks as excluded are not checked again; each is listed
    as a note with the reason the build gave.
    """
    pairs = pairs.reset_index(drop=True)
    skipped = excluded_rows(pairs)
    findings = [
        Finding(NOTE, "excluded_by_build", old, new, line)
        for line, old, new, skip in zip(_lines(pairs), pairs["old_code"], pairs["new_code"], skipped)
        if skip
    ]
    used = pairs[~skipped]
    line_of = dict(zip(used.index, [i + 2 for i in used.index]))
    table = check_table(used.reset_index(drop=True), old_units, new_units)
    spatial, parts, dissolved = check_spatial(used.reset_index(drop=True), old_units, new_units)
    renumber = dict(zip(range(2, len(used) + 2), line_of.values()))
    for finding in table + spatial:
        line = renumber.get(finding.line) if finding.line is not None else None
        findings.append(Finding(**{**asdict(finding), "line": line}))
    return CheckReport(rows=len(pairs), findings=findings, parts=parts, dissolved=dissolved)
