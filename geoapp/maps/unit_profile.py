"""A unit's profile in an edition other than the default: its predecessor communes and carried indicators.

The default edition's communes keep their profile (geoapp.maps.profile); `successors` names the
units a commune went to in the other editions.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from geoapp.data.dataset import Dataset
from geoapp.editions.carry import carry_values
from geoapp.editions.units import rule_text
from geoapp.errors import NotFound
from geoapp.i18n import format_number, translate
from geoapp.maps.view import display_value


@dataclass
class Link:
    """One unit of another edition related to this one (with the area share that moved)."""

    edition: str
    code: str
    name: str
    share: float
    whole: bool

    def share_text(self, lang: str) -> str:
        return "" if self.whole else translate("area_share", lang, share=format_number(self.share * 100, lang, 0))


@dataclass
class UnitProfile:
    """A unit of a non-default edition: where it came from and the indicators carried onto it."""

    edition: str
    unit: pd.Series
    predecessors: list[Link]
    years: list[int]
    rows: list[dict]  # {"indicator", "rule", "rule_text", "reason", "cells": [{year, value, status, derived, estimated}]}

    @property
    def illustrative(self) -> bool:
        return any(c["status"] == "illustrative" for r in self.rows for c in r["cells"])


def edition_unit(dataset: Dataset, edition: str, code: str) -> pd.Series:
    """Return one unit of an edition or raise NotFound."""
    units = dataset.units(edition)
    match = units[units["commune_code"] == code]
    if match.empty:
        raise NotFound("error_unknown_commune", commune=f"{edition}:{code}")
    return match.iloc[0]


def unit_profile(dataset: Dataset, edition: str, code: str, lang: str) -> UnitProfile:
    """Return the profile of a unit of a non-default edition (NotFound for an unknown unit)."""
    unit = edition_unit(dataset, edition, code)
    crosswalk = dataset.crosswalk_to(edition)
    parts = crosswalk.parts_of(code)
    links = [Link(dataset.default_edition, r.old_code, r.old_name, r.share, r.whole) for r in parts]
    values = dataset.values[dataset.values["commune_code"].isin([r.old_code for r in parts])]
    carried = carry_values(values, crosswalk, dataset.catalog, lang=lang).rows if len(values) else None
    mine = carried[carried["commune_code"] == code] if carried is not None else pd.DataFrame()
    years = sorted({int(y) for y in values["year"].unique()})
    rows = []
    for ind in dataset.catalog.indicators.values():
        if ind.scope != "commune":
            continue
        latest = mine[mine["indicator"] == ind.id].set_index("year") if len(mine) else pd.DataFrame()
        cells = []
        for year in years:
            rec = latest.loc[year] if year in latest.index else None
            cells.append({
                "year": year,
                "value": display_value(None if rec is None else rec["value"], ind, lang),
                "status": "" if rec is None else rec["status"],
                "derived": False if rec is None else bool(rec["derived"]),
                "estimated": False if rec is None else bool(rec["estimated"]),
            })
        carried_rule = ind.carry.rule if ind.carry.carried else "none"
        rows.append({
            "indicator": ind, "rule": carried_rule, "rule_text": rule_text(carried_rule, lang),
            "reason": "" if ind.carry.carried else ind.carry.reason_text(lang), "cells": cells,
        })
    return UnitProfile(edition, unit, links, years, rows)


def successors(dataset: Dataset, code: str) -> list[Link]:
    """Return the units of every other published edition that a default-edition commune went to."""
    out = []
    for edition, units in dataset.editions.items():
        names = units.set_index("commune_code")["commune_name"]
        for row in dataset.crosswalk_to(edition).successors_of(code):
            out.append(Link(edition, row.new_code, str(names.get(row.new_code, row.new_name)), row.share, row.whole))
    return out
