"""The one entry point: an export of one map request, named and cached per request, options and data version."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import matplotlib

import geoapp
from geoapp.cache import Cache, CacheKey, file_cache
from geoapp.data.dataset import Dataset
from geoapp.export.options import FORMATS, ExportOptions, check_unit_count
from geoapp.storage.base import LEGACY_EDITION
from geoapp.export.print_page import render_static
from geoapp.export.standalone import standalone_html
from geoapp.maps.view import build_map_view
from geoapp.request import MapRequest
from geoapp.util import digest


@dataclass(frozen=True)
class ExportFile:
    """An export ready to send or save."""

    body: bytes
    content_type: str
    filename: str


def export_filename(request: MapRequest, options: ExportOptions) -> str:
    """Return the download name, e.g. ntm_level_2021_183_a4-landscape.pdf."""
    parts = [request.indicator, str(request.year), request.district]
    if request.area.units != LEGACY_EDITION:  # ntm_level_2021_183_units2025_a4-landscape.pdf
        parts.append(f"units{request.area.units}")
    if options.fmt in ("pdf", "svg", "png"):
        parts.append(f"a4-{options.orientation}")
    if options.fmt == "png":
        parts.append(f"{options.dpi}dpi")
    if options.view:  # "this view": ntm_level_2021_all_a4-landscape_view.pdf
        parts.append("view")
    name = "_".join(re.sub(r"[^A-Za-z0-9_-]", "-", p) for p in parts)
    return f"{name}.{options.fmt}"


def export_map(
    dataset: Dataset,
    request: MapRequest,
    options: ExportOptions,
    *,
    settings: dict,
    profile_url: str | None = None,
    today: dt.date | None = None,
    cache: Cache | None = None,
) -> ExportFile:
    """Return an export of one map request (cached per data version, request, options and language).

    A view ("this view") is first clamped to the area, so that the cache key holds the view drawn.
    """
    units = request.area.communes(dataset)
    check_unit_count(len(units), settings)
    options = options.fitted_to(units.total_bounds)  # published units are in WGS 84 degrees
    today = today or dt.date.today()
    html = options.fmt == "html"
    made_with = digest(
        geoapp.__version__, matplotlib.__version__, today.isoformat(), options.header,
        (profile_url, settings["TILES"], settings["TILES_ATTRIBUTION"], settings["COORD_DECIMALS"]) if html else None,
    )
    key = CacheKey(dataset.version, request.key, f"{options.variant}-{made_with}", request.lang)

    def build() -> bytes:
        view = build_map_view(dataset, request)
        if html:
            return standalone_html(view, settings=settings, profile_url=profile_url, today=today).encode("utf-8")
        return render_static(view, options, today)

    body = (cache or file_cache(settings)).get_or_build(key, build)
    return ExportFile(body, FORMATS[options.fmt], export_filename(request, options))
