"""Geometry per zoom band: simplified together (no new gaps or overlaps), fewer vertices, built once."""

from __future__ import annotations

import json

import numpy as np
import pytest
import shapely

from benchmarks.synthetic import synthetic_communes
from geoapp.data.dataset import read_default_boundaries
from geoapp.config import GEODATA_DIR
from geoapp.maps import simplify
from geoapp.maps.simplify import BANDS, band_for_zoom, band_geometry, is_memoized, parse_band, simplify_coverage
from geoapp.errors import BadRequest

AREA_EPS = 1e-10  # square degrees, about 1 m²


def overlap_pairs(geoms) -> set[tuple[int, int]]:
    """Return the pairs of units whose interiors overlap."""
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    areas = shapely.area(shapely.intersection(geoms[left], geoms[right]))
    return {(int(a), int(b)) for a, b, area in zip(left, right, areas) if area > AREA_EPS}


def gap_count(geoms) -> int:
    """Return the number of holes in the union of the units."""
    union = shapely.union_all(geoms)
    return sum(
        1 for part in shapely.get_parts(union) for ring in part.interiors
        if shapely.Polygon(ring).difference(union).area > AREA_EPS
    )


@pytest.fixture(scope="module")
def small_coverage():
    return synthetic_communes(200, vertices=300, seed=3).geometry.values


def test_synthetic_coverage_is_valid(small_coverage):
    assert shapely.coverage_is_valid(small_coverage)
    assert shapely.get_num_coordinates(small_coverage).mean() > 200


@pytest.mark.parametrize("band", ["mid", "low"])
def test_simplified_synthetic_coverage_has_no_gaps_or_overlaps(small_coverage, band):
    simplified = simplify_coverage(small_coverage, BANDS[band][0])
    assert shapely.is_valid(simplified).all()
    assert shapely.coverage_is_valid(simplified)
    assert overlap_pairs(simplified) == set()
    assert gap_count(simplified) == 0
    assert shapely.get_num_coordinates(simplified).sum() < shapely.get_num_coordinates(small_coverage).sum() / 2


def test_shipped_communes_gain_no_gaps_or_overlaps():
    communes = read_default_boundaries(GEODATA_DIR)
    geoms = communes.geometry.values
    before_pairs, before_gaps = overlap_pairs(geoms), gap_count(geoms)
    for band in ("mid", "low"):
        simplified = simplify_coverage(geoms, BANDS[band][0])
        assert shapely.is_valid(simplified).all()
        assert overlap_pairs(simplified) <= before_pairs
        assert gap_count(simplified) <= before_gaps
    low = simplify_coverage(geoms, BANDS["low"][0])
    assert shapely.get_num_coordinates(low).sum() < shapely.get_num_coordinates(geoms).sum() / 2


def test_bands_by_zoom_and_parsing():
    assert [band_for_zoom(z) for z in (5, 7, 8, 10, 11, 16)] == ["low", "low", "mid", "mid", "full", "full"]
    assert parse_band(None) == "full" and parse_band("LOW") == "low"
    with pytest.raises(BadRequest):
        parse_band("tiny")


def test_band_is_built_once_per_version(monkeypatch):
    communes = synthetic_communes(60, vertices=120, seed=5)
    calls = []
    real = simplify.simplify_coverage
    monkeypatch.setattr(simplify, "simplify_coverage", lambda g, t: calls.append(t) or real(g, t))
    assert not is_memoized("v-test-1", "low")
    first = band_geometry(communes, "v-test-1", "low")
    assert is_memoized("v-test-1", "low") and is_memoized("v-test-1", "mid")
    built = len(calls)
    again = band_geometry(communes, "v-test-1", "low")
    assert len(calls) == built == 2  # mid, then low from mid; nothing on the second call
    assert again is first
    band_geometry(communes, "v-test-2", "low")
    assert len(calls) == 4  # a new data version builds again


def test_boundaries_endpoint_serves_bands(client):
    full = client.get("/api/boundaries.geojson?district=all").get_json()
    low = client.get("/api/boundaries.geojson?district=all&detail=low").get_json()
    mid = client.get("/api/boundaries.geojson?district=183&detail=mid").get_json()
    assert [f["properties"]["code"] for f in low["features"]] == [f["properties"]["code"] for f in full["features"]]
    count = lambda data: sum(shapely.get_num_coordinates(shapely.from_geojson(json.dumps(f["geometry"]))) for f in data["features"])
    assert count(low) < count(full) / 2
    assert {f["properties"]["district"] for f in mid["features"]} == {"183"}
    bad = client.get("/api/boundaries.geojson?detail=tiny")
    assert bad.status_code == 400


@pytest.mark.browser
def test_map_loads_coarse_band_then_finer_on_zoom(live_server, offline_page):
    page = offline_page.page
    requested = []
    page.on("request", lambda r: requested.append(r.url) if "boundaries.geojson" in r.url else None)
    page.goto(live_server.url + "/maps/ntm_level?district=all")
    page.wait_for_selector(".folium-map[data-state=ready]", timeout=15000)
    first = page.get_attribute(".folium-map", "data-detail")
    assert first in ("low", "mid") and f"detail={first}" in requested[0]
    features = page.get_attribute(".folium-map", "data-features")
    page.evaluate("""() => { const e = Object.values(window.geoappMaps)[0]; e.map.setZoom(13, {animate: false}); }""")
    page.wait_for_selector(".folium-map[data-detail=full]", timeout=15000)
    assert any("detail=full" in url for url in requested)
    assert page.locator("path.leaflet-interactive[data-code]").count() == int(features)
    assert offline_page.errors == []


def test_large_coverages_are_simplified_ahead_of_the_first_request():
    communes = synthetic_communes(40, vertices=60, seed=9)
    assert simplify.warm(communes, "v-warm-1") is None  # small: built on demand
    thread = simplify.warm(communes, "v-warm-1", min_units=10)
    assert thread is not None
    thread.join(60)
    assert is_memoized("v-warm-1", "low") and is_memoized("v-warm-1", "mid")
    assert simplify.warm(communes, "v-warm-1", min_units=10) is None  # already built


def test_bands_of_each_edition_are_separate_entries(client):
    low_2025 = client.get("/api/boundaries.geojson?units=2025&district=all&detail=low").get_json()
    full_2025 = client.get("/api/boundaries.geojson?units=2025&district=all").get_json()
    low_2021 = client.get("/api/boundaries.geojson?units=2021&district=all&detail=low").get_json()
    codes = lambda data: [f["properties"]["code"] for f in data["features"]]
    assert len(low_2025["features"]) == 65 and codes(low_2025) == codes(full_2025)
    assert len(low_2021["features"]) == 194
    count = lambda data: sum(shapely.get_num_coordinates(shapely.from_geojson(json.dumps(f["geometry"]))) for f in data["features"])
    assert count(low_2025) < count(full_2025)
    former = client.get("/api/boundaries.geojson?units=2025&district=183&detail=mid").get_json()
    assert 0 < len(former["features"]) < 65
