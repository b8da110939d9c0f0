"""Two years of one indicator: one classification over both years, and the change between them."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from geoapp.catalog import Indicator
from geoapp.errors import BadRequest
from geoapp.i18n import format_number, translate
from geoapp.maps.classify import NODATA_CLASS, NODATA_COLOR, Classification, LegendEntry, classify, parse_breaks
from geoapp.maps.view import MapView, build_map_view, parse_year
from geoapp.data.dataset import Dataset
from geoapp.storage.base import LEGACY_EDITION
from geoapp.data.values import FACT, ILLUSTRATIVE, numeric

DERIVED = "derived"
# ColorBrewer PuOr (colour-blind safe): orange for a fall, white for no change, purple for a rise.
FALL_COLORS = ["#fee0b6", "#f1a340", "#b35806"]  # light -> dark
RISE_COLORS = ["#d8daeb", "#998ec3", "#542788"]
NO_CHANGE_COLOR = "#f7f7f7"
SIDE_CLASSES = 3  # at most three classes on each side of zero


def parse_years(dataset: Dataset, indicator: Indicator, year: object, compare: object) -> tuple[int, int]:
    """Return the two years of a comparison, earlier first, or raise BadRequest."""
    years = dataset.years(indicator.id)
    first = parse_year(year, years)
    if compare in (None, ""):
        raise BadRequest("error_compare_year_missing", years=", ".join(map(str, years)))
    second = parse_year(compare, years)
    if first == second:
        raise BadRequest("error_compare_same_year", year=first)
    return min(first, second), max(first, second)


# --- two years, one classification -------------------------------------------------------------


@dataclass
class Comparison:
    """Two map views of one indicator, classified together so that a colour means the same on both."""

    views: tuple[MapView, MapView]  # earlier year first
    classification: Classification  # over the values of both years
    counts: dict[int, list[int]]  # per year: units in each legend class, then no data

    @property
    def indicator(self) -> Indicator:
        return self.views[0].indicator

    @property
    def years(self) -> tuple[int, int]:
        return self.views[0].year, self.views[1].year

    @property
    def illustrative(self) -> bool:
        return any(view.illustrative for view in self.views)

    @property
    def derived(self) -> bool:
        """True when any value shown is carried to other units (derived, hatched)."""
        return any(view.derived for view in self.views)

    def legend(self) -> list[dict]:
        """Return the shared legend rows: label, colour and each year's count (no data last)."""
        entries = self.classification.entries + [self.classification.nodata]
        return [
            {"label": e.label, "color": e.color, "cls": i if e is not self.classification.nodata else NODATA_CLASS,
             "counts": [self.counts[year][i] for year in self.years]}
            for i, e in enumerate(entries)
        ]

    def rows(self) -> list[dict]:
        """Return the data table rows: each commune's value in both years, its class and class label in each."""
        per_year = []
        for view in self.views:
            cls = view.classification
            per_year.append([
                {**row, "year": view.year, "label": cls.nodata.label if row["cls"] < 0 else cls.entries[row["cls"]].label}
                for row in view.rows()
            ])
        return [{"code": a["code"], "name": a["name"], "key": a["key"], "years": [a, b]} for a, b in zip(*per_year)]

    def to_dict(self) -> dict:
        return {**self.classification.to_dict(), "counts": {str(y): c for y, c in self.counts.items()}}


def shared_classification(views: tuple[MapView, MapView], scheme, k, breaks) -> Comparison:
    """Classify the values of both views together (reusing `classify`) and recolour each view."""
    indicator = views[0].indicator
    values = pd.concat([view.frame["value"] for view in views], ignore_index=True)
    shared = classify(values, indicator, scheme, k, breaks, views[0].lang)
    recoloured, counts, start = [], {}, 0
    for view in views:
        stop = start + len(view.frame)
        classes = shared.classes.iloc[start:stop].set_axis(view.frame.index)
        colors = shared.colors.iloc[start:stop].set_axis(view.frame.index)
        start = stop
        own = _with_counts(shared, classes, colors)
        frame = view.frame.copy()
        frame["cls"], frame["color"] = classes, colors
        recoloured.append(dataclasses.replace(view, frame=frame, classification=own))
        counts[view.year] = [e.count for e in own.entries] + [own.nodata.count]
    return Comparison(tuple(recoloured), shared, counts)


