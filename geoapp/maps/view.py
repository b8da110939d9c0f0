"""What a map shows: one indicator, one year, one district, classified."""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import pandas as pd

from geoapp.catalog import Indicator
from geoapp.maps.classify import Classification, classify, parse_breaks
from geoapp.data.dataset import Dataset
from geoapp.errors import BadRequest, NotFound
from geoapp.i18n import format_number, translate
from geoapp.data.values import ILLUSTRATIVE, numeric, select
from geoapp.data.names import ascii_key


@dataclass
class MapView:
    """The classified values of one indicator over the communes of one district and year."""

    indicator: Indicator
    year: int
    years: list[int]
    district: str
    district_name: str
    lang: str
    frame: gpd.GeoDataFrame
    classification: Classification
    data_version: str
    breaks: list[float] | None = None

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
        """Return the query parameters that reproduce this view."""
        out = {"year": self.year, "district": self.district, "lang": self.lang}
        if self.indicator.is_numeric:
            out["scheme"] = self.classification.scheme
            out["k"] = self.classification.k
            if self.breaks:
                out["breaks"] = ",".join(f"{b:g}" for b in self.breaks)
        return out

    def rows(self) -> list[dict]:
        """Return the data table rows: commune, value as shown, status, source."""
        out = []
        for rec in self.frame.itertuples():
            out.append(
                {
                    "code": rec.commune_code,
                    "name": rec.commune_name,
                    "key": ascii_key(rec.commune_name),
                    "value": rec.display,
                    "previous": rec.previous,
                    "raw": None if rec.value in ("", None) or pd.isna(rec.value) else rec.value,
                    "status": rec.status or "",
                    "source": rec.source or "",
                    "color": rec.color,
                    "cls": int(rec.cls),
                }
            )
        return out


def parse_year(raw: object, years: list[int]) -> int:
    """Return the requested year (default: the latest) or raise BadRequest."""
    if raw in (None, ""):
        if not years:
            raise BadRequest("error_no_years")
        return years[-1]
    try:
        year = int(str(raw))
    except ValueError:
        raise BadRequest("error_bad_year", year=raw, years=", ".join(map(str, years))) from None
    if year not in years:
        raise BadRequest("error_bad_year", year=raw, years=", ".join(map(str, years)))
    return year


def display_value(value: object, indicator: Indicator, lang: str) -> str:
    """Return a value as readers see it: a category title, or a number with its unit."""
    if value is None or value == "" or (isinstance(value, float) and pd.isna(value)):
        return translate("no_data", lang)
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


def _previous_display(dataset: Dataset, indicator: Indicator, year: int, years: list[int], codes: pd.Series, lang: str) -> list[str]:
    """Return each commune's value in the previous year with data, as readers see it ("" if no such year)."""
    prev = previous_year(year, years)
    if prev is None:
        return [""] * len(codes)
    rows = select(dataset.values, indicator.id, prev).set_index("commune_code")["value"]
    return display_values(codes.map(rows).tolist(), indicator, lang)


def build_map_view(
    dataset: Dataset,
    indicator_id: str,
    *,
    year: object = None,
    district: str | None = None,
    scheme: str | None = None,
    k: object = None,
    breaks: str | None = None,
    lang: str = "vi",
) -> MapView:
    """Select, join and classify one indicator for one year and district."""
    indicator = dataset.catalog.get(indicator_id)
    if indicator.scope != "commune":
        raise NotFound("error_not_mappable", indicator=indicator_id)
    years = dataset.years(indicator.id)
    year = parse_year(year, years)
    district = district or "all"
    district_name = translate("whole_province", lang) if district == "all" else dataset.district_name(district)
    units = dataset.communes_of(district)
    rows = select(dataset.values, indicator.id, year)
    keep = ["commune_code", "value", "status", "source", "note"]
    frame = units.merge(rows[keep], on="commune_code", how="left")
    frame[["value", "status", "source", "note"]] = frame[["value", "status", "source", "note"]].fillna("")
    breaks = parse_breaks(breaks)
    classes = classify(frame["value"], indicator, scheme, k, breaks, lang)
    frame["cls"] = classes.classes.to_numpy()
    frame["color"] = classes.colors.to_numpy()
    frame["display"] = display_values(frame["value"], indicator, lang)
    frame["previous"] = _previous_display(dataset, indicator, year, years, frame["commune_code"], lang)
    frame = gpd.GeoDataFrame(frame, geometry="geometry", crs=units.crs)
    user_breaks = breaks if classes.scheme == "user" else None
    return MapView(indicator, year, years, district, district_name, lang, frame, classes, dataset.version, user_breaks)
