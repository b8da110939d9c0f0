import io
import json
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import warnings
from pathlib import Path

import geopandas as gpd
import psycopg
import pytest
from geopandas.testing import assert_geodataframe_equal

from geoapp import create_app
from geoapp.config import load_settings
from geoapp.data.dataset import ensure_store
from geoapp.errors import Conflict
from geoapp.storage import open_store
from geoapp.storage.gpkg import GeoPackageStore
from tests.accounts import as_user, csrf, published_bytes

HELPER = Path(__file__).resolve().parent.parent / "publish_helper.py"


def wait_for(condition, proc, timeout=120.0):
    """Wait until condition() is true; fail early if the helper process ends."""
    deadline = time.monotonic() + timeout
    while not condition():
        if proc.poll() is not None:
            out, err = proc.communicate()
            pytest.fail(f"helper ended early ({proc.returncode}): {out!r} {err!r}")
        assert time.monotonic() < deadline, "timed out waiting for the helper"
        time.sleep(0.05)


def start_helper(settings: dict, ready: Path, copies: int, pause_after: int | None = None):
    args = [sys.executable, str(HELPER), json.dumps(settings), str(ready), str(copies)]
    if pause_after:
        args.append(str(pause_after))
    return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=HELPER.parent.parent)


def kill(proc) -> None:
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL


def state_of(store) -> tuple:
    """Return what readers see: published versions, history and the published frames."""
    return store.published_versions(), store.history("boundaries"), store.read_boundaries(), store.read_indicators()


def assert_same_state(store, before: tuple) -> None:
    versions, history, boundaries, indicators = before
    assert store.published_versions() == versions
    assert store.history("boundaries") == history
    assert_geodataframe_equal(store.read_boundaries(), boundaries)
    assert store.read_indicators().equals(indicators)


def assert_next_publish_works(store, base: int) -> None:
    changed = store.read_boundaries()
    changed.loc[0, "commune_name"] = "Sau sự cố"
    version = store.publish("boundaries", changed, author="ed", comment="after the crash", base_version=base)
    assert version == base + 1
    after = store.read_boundaries()
    assert len(after) == len(changed) and after.loc[0, "commune_name"] == "Sau sự cố"  # no leftover rows
    assert store.history("boundaries")[0].version == version


