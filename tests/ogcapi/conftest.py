"""Fixtures of the OGC API tests: a live server per storage backend, the published layer."""

from __future__ import annotations

import pytest

from geoapp import create_app
from tests.conftest import LiveServer

API = "/ogcapi"


@pytest.fixture
def backend_server(backend_app):
    """A real HTTP server of the app, for each storage backend."""
    with LiveServer(backend_app) as server:
        yield server


@pytest.fixture
def login_settings(backend_settings):
    """Settings of a site that requires login, for each storage backend."""
    return {**backend_settings, "REQUIRE_LOGIN": True}


@pytest.fixture
def login_app(login_settings):
    return create_app(login_settings)


@pytest.fixture
def login_server(login_app):
    with LiveServer(login_app) as server:
        yield server


def published_communes(app):
    """The published commune layer, read from the app's store (not through the API)."""
    return app.extensions["geoapp"].store.read_boundaries()


@pytest.fixture(autouse=True)
def owslib_default_headers():
    """OWSLib adds a client's headers to its module-wide defaults: put them back after each test."""
    from owslib import ogcapi as owslib_ogcapi

    saved = dict(owslib_ogcapi.REQUEST_HEADERS)
    yield
    owslib_ogcapi.REQUEST_HEADERS.clear()
    owslib_ogcapi.REQUEST_HEADERS.update(saved)
