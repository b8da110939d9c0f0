"""Carried values of one indicator on the 2025 units, as maps, profiles and the API will use them."""

import pandas as pd
import pytest

from geoapp.catalog import load_catalog
from geoapp.config import GEODATA_DIR
from geoapp.data.dataset import read_default_indicators
from geoapp.editions.lookup import carried_indicator, load_crosswalk
from geoapp.editions.model import load_registry

KY_LUA_PARTS = ["05971", "06187", "06226", "06235", "06244"]


@pytest.fixture(scope="module")
def shipped():
    return (read_default_indicators(GEODATA_DIR), load_crosswalk(load_registry(GEODATA_DIR), "2021", "2025"),
            load_catalog(GEODATA_DIR / "catalog.yaml"))


def test_a_share_is_recomputed_from_the_parts_counts(shipped):
    values, crosswalk, catalog = shipped
    carried = carried_indicator(values, crosswalk, catalog, "schools_standard_share", 2021)
    unit = carried.by_unit()["06187"]
    rows = values[values["commune_code"].isin(KY_LUA_PARTS) & (values["year"] == 2021)]
    count = lambda ind: pd.to_numeric(rows.loc[rows["indicator"] == ind, "value"]).sum()  # noqa: E731
    assert float(unit["value"]) == pytest.approx(100 * count("schools_standard") / count("schools_total"), abs=1e-3)
    assert unit["derived"] and unit["from"] == KY_LUA_PARTS and unit["rule"] == "ratio"
    assert len(carried.rows) == 65 and carried.rule == "ratio"


def test_an_ordinal_status_on_the_new_units(shipped):
    values, crosswalk, catalog = shipped
    carried = carried_indicator(values, crosswalk, catalog, "ntm_level", 2020).by_unit()
    ky_lua = carried["06187"]
    assert ky_lua["rule"] == "lowest" and ky_lua["status"] == "illustrative"
    assert set(ky_lua["from"]) <= set(KY_LUA_PARTS)  # wards and townships have no new-rural status
    order = [c.value for c in catalog.get("ntm_level").categories]
    parts = values[(values["indicator"] == "ntm_level") & (values["year"] == 2020) & values["commune_code"].isin(ky_lua["from"])]
    assert ky_lua["value"] == min(parts["value"], key=order.index)


def test_an_indicator_that_is_not_carried_says_why(shipped):
    values, crosswalk, catalog = shipped
    carried = carried_indicator(values, crosswalk, catalog, "ntm_year", 2021, lang="vi")
    assert carried.rows.empty and carried.rule == "none" and "năm" in carried.reason.lower()


def test_values_in_either_edition(shipped):
    from geoapp.editions.lookup import values_in_edition

    values, _, catalog = shipped
    registry = load_registry(GEODATA_DIR)
    old = values_in_edition(values, registry, catalog, "2021", "schools_total", 2021).by_unit()
    new = values_in_edition(values, registry, catalog, "2025", "schools_total", 2021).by_unit()
    assert len(old) == 194 and len(new) == 65
    assert old["06187"]["from"] == ["06187"] and not old["06187"]["derived"]
    assert new["06187"]["derived"] and new["06187"]["from"] == KY_LUA_PARTS
    assert float(new["06187"]["value"]) == sum(float(old[c]["value"]) for c in KY_LUA_PARTS)