def test_killed_gpkg_publish_leaves_the_previous_version(settings, tmp_path):
    app = create_app(settings)
    client = app.test_client()
    store = app.extensions["geoapp"].store
    before, served = state_of(store), published_bytes(app, client)
    ready = tmp_path / "ready"
    proc = start_helper(settings, ready, copies=60, pause_after=6000)
    try:
        wait_for(ready.exists, proc)
        wal = Path(f"{store.path}-wal")
        assert wal.stat().st_size > 4 * 1024 * 1024  # uncommitted pages of the new version are on disk
        assert published_bytes(app, client) == served  # readers are served during the write
    finally:
        kill(proc)
    reopened = GeoPackageStore(store.path)
    assert_same_state(reopened, before)
    assert published_bytes(app, client) == served
    with sqlite3.connect(store.path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute("SELECT COUNT(*) FROM boundaries WHERE kind = 'boundaries'").fetchone() == (len(before[2]),)
    assert_next_publish_works(reopened, before[0]["boundaries"])


def _waiting_publisher(conn) -> int | None:
    """Return the backend pid of a publish that waits for the published pointer."""
    row = conn.execute(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
        "AND wait_event_type = 'Lock' AND query LIKE 'UPDATE geoapp_published%'"
    ).fetchone()
    return row[0] if row else None


def test_killed_postgis_publish_leaves_the_previous_version(settings, pg_url, tmp_path):
    pg_settings = {**settings, "DATABASE_URL": pg_url}
    store = ensure_store(load_settings(pg_settings))
    before = state_of(store)
    ready = tmp_path / "ready"
    with psycopg.connect(pg_url) as blocker, psycopg.connect(pg_url, autocommit=True) as watcher:
        # Hold the published pointer: the publish writes all its rows, then waits on this lock.
        blocker.execute("SELECT version FROM geoapp_published WHERE kind = 'boundaries' FOR UPDATE")
        proc = start_helper(pg_settings, ready, copies=20)
        try:
            wait_for(lambda: _waiting_publisher(watcher) is not None, proc)
            pid = _waiting_publisher(watcher)
            held = watcher.execute(
                "SELECT c.relname FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                "WHERE l.pid = %s AND l.mode = 'RowExclusiveLock'", (pid,)
            ).fetchall()
            assert ("geoapp_boundaries",) in held  # the new rows are written, not yet committed
            assert_same_state(store, before)
        finally:
            kill(proc)
        blocker.rollback()
        deadline = time.monotonic() + 60
        while watcher.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", (pid,)).fetchone():
            assert time.monotonic() < deadline, "the killed publish's session did not end"
            time.sleep(0.05)
    reopened = open_store(load_settings(pg_settings))
    assert_same_state(reopened, before)
    assert_next_publish_works(reopened, before[0]["boundaries"])


def renamed(frame: gpd.GeoDataFrame, tag: str) -> gpd.GeoDataFrame:
    out = frame.copy()
    out["commune_name"] = out["commune_name"] + f" ({tag})"
    return out


@pytest.mark.parametrize("rounds", [3])
def test_two_editors_publishing_at_once(backend_settings, rounds):
    store = ensure_store(load_settings(backend_settings))
    original = store.read_boundaries()
    for round_ in range(rounds):
        base = store.published_versions()["boundaries"]
        frames = {name: renamed(original, f"{name}{round_}") for name in ("A", "B")}
        barrier = threading.Barrier(2)
        results: dict = {}

        def editor(name):
            own = open_store(load_settings(backend_settings))
            barrier.wait()
            try:
                results[name] = own.publish("boundaries", frames[name], author=name, comment=name, base_version=base)
            except Conflict as exc:
                results[name] = exc

        threads = [threading.Thread(target=editor, args=(n,)) for n in frames]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        winners = [n for n, r in results.items() if isinstance(r, int)]
        losers = [n for n, r in results.items() if isinstance(r, Conflict)]
        assert len(winners) == 1 and len(losers) == 1, results
        winner, loser = winners[0], losers[0]
        assert results[winner] == base + 1
        assert results[loser].status == 409
        assert_geodataframe_equal(store.read_boundaries(), frames[winner])  # never a mix
        retried = store.publish("boundaries", frames[loser], author=loser, comment="retry", base_version=results[winner])
        assert retried == base + 2
        assert_geodataframe_equal(store.read_boundaries(), frames[loser])
        authors = [(v.version, v.author) for v in store.history("boundaries")[:2]]
        assert authors == [(base + 2, loser), (base + 1, winner)]


def test_two_editors_on_the_web_one_is_told_to_recheck(backend_app):
    app = backend_app
    ann, bob = as_user(app, "ann", "editor"), as_user(app, "bob", "editor")
    store = app.extensions["geoapp"].store
    original = store.read_boundaries()
    reports = {}
    for client, tag in ((ann, "ann"), (bob, "bob")):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            body = renamed(original, tag).to_json(drop_id=True).encode()
        reports[tag] = client.post("/admin/upload/boundaries", content_type="multipart/form-data", data={
            "csrf_token": csrf(client, "/admin/"), "file": (io.BytesIO(body), f"{tag}.geojson")})
    first = publish_report(ann, reports["ann"], "ann's names")
    assert first.status_code == 303
    served = published_bytes(app, ann)
    second = publish_report(bob, reports["bob"], "bob's names")
    assert second.status_code == 409
    page = second.get_data(as_text=True)
    assert 'id="conflict"' in page and "phiên bản 2" in page
    assert published_bytes(app, ann) == served  # nothing of bob's was applied
    assert_geodataframe_equal(store.read_boundaries(), renamed(original, "ann"))
    retried = publish_report(bob, second, "bob's names, rechecked")
    assert retried.status_code == 303
    assert_geodataframe_equal(store.read_boundaries(), renamed(original, "bob"))
    assert [(v.version, v.author) for v in store.history("boundaries")[:2]] == [(3, "bob"), (2, "ann")]


def publish_report(client, report, comment):
    token = re.search(r"/admin/pending/([0-9a-f]{32})/publish", report.get_data(as_text=True)).group(1)
    return client.post(f"/admin/pending/{token}/publish", data={"csrf_token": csrf(client, "/admin/"), "comment": comment})
