"""Two years of a map side by side, the change map between them, and their JSON values.

`/maps/<indicator>?year=2021&compare=2020` is the side-by-side view and `&change=1` its change
map: the map page's address with one more parameter, so a shared link keeps working.
"""

from __future__ import annotations

import json

from flask import Blueprint, Response, render_template, request, url_for

from urllib.parse import urlencode

from geoapp.cache import CacheKey
from geoapp.export.change import export_change
from geoapp.maps.classify import MAX_K, MIN_K, SCHEMES
from geoapp.maps.compare import ChangeView, Comparison, build_change_view, build_comparison
from geoapp.maps.leaflet import layer_options, values_payload
from geoapp.web.i18n import current_lang
from geoapp.web.responses import cached_json, profile_url_template
from geoapp.web.state import dataset, setting, state

bp = Blueprint("compare", __name__)

COMPARE_PARAMS = ("year", "compare", "district", "units", "scheme", "k", "breaks")
CHANGE_PARAMS = ("year", "compare", "district", "units")


def compare_args(keys: tuple[str, ...] = COMPARE_PARAMS) -> dict:
    """Return the comparison parameters of the query string, district and boundary edition filled in."""
    args = {key: request.args.get(key) or None for key in keys}
    args["district"] = args["district"] or setting("DEFAULT_DISTRICT")
    args["units"] = args["units"] or dataset().default_edition
    dataset().units(args["units"])  # NotFound for an unknown or unpublished edition
    return args


def compare_key(indicator_id: str, args: dict, fmt: str) -> CacheKey:
    """Return the cache key of a comparison or change request (data version, canonical query, language)."""
    query = urlencode(sorted((k, v) for k, v in args.items() if v is not None))
    lang = current_lang()
    return CacheKey(dataset().version, f"{indicator_id}?{query}&lang={lang}", fmt, lang)


def wants_change() -> bool:
    return (request.args.get("change") or "").lower() in {"1", "true", "yes", "on"}


def current_comparison(indicator_id: str) -> Comparison:
    """Return the comparison the request asks for (cached per data version and parameters)."""
    data, args, lang = dataset(), compare_args(), current_lang()
    key = compare_key(indicator_id, args, "compare-view")
    return state().cache.get_or_build(key, lambda: build_comparison(data, indicator_id, lang=lang, **args))


def current_change(indicator_id: str) -> ChangeView:
    """Return the change view the request asks for (cached per data version and parameters)."""
    data, args, lang = dataset(), compare_args(CHANGE_PARAMS), current_lang()
    key = compare_key(indicator_id, args, "change-view")
    return state().cache.get_or_build(key, lambda: build_change_view(data, indicator_id, lang=lang, **args))


def comparison_payload(comparison: Comparison) -> dict:
    """Return the shared classification and each year's values (the JSON of the side-by-side view)."""
    first = comparison.views[0]
    return {
        "indicator": first.indicator.id,
        "title": first.title,
        "years": list(comparison.years),
        "district": first.district,
        "unit": first.indicator.unit_label(first.lang),
        "data_version": first.data_version,
        "classification": comparison.to_dict(),
        "maps": [values_payload(view) for view in comparison.views],
    }


def page_links(indicator_id: str, params: dict) -> dict:
    """Return the addresses of the single map, the side-by-side view and the change map."""
    single = {k: v for k, v in params.items() if k not in ("compare", "change")}
    return {
        "single": url_for("browse.map_page", indicator=indicator_id, **single),
        "compare": url_for("browse.map_page", indicator=indicator_id, **{**single, "compare": params["compare"]}),
        "change": url_for("browse.map_page", indicator=indicator_id, **{**single, "compare": params["compare"], "change": 1}),
    }


def script_config(view, values_url: str, district: str, bounds, years: list, mode: str) -> dict:
    """Return what static/geoapp-compare.js needs: data addresses, initial view, layer options (with their texts)."""
    area = {"district": district} if view.units == dataset().default_edition else {"district": district,
                                                                                    "units": view.units}
    layer = layer_options(
        view, geometry=url_for("api.boundaries", **area), values=None, profile_url=profile_url_template(view.units),
    )
    minx, miny, maxx, maxy = (float(b) for b in bounds)
    return {
        "mode": mode,
        "geometry": layer.pop("geometry"),
        "values": values_url,
        "years": years,
        "bounds": [[miny, minx], [maxy, maxx]],
        "tiles": None if (setting("TILES") or "none").lower() == "none" else setting("TILES"),
        "tilesAttribution": setting("TILES_ATTRIBUTION"),
        "layer": layer,
    }


