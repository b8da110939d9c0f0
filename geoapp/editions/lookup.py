"""What profiles, maps and the API need from editions: predecessors, successors and carried values."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from geoapp.catalog import Catalog
from geoapp.editions.carry import CARRIED_COLUMNS, NOT_CARRIED_COLUMNS, carry_values, level_at_or_above_id
from geoapp.editions.crosswalk import Crosswalk, CrosswalkRow, compose, read_weighted, rows_from_dicts
from geoapp.editions.model import Registry


def load_crosswalk(registry: Registry, from_edition: str, to_edition: str) -> Crosswalk:
    """Return the weighted crosswalk between two editions: shipped, uploaded with an edition, or
    composed along the editions in between (2021→2025→2027)."""
    steps = registry.chain(from_edition, to_edition)
    crosswalks = [crosswalk_step(registry, a, b) for a, b in steps]
    out = crosswalks[0]
    for step in crosswalks[1:]:
        out = compose(out, step)
    return out


def crosswalk_step(registry: Registry, from_edition: str, to_edition: str) -> Crosswalk:
    """Return one crosswalk as stored: an uploaded edition's record, else the shipped weighted file."""
    stored = registry.stored_crosswalks.get((str(from_edition), str(to_edition)))
    if stored is not None:
        return Crosswalk(str(from_edition), str(to_edition), rows_from_dicts(stored))
    files = registry.crosswalk(from_edition, to_edition)
    return Crosswalk(str(from_edition), str(to_edition), tuple(read_weighted(registry.path(files.weighted))))


def predecessors(crosswalk: Crosswalk, new_code: str) -> list[CrosswalkRow]:
    """Return the old units a new unit was made from (with change type and area share)."""
    return crosswalk.parts_of(new_code)


def successors(crosswalk: Crosswalk, old_code: str) -> list[CrosswalkRow]:
    """Return the new units an old unit went to (with change type and area share)."""
    return crosswalk.successors_of(old_code)


@dataclass
class CarriedIndicator:
    """One indicator-year on the new units: a row per unit, or the reason it is not carried."""

    indicator: str
    year: int
    rule: str
    rows: pd.DataFrame  # CARRIED_COLUMNS, one row per unit (several for share_at_or_above)
    not_carried: pd.DataFrame
    reason: str = ""  # set when the indicator has no rule for carrying it

    def by_unit(self) -> dict[str, dict]:
        """Return {code: {value, status, derived, from, rule, estimated}} (for JSON payloads)."""
        return {
            r["commune_code"]: {"indicator": r["indicator"], "value": r["value"], "status": r["status"],
                                "derived": bool(r["derived"]), "from": r["from"].split(), "rule": r["rule"],
                                "estimated": bool(r["estimated"])}
            for _, r in self.rows.iterrows()
        }


def carried_indicator(values: pd.DataFrame, crosswalk: Crosswalk, catalog: Catalog, indicator_id: str,
                      year: int, *, lang: str = "en") -> CarriedIndicator:
    """Return one indicator-year of a table keyed by the crosswalk's old edition, carried onto its new units."""
    ind = catalog.get(indicator_id)
    if not ind.carry.carried:
        empty = pd.DataFrame(columns=CARRIED_COLUMNS)
        return CarriedIndicator(ind.id, int(year), "none", empty, empty.iloc[:0, :0], ind.carry.reason_text(lang))
    inputs = [ind.carry.numerator, ind.carry.denominator] if ind.carry.rule == "ratio" else [ind.id]
    subset = values[values["indicator"].isin(inputs) & (values["year"].astype(int) == int(year))]
    result = carry_values(subset, crosswalk, catalog, lang=lang)
    wanted = {ind.id} | {level_at_or_above_id(ind.id, c.value) for c in ind.categories}
    rows = result.rows[result.rows["indicator"].isin(wanted)].reset_index(drop=True)
    skipped = result.not_carried[result.not_carried["indicator"].isin(wanted)].reset_index(drop=True)
    return CarriedIndicator(ind.id, int(year), ind.carry.rule, rows, skipped)


def values_in_edition(values: pd.DataFrame, registry: Registry, catalog: Catalog, edition: str,
                      indicator_id: str, year: int, *, lang: str = "en") -> CarriedIndicator:
    """Return one indicator-year on the units of `edition`, for a table collected in the default edition.

    In the default edition the values are returned as they are (not derived, each from its own
    unit); in another edition they are carried along the crosswalk by the catalog's rule.
    """
    registry.get(edition)
    if edition != registry.default:
        crosswalk = load_crosswalk(registry, registry.default, edition)
        return carried_indicator(values, crosswalk, catalog, indicator_id, year, lang=lang)
    ind = catalog.get(indicator_id)
    rows = values[(values["indicator"] == ind.id) & (values["year"].astype(int) == int(year))].copy()
    rows = rows.drop_duplicates("commune_code", keep="last")
    rows["derived"], rows["from"], rows["rule"], rows["estimated"] = False, rows["commune_code"], "", False
    return CarriedIndicator(ind.id, int(year), "", rows[CARRIED_COLUMNS].reset_index(drop=True),
                            pd.DataFrame(columns=NOT_CARRIED_COLUMNS))
