"""The Store interface, the same assertions on the GeoPackage and the PostGIS backend."""

import multiprocessing
import sqlite3
import subprocess
import threading
import uuid
from datetime import datetime
from pathlib import Path

import pandas as pd
import psycopg
import pytest
from click.testing import CliRunner
from geopandas.testing import assert_geodataframe_equal
from pandas.testing import assert_frame_equal
from psycopg import sql

from geoapp.cli import main
from geoapp.config import GEODATA_DIR, load_settings
from geoapp.data.dataset import read_default_boundaries, read_default_indicators
from geoapp.errors import Conflict, NotFound
from geoapp.storage import open_store
from geoapp.storage.base import boundary_frame, indicator_frame

NASTY = [
    "'; DROP TABLE geoapp_versions; --",
    "Robert'); DELETE FROM geoapp_users; --",
    '" OR "1"="1',
    "%s %(name)s {0} $1 ?",
    "back\\slash\ttab\nnewline",
    "Xã Hoà Cư — “ngoặc” ‘đơn’",
]


def boundaries():
    return read_default_boundaries(GEODATA_DIR)


def indicators(marker: str = "") -> pd.DataFrame:
    frame = read_default_indicators(GEODATA_DIR)
    if marker:
        frame["note"] = marker
    return frame


def publish(store, kind, frame, author="editor", comment=""):
    return store.publish(kind, frame, author=author, comment=comment, base_version=store.published_versions()[kind])


@pytest.fixture
def other_store(backend_settings):
    """Return a function that opens another store on the same database or file, as another worker would."""
    opened = []

    def open_other():
        opened.append(open_store(load_settings(backend_settings)))
        return opened[-1]

    yield open_other
    for each in opened:
        if hasattr(each, "close"):
            each.close()


def test_empty_store(store):
    assert store.published_versions() == {"boundaries": None, "indicators": None}
    assert store.data_version() == "b0.i0"
    assert store.read_boundaries().empty and store.read_indicators().empty
    assert store.history("boundaries") == [] and store.audit() == [] and store.list_users() == []


def test_boundaries_round_trip(store):
    source = boundaries()
    version = store.publish("boundaries", source, author="gis", comment="first", base_version=None)
    assert version == 1
    back = store.read_boundaries()
    assert_geodataframe_equal(back, boundary_frame(source))
    assert back.crs.to_epsg() == 4326
    assert_geodataframe_equal(store.read_boundaries(1), back)


def test_indicators_round_trip(store):
    source = indicators()
    store.publish("indicators", source, author="gis", comment="", base_version=None)
    back = store.read_indicators()
    assert_frame_equal(back, indicator_frame(source))
    assert back["year"].dtype == "int64" and back["value"].dtype == "string"


def test_codes_stay_text_with_leading_zeros(store):
    units = boundaries().head(2).copy()
    units["commune_code"] = ["00123", "06184"]
    units["district_code"] = ["001", "183"]
    values = pd.DataFrame(
        {"commune_code": ["00123", "06184"], "indicator": ["ocop_3_star"] * 2, "year": [2021, 2021],
         "value": ["007", "0.50"], "status": ["fact", "fact"], "source": ["", ""], "note": ["", ""]}
    )
    store.publish("boundaries", units, author="gis", comment="", base_version=None)
    store.publish("indicators", values, author="gis", comment="", base_version=None)
    back = store.read_boundaries()
    assert list(back["commune_code"]) == ["00123", "06184"] and list(back["district_code"]) == ["001", "183"]
    assert back["commune_code"].dtype == "string"
    assert list(store.read_indicators()["value"]) == ["007", "0.50"]


def test_missing_attributes_read_back_as_missing(store):
    units = boundaries().head(3).copy()
    units["boundary_quality"] = pd.array([None, "approximate", None], dtype="string")
    store.publish("boundaries", units, author="gis", comment="", base_version=None)
    assert list(store.read_boundaries()["boundary_quality"].isna()) == [True, False, True]


