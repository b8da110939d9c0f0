"""The data table and commune search as JSON pages, for map pages too large to carry them."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from flask import Blueprint, request

from geoapp.cache import CacheKey
from geoapp.maps.table import search_communes, table_page
from geoapp.request import ALL_DISTRICTS, parse_area
from geoapp.web.limits import expensive, heavy_classification
from geoapp.web.responses import cached_json, current_view
from geoapp.web.state import dataset

bp = Blueprint("table_api", __name__)
TABLE_ARGS = ("page", "size", "sort", "order", "q")


@bp.get("/table/<indicator>.json")
@expensive(when=heavy_classification)
def table(indicator):
    view = current_view(indicator)  # validates the map parameters
    args = {key: request.args.get(key) or None for key in TABLE_ARGS}
    page = table_page(view, page=args["page"], size=args["size"], sort=args["sort"], order=args["order"], query=args["q"])
    paging = urlencode({k: v for k, v in args.items() if v is not None})
    key = CacheKey(view.data_version, f"{view.request.key}&{paging}", "table.json", view.lang)
    return cached_json(key, lambda: json.dumps(page, ensure_ascii=False))


@bp.get("/search.json")
def search():
    area = parse_area(request.args, dataset(), default=ALL_DISTRICTS)
    found = search_communes(dataset(), request.args.get("q"), district=area.district, units=area.units,
                            limit=request.args.get("limit"))
    query = urlencode({k: request.args.get(k) or "" for k in ("q", "limit")})
    key = CacheKey(dataset().version, f"search?{area.canonical()}&{query}", "search.json")
    return cached_json(key, lambda: json.dumps(found, ensure_ascii=False))
