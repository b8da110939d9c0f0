"""No silent data changes: control characters, formulas without results, decimal commas, UTF-16, duplicate rows."""

from __future__ import annotations

import pandas as pd
import pytest

from geoapp.ingest import check_boundaries, check_indicators  # first: geoapp.data.join imports geoapp.ingest
from geoapp.config import GEODATA_DIR
from geoapp.data.dataset import read_default_boundaries, read_default_indicators
from geoapp.data.join import resolve
from tests.accounts import as_user, published_bytes
from tests.hostile import HERE
from tests.ingest.helpers import issue_keys, store_of, try_publish, upload

CAO_LOC = "183"
BODY = "ma_xa,ten_xa,nam,chi_tieu,gia_tri\n06184,Thị trấn Đồng Đăng,2021,schools_total,7\n06202,Xã Xuất Lễ,2021,schools_total,3\n"


@pytest.fixture(scope="module")
def published():
    return read_default_boundaries(GEODATA_DIR)


@pytest.fixture(scope="module")
def values():
    return read_default_indicators(GEODATA_DIR)


def table_check(name, raw, published, values):
    return check_indicators(name, raw, boundaries=published, published=values, district=CAO_LOC)


def test_a_nul_inside_a_name_is_an_error_naming_the_feature(published):
    check = check_boundaries("nul.geojson", (HERE / "nul_in_name.geojson").read_bytes(), published=published)
    [issue] = check.errors
    assert issue.key == "upload_control_characters_features" and check.frame is None
    assert issue.params["features"] == ["#1 ten_xa: Xã\\u0000Bảo Lâm"]


def test_a_nul_in_a_csv_is_an_error_naming_the_row_not_a_content_mismatch(published, values):
    check = table_check("nul.csv", (HERE / "nul_in_row.csv").read_bytes(), published, values)
    [issue] = check.errors
    assert issue.key == "upload_control_characters" and issue.params["rows"] == [3]


def test_a_formula_without_a_saved_result_is_an_error_naming_the_cell(published, values):
    check = table_check("f.xlsx", (HERE / "formula_without_result.xlsx").read_bytes(), published, values)
    [issue] = check.errors
    assert issue.key == "error_table_formula_no_value" and issue.params["cells"] == "Số liệu!C3"


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-8-sig"])
def test_utf16_and_bom_csvs_are_read(published, values, encoding):
    check = table_check("t.csv", BODY.encode(encoding), published, values)
    assert check.ok, [i.message("en") for i in check.errors]
    assert check.report["match"]["counts"]["by_code"] == 2
    assert check.report["encoding"] == {"utf-16-le": "utf-16-le", "utf-16-be": "utf-16-be"}.get(encoding, encoding)
    got = check.frame.set_index(["commune_code", "indicator", "year"])["value"]
    assert got[("06184", "schools_total", 2021)] == "7" and got[("06202", "schools_total", 2021)] == "3"


def test_decimal_commas_are_read_as_meant_and_reported(published, values):
    check = table_check("d.csv", (HERE / "decimal_comma.csv").read_bytes(), published, values)
    assert check.ok
    got = check.frame.set_index(["commune_code", "indicator", "year"])["value"]
    assert got[("06184", "schools_total", 2021)] == "2.5" and got[("06187", "schools_total", 2021)] == "1234.5"
    [note] = [i for i in check.infos if i.key == "upload_decimal_comma"]
    assert note.params["rows"] == [2, 3] and "2,5 → 2.5" in note.message("vi")


def test_the_duplicate_report_names_the_kept_row_and_whether_they_disagree(published):
    table = pd.read_csv(HERE / "duplicate_rows.csv", dtype=str)
    _, report = resolve(table, published, district=CAO_LOC)
    assert report.duplicates == [
        {"row": 3, "code": "06184", "kept_row": 2, "disagree": True, "differing": ["gia_tri"]},
        {"row": 5, "code": "06187", "kept_row": 4, "disagree": False, "differing": []},
    ]


def test_silent_changes_on_the_web(backend_app, published):
    editor = as_user(backend_app, "ed", "editor")
    editor.set_cookie("lang", "en")
    before = published_bytes(backend_app, editor)
    for name, key in (("nul_in_name.geojson", "upload_control_characters_features"),
                      ("formula_without_result.xlsx", "error_table_formula_no_value")):
        kind = "boundaries" if name.endswith("geojson") else "indicators"
        response = upload(editor, kind, name, (HERE / name).read_bytes(), district=CAO_LOC)
        assert response.status_code == 422 and key in issue_keys(response)
        assert try_publish(editor, response).status_code == 422
    assert published_bytes(backend_app, editor) == before
    duplicates = upload(editor, "indicators", "dup.csv", (HERE / "duplicate_rows.csv").read_bytes(), district=CAO_LOC)
    assert "3 → 2, 5 → 4" in duplicates.get_data(as_text=True) and "3 ≠ 2 (gia_tri)" in duplicates.get_data(as_text=True)
    report = upload(editor, "indicators", "d.csv", (HERE / "decimal_comma.csv").read_bytes(), district=CAO_LOC)
    assert report.status_code == 200 and "upload_decimal_comma" in issue_keys(report)
    assert try_publish(editor, report, comment="decimal commas").status_code == 303
    stored = store_of(backend_app).read_indicators()
    row = stored[(stored["commune_code"] == "06184") & (stored["indicator"] == "schools_total") & (stored["year"] == 2021)]
    assert list(row["value"]) == ["2.5"]
    utf16 = upload(editor, "indicators", "u.csv", (HERE / "utf16.csv").read_bytes(), district=CAO_LOC)
    assert utf16.status_code == 200 and "error_content_mismatch" not in issue_keys(utf16)
