import pytest

from geoapp.errors import BadRequest, NotFound
from geoapp.maps.view import build_map_view


def test_cao_loc_default_view(dataset):
    view = build_map_view(dataset, "ntm_level", district="183")
    assert len(view.frame) == 22
    assert view.year == 2021 and view.years == [2020, 2021]
    assert view.district_name == "Huyện Cao Lộc"
    assert view.illustrative
    row = view.frame.set_index("commune_code").loc["06220"]
    assert row["display"] == "NTM nâng cao"


def test_facts_keep_their_status(dataset):
    view = build_map_view(dataset, "ntm_level", year=2020, district="183")
    facts = view.frame[view.frame["status"] == "fact"]
    assert set(facts["commune_code"]) == {"06202", "06220", "06244"}


def test_wards_and_townships_are_not_assessed_for_ntm(dataset):
    view = build_map_view(dataset, "ntm_level", district="183")
    nodata = set(view.frame.loc[view.frame["cls"] < 0, "commune_code"])
    assert nodata == {"06184", "06187"}  # the two thị trấn
    assert view.classification.not_applicable.count == 2
    assert view.classification.nodata.count == 0


def test_whole_province(dataset):
    assert len(build_map_view(dataset, "ocop_total", district="all").frame) == 194


def test_errors(dataset):
    with pytest.raises(NotFound):
        build_map_view(dataset, "nope")
    with pytest.raises(NotFound):
        build_map_view(dataset, "ntm_level", district="999")
    with pytest.raises(NotFound):
        build_map_view(dataset, "grain_output")  # district-level figure
    with pytest.raises(BadRequest):
        build_map_view(dataset, "ntm_level", year="1999")
    with pytest.raises(BadRequest):
        build_map_view(dataset, "ntm_level", year="abc")


def test_display_values_in_english(dataset):
    view = build_map_view(dataset, "schools_total", district="183", lang="en")
    assert all(v.endswith("schools") for v in view.frame["display"])
    assert view.subtitle == "Huyện Cao Lộc, 2021"


def test_previous_year_is_shown_for_comparison(dataset):
    view = build_map_view(dataset, "ocop_3_star", year=2021, district="183")
    assert view.previous_year == 2020
    rows = {r["code"]: r for r in view.rows()}
    prev = dataset.values.query("indicator == 'ocop_3_star' and year == 2020").set_index("commune_code")["value"]
    assert rows["06202"]["previous"].split()[0] == prev["06202"]
    first = build_map_view(dataset, "ocop_3_star", year=2020, district="183")
    assert first.previous_year is None and all(r["previous"] == "" for r in first.rows())


def test_rows_carry_the_diacritic_free_search_key(dataset):
    keys = {row["key"] for row in build_map_view(dataset, "ntm_level", district="183", year=2021).rows()}
    assert "xuat le" in keys and "dong dang" in keys
