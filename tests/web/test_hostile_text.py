"""Attribute values are data, never markup: a commune named `<img src=x onerror=alert(1)>` everywhere it is shown.

The unit tests at the source: geometry and values JSON keep names as data (tests/maps/test_leaflet.py),
inline scripts cannot close their element (tests/export/test_standalone.py), uploads warn about markup
(tests/ingest/test_geometry.py, tests/ingest/test_layer_check.py), the admin pages escape file names
and comments (tests/web/test_admin.py).
"""

import html
import json

import pytest

from tests.helpers import HOSTILE, click, hover, open_map, publish_hostile_name

CODE = "06202"  # Xã Xuất Lễ, Cao Lộc
PAGES = ["/maps/ntm_level?district=183", "/embed/ntm_level?district=183", f"/communes/{CODE}", "/communes/06205"]


@pytest.fixture
def hostile(app):
    publish_hostile_name(app, CODE)
    return app


@pytest.mark.parametrize("url", PAGES)
def test_pages_escape_the_name(hostile, client, url):
    response = client.get(url)
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert HOSTILE not in text
    if url.startswith("/maps/"):
        assert html.escape(HOSTILE) in text  # data table and search index, escaped


def test_data_carries_the_name_as_text(hostile, client):
    values = client.get("/api/maps/ntm_level.json?district=183")
    assert values.mimetype == "application/json" and values.get_json()["values"][CODE]["name"] == HOSTILE
    geometry = client.get("/api/boundaries.geojson?district=183")
    assert geometry.mimetype == "application/geo+json"
    assert any(f["properties"]["name"] == HOSTILE for f in json.loads(geometry.data)["features"])
    for path in ("/api/download/boundaries.geojson", "/api/download/indicators.csv?district=183"):
        download = client.get(path)
        assert download.headers["Content-Disposition"].startswith("attachment")
        assert HOSTILE in download.data.decode("utf-8-sig")  # the same text, in a file that is not a page


def standalone_file(client, tmp_path) -> str:
    path = tmp_path / "map.html"
    path.write_bytes(client.get("/maps/ntm_level.html?district=183").data)
    return path.as_uri()


SURFACES = {
    "map page": lambda server, client, tmp_path: server.url + "/maps/ntm_level?district=183",
    "embed": lambda server, client, tmp_path: server.url + "/embed/ntm_level?district=183",
    "standalone file": lambda server, client, tmp_path: standalone_file(client, tmp_path),
}


@pytest.mark.browser
@pytest.mark.parametrize("surface", SURFACES)
def test_the_browser_shows_the_name_as_text(hostile, client, live_server, offline_page, tmp_path, surface):
    requests = []
    offline_page.page.on("requestfinished", lambda req: requests.append(req.url))
    page = open_map(offline_page, SURFACES[surface](live_server, client, tmp_path))
    tip = hover(page, CODE)
    assert HOSTILE in tip.inner_text() and tip.query_selector("img") is None
    if surface != "embed":  # an embedded map opens the commune's profile instead of a popup
        popup = click(page, CODE)
        assert HOSTILE in popup.inner_text() and popup.query_selector("img") is None
    # Markup inserted as HTML would create <img src=x>, whose failed load runs onerror -> alert.
    page.wait_for_load_state("networkidle")  # every request the page made has finished
    assert page.evaluate("() => document.querySelectorAll('img[src=x]').length") == 0
    assert not [url for url in requests if url.rstrip("/").endswith("/x")]
    assert offline_page.dialogs == [] and offline_page.errors == []
