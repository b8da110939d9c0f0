"""Join a boundary layer with an indicator table, and report how every row matched."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import geopandas as gpd
import pandas as pd

from geoapp.data.names import ascii_key, normalize_code, normalize_name

MATCH_CODE, MATCH_NAME, MATCH_FUZZY = "code", "name", "fuzzy"


@dataclass
class MatchReport:
    """How the rows of a table matched the units of a boundary layer."""

    rows: int = 0
    by_code: list[dict] = field(default_factory=list)
    by_name: list[dict] = field(default_factory=list)
    fuzzy: list[dict] = field(default_factory=list)
    unmatched: list[dict] = field(default_factory=list)
    duplicates: list[dict] = field(default_factory=list)
    units_without_data: list[dict] = field(default_factory=list)
    columns: dict = field(default_factory=dict)
    edition: str | None = None  # the boundary edition the rows were matched to
    edition_reason: dict = field(default_factory=dict)  # why: {"key": message key, **params}

    def counts(self) -> dict[str, int]:
        """Return the number of entries in each list."""
        keys = ("by_code", "by_name", "fuzzy", "unmatched", "duplicates", "units_without_data")
        return {"rows": self.rows, **{k: len(getattr(self, k)) for k in keys}}

    def to_dict(self) -> dict:
        return {"counts": self.counts(), **asdict(self)}


@dataclass
class JoinResult:
    frame: gpd.GeoDataFrame
    table: pd.DataFrame
    report: MatchReport


def _district_codes(units: pd.DataFrame) -> list[str]:
    """Return each unit's district code, "" where the edition has no districts."""
    if "district_code" not in units:
        return [""] * len(units)
    return ["" if pd.isna(d) else str(d) for d in units["district_code"]]


class _Units:
    """Lookup of boundary units by code, and by name keys within a district (or province-wide
    in an edition without districts)."""

    def __init__(self, units: pd.DataFrame) -> None:
        districts = _district_codes(units)
        self.has_districts = any(districts)
        self.by_code = {c: (n, d) for c, n, d in zip(units["commune_code"], units["commune_name"], districts)}
        self.names: dict[tuple[str, str], list[str]] = {}
        self.ascii: dict[tuple[str, str], list[str]] = {}
        for code, (name, district) in self.by_code.items():
            self.names.setdefault((district, normalize_name(name)), []).append(code)
            self.ascii.setdefault((district, ascii_key(name)), []).append(code)
        names = units["district_name"] if "district_name" in units else pd.Series(districts, index=units.index)
        self.district_names = {normalize_name(n): c for c, n in zip(districts, names) if c}


def _text(row: pd.Series, col: str | None) -> str:
    if col is None:
        return ""
    value = row[col]
    return "" if pd.isna(value) else str(value).strip()


def _row_district(row, columns, units: _Units, district: str | None) -> str | None:
    if not units.has_districts:
        return ""  # names are matched province-wide
    code = normalize_code(_text(row, columns["district_code"]), width=3)
    if code:
        return code
    name = normalize_name(_text(row, columns["district_name"]))
    if name:
        return units.district_names.get(name) or units.district_names.get(normalize_name("Huyện " + name))
    return district


def _match_row(row, columns, units: _Units, district: str | None) -> tuple[str | None, str, str]:
    """Return (code, method, reason) for one table row."""
    raw_code = _text(row, columns["code"])
    code = normalize_code(raw_code)
    reason = ""
    if code and code in units.by_code:
        if district and units.has_districts and units.by_code[code][1] != district:
            return None, "", "code_other_district"
        return code, MATCH_CODE, ""
    if raw_code:
        reason = "unknown_code" if code else "malformed_code"
    name = _text(row, columns["name"])
    if not name:
        return None, "", reason or "no_code_or_name"
    row_district = _row_district(row, columns, units, district)
    if row_district is None or (units.has_districts and not row_district):
        return None, "", "no_district_for_name"
    if district and units.has_districts and row_district != district:
        return None, "", "other_district"
    for method, table, key in (
        (MATCH_NAME, units.names, normalize_name(name)),
        (MATCH_FUZZY, units.ascii, ascii_key(name)),
    ):
        found = table.get((row_district, key), [])
        if len(found) == 1:
            return found[0], method, ""
        if len(found) > 1:
            return None, "", "ambiguous_name"
    return None, "", reason or "unknown_name"


def detect_columns(table: pd.DataFrame, **explicit: str | None) -> dict[str, str | None]:
    """Return the table's code, name, district, year and indicator columns."""
    from geoapp.ingest.fields import find_field  # here: geoapp.ingest imports this module

    roles = ("code", "name", "district_code", "district_name", "year", "indicator")
    return {role: find_field(table.columns, role, explicit.get(role)) for role in roles}


def resolve(table: pd.DataFrame, units: pd.DataFrame, *, district: str | None = None, **explicit) -> tuple[pd.DataFrame, MatchReport]:
    """Give each table row a commune_code; return the matched rows and the report.

    Codes are matched first (integers and missing leading zeros accepted), then names,
    normalised, within the row's district (or `district`), then diacritic-free names
    (reported as fuzzy). Names are never matched across districts.
    """
    columns = detect_columns(table, **explicit)
    lookup = _Units(units)
    report = MatchReport(rows=len(table), columns=columns)
    buckets = {MATCH_CODE: report.by_code, MATCH_NAME: report.by_name, MATCH_FUZZY: report.fuzzy}
    codes, methods = [], []
    for idx, (_, row) in enumerate(table.iterrows()):
        code, method, reason = _match_row(row, columns, lookup, district)
        entry = {"row": idx + 2, "code": _text(row, columns["code"]), "name": _text(row, columns["name"])}
        if code:
            buckets[method].append({**entry, "matched_code": code, "matched_name": lookup.by_code[code][0]})
        else:
            report.unmatched.append({**entry, "reason": reason})
        codes.append(code)
        methods.append(method or None)
    matched = table.assign(commune_code=codes, match=methods)
    matched = matched[matched["commune_code"].notna()]
    key = ["commune_code"] + [columns[r] for r in ("indicator", "year") if columns[r]]
    dup = matched.duplicated(subset=key, keep="first")
    for idx in matched.index[dup]:
        pos = table.index.get_loc(idx)
        report.duplicates.append({"row": pos + 2, "code": matched.at[idx, "commune_code"], "kept_row": None})
    matched = matched[~dup]
    scope = [district] if district and lookup.has_districts else sorted({lookup.by_code[c][1] for c in matched["commune_code"]})
    have = set(matched["commune_code"])
    report.units_without_data = [
        {"code": c, "name": n}
        for c, (n, d) in sorted(lookup.by_code.items())
        if d in scope and c not in have
    ]
    return matched.reset_index(drop=True), report


def join(boundaries: gpd.GeoDataFrame, table: pd.DataFrame, *, district: str | None = None, **explicit) -> JoinResult:
    """Join an indicator table to a boundary layer; return the frame and the match report."""
    units = boundaries if not district else boundaries[boundaries["district_code"] == district]
    matched, report = resolve(table, boundaries, district=district, **explicit)
    drop = [c for c in matched.columns if c in units.columns and c != "commune_code"]
    frame = units.merge(matched.drop(columns=drop), on="commune_code", how="left")
    return JoinResult(gpd.GeoDataFrame(frame, geometry=units.geometry.name, crs=units.crs), matched, report)
