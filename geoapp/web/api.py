"""JSON and GeoJSON for the maps and for scripts."""

from __future__ import annotations

import json

from flask import Blueprint, jsonify, request

from geoapp.render import geometry_json, values_payload
from geoapp.web.i18n import current_lang
from geoapp.web.state import dataset, setting
from geoapp.web.views import cached_json, current_view

bp = Blueprint("api", __name__)


@bp.get("/boundaries.geojson")
def boundaries():
    district = request.args.get("district") or setting("DEFAULT_DISTRICT")
    units = dataset().communes_of(district)
    decimals = setting("COORD_DECIMALS")
    return cached_json(
        ("boundaries", district, decimals),
        lambda: geometry_json(units, decimals),
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
            }
            for ind in data.catalog.indicators.values()
        ]
    )
