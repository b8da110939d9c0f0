"""The OGC API – Features core: each endpoint takes an OgcRequest and the published Dataset
and returns an OgcResponse (status, headers, body). No web framework here.
"""

from __future__ import annotations

import json
from typing import Callable

from geoapp.data.dataset import Dataset
from geoapp.i18n import translate
from geoapp.ogcapi import crs as crs_mod
from geoapp.ogcapi import html
from geoapp.ogcapi.collections import Layer, build_layer, collection_ids
from geoapp.ogcapi.errors import InvalidParameter, NotFound, OgcError
from geoapp.ogcapi.features import dumps, feature_collection, single_feature
from geoapp.ogcapi.openapi import openapi_document
from geoapp.ogcapi.query import matching, parse_items_query
from geoapp.ogcapi.request import (
    GEOJSON_MEDIA, HTML, JSON, OPENAPI_MEDIA, SCHEMA_MEDIA, HtmlPage, OgcRequest, OgcResponse,
)
from geoapp.cache import Cache, CacheKey, MemoryCache
from geoapp.util import digest

CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
]
REL_CONFORMANCE = "http://www.opengis.net/def/rel/ogc/1.0/conformance"
REL_DATA = "http://www.opengis.net/def/rel/ogc/1.0/data"
REL_QUERYABLES = "http://www.opengis.net/def/rel/ogc/1.0/queryables"
JSON_SCHEMA = "https://json-schema.org/draft/2019-09/schema"


