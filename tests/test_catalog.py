import pytest

from geoapp.catalog import load_catalog, parse_catalog
from geoapp.config import GEODATA_DIR
from geoapp.errors import NotFound


def test_catalog_covers_the_four_programs():
    catalog = load_catalog(GEODATA_DIR / "catalog.yaml")
    groups = catalog.by_program("commune")
    assert set(groups) == {"new_rural", "schools", "ocop", "security"}
    assert catalog.get("ntm_level").kind == "ordinal"
    assert [c.value for c in catalog.get("ntm_level").categories] == ["chua_dat", "dat_chuan", "nang_cao", "kieu_mau"]
    assert catalog.get("border_commune").kind == "categorical"
    assert catalog.get("schools_standard_share").derived == {"ratio": ["schools_standard", "schools_total"], "scale": 100}
    district = {i.id for i in catalog.indicators.values() if i.scope == "district"}
    assert {"grain_output", "winter_spring_sown_area", "state_budget_revenue", "capital_disbursed",
            "cooperatives", "enterprises"} <= district


def test_every_indicator_has_both_titles_and_years():
    catalog = load_catalog(GEODATA_DIR / "catalog.yaml")
    for ind in catalog.indicators.values():
        assert ind.title("vi") and ind.title("en"), ind.id
        assert ind.years, ind.id
        assert ind.sources and set(ind.sources) <= set(catalog.sources), ind.id
        if ind.is_numeric:
            assert ind.scheme in ("quantiles", "equal_interval", "natural_breaks")


def test_unknown_indicator_is_not_found():
    with pytest.raises(NotFound):
        load_catalog(GEODATA_DIR / "catalog.yaml").get("nope")


def test_adding_an_indicator_is_a_data_change():
    data = {"indicators": [{"id": "x", "program": "p", "kind": "numeric", "vi": "X", "en": "X", "years": [2021]}]}
    assert parse_catalog(data).get("x").k == 5


def test_categories_required_for_ordinal():
    with pytest.raises(ValueError):
        parse_catalog({"indicators": [{"id": "x", "program": "p", "kind": "ordinal", "vi": "X", "en": "X"}]})


def test_unknown_source_is_refused():
    with pytest.raises(ValueError, match="unknown sources"):
        parse_catalog({"indicators": [{"id": "x", "program": "p", "kind": "numeric", "vi": "X", "en": "X", "sources": ["nope"]}]})
