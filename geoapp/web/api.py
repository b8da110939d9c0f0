"""JSON and GeoJSON for the maps and for scripts."""

from __future__ import annotations

import json

from flask import Blueprint, Response, jsonify, request

from geoapp.export.downloads import boundaries_download, indicators_download
from geoapp.i18n import localized
from geoapp.maps.leaflet import geometry_json, values_payload
from geoapp.maps.simplify import band_decimals, band_units, parse_band
from geoapp.web.i18n import current_lang
from geoapp.web.state import dataset, setting, state
from geoapp.web.responses import cached_json, current_view

bp = Blueprint("api", __name__)


@bp.get("/boundaries.geojson")
def boundaries():
    district = request.args.get("district") or setting("DEFAULT_DISTRICT")
    data = dataset()
    units = data.communes_of(district)
    band = parse_band(request.args.get("detail"))
    decimals = band_decimals(band, setting("COORD_DECIMALS"))
    return cached_json(
        ("boundaries", district, decimals, band),
        lambda: geometry_json(band_units(data.communes, units, data.version, band), decimals),
        "application/geo+json",
    )


@bp.get("/maps/<indicator>.json")
def map_values(indicator):
    current_view(indicator)  # validates the parameters before any cached answer
    key = ("values", indicator, tuple(sorted(request.args.items())), current_lang())
    return cached_json(key, lambda: json.dumps(values_payload(current_view(indicator)), ensure_ascii=False))


@bp.get("/indicators")
def indicators():
    data = dataset()
    lang = current_lang()
    return jsonify(
        [
            {
                "id": ind.id,
                "title": ind.title(lang),
                "program": ind.program,
                "scope": ind.scope,
                "kind": ind.kind,
                "unit": ind.unit_label(lang),
                "years": data.years(ind.id),
                "sources": [localized(data.catalog.sources[s], lang) for s in ind.sources],
            }
            for ind in data.catalog.indicators.values()
        ]
    )


def _attachment(download):
    """Return a download as an attachment, conditional on its ETag."""
    response = Response(download.body, content_type=download.media_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{download.filename}"'
    response.headers["Cache-Control"] = "no-cache"
    response.add_etag()
    return response.make_conditional(request)


@bp.get("/download/boundaries.<fmt>")
def download_boundaries(fmt):
    return _attachment(boundaries_download(state().store, fmt, request.args.get("version")))


@bp.get("/download/indicators.<fmt>")
def download_indicators(fmt):
    args = {key: request.args.get(key) or None for key in ("district", "indicator", "year")}
    return _attachment(
        indicators_download(state().store, fmt, request.args.get("version"), catalog=dataset().catalog, **args)
    )