class OgcApi:
    """The endpoints; collection layers are entries of the one cache, keyed by data version and collection."""

    def __init__(self, cache: Cache | None = None) -> None:
        self.cache = cache if cache is not None else MemoryCache()

    # -- helpers ---------------------------------------------------------------------------

    def layer(self, data: Dataset, collection_id: str) -> Layer:
        """Return a collection's layer at the dataset's version, or raise NotFound."""
        key = CacheKey(data.version, f"/ogcapi/collections/{collection_id}", "ogcapi-layer")
        layer = self.cache.get_or_build(key, lambda: build_layer(data, collection_id))
        if layer is None:
            raise NotFound("ogcapi_error_collection", collection=collection_id)
        return layer

    def layers(self, data: Dataset) -> list[Layer]:
        """Return the layers of every collection whose edition is published."""
        layers = []
        for cid in collection_ids(data):
            try:
                layers.append(self.layer(data, cid))
            except NotFound:
                continue
        return layers

    def respond(self, req: OgcRequest, data: Dataset, build: Callable[[str], tuple], *, media: str = "application/json") -> OgcResponse:
        """Run an endpoint: negotiate the format, answer 304 for a held ETag, errors as OGC exceptions.

        `build(fmt)` returns (body, extra headers): a JSON-ready object or an HtmlPage.
        """
        try:
            fmt = req.format
            etag = '"' + digest(data.version, req.path, sorted(req.args.items()), fmt, req.lang) + '"'
            headers = {"ETag": etag, "Cache-Control": "no-cache", "Vary": "Accept"}
            if etag in req.if_none_match or "*" in req.if_none_match:
                return OgcResponse(304, headers, None)
            body, extra = build(fmt)
        except OgcError as exc:
            return self.error(req, exc)
        headers.update(extra)
        if isinstance(body, HtmlPage):
            headers["Content-Type"] = "text/html; charset=utf-8"
            return OgcResponse(200, headers, body)
        headers.setdefault("Content-Type", media)
        return OgcResponse(200, headers, dumps(body))

    def error(self, req: OgcRequest, exc: OgcError) -> OgcResponse:
        """Return the OGC exception JSON, or an error page to a browser."""
        try:
            wants_html = req.format == HTML
        except OgcError:
            wants_html = False
        if wants_html:
            page = HtmlPage("ogcapi/error.html", {"status": exc.status, "code": exc.code,
                                                  "message": exc.description(req.lang)})
            return OgcResponse(exc.status, {"Content-Type": "text/html; charset=utf-8"}, page)
        return OgcResponse(exc.status, {"Content-Type": "application/json"},
                           json.dumps(exc.body(req.lang), ensure_ascii=False))

    @staticmethod
    def links_of(req: OgcRequest, path: str, json_media: str = "application/json") -> list[dict]:
        return [
            {"rel": "self", "type": json_media, "title": "JSON", "href": req.url(path, f=JSON)},
            {"rel": "alternate", "type": "text/html", "title": "HTML", "href": req.url(path, f=HTML)},
        ]

    # -- endpoints -------------------------------------------------------------------------

    def landing(self, req: OgcRequest, data: Dataset) -> OgcResponse:
        def build(fmt):
            doc = {
                "title": translate("ogcapi_title", req.lang),
                "description": translate("ogcapi_description", req.lang),
                "links": self.links_of(req, "/") + [
                    {"rel": "service-desc", "type": OPENAPI_MEDIA, "title": translate("ogcapi_api_document", req.lang),
                     "href": req.url("/openapi", f=JSON)},
                    {"rel": "service-doc", "type": "text/html", "title": translate("ogcapi_api_document", req.lang) + " (HTML)",
                     "href": req.url("/openapi", f=HTML)},
                    {"rel": "conformance", "type": "application/json", "title": translate("ogcapi_conformance", req.lang),
                     "href": req.url("/conformance", f=JSON)},
                    {"rel": REL_CONFORMANCE, "type": "application/json", "href": req.url("/conformance", f=JSON)},
                    {"rel": "data", "type": "application/json", "title": translate("ogcapi_collections", req.lang),
                     "href": req.url("/collections", f=JSON)},
                    {"rel": REL_DATA, "type": "application/json", "href": req.url("/collections", f=JSON)},
                ],
            }
            return (html.landing(req, doc) if fmt == HTML else doc), {}
        return self.respond(req, data, build)

    def conformance(self, req: OgcRequest, data: Dataset) -> OgcResponse:
        def build(fmt):
            doc = {"conformsTo": CONFORMANCE}
            return (html.conformance(req, doc) if fmt == HTML else doc), {}
        return self.respond(req, data, build)

    def collection_doc(self, req: OgcRequest, layer: Layer) -> dict:
        """Return a collection's metadata document."""
        base = f"/collections/{layer.id}"
        return {
            "id": layer.id,
            "title": translate(f"ogcapi_collection_{layer.kind}", req.lang, edition=layer.edition),
            "description": translate(f"ogcapi_collection_{layer.kind}{'_carried' if layer.carried else ''}_description",
                                     req.lang, edition=layer.edition),
            "itemType": "feature",
            "extent": {"spatial": {"bbox": [[round(v, 7) for v in layer.bounds]], "crs": crs_mod.CRS84}},
            "crs": crs_mod.crs_uris(),
            "storageCrs": crs_mod.STORAGE_CRS,
            "links": self.links_of(req, base) + [
                {"rel": "items", "type": GEOJSON_MEDIA, "title": "GeoJSON", "href": req.url(f"{base}/items", f=JSON)},
                {"rel": "items", "type": "text/html", "title": "HTML", "href": req.url(f"{base}/items", f=HTML)},
                {"rel": REL_QUERYABLES, "type": SCHEMA_MEDIA, "href": req.url(f"{base}/queryables", f=JSON)},
                {"rel": "describedby", "type": SCHEMA_MEDIA, "href": req.url(f"{base}/schema", f=JSON)},
            ],
        }

    def collections(self, req: OgcRequest, data: Dataset) -> OgcResponse:
        def build(fmt):
            doc = {
                "links": self.links_of(req, "/collections"),
                "collections": [self.collection_doc(req, layer) for layer in self.layers(data)],
                "crs": crs_mod.crs_uris(),
            }
            return (html.collections(req, doc) if fmt == HTML else doc), {}
        return self.respond(req, data, build)

    def collection(self, req: OgcRequest, data: Dataset, collection_id: str) -> OgcResponse:
        def build(fmt):
            layer = self.layer(data, collection_id)
            doc = self.collection_doc(req, layer)
            return (html.collection(req, doc, layer) if fmt == HTML else doc), {}
        return self.respond(req, data, build)

    def schema_doc(self, req: OgcRequest, layer: Layer, path: str) -> dict:
        """Return the JSON schema of a layer's properties (every simple property is queryable)."""
        properties = {"geometry": {"format": "geometry-any", "x-ogc-role": "primary-geometry"}}
        for fld in layer.fields:
            entry = {"type": fld.type, "title": fld.name}
            if fld.title:
                entry["title"] = f"{fld.title.get(req.lang) or fld.title.get('vi')} {fld.title.get('year', '')}".strip()
            if fld.enum:
                entry["enum"] = list(fld.enum)
            properties[fld.name] = entry
        return {
            "$schema": JSON_SCHEMA,
            "$id": req.url(f"/collections/{layer.id}/{path}"),
            "type": "object",
            "title": translate(f"ogcapi_collection_{layer.kind}", req.lang, edition=layer.edition),
            "properties": properties,
            "additionalProperties": False,
        }

    def queryables(self, req: OgcRequest, data: Dataset, collection_id: str, path: str = "queryables") -> OgcResponse:
        def build(fmt):
            layer = self.layer(data, collection_id)
            doc = self.schema_doc(req, layer, path)
            return (html.queryables(req, doc, layer) if fmt == HTML else doc), {}
        return self.respond(req, data, build, media=SCHEMA_MEDIA)

    def items(self, req: OgcRequest, data: Dataset, collection_id: str) -> OgcResponse:
        def build(fmt):
            layer = self.layer(data, collection_id)
            query = parse_items_query(layer, req.args)
            doc = feature_collection(req, layer, query, matching(layer, query))
            headers = {"Content-Crs": crs_mod.content_crs_header(query.crs)}
            if query.clamped:
                note = translate("ogcapi_limit_clamped", "en", requested=query.requested_limit, applied=query.limit)
                headers["Warning"] = f'299 geoapp "{note}"'
                doc["limitApplied"] = query.limit
            return (html.items(req, doc, layer, query) if fmt == HTML else doc), headers
        return self.respond(req, data, build, media=GEOJSON_MEDIA)

    def item(self, req: OgcRequest, data: Dataset, collection_id: str, feature_id: str) -> OgcResponse:
        def build(fmt):
            layer = self.layer(data, collection_id)
            for name in req.args:
                if name not in ("f", "lang", "crs"):
                    raise InvalidParameter("ogcapi_error_unknown_parameter", parameter=name)
            target = crs_mod.parse_crs(req.args.get("crs"), "crs")
            if feature_id not in layer.frame.index:
                raise NotFound("ogcapi_error_feature", feature=feature_id, collection=collection_id)
            doc = single_feature(req, layer, feature_id, target)
            headers = {"Content-Crs": crs_mod.content_crs_header(target)}
            return (html.item(req, doc, layer) if fmt == HTML else doc), headers
        return self.respond(req, data, build, media=GEOJSON_MEDIA)

    def openapi(self, req: OgcRequest, data: Dataset) -> OgcResponse:
        def build(fmt):
            doc = openapi_document(req.base_url, translate("ogcapi_title", req.lang),
                                   translate("ogcapi_description", req.lang), self.layers(data), data.version)
            return (html.openapi(req, doc) if fmt == HTML else doc), {}
        return self.respond(req, data, build, media=OPENAPI_MEDIA)
