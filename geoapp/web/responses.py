"""Helpers shared by the blueprints: request parsing and map page context."""

from __future__ import annotations

import gzip

from flask import Response, g, request, url_for

from geoapp.maps.view import MapView, build_map_view
from geoapp.maps.leaflet import map_config
from geoapp.request import Area, MapRequest, parse_area, parse_map_request
from geoapp.cache import CacheKey
from geoapp.web.i18n import current_lang
from geoapp.web.state import dataset, setting, state


def map_request(indicator_id: str) -> MapRequest:
    """Return the map request of the query string, parsed and validated once per HTTP request."""
    cached = g.get("map_request")
    if cached is None or cached.indicator != indicator_id:
        cached = g.map_request = parse_map_request(
            dataset(), indicator_id, request.args, lang=current_lang(), default_district=setting("DEFAULT_DISTRICT")
        )
    return cached


def area_request() -> Area:
    """Return the area of the query string (default: the DEFAULT_DISTRICT setting)."""
    return parse_area(request.args, dataset(), default=setting("DEFAULT_DISTRICT"))


def current_view(indicator_id: str) -> MapView:
    """Return the map view that the request asks for (cached per data version and canonical request)."""
    return view_of(map_request(indicator_id))


def view_of(req: MapRequest) -> MapView:
    """Return the map view of a parsed request (cached per data version and canonical request)."""
    data = dataset()
    key = CacheKey(data.version, req.key, "view", req.lang)
    return state().cache.get_or_build(key, lambda: build_map_view(data, req))


def map_options(view: MapView, *, new_tab: bool = False) -> dict:
    """Return the options of the choropleth layer, its data fetched by URL (inline: geoapp.maps.leaflet.inline_options)."""
    from geoapp.maps.leaflet import layer_options

    return layer_options(
        view,
        geometry=url_for("api.boundaries", **view.request.area.params()),
        values=url_for("api.map_values", indicator=view.indicator.id, **view.request.params()),
        profile_url=profile_url_template(view.units),
        new_tab=new_tab,
    )


def profile_url_template(units: str, **kwargs) -> str:
    """Return the profile URL of a unit of an edition with a {code} placeholder (2021: /communes/{code})."""
    if units == dataset().default_edition:
        url = url_for("browse.commune", code="CODE", **kwargs)
    else:
        url = url_for("editions.unit", edition=units, code="CODE", **kwargs)
    return url.replace("CODE", "{code}")


def render_folium(view_bounds, options: dict) -> tuple[str, dict]:
    """Return the (html, config) of a map: its element and what static/geoapp-boot.js draws in it.

    Element ids are numbered per page (map-1, map-2, …), so the same request renders the same page.
    """
    g.map_count = g.get("map_count", 0) + 1
    map_id = f"map-{g.map_count}"
    options = {**options, "canvasAbove": setting("MAP_CANVAS_ABOVE")}  # larger layers are drawn on a canvas
    config = map_config(map_id, view_bounds, options, tiles=setting("TILES"), attribution=setting("TILES_ATTRIBUTION"))
    return f'<div class="folium-map" id="{map_id}"></div>', config


def cached_json(key: CacheKey, build, content_type: str = "application/json") -> Response:
    """Serve a body built by `build()` with the ETag of its cache key, gzip if accepted.

    The key holds the data version, so a publish is seen on the next request.
    """
    etag = key.digest()
    request.environ["geoapp.cache_key"] = key  # the fast path (geoapp.web.fastpath) may answer the next ones
    if request.if_none_match.contains(etag):
        response = Response(status=304)
    else:
        body = state().cache.get_or_build(key, lambda: build().encode("utf-8"))
        if accepts_gzip():
            body = state().cache.get_or_build(key.variant(key.fmt + ".gz"), lambda: gzip.compress(body, 6, mtime=0))
            response = Response(body, content_type=content_type)
            response.headers["Content-Encoding"] = "gzip"
        else:
            response = Response(body, content_type=content_type)
    response.set_etag(etag)
    response.headers["Cache-Control"] = "no-cache"
    response.vary.add("Accept-Encoding")
    return response


def cached_page(request_text: str, lang: str, render, *, page_args: dict | None = None) -> Response:
    """Serve an HTML page rendered once per (data version, canonical request, language), gzip and ETag.

    `request_text` is the canonical request the page shows (with the site address, which share links
    carry); `page_args` are the query parameters kept by the language links (default: none). A
    signed-in reader's page shows their name and a CSRF token: it is rendered for them, never cached.
    """
    from geoapp.web.auth import current_user

    g.page_args = page_args or {}
    if current_user() is not None:
        return Response(render(), content_type="text/html; charset=utf-8")
    key = CacheKey(dataset().version, request.host_url + request_text, "html", lang)
    return cached_json(key, render, "text/html; charset=utf-8")


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
    response.set_data(gzip.compress(body, 6, mtime=0))
    response.headers["Content-Encoding"] = "gzip"
    response.vary.add("Accept-Encoding")
    return response
