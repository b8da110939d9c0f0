"""The framework-free request and response of the OGC API core, and format negotiation."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

from geoapp.ogcapi.errors import InvalidParameter

JSON = "json"
HTML = "html"
MEDIA = {JSON: "application/json", HTML: "text/html"}
GEOJSON_MEDIA = "application/geo+json"
OPENAPI_MEDIA = "application/vnd.oai.openapi+json;version=3.0"
SCHEMA_MEDIA = "application/schema+json"
_ACCEPT_FORMATS = {
    "text/html": HTML,
    "application/xhtml+xml": HTML,
    "application/json": JSON,
    "application/geo+json": JSON,
    "application/schema+json": JSON,
    "application/vnd.oai.openapi+json": JSON,
}


@dataclass(frozen=True)
class OgcRequest:
    """What the core needs of an HTTP request.

    base_url: absolute URL of the API root without a trailing slash (e.g. http://host/ogcapi);
    args: query parameters (first value of each); accept: the Accept header;
    lang: the page language (vi or en); if_none_match: the entity tags the client holds.
    """

    base_url: str
    path: str = "/"
    args: dict[str, str] = field(default_factory=dict)
    accept: str = ""
    lang: str = "vi"
    if_none_match: tuple[str, ...] = ()

    def url(self, path: str, **params: object) -> str:
        """Return the absolute URL of an API path with query parameters (None values left out)."""
        query = urlencode({k: v for k, v in params.items() if v is not None})
        return f"{self.base_url}{path}" + (f"?{query}" if query else "")

    def self_url(self, **changes: object) -> str:
        """Return this request's URL with some query parameters changed (None removes one)."""
        params = {**self.args, **changes}
        return self.url(self.path, **params)

    @property
    def format(self) -> str:
        """Return the requested format: ?f=, else the Accept header, else JSON."""
        asked = self.args.get("f")
        if asked is not None:
            if asked in (JSON, HTML):
                return asked
            if asked in ("geojson", "jsonld"):
                return JSON
            raise InvalidParameter("ogcapi_error_format", value=asked)
        return negotiate(self.accept)


def negotiate(accept: str) -> str:
    """Return html or json from an Accept header, by quality then order; json when nothing matches."""
    best, best_q = JSON, -1.0
    for position, item in enumerate(accept.split(",")):
        parts = [p.strip() for p in item.split(";")]
        media = parts[0].lower()
        q = 1.0
        for param in parts[1:]:
            if param.startswith("q="):
                try:
                    q = float(param[2:])
                except ValueError:
                    q = 0.0
        fmt = _ACCEPT_FORMATS.get(media)
        if fmt is not None and q > best_q and q > 0:
            best, best_q = fmt, q
    return best


@dataclass(frozen=True)
class HtmlPage:
    """An HTML answer: the site template to render and its context (rendered by the adapter)."""

    template: str
    context: dict


@dataclass
class OgcResponse:
    """What the core answers: status, headers and a body (text, or an HtmlPage to render)."""

    status: int
    headers: dict[str, str]
    body: str | HtmlPage | None
