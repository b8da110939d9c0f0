"""The crosswalk check on hand-made editions (broken on purpose) and on the shipped file."""

import pandas as pd
import pytest
from shapely.geometry import box

from geoapp.editions.check import ERROR, WARNING, check_crosswalk
from tests.editions.handmade import GOOD, STEP, X0, Y0, new_units, old_units, pairs


def reasons(report, severity=ERROR):
    return sorted((f.reason, f.old_code, f.new_code) for f in report.findings if f.severity == severity)


def test_a_sound_crosswalk_passes():
    report = check_crosswalk(pairs(GOOD), old_units(), new_units())
    assert report.ok and reasons(report) == [] and reasons(report, WARNING) == []
    assert sorted(report.dissolved) == ["10001", "10002"]


def test_an_unassigned_old_unit_fails():
    report = check_crosswalk(pairs(GOOD[:3]), old_units(), new_units())
    assert reasons(report) == [("unassigned_old_unit", "00004", "")]
    assert not report.ok


def test_a_new_unit_without_parts_fails():
    report = check_crosswalk(pairs([(o, "10001") for o, _ in GOOD]), old_units(), new_units())
    assert ("new_unit_without_parts", "", "10002") in reasons(report)


def test_shares_not_summing_to_one_fail():
    table = pairs(GOOD + [("00004", "10001")])
    table["share"] = ["1", "1", "1", "0.5", "0.3"]
    report = check_crosswalk(table, old_units(), new_units())
    failing = [f for f in report.errors if f.reason == "shares_not_one"]
    assert {(f.old_code, f.line) for f in failing} == {("00004", 5), ("00004", 6)}
    assert failing[0].value == pytest.approx(0.8)


def test_an_old_unit_sent_50_km_away_fails_with_its_distance():
    far = box(X0 + 2 * STEP + 0.484, Y0, X0 + 3 * STEP + 0.484, Y0 + STEP)  # 50 km east of B, the east edge of X
    report = check_crosswalk(pairs(GOOD + [("00099", "10001")]), old_units({"00099": far}), new_units())
    (finding,) = [f for f in report.errors if f.reason == "far_from_other_parts"]
    assert (finding.old_code, finding.new_code, finding.line) == ("00099", "10001", 6)
    assert 49 < finding.distance_km < 51
    assert "km" in finding.message("en") and "00099" in finding.message("vi")


def test_a_gap_between_parts_is_a_warning_not_an_error():
    near = box(X0 - STEP - 0.02, Y0, X0 - 0.02, Y0 + STEP)  # 2 km west of A
    report = check_crosswalk(pairs(GOOD + [("00098", "10001")]), old_units({"00098": near}), new_units())
    assert report.ok
    (gap,) = [f for f in report.findings if f.reason == "not_touching"]
    assert gap.severity == WARNING and 1.5 < gap.distance_km < 2.5


def test_a_split_gives_area_shares_summing_to_one():
    table = pairs([("00001", "10001"), ("00002", "10001"), ("00002", "10002"), ("00003", "10002"), ("00004", "10002")])
    report = check_crosswalk(table, old_units(), new_units())
    parts = report.parts.set_index(["old_code", "new_code"])
    west, east = parts.loc[("00002", "10001"), "share"], parts.loc[("00002", "10002"), "share"]
    assert west + east == pytest.approx(1.0)
    assert 0.2 < west < 0.8  # B is divided between its neighbours, not given whole to one
    assert parts.loc[("00002", "10001"), "method"] == "nearest"


def test_unknown_codes_and_mismatched_names_fail():
    table = pairs(GOOD + [("00077", "10001"), ("00001", "10009")])
    table.loc[0, "new_name"] = "Xã Khác"
    found = reasons(check_crosswalk(table, old_units(), new_units()))
    assert ("unknown_old_code", "00077", "10001") in found
    assert ("unknown_new_code", "00001", "10009") in found
    assert ("new_name_mismatch", "00001", "10001") in found


def test_the_shipped_crosswalk_has_one_failing_row():
    from geoapp.config import GEODATA_DIR
    from geoapp.editions.build import read_edition_boundaries, read_new_units
    from geoapp.editions.crosswalk import read_source_crosswalk
    from geoapp.editions.model import load_registry

    registry = load_registry(GEODATA_DIR)
    report = check_crosswalk(read_source_crosswalk(GEODATA_DIR / "crosswalk_2021_2025.csv"),
                             read_edition_boundaries(registry, "2021"), read_new_units(GEODATA_DIR / "communes_2025.csv"))
    # Xã Hồng Phong of Huyện Bình Gia is also sent to Xã Đồng Đăng, 25 km from Đồng Đăng's other parts
    assert {(f.line, f.old_code, f.new_code) for f in report.errors} == {(35, "06079", "06184")}
    assert {f.reason for f in report.errors} == {"far_from_other_parts", "empty_part"}
    assert all(20 < f.distance_km < 30 for f in report.errors)
    (point,) = [f for f in report.findings if f.reason == "reference_point_outside" and f.new_code == "06172"]
    assert point.distance_km > 10  # the geocoded point of Xã Hoàng Văn Thụ is far from its communes
