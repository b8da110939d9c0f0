"""Requests stay bounded at national scale: natural breaks on a sample, display values in one pass, big exports refused."""

from __future__ import annotations

import mapclassify
import numpy as np
import pandas as pd
import pytest

from geoapp import create_app
from geoapp.maps.classify import JENKS_SAMPLE, classify, jenks_sample, natural_breaks
from geoapp.maps.view import display_value, display_values


def test_jenks_sample_is_bounded_deterministic_and_keeps_the_extremes():
    values = np.random.default_rng(4).lognormal(2, 1, 20_000)
    sample = jenks_sample(values)
    assert len(sample) == JENKS_SAMPLE
    assert sample.min() == values.min() and sample.max() == values.max()
    assert np.array_equal(sample, jenks_sample(values[::-1]))  # order of the rows does not matter


def test_small_sets_use_every_value():
    values = np.random.default_rng(1).normal(50, 10, 200)
    expected = mapclassify.FisherJenks(values, k=5).bins
    assert np.allclose(natural_breaks(values, 5), expected)


def test_natural_breaks_of_many_values_come_from_the_sample(dataset):
    values = np.random.default_rng(7).lognormal(2, 1, 10_000)
    bins = natural_breaks(values, 5)
    assert len(bins) == 5 and bins[-1] == values.max()
    assert np.allclose(bins[:-1], mapclassify.FisherJenks(jenks_sample(values), k=5).bins[:-1])
    indicator = dataset.catalog.get("schools_total")
    result = classify(pd.Series([f"{v:.3f}" for v in values]), indicator, "natural_breaks", 5, lang="en")
    assert result.scheme == "natural_breaks" and len(result.entries) == 5
    assert sum(e.count for e in result.entries) == len(values)


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_display_values_match_one_at_a_time(dataset, lang):
    values = ["1234.5", "", None, float("nan"), "abc", "7", "0.25"]
    for ind_id in ("schools_total", "ntm_level"):
        indicator = dataset.catalog.get(ind_id)
        assert display_values(values, indicator, lang) == [display_value(v, indicator, lang) for v in values]


def test_export_of_too_many_communes_is_refused_with_a_message(settings):
    client = create_app({**settings, "EXPORT_MAX_UNITS": 10}).test_client()
    for lang, text in (("vi", "vượt quá giới hạn xuất tệp"), ("en", "more than the export limit of 10")):
        response = client.get(f"/maps/ntm_level.png?district=183&dpi=72&lang={lang}")
        assert response.status_code == 400
        assert text in response.get_data(as_text=True)
    allowed = create_app({**settings, "EXPORT_MAX_UNITS": 22}).test_client()
    assert allowed.get("/maps/ntm_level.png?district=183&dpi=72").status_code == 200
