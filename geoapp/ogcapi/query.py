"""Items queries: limit/offset paging, bbox (in any supported CRS) and property filters."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import shapely

from geoapp.ogcapi import crs as crs_mod
from geoapp.ogcapi.collections import Layer
from geoapp.ogcapi.errors import InvalidParameter

DEFAULT_LIMIT = 10
MAX_LIMIT = 1000
# Query parameters of /items other than the property filters.
ITEMS_PARAMETERS = ("f", "lang", "limit", "offset", "bbox", "bbox-crs", "crs")


@dataclass(frozen=True)
class ItemsQuery:
    limit: int
    offset: int
    requested_limit: int | None
    bbox: object | None  # a CRS84 shapely geometry
    filters: dict[str, object] = field(default_factory=dict)
    crs: crs_mod.SupportedCrs = crs_mod.parse_crs(None)

    @property
    def clamped(self) -> bool:
        return self.requested_limit is not None and self.requested_limit > self.limit


def parse_int(raw: str | None, name: str, default: int, minimum: int) -> int:
    """Return an integer parameter, or raise InvalidParameter."""
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise InvalidParameter("ogcapi_error_integer", parameter=name, value=raw, minimum=minimum) from None
    if value < minimum:
        raise InvalidParameter("ogcapi_error_integer", parameter=name, value=raw, minimum=minimum)
    return value


def parse_bbox(raw: str | None, bbox_crs: crs_mod.SupportedCrs):
    """Return the CRS84 area of a bbox parameter (4 or 6 numbers in bbox-crs axis order), or None."""
    if raw is None:
        return None
    try:
        numbers = [float(v) for v in raw.split(",")]
    except ValueError:
        numbers = []
    if len(numbers) == 6:
        numbers = [numbers[0], numbers[1], numbers[3], numbers[4]]
    if len(numbers) != 4 or not all(math.isfinite(v) for v in numbers):
        raise InvalidParameter("ogcapi_error_bbox", value=raw)
    a0, b0, a1, b1 = numbers
    geographic = bbox_crs.pyproj_id in ("OGC:CRS84", "EPSG:4326")
    lat = (a0, a1) if bbox_crs.pyproj_id == "EPSG:4326" else (b0, b1)
    if b0 > b1 or (a0 > a1 and not (geographic and bbox_crs.pyproj_id == "OGC:CRS84")) or (
        geographic and not all(-90 <= v <= 90 for v in lat)
    ):
        raise InvalidParameter("ogcapi_error_bbox", value=raw)
    if bbox_crs.pyproj_id == "OGC:CRS84" and a0 > a1:  # crosses the antimeridian
        return shapely.union(shapely.box(a0, b0, 180, b1), shapely.box(-180, b0, a1, b1))
    return crs_mod.bbox_in_crs84((a0, b0, a1, b1), bbox_crs)


def parse_filter(layer: Layer, name: str, raw: str) -> object:
    """Return the value a property must equal, typed as the property is."""
    fld = layer.field(name)
    if fld.type == "string":
        return raw
    if fld.type == "boolean":
        if raw not in ("true", "false"):
            raise InvalidParameter("ogcapi_error_filter_value", parameter=name, value=raw, type=fld.type)
        return raw == "true"
    try:
        number = float(raw)
    except ValueError:
        raise InvalidParameter("ogcapi_error_filter_value", parameter=name, value=raw, type=fld.type) from None
    return number


def parse_items_query(layer: Layer, args: dict[str, str]) -> ItemsQuery:
    """Return the items query of the request's parameters; unknown parameters are a 400."""
    for name in args:
        if name not in ITEMS_PARAMETERS and layer.field(name) is None:
            raise InvalidParameter("ogcapi_error_unknown_parameter", parameter=name)
    requested = parse_int(args.get("limit"), "limit", DEFAULT_LIMIT, 1)
    out_crs = crs_mod.parse_crs(args.get("crs"), "crs")
    bbox_crs = crs_mod.parse_crs(args.get("bbox-crs"), "bbox-crs")
    if "bbox-crs" in args and "bbox" not in args:
        raise InvalidParameter("ogcapi_error_bbox_crs_alone")
    filters = {
        name: parse_filter(layer, name, value)
        for name, value in args.items()
        if name not in ITEMS_PARAMETERS
    }
    return ItemsQuery(
        limit=min(requested, MAX_LIMIT),
        offset=parse_int(args.get("offset"), "offset", 0, 0),
        requested_limit=requested if "limit" in args else None,
        bbox=parse_bbox(args.get("bbox"), bbox_crs),
        filters=filters,
        crs=out_crs,
    )


def matching(layer: Layer, query: ItemsQuery) -> gpd.GeoDataFrame:
    """Return the features of a layer that pass the bbox and the property filters, in id order."""
    frame = layer.frame
    mask = np.ones(len(frame), dtype=bool)
    if query.bbox is not None:
        mask &= shapely.intersects(frame.geometry.values, query.bbox)
    for name, wanted in query.filters.items():
        column = frame[name]
        if isinstance(wanted, (str, bool)):
            mask &= column.map(lambda v, w=wanted: v is not None and v == w).to_numpy(dtype=bool)
        else:
            mask &= column.map(lambda v, w=wanted: v is not None and float(v) == w).to_numpy(dtype=bool)
    return frame[mask]
