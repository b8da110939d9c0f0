"""Carry a long indicator table from one boundary edition to another, by each indicator's declared rule.

A carried value keeps its status only where the rule keeps it exact: a new unit made of one
whole old unit. Any other value is derived (status "derived", or "illustrative" when an input
was illustrative); it is also estimated when a divided old unit contributed to it (by area
share for counts; a divided part is assumed to have its old unit's status or category).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from geoapp.catalog import Catalog, CarryRule, Indicator
from geoapp.data.values import FACT, ILLUSTRATIVE
from geoapp.editions.crosswalk import Crosswalk, CrosswalkRow
from geoapp.i18n import translate
from geoapp.storage.base import INDICATOR_COLUMNS

DERIVED = "derived"
CARRIED_COLUMNS = INDICATOR_COLUMNS + ["derived", "from", "rule", "estimated"]
NOT_CARRIED_COLUMNS = ["commune_code", "indicator", "year", "reason", "parts", "message"]


@dataclass
class CarryResult:
    """Carried rows (keyed by the new edition's codes) and what could not be carried, with why."""

    rows: pd.DataFrame
    not_carried: pd.DataFrame

    def estimated(self) -> pd.DataFrame:
        return self.rows[self.rows["estimated"]]


@dataclass(frozen=True)
class Part:
    """One old unit's value contributing to a new unit."""

    row: CrosswalkRow
    value: str
    status: str
    source: str
    note: str


def format_value(value: float) -> str:
    """Return a carried number as text (at most 4 decimals, no trailing zeros)."""
    return f"{round(float(value), 4):g}"


def level_at_or_above_id(indicator_id: str, level: str) -> str:
    """Return the id of the "% of area at or above `level`" rows of an ordinal indicator."""
    return f"{indicator_id}_at_or_above_{level}"


class _Collector:
    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.rows: list[dict] = []
        self.skipped: list[dict] = []

    def skip(self, code: str, indicator: str, year, reason: str, parts=(), text: str | None = None) -> None:
        parts = " ".join(parts) if not isinstance(parts, str) else parts
        message = text or translate(f"carry_{reason}", self.lang, parts=parts, indicator=indicator)
        self.skipped.append({"commune_code": code, "indicator": indicator, "year": year,
                             "reason": reason, "parts": parts, "message": message})

    def add(self, code: str, indicator: str, year, value: str, parts: list[Part], rule: str, note: str = "",
            number: float | None = None) -> None:
        exact = len(parts) == 1 and parts[0].row.whole
        statuses = {p.status for p in parts}
        if exact:
            status, source, note = parts[0].status, parts[0].source, parts[0].note
        else:
            status = ILLUSTRATIVE if ILLUSTRATIVE in statuses else DERIVED
            source = "+".join(sorted({p.source for p in parts if p.source}))
            note = f"{rule}: " + " ".join(p.row.old_code for p in parts) + (f"; {note}" if note else "")
        self.rows.append({
            "commune_code": code, "indicator": indicator, "year": year, "value": value,
            "status": status, "source": source, "note": note, "derived": not exact,
            "from": " ".join(p.row.old_code for p in parts), "rule": rule,
            "estimated": any(not p.row.whole for p in parts), "number": number,
        })


def _number(text: str) -> float | None:
    """Return a stored value as a finite number, None when it is empty or not a plain number."""
    text = text.strip()
    if not text or "_" in text or not text.isascii():
        return None
    try:
        number = float(text)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _numbers(parts: list[Part]) -> list[float] | None:
    numbers = [_number(p.value) for p in parts]
    return None if None in numbers else numbers


def _carry_unit(out: _Collector, ind: Indicator, year, code: str, parts: list[Part], missing: list[str]) -> None:
    """Carry one indicator-year onto one new unit from the values of its parts."""
    rule: CarryRule = ind.carry
    if rule.rule in ("sum", "any", "all") and missing:
        out.skip(code, ind.id, year, "missing_parts", missing)
        return
    note = ("no value: " + " ".join(missing)) if missing else ""
    if rule.rule == "sum":
        numbers = _numbers(parts)
        if numbers is None:
            out.skip(code, ind.id, year, "not_a_number", [p.row.old_code for p in parts])
            return
        exact = len(parts) == 1 and parts[0].row.whole
        total = sum(p.row.share * n for p, n in zip(parts, numbers))
        estimated = any(not p.row.whole for p in parts)
        value = parts[0].value if exact else format_value(round(total, 1) if estimated else total)
        out.add(code, ind.id, year, value, parts, "sum", note, number=total)
        return
    if rule.rule in ("any", "all"):
        hits = [p.value == rule.value for p in parts]
        yes = any(hits) if rule.rule == "any" else all(hits)
        out.add(code, ind.id, year, rule.value if yes else rule.otherwise, parts, rule.rule, note)
        return
    order = {c.value: i for i, c in enumerate(ind.categories)}
    unknown = [p.row.old_code for p in parts if p.value not in order]
    if unknown:
        out.skip(code, ind.id, year, "unknown_category", unknown)
        return
    if rule.rule in ("lowest", "highest"):
        pick = min if rule.rule == "lowest" else max
        out.add(code, ind.id, year, pick((p.value for p in parts), key=order.get), parts, rule.rule, note)
        return
    area = sum(p.row.area_km2 for p in parts)
    for level in ind.categories[1:]:
        above = sum(p.row.area_km2 for p in parts if order[p.value] >= order[level.value])
        pct = 100 * above / area if area > 0 else 0.0
        out.add(code, level_at_or_above_id(ind.id, level.value), year, format_value(pct), parts, rule.rule, note)


def _carry_ratio(out: _Collector, ind: Indicator, carried: pd.DataFrame) -> None:
    """Recompute a share or rate on the new units from their carried numerator and denominator."""
    rule = ind.carry
    num = carried[carried["indicator"] == rule.numerator].set_index(["commune_code", "year"])
    den = carried[carried["indicator"] == rule.denominator].set_index(["commune_code", "year"])
    for key in num.index.intersection(den.index):
        n, d = num.loc[key], den.loc[key]
        code, year = key
        if float(d["number"]) <= 0:
            out.skip(code, ind.id, year, "zero_denominator", d["from"].split())
            continue
        derived = bool(n["derived"] or d["derived"])
        statuses = {n["status"], d["status"]}
        if not derived and statuses == {FACT}:
            status = FACT
        else:
            status = ILLUSTRATIVE if ILLUSTRATIVE in statuses else (DERIVED if derived else n["status"])
        estimated = bool(n["estimated"] or d["estimated"])
        ratio = float(n["number"]) / float(d["number"]) * rule.scale
        out.rows.append({
            "commune_code": code, "indicator": ind.id, "year": year,
            "value": format_value(round(ratio, 1) if estimated else ratio),
            "status": status, "source": "+".join(sorted({n["source"], d["source"]} - {""})),
            "note": f"ratio: {rule.numerator} / {rule.denominator} of {d['from']}",
            "derived": derived, "from": d["from"], "rule": "ratio", "estimated": estimated,
        })


def carry_values(values: pd.DataFrame, crosswalk: Crosswalk, catalog: Catalog, *, lang: str = "en") -> CarryResult:
    """Carry a long table (commune_code, indicator, year, value, status, source, note) across editions.

    Returns rows keyed by the new edition's codes, with `derived`, `from` (the old codes the
    value was computed from), `rule` and `estimated`; and every unit-indicator-year that could
    not be carried, with the reason. Shares and rates are recomputed from their carried
    numerator and denominator, never averaged; their own input rows are not used.
    """
    out = _Collector(lang)
    known_old = set(crosswalk.old_codes())
    for code in sorted(set(values["commune_code"]) - known_old):
        out.skip(code, "", None, "unknown_unit", [code])
    values = values[values["commune_code"].isin(known_old)]
    for (indicator_id, year), group in values.groupby(["indicator", "year"], sort=True):
        ind = catalog.indicators.get(indicator_id)
        if ind is None:
            out.skip("", indicator_id, year, "unknown_indicator")
            continue
        if ind.carry.rule == "ratio":
            continue
        by_old = {r.commune_code: r for r in group.itertuples(index=False)}
        for new_code in crosswalk.new_codes():
            rows = crosswalk.parts_of(new_code)
            parts = [Part(r, str(by_old[r.old_code].value), by_old[r.old_code].status,
                          by_old[r.old_code].source, by_old[r.old_code].note) for r in rows if r.old_code in by_old]
            if not parts:
                continue
            if not ind.carry.carried:
                out.skip(new_code, ind.id, year, "not_carried", text=ind.carry.reason_text(lang))
                continue
            missing = [r.old_code for r in rows if r.old_code not in by_old]
            _carry_unit(out, ind, year, new_code, parts, missing)
    carried = pd.DataFrame(out.rows, columns=CARRIED_COLUMNS + ["number"])
    for ind in catalog.indicators.values():
        if ind.carry.rule == "ratio":
            _carry_ratio(out, ind, carried)
    rows = pd.DataFrame(out.rows, columns=CARRIED_COLUMNS)
    if len(rows):
        rows["year"] = rows["year"].astype(int)
        rows["derived"] = rows["derived"].astype(bool)
        rows["estimated"] = rows["estimated"].astype(bool)
    return CarryResult(rows.reset_index(drop=True), pd.DataFrame(out.skipped, columns=NOT_CARRIED_COLUMNS))
