"""Carrying indicator values across editions, one rule at a time, on hand-made editions."""

import pandas as pd
import pytest

from geoapp.catalog import parse_catalog
from geoapp.editions.carry import carry_values, level_at_or_above_id
from tests.editions.handmade import crosswalk, row

LEVELS = [{"value": v, "vi": v, "en": v, "color": "#000000"} for v in ("chua_dat", "dat_chuan", "nang_cao")]
YES_NO = [{"value": v, "vi": v, "en": v, "color": "#000000"} for v in ("yes", "no")]


def catalog(**carry_of):
    """A catalog of the indicators used here; `carry_of` overrides their carry rules."""
    entries = [
        {"id": "schools", "kind": "numeric", "carry": "sum"},
        {"id": "standard", "kind": "numeric", "carry": "sum"},
        {"id": "share", "kind": "numeric", "carry": "ratio",
         "derived": {"ratio": ["standard", "schools"], "scale": 100}},
        {"id": "level", "kind": "ordinal", "categories": LEVELS, "carry": "lowest"},
        {"id": "border", "kind": "categorical", "categories": YES_NO,
         "carry": {"rule": "any", "value": "yes", "otherwise": "no"}},
        {"id": "year_recognised", "kind": "numeric",
         "carry": {"rule": "none", "reason": {"vi": "Năm của từng xã cũ", "en": "A year of each old commune"}}},
    ]
    for entry in entries:
        entry.update({"program": "p", "vi": entry["id"], "en": entry["id"]})
        if entry["id"] in carry_of:
            entry["carry"] = carry_of[entry["id"]]
    return parse_catalog({"indicators": entries})


def table(rows, status="illustrative"):
    """Long table rows (code, indicator, value) for 2021."""
    return pd.DataFrame([
        {"commune_code": c, "indicator": i, "year": 2021, "value": str(v), "status": status, "source": "s", "note": ""}
        for c, i, v in rows
    ])


# Old A and B merge into X; old C is divided: 30 % of its area to X, 70 % to Y; old D becomes Y's other part.
MERGE_AND_SPLIT = crosswalk(
    row("A", "X"), row("B", "X"), row("C", "X", 0.3, 3.0), row("C", "Y", 0.7, 7.0), row("D", "Y"),
)
WHOLE = crosswalk(row("A", "X"))


def value(result, code, indicator="schools"):
    rows = result.rows[(result.rows["commune_code"] == code) & (result.rows["indicator"] == indicator)]
    assert len(rows) == 1, rows
    return rows.iloc[0]


def test_counts_are_summed():
    result = carry_values(table([("A", "schools", 3), ("B", "schools", 4)]), crosswalk(row("A", "X"), row("B", "X")), catalog())
    x = value(result, "X")
    assert x["value"] == "7" and x["derived"] and not x["estimated"]
    assert x["from"] == "A B" and x["rule"] == "sum"


def test_a_divided_unit_contributes_its_area_share():
    values = table([("A", "schools", 3), ("B", "schools", 4), ("C", "schools", 10), ("D", "schools", 2)])
    result = carry_values(values, MERGE_AND_SPLIT, catalog())
    assert value(result, "X")["value"] == "10"  # 3 + 4 + 0.3 x 10
    assert value(result, "Y")["value"] == "9"  # 0.7 x 10 + 2
    assert value(result, "X")["estimated"] and value(result, "Y")["estimated"]
    assert set(result.estimated()["commune_code"]) == {"X", "Y"}


def test_a_ratio_is_recomputed_not_averaged():
    values = table([("A", "schools", 10), ("A", "standard", 9), ("B", "schools", 2), ("B", "standard", 0),
                    ("A", "share", 90), ("B", "share", 0)])
    result = carry_values(values, crosswalk(row("A", "X"), row("B", "X")), catalog())
    share = value(result, "X", "share")
    assert share["value"] == "75"  # 9 / 12 schools; the average of 90 % and 0 % would be 45 %
    assert share["rule"] == "ratio" and share["derived"]


