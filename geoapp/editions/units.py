"""What readers see of an edition's units: former districts, parts, successors and carried values.

Everything here works on a published Dataset: the default edition's communes (in which the
data were collected) and another edition's units, linked by the weighted crosswalk.
"""

from __future__ import annotations

import geopandas as gpd

from geoapp.editions.lookup import CarriedIndicator, carried_indicator, values_in_edition
from geoapp.config import GEODATA_DIR
from geoapp.editions.model import load_registry, unit_id
from geoapp.i18n import format_number, translate


def former_districts(dataset, edition: str) -> dict[str, list[str]]:
    """Return {unit code: [codes of the former districts whose communes it contains]} for an edition."""
    old = dataset.communes.set_index("commune_code")["district_code"]
    out: dict[str, set[str]] = {}
    for row in dataset.crosswalk_to(edition).used:
        if row.old_code in old.index:
            out.setdefault(row.new_code, set()).add(str(old[row.old_code]))
    return {code: sorted(codes) for code, codes in out.items()}


def units_of_area(dataset, edition: str, district: str | None) -> gpd.GeoDataFrame:
    """Return an edition's units: all of them, or those containing communes of a former district."""
    units = dataset.units(edition)
    if district is None:
        return units
    dataset.district_name(district)
    holders = {code for code, districts in former_districts(dataset, edition).items() if district in districts}
    return units[units["commune_code"].isin(holders)]


def parts_text(dataset, edition: str, code: str, lang: str) -> list[str]:
    """Return the old communes that make up a unit as readers see them ("Xã A (40%)" for a divided one)."""
    out = []
    for row in dataset.crosswalk_to(edition).parts_of(code):
        share = "" if row.whole else f" ({format_number(row.share * 100, lang, decimals=0)}%)"
        out.append(f"{row.old_name}{share}")
    return out


def derived_boundaries_note(units: str, lang: str) -> str:
    """Return the note on another edition's boundaries: derived (a shipped edition such as 2025) or uploaded."""
    if units in load_registry(GEODATA_DIR).editions:
        return translate("boundaries_derived_note", lang)
    return translate("boundaries_uploaded_short", lang, edition=units)


def rule_text(rule: str, lang: str) -> str:
    """Return a carry rule as readers see it ("" for values shown on their own units)."""
    return translate(f"carry_rule_{rule}", lang) if rule else ""


def qualified(codes: str | list[str], edition: str) -> list[str]:
    """Return unit codes qualified by their edition: ["2021:06187", ...]."""
    codes = codes.split() if isinstance(codes, str) else codes
    return [unit_id(edition, c) for c in codes]


def edition_values(dataset, edition: str, indicator_id: str, year: int, lang: str) -> CarriedIndicator:
    """Return one indicator-year on an edition's units (as collected, or carried by the catalog's rule)."""
    if edition == dataset.default_edition:
        return values_in_edition(dataset.values, dataset.registry, dataset.catalog, edition, indicator_id, year,
                                 lang=lang)
    carried = carried_indicator(dataset.values, dataset.crosswalk_to(edition), dataset.catalog, indicator_id, year,
                                lang=lang)
    carried.rows = carried.rows[carried.rows["indicator"] == indicator_id].reset_index(drop=True)
    return carried
