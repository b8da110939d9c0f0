"""Fixtures of the upload-check tests: the shipped layer and table, as the store keeps them."""

from __future__ import annotations

import pytest

from geoapp.config import GEODATA_DIR, load_settings
from geoapp.data.dataset import ensure_store, read_default_boundaries, read_default_indicators
from geoapp.storage.base import boundary_frame, indicator_frame
from tests.ingest.uploads import CAO_LOC


@pytest.fixture
def published():
    return boundary_frame(read_default_boundaries(GEODATA_DIR))


@pytest.fixture
def cao_loc(published):
    return published[published["district_code"] == CAO_LOC].reset_index(drop=True)


@pytest.fixture
def values():
    return indicator_frame(read_default_indicators(GEODATA_DIR))



@pytest.fixture
def gpkg_store(settings):
    """The GeoPackage store of a fresh data directory (tests of the publishing workflow itself)."""
    return ensure_store(load_settings(settings))


@pytest.fixture
def pending_dir(tmp_path):
    return tmp_path / "pending"