def test_an_ordinal_status_takes_the_lowest_level_by_default():
    values = table([("A", "level", "nang_cao"), ("B", "level", "dat_chuan")])
    result = carry_values(values, crosswalk(row("A", "X"), row("B", "X")), catalog())
    assert value(result, "X", "level")["value"] == "dat_chuan"
    highest = carry_values(values, crosswalk(row("A", "X"), row("B", "X")), catalog(level="highest"))
    assert value(highest, "X", "level")["value"] == "nang_cao"


def test_share_of_area_at_or_above_each_level():
    values = table([("A", "level", "nang_cao"), ("B", "level", "chua_dat")])
    cw = crosswalk(row("A", "X", area=30.0), row("B", "X", area=10.0))
    result = carry_values(values, cw, catalog(level="share_at_or_above"))
    assert value(result, "X", level_at_or_above_id("level", "dat_chuan"))["value"] == "75"
    assert value(result, "X", level_at_or_above_id("level", "nang_cao"))["value"] == "75"


def test_yes_no_by_any_and_all():
    values = table([("A", "border", "yes"), ("B", "border", "no")])
    cw = crosswalk(row("A", "X"), row("B", "X"))
    assert value(carry_values(values, cw, catalog()), "X", "border")["value"] == "yes"
    every = catalog(border={"rule": "all", "value": "yes", "otherwise": "no"})
    assert value(carry_values(values, cw, every), "X", "border")["value"] == "no"


def test_an_indicator_without_a_meaningful_rule_is_not_carried():
    result = carry_values(table([("A", "year_recognised", 2019)]), WHOLE, catalog(), lang="vi")
    assert result.rows.empty
    (skipped,) = result.not_carried.to_dict("records")
    assert skipped["commune_code"] == "X" and skipped["reason"] == "not_carried"
    assert skipped["message"] == "Năm của từng xã cũ"


def test_facts_stay_facts_only_where_exact():
    exact = value(carry_values(table([("A", "schools", 3)], status="fact"), WHOLE, catalog()), "X")
    assert exact["status"] == "fact" and not exact["derived"] and exact["value"] == "3"
    merged = carry_values(table([("A", "schools", 3), ("B", "schools", 4)], status="fact"),
                          crosswalk(row("A", "X"), row("B", "X")), catalog())
    assert value(merged, "X")["status"] == "derived"
    mixed = pd.concat([table([("A", "schools", 3)], status="fact"), table([("B", "schools", 4)])])
    assert value(carry_values(mixed, crosswalk(row("A", "X"), row("B", "X")), catalog()), "X")["status"] == "illustrative"


def test_a_missing_part_makes_a_count_unconvertible_and_is_reported():
    result = carry_values(table([("A", "schools", 3)]), crosswalk(row("A", "X"), row("B", "X")), catalog())
    assert result.rows.empty
    (skipped,) = result.not_carried.to_dict("records")
    assert skipped["reason"] == "missing_parts" and skipped["parts"] == "B"


def test_codes_of_another_edition_are_reported():
    result = carry_values(table([("Q", "schools", 3)]), WHOLE, catalog())
    assert result.not_carried.iloc[0]["reason"] == "unknown_unit"


@pytest.mark.parametrize("carry,message", [
    ("median", "unknown"),
    ("lowest", "does not apply"),
    ({"rule": "none"}, "reason"),
])
def test_bad_carry_rules_are_refused(carry, message):
    with pytest.raises(ValueError, match=message):
        catalog(schools=carry)


def test_the_shipped_catalog_declares_a_rule_for_every_commune_indicator():
    from geoapp.catalog import load_catalog
    from geoapp.config import GEODATA_DIR

    rules = {i.id: i.carry.rule for i in load_catalog(GEODATA_DIR / "catalog.yaml").indicators.values() if i.scope == "commune"}
    assert rules == {
        "ntm_level": "lowest", "ntm_year": "none", "schools_total": "sum", "schools_standard": "sum",
        "schools_standard_share": "ratio", "ocop_3_star": "sum", "ocop_4_star": "sum", "ocop_5_star": "sum",
        "ocop_total": "sum", "defence_drills": "sum", "border_commune": "any",
    }
