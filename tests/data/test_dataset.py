import geopandas as gpd
from geopandas.testing import assert_geodataframe_equal

from geoapp.config import GEODATA_DIR, load_settings
from geoapp.data.dataset import DatasetCache, ensure_store, load_default, read_default_boundaries


def test_first_start_publishes_the_built_in_data_once(settings):
    store = ensure_store(load_settings(settings))
    assert store.published_versions() == {"boundaries": 1, "indicators": 1, "boundaries:2025": 1}
    assert load_default(store, GEODATA_DIR) == []  # nothing left to load
    assert [v.version for v in store.history("boundaries")] == [1]
    shipped = read_default_boundaries(GEODATA_DIR)
    stored = store.read_boundaries()
    assert stored["commune_code"].tolist() == shipped["commune_code"].tolist()
    assert stored["commune_code"].str.fullmatch(r"\d{5}").all()


def test_cache_reloads_when_the_data_version_changes(settings):
    s = load_settings(settings)
    store = ensure_store(s)
    cache = DatasetCache(store, GEODATA_DIR)
    first = cache.get()
    assert cache.get() is first  # same version: same object
    frame = store.read_boundaries()
    frame.loc[frame["commune_code"] == "06184", "commune_name"] = "Thị trấn Đồng Đăng (mới)"
    store.publish("boundaries", frame, author="t", comment="", base_version=1)
    second = cache.get()
    assert second is not first and second.version == "b2.i1.e2025-1"
    assert second.commune("06184")["commune_name"] == "Thị trấn Đồng Đăng (mới)"
    store.rollback("boundaries", 1, author="t", comment="", base_version=2)
    third = cache.get()
    assert third.version == "b1.i1.e2025-1"
    assert_geodataframe_equal(gpd.GeoDataFrame(third.communes), gpd.GeoDataFrame(first.communes))


def test_dataset_lookups(dataset):
    assert dataset.district_name("183") == "Huyện Cao Lộc"
    assert len(dataset.communes_of("183")) == 22 and len(dataset.communes_of(None)) == 194
    assert len(dataset.districts) == 11
    assert set(dataset.facts_about("district", "183")["indicator"]) >= {"grain_output", "enterprises"}
