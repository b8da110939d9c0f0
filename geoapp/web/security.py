"""Security headers: Content-Security-Policy, framing, MIME sniffing."""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from flask import Flask, g


def tile_origin(tiles: str) -> str:
    """Return the origin of a tile URL template ('' for none or a same-origin path)."""
    if not tiles or tiles.lower() == "none":
        return ""
    parts = urlsplit(tiles.replace("{s}", "a"))
    if not parts.scheme:
        return ""
    host = parts.netloc
    if "{s}" in tiles:
        host = "*." + host.split(".", 1)[1] if "." in host else host
    return f"{parts.scheme}://{host}"


def csp_nonce() -> str:
    """Return this request's script nonce."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def allow_framing() -> None:
    """Mark this response as frameable by the embed ancestors setting."""
    g.frameable = True


def policy(tiles: str, frame_ancestors: str, nonce: str | None) -> str:
    """Return the Content-Security-Policy header value."""
    img = " ".join(filter(None, ["'self'", "data:", "blob:", tile_origin(tiles)]))
    script = "'self'" + (f" 'nonce-{nonce}'" if nonce else "")
    return (
        f"default-src 'self'; script-src {script}; style-src 'self' 'unsafe-inline'; "
        f"img-src {img}; connect-src 'self'; font-src 'self'; object-src 'none'; "
        f"base-uri 'none'; form-action 'self'; frame-ancestors {frame_ancestors}"
    )


def init_app(app: Flask) -> None:
    settings = app.config["GEOAPP"]

    @app.context_processor
    def inject_nonce():
        return {"csp_nonce": csp_nonce}

    @app.after_request
    def headers(response):
        frameable = g.get("frameable", False)
        ancestors = settings["EMBED_ANCESTORS"] if frameable else "'none'"
        response.headers["Content-Security-Policy"] = policy(settings["TILES"], ancestors, g.get("csp_nonce"))
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
        if not frameable:
            response.headers["X-Frame-Options"] = "DENY"
        return response
