"""OGC API – Features over the published data: a framework-free core (see api.OgcApi)."""

from geoapp.ogcapi.api import OgcApi
from geoapp.ogcapi.request import HtmlPage, OgcRequest, OgcResponse

__all__ = ["HtmlPage", "OgcApi", "OgcRequest", "OgcResponse"]
