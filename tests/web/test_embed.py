"""Embeds: the /embed route, its framing headers, the share dialog, and framing in a real Chromium."""

import contextlib
import re
import threading
from html import unescape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from geoapp import create_app
from tests.helpers import POINT_IN_PATH

TITLE_VI = "Mức đạt chuẩn nông thôn mới"


@contextlib.contextmanager
def other_site(html: str):
    """Serve one page from another loopback port (another origin than the app)."""
    body = html.encode("utf-8")

    class Page(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def test_embed_route_may_be_framed_and_others_may_not(client):
    r = client.get("/embed/ntm_level?district=183")
    assert r.status_code == 200
    assert r.headers["Content-Security-Policy"].endswith("frame-ancestors *")
    assert "X-Frame-Options" not in r.headers
    for url in ("/maps/ntm_level", "/maps/ntm_level.png?dpi=72", "/", "/api/maps/ntm_level.json"):
        r = client.get(url)
        assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"], url
        assert r.headers["X-Frame-Options"] == "DENY", url


def test_embed_ancestors_come_from_the_setting(settings):
    client = create_app({**settings, "EMBED_ANCESTORS": "https://baocaolangson.example"}).test_client()
    csp = client.get("/embed/ntm_level").headers["Content-Security-Policy"]
    assert csp.endswith("frame-ancestors https://baocaolangson.example")
    assert "frame-ancestors 'none'" in client.get("/maps/ntm_level").headers["Content-Security-Policy"]


def test_embed_shows_the_map_alone_with_legend_source_and_badge(client):
    r = client.get("/embed/ntm_level?district=183&year=2021")
    html = r.get_data(as_text=True)
    assert 'class="embed"' in html and "header class=\"site\"" not in html and "share-dialog" not in html
    assert f"<h1>{TITLE_VI}</h1>" in html and "Huyện Cao Lộc, năm 2021" in html
    assert 'id="legend"' in html and "Không có số liệu" in html
    assert "gis.chinhphu.vn" in html and "Ranh giới xã gần đúng" in html
    assert 'id="illustrative-badge"' in html
    assert 'data-profile-url="http://localhost/communes/{code}?lang=vi"' in html
    full = unescape(re.search(r'href="([^"]+)" target="_blank" rel="noopener" id="embed-full-link"', html).group(1))
    assert full == "http://localhost/maps/ntm_level?year=2021&district=183&units=2021&lang=vi"


def test_embed_bad_parameters_show_a_framed_message(client):
    r = client.get("/embed/ntm_level?year=1999&lang=en")
    assert r.status_code == 400 and "no data for year “1999”" in r.get_data(as_text=True)
    assert r.headers["Content-Security-Policy"].endswith("frame-ancestors *")


def query_of(url: str) -> dict:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def test_share_dialog_reproduces_the_current_state(client):
    query = "year=2020&district=183&scheme=natural_breaks&k=4&lang=en"
    html = client.get(f"/maps/schools_standard_share?{query}").get_data(as_text=True)
    state = {"year": "2020", "district": "183", "units": "2021", "scheme": "natural_breaks", "k": "4", "lang": "en"}
    link = unescape(re.search(r'id="share-link" readonly value="([^"]+)"', html).group(1))
    assert urlsplit(link).path == "/maps/schools_standard_share" and query_of(link) == state
    snippet = unescape(re.search(r'<textarea id="share-embed"[^>]*>([^<]+)</textarea>', html).group(1))
    assert snippet.startswith("<iframe ") and snippet.endswith("></iframe>")
    src = unescape(re.search(r'src="([^"]+)"', snippet).group(1))
    assert src.startswith("http://localhost/embed/schools_standard_share?") and query_of(src) == state
    # the embedded map shows the same legend as the page
    legend = re.compile(r'<li data-class="[^"]+">.*?</li>', re.S)
    page_legend = legend.findall(html)
    embed_html = client.get(urlsplit(src).path + "?" + urlsplit(src).query).get_data(as_text=True)
    assert page_legend and legend.findall(embed_html) == page_legend
    downloads = dict(re.findall(r'<a href="([^"]+)" download data-format="([^"]+)"', html))
    assert sorted(downloads.values()) == ["share_html", "share_pdf_landscape", "share_pdf_portrait", "share_png", "share_svg"]
    types = {"share_png": "image/png", "share_svg": "image/svg+xml", "share_pdf_portrait": "application/pdf",
             "share_pdf_landscape": "application/pdf", "share_html": "text/html; charset=utf-8"}
    for href, key in downloads.items():
        url = unescape(href)
        assert {k: v for k, v in query_of(url).items() if k in state} == state
        r = client.get(url)
        assert r.status_code == 200 and r.content_type == types[key], url
    png = next(unescape(h) for h, k in downloads.items() if k == "share_png")
    assert query_of(png)["dpi"] == "300"
    orientations = {query_of(unescape(h)).get("orientation") for h, k in downloads.items() if k.startswith("share_pdf")}
    assert orientations == {"portrait", "landscape"}


def test_share_links_keep_user_breaks(client):
    html = client.get("/maps/schools_standard_share?district=183&scheme=user&breaks=20,50").get_data(as_text=True)
    link = unescape(re.search(r'id="share-link" readonly value="([^"]+)"', html).group(1))
    assert query_of(link)["breaks"] == "20,50" and query_of(link)["scheme"] == "user"


@pytest.mark.browser
def test_embedded_map_draws_in_a_page_of_another_origin(live_server, offline_page):
    src = live_server.url + "/embed/ntm_level?district=183&year=2021"
    page = offline_page.page
    with other_site(f'<h1>Báo cáo</h1><iframe id="map" src="{src}" width="300" height="560"></iframe>') as site:
        assert urlsplit(site).port != urlsplit(live_server.url).port
        page.goto(site)
        frame = page.frame_locator("#map")
        frame.locator(".folium-map[data-state=ready]").wait_for(timeout=15000)
        assert frame.locator(".folium-map").get_attribute("data-features") == "22"
        assert frame.locator("path.leaflet-interactive[data-code]").count() == 22
        legend = frame.locator("#legend")
        assert legend.is_visible() and legend.locator("li").count() == 6
        assert "Không có số liệu" in legend.inner_text()
        assert frame.locator("#illustrative-badge").is_visible()
        embedded = page.frame(url=re.compile(r"/embed/ntm_level"))
        assert embedded.evaluate("() => document.documentElement.scrollWidth") <= 300  # no sideways scrolling
        box = page.locator("#map").bounding_box()
        legend_box = legend.bounding_box()
        assert legend_box["x"] + legend_box["width"] <= box["x"] + box["width"] + 1
        map_box = frame.locator("#map-frame").bounding_box()
        assert map_box["height"] >= 200
        # clicking a commune opens its profile on the full site in a new tab
        x, y = embedded.evaluate(POINT_IN_PATH, "06202")
        left, top = page.locator("#map").evaluate(
            "e => [e.getBoundingClientRect().left + e.clientLeft, e.getBoundingClientRect().top + e.clientTop]"
        )
        with offline_page.context.expect_page() as opened:
            page.mouse.click(left + x, top + y)
        profile = opened.value
        profile.wait_for_load_state()
        assert profile.url == live_server.url + "/communes/06202?lang=vi"
        assert "Xã Xuất Lễ" in profile.locator("h1").inner_text()
    assert offline_page.blocked == [] and offline_page.errors == []


@pytest.mark.browser
def test_framing_a_non_embed_page_is_refused(live_server, offline_page, client):
    assert "frame-ancestors 'none'" in client.get("/maps/ntm_level").headers["Content-Security-Policy"]
    page = offline_page.page
    with other_site(f'<iframe id="map" src="{live_server.url}/maps/ntm_level"></iframe>') as site:
        page.goto(site)
        page.wait_for_load_state("load")
        frame = page.main_frame.child_frames[0]
        assert frame.url.startswith("chrome-error://")
        assert frame.evaluate("() => document.querySelector('#map-frame, .folium-map, #data-table')") is None
        assert TITLE_VI not in frame.evaluate("() => document.documentElement.innerText")
        assert page.frame_locator("#map").locator(".folium-map").count() == 0


@pytest.mark.browser
def test_share_dialog_opens_and_copies(live_server, offline_page):
    page = offline_page.page
    page.goto(live_server.url + "/maps/ntm_level?district=183&lang=en")
    dialog = page.locator("#share-dialog")
    assert not dialog.is_visible()
    page.click("#share-open")
    assert dialog.is_visible()
    assert "/embed/ntm_level?" in page.input_value("#share-embed")
    page.click('#share-dialog [data-copy="share-link"]')
    page.wait_for_selector('#share-dialog [data-copy="share-link"][data-copied="1"]')  # the clipboard answers later
    assert page.evaluate("() => window.getSelection().toString() || document.activeElement.id") in (
        page.input_value("#share-link"), "share-link")
    page.click("#share-close")
    assert not dialog.is_visible()
    assert offline_page.errors == []
