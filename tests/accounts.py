"""Test accounts: create users in an app's store, log a test client in, read CSRF tokens."""

from __future__ import annotations

import hashlib
import re

from geoapp.accounts import create_user

PASSWORD = "correct horse battery"
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def add_user(app, name: str, role: str, password: str = PASSWORD) -> None:
    """Create an account directly in the app's store."""
    create_user(app.extensions["geoapp"].store, name, password, role, actor="test")


def csrf(client, path: str = "/login") -> str:
    """Return the CSRF token found in a form of the page at `path`."""
    page = client.get(path)
    match = _TOKEN.search(page.get_data(as_text=True))
    assert match, f"no CSRF token on {path} ({page.status_code})"
    return match.group(1)


def login(client, name: str, password: str = PASSWORD):
    """Log the client in through the login form; return the response."""
    return client.post("/login", data={"name": name, "password": password, "csrf_token": csrf(client)})


def as_user(app, name: str, role: str):
    """Return a new test client logged in as a new user with `role`."""
    add_user(app, name, role)
    client = app.test_client()
    response = login(client, name)
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def published_bytes(app, client) -> dict[str, str]:
    """Return the data version and hashes of the published boundaries GeoJSON and indicators CSV."""
    out = {"version": app.extensions["geoapp"].store.data_version()}
    for name, path in {"boundaries": "/api/download/boundaries.geojson", "indicators": "/api/download/indicators.csv"}.items():
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        out[name] = hashlib.sha256(response.data).hexdigest()
    return out
