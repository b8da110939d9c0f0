"""Editions as data: the registry, edition-qualified unit ids, predecessors and successors."""

import datetime as dt

import pandas as pd
import pytest

from geoapp.config import GEODATA_DIR
from geoapp.editions.lookup import load_crosswalk, predecessors, successors
from geoapp.editions.model import load_registry, parse_unit_id, unit_id
from geoapp.errors import NotFound


def test_the_two_editions_and_their_hierarchies():
    registry = load_registry(GEODATA_DIR)
    old, new = registry.get("2021"), registry.get("2025")
    assert registry.default == "2021"
    assert old.levels == ("province", "district", "commune") and old.has_districts
    assert new.levels == ("province", "commune") and not new.has_districts
    assert old.valid_to == dt.date(2025, 6, 30) and new.valid_from == dt.date(2025, 7, 1)
    assert old.valid_on(dt.date(2025, 6, 30)) and not old.valid_on(dt.date(2025, 7, 1))
    assert "1/7/2025" in new.title("vi") and "1 July 2025" in new.title("en")
    with pytest.raises(NotFound):
        registry.get("1999")


def test_codes_are_only_unique_within_an_edition():
    old = pd.read_csv(GEODATA_DIR / "communes_2021.csv", dtype=str).set_index("commune_code")
    new = pd.read_csv(GEODATA_DIR / "communes_2025.csv", dtype=str).set_index("commune_code")
    assert len(new) == 65 and new.index.isin(old.index).all()  # every 2025 code is also a 2021 code
    renamed = [c for c in new.index if old.at[c, "commune_name"] != new.at[c, "commune_name"]]
    other_name = [c for c in new.index if old.at[c, "short_name"] != new.at[c, "short_name"]]
    assert len(renamed) == 37 and len(other_name) == 28  # e.g. Thị trấn Đồng Đăng -> Xã Đồng Đăng is one of the 37
    assert unit_id("2025", "06187") == "2025:06187"
    assert parse_unit_id("2025:06187", "2021") == ("2025", "06187")
    assert parse_unit_id("06187", "2021") == ("2021", "06187")


def test_predecessors_and_successors():
    crosswalk = load_crosswalk(load_registry(GEODATA_DIR), "2021", "2025")
    assert [r.old_code for r in predecessors(crosswalk, "06187")] == ["05971", "06187", "06226", "06235", "06244"]
    assert [r.new_code for r in successors(crosswalk, "06187")] == ["06187"]  # Thị trấn Cao Lộc -> Phường Kỳ Lừa
    assert [r.new_code for r in successors(crosswalk, "06211")] == ["06211"]  # Xã Lộc Yên -> Xã Cao Lộc
    split = successors(crosswalk, "06622")  # Xã Bính Xá was divided
    assert [r.new_code for r in split] == ["06613", "06625"] and sum(r.share for r in split) == pytest.approx(1, abs=1e-5)
    assert [r.new_code for r in successors(crosswalk, "06079")] == ["06079"]  # the failing row is not used
