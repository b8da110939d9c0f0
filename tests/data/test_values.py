import pandas as pd
from pandas.testing import assert_frame_equal

from geoapp.catalog import load_catalog
from geoapp.config import GEODATA_DIR
from geoapp.data.values import select, with_derived


def rows(*items):
    return pd.DataFrame(items, columns=["commune_code", "indicator", "year", "value", "status", "source", "note"])


def test_ratio_and_sum_are_derived():
    catalog = load_catalog(GEODATA_DIR / "catalog.yaml")
    values = rows(
        ("06184", "schools_total", 2021, "4", "fact", "s", ""),
        ("06184", "schools_standard", 2021, "1", "fact", "s", ""),
        ("06184", "ocop_3_star", 2021, "2", "illustrative", "illustrative", ""),
        ("06184", "ocop_4_star", 2021, "1", "fact", "s", ""),
        ("06184", "ocop_5_star", 2021, "0", "fact", "s", ""),
        ("06187", "schools_total", 2021, "0", "fact", "s", ""),
        ("06187", "schools_standard", 2021, "0", "fact", "s", ""),
    )
    out = with_derived(values, catalog)
    share = select(out, "schools_standard_share", 2021)
    assert share.set_index("commune_code")["value"].to_dict() == {"06184": "25"}  # 0 schools: no share
    assert share["status"].tolist() == ["fact"]
    total = select(out, "ocop_total", 2021)
    assert total["value"].tolist() == ["3"]
    assert total["status"].tolist() == ["illustrative"]  # one input illustrative


def test_stored_derived_values_are_recomputed():
    catalog = load_catalog(GEODATA_DIR / "catalog.yaml")
    values = rows(
        ("06184", "ocop_total", 2021, "99", "fact", "s", ""),
        ("06184", "ocop_3_star", 2021, "1", "fact", "s", ""),
        ("06184", "ocop_4_star", 2021, "1", "fact", "s", ""),
        ("06184", "ocop_5_star", 2021, "1", "fact", "s", ""),
    )
    assert select(with_derived(values, catalog), "ocop_total", 2021)["value"].tolist() == ["3"]


def test_select_one_row_per_commune():
    values = rows(("06184", "x", 2021, "1", "fact", "", ""), ("06184", "x", 2021, "2", "fact", "", ""))
    assert_frame_equal(select(values, "x", 2021).reset_index(drop=True), values.iloc[[1]].reset_index(drop=True))