def _with_counts(shared: Classification, classes: pd.Series, colors: pd.Series) -> Classification:
    """Return the shared classes with the counts of one year's units."""
    entries = [dataclasses.replace(e, count=int((classes == i).sum())) for i, e in enumerate(shared.entries)]
    nodata = dataclasses.replace(shared.nodata, count=int((classes == NODATA_CLASS).sum()))
    return dataclasses.replace(shared, entries=entries, nodata=nodata, classes=classes, colors=colors)


def build_comparison(
    dataset: Dataset,
    indicator_id: str,
    *,
    year: object = None,
    compare: object = None,
    district: str | None = None,
    scheme: str | None = None,
    k: object = None,
    breaks: str | None = None,
    units: str | None = None,
    lang: str = "vi",
) -> Comparison:
    """Return both years of an indicator over a district, with one classification.

    On an edition other than the one the data were collected on (`units`), both years are the
    carried values (derived, hatched as on the single map); BadRequest when the indicator is not carried.
    """
    indicator = dataset.catalog.get(indicator_id)
    years = parse_years(dataset, indicator, year, compare)
    views = tuple(
        build_map_view(dataset, indicator.id, year=y, district=district, scheme=scheme, k=k, breaks=breaks,
                       units=units, lang=lang)
        for y in years
    )
    check_carried(views)
    return shared_classification(views, scheme, k, parse_breaks(breaks))


def check_carried(views) -> None:
    """Refuse a comparison on units to which the indicator's values are not carried (no values to compare)."""
    for view in views:
        if view.not_carried:
            raise BadRequest("error_compare_not_carried", units=view.units, reason=view.not_carried)


# --- the change between two years ---------------------------------------------------------------


def level_index(values: pd.Series, indicator: Indicator) -> pd.Series:
    """Return each value's position in the indicator's ordered categories (NaN when unknown)."""
    order = {c.value: float(i) for i, c in enumerate(indicator.categories)}
    return values.astype("string").map(order).astype(float)


def change_values(before: pd.Series, after: pd.Series, indicator: Indicator) -> pd.Series:
    """Return the change per unit: the difference for numbers, -1/0/+1 levels for ordinal
    indicators, 0 (same) or 1 (different) for categories; NaN where either year has no value."""
    before, after = before.reset_index(drop=True), after.reset_index(drop=True)
    if indicator.is_numeric:
        return (numeric(after.astype("string")) - numeric(before.astype("string"))).round(6)
    if indicator.kind == "ordinal":
        return np.sign(level_index(after, indicator) - level_index(before, indicator))
    a, b = level_index(before, indicator), level_index(after, indicator)
    return (a != b).astype(float).where(a.notna() & b.notna())


def change_status(before: pd.Series, after: pd.Series) -> pd.Series:
    """Return the status of each change: illustrative if either value is, derived from facts
    when both are facts (a difference is computed, never itself a fact), else ""."""
    before, after = before.reset_index(drop=True), after.reset_index(drop=True)
    status = pd.Series("", index=before.index, dtype=object)
    status[(before == FACT) & (after == FACT)] = DERIVED
    status[(before == ILLUSTRATIVE) | (after == ILLUSTRATIVE)] = ILLUSTRATIVE
    return status


def side_edges(largest: float, integral: bool) -> list[float]:
    """Return the upper edges of the classes on one side of zero, up to `largest` (> 0)."""
    if integral and largest <= SIDE_CLASSES:
        return [float(i) for i in range(1, int(largest) + 1)]
    if integral:
        return sorted({float(math.ceil(largest * i / SIDE_CLASSES)) for i in range(1, SIDE_CLASSES + 1)})
    step = largest / SIDE_CLASSES
    digits = max(0, 1 - math.floor(math.log10(step)))
    edges = [round(step * i, digits) for i in range(1, SIDE_CLASSES)]
    return sorted({e for e in edges if 0 < e < largest}) + [float(largest)]


def side_colors(palette: list[str], n: int) -> list[str]:
    """Return n colours of a side palette, light to dark."""
    picks = {0: [], 1: [1], 2: [0, 2], 3: [0, 1, 2]}[n]
    return [palette[i] for i in picks]


def change_unit(indicator: Indicator, lang: str) -> str:
    """Return the unit of a change: percentage points for shares, else the indicator's unit."""
    unit = indicator.unit_label(lang)
    return translate("change_percentage_points", lang) if unit == "%" else unit


