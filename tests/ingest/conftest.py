"""Fixtures of the upload-check tests: the shipped layer and table, as the store keeps them."""

from __future__ import annotations

import pytest

from geoapp.config import GEODATA_DIR
from geoapp.data.dataset import read_default_boundaries, read_default_indicators
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

