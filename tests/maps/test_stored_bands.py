"""Detail bands are built once, when a layer is published, and stored with its version: requests read them."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
import shapely

from geoapp import create_app
from geoapp.cache import MemoryCache
from geoapp.config import GEODATA_DIR, load_settings
from geoapp.data.dataset import ensure_store, load_dataset
from geoapp.ingest import publish
from geoapp.maps import simplify
from geoapp.maps.simplify import COARSE, build_bands


@pytest.fixture
def calls(monkeypatch):
    """Count the simplifications (each band built is one call), with a band cache of its own."""
    made = []
    real = simplify.simplify_coverage
    monkeypatch.setattr(simplify, "simplify_coverage", lambda geoms, tolerance: made.append(tolerance) or real(geoms, tolerance))
    monkeypatch.setattr(simplify, "BAND_CACHE", MemoryCache(8))
    return made


@pytest.fixture
def loaded(backend_settings):
    """A store of each backend with the built-in data."""
    store = ensure_store(load_settings(backend_settings))
    yield store
    if hasattr(store, "close"):
        store.close()


def geojson(frame) -> bytes:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return frame.to_json(drop_id=True).encode("utf-8")


def features(client, band: str) -> list:
    response = client.get(f"/api/boundaries.geojson?district=all&detail={band}")
    assert response.status_code == 200
    return response.get_json()["features"]


def coordinates(feature) -> int:
    return int(shapely.get_num_coordinates(shapely.from_geojson(json.dumps(feature["geometry"]))))


def test_an_upload_is_published_with_its_bands_and_requests_read_them(loaded, backend_settings, tmp_path, calls):
    root = tmp_path / "pending"
    frame = loaded.read_boundaries()
    frame.loc[0, "commune_name"] = "Tên mới"
    pending, check = publish.dry_run(load_dataset(loaded, GEODATA_DIR), "boundaries", "new.geojson", geojson(frame), {},
                                     root=root, author="ed")
    assert check.ok
    publish.publish_pending(loaded, load_dataset(loaded, GEODATA_DIR), pending, "ed", "renamed one commune", root=root)
    assert len(calls) == len(COARSE)  # built once, at publishing
    published = loaded.read_boundaries()
    expected = build_bands(published.geometry.values)
    for band in COARSE:
        stored = loaded.read_band(band)
        assert len(stored) == len(published)
        assert shapely.equals_exact(stored, expected[band], tolerance=0).all()
    calls.clear()

    client = create_app(backend_settings).test_client()
    for band in COARSE:
        served = features(client, band)
        assert [f["properties"]["code"] for f in served] == list(published["commune_code"])
        assert sum(map(coordinates, served)) < shapely.get_num_coordinates(published.geometry.values).sum()
    assert calls == []  # read from the store, not simplified on the request path


def test_data_published_without_bands_are_simplified_on_first_use(loaded, backend_settings, calls):
    assert all(loaded.read_band(band) is None for band in COARSE)  # the built-in layer
    client = create_app(backend_settings).test_client()
    assert len(features(client, "low")) == len(loaded.read_boundaries())
    assert len(calls) == len(COARSE)  # mid, then low from mid


def test_rollback_serves_the_bands_of_the_version_rolled_back_to(loaded, backend_settings, calls):
    frame = loaded.read_boundaries()
    real = build_bands(frame.geometry.values)
    boxes = {band: shapely.envelope(frame.geometry.values) for band in COARSE}  # recognisable: 5 points each
    v2 = loaded.publish("boundaries", frame, author="ed", comment="real bands", base_version=1, bands=real)
    v3 = loaded.publish("boundaries", frame, author="ed", comment="box bands", base_version=v2, bands=boxes)
    calls.clear()
    client = create_app(backend_settings).test_client()
    assert {coordinates(f) for f in features(client, "low")} == {5}
    publish.rollback(loaded, "boundaries", v2, "ed", "back to the real bands", base_version=v3)
    after = features(client, "low")
    assert sum(map(coordinates, after)) > 5 * len(after)  # no longer the boxes of version 3
    assert shapely.equals_exact(loaded.read_band("low"), real["low"], tolerance=0).all()
    assert calls == []  # and not built again: the bands stored with version 2


def test_bands_round_trip_and_attributes_without_geometry(loaded):
    frame = loaded.read_boundaries()
    geoms = frame.geometry.values.copy()
    geoms[3] = None
    version = loaded.publish("boundaries", frame, author="ed", comment="bands", base_version=1,
                             bands={"low": geoms, "mid": frame.geometry.values})
    low = loaded.read_band("low", version)
    assert low[3] is None and shapely.equals_exact(np.delete(low, 3), np.delete(geoms, 3), tolerance=0).all()
    assert loaded.read_band("low", 1) is None  # the built-in version has none
    assert loaded.read_band("tiny", version) is None
    attributes = loaded.read_boundary_attributes(version)
    assert "geometry" not in attributes and attributes.equals(frame.drop(columns="geometry"))
    with pytest.raises(ValueError):
        loaded.publish("boundaries", frame, author="ed", comment="short band", base_version=version,
                       bands={"low": geoms[:5]})
    assert loaded.published_versions()["boundaries"] == version  # nothing published


def test_a_table_check_needs_no_shapes(loaded):
    full = load_dataset(loaded, GEODATA_DIR)
    attributes_only = load_dataset(loaded, GEODATA_DIR, geometry=False)
    assert attributes_only.communes.geometry.isna().all()
    assert attributes_only.communes.drop(columns="geometry").equals(full.communes.drop(columns="geometry"))
