"""What only the PostGIS backend has: migrations, schema constraints, connection URLs, fork safety."""

import multiprocessing
import threading

import psycopg
import pytest

from geoapp.config import GEODATA_DIR
from geoapp.data.dataset import load_default, read_default_boundaries
from geoapp.storage import migrations, open_store
from geoapp.storage.postgis import PostgisStore, conninfo, masked


@pytest.fixture
def pg_store(pg_url):
    store = PostgisStore(pg_url)
    yield store
    store.close()


def query(url, text, params=()):
    with psycopg.connect(url) as conn:
        return conn.execute(text, params).fetchall()


def test_upgrade_is_recorded_and_idempotent(pg_url, pg_store):
    assert pg_store.upgrade() == [m.version for m in migrations.MIGRATIONS]
    assert pg_store.upgrade() == []
    pg_store.init()
    recorded = query(pg_url, "SELECT version, name FROM geoapp_schema_migrations ORDER BY version")
    assert recorded == [(m.version, m.name) for m in migrations.MIGRATIONS]


def test_concurrent_upgrades_apply_each_migration_once(pg_url):
    stores = [PostgisStore(pg_url) for _ in range(4)]
    barrier = threading.Barrier(len(stores))
    results, errors = [], []

    def run(store):
        barrier.wait()
        try:
            results.append(store.upgrade())
        except Exception as exc:  # noqa: BLE001 - any failure is the test's failure
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(s,)) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    every = [m.version for m in migrations.MIGRATIONS]
    assert sorted(n for applied in results for n in applied) == every  # each migration applied by exactly one store
    assert query(pg_url, "SELECT count(*) FROM geoapp_schema_migrations") == [(len(every),)]


def test_a_new_migration_runs_once(pg_url, pg_store, monkeypatch):
    pg_store.upgrade()
    number = migrations.MIGRATIONS[-1].version + 1
    extra = migrations.Migration(number, "a column for a test", "ALTER TABLE geoapp_users ADD COLUMN extra text")
    monkeypatch.setattr(migrations, "MIGRATIONS", (*migrations.MIGRATIONS, extra))
    assert pg_store.upgrade() == [number]
    assert pg_store.upgrade() == []
    assert query(pg_url, "SELECT max(version) FROM geoapp_schema_migrations") == [(number,)]


def test_a_failing_migration_leaves_nothing_behind(pg_url, pg_store, monkeypatch):
    pg_store.upgrade()
    last = migrations.MIGRATIONS[-1].version
    broken = migrations.Migration(last + 1, "broken", "CREATE TABLE geoapp_half (x int); SELECT no_such_function()")
    monkeypatch.setattr(migrations, "MIGRATIONS", (*migrations.MIGRATIONS, broken))
    with pytest.raises(psycopg.errors.UndefinedFunction):
        pg_store.upgrade()
    assert query(pg_url, "SELECT to_regclass('geoapp_half') IS NULL") == [(True,)]
    assert query(pg_url, "SELECT max(version) FROM geoapp_schema_migrations") == [(last,)]


def test_geometry_column_srid_and_gist_index(pg_url, pg_store):
    pg_store.init()
    load_default(pg_store, GEODATA_DIR)
    columns = query(pg_url, "SELECT type, srid FROM geometry_columns WHERE f_table_name = 'geoapp_boundaries'")
    assert columns == [("GEOMETRY", 4326)]
    indexes = query(pg_url, "SELECT indexdef FROM pg_indexes WHERE tablename = 'geoapp_boundaries'")
    assert any("USING gist (geom)" in row[0] for row in indexes)
    # the stored polygons answer spatial queries: the commune containing Xuất Lễ's centre
    (code,) = query(
        pg_url,
        "SELECT commune_code FROM geoapp_boundaries WHERE version = 1 "
        "AND ST_Contains(geom, ST_SetSRID(ST_MakePoint(%s, %s), 4326))",
        (106.994895, 21.899024),
    )[0]
    assert code == "06202"
    source = read_default_boundaries(GEODATA_DIR).set_index("commune_code").geometry
    back = pg_store.read_boundaries().set_index("commune_code").geometry
    assert all(back[c].equals_exact(source[c], 0) for c in source.index)


def test_constraints_guard_versions_and_pointers(pg_url, pg_store):
    pg_store.init()
    load_default(pg_store, GEODATA_DIR)
    with pytest.raises(psycopg.errors.UniqueViolation):
        query(pg_url, "INSERT INTO geoapp_versions (kind, version, author, rows) VALUES ('indicators', 1, 'x', 0)")
    with pytest.raises(psycopg.errors.ForeignKeyViolation):
        query(pg_url, "UPDATE geoapp_published SET version = 7 WHERE kind = 'indicators'")
    with pytest.raises(psycopg.errors.ForeignKeyViolation):
        query(pg_url, "INSERT INTO geoapp_indicator_values (version, commune_code) VALUES (9, '06202')")
    with pytest.raises(psycopg.errors.CheckViolation):
        query(pg_url, "INSERT INTO geoapp_versions (kind, version, author, rows) VALUES ('users', 1, 'x', 0)")


@pytest.mark.parametrize("scheme", ["postgresql://", "postgres://", "postgresql+psycopg://"])
def test_url_schemes_select_postgis(pg_url, tmp_path, scheme):
    url = scheme + pg_url.removeprefix("postgresql://")
    store = open_store({"DATABASE_URL": url, "DATA_DIR": str(tmp_path)})
    assert isinstance(store, PostgisStore)
    store.init()
    assert store.published_versions() == {"boundaries": None, "indicators": None}
    assert conninfo(url).startswith("postgresql://")
    store.close()


def test_repr_hides_the_password():
    store = PostgisStore("postgresql://geoapp:s3cret@db.example:5432/geoapp")
    assert "s3cret" not in repr(store) and "***" in repr(store)
    assert masked("postgresql://u@h/d") == "user=u dbname=d host=h"


def _child_reads(store, results):
    results.put(store.published_versions())


def test_forked_child_leaves_the_parent_connection_alone(pg_store):
    pg_store.init()
    load_default(pg_store, GEODATA_DIR)
    pg_store.published_versions()
    (parent_conn,) = pg_store._pool._idle
    backend = parent_conn.info.backend_pid
    ctx = multiprocessing.get_context("fork")
    results = ctx.Queue()
    child = ctx.Process(target=_child_reads, args=(pg_store, results))
    child.start()
    published = {"boundaries": 1, "indicators": 1, "boundaries:2025": 1}
    assert results.get(timeout=30) == published
    child.join(30)
    assert child.exitcode == 0
    assert pg_store.published_versions() == published
    assert pg_store._pool._idle == [parent_conn] and parent_conn.info.backend_pid == backend


def test_pool_replaces_a_connection_the_server_closed(pg_url, pg_store):
    pg_store.init()
    pg_store.published_versions()
    (conn,) = pg_store._pool._idle
    query(pg_url, "SELECT pg_terminate_backend(%s)", (conn.info.backend_pid,))
    assert pg_store.published_versions() == {"boundaries": None, "indicators": None}
    assert pg_store._pool._idle[0] is not conn