def _amount(value: float, indicator: Indicator, lang: str) -> str:
    return f"{format_number(value, lang)} {change_unit(indicator, lang)}".strip()


def _numeric_labels(edges: list[float], integral: bool, indicator: Indicator, lang: str) -> list[str]:
    """Return the label of each class on one side ("1", "2 – 3", "> 1,5 – 3"), smallest first."""
    labels, lower = [], 0.0
    for upper in edges:
        if integral:
            first = lower + 1
            text = format_number(first, lang) if first == upper else f"{format_number(first, lang)} – {format_number(upper, lang)}"
        else:
            text = f"> {format_number(lower, lang)} – {format_number(upper, lang)}"
        labels.append(text)
        lower = upper
    unit = change_unit(indicator, lang)
    return [f"{t} {unit}".strip() for t in labels]


def classify_numeric_change(change: pd.Series, indicator: Indicator, lang: str) -> Classification:
    """Classify differences on a diverging scale centred on 0: falls, no change, rises."""
    present = change.dropna().to_numpy()
    largest = float(np.abs(present).max()) if len(present) else 0.0
    integral = bool(len(present)) and bool(np.all(np.isclose(present, np.round(present))))
    edges = side_edges(largest, integral) if largest > 0 else []
    n = len(edges)
    labels = _numeric_labels(edges, integral, indicator, lang)
    entries = [
        LegendEntry(translate("change_fall_by", lang, amount=label), color, 0, -upper, -(edges[i - 1] if i else 0.0))
        for i, (label, color, upper) in reversed(list(enumerate(zip(labels, side_colors(FALL_COLORS, n), edges))))
    ]
    entries.append(LegendEntry(translate("change_none", lang), NO_CHANGE_COLOR, 0, 0.0, 0.0))
    entries += [
        LegendEntry(translate("change_rise_by", lang, amount=label), color, 0, edges[i - 1] if i else 0.0, upper)
        for i, (label, color, upper) in enumerate(zip(labels, side_colors(RISE_COLORS, n), edges))
    ]
    magnitude = np.abs(change.to_numpy())
    step = np.searchsorted(np.asarray(edges), magnitude, side="left") if n else np.zeros(len(change), int)
    step = np.minimum(step, max(n - 1, 0))
    index = np.where(change > 0, n + 1 + step, np.where(change < 0, n - 1 - step, n))
    classes = pd.Series(np.where(change.isna(), NODATA_CLASS, index), index=change.index, dtype=int)
    bins = [-e for e in reversed(edges)] + [0.0] + edges
    return _finish_change(entries, classes, bins, lang)


def classify_level_change(change: pd.Series, indicator: Indicator, lang: str) -> Classification:
    """Classify ordinal changes (down, same, up a level) or categorical ones (unchanged, changed)."""
    if indicator.kind == "ordinal":
        entries = [
            LegendEntry(translate("change_level_down", lang), FALL_COLORS[1], 0, value="-1"),
            LegendEntry(translate("change_level_same", lang), NO_CHANGE_COLOR, 0, value="0"),
            LegendEntry(translate("change_level_up", lang), RISE_COLORS[1], 0, value="1"),
        ]
        index = change + 1
    else:
        entries = [
            LegendEntry(translate("change_category_same", lang), NO_CHANGE_COLOR, 0, value="0"),
            LegendEntry(translate("change_category_changed", lang), RISE_COLORS[1], 0, value="1"),
        ]
        index = change
    classes = index.fillna(NODATA_CLASS).astype(int)
    return _finish_change(entries, classes, [], lang)


def _finish_change(entries: list[LegendEntry], classes: pd.Series, bins: list[float], lang: str) -> Classification:
    for i, entry in enumerate(entries):
        entry.count = int((classes == i).sum())
    nodata = LegendEntry(translate("no_data", lang), NODATA_COLOR, int((classes == NODATA_CLASS).sum()))
    colors = classes.map(lambda c: NODATA_COLOR if c == NODATA_CLASS else entries[c].color)
    return Classification("change", None, len(entries), bins, entries, nodata, classes, colors)


def change_display(change: float, cls: int, classification: Classification, indicator: Indicator, lang: str) -> str:
    """Return a change as readers see it: "+2 trường", "0", or the level change's label."""
    if pd.isna(change):
        return translate("no_data", lang)
    if not indicator.is_numeric:
        return classification.entries[cls].label
    sign = "+" if change > 0 else ""
    return sign + _amount(change, indicator, lang)


