"""Helpers shared by the blueprints: request parsing and map page context."""

from __future__ import annotations

import gzip

from flask import Response, request, url_for

from geoapp.maps import MapView, build_map_view
from geoapp.render import folium_map, map_parts
from geoapp.util import digest
from geoapp.web.i18n import current_lang
from geoapp.web.state import dataset, setting, state

MAP_PARAMS = ("year", "district", "scheme", "k", "breaks")


def map_args() -> dict:
    """Return the map parameters of the query string."""
    args = {key: request.args.get(key) or None for key in MAP_PARAMS}
    args["district"] = args["district"] or setting("DEFAULT_DISTRICT")
    return args


def current_view(indicator_id: str) -> MapView:
    """Build the map view that the request asks for."""
    return build_map_view(dataset(), indicator_id, lang=current_lang(), **map_args())


def map_options(view: MapView, *, inline: bool = False, new_tab: bool = False) -> dict:
    """Return the options of the choropleth layer (data by URL, or inline for a standalone file)."""
    from geoapp.i18n import translate
    from geoapp.render import geometry_json, values_payload
    import json

    lang = view.lang
    if inline:
        geometry = json.loads(geometry_json(view.frame, setting("COORD_DECIMALS")))
        values = values_payload(view)
        profile = url_for("browse.commune", code="CODE", _external=True).replace("CODE", "{code}")
    else:
        geometry = url_for("api.boundaries", district=view.district)
        values = url_for("api.map_values", indicator=view.indicator.id, **view.params)
        profile = url_for("browse.commune", code="CODE").replace("CODE", "{code}")
    return {
        "geometry": geometry,
        "values": values,
        "year": view.year,
        "title": view.title,
        "profileUrl": profile,
        "newTab": new_tab,
        "labels": {
            "year": translate("year", lang),
            "noData": translate("no_data", lang),
            "illustrative": translate("illustrative_value", lang),
            "profile": translate("open_profile", lang),
            "loadError": translate("map_load_error", lang),
        },
    }


def render_folium(view_bounds, options: dict) -> tuple[str, str]:
    """Return the (html, script) of a Folium map with the configured basemap."""
    fmap = folium_map(
        view_bounds, options, tiles=setting("TILES"), attribution=setting("TILES_ATTRIBUTION")
    )
    return map_parts(fmap)


def cached_json(key: tuple, build, content_type: str = "application/json") -> Response:
    """Serve a body built by `build()` with an ETag of the data version and `key`, gzip if accepted.

    Bodies are cached per data version, so a publish is seen on the next request.
    """
    etag = digest(state().store.data_version(), *key)
    if request.if_none_match.contains(etag):
        response = Response(status=304)
    else:
        body = state().cache.get_or_build((etag, "body"), lambda: build().encode("utf-8"))
        if "gzip" in (request.headers.get("Accept-Encoding") or ""):
            body = state().cache.get_or_build((etag, "gzip"), lambda: gzip.compress(body, 6))
            response = Response(body, content_type=content_type)
            response.headers["Content-Encoding"] = "gzip"
        else:
            response = Response(body, content_type=content_type)
    response.set_etag(etag)
    response.headers["Cache-Control"] = "no-cache"
    response.vary.add("Accept-Encoding")
    return response
