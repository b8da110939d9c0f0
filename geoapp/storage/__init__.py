"""Storage of published data: one small interface, a GeoPackage and a PostGIS backend."""

from __future__ import annotations

from pathlib import Path

from geoapp.stamp import stamp_of
from geoapp.storage.base import KINDS, Store, VersionInfo

__all__ = ["KINDS", "Store", "VersionInfo", "open_store"]


def open_store(settings: dict) -> Store:
    """Return the store chosen by the settings: PostGIS if DATABASE_URL is set, else GeoPackage."""
    url = settings.get("DATABASE_URL") or ""
    if url.startswith(("postgresql://", "postgres://", "postgresql+psycopg://")):
        from geoapp.storage.postgis import PostgisStore

        store: Store = PostgisStore(url)
    else:
        from geoapp.storage.gpkg import GeoPackageStore

        store = GeoPackageStore(Path(settings["DATA_DIR"]) / "geoapp.gpkg")
    store.stamp = stamp_of(settings)  # both backends: the stamp lives in the data directory
    return store
