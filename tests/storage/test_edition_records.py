"""Editions added by upload: the record (description and crosswalk) stored with each boundary version, both backends."""

import pytest

from geoapp.config import GEODATA_DIR
from geoapp.data.dataset import load_dataset, load_default, read_edition_boundaries
from geoapp.storage.base import boundary_frame

RECORD = {"code": "2027", "previous": "2025", "valid_from": "2027-01-01", "valid_to": None,
          "levels": ["province", "commune"], "vi": "Đơn vị từ 1/1/2027", "en": "Units from 1 January 2027",
          "crosswalk": [{"old_code": "06187", "old_name": "Phường Kỳ Lừa", "old_district": "", "new_code": "06187",
                         "new_name": "Phường Kỳ Lừa", "change": "unchanged", "share": 1.0, "area_km2": 30.0,
                         "method": "whole", "status": "used", "reason": ""}]}


@pytest.fixture
def loaded(store):
    load_default(store, GEODATA_DIR)
    return store


def test_a_record_follows_its_version_through_rollback(loaded):
    units = boundary_frame(read_edition_boundaries(GEODATA_DIR, "2025"))
    assert loaded.edition_records() == {}
    loaded.publish_edition("2027", units, author="gis", comment="v1", base_version=None, record=RECORD)
    second = {**RECORD, "en": "Units of the 2027 reorganisation"}
    loaded.publish_edition("2027", units, author="gis", comment="v2", base_version=1, record=second)
    assert loaded.edition_records() == {"boundaries:2027": second}
    assert loaded.edition_record("boundaries:2027", 1) == RECORD
    loaded.rollback_edition("2027", 1, author="gis", comment="back", base_version=2)
    assert loaded.edition_records() == {"boundaries:2027": RECORD}
    assert loaded.edition_record("boundaries:2025", 1) is None  # shipped editions have none


def test_the_dataset_registry_adds_uploaded_editions_to_the_shipped_ones(loaded):
    units = boundary_frame(read_edition_boundaries(GEODATA_DIR, "2025"))
    before = load_dataset(loaded, GEODATA_DIR)
    assert set(before.registry.editions) == {"2021", "2025"} and before.registry.get("2025").valid_to is None
    loaded.publish_edition("2027", units, author="gis", comment="v1", base_version=None, record=RECORD)
    data = load_dataset(loaded, GEODATA_DIR)
    edition = data.registry.get("2027")
    assert edition.uploaded and edition.previous == "2025" and edition.title("en") == "Units from 1 January 2027"
    assert str(data.registry.get("2025").valid_to) == "2026-12-31"  # the edition it replaces now ends
    assert data.registry.chain("2021", "2027") == [("2021", "2025"), ("2025", "2027")]
    assert set(data.units("2027")["commune_code"]) == set(units["commune_code"])
