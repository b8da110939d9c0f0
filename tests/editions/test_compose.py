"""Crosswalks composed along editions (2021→2025→2027): shares multiply, a unit that stays whole stays exact."""

import pytest

from geoapp.editions.crosswalk import COMPOSED, WHOLE, Crosswalk, CrosswalkRow, compose


def row(old, new, share=1.0, area=10.0, method=WHOLE):
    return CrosswalkRow(old_code=old, old_name=f"Cũ {old}", old_district="", new_code=new, new_name=f"Mới {new}",
                        change="", share=share, area_km2=area, method=method)


def test_merge_after_merge_is_whole_and_split_shares_multiply():
    first = Crosswalk("A", "B", (row("1", "x"), row("2", "x"), row("3", "y", 0.25, 2.5, "nearest"),
                                 row("3", "z", 0.75, 7.5, "nearest")))
    second = Crosswalk("B", "C", (row("x", "p"), row("y", "p"), row("z", "q")))
    out = compose(first, second)
    by_pair = {(r.old_code, r.new_code): r for r in out.rows}
    assert (out.from_edition, out.to_edition) == ("A", "C")
    assert by_pair[("1", "p")].method == WHOLE and by_pair[("1", "p")].share == 1.0
    assert by_pair[("1", "p")].change == "merge" and by_pair[("1", "p")].new_name == "Mới p"
    assert by_pair[("3", "p")].share == pytest.approx(0.25) and by_pair[("3", "p")].method == COMPOSED
    assert by_pair[("3", "q")].share == pytest.approx(0.75) and by_pair[("3", "q")].area_km2 == pytest.approx(7.5)
    assert by_pair[("3", "p")].change == "many_to_many" and by_pair[("3", "q")].change == "split"


def test_a_divided_unit_whose_parts_meet_again_is_whole():
    first = Crosswalk("A", "B", (row("1", "x", 0.4, 4, "nearest"), row("1", "y", 0.6, 6, "nearest")))
    second = Crosswalk("B", "C", (row("x", "p"), row("y", "p")))
    (only,) = compose(first, second).rows
    assert (only.old_code, only.new_code, only.method) == ("1", "p", WHOLE) and only.share == 1.0
    assert only.area_km2 == pytest.approx(10)
