"""Backups that are safe while the app runs: SQLite's online backup API, or pg_dump."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from psycopg.conninfo import conninfo_to_dict, make_conninfo

from geoapp.storage.postgis import conninfo
from geoapp.util import create_private_file


def backup_geopackage(source: str | Path, target: str | Path) -> None:
    """Copy a GeoPackage file with SQLite's online backup API into a self-contained file."""
    target = Path(target)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    create_private_file(partial)  # the copy holds password hashes too
    src = sqlite3.connect(Path(source), timeout=30)
    try:
        dst = sqlite3.connect(partial)
        try:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=DELETE")
        finally:
            dst.close()
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    finally:
        src.close()
    partial.replace(target)


def backup_postgis(url: str, target: str | Path) -> None:
    """Dump the app's tables with pg_dump in its custom format (restore with pg_restore)."""
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        raise FileNotFoundError("pg_dump is not installed (Debian package postgresql-client)")
    params = conninfo_to_dict(conninfo(url))
    env = dict(os.environ)
    if "password" in params:
        env["PGPASSWORD"] = params.pop("password")
    target = Path(target)
    partial = target.with_name(target.name + ".partial")
    try:
        subprocess.run(
            [pg_dump, "--format=custom", "--no-owner", "--table=geoapp_*", f"--file={partial}",
             f"--dbname={make_conninfo(**params)}"],
            check=True,
            env=env,
        )
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    partial.replace(target)