@dataclass
class ChangeView:
    """The change of one indicator between two years over the communes of a district."""

    indicator: Indicator
    years: tuple[int, int]
    district: str
    district_name: str
    lang: str
    frame: gpd.GeoDataFrame
    classification: Classification
    data_version: str

    not_carried: str = ""  # a change is only made where the values of both years exist
    units: str = LEGACY_EDITION  # the boundary edition of the units shown

    @property
    def derived(self) -> bool:
        """True when any change is between values carried to other units (derived, hatched)."""
        return bool(self.frame["derived"].any())

    @property
    def illustrative(self) -> bool:
        return bool((self.frame["status"] == ILLUSTRATIVE).any())

    @property
    def title(self) -> str:
        return translate("change_title", self.lang, title=self.indicator.title(self.lang))

    @property
    def year(self) -> str:
        """The period shown next to a value, e.g. "2020 → 2021"."""
        return f"{self.years[0]} → {self.years[1]}"

    @property
    def subtitle(self) -> str:
        return translate("change_subtitle", self.lang, district=self.district_name, start=self.years[0],
                         end=self.years[1])

    def rows(self) -> list[dict]:
        """Return the data table rows: both years' values, the change, its class and status."""
        return [
            {
                "code": rec.commune_code, "name": rec.commune_name, "before": rec.before, "after": rec.after,
                "value": rec.display, "raw": None if pd.isna(rec.change) else float(rec.change),
                "status": rec.status, "color": rec.color, "cls": int(rec.cls), "derived": bool(rec.derived),
                "label": self.classification.nodata.label if rec.cls < 0 else self.classification.entries[rec.cls].label,
            }
            for rec in self.frame.itertuples()
        ]

    def payload(self) -> dict:
        """Return the per-unit changes keyed by commune code (the JSON values endpoint)."""
        return {
            "indicator": self.indicator.id,
            "title": self.title,
            "years": list(self.years),
            "district": self.district,
            "unit": self.indicator.unit_label(self.lang),
            "data_version": self.data_version,
            "classification": self.classification.to_dict(),
            "values": {
                row["code"]: {
                    "name": row["name"],
                    "value": f"{row['value']} ({row['before']} → {row['after']})",
                    "change": row["value"], "raw": row["raw"], "before": row["before"], "after": row["after"],
                    "status": row["status"], "color": row["color"], "cls": row["cls"], "derived": row["derived"],
                }
                for row in self.rows()
            },
        }


def build_change_view(
    dataset: Dataset, indicator_id: str, *, year: object = None, compare: object = None,
    district: str | None = None, units: str | None = None, lang: str = "vi",
) -> ChangeView:
    """Return the change of an indicator between two years (later minus earlier), on any units to
    which its values are carried (changes between carried values are derived)."""
    indicator = dataset.catalog.get(indicator_id)
    start, end = parse_years(dataset, indicator, year, compare)
    before, after = (build_map_view(dataset, indicator.id, year=y, district=district, units=units, lang=lang)
                     for y in (start, end))
    check_carried((before, after))
    change = change_values(before.frame["value"], after.frame["value"], indicator)
    if indicator.is_numeric:
        classes = classify_numeric_change(change, indicator, lang)
    else:
        classes = classify_level_change(change, indicator, lang)
    keep = [c for c in ("commune_code", "commune_name", "commune_type", "district_code", "district_name", "province_name")
            if c in before.frame]
    frame = before.frame[keep + ["geometry"]].copy()
    frame = frame.reset_index(drop=True)
    frame["before"] = before.frame["display"].to_numpy()
    frame["after"] = after.frame["display"].to_numpy()
    frame["change"] = change.to_numpy()
    frame["status"] = change_status(before.frame["status"], after.frame["status"]).to_numpy()
    frame["derived"] = (before.frame["derived"].to_numpy() | after.frame["derived"].to_numpy()) & frame["change"].notna()
    frame["cls"] = classes.classes.to_numpy()
    frame["color"] = classes.colors.to_numpy()
    frame["display"] = [
        change_display(c, k, classes, indicator, lang) for c, k in zip(frame["change"], frame["cls"])
    ]
    frame = gpd.GeoDataFrame(frame, geometry="geometry", crs=before.frame.crs)
    return ChangeView(indicator, (start, end), before.district, before.district_name, lang, frame, classes,
                      dataset.version, units=before.units)
