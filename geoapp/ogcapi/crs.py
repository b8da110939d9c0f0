"""Coordinate reference systems by reference (OGC API – Features Part 2).

Published geometries are stored in longitude/latitude (CRS84). Output in another CRS
follows that CRS's own axis order: EPSG:4326 is latitude, longitude; the VN-2000
projections are easting, northing.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import numpy as np
import shapely
from pyproj import CRS, Transformer

from geoapp.ogcapi.errors import InvalidParameter

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG_URI = "http://www.opengis.net/def/crs/EPSG/0/{code}"


@dataclass(frozen=True)
class SupportedCrs:
    uri: str
    pyproj_id: str
    decimals: int  # output precision: 7 decimals of a degree or 1 cm


SUPPORTED: tuple[SupportedCrs, ...] = (
    SupportedCrs(CRS84, "OGC:CRS84", 7),
    SupportedCrs(EPSG_URI.format(code=4326), "EPSG:4326", 7),
    SupportedCrs(EPSG_URI.format(code=3405), "EPSG:3405", 2),  # VN-2000 / UTM zone 48N
    SupportedCrs(EPSG_URI.format(code=3406), "EPSG:3406", 2),  # VN-2000 / UTM zone 49N
    SupportedCrs(EPSG_URI.format(code=9215), "EPSG:9215", 2),  # VN-2000 / TM-3 107-15 (Lạng Sơn)
)
STORAGE_CRS = CRS84
_BY_URI = {c.uri: c for c in SUPPORTED}
_SHORT = re.compile(r"^\[?(?:urn:ogc:def:crs:)?(EPSG|OGC)(?::[0-9.]*)?:+(\w+)\]?$", re.IGNORECASE)
_URI = re.compile(r"^https?://www\.opengis\.net/def/crs/(EPSG|OGC)/[0-9.]+/(\w+)$", re.IGNORECASE)


def crs_uris() -> list[str]:
    """Return the URIs of every supported CRS, CRS84 first."""
    return [c.uri for c in SUPPORTED]


def parse_crs(raw: str | None, parameter: str = "crs") -> SupportedCrs:
    """Return the supported CRS named by a URI (or EPSG:n / [EPSG:n] / URN); CRS84 when absent.

    Raises InvalidParameter (400) for anything else.
    """
    if raw is None or raw.strip() == "":
        return _BY_URI[CRS84]
    text = raw.strip()
    match = _URI.match(text) or _SHORT.match(text)
    if match:
        authority, code = match.group(1).upper(), match.group(2)
        uri = CRS84 if (authority, code.upper()) == ("OGC", "CRS84") else (
            EPSG_URI.format(code=code) if authority == "EPSG" else None
        )
        if uri in _BY_URI:
            return _BY_URI[uri]
    raise InvalidParameter("ogcapi_error_crs", parameter=parameter, value=raw, supported=", ".join(crs_uris()))


@functools.lru_cache(maxsize=32)
def transformer(source: str, target: str) -> Transformer:
    """Return a transformer between two pyproj ids, in each CRS's authority axis order."""
    return Transformer.from_crs(CRS(source), CRS(target), always_xy=False)


def transform_geometries(geometries, target: SupportedCrs):
    """Return CRS84 geometries in `target`, rounded to its output precision."""
    geoms = np.asarray(geometries, dtype=object)
    if target.uri == CRS84:
        return shapely.transform(geoms, lambda xy: np.round(xy, target.decimals))
    forward = transformer("OGC:CRS84", target.pyproj_id)

    def project(xy):
        a, b = forward.transform(xy[:, 0], xy[:, 1])
        return np.round(np.column_stack([a, b]), target.decimals)

    return shapely.transform(geoms, project)


def bbox_in_crs84(bbox: tuple[float, float, float, float], source: SupportedCrs):
    """Return a bbox given in `source` (its axis order) as a CRS84 polygon."""
    box = shapely.box(*bbox)
    if source.uri == CRS84:
        return box
    dense = shapely.segmentize(box, max_segment_length=max(bbox[2] - bbox[0], bbox[3] - bbox[1]) / 32 or 1)
    backward = transformer(source.pyproj_id, "OGC:CRS84")
    return shapely.transform(dense, lambda xy: np.column_stack(backward.transform(xy[:, 0], xy[:, 1])))


def content_crs_header(target: SupportedCrs) -> str:
    """Return the value of the Content-Crs header."""
    return f"<{target.uri}>"
