"""The standalone HTML map: one file, everything inline, interactive from file:// with no network."""

import re
from html import unescape

import pytest

from geoapp.config import load_settings
from geoapp.maps.view import build_map_view
from geoapp.export.standalone import content_policy, inline_script, standalone_html
from tests.helpers import hover, open_map

TITLE_VI = "Mức đạt chuẩn nông thôn mới"


def save_standalone(client, tmp_path, query="district=183&year=2021"):
    r = client.get(f"/maps/ntm_level.html?{query}")
    assert r.status_code == 200 and r.content_type == "text/html; charset=utf-8"
    assert r.headers["Content-Disposition"] == 'attachment; filename="ntm_level_2021_183.html"'
    path = tmp_path / "map.html"
    path.write_bytes(r.data)
    return path


def test_file_is_self_contained(client, tmp_path):
    html = save_standalone(client, tmp_path).read_text(encoding="utf-8")
    assert not re.search(r"<script[^>]*\bsrc=", html)
    assert "<link" not in html
    markup = re.sub(r"<(script|style)>.*?</\1>", "", html, flags=re.S)
    assert markup.count("<script>") == 0 and not re.search(r"(?:src|href|url)\s*[=(]", markup)
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html).group(1)
    assert unescape(policy) == content_policy("none") and "img-src data:;" in unescape(policy)
    assert "L.map(" in html and "geoappChoropleth" in html  # Leaflet and the layer script are inline
    assert TITLE_VI in html and "Huyện Cao Lộc, năm 2021" in html
    assert 'id="legend"' in html and "Không có số liệu" in html
    assert "gis.chinhphu.vn" in html and "Ranh giới xã gần đúng" in html
    assert 'class="badge-illustrative"' in html and "Ngày xuất bản đồ" in html


@pytest.mark.browser
def test_opened_from_disk_offline_draws_and_shows_tooltips(client, tmp_path, offline_page):
    path = save_standalone(client, tmp_path)
    requests = []
    offline_page.page.on("request", lambda req: requests.append(req.url))
    page = open_map(offline_page, path.as_uri())
    assert page.get_attribute(".folium-map", "data-features") == "22"
    assert page.locator("path.leaflet-interactive[data-code]").count() == 22
    assert page.locator("#legend li").count() == 6 and page.locator("#legend").is_visible()
    tip = hover(page, "06202").inner_text()
    assert "Xã Xuất Lễ" in tip and TITLE_VI in tip and "Giá trị minh họa" in tip
    assert offline_page.blocked == [] and offline_page.errors == []
    assert requests and all(url.startswith(("file:", "data:")) for url in requests)


@pytest.mark.browser
def test_click_opens_a_popup_linking_to_the_full_site(settings, tmp_path, offline_page):
    from geoapp import create_app

    client = create_app({**settings, "PUBLIC_URL": "https://bando.example.vn"}).test_client()
    page = open_map(offline_page, save_standalone(client, tmp_path).as_uri())
    x, y = page.evaluate(
        """() => { const r = document.querySelector('path[data-code="06202"]').getBoundingClientRect();
                   return [r.left + r.width / 2, r.top + r.height / 2]; }"""
    )
    page.locator('path[data-code="06202"]').dispatch_event("click", {"clientX": x, "clientY": y})
    link = page.wait_for_selector(".leaflet-popup-content a", timeout=5000)
    assert link.get_attribute("href") == "https://bando.example.vn/communes/06202?lang=vi"
    assert link.get_attribute("target") == "_blank"


def test_basemap_only_when_tiles_are_configured(app):
    data = app.extensions["geoapp"].datasets.get()
    view = build_map_view(data, "ntm_level", district="183")
    plain = standalone_html(view, settings=load_settings({"TILES": "none"}))
    assert "L.tileLayer" not in plain and "profileUrl\": null" in plain
    tiles = "https://tile.example.org/{z}/{x}/{y}.png"
    html = standalone_html(view, settings=load_settings({"TILES": tiles, "TILES_ATTRIBUTION": "© example"}))
    assert "L.tileLayer" in html and "tile.example.org" in html
    assert content_policy(tiles).startswith("default-src 'none'") and "img-src data: https:" in content_policy(tiles)


def test_inline_script_cannot_close_its_element():
    assert str(inline_script('var a = "</script><b>";')) == 'var a = "<\\/script><b>";'
    assert "</SCRIPT" not in str(inline_script("x = '</SCRIPT>'"))