def test_an_empty_table_is_a_version_too(store):
    publish(store, "indicators", indicators())
    empty = indicators().head(0)
    assert publish(store, "indicators", empty) == 2
    assert store.history("indicators")[0].rows == 0
    back = store.read_indicators()
    assert back.empty and list(back.columns) == list(empty.columns)
    assert publish(store, "boundaries", boundaries().head(0)) == 1 and store.read_boundaries().empty


def test_versions_and_history(store):
    first = indicators("one")
    v1 = store.publish("indicators", first, author="an", comment="initial", base_version=None)
    v2 = store.publish("indicators", indicators("two").head(10), author="binh", comment="fix", base_version=v1)
    v3 = store.publish("indicators", indicators("three").head(5), author="chi", comment="", base_version=v2)
    assert (v1, v2, v3) == (1, 2, 3)
    history = store.history("indicators")
    assert [(h.version, h.author, h.comment, h.rows, h.published) for h in history] == [
        (3, "chi", "", 5, True),
        (2, "binh", "fix", 10, False),
        (1, "an", "initial", len(first), False),
    ]
    assert all(h.kind == "indicators" for h in history)
    assert datetime.fromisoformat(history[0].created_at).utcoffset().total_seconds() == 0
    assert_frame_equal(store.read_indicators(1), indicator_frame(first))
    assert set(store.read_indicators(2)["note"]) == {"two"} and len(store.read_indicators()) == 5
    assert store.history("boundaries") == []
    with pytest.raises(ValueError):
        store.history("users")


def test_rollback(store):
    v1 = publish(store, "indicators", indicators("one"))
    v2 = publish(store, "indicators", indicators("two").head(3))
    assert store.rollback("indicators", v1, author="an", comment="bad upload", base_version=v2) == v1
    assert store.published_versions()["indicators"] == v1
    assert set(store.read_indicators()["note"]) == {"one"}
    assert [(h.version, h.published) for h in store.history("indicators")] == [(2, False), (1, True)]
    assert store.audit(1)[0] == {**store.audit(1)[0], "actor": "an", "action": "rollback indicators",
                                 "detail": "version 1", "comment": "bad upload"}
    # forward again to the newer version
    store.rollback("indicators", v2, author="an", comment="", base_version=v1)
    assert len(store.read_indicators()) == 3
    with pytest.raises(NotFound) as missing:
        store.rollback("indicators", 99, author="an", comment="", base_version=v2)
    assert missing.value.status == 404 and missing.value.params == {"version": 99}
    with pytest.raises(Conflict):
        store.rollback("indicators", v1, author="an", comment="", base_version=v1)
    assert store.published_versions()["indicators"] == v2


def test_stale_base_is_a_conflict(store):
    v1 = publish(store, "boundaries", boundaries())
    v2 = publish(store, "boundaries", boundaries().head(5))
    audit_before = store.audit()
    with pytest.raises(Conflict) as stale:
        store.publish("boundaries", boundaries().head(1), author="late", comment="", base_version=v1)
    assert stale.value.status == 409 and stale.value.key == "error_publish_conflict"
    assert stale.value.params == {"current": v2, "base": v1}
    with pytest.raises(Conflict):
        store.publish("boundaries", boundaries().head(1), author="late", comment="", base_version=None)
    assert store.published_versions()["boundaries"] == v2 and len(store.read_boundaries()) == 5
    assert [h.version for h in store.history("boundaries")] == [2, 1]
    assert store.audit() == audit_before


def test_unknown_kind_is_refused(store):
    with pytest.raises(ValueError):
        store.publish("users", indicators(), author="x", comment="", base_version=None)


def marked_frames(kind: str, n: int) -> list:
    """Return n frames of `kind`, each marked with its writer's number in every row."""
    frames = []
    for i in range(n):
        if kind == "boundaries":
            frame = boundaries()
            frame["commune_name"] = f"writer {i}"
        else:
            frame = indicators(f"writer {i}")
        frames.append(frame)
    return frames


