"""Files holding password hashes, sessions or the secret key are created readable by their owner only."""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

from click.testing import CliRunner

from geoapp import create_app
from geoapp.cli import main
from geoapp.storage.backup import backup_geopackage
from tests.accounts import add_user


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_store_secret_key_and_limit_files_are_0600(tmp_path):
    old = os.umask(0o022)  # a usual umask: files would otherwise be world-readable
    try:
        data = tmp_path / "data"
        app = create_app({"DATA_DIR": str(data), "TESTING": True})
        add_user(app, "boss", "admin")
        assert app.test_client().get("/maps/ntm_level.svg?year=2020").status_code == 200
        reader = sqlite3.connect(data / "geoapp.gpkg")  # an open connection keeps the -wal and -shm files
        try:
            reader.execute("SELECT count(*) FROM geoapp_users").fetchone()
            files = [data / "geoapp.gpkg", data / "geoapp.gpkg-wal", data / "geoapp.gpkg-shm", data / "secret_key",
                     data / "limits" / "rates.sqlite", data / "limits" / "slots" / "slot-0.lock"]
            assert {f.name: mode(f) for f in files} == {f.name: 0o600 for f in files}
        finally:
            reader.close()
        backup = tmp_path / "backup.gpkg"
        backup_geopackage(data / "geoapp.gpkg", backup)
        assert mode(backup) == 0o600
    finally:
        os.umask(old)


def test_store_created_by_the_cli_is_0600(tmp_path):
    old = os.umask(0o022)
    try:
        data = tmp_path / "cli-data"
        result = CliRunner().invoke(main, ["db", "upgrade", "--data-dir", str(data), "--database-url", ""])
        assert result.exit_code == 0, result.output
        assert mode(data / "geoapp.gpkg") == 0o600
    finally:
        os.umask(old)


def test_files_of_older_versions_are_made_private(tmp_path):
    data = tmp_path / "data"
    create_app({"DATA_DIR": str(data), "TESTING": True})
    for name in ("geoapp.gpkg", "secret_key"):
        (data / name).chmod(0o644)  # as versions before this one left them
    create_app({"DATA_DIR": str(data), "TESTING": True})
    assert mode(data / "geoapp.gpkg") == 0o600 and mode(data / "secret_key") == 0o600


def test_healthz_does_not_reveal_the_process_id(client):
    response = client.get("/healthz")
    body = response.get_json()
    assert response.status_code == 200 and "pid" not in body
    assert str(os.getpid()) not in response.get_data(as_text=True)
    assert body["worker"] == client.get("/healthz").get_json()["worker"]  # a stable, random worker name
