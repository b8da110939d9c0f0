"""Classification of indicator values into map classes and colours.

This is the one place classes are computed: the web map, its data table, the
embeds and the static exports all call `classify`.
"""

from __future__ import annotations

import math
import re
import warnings
from dataclasses import dataclass, field

import mapclassify
import numpy as np
import pandas as pd

from geoapp.catalog import Indicator
from geoapp.errors import BadRequest
from geoapp.i18n import format_number, translate
from geoapp.data.values import numeric

SCHEMES = ("quantiles", "equal_interval", "natural_breaks", "user")
MIN_K, MAX_K = 2, 9
NODATA_COLOR = "#bdbdbd"
NODATA_CLASS = -1
NOT_APPLICABLE_COLOR = "#ffffff"
NOT_APPLICABLE_CLASS = -2
JENKS_SAMPLE = 500  # Fisher-Jenks runs on at most this many values (about 0.3 s of CPU)

# Sequential ColorBrewer palettes (colour-blind safe), 9 steps light -> dark.
PALETTES = {
    "Blues": ["#f7fbff", "#deebf7", "#c6dbef", "#9ecae1", "#6baed6", "#4292c6", "#2171b5", "#08519c", "#08306b"],
    "Greens": ["#f7fcf5", "#e5f5e0", "#c7e9c0", "#a1d99b", "#74c476", "#41ab5d", "#238b45", "#006d2c", "#00441b"],
    "Oranges": ["#fff5eb", "#fee6ce", "#fdd0a2", "#fdae6b", "#fd8d3c", "#f16913", "#d94801", "#a63603", "#7f2704"],
    "Purples": ["#fcfbfd", "#efedf5", "#dadaeb", "#bcbddc", "#9e9ac8", "#807dba", "#6a51a3", "#54278f", "#3f007d"],
    "Reds": ["#fff5f0", "#fee0d2", "#fcbba1", "#fc9272", "#fb6a4a", "#ef3b2c", "#cb181d", "#a50f15", "#67000d"],
    "YlGnBu": ["#ffffd9", "#edf8b1", "#c7e9b4", "#7fcdbb", "#41b6c4", "#1d91c0", "#225ea8", "#253494", "#081d58"],
    "YlOrBr": ["#ffffe5", "#fff7bc", "#fee391", "#fec44f", "#fe9929", "#ec7014", "#cc4c02", "#993404", "#662506"],
}


def palette(name: str, k: int) -> list[str]:
    """Return k colours spread over a palette, skipping its near-white end."""
    colors = PALETTES.get(name, PALETTES["YlGnBu"])[1:]
    idx = np.round(np.linspace(0, len(colors) - 1, k)).astype(int)
    return [colors[i] for i in idx]


@dataclass
class LegendEntry:
    label: str
    color: str
    count: int
    lower: float | None = None
    upper: float | None = None
    value: str | None = None


@dataclass
class Classification:
    """Classes of one set of values: per-value class index and colour, and the legend."""

    kind: str
    scheme: str | None
    k: int
    bins: list[float]
    entries: list[LegendEntry]
    nodata: LegendEntry
    classes: pd.Series  # class index per value, NODATA_CLASS / NOT_APPLICABLE_CLASS otherwise
    colors: pd.Series = field(repr=False, default=None)
    not_applicable: LegendEntry | None = None
    requested_k: int | None = None
    reduced_note: str | None = None  # why there are fewer classes than asked, translated

    def to_dict(self) -> dict:
        return {
            "kind": self.kind,
            "scheme": self.scheme,
            "k": self.k,
            "requested_k": self.requested_k,
            "reduced_note": self.reduced_note,
            "bins": self.bins,
            "legend": [e.__dict__ for e in self.entries],
            "nodata": self.nodata.__dict__,
            "not_applicable": self.not_applicable.__dict__ if self.not_applicable else None,
        }


def break_numbers(text: str) -> list[str]:
    """Split breaks text into numbers written with a decimal point.

    With semicolons, numbers are written the Vietnamese way: decimal comma and
    dot for thousands ("33,3; 66,6", "1.234,5; 2.000"); without, commas or spaces separate numbers ("33.3, 66.6").
    """
    if ";" in text:
        parts = [p.strip() for p in text.split(";")]
        return [p.replace(".", "").replace(",", ".") for p in parts if p]
    return [p for p in re.split(r"[,\s]+", text) if p]


def breaks_input_text(breaks, lang: str, typed: str | None = None) -> str:
    """Return user breaks for the breaks field: as typed when that text means these breaks,
    else as a reader types them ("33,3; 66,6" in Vietnamese, "33.3, 66.6" in English).

    `parse_breaks` reads the text back to the same numbers (no rounding, no thousands separator).
    """
    if not breaks:
        return ""
    if typed and parse_breaks(typed) == [float(b) for b in breaks]:
        return typed.strip()
    numbers = [f"{float(b):.15g}" for b in breaks]
    if lang == "vi":
        return "; ".join(n.replace(".", ",") for n in numbers)
    return ", ".join(numbers)


