"""Static files (geoapp/static and the vendored Leaflet): fingerprinted names, gzip once, cached for a year.

`url_for('static', filename='geoapp.css')` gives /static/geoapp.<hash>.css. A fingerprinted name
changes with the content, so it is served with `Cache-Control: immutable`; the plain name is still
served, revalidated by ETag. Compressible files are gzip-compressed once, in memory.
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
import re
import threading
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, Response, abort, request

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
COMPRESSIBLE = (".js", ".css", ".svg", ".json", ".map", ".txt", ".html")
_HASHED = re.compile(r"^(?P<stem>.+)\.(?P<digest>[0-9a-f]{12})(?P<suffix>\.[A-Za-z0-9]+)$")


@dataclass(frozen=True)
class Asset:
    """One static file, read once: its bytes, gzip bytes (or None), digest and media type."""

    body: bytes
    gzipped: bytes | None
    digest: str
    media_type: str


class Assets:
    """Static files of several folders, each under a Flask endpoint, read and compressed on first use."""

    def __init__(self, roots: dict[str, Path]) -> None:
        self.roots = {endpoint: Path(root).resolve() for endpoint, root in roots.items()}
        self._files: dict[tuple[str, str], Asset | None] = {}
        self._lock = threading.Lock()

    def asset(self, endpoint: str, filename: str) -> Asset | None:
        """Return a file of an endpoint's folder, or None if there is no such file (never outside the folder)."""
        key = (endpoint, filename)
        if key not in self._files:
            asset = self._read(endpoint, filename)
            with self._lock:
                self._files[key] = asset
        return self._files[key]

    def _read(self, endpoint: str, filename: str) -> Asset | None:
        root = self.roots[endpoint]
        path = (root / filename).resolve()
        if not path.is_relative_to(root) or not path.is_file():
            return None
        body = path.read_bytes()
        gzipped = gzip.compress(body, 9, mtime=0) if path.suffix in COMPRESSIBLE else None
        media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if media_type.startswith("text/") or path.suffix in (".js", ".json", ".svg"):
            media_type += "; charset=utf-8"
        return Asset(body, gzipped, hashlib.sha256(body).hexdigest()[:12], media_type)

    def fingerprint(self, endpoint: str, filename: str) -> str:
        """Return the fingerprinted name of a file ("geoapp.css" -> "geoapp.<hash>.css"); unknown files keep their name."""
        asset = self.asset(endpoint, filename)
        if asset is None:
            return filename
        path = Path(filename)
        return str(path.with_name(f"{path.stem}.{asset.digest}{path.suffix}"))

    def response(self, endpoint: str, name: str) -> Response:
        """Serve a file by its plain or fingerprinted name (404 if a fingerprint does not match)."""
        asset, immutable = self.asset(endpoint, name), False
        if asset is None:
            hashed = _HASHED.match(Path(name).name)
            if hashed:
                plain = str(Path(name).with_name(hashed["stem"] + hashed["suffix"]))
                asset = self.asset(endpoint, plain)
                immutable = asset is not None and asset.digest == hashed["digest"]
            if not immutable:
                abort(404)
        gzip_ok = asset.gzipped is not None and "gzip" in (request.headers.get("Accept-Encoding") or "")
        etag = asset.digest + ("-gz" if gzip_ok else "")
        if request.if_none_match.contains(etag):
            response = Response(status=304)
        else:
            response = Response(asset.gzipped if gzip_ok else asset.body, content_type=asset.media_type)
            if gzip_ok:
                response.headers["Content-Encoding"] = "gzip"
        response.set_etag(etag)
        response.headers["Cache-Control"] = IMMUTABLE if immutable else REVALIDATE
        if asset.gzipped is not None:
            response.vary.add("Accept-Encoding")
        return response


def init_app(app: Flask, vendor_roots: dict[str, Path]) -> Assets:
    """Serve geoapp/static and the vendored folders through Assets; url_for gives fingerprinted names."""
    assets = Assets({"static": Path(app.static_folder), **vendor_roots})
    app.view_functions["static"] = lambda filename: assets.response("static", filename)
    for endpoint in vendor_roots:
        rule = f"/vendor/{endpoint.removeprefix('vendor_')}/<path:filename>"
        app.add_url_rule(rule, endpoint, lambda filename, endpoint=endpoint: assets.response(endpoint, filename))

    @app.url_defaults
    def fingerprinted(endpoint, values):
        if endpoint in assets.roots and "filename" in values:
            values["filename"] = assets.fingerprint(endpoint, values["filename"])

    return assets
