"""The change map between two years as an A4 page (PNG, SVG or PDF), cached per parameters and data version."""

from __future__ import annotations

import datetime as dt
import re

import matplotlib

import geoapp
from geoapp.data.dataset import Dataset
from geoapp.cache import Cache, CacheKey, file_cache
from geoapp.errors import BadRequest
from geoapp.export.files import ExportFile
from geoapp.export.options import FORMATS, parse_options
from geoapp.export.print_page import render_static
from geoapp.maps.compare import build_change_view
from geoapp.util import digest

PAGE_FORMATS = ("png", "svg", "pdf")


def export_change(
    dataset: Dataset, indicator_id: str, fmt: str, params: dict, *, settings: dict, lang: str,
    today: dt.date | None = None, cache: Cache | None = None,
) -> ExportFile:
    """Return the change map of an indicator between two years as a printed page (cached on disk)."""
    if str(fmt).lower() not in PAGE_FORMATS:
        raise BadRequest("error_export_format", format=fmt, formats=", ".join(PAGE_FORMATS))
    options = parse_options(fmt, params.get("dpi"), params.get("orientation"), settings)
    district = params.get("district") or settings["DEFAULT_DISTRICT"]
    view = build_change_view(dataset, indicator_id, year=params.get("year"), compare=params.get("compare"),
                             district=district, units=params.get("units"), lang=lang)
    today = today or dt.date.today()
    start, end = view.years
    request = f"{view.indicator.id}/change?year={end}&compare={start}&district={district}&units={view.units}&lang={lang}"
    made_with = digest(geoapp.__version__, matplotlib.__version__, today.isoformat(), options.header)
    key = CacheKey(dataset.version, request, f"change-{options.variant}-{made_with}", lang)
    body = (cache or file_cache(settings)).get_or_build(key, lambda: render_static(view, options, today))
    units = () if view.units == dataset.default_edition else (f"units{view.units}",)
    name = "_".join(re.sub(r"[^A-Za-z0-9_-]", "-", p) for p in
                    (view.indicator.id, "change", f"{start}-{end}", district, *units, f"a4-{options.orientation}"))
    if options.fmt == "png":
        name += f"_{options.dpi}dpi"
    return ExportFile(body, FORMATS[options.fmt], f"{name}.{options.fmt}")
