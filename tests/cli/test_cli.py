import json

from click.testing import CliRunner

from geoapp.cli import main

TABLE = """ma_xa,ten_xa,year,ocop_3_star
6184,Thị trấn Đồng Đăng,2021,3
,Xã Hoà Cư,2021,1
,xa Xuat Le,2021,2
99999,Không có,2021,1
"""


def test_indicators_check_text(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text(TABLE, encoding="utf-8")
    result = CliRunner().invoke(main, ["indicators", "check", str(path), "--district", "183", "--data-dir", str(tmp_path / "d")])
    assert result.exit_code == 1  # an unmatched row
    assert "matched by code: 1" in result.output
    assert "matched by name: 1" in result.output
    assert "matched fuzzily (diacritic-free name): 1" in result.output
    assert "unmatched row 5" in result.output


def test_indicators_check_json(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text(TABLE.replace("99999,Không có,2021,1\n", ""), encoding="utf-8")
    result = CliRunner().invoke(main, ["indicators", "check", str(path), "--district", "183", "--json", "--data-dir", str(tmp_path / "d")])
    assert result.exit_code == 0
    report = json.loads(result.output)
    assert report["counts"]["by_code"] == 1 and report["counts"]["fuzzy"] == 1
    assert report["counts"]["units_without_data"] == 19
    assert report["fuzzy"][0]["matched_code"] == "06202"


def test_indicators_check_bad_file(tmp_path):
    path = tmp_path / "t.xlsx"
    path.write_text("not a workbook")
    result = CliRunner().invoke(main, ["indicators", "check", str(path), "--json", "--data-dir", str(tmp_path / "d")])
    assert result.exit_code == 2
    assert "does not match its extension" in json.loads(result.output)["error"]["message"]
