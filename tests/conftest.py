"""Shared fixtures: settings in tmp_path, the app and its test client, a live server and Chromium."""

from __future__ import annotations

import os
import socket
import subprocess
import tempfile
import threading
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from werkzeug.serving import make_server

from geoapp import create_app

PG_CLUSTER = Path(__file__).resolve().parent.parent / "scripts" / "pg-test-cluster.sh"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}


@pytest.fixture
def settings(tmp_path):
    """Settings of an app whose data directory is fresh for each test."""
    return {"DATA_DIR": str(tmp_path / "data"), "TESTING": True, "SECRET_KEY": "test-secret"}


@pytest.fixture
def app(settings):
    return create_app(settings)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def dataset(app):
    """The published dataset of a fresh app (the built-in data)."""
    return app.extensions["geoapp"].datasets.get()


class LiveServer:
    """A real HTTP server for an app, on a free loopback port, in a thread."""

    def __init__(self, app, host: str = "127.0.0.1") -> None:
        self.server = make_server(host, 0, app, threaded=True)
        self.url = f"http://{host}:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.thread.join(5)


@pytest.fixture
def live_server(app):
    with LiveServer(app) as server:
        yield server


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright (no downloaded browser)."""
    from playwright.sync_api import sync_playwright

    assert os.path.exists(CHROMIUM), f"{CHROMIUM} is missing: run scripts/install-system-deps.sh"
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class OfflinePage:
    """A page whose requests to anything but loopback are blocked and recorded."""

    def __init__(self, browser) -> None:
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.blocked: list[str] = []
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("dialog", self._dialog)
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))

    def _route(self, route):
        url = route.request.url
        parts = urlsplit(url)
        if parts.scheme in ("data", "blob", "file") or parts.hostname in LOCAL_HOSTS:
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort()

    def _dialog(self, dialog):
        self.dialogs.append(dialog.message)
        dialog.dismiss()


@pytest.fixture
def offline_page(browser):
    page = OfflinePage(browser)
    yield page
    page.context.close()


@pytest.fixture(scope="session")
def pg_cluster():
    """The URL of the PostGIS test cluster: GEOAPP_TEST_DATABASE_URL (scripts/test.sh starts one), or
    a throwaway cluster started here with scripts/pg-test-cluster.sh and stopped at the end of the session."""
    given = os.environ.get("GEOAPP_TEST_DATABASE_URL")
    if given:
        yield given
        return
    folder = Path(tempfile.mkdtemp(prefix="geoapp-pg."))  # outside pytest's private tmp: the postgres user reads it
    folder.chmod(0o755)
    port = str(free_port())
    url = subprocess.run(
        ["bash", str(PG_CLUSTER), "start", str(folder), port], check=True, capture_output=True, text=True
    ).stdout.strip()
    try:
        yield url
    finally:
        subprocess.run(["bash", str(PG_CLUSTER), "stop", str(folder)], check=False)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def pg_url(pg_cluster):
    """A fresh, empty PostGIS database on the test cluster."""
    import psycopg
    from psycopg import sql

    base = pg_cluster
    name = f"geoapp_t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE geoapp_test").format(sql.Identifier(name)))
    url = base.rsplit("/", 1)[0] + "/" + name
    yield url
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture(params=["gpkg", "postgis"])
def backend_settings(request, settings):
    """Settings for each storage backend: the GeoPackage file, then a fresh PostGIS database."""
    if request.param == "postgis":
        return {**settings, "DATABASE_URL": request.getfixturevalue("pg_url")}
    return settings


@pytest.fixture
def backend_app(backend_settings):
    return create_app(backend_settings)


@pytest.fixture
def backend_client(backend_app):
    return backend_app.test_client()


@pytest.fixture
def store(backend_settings):
    """An initialised, empty store of each backend."""
    from geoapp.config import load_settings
    from geoapp.storage import open_store

    opened = open_store(load_settings(backend_settings))
    opened.init()
    yield opened
    if hasattr(opened, "close"):
        opened.close()
