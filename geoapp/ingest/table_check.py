"""Checking an uploaded indicator table: columns, values, matching to communes, merge with the published table."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from geoapp.ingest import archive
from geoapp.catalog import Catalog, catalog_path, load_catalog
from geoapp.config import GEODATA_DIR
from geoapp.errors import GeoappError, Invalid
from geoapp.ingest.fields import find_field
from geoapp.data.distinct import once_per_value
from geoapp.data.duplicates import describe_duplicates
from geoapp.data.join import resolve
from geoapp.data.names import normalize_name
from geoapp.storage.base import INDICATOR_COLUMNS, indicator_frame
from geoapp.ingest.table_files import read_table, text_encoding
from geoapp.ingest.report import (
    MAX_LISTED,
    Check,
    Limits,
    capped,
    check_control_characters,
    check_size,
    Findings,
    text_value,
)

_STATUSES = ("fact", "illustrative")


def check_indicators(filename: str, raw: bytes, *, mapping: dict | None = None, boundaries, district: str | None = None,
                     published=None, limits: Limits = Limits(), catalog: Catalog | None = None) -> Check:
    """Read and check an uploaded indicator table; return the merged table to publish and the report."""
    found = Findings(filename=str(filename))
    frame = None
    try:
        check_size(raw, limits)
        raw = bytes(raw)  # a table is read whole; the upload may be a memory map of the received file
        if archive.sniff(raw) == archive.ZIP:
            # An XLSX workbook is a zip with a few members per sheet: sizes and ratios are capped, not its member count.
            with archive.open_zip(raw) as book:
                archive.check_members(book, max_uncompressed=limits.max_uncompressed, max_members=None,
                                      max_ratio=limits.max_ratio, archive_bytes=len(raw))
        table = read_table(Path(str(filename)).name, raw)
        found.report.update(format=Path(str(filename)).suffix.lower().lstrip("."), rows=len(table))
        if archive.sniff(raw) != archive.ZIP:
            found.report["encoding"] = text_encoding(raw) or "utf-8/cp1258"
        check_control_characters(table, found, first_row=2)
        catalog = catalog or load_catalog(catalog_path(GEODATA_DIR))  # callers pass the published dataset's
        layout = _layout(table, mapping or {}, catalog, found)
        values = _long_values(table, layout, catalog, str(filename), found)
        matched = _match(table, layout, values, boundaries, district, found)
        if not found.failed:
            frame = _merge_values(matched, published, found)
    except GeoappError as exc:
        found.error(exc.key, **exc.params)
    return found.check("indicators", frame)


@dataclass
class _Layout:
    """Which column plays which role, and whether the table is long or wide."""

    columns: dict
    indicators: dict  # wide tables: column -> indicator id

    @property
    def long(self) -> bool:
        return not self.indicators


def _layout(table: pd.DataFrame, mapping: dict, catalog: Catalog, found: Findings) -> _Layout:
    available = list(table.columns)
    explicit = {role: mapping.get(role) for role in ("code", "name", "year", "indicator", "value", "status", "source", "note")}
    explicit["district_code"] = explicit["district_name"] = mapping.get("district")
    wide = mapping.get("indicators") or {}
    if not isinstance(wide, dict):
        raise Invalid("upload_column_unknown", column=str(wide), columns=available)
    for col in [c for c in explicit.values() if c] + list(wide):
        if col not in available:
            raise Invalid("upload_column_unknown", column=col, columns=available)
    columns = {role: find_field(available, role, col) for role, col in explicit.items()}
    if not (columns["code"] or columns["name"]):
        raise Invalid("upload_table_no_unit_column", columns=available)
    if not columns["year"]:
        raise Invalid("upload_table_no_year", columns=available)
    if not wide and not (columns["indicator"] and columns["value"]):
        used = {c for c in columns.values() if c}
        wide = {c: c.strip() for c in available if c not in used and c.strip() in catalog.indicators}
        if not wide:
            raise Invalid("upload_table_no_indicators", columns=available, ids=list(catalog.indicators)[:8])
    if wide:
        columns["indicator"] = columns["value"] = None
    found.report["layout"] = "wide" if wide else "long"
    found.report["columns"] = {**{k: v for k, v in columns.items() if v}, **({"indicators": dict(wide)} if wide else {})}
    return _Layout(columns, dict(wide))


def _long_values(table: pd.DataFrame, layout: _Layout, catalog: Catalog, filename: str, found: Findings) -> pd.DataFrame:
    """Return one row per uploaded value (_row, indicator, year, value, status, source, note), checked."""
    cols = layout.columns
    rows = pd.Series(np.arange(len(table)) + 2, index=table.index)

    def text(col):
        return once_per_value(table[col], text_value) if col else pd.Series("", index=table.index)

    base = pd.DataFrame({
        "_row": rows, "year": text(cols["year"]), "status": text(cols["status"]),
        "source": text(cols["source"]), "note": text(cols["note"]),
    })
    if layout.long:
        parts = [base.assign(indicator=text(cols["indicator"]), value=text(cols["value"]))]
    else:
        parts = [base.assign(indicator=ind, value=text(col)) for col, ind in layout.indicators.items()]
    values = pd.concat(parts, ignore_index=True)
    blank = values["value"] == ""
    if blank.any():
        found.info("upload_values_blank", count=int(blank.sum()))
    values = values[~blank].reset_index(drop=True)
    values["year"] = _check_years(values, found)
    _check_indicator_ids(values, catalog, found)
    values["value"] = _check_value_kinds(values, catalog, found)
    values["status"] = _check_status(values, found)
    values["source"] = values["source"].where(values["source"] != "", f"upload:{Path(filename).name}")
    found.report["values"] = len(values)
    found.report["indicators"] = {k: int(v) for k, v in values["indicator"].value_counts().sort_index().items()}
    found.report["years"] = sorted({int(y) for y in values["year"].dropna()})
    return values


def _rows_issue(found: Findings, key: str, mask: pd.Series, values: pd.DataFrame, example_col: str | None = None, **params):
    if not mask.any():
        return
    hits = values[mask]
    extra = {"examples": capped(dict.fromkeys(hits[example_col].astype(str)))} if example_col else {}
    found.error(key, count=int(mask.sum()), rows=capped(hits["_row"].astype(int)), **extra, **params)


def _check_years(values: pd.DataFrame, found: Findings) -> pd.Series:
    codes, distinct = pd.factorize(values["year"].astype(object), use_na_sentinel=False)  # a few distinct years
    parsed = pd.to_numeric(pd.Series(distinct, dtype=object).str.replace(r"\.0+$", "", regex=True), errors="coerce")
    years = pd.Series(parsed.to_numpy(dtype=float)[codes], index=values.index)
    valid = years.notna() & (years == years.round()) & years.between(1900, 2100)
    _rows_issue(found, "upload_year_missing", values["year"] == "", values)
    _rows_issue(found, "upload_year_invalid", (values["year"] != "") & ~valid, values, "year")
    return years.where(valid).astype("Int64")


def _check_indicator_ids(values: pd.DataFrame, catalog: Catalog, found: Findings) -> None:
    ids = values["indicator"]
    unknown = ~ids.isin(list(catalog.indicators))
    if unknown.any():
        found.error("upload_indicator_unknown", ids=capped(dict.fromkeys(ids[unknown])), count=int(unknown.sum()),
                    rows=capped(values.loc[unknown, "_row"].astype(int)))
    known = [catalog.indicators[i] for i in dict.fromkeys(ids[~unknown])]
    derived = [i.id for i in known if i.derived]
    if derived:
        found.error("upload_indicator_derived", ids=derived)
    other_scope = [i.id for i in known if i.scope != "commune" and not i.derived]
    if other_scope:
        found.error("upload_indicator_not_commune", ids=other_scope)


def _number_text(text: str) -> str | None:
    """Return a number's canonical text ("1.50" -> "1.5", "4.0" -> "4"), or None."""
    try:
        number = float(text.replace(" ", ""))
    except ValueError:
        return None
    if not math.isfinite(number):
        return None
    return str(int(number)) if number.is_integer() and abs(number) < 1e15 else repr(number)


