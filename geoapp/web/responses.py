"""Helpers shared by the blueprints: request parsing and map page context."""

from __future__ import annotations

import gzip

from flask import Response, request, url_for

from geoapp.maps.view import MapView, build_map_view
from geoapp.maps.leaflet import folium_map, map_parts
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
    """Return the map view that the request asks for (cached per data version and parameters)."""
    data = dataset()
    args = map_args()
    lang = current_lang()
    key = ("view", data.version, indicator_id, tuple(sorted(args.items())), lang)
    return state().cache.get_or_build(key, lambda: build_map_view(data, indicator_id, lang=lang, **args))


def map_options(view: MapView, *, new_tab: bool = False) -> dict:
    """Return the options of the choropleth layer, its data fetched by URL (inline: geoapp.maps.leaflet.inline_options)."""
    from geoapp.maps.leaflet import layer_options

    return layer_options(
        view,
        geometry=url_for("api.boundaries", district=view.district),
        values=url_for("api.map_values", indicator=view.indicator.id, **view.params),
        profile_url=url_for("browse.commune", code="CODE").replace("CODE", "{code}"),
        new_tab=new_tab,
    )


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
    etag = digest(dataset().version, *key)
    if request.if_none_match.contains(etag):
        response = Response(status=304)
    else:
        body = state().cache.get_or_build((etag, "body"), lambda: build().encode("utf-8"))
        if accepts_gzip():
            body = state().cache.get_or_build((etag, "gzip"), lambda: gzip.compress(body, 6))
            response = Response(body, content_type=content_type)
            response.headers["Content-Encoding"] = "gzip"
        else:
            response = Response(body, content_type=content_type)
    response.set_etag(etag)
    response.headers["Cache-Control"] = "no-cache"
    response.vary.add("Accept-Encoding")
    return response


def accepts_gzip() -> bool:
    """True when the client accepts gzip-encoded responses."""
    return "gzip" in (request.headers.get("Accept-Encoding") or "")


def compress_response(response: Response) -> Response:
    """Gzip a text response (HTML, JSON, CSS, JS) over 1 KB when the client accepts it."""
    if (
        response.direct_passthrough
        or response.status_code != 200
        or "Content-Encoding" in response.headers
        or not accepts_gzip()
        or not (response.mimetype.startswith("text/") or response.mimetype.endswith(("json", "javascript")))
    ):
        return response
    body = response.get_data()
    if len(body) < 1024:
        return response
    response.set_data(gzip.compress(body, 6))
    response.headers["Content-Encoding"] = "gzip"
    response.vary.add("Accept-Encoding")
    return response
