import io
import zipfile

import openpyxl
import pytest

from geoapp.errors import Invalid
from geoapp.ingest import check_indicators
from geoapp.ingest.table_files import read_table
from tests.ingest.uploads import only_error

pytestmark = pytest.mark.filterwarnings("ignore:Normalized/laundered field name")


def test_csv_keeps_codes_as_text(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("ma_xa;gia_tri\n06184;1,5\n", encoding="utf-8")
    frame = read_table(path)
    assert frame.loc[0, "ma_xa"] == "06184" and frame.loc[0, "gia_tri"] == "1,5"


def test_xlsx(tmp_path):
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["MaXa", "TenXa", "Nam", "ocop_3_star"])
    ws.append([6184, "Thị trấn Đồng Đăng", 2021, 3])
    path = tmp_path / "t.xlsx"
    book.save(path)
    frame = read_table(path)
    assert frame.loc[0].tolist() == ["6184", "Thị trấn Đồng Đăng", "2021", "3"]


def test_content_must_match_extension(tmp_path):
    path = tmp_path / "t.xlsx"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(Invalid) as exc:
        read_table(path)
    assert exc.value.key == "error_content_mismatch"
    zipped = io.BytesIO()
    openpyxl.Workbook().save(zipped)
    with pytest.raises(Invalid):
        read_table(tmp_path / "t.csv", raw=zipped.getvalue())


def test_empty_and_unknown(tmp_path):
    with pytest.raises(Invalid):
        read_table(tmp_path / "t.csv", raw=b"")
    with pytest.raises(Invalid):
        read_table(tmp_path / "t.pdf", raw=b"%PDF")


# ---------------------------------------------------------------- through the upload check


def test_a_workbook_with_a_broken_sheet_is_an_error(published, tmp_path):
    book = openpyxl.Workbook()
    book.active.append(["commune_code", "indicator", "year", "value"])
    book.active.append(["06184", "schools_total", 2021, 3])
    book.save(tmp_path / "ok.xlsx")
    buf = io.BytesIO()
    with zipfile.ZipFile(tmp_path / "ok.xlsx") as good, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as bad:
        for info in good.infolist():
            data = good.read(info)
            bad.writestr(info, data.replace(b"</sheetData>", b"<row></sheetData>") if "sheet1" in info.filename else data)
    check = check_indicators("broken.xlsx", buf.getvalue(), boundaries=published)
    assert only_error(check, "error_table_parse").params == {"detail": "ParseError"}