_DECIMAL_COMMA = re.compile(r"[+-]?(?:\d{1,3}(?:\.\d{3})+|\d+),\d+")


def decimal_comma_text(text: str) -> str | None:
    """Return the canonical text of a number written with a decimal comma ("2,5", "1.234,5"), or None."""
    compact = text.replace(" ", "")
    if not _DECIMAL_COMMA.fullmatch(compact):
        return None
    return _number_text(compact.replace(".", "").replace(",", "."))


def _category_value(indicator, text: str) -> str | None:
    key = normalize_name(text)
    for category in indicator.categories:
        if key in {normalize_name(category.value), *(normalize_name(t) for t in category.titles.values())}:
            return category.value
    return None


def _check_value_kinds(values: pd.DataFrame, catalog: Catalog, found: Findings) -> pd.Series:
    out = values["value"].copy()
    for ind_id, group in values.groupby("indicator", sort=True):
        indicator = catalog.indicators.get(ind_id)
        if indicator is None:
            continue
        if indicator.is_numeric:
            converted = once_per_value(group["value"], _number_text)
            comma = converted.isna()
            if comma.any():
                comma[comma] = once_per_value(group.loc[comma, "value"], decimal_comma_text).notna()
            if comma.any():
                converted[comma] = group.loc[comma, "value"].map(decimal_comma_text)
                found.info("upload_decimal_comma", indicator=ind_id, count=int(comma.sum()),
                           rows=capped(group.loc[comma, "_row"].astype(int)),
                           examples=capped(f"{a} → {b}" for a, b in zip(group.loc[comma, "value"], converted[comma])))
                found.report.setdefault("decimal_comma", []).extend(
                    {"row": int(r), "indicator": ind_id, "text": a, "value": b}
                    for r, a, b in zip(group.loc[comma, "_row"], group.loc[comma, "value"], converted[comma]))
            _rows_issue(found, "upload_value_not_numeric", converted.isna(), group, "value", indicator=ind_id)
        else:
            converted = group["value"].map(lambda v, ind=indicator: _category_value(ind, v))
            _rows_issue(found, "upload_value_not_category", converted.isna(), group, "value", indicator=ind_id,
                        allowed=[c.value for c in indicator.categories])
        out.loc[group.index] = converted.fillna(group["value"])
    return out


