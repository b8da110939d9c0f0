"""Commune geometry per zoom band, simplified once per published version without opening gaps.

Shared edges are simplified once for both neighbours (`shapely.coverage_simplify`), so a
simplified coverage has no new gaps or overlaps. An uploaded layer's coarse bands are built
when it is published (`build_bands`) and stored with its version; a worker reads them from the
store. Data published without them (the built-in layers) are simplified on first use. Either
way a band is kept as an entry of a small in-process `MemoryCache` keyed by the data version
(per boundary edition); "full" is the published geometry.
"""

from __future__ import annotations

import logging
import threading
from typing import Callable

import geopandas as gpd
import numpy as np
import shapely

from geoapp.cache import CacheKey, MemoryCache
from geoapp.errors import BadRequest
from geoapp.storage.base import boundary_frame, is_boundary_kind

logger = logging.getLogger(__name__)

FULL = "full"
# Tolerance in degrees (about 400 m and 80 m) and the decimals kept in GeoJSON for each band.
BANDS: dict[str, tuple[float | None, int | None]] = {"low": (0.004, 3), "mid": (0.0008, 4), FULL: (None, None)}
COARSE = [band for band, (tolerance, _) in BANDS.items() if tolerance is not None]  # coarsest first
# The most zoomed-in (Leaflet) level at which each coarse band is still finer than a screen pixel.
MAX_ZOOM = {"low": 7, "mid": 10}

# Coverages at least this large are simplified in the background as soon as their version is loaded.
WARM_MIN_UNITS = 1000

StoredBand = Callable[[str], "np.ndarray | None"]  # band -> the geometry stored with the published version

BAND_CACHE = MemoryCache(8)  # coarse geometry of the current data version, per edition and band
_warming: set[tuple[str, str]] = set()
_warming_guard = threading.Lock()
_building = threading.RLock()  # one build at a time (re-entrant: a coarse band starts from the finer one)


def parse_band(raw: str | None) -> str:
    """Return the requested detail band (default: full) or raise BadRequest."""
    band = (raw or FULL).strip().lower()
    if band not in BANDS:
        raise BadRequest("error_bad_detail", detail=raw, choices=", ".join(BANDS))
    return band


def band_for_zoom(zoom: float) -> str:
    """Return the coarsest band detailed enough for a map zoom level."""
    for band, max_zoom in MAX_ZOOM.items():
        if zoom <= max_zoom:
            return band
    return FULL


def band_decimals(band: str, full_decimals: int) -> int:
    """Return how many coordinate decimals a band's GeoJSON keeps."""
    decimals = BANDS[band][1]
    return full_decimals if decimals is None else min(decimals, full_decimals)


def simplify_coverage(geoms, tolerance: float) -> np.ndarray:
    """Return the geometries simplified together: each shared edge once, so no gaps or overlaps appear."""
    geoms = np.asarray(geoms, dtype=object)
    present = ~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)
    out = geoms.copy()
    if present.any():
        out[present] = shapely.coverage_simplify(geoms[present], tolerance, simplify_boundary=True)
    return out


def build_bands(geoms) -> dict[str, np.ndarray]:
    """Return every coarse band of a layer's geometry (each from the next finer band), to store when publishing."""
    out: dict[str, np.ndarray] = {}
    finer = np.asarray(geoms, dtype=object)
    for band in reversed(COARSE):
        finer = out[band] = simplify_coverage(finer, BANDS[band][0])
    return out


def publish_bands(kind: str, frame) -> dict[str, np.ndarray] | None:
    """Return the coarse bands to store with a new version of `kind` (None for other kinds than boundaries).

    A layer that GEOS cannot simplify as a coverage is published without them (and fails on first use, as before).
    """
    if not is_boundary_kind(kind) or frame is None or len(frame) == 0:
        return None
    try:
        return build_bands(boundary_frame(frame).geometry.values)
    except shapely.errors.GEOSException:
        logger.warning("boundaries published without stored detail bands: the layer could not be simplified")
        return None


def band_key(version: str, edition: str, band: str) -> CacheKey:
    """Return the cache key of one edition's units in a band for a data version."""
    return CacheKey(version, f"units={edition}", f"geometry-{band}")


def band_geometry(communes: gpd.GeoDataFrame, version: str, band: str, edition: str = "",
                  stored: StoredBand | None = None) -> gpd.GeoSeries:
    """Return all units' geometry of an edition in a band, once per (data version, edition, band).

    `stored(band)` returns the band stored with the published version (None when there is
    none): it is read, not built.
    """
    if band == FULL:
        return communes.geometry
    key = band_key(version, edition, band)
    built = BAND_CACHE.peek(key)
    if built is not None:
        return built
    with _building:  # one build per key, even when requests arrive together
        return BAND_CACHE.get_or_build(key, lambda: _band(communes, version, band, edition, stored))


def _band(communes: gpd.GeoDataFrame, version: str, band: str, edition: str, stored: StoredBand | None) -> gpd.GeoSeries:
    geoms = stored(band) if stored is not None else None
    if geoms is None or len(geoms) != len(communes):
        geoms = _simplified(communes, version, band, edition, stored)
    return gpd.GeoSeries(geoms, index=communes.index, crs=communes.crs)


def _simplified(communes: gpd.GeoDataFrame, version: str, band: str, edition: str, stored: StoredBand | None) -> np.ndarray:
    position = COARSE.index(band)
    if position + 1 < len(COARSE):
        finer = band_geometry(communes, version, COARSE[position + 1], edition, stored).values
    else:
        finer = communes.geometry.values
    return simplify_coverage(finer, BANDS[band][0])


def band_units(
    communes: gpd.GeoDataFrame, units: gpd.GeoDataFrame, version: str, band: str, edition: str = "",
    stored: StoredBand | None = None,
) -> gpd.GeoDataFrame:
    """Return `units` (a subset of `communes`, all units of `edition`) with their geometry in a band."""
    if band == FULL:
        return units
    geometry = band_geometry(communes, version, band, edition, stored)
    return units.set_geometry(geometry.loc[units.index].values, crs=units.crs)


def is_memoized(version: str, band: str, edition: str = "") -> bool:
    """True when a band of a data version (and edition) is already built."""
    return band == FULL or BAND_CACHE.peek(band_key(version, edition, band)) is not None


def warm(
    communes: gpd.GeoDataFrame, version: str, edition: str = "", *, min_units: int = WARM_MIN_UNITS,
    stored: StoredBand | None = None,
) -> threading.Thread | None:
    """Start building the coarse bands of a large coverage in a background thread, once per version.

    A national layer takes seconds to simplify: done ahead of the first map request instead of in it.
    Returns the thread started, or None (small coverage, already built or being built).
    """
    if len(communes) < min_units or is_memoized(version, "low", edition):
        return None
    job = (version, edition)
    with _warming_guard:
        if job in _warming:
            return None
        _warming.add(job)

    def build() -> None:
        try:
            band_geometry(communes, version, "low", edition, stored)
        finally:
            with _warming_guard:
                _warming.discard(job)

    thread = threading.Thread(target=build, name="geoapp-simplify", daemon=True)
    thread.start()
    return thread
