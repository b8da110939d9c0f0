"""GeoJSON of features and feature collections, with their OGC links."""

from __future__ import annotations

import json
import re
import secrets
from datetime import datetime, timezone

import geopandas as gpd
import shapely

from geoapp.ogcapi import crs as crs_mod
from geoapp.ogcapi.collections import Layer
from geoapp.ogcapi.query import ItemsQuery
from geoapp.ogcapi.request import GEOJSON_MEDIA, OgcRequest


class GeometryText(str):
    """A geometry already written as GeoJSON text (by GEOS), spliced in by `dumps`."""


def geometry_texts(geoms) -> list[GeometryText | None]:
    """Return the GeoJSON text of each geometry (None for a missing or empty one)."""
    texts = shapely.to_geojson(geoms)
    return [None if g is None or g.is_empty else GeometryText(t) for g, t in zip(geoms, texts)]


def feature_json(feature_id: str, properties: dict, geometry: GeometryText | None) -> dict:
    return {"type": "Feature", "id": feature_id, "geometry": geometry, "properties": properties}


def features_json(frame: gpd.GeoDataFrame, target: crs_mod.SupportedCrs) -> list[dict]:
    """Return features of a layer frame, geometries in `target` as GeoJSON text."""
    props = frame.drop(columns=frame.geometry.name)
    geoms = geometry_texts(crs_mod.transform_geometries(frame.geometry.values, target))
    return [
        feature_json(fid, row, geom)
        for fid, row, geom in zip(props.index, props.to_dict("records"), geoms)
    ]


def dumps(doc: dict) -> str:
    """Return a document as JSON text, its features' geometries spliced in as written by GEOS.

    Writing coordinates with GEOS instead of Python's json module is several times faster.
    """
    features = doc.get("features", [doc] if doc.get("type") == "Feature" else [])
    nonce = secrets.token_hex(8)
    texts = []
    for feature in features:
        if isinstance(feature.get("geometry"), GeometryText):
            feature["geometry"], geometry = f"@@{nonce}:{len(texts)}@@", feature["geometry"]
            texts.append(geometry)
    text = json.dumps(doc, ensure_ascii=False)
    return re.sub(f'"@@{nonce}:([0-9]+)@@"', lambda m: texts[int(m.group(1))], text)


def page_links(req: OgcRequest, layer: Layer, query: ItemsQuery, matched: int) -> list[dict]:
    """Return self, alternate, collection, and next/prev links of an items page."""
    links = [
        {"rel": "self", "type": GEOJSON_MEDIA, "title": "GeoJSON", "href": req.self_url(f="json")},
        {"rel": "alternate", "type": "text/html", "title": "HTML", "href": req.self_url(f="html")},
        {"rel": "collection", "type": "application/json", "href": req.url(f"/collections/{layer.id}", f="json")},
    ]
    if query.offset + query.limit < matched:
        links.append({"rel": "next", "type": GEOJSON_MEDIA, "title": "next page",
                      "href": req.self_url(f="json", limit=query.limit, offset=query.offset + query.limit)})
    if query.offset > 0:
        links.append({"rel": "prev", "type": GEOJSON_MEDIA, "title": "previous page",
                      "href": req.self_url(f="json", limit=query.limit, offset=max(0, query.offset - query.limit))})
    return links


def feature_collection(req: OgcRequest, layer: Layer, query: ItemsQuery, matches: gpd.GeoDataFrame) -> dict:
    """Return the FeatureCollection of one page of the matching features."""
    page = matches.iloc[query.offset: query.offset + query.limit]
    features = features_json(page, query.crs)
    return {
        "type": "FeatureCollection",
        "features": features,
        "numberMatched": int(len(matches)),
        "numberReturned": len(features),
        "timeStamp": datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "links": page_links(req, layer, query, len(matches)),
    }


def single_feature(req: OgcRequest, layer: Layer, feature_id: str, target: crs_mod.SupportedCrs) -> dict:
    """Return one feature with its self, alternate and collection links."""
    feature = features_json(layer.frame.loc[[feature_id]], target)[0]
    path = f"/collections/{layer.id}/items/{feature_id}"
    crs_arg = None if target.uri == crs_mod.CRS84 else target.uri
    feature["links"] = [
        {"rel": "self", "type": GEOJSON_MEDIA, "href": req.url(path, f="json", crs=crs_arg)},
        {"rel": "alternate", "type": "text/html", "href": req.url(path, f="html")},
        {"rel": "collection", "type": "application/json", "href": req.url(f"/collections/{layer.id}", f="json")},
    ]
    return feature
