"""Security headers: Content-Security-Policy (no inline script), framing, MIME sniffing."""

from __future__ import annotations

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


def allow_framing() -> None:
    """Mark this response as frameable by the embed ancestors setting."""
    g.frameable = True


def policy(tiles: str, frame_ancestors: str) -> str:
    """Return the Content-Security-Policy header value: scripts only from the site's own files, none inline.

    Maps start from JSON data blocks (static/geoapp-boot.js), so a page needs no per-request nonce
    and the same bytes can be served to every reader.
    """
    img = " ".join(filter(None, ["'self'", "data:", "blob:", tile_origin(tiles)]))
    return (
        f"default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        f"img-src {img}; connect-src 'self'; font-src 'self'; object-src 'none'; "
        f"base-uri 'none'; form-action 'self'; frame-ancestors {frame_ancestors}"
    )


def init_app(app: Flask) -> None:
    settings = app.config["GEOAPP"]

    @app.after_request
    def headers(response):
        frameable = g.get("frameable", False)
        ancestors = settings["EMBED_ANCESTORS"] if frameable else "'none'"
        response.headers["Content-Security-Policy"] = policy(settings["TILES"], ancestors)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
        if not frameable:
            response.headers["X-Frame-Options"] = "DENY"
        return response
