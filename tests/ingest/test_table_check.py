"""Upload checks of geoapp/ingest/table_check.py, through check_boundaries and check_indicators."""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest
from pandas.testing import assert_frame_equal

from geoapp.ingest import Limits, check_indicators
from geoapp.storage.base import INDICATOR_COLUMNS
from tests.ingest.uploads import keys, only_error

pytestmark = pytest.mark.filterwarnings("ignore:Normalized/laundered field name")


def test_long_csv_replaces_matching_values_and_keeps_the_rest(published, values):
    csv = ("ma_xa,ten_xa,nam,chi_tieu,gia_tri\n"
           "06184,Đồng Đăng,2021,schools_total,7\n"
           "06187,Cao Lộc,2021,schools_total,6\n"
           "06190,Bảo Lâm,2022,ntm_level,Đạt chuẩn NTM\n")
    check = check_indicators("caoloc.csv", csv.encode(), boundaries=published, published=values)
    assert check.ok, [i.message("en") for i in check.errors]
    assert check.report["layout"] == "long" and check.report["match"]["counts"]["by_code"] == 3
    assert check.report["changes"]["added"] == 1 and check.report["changes"]["changed"] == 2
    frame = check.frame
    assert list(frame.columns) == INDICATOR_COLUMNS and frame["year"].dtype == int
    key = ["commune_code", "indicator", "year"]
    new = frame.set_index(key)
    assert new.loc[("06184", "schools_total", 2021), "value"] == "7"
    assert new.loc[("06184", "schools_total", 2021), "status"] == "fact"
    assert new.loc[("06184", "schools_total", 2021), "source"] == "upload:caoloc.csv"
    assert new.loc[("06190", "ntm_level", 2022), "value"] == "dat_chuan"
    replaced = [("06184", "schools_total", 2021), ("06187", "schools_total", 2021), ("06190", "ntm_level", 2022)]
    rest = frame[~frame.set_index(key).index.isin(replaced)].reset_index(drop=True)
    expected = values[~values.set_index(key).index.isin(replaced)]
    expected = expected.sort_values(key, kind="stable").reset_index(drop=True)
    assert_frame_equal(rest, expected)


def test_reuploading_the_same_values_changes_nothing(published, values):
    part = values[values["commune_code"].isin(["06184", "06187"])]
    check = check_indicators("same.csv", part.to_csv(index=False).encode(), boundaries=published, published=values)
    assert check.ok and check.report["changes"]["unchanged"] == len(part)
    assert check.report["changes"]["added"] == check.report["changes"]["changed"] == 0
    expected = values.sort_values(["commune_code", "indicator", "year"], kind="stable").reset_index(drop=True)
    assert_frame_equal(check.frame, expected)


def test_wide_xlsx_with_catalog_ids_as_columns(published, values, tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["MaXa", "TenXa", "Nam", "schools_total", "border_commune", "status"])
    sheet.append(["6184", "Thị trấn Đồng Đăng", 2021, 9, "yes", "illustrative"])
    sheet.append([6187, "Thị trấn Cao Lộc", 2021, None, "no", ""])
    book.save(tmp_path / "wide.xlsx")
    check = check_indicators("wide.xlsx", (tmp_path / "wide.xlsx").read_bytes(), boundaries=published, published=values)
    assert check.ok, [i.message("en") for i in check.errors]
    assert check.report["layout"] == "wide"
    assert check.report["columns"]["indicators"] == {"schools_total": "schools_total", "border_commune": "border_commune"}
    new = check.frame.set_index(["commune_code", "indicator", "year"])
    assert new.loc[("06184", "schools_total", 2021), "value"] == "9"
    assert new.loc[("06184", "schools_total", 2021), "status"] == "illustrative"
    assert new.loc[("06187", "border_commune", 2021), "value"] == "no"
    assert "upload_values_blank" in keys(check, "info")


