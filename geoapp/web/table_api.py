"""The data table and commune search as JSON pages, for map pages too large to carry them."""

from __future__ import annotations

import json

from flask import Blueprint, request

from geoapp.maps.table import search_communes, table_page
from geoapp.web.i18n import current_lang
from geoapp.web.responses import cached_json, current_view
from geoapp.web.state import dataset

bp = Blueprint("table_api", __name__)
TABLE_ARGS = ("page", "size", "sort", "order", "q")


@bp.get("/table/<indicator>.json")
def table(indicator):
    view = current_view(indicator)  # validates the map parameters
    args = {key: request.args.get(key) or None for key in TABLE_ARGS}
    page = table_page(view, page=args["page"], size=args["size"], sort=args["sort"], order=args["order"], query=args["q"])
    key = ("table", indicator, tuple(sorted(request.args.items())), current_lang())
    return cached_json(key, lambda: json.dumps(page, ensure_ascii=False))


@bp.get("/search.json")
def search():
    found = search_communes(dataset(), request.args.get("q"), district=request.args.get("district"),
                            limit=request.args.get("limit"))
    key = ("search", tuple(sorted(request.args.items())))
    return cached_json(key, lambda: json.dumps(found, ensure_ascii=False))
