"""Integer legends, "not applicable" units and user breaks written the Vietnamese way."""

import pandas as pd
import pytest

from geoapp.catalog import load_catalog
from geoapp.config import GEODATA_DIR
from geoapp.errors import BadRequest
from geoapp.maps.classify import NODATA_CLASS, NOT_APPLICABLE_CLASS, breaks_input_text, classify, parse_breaks


@pytest.fixture
def catalog():
    return load_catalog(GEODATA_DIR / "catalog.yaml")


def labels(result):
    return [e.label for e in result.entries]


def test_drills_equal_interval_has_whole_number_classes(catalog):
    values = pd.Series(["1", "2", "2", "3", "4", "1"])
    result = classify(values, catalog.get("defence_drills"), "equal_interval", 4)
    assert labels(result) == ["1", "2", "3", "4"]  # never "1 – 1,75"
    assert result.bins == [1.0, 2.0, 3.0, 4.0]
    assert list(result.classes) == [0, 1, 1, 2, 3, 0]


def test_count_ranges_read_as_integers_with_an_open_top_class(catalog):
    values = pd.Series(["1", "2", "3", "4", "5", "6", "9"])
    result = classify(values, catalog.get("schools_total"), "quantiles", 3)
    assert labels(result) == ["1–3", "4–5", "≥ 6"]
    assert [e.count for e in result.entries] == [3, 2, 2]


def test_ocop_single_value_class_reads_as_that_value(catalog):
    result = classify(pd.Series(["0", "1", "0", "2"]), catalog.get("ocop_3_star"), "equal_interval", 3)
    assert labels(result) == ["0", "1", "2"]  # not "> 0 – 1"


def test_fewer_classes_than_asked_says_why(catalog):
    result = classify(pd.Series(["0", "1", "0", "1"]), catalog.get("ocop_4_star"), "equal_interval", 7)
    assert result.k == 2 and result.requested_k == 7
    assert "2 lớp thay vì 7" in result.reduced_note and "2 giá trị khác nhau" in result.reduced_note
    english = classify(pd.Series(["0", "1"]), catalog.get("ocop_4_star"), "equal_interval", 7, lang="en")
    assert "Only 2 classes instead of 7" in english.reduced_note


def test_enough_classes_gives_no_note(catalog):
    result = classify(pd.Series([str(v) for v in range(10)]), catalog.get("schools_total"), "quantiles", 4)
    assert result.k == 4 and result.reduced_note is None


def test_decimal_values_keep_decimal_edges(catalog):
    result = classify(pd.Series(["0", "10", "5", "2.5"]), catalog.get("schools_standard_share"), "equal_interval", 4)
    assert result.bins == [2.5, 5.0, 7.5, 10.0]
    assert labels(result)[1] == "> 2,5 – 5"


def test_towns_are_not_applicable_not_missing(catalog):
    values = pd.Series(["dat_chuan", "", "", "chua_dat"])
    types = pd.Series(["Xã", "Thị trấn", "Xã", "Phường"])
    result = classify(values, catalog.get("ntm_level"), unit_types=types, lang="vi")
    assert list(result.classes) == [1, NOT_APPLICABLE_CLASS, NODATA_CLASS, NOT_APPLICABLE_CLASS]
    assert result.not_applicable.label == "Không áp dụng" and result.not_applicable.count == 2
    assert result.nodata.count == 1
    assert result.not_applicable.color not in {e.color for e in result.entries} | {result.nodata.color}
    english = classify(values, catalog.get("ntm_level"), unit_types=types, lang="en")
    assert english.not_applicable.label == "Not applicable"


def test_numeric_indicator_ignores_values_where_it_does_not_apply(catalog):
    values = pd.Series(["2015", "2019", "2012"])
    result = classify(values, catalog.get("ntm_year"), "equal_interval", 2, unit_types=pd.Series(["Xã", "Xã", "Phường"]))
    assert result.entries[0].lower == 2015  # the ward's value is not classified
    assert result.classes.iloc[2] == NOT_APPLICABLE_CLASS


def test_indicators_for_every_unit_have_no_not_applicable_entry(catalog):
    result = classify(pd.Series(["1", ""]), catalog.get("schools_total"), unit_types=pd.Series(["Thị trấn", "Xã"]))
    assert result.not_applicable is None and result.nodata.count == 1


def test_border_commune_unknown_is_labelled_unknown(catalog):
    result = classify(pd.Series(["yes", ""]), catalog.get("border_commune"), lang="vi")
    assert result.nodata.label == "Không rõ"
    assert classify(pd.Series([""]), catalog.get("border_commune"), lang="en").nodata.label == "Unknown"


def test_catalog_declares_where_ntm_applies(catalog):
    assert catalog.get("ntm_level").applies("Xã") and not catalog.get("ntm_level").applies("Thị trấn")
    assert catalog.get("schools_total").applies("Thị trấn")


@pytest.mark.parametrize(
    "text, expected",
    [
        ("33,3; 66,6", [33.3, 66.6]),
        ("33.3, 66.6", [33.3, 66.6]),
        ("33,3;66,6;", [33.3, 66.6]),
        ("1.234,5; 2.000", [1234.5, 2000.0]),
        ("1 2 5", [1.0, 2.0, 5.0]),
        ("3,5", [3.0, 5.0]),
        ("  ", None),
    ],
)
def test_breaks_parser_reads_vietnamese_decimals(text, expected):
    assert parse_breaks(text) == expected


@pytest.mark.parametrize("text", ["66,6; 33,3", "33,3; x", "1;1"])
def test_breaks_parser_rejects_bad_input(text):
    with pytest.raises(BadRequest):
        parse_breaks(text)


@pytest.mark.parametrize("lang, text", [("vi", "33,3; 1234,25; 66666,6"), ("en", "33.3, 1234.25, 66666.6")])
def test_breaks_field_shows_breaks_as_the_reader_types_them(lang, text):
    breaks = [33.3, 1234.25, 66666.6]
    assert breaks_input_text(breaks, lang) == text
    assert parse_breaks(text) == breaks


def test_breaks_field_keeps_the_text_typed_when_it_means_the_same_breaks():
    assert breaks_input_text([3.0, 5.0], "vi", typed="3,5") == "3,5"
    assert breaks_input_text([33.3, 66.6], "vi", typed=" 33,3; 66,6 ") == "33,3; 66,6"
    assert breaks_input_text([33.3, 66.6], "vi", typed="1, 2") == "33,3; 66,6"  # another request's text