def form_context(indicator, district: str) -> dict:
    data = dataset()
    return {
        "years": data.years(indicator.id),
        "districts": data.districts,
        "schemes": list(SCHEMES),
        "k_range": range(MIN_K, MAX_K + 1),
        "request_year": request.args.get("year") or "",
        "request_compare": request.args.get("compare") or "",
        "district": district,
    }


def link_params() -> dict:
    """Return the parameters of the page's own links: those given, the default edition left out, the language."""
    params = {k: v for k, v in compare_args().items() if v}
    if params.get("units") == dataset().default_edition:
        del params["units"]
    params["lang"] = current_lang()
    return params


def compare_page(indicator_id: str):
    comparison = current_comparison(indicator_id)
    first = comparison.views[0]
    params = link_params()
    values = url_for("compare.compare_values", indicator=indicator_id, **params)
    config = script_config(first, values, first.district, first.frame.total_bounds, list(comparison.years), "compare")
    return render_template(
        "compare.html", comparison=comparison, view=first, links=page_links(indicator_id, params),
        config=config, breaks=request.args.get("breaks", ""),
        **form_context(first.indicator, first.district),
    )


def change_page(indicator_id: str):
    change = current_change(indicator_id)
    params = link_params()
    values = url_for("compare.change_values", indicator=indicator_id,
                     **{k: v for k, v in params.items() if k in CHANGE_PARAMS + ("lang",)})
    years = " → ".join(map(str, change.years))
    config = script_config(change, values, change.district, change.frame.total_bounds, [years], "change")
    downloads = [
        (key, url_for("compare.change_file", indicator=indicator_id, fmt=fmt, **params, **extra))
        for key, fmt, extra in (("share_pdf_landscape", "pdf", {"orientation": "landscape"}),
                                ("share_pdf_portrait", "pdf", {"orientation": "portrait"}),
                                ("share_png", "png", {"dpi": 300}), ("share_svg", "svg", {}))
    ]
    return render_template(
        "change.html", change=change, view=change, links=page_links(indicator_id, params), downloads=downloads,
        config=config, **form_context(change.indicator, change.district),
    )


@bp.before_app_request
def comparison_of_the_map_page():
    """Serve `/maps/<indicator>?compare=YEAR` as the side-by-side view (or, with change=1, the change map).

    Registered after the login guard, so REQUIRE_LOGIN still applies.
    """
    if request.endpoint != "browse.map_page" or not request.args.get("compare"):
        return None
    indicator_id = request.view_args["indicator"]
    return change_page(indicator_id) if wants_change() else compare_page(indicator_id)


@bp.get("/api/maps/<indicator>/compare.json")
def compare_values(indicator):
    comparison = current_comparison(indicator)  # validates the parameters before any cached answer
    key = compare_key(indicator, compare_args(), "compare.json")
    return cached_json(key, lambda: json.dumps(comparison_payload(comparison), ensure_ascii=False))


@bp.get("/api/maps/<indicator>/change.json")
def change_values(indicator):
    change = current_change(indicator)
    key = compare_key(indicator, compare_args(CHANGE_PARAMS), "change.json")
    return cached_json(key, lambda: json.dumps(change.payload(), ensure_ascii=False))


@bp.get("/maps/<indicator>/change.<fmt>")
def change_file(indicator, fmt):
    """The change map as an A4 page: PDF, PNG or SVG."""
    params = {key: request.args.get(key) or None for key in CHANGE_PARAMS + ("dpi", "orientation")}
    out = export_change(dataset(), indicator, fmt, params, settings=state().settings, lang=current_lang(),
                        cache=state().files)
    response = Response(out.body, content_type=out.content_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{out.filename}"'
    response.headers["Cache-Control"] = "no-cache"
    response.add_etag()
    return response.make_conditional(request)