def marker_of(store, kind: str) -> set:
    frame = store.read_boundaries() if kind == "boundaries" else store.read_indicators()
    return set(frame["commune_name" if kind == "boundaries" else "note"])


@pytest.mark.parametrize("kind", ["boundaries", "indicators"])
def test_concurrent_publishes_from_threads_one_winner_per_base(store, other_store, kind):
    writers = 4
    frames = marked_frames(kind, writers)
    expected_rows = len(frames[0])
    stores = [other_store() for _ in range(writers)]
    for base in (None, 1):
        barrier = threading.Barrier(writers)
        results: list = [None] * writers

        def write(i):
            barrier.wait()
            try:
                results[i] = stores[i].publish(kind, frames[i], author=f"w{i}", comment="", base_version=base)
            except Conflict as exc:
                results[i] = exc

        threads = [threading.Thread(target=write, args=(i,)) for i in range(writers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        winners = [i for i, r in enumerate(results) if isinstance(r, int)]
        assert len(winners) == 1, results
        assert all(isinstance(r, Conflict) for i, r in enumerate(results) if i != winners[0])
        won = results[winners[0]]
        assert won == (base or 0) + 1
        assert store.published_versions()[kind] == won
        assert marker_of(store, kind) == {f"writer {winners[0]}"}
        history = store.history(kind)
        assert [h.version for h in history] == list(range(won, 0, -1))
        assert history[0].author == f"w{winners[0]}" and history[0].rows == expected_rows
        assert len(store.read_boundaries() if kind == "boundaries" else store.read_indicators()) == expected_rows
    assert [e["action"] for e in store.audit()] == [f"publish {kind}"] * 2


def test_concurrent_rollback_and_publish_one_winner(store, other_store):
    publish(store, "indicators", indicators("writer 0"))
    publish(store, "indicators", indicators("writer 1"))
    for round_ in range(3):
        base = store.published_versions()["indicators"]
        target = 1 if base != 1 else 2
        barrier = threading.Barrier(3)
        results = {}

        def attempt(name, call):
            barrier.wait()
            try:
                results[name] = call()
            except Conflict:
                results[name] = "conflict"

        rollbacker, publisher = other_store(), other_store()
        calls = {
            "rollback": lambda: rollbacker.rollback("indicators", target, author="r", comment="", base_version=base),
            "publish": lambda: publisher.publish("indicators", indicators(f"new {round_}"), author="p",
                                                 comment="", base_version=base),
        }
        threads = [threading.Thread(target=attempt, args=item) for item in calls.items()]
        for t in threads:
            t.start()
        barrier.wait()
        for t in threads:
            t.join(60)
        assert sorted(results.values(), key=str).count("conflict") == 1, results
        rolled_back = results["rollback"] != "conflict"
        expected = {f"writer {target - 1}"} if rolled_back else {f"new {round_}"}
        assert marker_of(store, "indicators") == expected
        assert store.published_versions()["indicators"] == (target if rolled_back else results["publish"])


def _publish_in_child(store, frame, base, barrier, results, i):
    barrier.wait()
    try:
        results.put((i, store.publish("indicators", frame, author=f"p{i}", comment="", base_version=base)))
    except Conflict:
        results.put((i, "conflict"))


def test_concurrent_publishes_from_processes_one_winner(store):
    """Forked processes share the parent's store object, as gunicorn workers do."""
    publish(store, "indicators", indicators("start"))
    assert store.published_versions()["indicators"] == 1  # the parent has used its connections
    ctx = multiprocessing.get_context("fork")
    writers = 3
    frames = marked_frames("indicators", writers)
    barrier, results = ctx.Barrier(writers), ctx.Queue()
    procs = [ctx.Process(target=_publish_in_child, args=(store, frames[i], 1, barrier, results, i)) for i in range(writers)]
    for p in procs:
        p.start()
    outcome = dict(results.get(timeout=60) for _ in procs)
    for p in procs:
        p.join(30)
        assert p.exitcode == 0
    winners = [i for i, r in outcome.items() if r == 2]
    assert len(winners) == 1 and sorted(outcome.values(), key=str) == [2, "conflict", "conflict"]
    assert store.published_versions()["indicators"] == 2
    assert marker_of(store, "indicators") == {f"writer {winners[0]}"}
    assert len(store.read_indicators()) == len(frames[0])


def test_readers_never_see_a_mixed_version(store, other_store):
    publish(store, "indicators", indicators("writer 0"))
    expected = len(indicators())
    stop = threading.Event()
    seen, bad = set(), []

    def read():
        while not stop.is_set():
            frame = reader.read_indicators()
            notes = set(frame["note"])
            if len(notes) != 1 or len(frame) != expected:
                bad.append((notes, len(frame)))
            seen.update(notes)

    reader = other_store()
    thread = threading.Thread(target=read)
    thread.start()
    try:
        for i in range(1, 4):
            publish(store, "indicators", indicators(f"writer {i}"))
    finally:
        stop.set()
        thread.join(30)
    assert bad == []
    assert seen <= {f"writer {i}" for i in range(4)} and "writer 0" in seen


def test_audit_log(store):
    publish(store, "indicators", indicators(), author="an", comment="nhập số liệu 2021")
    store.log("binh", "export", "ntm_level.png", "for the report")
    store.log("chi", "login", "ok")
    entries = store.audit()
    assert [(e["actor"], e["action"], e["detail"], e["comment"]) for e in entries] == [
        ("chi", "login", "ok", ""),
        ("binh", "export", "ntm_level.png", "for the report"),
        ("an", "publish indicators", f"version 1 ({len(indicators())} rows)", "nhập số liệu 2021"),
    ]
    assert datetime.fromisoformat(entries[0]["at"]).utcoffset().total_seconds() == 0
    assert [e["actor"] for e in store.audit(limit=2)] == ["chi", "binh"]


def test_users(store):
    store.add_user("an", "hash-1", "editor", actor="admin")
    store.add_user("binh", "hash-2", "viewer", actor="admin")
    assert store.get_user("an") == {"name": "an", "password_hash": "hash-1", "role": "editor"}
    assert store.get_user("nobody") is None
    listed = store.list_users()
    assert [(u["name"], u["role"]) for u in listed] == [("an", "editor"), ("binh", "viewer")]
    assert all("password_hash" not in u and datetime.fromisoformat(u["created_at"]) for u in listed)
    with pytest.raises(Conflict) as dup:
        store.add_user("an", "other", "admin", actor="admin")
    assert dup.value.key == "error_user_exists" and store.get_user("an")["password_hash"] == "hash-1"
    store.set_user("an", actor="admin", role="admin")
    store.set_user("an", actor="admin", password_hash="hash-3")
    assert store.get_user("an") == {"name": "an", "password_hash": "hash-3", "role": "admin"}
    store.delete_user("binh", actor="admin")
    assert store.get_user("binh") is None
    for call in (lambda: store.set_user("binh", actor="admin", role="admin"),
                 lambda: store.delete_user("binh", actor="admin")):
        with pytest.raises(NotFound) as missing:
            call()
        assert missing.value.key == "error_unknown_user"
    assert [(e["action"], e["detail"]) for e in store.audit()] == [
        ("delete user", "binh"),
        ("change password", "an"),
        ("change role", "an -> admin"),
        ("add user", "binh (viewer)"),
        ("add user", "an (editor)"),
    ]


def test_data_version_changes_on_publish_and_rollback(store, other_store):
    tokens = [store.data_version()]
    b1 = publish(store, "boundaries", boundaries())
    tokens.append(store.data_version())
    i1 = publish(store, "indicators", indicators())
    tokens.append(store.data_version())
    i2 = publish(store, "indicators", indicators("new"))
    tokens.append(store.data_version())
    store.rollback("indicators", i1, author="an", comment="", base_version=i2)
    tokens.append(store.data_version())
    assert tokens == ["b0.i0", f"b{b1}.i0", f"b{b1}.i{i1}", f"b{b1}.i{i2}", f"b{b1}.i{i1}"]
    assert other_store().data_version() == tokens[-1]


def test_init_is_idempotent(store):
    publish(store, "indicators", indicators())
    before = (store.history("indicators"), store.audit())
    store.init()
    store.init()
    assert (store.history("indicators"), store.audit()) == before
    assert_frame_equal(store.read_indicators(), indicator_frame(indicators()))


def test_sql_injection_attempts_are_stored_verbatim(store):
    units = boundaries().head(len(NASTY)).copy()
    units["commune_name"] = NASTY
    values = indicators().head(len(NASTY)).copy()
    values["value"] = NASTY
    values["note"] = list(reversed(NASTY))
    for text in NASTY:
        store.add_user(text, text, "viewer", actor=text)
    store.publish("boundaries", units, author=NASTY[0], comment=NASTY[1], base_version=None)
    store.publish("indicators", values, author=NASTY[2], comment=NASTY[3], base_version=None)
    store.log(NASTY[4], NASTY[5], NASTY[0], NASTY[1])
    assert list(store.read_boundaries()["commune_name"]) == NASTY
    back = store.read_indicators()
    assert list(back["value"]) == NASTY and list(back["note"]) == list(reversed(NASTY))
    assert [u["name"] for u in store.list_users()] == sorted(NASTY, key=lambda s: s.encode())
    assert all(store.get_user(text)["password_hash"] == text for text in NASTY)
    assert store.history("boundaries")[0].author == NASTY[0] and store.history("boundaries")[0].comment == NASTY[1]
    assert store.audit(1)[0] == {**store.audit(1)[0], "actor": NASTY[4], "action": NASTY[5],
                                 "detail": NASTY[0], "comment": NASTY[1]}
    assert store.published_versions() == {"boundaries": 1, "indicators": 1}


def run_db(settings: dict, *args: str):
    """Run `geoapp db ARGS` against the store of `settings`."""
    options = ["--data-dir", settings["DATA_DIR"], "--database-url", settings.get("DATABASE_URL", "")]
    return CliRunner().invoke(main, ["db", *args, *options])


def test_cli_upgrade_and_load_default(backend_settings, other_store):
    first = run_db(backend_settings, "upgrade")
    assert first.exit_code == 0, first.output
    assert run_db(backend_settings, "upgrade").exit_code == 0
    store = other_store()
    assert store.published_versions() == {"boundaries": None, "indicators": None}
    loaded = run_db(backend_settings, "load-default")
    assert loaded.exit_code == 0 and "loaded: boundaries, indicators" in loaded.output
    again = run_db(backend_settings, "load-default")
    assert again.exit_code == 0 and "nothing loaded" in again.output
    assert store.published_versions() == {"boundaries": 1, "indicators": 1, "boundaries:2025": 1}
    assert_geodataframe_equal(store.read_boundaries(), boundary_frame(boundaries()))
    assert [h.author for h in store.history("indicators")] == ["system"]


def restore(settings: dict, backup: Path, tmp_path: Path, request) -> dict:
    """Restore a backup as the docs say; return the settings of the restored store."""
    if not settings.get("DATABASE_URL"):
        data_dir = tmp_path / "restored"
        data_dir.mkdir()
        (data_dir / "geoapp.gpkg").write_bytes(backup.read_bytes())
        return {**settings, "DATA_DIR": str(data_dir)}
    base = settings["DATABASE_URL"]
    name = f"geoapp_r_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(base, autocommit=True) as conn:
        # an empty database with the postgis extension, as the README's deployment section says
        conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE geoapp_test").format(sql.Identifier(name)))
    url = base.rsplit("/", 1)[0] + "/" + name
    request.addfinalizer(lambda: drop_database(base, name))
    subprocess.run(["pg_restore", "--no-owner", "--exit-on-error", f"--dbname={url}", str(backup)], check=True)
    return {**settings, "DATABASE_URL": url}


def drop_database(url: str, name: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def test_cli_backup_while_writing_then_restore(store, other_store, backend_settings, tmp_path, request):
    publish(store, "boundaries", boundaries())
    publish(store, "indicators", indicators("one"))
    writer_store = other_store()
    stop = threading.Event()

    def keep_publishing():
        n = 0
        while not stop.is_set():
            n += 1
            publish(writer_store, "indicators", indicators(f"busy {n}").head(50))

    writer = threading.Thread(target=keep_publishing)
    writer.start()
    try:
        target = tmp_path / "backup.bin"
        result = run_db(backend_settings, "backup", str(target))
    finally:
        stop.set()
        writer.join(60)
    assert result.exit_code == 0, result.output
    assert run_db(backend_settings, "backup", str(target)).exit_code != 0  # refuses to overwrite
    restored_settings = restore(backend_settings, target, tmp_path, request)
    restored = open_store(load_settings(restored_settings))
    request.addfinalizer(getattr(restored, "close", lambda: None))
    restored.init()
    versions = restored.published_versions()
    history = restored.history("indicators")
    assert versions["boundaries"] == 1 and versions["indicators"] == history[0].version
    assert [h.version for h in history] == list(range(history[0].version, 0, -1))
    assert_geodataframe_equal(restored.read_boundaries(), store.read_boundaries(1))
    for info in history:
        assert_frame_equal(restored.read_indicators(info.version), store.read_indicators(info.version))
    latest = history[0].version
    assert publish(restored, "indicators", indicators("after restore")) == latest + 1  # sequences restored too
    assert restored.audit(1)[0]["detail"].startswith(f"version {latest + 1} ")
    if not backend_settings.get("DATABASE_URL"):
        with sqlite3.connect(target) as conn:
            assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


PAGES = ["/", "/maps/ntm_level", "/api/maps/ntm_level.json", "/api/boundaries.geojson", "/communes/06202", "/healthz"]


def test_main_routes_on_each_backend(backend_client, backend_app):
    for url in PAGES:
        response = backend_client.get(url)
        assert response.status_code == 200, url
    health = backend_client.get("/healthz").json
    assert health["status"] == "ok" and health["data_version"] == "b1.i1.e2025-1" and health["communes"] == 194
    assert len(backend_client.get("/api/boundaries.geojson").json["features"]) == 22
    values = backend_client.get("/api/maps/ntm_level.json?year=2020").json["values"]
    assert values["06202"]["raw"] == "dat_chuan" and values["06202"]["status"] == "fact"
    assert "Xuất Lễ" in backend_client.get("/communes/06202").get_data(as_text=True)
    assert "Cao Lộc" in backend_client.get("/maps/ntm_level").get_data(as_text=True)


def test_publish_is_served_on_the_next_request(backend_client, backend_app):
    store = backend_app.extensions["geoapp"].store
    url = "/api/maps/ntm_level.json?year=2020"
    before = backend_client.get(url)
    table = store.read_indicators()
    hit = (table["commune_code"] == "06202") & (table["indicator"] == "ntm_level") & (table["year"] == 2020)
    table.loc[hit, "value"] = "kieu_mau"
    publish(store, "indicators", table)
    after = backend_client.get(url, headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200 and after.headers["ETag"] != before.headers["ETag"]
    assert after.json["values"]["06202"]["raw"] == "kieu_mau" and after.json["data_version"] == "b1.i2.e2025-1"
    store.rollback("indicators", 1, author="an", comment="", base_version=2)
    assert backend_client.get(url).json["values"]["06202"]["raw"] == "dat_chuan"
    assert backend_client.get("/healthz").json["data_version"] == "b1.i1.e2025-1"
