"""Shared helpers: SQLite files switched to write-ahead logging by processes that start together."""

from __future__ import annotations

import multiprocessing
import sqlite3

import pytest

from geoapp import util


class BusyAtFirst:
    """A connection whose first `busy` switches to WAL fail as a busy file does."""

    def __init__(self, conn: sqlite3.Connection, busy: int) -> None:
        self.conn = conn
        self.busy = busy

    def execute(self, sql, *args):
        if sql == "PRAGMA journal_mode=WAL" and self.busy:
            self.busy -= 1
            raise sqlite3.OperationalError("database is locked")
        return self.conn.execute(sql, *args)

    def close(self):
        self.conn.close()


def test_the_switch_to_wal_is_retried_while_the_file_is_busy(tmp_path, monkeypatch):
    connect = sqlite3.connect
    monkeypatch.setattr(util.sqlite3, "connect", lambda *a, **k: BusyAtFirst(connect(*a, **k), busy=3))
    conn = util.connect_sqlite(tmp_path / "rates.sqlite")
    assert conn.busy == 0
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()


def test_other_errors_and_a_file_busy_too_long_are_raised(tmp_path, monkeypatch):
    connect = sqlite3.connect
    monkeypatch.setattr(util.sqlite3, "connect", lambda *a, **k: BusyAtFirst(connect(*a, **k), busy=10**9))
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        util.connect_sqlite(tmp_path / "busy.sqlite", timeout=0.2)
    with pytest.raises(sqlite3.OperationalError):
        util.connect_sqlite(tmp_path / "missing" / "no.sqlite")


def open_together(path: str, barrier, results) -> None:
    barrier.wait()
    try:
        util.connect_sqlite(path).close()
        results.put("ok")
    except sqlite3.Error as exc:
        results.put(repr(exc))


def test_processes_starting_together_all_open_a_new_file(tmp_path):
    context = multiprocessing.get_context("fork")
    for round_ in range(5):
        path = tmp_path / f"shared-{round_}.sqlite"
        path.touch()
        barrier, results = context.Barrier(6), context.Queue()
        processes = [context.Process(target=open_together, args=(str(path), barrier, results)) for _ in range(6)]
        for process in processes:
            process.start()
        for process in processes:
            process.join(60)
        assert [results.get(timeout=5) for _ in processes] == ["ok"] * 6
