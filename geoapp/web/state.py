"""Per-application state reached from request handlers."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app, g

from geoapp.cache import DiskCache, MemoryCache, file_cache
from geoapp.data.dataset import Dataset, DatasetCache
from geoapp.maps.simplify import warm
from geoapp.storage import Store


@dataclass
class AppState:
    """The settings, the store, the published dataset of the current version and the caches."""

    settings: dict
    store: Store
    datasets: DatasetCache
    cache: MemoryCache = field(default_factory=MemoryCache)  # views and JSON bodies
    files: DiskCache | None = None  # exports, shared by the workers

    def __post_init__(self) -> None:
        if self.files is None:
            self.files = file_cache(self.settings)


def state() -> AppState:
    """Return the current app's state."""
    return current_app.extensions["geoapp"]


def dataset() -> Dataset:
    """Return the published dataset, its version checked once per request so that a request sees one version."""
    if "dataset" not in g:
        g.dataset = state().datasets.get()
        edition = g.dataset.default_edition  # coarse map geometry of a large layer, read or built in the background
        warm(g.dataset.communes, g.dataset.version, edition, stored=g.dataset.band_source(edition))
    return g.dataset


def setting(key: str):
    return state().settings[key]
