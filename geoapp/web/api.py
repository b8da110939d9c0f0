"""JSON and GeoJSON for the maps and for scripts."""

from __future__ import annotations

import json

from flask import Blueprint, Response, jsonify, request

from geoapp.cache import CacheKey
from geoapp.export.downloads import boundaries_download, indicators_download
from geoapp.i18n import localized
from geoapp.maps.districts import district_outlines_json
from geoapp.maps.leaflet import geometry_json, values_payload
from geoapp.maps.simplify import band_decimals, band_units, parse_band
from geoapp.request import parse_table_request
from geoapp.web.i18n import current_lang
from geoapp.web.limits import expensive, gis_download, heavy_classification
from geoapp.web.state import dataset, setting, state
from geoapp.web.responses import area_request, cached_json, current_view, map_request

bp = Blueprint("api", __name__)


@bp.get("/boundaries.geojson")
def boundaries():
    area = area_request()
    band = parse_band(request.args.get("detail"))
    decimals = band_decimals(band, setting("COORD_DECIMALS"))
    data = dataset()
    return cached_json(
        CacheKey(data.version, f"boundaries?{area.canonical()}&detail={band}", f"geojson-{decimals}dp"),
        lambda: geometry_json(band_units(data.units(area.units), area.communes(data), data.version, band, area.units,
                                         data.band_source(area.units)), decimals),
        "application/geo+json",
    )


@bp.get("/districts.geojson")
def districts():
    """The district outlines and names drawn above the communes in the province view."""
    geodata, decimals = setting("GEODATA_DIR"), setting("COORD_DECIMALS")
    return cached_json(
        CacheKey(dataset().version, "districts", f"geojson-{decimals}dp"),
        lambda: district_outlines_json(str(geodata), decimals),
        "application/geo+json",
    )


@bp.get("/maps/<indicator>.json")
@expensive(when=heavy_classification)
def map_values(indicator):
    req = map_request(indicator)  # validates the parameters before any cached answer
    key = CacheKey(dataset().version, req.key, "values.json", req.lang)
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
@expensive(when=gis_download)
def download_boundaries(fmt):
    units = request.args.get("units") or None
    return _attachment(boundaries_download(dataset(), state().store, fmt, request.args.get("version"), units))


@bp.get("/download/indicators.<fmt>")
@expensive(when=gis_download)
def download_indicators(fmt):
    table = parse_table_request(request.args, dataset())
    return _attachment(indicators_download(dataset(), state().store, fmt, table, request.args.get("version")))
