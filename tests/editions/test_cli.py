"""geoapp crosswalk check, geoapp editions build and geoapp indicators convert."""

import json

import pandas as pd
from click.testing import CliRunner

from geoapp.cli import main
from geoapp.config import GEODATA_DIR


def run(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_check_of_the_shipped_crosswalk_fails_on_its_bad_row():
    result = run("crosswalk", "check")
    assert result.exit_code == 1
    assert "line 35" in result.output and "06079 → 06184" in result.output and "24.8 km" in result.output


def test_check_as_json_in_vietnamese():
    result = run("crosswalk", "check", "--json", "--lang", "vi")
    report = json.loads(result.output)
    assert result.exit_code == 1 and report["ok"] is False and report["counts"]["error"] == 2
    assert {f["line"] for f in report["findings"] if f["severity"] == "error"} == {35}
    assert any("24,8 km" in f["message"] for f in report["findings"])


def test_the_weighted_crosswalk_passes_and_names_the_left_out_row():
    result = run("crosswalk", "check", str(GEODATA_DIR / "crosswalk_2021_2025_weighted.csv"))
    assert result.exit_code == 0, result.output
    assert "excluded" in result.output or "left out" in result.output


def test_check_of_a_broken_file_exits_non_zero(tmp_path):
    broken = pd.read_csv(GEODATA_DIR / "crosswalk_2021_2025.csv", dtype=str)
    broken = broken[broken["old_code"] != "06202"]  # Xã Xuất Lễ left unassigned
    broken = broken[broken["old_code"] != "06079"]
    broken.to_csv(tmp_path / "cw.csv", index=False)
    result = run("crosswalk", "check", str(tmp_path / "cw.csv"))
    assert result.exit_code == 1 and "06202 is not assigned" in result.output


def test_build_warns_about_the_left_out_row(tmp_path):
    result = run("editions", "build", "-o", str(tmp_path))
    assert result.exit_code == 0
    assert "warning: left out line 35" in result.output
    assert (tmp_path / "communes_2025_approx.geojson").exists()


def test_convert_carries_a_2021_table_forward_and_reports(tmp_path):
    table = pd.DataFrame({
        "commune_code": ["05971", "06187", "06226", "06235", "06244", "06622", "06613", "06628", "06244"],
        "indicator": ["schools_total"] * 8 + ["ntm_year"],
        "year": [2021] * 9,
        "value": ["2", "3", "1", "4", "5", "10", "6", "1", "2020"],
        "status": ["fact"] * 9,
        "source": ["plvn2021"] * 9,
        "note": [""] * 9,
    })
    table.to_csv(tmp_path / "in.csv", index=False)
    result = run("indicators", "convert", str(tmp_path / "in.csv"), "--to", "2025", "-o", str(tmp_path / "out.csv"))
    assert result.exit_code == 0, result.output
    out = pd.read_csv(tmp_path / "out.csv", dtype=str).set_index(["commune_code", "indicator"])
    ky_lua = out.loc[("06187", "schools_total")]
    assert ky_lua["value"] == "15" and ky_lua["from"] == "05971 06187 06226 06235 06244" and ky_lua["status"] == "derived"
    dinh_lap = out.loc[("06613", "schools_total")]  # Đình Lập: 6 + 1 + its share of Bính Xá's 10
    assert dinh_lap["estimated"] == "True" and 7 < float(dinh_lap["value"]) < 17
    report = pd.read_csv(tmp_path / "out.report.csv", dtype=str)
    outcomes = {(r.commune_code, r.indicator, r.outcome) for r in report.itertuples()}
    assert ("06613", "schools_total", "estimated") in outcomes
    assert ("06187", "ntm_year", "not_converted") in outcomes
    assert ("06625", "schools_total", "not_converted") in outcomes  # Bắc Xa and Kiên Mộc have no value
    assert "not converted" in result.output


def test_crosswalk_export_as_xlsx_and_csv(tmp_path):
    assert run("crosswalk", "export", "-o", str(tmp_path / "cw.xlsx")).exit_code == 0
    sheet = pd.read_excel(tmp_path / "cw.xlsx", dtype=str)
    assert len(sheet) == 197 and {"change", "share", "status", "reason"} <= set(sheet.columns)
    assert sheet.loc[sheet["old_code"] == "06622", "change"].tolist() == ["many_to_many", "many_to_many"]
    assert run("crosswalk", "export", "-o", str(tmp_path / "cw.csv")).exit_code == 0
    assert pd.read_csv(tmp_path / "cw.csv", dtype=str)["old_code"].str.fullmatch(r"\d{5}").all()


def test_indicators_check_chooses_the_edition_and_says_why(tmp_path):
    pd.DataFrame({"ten_xa": ["Phường Kỳ Lừa", "Xã Đồng Đăng"], "ocop_3_star": [3, 4]}).to_csv(tmp_path / "t.csv", index=False)
    data_dir = str(tmp_path / "d")
    auto = run("indicators", "check", str(tmp_path / "t.csv"), "--units", "auto", "--data-dir", data_dir)
    assert auto.exit_code == 0, auto.output
    assert "edition: 2025 (Chose edition 2025: names agree with 2 of 2 rows" in auto.output
    codes = tmp_path / "codes.csv"
    pd.DataFrame({"ma_xa": ["06187", "06211"], "v": [1, 2]}).to_csv(codes, index=False)
    refused = run("indicators", "check", str(codes), "--units", "auto", "--data-dir", data_dir)
    assert refused.exit_code == 2 and "fit several boundary editions" in refused.output
    default = run("indicators", "check", str(codes), "--json", "--data-dir", data_dir)
    assert json.loads(default.output)["edition"] == "2021"


def test_export_on_2025_units(tmp_path):
    from click.testing import CliRunner

    from geoapp.cli import main

    out = tmp_path / "kyl.svg"
    args = ["export", "ocop_total", "--units", "2025", "--district", "all", "--lang", "en", "--format", "svg",
            "-o", str(out), "--data-dir", str(tmp_path / "d")]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    svg = out.read_text(encoding="utf-8")
    assert "derived from the 2021" in svg and "Hatched" in svg
    plain = tmp_path / "plain.svg"
    CliRunner().invoke(main, args[:2] + args[4:-4] + ["-o", str(plain), "--data-dir", str(tmp_path / "d")])
    assert "derived from the 2021" not in plain.read_text(encoding="utf-8")
    bad = CliRunner().invoke(main, ["export", "ocop_total", "--units", "2030", "--format", "svg", "-o",
                                    str(tmp_path / "x.svg"), "--data-dir", str(tmp_path / "d")])
    assert bad.exit_code != 0 and "2030" in bad.output
