import geopandas as gpd
import pandas as pd
import pytest
from geopandas.testing import assert_geodataframe_equal
from shapely.geometry import box

from geoapp.data.join import join, resolve


@pytest.fixture
def units():
    """Two districts sharing a commune name (Hồng Phong is in Cao Lộc and in Bình Gia)."""
    rows = [
        ("06184", "Thị trấn Đồng Đăng", "183", "Huyện Cao Lộc"),
        ("06205", "Xã Hồng Phong", "183", "Huyện Cao Lộc"),
        ("06223", "Xã Hòa Cư", "183", "Huyện Cao Lộc"),
        ("06220", "Xã Hải Yến", "183", "Huyện Cao Lộc"),
        ("06070", "Xã Hồng Phong", "181", "Huyện Bình Gia"),
    ]
    frame = pd.DataFrame(rows, columns=["commune_code", "commune_name", "district_code", "district_name"])
    return gpd.GeoDataFrame(frame, geometry=[box(i, 0, i + 1, 1) for i in range(len(rows))], crs=4326)


def table(rows, columns):
    return pd.DataFrame(rows, columns=columns, dtype=object)


def test_codes_as_integers_and_without_zeros(units):
    t = table([(6184, 3), ("6205", 1), ("06223", 2)], ["ma_xa", "ocop_3_star"])
    matched, report = resolve(t, units)
    assert list(matched["commune_code"]) == ["06184", "06205", "06223"]
    assert report.counts()["by_code"] == 3
    assert report.counts()["unmatched"] == 0


def test_name_fallback_within_district(units):
    t = table([("Xã Hoà Cư", 1), ("TT. Đồng Đăng", 2)], ["ten_xa", "v"])
    matched, report = resolve(t, units, district="183")
    assert list(matched["commune_code"]) == ["06223", "06184"]
    assert [e["matched_code"] for e in report.by_name] == ["06223", "06184"]


def test_diacritic_free_match_is_reported_fuzzy(units):
    t = table([("hai yen", 1)], ["ten_xa", "v"])
    matched, report = resolve(t, units, district="183")
    assert list(matched["commune_code"]) == ["06220"]
    assert len(report.fuzzy) == 1 and not report.by_name


def test_never_match_across_districts_by_name(units):
    t = table([("Hồng Phong", 1)], ["ten_xa", "v"])
    _, report = resolve(t, units)  # no district given: the name exists in two districts
    assert report.counts()["unmatched"] == 1
    assert report.unmatched[0]["reason"] == "no_district_for_name"
    matched, _ = resolve(t, units, district="181")
    assert list(matched["commune_code"]) == ["06070"]
    matched, _ = resolve(t, units, district="183")
    assert list(matched["commune_code"]) == ["06205"]


def test_row_district_column_is_used(units):
    t = table([("Hồng Phong", "181", 1), ("Hồng Phong", "Huyện Cao Lộc", 2)], ["ten_xa", "ma_huyen", "v"])
    t = t.rename(columns={"ma_huyen": "district"})
    t2 = table([("Hồng Phong", "Bình Gia", 1)], ["ten_xa", "ten_huyen", "v"])
    matched, _ = resolve(t.iloc[:1], units)
    assert list(matched["commune_code"]) == ["06070"]
    matched, _ = resolve(t2, units)
    assert list(matched["commune_code"]) == ["06070"]


def test_report_lists_everything(units):
    t = table(
        [
            ("06184", "", 2020, "ocop_3_star", "1"),
            ("06184", "", 2020, "ocop_3_star", "2"),  # duplicate
            ("99999", "Không có", 2020, "ocop_3_star", "1"),  # unknown code and name
            ("abc", "", 2020, "ocop_3_star", "1"),  # malformed
            ("", "Hòa Cư", 2020, "ocop_3_star", "4"),
        ],
        ["commune_code", "commune_name", "year", "indicator", "value"],
    )
    matched, report = resolve(t, units, district="183")
    counts = report.counts()
    assert counts == {
        "rows": 5, "by_code": 2, "by_name": 1, "fuzzy": 0, "unmatched": 2, "duplicates": 1, "units_without_data": 2,
    }
    assert {e["reason"] for e in report.unmatched} == {"unknown_code", "malformed_code"}
    assert report.duplicates[0]["row"] == 3  # spreadsheet row number (header is row 1)
    assert {u["code"] for u in report.units_without_data} == {"06205", "06220"}
    assert len(matched) == 2  # the duplicate is reported and left out, never silently
    assert report.to_dict()["counts"] == counts


def test_code_from_other_district_when_district_given(units):
    t = table([("06070", 1)], ["commune_code", "v"])
    _, report = resolve(t, units, district="183")
    assert report.unmatched[0]["reason"] == "code_other_district"


def test_join_returns_frame_and_report(units):
    t = table([("06184", "5"), ("Hải Yến", "3")], ["commune_code", "value"])
    t.loc[1, "commune_code"] = None
    t["commune_name"] = [None, "Hải Yến"]
    result = join(units, t, district="183")
    expected = units[units["district_code"] == "183"].copy()
    expected["value"] = ["5", None, None, "3"]
    expected["match"] = ["code", None, None, "name"]
    got = result.frame[list(expected.columns)]
    assert_geodataframe_equal(got.reset_index(drop=True), expected.reset_index(drop=True), check_dtype=False)
    assert result.report.counts()["units_without_data"] == 2
