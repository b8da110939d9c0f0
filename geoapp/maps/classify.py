"""Classification of indicator values into map classes and colours.

This is the one place classes are computed: the web map, its data table, the
embeds and the static exports all call `classify`.
"""

from __future__ import annotations

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
    classes: pd.Series  # class index per value, NODATA_CLASS for no data
    colors: pd.Series = field(repr=False, default=None)

    def to_dict(self) -> dict:
        return {
            "kind": self.kind,
            "scheme": self.scheme,
            "k": self.k,
            "bins": self.bins,
            "legend": [e.__dict__ for e in self.entries],
            "nodata": self.nodata.__dict__,
        }


def parse_breaks(text: str | None) -> list[float] | None:
    """Parse user breaks "1,2.5,4" (ascending numbers) or raise BadRequest."""
    if not text:
        return None
    try:
        breaks = [float(x) for x in str(text).replace(";", ",").split(",") if x.strip()]
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


def _classify_numeric(values: pd.Series, indicator, scheme, k, breaks, lang) -> Classification:
    nums = numeric(values.astype("string"))
    present = nums.dropna().to_numpy()
    bins = _numeric_bins(present, scheme, k, breaks) if len(present) else []
    colors = palette(indicator.palette, max(len(bins), 1))
    classes = pd.Series(NODATA_CLASS, index=values.index, dtype=int)
    if bins:
        idx = np.searchsorted(np.asarray(bins), nums.to_numpy(), side="left")
        idx = np.minimum(idx, len(bins) - 1)
        classes = pd.Series(np.where(nums.isna(), NODATA_CLASS, idx), index=values.index, dtype=int)
    entries = []
    lower = float(present.min()) if len(present) else None
    for i, upper in enumerate(bins):
        lo = lower if i == 0 else bins[i - 1]
        count = int((classes == i).sum())
        if i == 0 or lo == upper:
            label = _format(lo, indicator, lang) + ("" if lo == upper else " – " + _format(upper, indicator, lang))
        else:
            label = "> " + _format(lo, indicator, lang) + " – " + _format(upper, indicator, lang)
        entries.append(LegendEntry(label, colors[i], count, lo, upper))
    return _finish(indicator.kind, scheme, len(bins), bins, entries, classes, lang)


def _classify_categories(values: pd.Series, indicator: Indicator, lang: str) -> Classification:
    order = {c.value: i for i, c in enumerate(indicator.categories)}
    classes = values.astype("string").map(order).fillna(NODATA_CLASS).astype(int)
    entries = [
        LegendEntry(c.title(lang), c.color, int((classes == i).sum()), value=c.value)
        for i, c in enumerate(indicator.categories)
    ]
    return _finish(indicator.kind, None, len(entries), [], entries, classes, lang)


def _finish(kind, scheme, k, bins, entries, classes, lang) -> Classification:
    nodata = LegendEntry(translate("no_data", lang), NODATA_COLOR, int((classes == NODATA_CLASS).sum()))
    lookup = [e.color for e in entries]
    colors = classes.map(lambda c: nodata.color if c == NODATA_CLASS else lookup[c])
    return Classification(kind, scheme, k, bins, entries, nodata, classes, colors)


def classify(
    values: pd.Series,
    indicator: Indicator,
    scheme: str | None = None,
    k: int | str | None = None,
    breaks: list[float] | None = None,
    lang: str = "vi",
) -> Classification:
    """Classify values (text, one per unit; "" or NA is no data) for an indicator."""
    if indicator.is_numeric:
        scheme, k = check_scheme(scheme, k, indicator)
        return _classify_numeric(values, indicator, scheme, k, breaks, lang)
    return _classify_categories(values, indicator, lang)
