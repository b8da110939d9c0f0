"""The map page in a real headless Chromium, with every non-loopback request blocked."""

import pytest

from tests.helpers import hover, open_map

pytestmark = pytest.mark.browser

def test_map_draws_every_commune_offline(live_server, offline_page):
    page = open_map(offline_page, live_server.url + "/maps/ntm_level?year=2020&district=183")
    assert page.get_attribute(".folium-map", "data-features") == "22"
    assert page.locator("path.leaflet-interactive[data-code]").count() == 22
    legend = page.locator("#legend")
    assert legend.is_visible()
    assert legend.locator("li").count() == 5
    assert "Không có số liệu" in legend.inner_text()
    # fill colours come from the classification
    fill = page.get_attribute('path[data-code="06220"]', "fill")
    colour = page.locator('#legend li[data-class="2"] .swatch').evaluate("e => e.style.background")
    rgb = tuple(int(fill[i:i + 2], 16) for i in (1, 3, 5))
    assert colour == "rgb(%d, %d, %d)" % rgb  # the fact "NTM nâng cao" has the legend's colour
    assert offline_page.blocked == [] and offline_page.errors == []


def test_tooltip_on_hover(live_server, offline_page):
    page = open_map(offline_page, live_server.url + "/maps/ntm_level?year=2020&district=183")
    tip = hover(page, "06220")
    text = tip.inner_text()
    assert "Xã Hải Yến" in text and "NTM nâng cao" in text and "2020" in text


def test_search_ignores_diacritics(live_server, offline_page):
    page = open_map(offline_page, live_server.url + "/maps/ntm_level?district=183")
    page.fill("#commune-search", "xuat le")
    button = page.locator("#commune-search-results button")
    assert button.count() == 1 and button.inner_text() == "Xã Xuất Lễ"
    assert page.locator("#data-table tbody tr:not([hidden])").count() == 1
    button.click()
    popup = page.wait_for_selector(".leaflet-popup-content", timeout=5000)
    assert "Xã Xuất Lễ" in popup.inner_text()
    assert popup.query_selector("a").get_attribute("href") == "/communes/06202"


def test_map_usable_when_tiles_unreachable(settings, browser):
    """With a basemap URL that cannot be reached, the choropleth still draws."""
    from geoapp import create_app
    from tests.conftest import LiveServer, OfflinePage

    app = create_app({**settings, "TILES": "https://tile.example.invalid/{z}/{x}/{y}.png"})
    offline = OfflinePage(browser)
    try:
        with LiveServer(app) as server:
            page = open_map(offline, server.url + "/maps/ntm_level")
            assert page.get_attribute(".folium-map", "data-features") == "22"
            assert any("tile.example.invalid" in u for u in offline.blocked)
    finally:
        offline.context.close()


def test_commune_profile_map_highlights(live_server, offline_page):
    page = open_map(offline_page, live_server.url + "/communes/06202")
    assert page.get_attribute('path[data-code="06202"]', "stroke-width") == "3"
    assert page.get_attribute('path[data-code="06220"]', "stroke-width") == "1"


def test_data_table_sorts_by_value(live_server, offline_page):
    page = open_map(offline_page, live_server.url + "/maps/schools_total?year=2021&district=183")
    assert page.locator("#data-table thead th").count() == 6  # 2021 and 2020 side by side
    page.click("#data-table th[data-sort=number] button")
    numbers = page.eval_on_selector_all("#data-table tbody tr", "rs => rs.map(r => r.getAttribute('data-number'))")
    values = [float(n) for n in numbers if n]
    assert values == sorted(values) and len(values) == 22
    page.click("#data-table th[data-sort=number] button")
    numbers = page.eval_on_selector_all("#data-table tbody tr", "rs => rs.map(r => parseFloat(r.getAttribute('data-number')))")
    assert numbers == sorted(numbers, reverse=True)
    assert page.get_attribute("#data-table th[data-sort=number]", "aria-sort") == "descending"
    page.click("#data-table th[data-sort=text] button >> nth=1")
    names = page.eval_on_selector_all("#data-table tbody tr td:nth-child(2)", "tds => tds.map(t => window.geoappFold(t.textContent))")
    assert names == sorted(names)
