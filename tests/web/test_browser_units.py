"""The units switch, hatched derived units, the tooltip's parts and side-by-side maps in real Chromium."""

import pytest

from tests.helpers import hover, open_map

pytestmark = pytest.mark.browser

VIEWPORTS = [{"width": 1280, "height": 900}, {"width": 390, "height": 844}]
NO_HORIZONTAL_SCROLL = "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=["desktop", "phone"])
def test_units_switch_hatching_and_parts(live_server, offline_page, dataset, viewport):
    offline_page.page.set_viewport_size(viewport)
    page = open_map(offline_page, live_server.url + "/maps/ocop_total?district=183&year=2021&lang=en")
    assert page.get_attribute("#units-switch", "data-units") == "2021"
    assert page.locator("path[data-derived]").count() == 0
    page.click("#units-to-2025")
    page.wait_for_selector('#units-switch[data-units="2025"]', timeout=15000)
    page.wait_for_selector(".folium-map[data-state=ready]", timeout=15000)
    crosswalk = dataset.crosswalk_to("2025")
    old = set(dataset.communes_of("183")["commune_code"])
    expected = {r.new_code for r in crosswalk.used if r.old_code in old}
    assert page.get_attribute(".folium-map", "data-features") == str(len(expected))
    assert "former Huyện Cao Lộc" in page.inner_text("h1 + .subtitle")
    # derived units are filled with an SVG hatch pattern of their class colour
    fill = page.get_attribute('path[data-code="06187"]', "fill")
    assert page.get_attribute('path[data-code="06187"]', "data-derived") == "true"
    assert fill.startswith("url(#geoapp-hatch-")
    pattern_id = fill[len("url(#"):-1]
    assert page.locator(f"pattern#{pattern_id} line").count() == 1
    assert page.locator("#legend-derived").is_visible()
    page.locator('path[data-code="06187"]').scroll_into_view_if_needed()
    tip = hover(page, "06187").inner_text()
    assert "Phường Kỳ Lừa" in tip and "Made of the old communes" in tip
    for part in crosswalk.parts_of("06187"):
        assert part.old_name in tip
    assert "sum of the parts" in tip
    assert page.evaluate(NO_HORIZONTAL_SCROLL)
    page.click("#units-to-2021")  # the other edition is one click away, both ways
    page.wait_for_selector('#units-switch[data-units="2021"]', timeout=15000)
    assert offline_page.errors == [] and offline_page.blocked == []


# Two maps show the same view when their zooms are equal and their centres are within a pixel
# (Leaflet rounds a map's centre to its own container's pixel grid).
SAME_VIEW = """(c) => { const [a, b] = c.map(t => t.split(',').map(Number));
  const pixel = 360 / (256 * 2 ** a[2]);
  return a[2] === b[2] && Math.abs(a[0] - b[0]) <= pixel && Math.abs(a[1] - b[1]) <= pixel; }"""


def centres(page):
    return page.eval_on_selector_all("[data-sync-map] .folium-map", "els => els.map(e => e.getAttribute('data-center'))")


def same_view(page, views) -> bool:
    return page.evaluate(SAME_VIEW, views)


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=["desktop", "phone"])
def test_side_by_side_maps_pan_together(live_server, offline_page, viewport):
    page = offline_page.page
    page.set_viewport_size(viewport)
    page.goto(live_server.url + "/maps/ntm_level/editions?district=183&lang=en")
    page.wait_for_selector("body[data-sync=ready]", timeout=20000)
    before = centres(page)
    assert len(before) == 2 and same_view(page, before)
    first = page.locator('[data-sync-map="2021"] .folium-map')
    box = first.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x - 80, y - 50, steps=8)
    page.mouse.up()
    page.wait_for_function(
        """(old) => { const c = [...document.querySelectorAll('[data-sync-map] .folium-map')]
             .map(e => e.getAttribute('data-center'));
             return c[0] !== old && (""" + SAME_VIEW + """)(c); }""",
        arg=before[0], timeout=10000,
    )
    after = centres(page)
    assert same_view(page, after) and not same_view(page, [after[0], before[0]])
    frames = page.eval_on_selector_all("[data-sync-map]", "els => els.map(e => e.getBoundingClientRect().toJSON())")
    if viewport["width"] < 800:  # stacked on phones
        assert frames[1]["top"] >= frames[0]["bottom"]
    else:  # side by side on desktops
        assert abs(frames[1]["top"] - frames[0]["top"]) < 1 and frames[1]["left"] >= frames[0]["right"]
    assert page.evaluate(NO_HORIZONTAL_SCROLL)
    assert offline_page.errors == [] and offline_page.blocked == []
