"""Publish a large boundary layer and stop inside the write transaction, to be killed there.

Usage: publish_helper.py SETTINGS_JSON READY_FILE COPIES [PAUSE_AFTER_ROWS]

The layer is the published one repeated COPIES times. With PAUSE_AFTER_ROWS (GeoPackage),
SQLite's statement trace stops the process once that many rows have been inserted in the
open transaction: it writes READY_FILE and sleeps until it is killed. Without it (PostGIS),
READY_FILE is written just before publishing; the test pauses the transaction with a lock.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geoapp.config import load_settings
from geoapp.storage import open_store
from geoapp.storage.gpkg import GeoPackageStore


class PausingStore(GeoPackageStore):
    """A GeoPackage store whose connections stop after `pause_after` boundary rows were inserted."""

    def __init__(self, path, ready: Path, pause_after: int) -> None:
        super().__init__(path)
        self.ready = ready
        self.pause_after = pause_after
        self.inserted = 0

    def _connect(self):
        conn = super()._connect()
        conn.set_trace_callback(self._trace)
        return conn

    def _trace(self, statement: str) -> None:
        if not statement.startswith("INSERT INTO boundaries"):
            return
        self.inserted += 1
        if self.inserted == self.pause_after:
            self.ready.write_text(json.dumps({"inserted": self.inserted}))
            time.sleep(600)


def large_layer(store, copies: int) -> gpd.GeoDataFrame:
    """Return the published layer repeated `copies` times, with distinct codes."""
    base = store.read_boundaries()
    parts = []
    for i in range(copies):
        part = base.copy()
        part["commune_code"] = [f"{i:03d}{code}" for code in base["commune_code"]]
        parts.append(part)
    return gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), crs=base.crs)


def main(settings_json: str, ready: str, copies: str, pause_after: str | None = None) -> None:
    settings = load_settings(json.loads(settings_json))
    ready_path = Path(ready)
    if pause_after:
        store = PausingStore(Path(settings["DATA_DIR"]) / "geoapp.gpkg", ready_path, int(pause_after))
    else:
        store = open_store(settings)
    base = store.published_versions()["boundaries"]
    frame = large_layer(store, int(copies))
    if not pause_after:
        ready_path.write_text(json.dumps({"rows": len(frame)}))
    store.publish("boundaries", frame, author="killed", comment="never finished", base_version=base)
    print("published", flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:])
