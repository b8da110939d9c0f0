"""Per-application state reached from request handlers."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app, g

from geoapp.data.dataset import Dataset, DatasetCache
from geoapp.maps.simplify import warm
from geoapp.storage import Store
from geoapp.util import LRU


@dataclass
class AppState:
    settings: dict
    store: Store
    datasets: DatasetCache
    cache: LRU = field(default_factory=lambda: LRU(256))


def state() -> AppState:
    """Return the current app's state."""
    return current_app.extensions["geoapp"]


def dataset() -> Dataset:
    """Return the published dataset, its version checked once per request so that a request sees one version."""
    if "dataset" not in g:
        g.dataset = state().datasets.get()
        warm(g.dataset.communes, g.dataset.version)  # coarse map geometry of a large layer, in the background
    return g.dataset


def setting(key: str):
    return state().settings[key]