def test_bad_indicator_rows_are_errors_with_row_numbers(published, values):
    csv = ("commune_code,indicator,year,value,status\n"
           "06184,schools_total,2021,abc,fact\n"
           "06187,no_such_indicator,2021,1,fact\n"
           "06190,ntm_level,2021,excellent,fact\n"
           "06193,schools_total,,4,fact\n"
           "06196,schools_total,20x1,4,fact\n"
           "06199,schools_total,2021,4,maybe\n")
    check = check_indicators("bad.csv", csv.encode(), boundaries=published, published=values)
    assert check.frame is None
    errors = {i.key: i.params for i in check.errors}
    assert errors["upload_value_not_numeric"] == {"count": 1, "rows": [2], "examples": ["abc"], "indicator": "schools_total"}
    assert errors["upload_indicator_unknown"] == {"ids": ["no_such_indicator"], "count": 1, "rows": [3]}
    assert errors["upload_value_not_category"]["rows"] == [4]
    assert errors["upload_value_not_category"]["allowed"] == ["chua_dat", "dat_chuan", "nang_cao", "kieu_mau"]
    assert errors["upload_year_missing"] == {"count": 1, "rows": [5]}
    assert errors["upload_year_invalid"] == {"count": 1, "rows": [6], "examples": ["20x1"]}
    assert errors["upload_status_invalid"]["rows"] == [7]


def test_listed_rows_are_capped_and_counted(published):
    csv = "commune_code,indicator,year,value\n" + "".join(f"06184,schools_total,{1990 + i},x\n" for i in range(30))
    check = check_indicators("many.csv", csv.encode(), boundaries=published)
    [issue] = [i for i in check.errors if i.key == "upload_value_not_numeric"]
    assert issue.params["count"] == 30 and len(issue.params["rows"]) == 20


def test_unmatched_rows_are_warnings_and_are_not_published(published, values):
    csv = "commune_code,indicator,year,value\n06184,schools_total,2021,7\n99999,schools_total,2021,3\n"
    check = check_indicators("x.csv", csv.encode(), boundaries=published, published=values)
    assert check.ok and "upload_rows_unmatched" in keys(check, "warning")
    assert check.report["match"]["unmatched"][0]["code"] == "99999"
    assert "99999" not in set(check.frame["commune_code"]) and len(check.frame) == len(values)


def test_no_matching_row_is_an_error(published):
    csv = "commune_code,indicator,year,value\n99999,schools_total,2021,3\n"
    only_error(check_indicators("x.csv", csv.encode(), boundaries=published), "upload_no_match")


def test_an_explicit_mapping_is_used_and_checked(published):
    csv = "Mã,Tên đơn vị,Kỳ,Chỉ số,Số liệu\n06184,Đồng Đăng,2021,defence_drills,3\n"
    mapping = {"code": "Mã", "name": "Tên đơn vị", "year": "Kỳ", "indicator": "Chỉ số", "value": "Số liệu"}
    check = check_indicators("x.csv", csv.encode(), mapping=mapping, boundaries=published)
    assert check.ok and check.report["columns"]["year"] == "Kỳ"
    assert check.frame.to_dict("records") == [{"commune_code": "06184", "indicator": "defence_drills", "year": 2021,
                                                "value": "3", "status": "fact", "source": "upload:x.csv", "note": ""}]
    wrong = check_indicators("x.csv", csv.encode(), mapping={**mapping, "year": "Năm"}, boundaries=published)
    assert only_error(wrong, "upload_column_unknown").params["column"] == "Năm"


def test_derived_and_district_indicators_cannot_be_uploaded(published):
    csv = "commune_code,indicator,year,value\n06184,ocop_total,2021,3\n06184,grain_output,2021,3\n"
    check = check_indicators("x.csv", csv.encode(), boundaries=published)
    assert keys(check) == ["upload_indicator_derived", "upload_indicator_not_commune"] and check.frame is None


def test_table_content_must_match_its_extension(published):
    check = check_indicators("x.xlsx", b"commune_code,indicator\n", boundaries=published)
    assert only_error(check, "error_content_mismatch").params["expected"] == "XLSX"
    big = check_indicators("x.csv", b"a,b\n" * 1000, boundaries=published, limits=Limits(max_bytes=100))
    only_error(big, "upload_too_large")


def test_a_zip_bomb_disguised_as_xlsx_is_refused(published):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/worksheets/sheet1.xml", b" " * (20 * 1024 * 1024))
    only_error(check_indicators("bomb.xlsx", buf.getvalue(), boundaries=published), "upload_zip_ratio")

