"""The OpenAPI 3.0 document of the API: one set of paths per collection, with its filters."""

from __future__ import annotations

from geoapp.ogcapi import crs as crs_mod
from geoapp.ogcapi.collections import Layer
from geoapp.ogcapi.query import DEFAULT_LIMIT, MAX_LIMIT

OGC_SCHEMAS = "https://schemas.opengis.net/ogcapi/features/part1/1.0/openapi/ogcapi-features-1.yaml"


def _param(name: str, description: str, schema: dict, *, where: str = "query", required: bool = False,
           explode: bool | None = None, style: str | None = None) -> dict:
    param = {"name": name, "in": where, "description": description, "required": required, "schema": schema}
    if style:
        param["style"] = style
    if explode is not None:
        param["explode"] = explode
    return param


def _components() -> dict:
    crs_enum = {"type": "string", "format": "uri", "enum": crs_mod.crs_uris()}
    params = {
        "f": _param("f", "Response format: json (default) or html.", {"type": "string", "enum": ["json", "html"]},
                    style="form", explode=False),
        "lang": _param("lang", "Language of HTML pages and messages: vi (default) or en.",
                       {"type": "string", "enum": ["vi", "en"]}),
        "limit": _param("limit", f"Number of features per page (default {DEFAULT_LIMIT}; values above "
                                 f"{MAX_LIMIT} are reduced to {MAX_LIMIT}).",
                        {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
                        style="form", explode=False),
        "offset": _param("offset", "Number of matching features to skip (paging).",
                         {"type": "integer", "minimum": 0, "default": 0}, style="form", explode=False),
        "bbox": _param("bbox", "Bounding box: minimum and maximum of each axis, in the order of bbox-crs "
                               "(CRS84: lon,lat; EPSG:4326: lat,lon).",
                       {"type": "array", "minItems": 4, "maxItems": 6, "items": {"type": "number"}},
                       style="form", explode=False),
        "bbox-crs": _param("bbox-crs", "CRS of bbox (default CRS84).", crs_enum, style="form", explode=False),
        "crs": _param("crs", "CRS of the returned geometries (default CRS84).", crs_enum, style="form", explode=False),
        "featureId": _param("featureId", "Feature id: edition and unit code, e.g. 2021-06184.",
                            {"type": "string"}, where="path", required=True),
    }
    json_response = {"description": "JSON document", "content": {"application/json": {"schema": {"type": "object"}}}}
    responses = {
        "JSON": json_response,
        "Features": {"description": "GeoJSON feature collection", "headers": {"Content-Crs": {"schema": {"type": "string"}}},
                     "content": {"application/geo+json": {"schema": {"type": "object"}},
                                 "text/html": {"schema": {"type": "string"}}}},
        "Feature": {"description": "GeoJSON feature", "headers": {"Content-Crs": {"schema": {"type": "string"}}},
                    "content": {"application/geo+json": {"schema": {"type": "object"}},
                                "text/html": {"schema": {"type": "string"}}}},
        "Exception": {"description": "OGC exception",
                      "content": {"application/json": {"schema": {"$ref": "#/components/schemas/exception"}}}},
    }
    schemas = {
        "exception": {"type": "object", "required": ["code"],
                      "properties": {"code": {"type": "string"}, "description": {"type": "string"}}},
    }
    return {"parameters": params, "responses": responses, "schemas": schemas}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/parameters/{name}"}


def _get(summary: str, tag: str, parameters: list, response: str = "JSON", *, operation_id: str) -> dict:
    return {"get": {
        "summary": summary, "tags": [tag], "operationId": operation_id, "parameters": parameters,
        "responses": {"200": {"$ref": f"#/components/responses/{response}"},
                      "304": {"description": "Not modified (If-None-Match)"},
                      "400": {"$ref": "#/components/responses/Exception"},
                      "404": {"$ref": "#/components/responses/Exception"}},
    }}


def _filter_params(layer: Layer) -> list[dict]:
    params = []
    for fld in layer.fields:
        schema = {"type": fld.type}
        if fld.enum:
            schema["enum"] = list(fld.enum)
        params.append(_param(fld.name, f"Features whose {fld.name} equals this value.", schema,
                             style="form", explode=False))
    return params


def _collection_paths(layer: Layer) -> dict:
    base = f"/collections/{layer.id}"
    common = [_ref("f"), _ref("lang")]
    op = layer.id.replace("-", "_")
    return {
        base: _get(f"Metadata of {layer.id}", layer.id, common, operation_id=f"describe_{op}"),
        f"{base}/queryables": _get(f"Queryable properties of {layer.id}", layer.id, common,
                                   operation_id=f"queryables_{op}"),
        f"{base}/schema": _get(f"Schema of the features of {layer.id}", layer.id, common,
                               operation_id=f"schema_{op}"),
        f"{base}/items": _get(
            f"Features of {layer.id}", layer.id,
            common + [_ref("limit"), _ref("offset"), _ref("bbox"), _ref("bbox-crs"), _ref("crs")] + _filter_params(layer),
            "Features", operation_id=f"items_{op}",
        ),
        f"{base}/items/{{featureId}}": _get(f"One feature of {layer.id}", layer.id,
                                            [_ref("featureId"), *common, _ref("crs")], "Feature",
                                            operation_id=f"item_{op}"),
    }


def openapi_document(base_url: str, title: str, description: str, layers: list[Layer], version: str) -> dict:
    """Return the OpenAPI 3.0 document of the API at `base_url`."""
    common = [_ref("f"), _ref("lang")]
    paths = {
        "/": _get("Landing page", "server", common, operation_id="landing_page"),
        "/conformance": _get("Conformance classes", "server", common, operation_id="conformance"),
        "/collections": _get("Collections", "server", common, operation_id="collections"),
        "/openapi": _get("This API document", "server", common, operation_id="openapi"),
    }
    for layer in layers:
        paths.update(_collection_paths(layer))
    return {
        "openapi": "3.0.3",
        "info": {"title": title, "description": description, "version": version,
                 "license": {"name": "MIT"}},
        "servers": [{"url": base_url}],
        "tags": [{"name": "server"}] + [{"name": layer.id} for layer in layers],
        "paths": paths,
        "components": _components(),
        "externalDocs": {"description": "OGC API – Features – Part 1: Core", "url": OGC_SCHEMAS},
    }