def parse_breaks(text: str | None) -> list[float] | None:
    """Parse user breaks "1, 2.5, 4" or "1; 2,5; 4" (ascending numbers) or raise BadRequest."""
    if not text or not str(text).strip():
        return None
    try:
        breaks = [float(x) for x in break_numbers(str(text))]
    except ValueError:
        raise BadRequest("error_bad_breaks", breaks=text) from None
    if not breaks or any(b >= a for a, b in zip(breaks[1:], breaks)) or len(breaks) > MAX_K:
        raise BadRequest("error_bad_breaks", breaks=text)
    return breaks


def check_scheme(scheme: str | None, k: object, indicator: Indicator) -> tuple[str, int]:
    """Return a valid (scheme, k) for an indicator or raise BadRequest."""
    scheme = scheme or indicator.scheme
    if scheme not in SCHEMES:
        raise BadRequest("error_bad_scheme", scheme=scheme, schemes=", ".join(SCHEMES))
    try:
        k = int(k) if k not in (None, "") else indicator.k
    except (TypeError, ValueError):
        raise BadRequest("error_bad_k", k=k, min=MIN_K, max=MAX_K) from None
    if not MIN_K <= k <= MAX_K:
        raise BadRequest("error_bad_k", k=k, min=MIN_K, max=MAX_K)
    return scheme, k


def _format(value: float, indicator: Indicator, lang: str) -> str:
    if indicator.format == "year":
        return str(int(round(value)))
    return format_number(value, lang)


def _numeric_bins(values: np.ndarray, scheme: str, k: int, breaks: list[float] | None) -> list[float]:
    unique = np.unique(values)
    if scheme == "user":
        if not breaks:
            raise BadRequest("error_bad_breaks", breaks="")
        upper = [b for b in breaks if b < values.max()]
        return upper + [float(values.max())]
    k = min(k, len(unique))
    if k < 2:
        return [float(unique[-1])]
    if scheme == "quantiles":
        bins = mapclassify.Quantiles(values, k=k).bins
    elif scheme == "equal_interval":
        bins = mapclassify.EqualInterval(values, k=k).bins
    else:
        bins = natural_breaks(values, k)
    return sorted({float(b) for b in bins})


def jenks_sample(values: np.ndarray, size: int = JENKS_SAMPLE) -> np.ndarray:
    """Return at most `size` values spread evenly over the sorted values, with the minimum and maximum.

    Deterministic: the same values give the same sample, so a map's classes never change between requests.
    """
    ordered = np.sort(np.asarray(values, dtype=float))
    if len(ordered) <= size:
        return ordered
    return ordered[np.round(np.linspace(0, len(ordered) - 1, size)).astype(int)]


def natural_breaks(values: np.ndarray, k: int) -> np.ndarray:
    """Return Fisher-Jenks upper bounds, computed on a bounded sample (its cost grows with the square of the count)."""
    sample = jenks_sample(values)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "Numba not installed": pure Python is fine here
        bins = np.asarray(mapclassify.FisherJenks(sample, k=min(k, len(np.unique(sample)))).bins, dtype=float)
    bins[-1] = float(np.max(values))  # the top class ends at the largest value, not the sample's
    return bins


def integer_bins(bins: list[float]) -> list[float]:
    """Round class upper edges down to whole numbers (same classes for integer values), dropping repeats."""
    return sorted({float(math.floor(b)) for b in bins})


def _numeric_label(i: int, lo: float, hi: float, indicator: Indicator, lang: str) -> str:
    if lo == hi:
        return _format(lo, indicator, lang)
    if i == 0:
        return _format(lo, indicator, lang) + " – " + _format(hi, indicator, lang)
    return "> " + _format(lo, indicator, lang) + " – " + _format(hi, indicator, lang)


def _integer_label(lo: float, hi: float, last: bool, indicator: Indicator, lang: str) -> str:
    if lo == hi:
        return _format(lo, indicator, lang)
    if last and indicator.format != "year":
        return "≥ " + _format(lo, indicator, lang)
    return _format(lo, indicator, lang) + "–" + _format(hi, indicator, lang)


def _reduced_note(shown: int, asked: int, scheme: str, distinct: int, lang: str) -> str | None:
    """Say why a map has fewer classes than asked, or None."""
    if scheme == "user" or shown >= asked:
        return None
    if distinct < asked:
        return translate("classes_reduced_distinct", lang, shown=shown, asked=asked, distinct=distinct)
    return translate("classes_reduced_ties", lang, shown=shown, asked=asked)


