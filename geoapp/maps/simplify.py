"""Commune geometry per zoom band, simplified once per published version without opening gaps.

Shared edges are simplified once for both neighbours (`shapely.coverage_simplify`), so a
simplified coverage has no new gaps or overlaps. The coarse bands are built once per data
version (per boundary edition) and kept as entries of a small in-process `MemoryCache` keyed by
the data version; "full" is the published geometry.
"""

from __future__ import annotations

import threading

import geopandas as gpd
import numpy as np
import shapely

from geoapp.cache import CacheKey, MemoryCache
from geoapp.errors import BadRequest

FULL = "full"
# Tolerance in degrees (about 400 m and 80 m) and the decimals kept in GeoJSON for each band.
BANDS: dict[str, tuple[float | None, int | None]] = {"low": (0.004, 3), "mid": (0.0008, 4), FULL: (None, None)}
# The most zoomed-in (Leaflet) level at which each coarse band is still finer than a screen pixel.
MAX_ZOOM = {"low": 7, "mid": 10}

# Coverages at least this large are simplified in the background as soon as their version is loaded.
WARM_MIN_UNITS = 1000

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


def band_key(version: str, edition: str, band: str) -> CacheKey:
    """Return the cache key of one edition's units in a band for a data version."""
    return CacheKey(version, f"units={edition}", f"geometry-{band}")


def band_geometry(communes: gpd.GeoDataFrame, version: str, band: str, edition: str = "") -> gpd.GeoSeries:
    """Return all units' geometry of an edition in a band, built once per (data version, edition, band)."""
    if band == FULL:
        return communes.geometry
    key = band_key(version, edition, band)
    built = BAND_CACHE.peek(key)
    if built is not None:
        return built
    with _building:  # one build per key, even when requests arrive together
        return BAND_CACHE.get_or_build(key, lambda: _build_band(communes, version, band, edition))


def _build_band(communes: gpd.GeoDataFrame, version: str, band: str, edition: str) -> gpd.GeoSeries:
    bands = [b for b, (tol, _) in BANDS.items() if tol is not None]
    position = bands.index(band)
    if position + 1 < len(bands):
        finer = band_geometry(communes, version, bands[position + 1], edition)
        simplified = simplify_coverage(finer.values, BANDS[band][0])
    else:
        simplified = simplify_coverage(communes.geometry.values, BANDS[band][0])
    return gpd.GeoSeries(simplified, index=communes.index, crs=communes.crs)


def band_units(
    communes: gpd.GeoDataFrame, units: gpd.GeoDataFrame, version: str, band: str, edition: str = ""
) -> gpd.GeoDataFrame:
    """Return `units` (a subset of `communes`, all units of `edition`) with their geometry in a band."""
    if band == FULL:
        return units
    geometry = band_geometry(communes, version, band, edition)
    return units.set_geometry(geometry.loc[units.index].values, crs=units.crs)


def is_memoized(version: str, band: str, edition: str = "") -> bool:
    """True when a band of a data version (and edition) is already built."""
    return band == FULL or BAND_CACHE.peek(band_key(version, edition, band)) is not None


def warm(
    communes: gpd.GeoDataFrame, version: str, edition: str = "", *, min_units: int = WARM_MIN_UNITS
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
            band_geometry(communes, version, "low", edition)
        finally:
            with _warming_guard:
                _warming.discard(job)

    thread = threading.Thread(target=build, name="geoapp-simplify", daemon=True)
    thread.start()
    return thread
