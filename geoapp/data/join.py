"""Join a boundary layer with an indicator table, and report how every row matched."""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd

from geoapp.data.distinct import once_per_value
from geoapp.data.duplicates import describe_duplicates
from geoapp.data.names import ascii_key, normalize_code, normalize_name, without_diacritics

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
        lists = ("by_code", "by_name", "fuzzy", "unmatched", "duplicates", "units_without_data")
        return {"counts": self.counts(), "rows": self.rows, **{k: [dict(e) for e in getattr(self, k)] for k in lists},
                "columns": dict(self.columns), "edition": self.edition, "edition_reason": dict(self.edition_reason)}


@dataclass
class JoinResult:
    frame: gpd.GeoDataFrame
    table: pd.DataFrame
    report: MatchReport


def _district_codes(units: pd.DataFrame) -> list[str]:
    """Return each unit's district code, "" where the edition has no districts."""
    if "district_code" not in units:
        return [""] * len(units)
    return ["" if pd.isna(d) else str(d) for d in units["district_code"].tolist()]


class _Units:
    """Lookup of boundary units by code, and by name keys within a district (or province-wide
    in an edition without districts)."""

    def __init__(self, units: pd.DataFrame) -> None:
        districts = _district_codes(units)
        self.has_districts = any(districts)
        self.by_code = {c: (n, d) for c, n, d in zip(units["commune_code"].tolist(), units["commune_name"].tolist(), districts)}
        self.names: dict[tuple[str, str], list[str]] = {}
        self.ascii: dict[tuple[str, str], list[str]] = {}
        keys = once_per_value(pd.Series([n for n, _ in self.by_code.values()], dtype=object), normalize_name)
        for (code, (_, district)), key in zip(self.by_code.items(), keys):
            self.names.setdefault((district, key), []).append(code)
            self.ascii.setdefault((district, without_diacritics(key)), []).append(code)
        names = units["district_name"] if "district_name" in units else pd.Series(districts, index=units.index)
        self.district_names = {normalize_name(n): c for c, n in zip(districts, names.tolist()) if c}


def _texts(table: pd.DataFrame, col: str | None) -> pd.Series:
    """Return a column as stripped text ("" for missing values)."""
    if col is None:
        return pd.Series("", index=table.index, dtype=object)
    return once_per_value(table[col], lambda v: "" if pd.isna(v) else str(v).strip())


def _row_districts(table, columns, units: _Units, district: str | None) -> pd.Series:
    """Return each row's district: its district code, else its district's name, else `district`.

    In an edition without districts every row's district is "" (names are matched province-wide).
    """
    if not units.has_districts:
        return pd.Series("", index=table.index, dtype=object)
    by_code = once_per_value(_texts(table, columns["district_code"]), lambda v: normalize_code(v, width=3))
    names = once_per_value(_texts(table, columns["district_name"]), normalize_name)
    by_name = once_per_value(names, lambda n: units.district_names.get(n) or units.district_names.get(normalize_name("Huyện " + n)))
    out = pd.Series(district, index=table.index, dtype=object)
    out = out.where(names == "", by_name)
    return out.where(by_code.isna(), by_code)


def _name_matches(keys: pd.Series, districts: pd.Series, lookup: dict) -> tuple[pd.Series, pd.Series]:
    """Return (the code a (district, key) pair names uniquely, whether the pair names several units)."""
    pairs = list(zip(districts, keys))
    found = [lookup.get(pair, ()) for pair in pairs]
    codes = pd.Series([f[0] if len(f) == 1 else None for f in found], index=keys.index, dtype=object)
    ambiguous = pd.Series([len(f) > 1 for f in found], index=keys.index, dtype=bool)
    return codes, ambiguous


