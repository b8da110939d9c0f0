"""Storage of published data: one small interface, a GeoPackage and a PostGIS backend."""

from __future__ import annotations

from pathlib import Path

from geoapp.storage.base import KINDS, Store, VersionInfo

__all__ = ["KINDS", "Store", "VersionInfo", "open_store"]


def open_store(settings: dict) -> Store:
    """Return the store chosen by the settings: PostGIS if DATABASE_URL is set, else GeoPackage."""
    url = settings.get("DATABASE_URL") or ""
    if url.startswith(("postgresql://", "postgres://", "postgresql+psycopg://")):
        from geoapp.storage.postgis import PostgisStore

        return PostgisStore(url)
    from geoapp.storage.gpkg import GeoPackageStore

    return GeoPackageStore(Path(settings["DATA_DIR"]) / "geoapp.gpkg")
