"""Two years compared: one classification over both years, and the change between them."""

import dataclasses

import numpy as np
import pandas as pd
import pytest

from geoapp.catalog import Category, Indicator
from geoapp.errors import BadRequest
from geoapp.maps.classify import NODATA_CLASS, classify
from geoapp.maps.compare import (
    NO_CHANGE_COLOR,
    build_change_view,
    build_comparison,
    change_status,
    change_values,
    classify_level_change,
    classify_numeric_change,
)
from geoapp.maps.view import build_map_view

COUNT = Indicator("schools", "p", "commune", "numeric", {"vi": "Trường", "en": "Schools"},
                  unit={"vi": "trường", "en": "schools"})
SHARE = Indicator("share", "p", "commune", "numeric", {"vi": "Tỷ lệ", "en": "Share"}, unit={"vi": "%", "en": "%"})
LEVEL = Indicator("level", "p", "commune", "ordinal", {"vi": "Mức", "en": "Level"}, categories=(
    Category("a", {"vi": "A", "en": "A"}, "#111111"),
    Category("b", {"vi": "B", "en": "B"}, "#222222"),
    Category("c", {"vi": "C", "en": "C"}, "#333333"),
))
KIND = dataclasses.replace(LEVEL, kind="categorical")


def shifted(dataset, indicator_id, year, amount):
    """Return the dataset with one indicator-year's values raised by `amount`."""
    values = dataset.values.copy()
    rows = (values["indicator"] == indicator_id) & (values["year"] == year)
    values.loc[rows, "value"] = (pd.to_numeric(values.loc[rows, "value"]) + amount).map(lambda v: f"{v:g}")
    return dataclasses.replace(dataset, values=values)


def test_both_years_share_one_classification_computed_over_both(dataset):
    data = shifted(dataset, "schools_total", 2021, 100)  # every 2021 value is far above every 2020 value
    comparison = build_comparison(data, "schools_total", year=2021, compare=2020, district="all", k=4)
    before, after = comparison.views
    assert (before.year, after.year) == (2020, 2021)
    both = pd.concat([before.frame["value"], after.frame["value"]], ignore_index=True)
    expected = classify(both, before.indicator, "quantiles", 4)
    assert comparison.classification.bins == expected.bins
    assert before.classification.bins == after.classification.bins == expected.bins
    # colours mean the same on both maps: 2021 communes sit in the upper classes, 2020 in the lower
    assert before.frame["cls"].max() < after.frame["cls"].min()
    colour_of = {i: e.color for i, e in enumerate(expected.entries)}
    for view in comparison.views:
        assert list(view.frame["color"]) == [colour_of[c] for c in view.frame["cls"]]
    # each map drawn alone would have spread its own values over every class
    alone = build_map_view(data, "schools_total", year=2021, district="all", k=4)
    assert alone.frame["cls"].min() == 0
    # per-year counts add up to the shared legend's counts and to the number of units
    counts = comparison.counts
    assert [a + b for a, b in zip(counts[2020], counts[2021])] == [e.count for e in expected.entries] + [expected.nodata.count]
    assert sum(counts[2020]) == sum(counts[2021]) == len(before.frame) == 194


def test_same_value_same_colour_in_both_years(dataset):
    comparison = build_comparison(dataset, "schools_total", year=2020, compare=2021, district="183")
    before, after = (view.frame.set_index("commune_code") for view in comparison.views)
    same = before["value"] == after["value"]
    assert same.any()
    assert (before.loc[same, "color"] == after.loc[same, "color"]).all()
    legend = comparison.legend()
    assert legend[-1]["cls"] == NODATA_CLASS and all(len(row["counts"]) == 2 for row in legend)


def test_ordinal_comparison_keeps_category_colours(dataset):
    comparison = build_comparison(dataset, "ntm_level", year=2021, compare=2020, district="183")
    for view in comparison.views:
        for rec in view.frame.itertuples():
            if rec.cls >= 0:
                assert rec.color == view.indicator.categories[rec.cls].color
    rows = comparison.rows()
    assert len(rows) == 22 and {c["year"] for c in rows[0]["years"]} == {2020, 2021}
    assert all(c["label"] for row in rows for c in row["years"])


def test_years_are_checked(dataset):
    with pytest.raises(BadRequest) as same:
        build_comparison(dataset, "ntm_level", year=2021, compare=2021)
    assert same.value.key == "error_compare_same_year"
    with pytest.raises(BadRequest) as missing:
        build_change_view(dataset, "ntm_level", year=2021, compare=None)
    assert missing.value.key == "error_compare_year_missing"
    with pytest.raises(BadRequest) as unknown:
        build_comparison(dataset, "ntm_level", year=2021, compare=1999)
    assert unknown.value.key == "error_bad_year"


def test_numeric_change_is_the_difference():
    change = change_values(pd.Series(["1", "3", "", "5", "2.5"]), pd.Series(["4", "3", "2", "", "1"]), COUNT)
    assert change.iloc[0] == 3 and change.iloc[1] == 0 and change.iloc[4] == -1.5
    assert change.iloc[2:4].isna().all()


