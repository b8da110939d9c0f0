"""Flask adapter of geoapp.limits: the `expensive` route decorator and the client address."""

from __future__ import annotations

import functools

from flask import Flask, current_app, request

from geoapp.errors import GeoappError
from geoapp.limits import ExpensiveGuard
from geoapp.web.responses import map_request
from geoapp.web.state import dataset, setting

GIS_DOWNLOAD_FORMATS = {"gpkg", "zip", "xlsx"}


def guard() -> ExpensiveGuard:
    return current_app.extensions["geoapp_expensive"]


def client_address() -> str:
    """Return the client's address (the proxy's X-Forwarded-For hop when PROXY_HOPS is set)."""
    return request.remote_addr or "unknown"


def expensive(when=None):
    """Decorate a view whose work is expensive (always, or when `when(**view_args)` is true)."""

    def decorate(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            if when is not None and not when(**kwargs):
                return view(*args, **kwargs)
            return guard().run(f"client:{client_address()}", lambda: view(*args, **kwargs))

        return wrapped

    return decorate


def heavy_classification(indicator: str | None = None, **_) -> bool:
    """True when the map request asks for natural breaks over more units than EXPENSIVE_JENKS_UNITS."""
    if indicator is None:
        return False
    try:
        req = map_request(indicator)
        if req.scheme != "natural_breaks":
            return False
        units = req.area.communes(dataset())
    except GeoappError:
        return False  # the view answers with its own error
    return len(units) > int(setting("EXPENSIVE_JENKS_UNITS"))


def gis_download(fmt: str, **_) -> bool:
    """True for downloads in GIS file formats (written through GDAL)."""
    return fmt in GIS_DOWNLOAD_FORMATS


def init_app(app: Flask) -> None:
    settings = app.config["GEOAPP"]
    app.extensions["geoapp_expensive"] = ExpensiveGuard.from_settings(settings)
    hops = int(settings["PROXY_HOPS"])
    if hops > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