def _check_status(values: pd.DataFrame, found: Findings) -> pd.Series:
    status = values["status"].str.lower().replace("", "fact")
    _rows_issue(found, "upload_status_invalid", ~status.isin(_STATUSES), values, "status")
    return status


def _match(table: pd.DataFrame, layout: _Layout, values: pd.DataFrame, boundaries, district, found: Findings) -> pd.DataFrame:
    """Match the table's rows to communes with the core join; return the values with their commune_code."""
    cols = layout.columns
    keyed = table.assign(_row=np.arange(len(table)) + 2)
    explicit = {role: cols[role] for role in ("code", "name", "district_code", "district_name", "year", "indicator")}
    explicit = {k: v for k, v in explicit.items() if v}
    matched, report = resolve(keyed, boundaries, district=district, **explicit)
    found.report["match"] = report.to_dict()
    if report.unmatched:
        found.warning("upload_rows_unmatched", count=len(report.unmatched), rows=capped(u["row"] for u in report.unmatched))
    if report.duplicates:
        _duplicates_issue(found, report.duplicates)
    if report.fuzzy:
        found.warning("upload_rows_fuzzy", count=len(report.fuzzy),
                      examples=capped(f"{f['row']}: {f['name']} → {f['matched_name']}" for f in report.fuzzy))
    if report.units_without_data:
        found.info("upload_units_without_data", count=len(report.units_without_data))
    if matched.empty:
        found.error("upload_no_match")
    codes = pd.Series(matched["commune_code"].to_numpy(dtype=object), index=matched["_row"].to_numpy())
    out = values.assign(commune_code=values["_row"].map(codes))
    out = out[out["commune_code"].notna()]
    keys = ["commune_code", "indicator", "year"]
    dup = out.duplicated(keys, keep="first")
    if dup.any():
        values_only = out[["_row", "value", "status"]].set_index(out.index)
        entries = describe_duplicates(values_only, out, keys)
        for entry in entries:  # spreadsheet rows of the table, not of the long list of values
            entry["row"], entry["kept_row"] = int(out.at[out.index[entry["row"] - 2], "_row"]), int(
                out.at[out.index[entry["kept_row"] - 2], "_row"])
        found.report["duplicate_values"] = entries
        _duplicates_issue(found, entries)
    return out[~dup].reset_index(drop=True)


