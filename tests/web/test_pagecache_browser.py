"""In Chromium: cached pages start their maps without inline script, and large layers drawn on a canvas."""

from __future__ import annotations

import pytest

from geoapp import create_app
from tests.conftest import LiveServer

PAGES = ["/maps/ntm_level?district=183", "/maps/ntm_level?district=all", "/embed/ntm_level", "/communes/06202",
         "/maps/ntm_level/editions"]


@pytest.mark.parametrize("path", PAGES)
def test_maps_start_under_the_policy_without_any_violation(live_server, offline_page, path):
    page = offline_page.page
    console = []
    page.on("console", lambda msg: console.append(msg.text))
    for _ in range(2):  # built, then served from the cache (the fast path): the same bytes start the same maps
        page.goto(live_server.url + path)
        page.wait_for_selector(".folium-map[data-state=ready]", timeout=20000)
        assert page.evaluate("document.querySelectorAll('.folium-map[data-state=ready]').length") == page.evaluate(
            "document.querySelectorAll('script[data-geoapp-map]').length")
    violations = [text for text in console if "Content Security Policy" in text or "Refused to" in text]
    assert violations == [] and offline_page.errors == []


def commune_point(page, dataset, code: str) -> tuple[float, float]:
    """Return page coordinates of a point inside a commune (its representative point)."""
    point = dataset.communes.set_index("commune_code").to_crs(4326).geometry[code].representative_point()
    return tuple(page.evaluate(
        """([lat, lng]) => {
          const entry = Object.values(window.geoappMaps)[0];
          const p = entry.map.latLngToContainerPoint([lat, lng]);
          const box = entry.map.getContainer().getBoundingClientRect();
          return [box.left + p.x, box.top + p.y];
        }""",
        [point.y, point.x],
    ))


def test_above_the_threshold_a_canvas_draws_the_layer_and_a_click_opens_the_popup(settings, offline_page):
    app = create_app({**settings, "MAP_CANVAS_ABOVE": 5})  # Cao Lộc's 22 communes count as a large layer
    dataset = app.extensions["geoapp"].datasets.get()
    name = dataset.communes.set_index("commune_code")["commune_name"]["06202"]
    with LiveServer(app) as server:
        page = offline_page.page
        page.goto(server.url + "/maps/ntm_level?district=183")
        page.wait_for_selector(".folium-map[data-state=ready]", timeout=20000)
        assert page.get_attribute(".folium-map", "data-renderer") == "canvas"
        assert page.locator(".leaflet-overlay-pane canvas").count() == 1
        assert page.locator("path[data-code]").count() == 0 and page.get_attribute(".folium-map", "data-features") == "22"
        assert page.locator(".leaflet-tooltip, .leaflet-popup").count() == 0  # nothing bound ahead of time
        x, y = commune_point(page, dataset, "06202")
        page.mouse.move(x, y)
        tooltip = page.wait_for_selector(".leaflet-tooltip.geoapp-tooltip", timeout=5000)
        assert name in tooltip.inner_text()
        page.mouse.click(x, y)
        popup = page.wait_for_selector(".leaflet-popup-content", timeout=5000)
        assert name in popup.inner_text()
        assert popup.query_selector("a.geoapp-profile-link").get_attribute("href").endswith("/communes/06202")
        page.wait_for_function("new URLSearchParams(location.search).get('commune') === '06202'")
        page.keyboard.press("Escape")
        page.wait_for_selector(".leaflet-popup", state="detached", timeout=5000)
        page.focus(".folium-map")  # the keyboard opens the same shared popup
        page.keyboard.press("ArrowRight")
        page.keyboard.press("Enter")
        popup = page.wait_for_selector(".leaflet-popup-content", timeout=5000)
        first = page.evaluate("new URLSearchParams(location.search).get('commune')")
        assert first and dataset.communes.set_index("commune_code")["commune_name"][first] in popup.inner_text()
        page.keyboard.press("Escape")
        page.wait_for_selector(".leaflet-popup", state="detached", timeout=5000)
        page.wait_for_selector(".folium-map[data-labels]")
        labels = int(page.get_attribute(".folium-map", "data-labels"))
        assert 0 < labels <= 22


def test_below_the_threshold_communes_stay_svg_paths(live_server, offline_page):
    page = offline_page.page
    page.goto(live_server.url + "/maps/ntm_level?district=183")
    page.wait_for_selector(".folium-map[data-state=ready]", timeout=20000)
    assert page.get_attribute(".folium-map", "data-renderer") is None
    assert page.locator("path[data-code]").count() == 22


def test_on_a_canvas_derived_values_are_outlined_and_the_legend_says_so(settings, offline_page):
    app = create_app({**settings, "MAP_CANVAS_ABOVE": 5})
    with LiveServer(app) as server:
        page = offline_page.page
        page.goto(server.url + "/maps/schools_total?units=2025&district=all&lang=en")
        page.wait_for_selector(".folium-map[data-state=ready]", timeout=20000)
        assert page.get_attribute(".folium-map", "data-renderer") == "canvas"
        styles = page.evaluate("""() => {
            const entry = Object.values(window.geoappMaps)[0];
            return Object.keys(entry.byCode).map(code => [code, entry.byCode[code].options.dashArray]);
        }""")
        values = page.evaluate("fetch('/api/maps/schools_total.json?units=2025&district=all').then(r => r.json())")
        derived = {code for code, rec in values["values"].items() if rec["derived"]}
        assert derived and {code for code, dash in styles if dash == "6 3"} == derived
        line = page.locator("#legend-derived")
        assert line.inner_text().strip().startswith("Dashed black outline")
        assert line.locator(".swatch").get_attribute("class") == "swatch outlined"
