"""Boundary editions in the store: each edition has its own versions, history and rollback, on both backends."""

import sqlite3

import pytest
from geopandas.testing import assert_geodataframe_equal

from geoapp.config import GEODATA_DIR
from geoapp.data.dataset import load_default, read_default_boundaries, read_edition_boundaries
from geoapp.errors import Conflict
from geoapp.storage.base import boundary_frame


@pytest.fixture
def loaded(store):
    """A store with the built-in data published (both editions)."""
    assert set(load_default(store, GEODATA_DIR)) == {"boundaries", "indicators", "boundaries:2025"}
    return store


def renamed(frame, code, name):
    frame = frame.copy()
    frame.loc[frame["commune_code"] == code, "commune_name"] = name
    return frame


def test_the_built_in_2025_edition_is_loaded_at_first_start(loaded):
    assert loaded.published_versions() == {"boundaries": 1, "indicators": 1, "boundaries:2025": 1}
    assert loaded.published_editions() == {"2021": 1, "2025": 1}
    units = loaded.read_edition("2025")
    assert len(units) == 65 and (units["boundary_quality"] == "derived").all()
    assert units.set_index("commune_code").loc["06187", "commune_name"] == "Phường Kỳ Lừa"
    # the existing calls still read the 2021 edition: the same code is another place there
    legacy = loaded.read_boundaries()
    assert len(legacy) == 194 and legacy.set_index("commune_code").loc["06187", "commune_name"] == "Thị trấn Cao Lộc"
    assert loaded.data_version() == "b1.i1.e2025-1"


def test_publish_and_roll_back_an_edition_leaves_the_other_untouched(loaded):
    legacy_before, legacy_history = loaded.read_boundaries(), loaded.history("boundaries")
    tokens = [loaded.data_version()]
    first = loaded.read_edition("2025")
    version = loaded.publish_edition("2025", renamed(first, "06187", "Phường Kỳ Lừa (sửa)"),
                                     author="gis", comment="fix a name", base_version=1)
    assert version == 2 and loaded.published_editions() == {"2021": 1, "2025": 2}
    tokens.append(loaded.data_version())
    assert loaded.read_edition("2025").set_index("commune_code").loc["06187", "commune_name"] == "Phường Kỳ Lừa (sửa)"
    assert [(v.version, v.published) for v in loaded.edition_history("2025")] == [(2, True), (1, False)]
    assert loaded.edition_history("2025")[0].kind == "boundaries:2025"
    assert_geodataframe_equal(loaded.read_boundaries(), legacy_before)
    assert loaded.history("boundaries") == legacy_history
    loaded.rollback_edition("2025", 1, author="gis", comment="undo", base_version=2)
    tokens.append(loaded.data_version())
    assert_geodataframe_equal(loaded.read_edition("2025"), first)
    assert_geodataframe_equal(loaded.read_edition("2025", 2).drop(columns="commune_name"), first.drop(columns="commune_name"))
    assert_geodataframe_equal(loaded.read_boundaries(), legacy_before)
    assert loaded.published_versions()["boundaries"] == 1
    assert tokens == ["b1.i1.e2025-1", "b1.i1.e2025-2", "b1.i1.e2025-1"]


def test_publishing_the_2021_edition_leaves_2025_untouched(loaded):
    before = loaded.read_edition("2025")
    loaded.publish("boundaries", renamed(loaded.read_boundaries(), "06202", "Xã Xuất Lễ (v2)"),
                   author="gis", comment="", base_version=1)
    assert loaded.published_editions() == {"2021": 2, "2025": 1}
    assert loaded.read_boundaries(edition="2021").set_index("commune_code").loc["06202", "commune_name"] == "Xã Xuất Lễ (v2)"
    assert_geodataframe_equal(loaded.read_edition("2025"), before)
    assert [v.version for v in loaded.edition_history("2025")] == [1]


def test_a_stale_base_of_an_edition_is_a_conflict(loaded):
    frame = loaded.read_edition("2025")
    with pytest.raises(Conflict):
        loaded.publish_edition("2025", frame, author="gis", comment="", base_version=None)
    with pytest.raises(Conflict):
        loaded.rollback_edition("2025", 1, author="gis", comment="", base_version=7)
    assert loaded.published_editions()["2025"] == 1


def test_a_new_edition_starts_its_own_history(loaded):
    frame = boundary_frame(read_edition_boundaries(GEODATA_DIR, "2025"))
    assert loaded.publish_edition("2030", frame, author="gis", comment="", base_version=None) == 1
    assert loaded.published_editions() == {"2021": 1, "2025": 1, "2030": 1}
    assert loaded.data_version() == "b1.i1.e2025-1.e2030-1"
    with pytest.raises(ValueError):
        loaded.publish_edition("../x", frame, author="gis", comment="", base_version=None)


def test_an_existing_geopackage_store_is_migrated(settings):
    from geoapp.storage.gpkg import MIGRATIONS, GeoPackageStore

    store = GeoPackageStore(f"{settings['DATA_DIR']}/old.gpkg")
    store.init()
    store.publish("boundaries", read_default_boundaries(GEODATA_DIR), author="t", comment="", base_version=None)
    with sqlite3.connect(store.path) as conn:  # make it a store from before editions and API tokens
        conn.execute("DROP TABLE geoapp_api_tokens")
        conn.execute("DROP INDEX boundaries_kind_version")
        conn.execute("ALTER TABLE boundaries DROP COLUMN kind")
        conn.execute("DELETE FROM geoapp_schema_migrations")
    store.init()
    with sqlite3.connect(store.path) as conn:
        recorded = conn.execute("SELECT version FROM geoapp_schema_migrations ORDER BY version").fetchall()
        assert (2,) in recorded and recorded == [(number,) for number, _, _ in MIGRATIONS]
    assert len(store.read_boundaries()) == 194 and store.list_api_tokens() == []
    assert set(load_default(store, GEODATA_DIR)) == {"indicators", "boundaries:2025"}
    assert len(store.read_edition("2025")) == 65 and len(store.read_boundaries()) == 194


def test_an_existing_postgis_store_is_migrated(pg_url, monkeypatch):
    from geoapp.storage import migrations
    from geoapp.storage.postgis import PostgisStore

    store = PostgisStore(pg_url)
    every = migrations.MIGRATIONS
    monkeypatch.setattr(migrations, "MIGRATIONS", every[:1])  # a store from before editions
    assert store.upgrade() == [1]
    store.publish("boundaries", read_default_boundaries(GEODATA_DIR), author="t", comment="", base_version=None)
    monkeypatch.setattr(migrations, "MIGRATIONS", every)
    assert store.upgrade() == [m.version for m in every[1:]]
    assert len(store.read_boundaries()) == 194 and store.list_api_tokens() == []
    assert set(load_default(store, GEODATA_DIR)) == {"indicators", "boundaries:2025"}
    assert len(store.read_edition("2025")) == 65
    store.close()