def _same_values(new: pd.Series, old: pd.Series) -> np.ndarray:
    """Return, row by row, whether two value columns hold the same value (as text or as the same number)."""
    new, old = new.astype(str), old.astype(str)
    canon_new, canon_old = once_per_value(new, _number_text), once_per_value(old, _number_text)
    return ((new == old) | (canon_new.notna() & (canon_new == canon_old))).to_numpy(dtype=bool)


def _duplicates_issue(found: Findings, entries: list[dict]) -> None:
    """Warn about dropped duplicate rows: the kept row of each, and those that disagree with it."""
    pairs = [f"{e['row']} → {e['kept_row']}" for e in entries]
    disagree = [f"{e['row']} ≠ {e['kept_row']} ({', '.join(e['differing'])})" for e in entries if e["disagree"]]
    found.warning("upload_rows_duplicate", count=len(entries), rows=capped(pairs),
                  disagree=len(disagree), differing=capped(disagree) or "-")


def _merge_values(values: pd.DataFrame, published, found: Findings) -> pd.DataFrame:
    """Replace published rows with the same (commune_code, indicator, year); report what changed."""
    keys = ["commune_code", "indicator", "year"]
    new = values.assign(year=values["year"].astype(int))[INDICATOR_COLUMNS]
    old = indicator_frame(published) if published is not None and len(published) else pd.DataFrame(
        {c: pd.Series(dtype=int if c == "year" else object) for c in INDICATOR_COLUMNS})
    old = old.assign(year=old["year"].astype(int), commune_code=old["commune_code"].astype(object),
                     indicator=old["indicator"].astype(object))
    both = new.merge(old[keys + ["value", "status"]], on=keys, how="left", suffixes=("", "_old"), indicator=True)
    present = (both["_merge"] == "both").to_numpy()
    same = present & _same_values(both["value"], both["value_old"].fillna("")) & (
        both["status"].astype(object) == both["status_old"].fillna("").astype(object)).to_numpy()
    changed = present & ~same
    replace = pd.MultiIndex.from_frame(both.loc[changed, keys])
    kept = old[~pd.MultiIndex.from_frame(old[keys]).isin(replace)]
    merged = pd.concat([kept, new[~same]], ignore_index=True).sort_values(keys, kind="stable")
    found.report["changes"] = {
        "added": int((~present).sum()), "changed": int(changed.sum()), "unchanged": int(same.sum()),
        "changed_values": [
            {"code": r.commune_code, "indicator": r.indicator, "year": int(r.year), "old": r.value_old, "new": r.value,
             "old_status": r.status_old, "new_status": r.status}
            for r in both[changed].head(MAX_LISTED * 5).itertuples()
        ],
    }
    found.info("upload_values_summary", **{k: found.report["changes"][k] for k in ("added", "changed", "unchanged")})
    return indicator_frame(merged.reset_index(drop=True))
