"""What a map shows: one indicator, one year, one district, classified."""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import pandas as pd

from geoapp.catalog import Indicator
from geoapp.data.dataset import Dataset
from geoapp.data.names import ascii_key
from geoapp.data.values import ILLUSTRATIVE, numeric
from geoapp.editions.units import edition_values, parts_text, rule_text
from geoapp.i18n import format_number, translate
from geoapp.storage.base import LEGACY_EDITION
from geoapp.maps.classify import NOT_APPLICABLE_CLASS, Classification, classify, no_data_label
from geoapp.request import ALL_DISTRICTS, MapRequest, parse_map_request, parse_year

__all__ = ["MapView", "build_map_view", "display_value", "parse_year", "previous_year"]


def text_or_blank(value) -> str:
    """Return a cell as text, "" when missing (units of an edition without districts)."""
    return "" if value is None or pd.isna(value) else str(value)


@dataclass
class MapView:
    """The classified values of one indicator over the communes of one district and year."""

    request: MapRequest
    indicator: Indicator
    years: list[int]
    district_name: str
    frame: gpd.GeoDataFrame
    classification: Classification
    data_version: str
    not_carried: str = ""  # why the indicator is not shown on these units (no carry rule), else ""

    @property
    def units(self) -> str:
        """The boundary edition of the units shown."""
        return self.request.area.units

    @property
    def source_edition(self) -> str:
        """The edition of the units the values were collected on (the codes in `from`)."""
        return LEGACY_EDITION

    @property
    def derived(self) -> bool:
        """True when any value shown is derived from several old communes (or part of one)."""
        return bool(self.frame["derived"].any())

    @property
    def has_districts(self) -> bool:
        """True when the units shown belong to districts (2021); the 2025 units have none."""
        return "district_code" in self.frame and bool(self.frame["district_code"].notna().any())

    @property
    def year(self) -> int:
        return self.request.year

    @property
    def district(self) -> str:
        return self.request.district

    @property
    def lang(self) -> str:
        return self.request.lang

    @property
    def breaks(self) -> tuple[float, ...] | None:
        return self.request.breaks

    @property
    def illustrative(self) -> bool:
        """True when any value shown is illustrative."""
        return bool((self.frame["status"] == ILLUSTRATIVE).any())

    @property
    def title(self) -> str:
        return self.indicator.title(self.lang)

    @property
    def subtitle(self) -> str:
        return translate("map_subtitle", self.lang, year=self.year, district=self.district_name)

    @property
    def previous_year(self) -> int | None:
        """The year the data table compares with, or None."""
        return previous_year(self.year, self.years)

    @property
    def params(self) -> dict:
        """Return the query parameters that reproduce this view (the request's canonical form)."""
        return self.request.params()

    def rows(self) -> list[dict]:
        """Return the data table rows: commune, value as shown, status, source."""
        out = []
        for rec in self.frame.itertuples():
            out.append(
                {
                    "code": rec.commune_code,
                    "name": rec.commune_name,
                    "district": text_or_blank(getattr(rec, "district_name", None)),
                    "key": ascii_key(rec.commune_name),
                    "value": rec.display,
                    "previous": rec.previous,
                    "raw": None if rec.value in ("", None) or pd.isna(rec.value) else rec.value,
                    "status": rec.status or "",
                    "source": rec.source or "",
                    "color": rec.color,
                    "cls": int(rec.cls),
                    "derived": bool(rec.derived),
                    "from": str(rec.parts_from).split(),
                    "rule": rec.rule,
                    "rule_text": rec.rule_text,
                    "parts": list(rec.parts),
                }
            )
        return out


def display_value(value: object, indicator: Indicator, lang: str) -> str:
    """Return a value as readers see it: a category title, or a number with its unit."""
    if value is None or value == "" or (isinstance(value, float) and pd.isna(value)):
        return no_data_label(indicator, lang)
    if not indicator.is_numeric:
        cat = indicator.category(str(value))
        return cat.title(lang) if cat else str(value)
    num = numeric(pd.Series([value])).iloc[0]
    if pd.isna(num):
        return str(value)
    if indicator.format == "year":
        return str(int(num))
    return f"{format_number(num, lang)} {indicator.unit_label(lang)}".strip()


