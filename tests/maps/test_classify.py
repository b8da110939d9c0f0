import pandas as pd
import pytest

from geoapp.catalog import load_catalog
from geoapp.maps.classify import NODATA_CLASS, NODATA_COLOR, PALETTES, classify, parse_breaks
from geoapp.config import GEODATA_DIR
from geoapp.errors import BadRequest


@pytest.fixture
def catalog():
    return load_catalog(GEODATA_DIR / "catalog.yaml")


def test_quantiles_and_nodata_is_its_own_class(catalog):
    ind = catalog.get("schools_total")
    values = pd.Series(["1", "2", "3", "4", "5", "6", "7", "8", "", None])
    c = classify(values, ind, "quantiles", 4)
    assert c.k == 4 and len(c.entries) == 4
    assert list(c.classes[:8]) == [0, 0, 1, 1, 2, 2, 3, 3]
    assert list(c.classes[8:]) == [NODATA_CLASS, NODATA_CLASS]
    assert c.nodata.count == 2 and c.nodata.color == NODATA_COLOR
    assert NODATA_COLOR not in [e.color for e in c.entries]
    assert sum(e.count for e in c.entries) == 8


def test_equal_interval_bins(catalog):
    c = classify(pd.Series(["0", "10", "5", "2.5"]), catalog.get("schools_total"), "equal_interval", 4)
    assert c.bins == [2.5, 5.0, 7.5, 10.0]


def test_natural_breaks_deterministic(catalog):
    values = pd.Series([str(v) for v in [1, 1, 2, 2, 10, 11, 12, 30, 31]])
    a = classify(values, catalog.get("ocop_total"), "natural_breaks", 3)
    b = classify(values, catalog.get("ocop_total"), "natural_breaks", 3)
    assert a.bins == b.bins == [2.0, 12.0, 31.0]


def test_user_breaks(catalog):
    c = classify(pd.Series(["1", "3", "6", "9"]), catalog.get("schools_total"), "user", breaks=[2, 5])
    assert c.bins == [2.0, 5.0, 9.0]
    assert list(c.classes) == [0, 1, 2, 2]


def test_k_capped_by_distinct_values(catalog):
    c = classify(pd.Series(["0", "0", "1", "1"]), catalog.get("ocop_4_star"), "quantiles", 5)
    assert c.k == 2


def test_all_nodata(catalog):
    c = classify(pd.Series(["", ""]), catalog.get("schools_total"))
    assert c.entries == [] and c.nodata.count == 2


def test_ordinal_uses_catalog_colours_in_order(catalog):
    ind = catalog.get("ntm_level")
    c = classify(pd.Series(["nang_cao", "chua_dat", "", "unknown"]), ind, lang="vi")
    assert [e.value for e in c.entries] == ["chua_dat", "dat_chuan", "nang_cao", "kieu_mau"]
    assert [e.label for e in c.entries][:2] == ["Chưa đạt", "Đạt chuẩn NTM"]
    assert list(c.colors[:2]) == [ind.categories[2].color, ind.categories[0].color]
    assert c.nodata.count == 2


def test_labels_follow_language(catalog):
    ind = catalog.get("state_budget_revenue")
    vi = classify(pd.Series(["1234.5", "20000"]), ind, "equal_interval", 2, lang="vi")
    en = classify(pd.Series(["1234.5", "20000"]), ind, "equal_interval", 2, lang="en")
    assert vi.entries[0].label.startswith("1.234,5")
    assert en.entries[0].label.startswith("1,234.5")


@pytest.mark.parametrize("scheme, k", [("bogus", 4), ("quantiles", 1), ("quantiles", 10), ("quantiles", "x")])
def test_bad_scheme_or_k(catalog, scheme, k):
    with pytest.raises(BadRequest):
        classify(pd.Series(["1", "2"]), catalog.get("schools_total"), scheme, k)


@pytest.mark.parametrize("text", ["a,b", "3,2", "1,1", ","])
def test_bad_breaks(text):
    with pytest.raises(BadRequest):
        parse_breaks(text)


def test_palettes_are_sequential_and_distinct():
    for colors in PALETTES.values():
        assert len(set(colors)) == len(colors) == 9
