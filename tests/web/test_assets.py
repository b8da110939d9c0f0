"""Static assets: fingerprinted names in pages, gzip, immutable caching, plain names revalidated."""

from __future__ import annotations

import gzip
import re

import xstatic.pkg.leaflet as leaflet

from geoapp.config import PACKAGE_DIR
from geoapp.web.assets import IMMUTABLE, Assets

ASSET_URL = re.compile(r'(?:src|href)="(/(?:static|vendor)/[^"]+)"')


def test_pages_link_fingerprinted_assets_served_gzip_and_immutable(client):
    urls = ASSET_URL.findall(client.get("/maps/ntm_level").get_data(as_text=True))
    assert any(re.search(r"/vendor/leaflet/leaflet\.[0-9a-f]{12}\.js$", u) for u in urls)
    assert any(re.search(r"/static/geoapp\.[0-9a-f]{12}\.css$", u) for u in urls)
    for url in urls:
        response = client.get(url, headers={"Accept-Encoding": "gzip"})
        assert response.status_code == 200 and response.headers["Cache-Control"] == IMMUTABLE
        assert response.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in response.headers["Vary"]
        plain = re.sub(r"\.[0-9a-f]{12}(\.\w+)$", r"\1", url)
        assert gzip.decompress(response.data) == client.get(plain).data


def test_leaflet_js_is_sent_compressed(client):
    url = next(u for u in ASSET_URL.findall(client.get("/maps/ntm_level").get_data(as_text=True)) if "leaflet" in u and u.endswith(".js"))
    with open(f"{leaflet.BASE_DIR}/leaflet.js", "rb") as handle:
        body = handle.read()
    response = client.get(url, headers={"Accept-Encoding": "gzip, br"})
    assert len(response.data) < len(body) / 3 and gzip.decompress(response.data) == body
    assert client.get(url).data == body  # a client without gzip gets the plain bytes


def test_plain_names_revalidate_and_wrong_fingerprints_are_not_found(client):
    plain = client.get("/static/geoapp.css")
    assert plain.status_code == 200 and plain.headers["Cache-Control"] == "no-cache"
    assert client.get("/static/geoapp.css", headers={"If-None-Match": plain.headers["ETag"]}).status_code == 304
    assert client.get("/static/geoapp.000000000000.css").status_code == 404
    assert client.get("/static/../config.py").status_code == 404
    assert client.get("/vendor/leaflet/images/layers.png").status_code == 200


def test_fingerprint_follows_the_content(tmp_path):
    (tmp_path / "a.js").write_text("one")
    first = Assets({"static": tmp_path}).fingerprint("static", "a.js")
    (tmp_path / "a.js").write_text("two")
    second = Assets({"static": tmp_path}).fingerprint("static", "a.js")
    assert first != second and first.startswith("a.") and first.endswith(".js")
    assert Assets({"static": PACKAGE_DIR / "static"}).fingerprint("static", "missing.js") == "missing.js"
