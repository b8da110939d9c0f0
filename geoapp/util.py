"""Small helpers shared by the core modules."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import time


def digest(*parts: object) -> str:
    """Return a short stable hash of the parts (for ETags and cache keys)."""
    h = hashlib.sha256()
    for part in parts:
        h.update(repr(part).encode("utf-8"))
        h.update(b"\0")
    return h.hexdigest()[:24]


def create_private_file(path) -> None:
    """Create an empty file readable and writable by its owner only (0600), unless it exists."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass


def restrict_to_owner(path) -> None:
    """Make an existing file readable and writable by its owner only (files made by older versions)."""
    try:
        if os.stat(path).st_mode & 0o077:
            os.chmod(path, 0o600)
    except FileNotFoundError:
        pass


def connect_sqlite(path, timeout: float = 30) -> sqlite3.Connection:
    """Open an SQLite file in autocommit mode with write-ahead logging.

    Switching a file to WAL needs it to itself; processes that start together (gunicorn
    workers) may find it busy, so the switch is retried until `timeout`. Once set, WAL stays.
    """
    conn = sqlite3.connect(path, timeout=timeout, isolation_level=None)
    deadline = time.monotonic() + timeout
    while True:
        try:
            if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                conn.execute("PRAGMA journal_mode=WAL")
            return conn
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                conn.close()
                raise
            time.sleep(0.02)
