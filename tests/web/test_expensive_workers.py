"""Limits on expensive work hold across gunicorn workers: the state lives outside any one process."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from geoapp.limits import SlotPool
from tests.web.test_workers import Gunicorn, connection_per_worker, get

EXPORT = "/maps/ntm_level.svg?year=2020"


@pytest.fixture
def server(settings, tmp_path):
    env = {"GEOAPP_DATA_DIR": settings["DATA_DIR"], "GEOAPP_SECRET_KEY": "limits-test", "GEOAPP_DATABASE_URL": "",
           "GEOAPP_EXPENSIVE_SLOTS": "1", "GEOAPP_EXPENSIVE_BURST": "2", "GEOAPP_EXPENSIVE_PER_MINUTE": "1",
           "GEOAPP_PROXY_HOPS": "1"}
    running = Gunicorn(env, tmp_path / "gunicorn.log")
    yield running
    running.stop()


def as_client(address: str) -> dict:
    """Headers of a request forwarded by the reverse proxy for `address`."""
    return {"X-Forwarded-For": address}


def test_pool_and_rate_limits_are_shared_by_every_worker(server, settings):
    workers = connection_per_worker(server.port)
    assert len(workers) == 2
    pool = SlotPool(Path(settings["DATA_DIR"]) / "limits" / "slots", 1)
    held = pool.try_acquire()  # another process holds the only slot
    assert held is not None
    try:
        for conn in workers.values():
            status, headers, _ = get(conn, EXPORT, as_client("192.0.2.1"))
            assert status == 503 and headers["Retry-After"] == "5"
            status, _, body = get(conn, "/healthz")
            assert status == 200 and "pid" not in json.loads(body)
    finally:
        pool.release(held)
    for conn in workers.values():
        assert get(conn, EXPORT, as_client("192.0.2.2"))[0] == 200

    first, second = workers.values()
    statuses = [get(conn, EXPORT, as_client("192.0.2.3"))[0] for conn in (first, second, first, second)]
    assert statuses == [200, 200, 429, 429]  # one budget of 2 for the client, whichever worker answers
    assert get(first, EXPORT, as_client("192.0.2.4"))[0] == 200
    for conn in workers.values():
        conn.close()
