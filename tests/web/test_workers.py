"""Several gunicorn workers serve the same data: a publish is seen by every worker on its next request."""

import http.client
import json
import os
import re
import signal
import subprocess
import sys
import time

import pytest

from geoapp.config import load_settings
from geoapp.storage import open_store

NEW_NAME = "Xã Thử Nghiệm Đa Tiến Trình"
URLS = {
    "health": "/healthz",
    "values": "/api/maps/ntm_level.json?year=2020",
    "page": "/maps/ntm_level?year=2020",
    "commune": "/communes/06202",
    "geometry": "/api/boundaries.geojson",
    "export_html": "/maps/ntm_level.html?year=2020",
    "export_svg": "/maps/ntm_level.svg?year=2020",
    "download": "/api/download/indicators.csv?indicator=ntm_level&year=2020",
}


class Gunicorn:
    """gunicorn running the app with the project's config, on a free loopback port."""

    def __init__(self, env: dict, log_path, workers: int = 2) -> None:
        self.log_path = log_path
        command = [
            sys.executable, "-m", "gunicorn", "-c", "python:geoapp.gunicorn_conf",
            "--keep-alive", "60", "geoapp:create_app()",
        ]
        env = {**os.environ, **env, "GEOAPP_BIND": "127.0.0.1:0", "GEOAPP_WORKERS": str(workers), "GEOAPP_THREADS": "2"}
        with open(log_path, "wb") as log:
            self.proc = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        self.port = self._wait_for_port()

    def _wait_for_port(self) -> int:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            match = re.search(r"Listening at: http://127\.0\.0\.1:(\d+)", self.log_path.read_text())
            if match:
                port = int(match.group(1))
                if self._healthy(port):
                    return port
            assert self.proc.poll() is None, self.log_path.read_text()
            time.sleep(0.2)
        raise AssertionError(f"gunicorn did not start:\n{self.log_path.read_text()}")

    @staticmethod
    def _healthy(port: int) -> bool:
        try:
            status, _, _ = get(http.client.HTTPConnection("127.0.0.1", port, timeout=30), "/healthz")
        except OSError:
            return False
        return status == 200

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)


def get(conn: http.client.HTTPConnection, url: str, headers: dict | None = None):
    """GET `url` on a (kept-alive) connection; return (status, headers, body)."""
    conn.request("GET", url, headers=headers or {})
    response = conn.getresponse()
    return response.status, dict(response.getheaders()), response.read()


def get_if_none_match(conn, url: str, etag: str):
    return get(conn, url, {"If-None-Match": etag})


@pytest.fixture
def server(backend_settings, tmp_path):
    env = {"GEOAPP_DATA_DIR": backend_settings["DATA_DIR"], "GEOAPP_SECRET_KEY": "workers-test",
           "GEOAPP_DATABASE_URL": backend_settings.get("DATABASE_URL", "")}
    running = Gunicorn(env, tmp_path / "gunicorn.log")
    yield running
    running.stop()


def connection_per_worker(port: int, workers: int = 2) -> dict:
    """Open kept-alive connections until there is one to each worker; return {worker id: connection}."""
    pinned: dict[str, http.client.HTTPConnection] = {}
    for _ in range(400):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        worker = json.loads(get(conn, "/healthz")[2])["worker"]
        if worker in pinned:
            conn.close()
        else:
            pinned[worker] = conn
        if len(pinned) == workers:
            return pinned
    raise AssertionError(f"reached only workers {sorted(pinned)}")


def fetch_all(conn) -> dict:
    out = {}
    for name, url in URLS.items():
        status, headers, body = get(conn, url)
        assert status == 200, (name, body[:300])
        out[name] = body
    return out


def publish_changes(store) -> None:
    """Publish a new indicator value, then a renamed commune: two publishes, as an editor would."""
    versions = store.published_versions()
    table = store.read_indicators()
    hit = (table["commune_code"] == "06202") & (table["indicator"] == "ntm_level") & (table["year"] == 2020)
    table.loc[hit, "value"] = "kieu_mau"
    store.publish("indicators", table, author="editor", comment="", base_version=versions["indicators"])
    units = store.read_boundaries()
    units.loc[units["commune_code"] == "06202", "commune_name"] = NEW_NAME
    store.publish("boundaries", units, author="editor", comment="", base_version=versions["boundaries"])


def assert_new(bodies: dict) -> None:
    assert json.loads(bodies["health"])["data_version"] == "b2.i2.e2025-1"
    values = json.loads(bodies["values"])
    assert values["data_version"] == "b2.i2.e2025-1"
    assert values["values"]["06202"]["raw"] == "kieu_mau" and values["values"]["06202"]["name"] == NEW_NAME
    assert NEW_NAME in bodies["page"].decode() and NEW_NAME in bodies["commune"].decode()
    names = {f["properties"]["code"]: f["properties"]["name"] for f in json.loads(bodies["geometry"])["features"]}
    assert names["06202"] == NEW_NAME
    assert b'"b2.i2.e2025-1"' in bodies["export_html"] and b'"b1.i1.e2025-1"' not in bodies["export_html"]
    assert f"06202,{NEW_NAME},183,Huyện Cao Lộc,ntm_level,2020,kieu_mau,".encode() in bodies["download"]


def test_publish_is_seen_by_every_worker(server, backend_settings):
    pinned = connection_per_worker(server.port)
    before = {worker: fetch_all(conn) for worker, conn in pinned.items()}
    etags = {worker: get(conn, URLS["values"])[1]["ETag"] for worker, conn in pinned.items()}
    for worker, bodies in before.items():
        assert json.loads(bodies["health"])["data_version"] == "b1.i1.e2025-1"
        assert json.loads(bodies["values"])["values"]["06202"]["raw"] == "dat_chuan"
        assert fetch_all(pinned[worker])["export_svg"] == bodies["export_svg"]  # exports are reproducible
        assert get_if_none_match(pinned[worker], URLS["values"], etags[worker])[0] == 304

    store = open_store(load_settings(backend_settings))
    publish_changes(store)
    if hasattr(store, "close"):
        store.close()

    for worker, conn in pinned.items():
        status, headers, body = get_if_none_match(conn, URLS["values"], etags[worker])
        assert status == 200 and headers["ETag"] != etags[worker]
        assert json.loads(body)["values"]["06202"]["raw"] == "kieu_mau"
        after = fetch_all(conn)
        assert json.loads(after["health"])["worker"] == worker  # still the same worker
        assert_new(after)
        assert after["export_svg"] != before[worker]["export_svg"]

    seen, requests = set(), 0
    while requests < 40 or (seen != set(pinned) and requests < 400):
        requests += 1
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
        health = json.loads(get(conn, "/healthz")[2])
        values = json.loads(get(conn, URLS["values"])[2])
        conn.close()
        seen.add(health["worker"])
        assert health["data_version"] == "b2.i2.e2025-1" and values["values"]["06202"]["raw"] == "kieu_mau"
    assert seen == set(pinned)
    for conn in pinned.values():
        conn.close()