def test_numeric_change_classes_diverge_around_zero():
    change = pd.Series([-3.0, -1.0, 0.0, 1.0, 2.0, 3.0, np.nan])
    cls = classify_numeric_change(change, COUNT, "vi")
    labels = [e.label for e in cls.entries]
    assert labels == ["Giảm 3 trường", "Giảm 2 trường", "Giảm 1 trường", "Không đổi",
                      "Tăng 1 trường", "Tăng 2 trường", "Tăng 3 trường"]
    zero = labels.index("Không đổi")
    assert cls.entries[zero].color == NO_CHANGE_COLOR
    assert list(cls.classes) == [0, 2, 3, 4, 5, 6, NODATA_CLASS]
    assert cls.bins == [-3, -2, -1, 0, 1, 2, 3]  # symmetric about 0
    assert cls.nodata.count == 1 and sum(e.count for e in cls.entries) == 6
    falls, rises = cls.entries[:zero], cls.entries[zero + 1:]
    assert len(falls) == len(rises) and not {e.color for e in falls} & {e.color for e in rises}


def test_numeric_change_in_english_and_with_decimals():
    cls = classify_numeric_change(pd.Series([-0.5, 1.2, 9.0, 0.0]), SHARE, "en")
    labels = [e.label for e in cls.entries]
    assert labels[3] == "No change" and labels[-1].startswith("Up > ") and labels[-1].endswith("9 percentage points")
    assert list(cls.classes) == [2, 4, 6, 3]
    vi = classify_numeric_change(pd.Series([-0.5, 1.25, 9.0]), SHARE, "vi")
    assert vi.entries[-1].label == "Tăng > 6 – 9 điểm %" and vi.entries[4].label == "Tăng > 0 – 3 điểm %"


def test_only_no_change_when_nothing_moved():
    cls = classify_numeric_change(pd.Series([0.0, 0.0, np.nan]), COUNT, "vi")
    assert [e.label for e in cls.entries] == ["Không đổi"] and list(cls.classes) == [0, 0, NODATA_CLASS]


def test_ordinal_change_counts_levels_moved():
    before = pd.Series(["a", "b", "c", "a", "", "x"])
    after = pd.Series(["c", "b", "a", "b", "a", "a"])
    change = change_values(before, after, LEVEL)
    assert list(change.iloc[:4]) == [1, 0, -1, 1] and change.iloc[4:].isna().all()
    cls = classify_level_change(change, LEVEL, "en")
    assert [e.label for e in cls.entries] == ["Moved down a level", "Stayed at the same level", "Moved up a level"]
    assert [e.count for e in cls.entries] == [1, 1, 2] and cls.nodata.count == 2


def test_categorical_change_is_changed_or_unchanged():
    change = change_values(pd.Series(["a", "b", ""]), pd.Series(["a", "c", "a"]), KIND)
    cls = classify_level_change(change, KIND, "vi")
    assert [e.label for e in cls.entries] == ["Không thay đổi", "Có thay đổi"]
    assert list(cls.classes) == [0, 1, NODATA_CLASS]


def test_a_change_is_illustrative_if_either_value_is_and_never_a_fact():
    status = change_status(pd.Series(["fact", "fact", "illustrative", ""]), pd.Series(["fact", "illustrative", "fact", ""]))
    assert list(status) == ["derived", "illustrative", "illustrative", ""]


def test_change_view_over_the_province(dataset):
    view = build_change_view(dataset, "defence_drills", year=2021, compare=2020, district="all", lang="vi")
    before = build_map_view(dataset, "defence_drills", year=2020, district="all").frame.set_index("commune_code")
    after = build_map_view(dataset, "defence_drills", year=2021, district="all").frame.set_index("commune_code")
    for row in view.rows():
        expected = float(after.at[row["code"], "value"]) - float(before.at[row["code"], "value"])
        assert row["raw"] == pytest.approx(expected)
        if expected > 0:
            assert row["value"].startswith("+") and row["label"].startswith("Tăng")
        elif expected < 0:
            assert row["value"].startswith("-") and row["label"].startswith("Giảm")
    assert view.illustrative and view.title == "Thay đổi: Số cuộc diễn tập quốc phòng, an ninh"
    assert view.subtitle == "Toàn tỉnh Lạng Sơn, từ năm 2020 đến năm 2021"
    payload = view.payload()
    assert payload["years"] == [2020, 2021] and len(payload["values"]) == 194
    moved = [v for v in payload["values"].values() if v["raw"]]
    assert moved and all("→" in v["value"] for v in moved)


def test_ordinal_change_view_on_real_data(dataset):
    view = build_change_view(dataset, "ntm_level", year=2020, compare=2021, district="183", lang="vi")
    assert view.years == (2020, 2021)
    order = {c.value: i for i, c in enumerate(view.indicator.categories)}
    before = build_map_view(dataset, "ntm_level", year=2020, district="183").frame.set_index("commune_code")["value"]
    after = build_map_view(dataset, "ntm_level", year=2021, district="183").frame.set_index("commune_code")["value"]
    for row in view.rows():
        a, b = before[row["code"]], after[row["code"]]
        if a in order and b in order:
            assert row["raw"] == np.sign(order[b] - order[a])
        else:
            assert row["cls"] == NODATA_CLASS and row["raw"] is None
