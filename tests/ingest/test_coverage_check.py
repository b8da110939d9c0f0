"""The neighbour-based coverage check finds the same gaps and overlaps on a synthetic coverage."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from benchmarks.synthetic import synthetic_communes
from geoapp.ingest.geometry import coverage, union_holes


@pytest.fixture(scope="module")
def layer():
    frame = synthetic_communes(150, vertices=60, seed=2)
    return frame.rename(columns={"ma_xa": "commune_code", "ten_xa": "commune_name"})


def test_a_valid_coverage_has_no_findings(layer):
    report = coverage(layer, np.ones(len(layer), dtype=bool))
    assert report == {"valid": True, "invalid_edges": [], "overlaps": [], "gaps": []}


def test_a_hole_and_an_overlap_are_found(layer):
    frame = layer.copy()
    centre = shapely.centroid(frame.geometry.iloc[10])
    frame.loc[frame.index[10], "geometry"] = frame.geometry.iloc[10].difference(centre.buffer(0.01))
    frame.loc[frame.index[40], "geometry"] = frame.geometry.iloc[40].buffer(0.005)
    report = coverage(frame, np.ones(len(frame), dtype=bool))
    assert not report["valid"]
    assert [g["neighbours"] for g in report["gaps"]] == [[frame["commune_code"].iloc[10]]]
    overlapping = {c for o in report["overlaps"] for c in o["codes"]}
    assert frame["commune_code"].iloc[40] in overlapping and len(report["overlaps"]) >= 3


def test_a_unit_inside_another_is_an_overlap(layer):
    frame = layer.copy()
    inner = shapely.centroid(frame.geometry.iloc[5]).buffer(0.005)
    frame.loc[frame.index[6], "geometry"] = inner  # unit 6 now sits inside unit 5 (and leaves a hole)
    report = coverage(frame, np.ones(len(frame), dtype=bool))
    pairs = [sorted(o["codes"]) for o in report["overlaps"]]
    assert sorted(frame["commune_code"].iloc[[5, 6]]) in pairs
    assert report["gaps"]


def test_only_findings_near_the_uploaded_units_are_listed(layer):
    frame = layer.copy()
    frame.loc[frame.index[40], "geometry"] = frame.geometry.iloc[40].buffer(0.005)
    focus = np.zeros(len(frame), dtype=bool)
    focus[100] = True
    far = coverage(frame, focus)
    assert far["overlaps"] == [] and far["invalid_edges"] == []


def test_holes_from_unshared_edges_are_the_holes_of_the_union(layer):
    geoms = np.asarray(layer.geometry.values, dtype=object).copy()
    geoms[10] = geoms[10].difference(shapely.centroid(geoms[10]).buffer(0.01))  # a hole
    centre = shapely.centroid(geoms[20])
    geoms[20] = geoms[20].difference(centre.buffer(0.02))
    geoms = np.append(geoms, centre.buffer(0.005))  # a hole with a unit inside it
    flawed = ~shapely.is_empty(shapely.coverage_invalid_edges(geoms))
    assert not flawed.any()  # so the fast path is taken
    union = shapely.coverage_union_all(geoms)
    expected = [shapely.Polygon(ring).difference(union) for part in shapely.get_parts(union) for ring in part.interiors]
    found = union_holes(geoms, flawed)
    assert len(found) == len(expected) == 2
    key = lambda g: round(float(g.area), 12)
    for a, b in zip(sorted(found, key=key), sorted(expected, key=key)):
        assert shapely.equals(a, b)
    assert union_holes(np.asarray(layer.geometry.values, dtype=object), np.zeros(len(layer), dtype=bool)) == []