def display_values(values, indicator: Indicator, lang: str) -> list[str]:
    """Return many values as readers see them (one numeric conversion for all; same text as display_value)."""
    values = pd.Series(list(values), dtype=object)
    values = values.where(values.notna(), None)
    if not indicator.is_numeric or len(values) == 0:
        return [display_value(v, indicator, lang) for v in values]
    nums = numeric(values.where(values.notna(), "").astype(str)).to_numpy()
    no_data, unit = translate("no_data", lang), indicator.unit_label(lang)
    out = []
    for value, num in zip(values, nums):
        if value is None or value is pd.NA or value == "" or (isinstance(value, float) and pd.isna(value)):
            out.append(no_data)
        elif pd.isna(num):
            out.append(str(value))
        elif indicator.format == "year":
            out.append(str(int(num)))
        else:
            out.append(f"{format_number(num, lang)} {unit}".strip())
    return out


def previous_year(year: int, years: list[int]) -> int | None:
    """Return the latest year with data before `year`, or None."""
    earlier = [y for y in years if y < year]
    return earlier[-1] if earlier else None


def _previous_display(dataset: Dataset, indicator: Indicator, year: int, years: list[int], codes: pd.Series, lang: str,
                      units: str) -> list[str]:
    """Return each unit's value in the previous year with data, as readers see it ("" if no such year)."""
    prev = previous_year(year, years)
    if prev is None:
        return [""] * len(codes)
    rows = edition_values(dataset, units, indicator.id, prev, lang).rows.set_index("commune_code")["value"]
    rows = rows[~rows.index.duplicated()]
    return display_values(pd.Series(list(codes), dtype=object).map(rows).tolist(), indicator, lang)


def build_map_view(dataset: Dataset, request: MapRequest | str, **params) -> MapView:
    """Select, join and classify the indicator of a map request over its area and year.

    `build_map_view(dataset, "ntm_level", year=2020, district="183")` still works: the
    keywords are parsed as a query (district defaults to the whole province).
    """
    if not isinstance(request, MapRequest):
        lang = params.pop("lang", None)
        request = parse_map_request(dataset, request, params, lang=lang, default_district=ALL_DISTRICTS)
    indicator = dataset.catalog.get(request.indicator)
    years = dataset.years(indicator.id)
    units = request.area.communes(dataset)
    lang = request.lang
    edition = request.area.units
    carried = edition_values(dataset, edition, indicator.id, request.year, lang)
    rows = carried.rows.rename(columns={"from": "parts_from"})
    keep = ["commune_code", "value", "status", "source", "note", "parts_from", "rule"]
    frame = units.merge(rows[keep + ["derived", "estimated"]], on="commune_code", how="left")
    frame[keep[1:]] = frame[keep[1:]].fillna("")
    frame["derived"] = frame["derived"].fillna(False).astype(bool)
    frame["estimated"] = frame["estimated"].fillna(False).astype(bool)
    frame["rule_text"] = [rule_text(r, lang) for r in frame["rule"]]
    frame["parts"] = [
        parts_text(dataset, edition, c, lang) if edition != dataset.default_edition else [] for c in frame["commune_code"]
    ]
    breaks = list(request.breaks) if request.breaks else None
    classes = classify(frame["value"], indicator, request.scheme, request.k, breaks, lang,
                       unit_types=frame.get("commune_type"))
    frame["cls"] = classes.classes.to_numpy()
    frame["color"] = classes.colors.to_numpy()
    frame["display"] = display_values(frame["value"], indicator, lang)
    frame.loc[frame["cls"] == NOT_APPLICABLE_CLASS, "display"] = translate("not_applicable", lang)
    frame["previous"] = _previous_display(dataset, indicator, request.year, years, frame["commune_code"], lang, edition)
    frame.loc[frame["cls"] == NOT_APPLICABLE_CLASS, "previous"] = translate("not_applicable", lang)
    frame = gpd.GeoDataFrame(frame, geometry="geometry", crs=units.crs)
    return MapView(request, indicator, years, request.area.name(dataset, lang), frame, classes, dataset.version,
                   carried.reason)
