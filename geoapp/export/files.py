"""The one entry point: an export of one map, named and cached per parameters and data version."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import matplotlib

import geoapp
from geoapp.data.dataset import Dataset
from geoapp.export.cache import export_cache
from geoapp.export.options import FORMATS, ExportOptions, check_unit_count, parse_options
from geoapp.export.print_page import render_static
from geoapp.maps.view import build_map_view, parse_year
from geoapp.export.standalone import standalone_html
from geoapp.util import digest


@dataclass(frozen=True)
class ExportFile:
    """An export ready to send or save."""

    body: bytes
    content_type: str
    filename: str


def export_filename(indicator_id: str, year: int, district: str, options: ExportOptions) -> str:
    """Return the download name, e.g. ntm_level_2021_183_a4-landscape.pdf."""
    parts = [indicator_id, str(year), district]
    if options.fmt in ("pdf", "svg", "png"):
        parts.append(f"a4-{options.orientation}")
    if options.fmt == "png":
        parts.append(f"{options.dpi}dpi")
    name = "_".join(re.sub(r"[^A-Za-z0-9_-]", "-", p) for p in parts)
    return f"{name}.{options.fmt}"


def export_map(
    dataset: Dataset,
    indicator_id: str,
    fmt: str,
    params: dict,
    *,
    settings: dict,
    lang: str,
    profile_url: str | None = None,
    today: dt.date | None = None,
) -> ExportFile:
    """Return an export of one map (cached per parameters and data version)."""
    options = parse_options(fmt, params.get("dpi"), params.get("orientation"), settings)
    indicator = dataset.catalog.get(indicator_id)
    year = parse_year(params.get("year"), dataset.years(indicator.id))
    district = params.get("district") or settings["DEFAULT_DISTRICT"]
    check_unit_count(len(dataset.communes_of(district)), settings)
    map_args = {k: params.get(k) or None for k in ("scheme", "k", "breaks")}
    today = today or dt.date.today()
    html = options.fmt == "html"
    key = digest(
        "export", geoapp.__version__, matplotlib.__version__, options, indicator.id, year, district,
        sorted(map_args.items()), lang, dataset.version, today.isoformat(),
        (profile_url, settings["TILES"], settings["TILES_ATTRIBUTION"], settings["COORD_DECIMALS"]) if html else None,
    )

    def build() -> bytes:
        view = build_map_view(dataset, indicator.id, year=year, district=district, lang=lang, **map_args)
        if html:
            return standalone_html(view, settings=settings, profile_url=profile_url, today=today).encode("utf-8")
        return render_static(view, options, today)

    body = export_cache(settings).get_or_build(dataset.version, key, options.fmt, build)
    return ExportFile(body, FORMATS[options.fmt], export_filename(indicator.id, year, district, options))