def _match_rows(table, columns, units: _Units, district: str | None) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Return (code, method, reason) for every row: codes first, then names, then diacritic-free names."""
    table = table.reset_index(drop=True)
    raw_codes = _texts(table, columns["code"])
    codes = once_per_value(raw_codes, normalize_code)
    unit_district = codes.map({c: d for c, (_, d) in units.by_code.items()})
    code = pd.Series(None, index=table.index, dtype=object)
    method = pd.Series("", index=table.index, dtype=object)
    reason = pd.Series("", index=table.index, dtype=object)
    known = unit_district.notna()
    narrowed = bool(district) and units.has_districts  # a district only narrows an edition with districts
    other = known & (unit_district != district) if narrowed else pd.Series(False, index=table.index)
    reason[other] = "code_other_district"
    by_code = known & ~other
    code[by_code], method[by_code] = codes[by_code], MATCH_CODE
    rest = ~known
    reason[rest & (raw_codes != "")] = "malformed_code"
    reason[rest & codes.notna()] = "unknown_code"
    names = _texts(table, columns["name"])
    no_name = rest & (names == "")
    reason[no_name] = reason[no_name].where(reason[no_name] != "", "no_code_or_name")
    rest &= ~no_name
    row_district = _row_districts(table[rest], columns, units, district)
    lost = row_district.isna() | ((row_district == "") & units.has_districts)
    reason[lost[lost].index] = "no_district_for_name"
    if narrowed:
        elsewhere = ~lost & (row_district != district)
        reason[elsewhere[elsewhere].index] = "other_district"
        lost |= elsewhere
    todo = row_district[~lost]
    for match, lookup, key in ((MATCH_NAME, units.names, normalize_name), (MATCH_FUZZY, units.ascii, ascii_key)):
        if todo.empty:
            break
        found, ambiguous = _name_matches(once_per_value(names[todo.index], key), todo, lookup)
        hit = found.notna()
        code[hit[hit].index], method[hit[hit].index] = found[hit], match
        reason[ambiguous[ambiguous].index] = "ambiguous_name"
        todo = todo[~hit & ~ambiguous]
    reason[todo.index] = reason[todo.index].where(reason[todo.index] != "", "unknown_name")
    return code, method, reason


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
    codes, methods, reasons = _match_rows(table, columns, lookup, district)
    codes = [c if isinstance(c, str) else None for c in codes]
    _report_rows(report, table, columns, codes, methods, reasons, lookup)
    methods = [m or None for m in methods]
    matched = table.assign(commune_code=codes, match=methods)
    matched = matched[matched["commune_code"].notna()]
    key = ["commune_code"] + [columns[r] for r in ("indicator", "year") if columns[r]]
    dup = matched.duplicated(subset=key, keep="first")
    report.duplicates.extend(describe_duplicates(table, matched, key))
    matched = matched[~dup]
    have = set(matched["commune_code"].tolist())
    scope = [district] if district and lookup.has_districts else sorted({lookup.by_code[c][1] for c in have})
    report.units_without_data = [
        {"code": c, "name": n}
        for c, (n, d) in sorted(lookup.by_code.items())
        if d in scope and c not in have
    ]
    return matched.reset_index(drop=True), report


def _report_rows(report: MatchReport, table, columns, codes: list, methods: pd.Series, reasons: pd.Series,
                 lookup: _Units) -> None:
    """List every row in the report under how it matched (or why it did not), in row order."""
    shown_codes, shown_names = _texts(table, columns["code"]).tolist(), _texts(table, columns["name"]).tolist()
    methods = methods.to_numpy(dtype=object)
    buckets = {MATCH_CODE: report.by_code, MATCH_NAME: report.by_name, MATCH_FUZZY: report.fuzzy}
    for method, bucket in buckets.items():
        bucket.extend(
            {"row": i + 2, "code": shown_codes[i], "name": shown_names[i], "matched_code": codes[i],
             "matched_name": lookup.by_code[codes[i]][0]}
            for i in np.flatnonzero(methods == method).tolist() if codes[i]
        )
    reasons = reasons.tolist()
    report.unmatched.extend(
        {"row": i + 2, "code": shown_codes[i], "name": shown_names[i], "reason": reasons[i]}
        for i, code in enumerate(codes) if not code
    )


def join(boundaries: gpd.GeoDataFrame, table: pd.DataFrame, *, district: str | None = None, **explicit) -> JoinResult:
    """Join an indicator table to a boundary layer; return the frame and the match report."""
    units = boundaries if not district else boundaries[boundaries["district_code"] == district]
    matched, report = resolve(table, boundaries, district=district, **explicit)
    drop = [c for c in matched.columns if c in units.columns and c != "commune_code"]
    frame = units.merge(matched.drop(columns=drop), on="commune_code", how="left")
    return JoinResult(gpd.GeoDataFrame(frame, geometry=units.geometry.name, crs=units.crs), matched, report)