def _classify_numeric(values: pd.Series, applicable: pd.Series, indicator, scheme, k, breaks, lang) -> Classification:
    nums = numeric(values.astype("string")).where(applicable)
    present = nums.dropna().to_numpy()
    whole = indicator.integer and bool(len(present)) and bool(np.all(np.mod(present, 1) == 0))
    bins = _numeric_bins(present, scheme, k, breaks) if len(present) else []
    if whole:
        bins = integer_bins(bins)
    colors = palette(indicator.palette, max(len(bins), 1))
    classes = pd.Series(NODATA_CLASS, index=values.index, dtype=int)
    if bins:
        idx = np.searchsorted(np.asarray(bins), nums.to_numpy(), side="left")
        idx = np.minimum(idx, len(bins) - 1)
        classes = pd.Series(np.where(nums.isna(), NODATA_CLASS, idx), index=values.index, dtype=int)
    classes = classes.where(applicable, NOT_APPLICABLE_CLASS)
    entries = []
    lower = float(present.min()) if len(present) else None
    for i, upper in enumerate(bins):
        last = i == len(bins) - 1
        count = int((classes == i).sum())
        if whole:
            lo = lower if i == 0 else bins[i - 1] + 1
            label = _integer_label(lo, upper, last, indicator, lang)
        else:
            lo = lower if i == 0 else bins[i - 1]
            label = _numeric_label(i, lo, upper, indicator, lang)
        entries.append(LegendEntry(label, colors[i], count, lo, upper))
    result = _finish(indicator, scheme, len(bins), bins, entries, classes, lang)
    result.requested_k = k
    result.reduced_note = _reduced_note(len(bins), k, scheme, len(np.unique(present)), lang) if len(present) else None
    return result


def _classify_categories(values: pd.Series, applicable: pd.Series, indicator: Indicator, lang: str) -> Classification:
    order = {c.value: i for i, c in enumerate(indicator.categories)}
    classes = values.astype("string").map(order).fillna(NODATA_CLASS).astype(int)
    classes = classes.where(applicable, NOT_APPLICABLE_CLASS)
    entries = [
        LegendEntry(c.title(lang), c.color, int((classes == i).sum()), value=c.value)
        for i, c in enumerate(indicator.categories)
    ]
    return _finish(indicator, None, len(entries), [], entries, classes, lang)


def no_data_label(indicator: Indicator, lang: str) -> str:
    """The label of units without a value: the indicator's own ("Không rõ") or "Không có số liệu"."""
    return indicator.no_data_title(lang) or translate("no_data", lang)


def _finish(indicator, scheme, k, bins, entries, classes, lang) -> Classification:
    nodata = LegendEntry(no_data_label(indicator, lang), NODATA_COLOR, int((classes == NODATA_CLASS).sum()))
    na_count = int((classes == NOT_APPLICABLE_CLASS).sum())
    not_applicable = (
        LegendEntry(translate("not_applicable", lang), NOT_APPLICABLE_COLOR, na_count) if indicator.applies_to else None
    )
    lookup = [e.color for e in entries]
    special = {NODATA_CLASS: NODATA_COLOR, NOT_APPLICABLE_CLASS: NOT_APPLICABLE_COLOR}
    colors = classes.map(lambda c: special[c] if c < 0 else lookup[c])
    return Classification(indicator.kind, scheme, k, bins, entries, nodata, classes, colors, not_applicable)


def classify(
    values: pd.Series,
    indicator: Indicator,
    scheme: str | None = None,
    k: int | str | None = None,
    breaks: list[float] | None = None,
    lang: str = "vi",
    unit_types: pd.Series | None = None,
) -> Classification:
    """Classify values (text, one per unit; "" or NA is no data) for an indicator.

    `unit_types` (Xã, Phường, Thị trấn per unit) marks the units an indicator
    does not apply to as not applicable: their own class, never "no data".
    """
    applicable = applicable_mask(indicator, values.index, unit_types)
    if indicator.is_numeric:
        scheme, k = check_scheme(scheme, k, indicator)
        return _classify_numeric(values, applicable, indicator, scheme, k, breaks, lang)
    return _classify_categories(values, applicable, indicator, lang)


def applicable_mask(indicator: Indicator, index: pd.Index, unit_types: pd.Series | None) -> pd.Series:
    """True for each unit the indicator applies to (every unit when types are unknown)."""
    if unit_types is None or not indicator.applies_to:
        return pd.Series(True, index=index)
    types = pd.Series(unit_types.to_numpy(), index=index).astype("string").fillna("")
    return types.map(lambda t: t == "" or indicator.applies(t)).astype(bool)
