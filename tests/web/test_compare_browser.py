"""The side-by-side view and the change map in a real headless Chromium (desktop and phone widths)."""

import pytest

pytestmark = pytest.mark.browser

COMPARE = "/maps/schools_total?year=2021&compare=2020&district=183"
CENTRES = "() => window.geoappCompare.maps.map(m => [m.getCenter().lat, m.getCenter().lng, m.getZoom()])"
SAME_VIEW = """(start) => {
  const [a, b] = window.geoappCompare.maps;
  const moved = Math.abs(a.getCenter().lat - start[0]) + Math.abs(a.getCenter().lng - start[1]) > 1e-4
             || a.getZoom() !== start[2];
  return moved && a.getCenter().equals(b.getCenter(), 1e-7) && a.getZoom() === b.getZoom();
}"""


def same(view_a, view_b):
    """True when two [lat, lng, zoom] views are the same (to 1e-7 degrees, about 1 cm)."""
    return view_a[2] == view_b[2] and view_a[:2] == pytest.approx(view_b[:2], abs=1e-7)


def open_compare(offline_page, url, width=1280, height=900):
    page = offline_page.page
    page.set_viewport_size({"width": width, "height": height})
    page.goto(url)
    page.wait_for_selector("body[data-compare=ready]", timeout=15000)
    return page


def box(page, selector):
    return page.locator(selector).bounding_box()


def test_two_maps_draw_every_commune_with_the_shared_colours(live_server, offline_page):
    page = open_compare(offline_page, live_server.url + COMPARE)
    for i in (0, 1):
        assert page.get_attribute(f"#compare-map-{i}", "data-state") == "ready"
        assert page.locator(f"#compare-map-{i} path.leaflet-interactive[data-code]").count() == 22
    legend = page.eval_on_selector_all("#legend li .swatch", "s => s.map(e => getComputedStyle(e).backgroundColor)")
    fills = page.eval_on_selector_all(
        ".compare-map path[data-code]",
        "ps => ps.map(p => { const c = p.getAttribute('fill'); return 'rgb(' + [1, 3, 5].map(i => parseInt(c.slice(i, i + 2), 16)).join(', ') + ')'; })",
    )
    assert set(fills) <= set(legend)
    assert offline_page.blocked == [] and offline_page.errors == []


def test_panning_one_map_moves_the_other(live_server, offline_page):
    page = open_compare(offline_page, live_server.url + COMPARE)
    start = page.evaluate(CENTRES)
    assert same(start[0], start[1])
    frame = box(page, "#compare-map-0")
    x, y = frame["x"] + frame["width"] / 2, frame["y"] + frame["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x - 120, y - 60, steps=8)
    page.mouse.up()
    page.wait_for_function(SAME_VIEW, arg=start[0], timeout=5000)
    after_pan = page.evaluate(CENTRES)
    assert same(after_pan[0], after_pan[1]) and not same(after_pan[0], start[0])
    page.click("#compare-map-1 .leaflet-control-zoom-in")  # zooming the second map zooms the first
    page.wait_for_function(SAME_VIEW, arg=after_pan[1], timeout=5000)
    zoomed = page.evaluate(CENTRES)
    assert zoomed[0][2] == zoomed[1][2] == after_pan[0][2] + 1
    page.click("#compare-map-0 .geoapp-whole-area button")  # back to the whole area on both
    page.wait_for_function(SAME_VIEW, arg=zoomed[0], timeout=5000)
    assert page.evaluate(CENTRES)[1][2] == start[0][2]


def test_the_wheel_scrolls_the_page_not_the_maps(live_server, offline_page):
    page = open_compare(offline_page, live_server.url + COMPARE)
    before = page.evaluate(CENTRES)
    frame = box(page, "#compare-map-1")
    page.mouse.move(frame["x"] + frame["width"] / 2, frame["y"] + frame["height"] / 2)
    page.mouse.wheel(0, 300)
    page.wait_for_function("() => window.scrollY > 0", timeout=5000)
    assert page.evaluate(CENTRES) == before


def test_phone_width_stacks_the_maps_without_sideways_scroll(live_server, offline_page):
    page = open_compare(offline_page, live_server.url + COMPARE, 390, 844)
    first, second = box(page, "#compare-map-0"), box(page, "#compare-map-1")
    assert second["y"] >= first["y"] + first["height"]  # stacked
    assert first["width"] == pytest.approx(second["width"]) and first["width"] > 300
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    sizes = page.eval_on_selector_all(".compare-controls select, .compare-controls input:not([type=hidden])",
                                      "els => els.map(e => parseFloat(getComputedStyle(e).fontSize))")
    assert sizes and min(sizes) >= 16
    start = page.evaluate(CENTRES)
    page.click("#compare-map-0 .leaflet-control-zoom-in")
    page.wait_for_function(SAME_VIEW, arg=start[0], timeout=5000)


def test_change_map_colours_match_its_legend(live_server, offline_page):
    page = open_compare(offline_page, live_server.url + "/maps/ntm_level?year=2021&compare=2020&district=183&change=1")
    assert page.locator("#change-map path.leaflet-interactive[data-code]").count() == 22
    up = page.locator("#data-table tr[data-change='1.0']").first.get_attribute("data-code")
    fill = page.get_attribute(f'#change-map path[data-code="{up}"]', "fill")
    swatch = page.locator('#legend li[data-class="2"] .swatch').evaluate("e => getComputedStyle(e).backgroundColor")
    assert swatch == "rgb(%d, %d, %d)" % tuple(int(fill[i:i + 2], 16) for i in (1, 3, 5))
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 1280
    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_function("() => document.documentElement.scrollWidth <= 390", timeout=5000)


def test_keyboard_changes_apply_only_when_confirmed(live_server, offline_page):
    page = open_compare(offline_page, live_server.url + COMPARE)
    url = page.url
    page.focus("#compare-select")
    page.keyboard.press("ArrowDown")  # 2020 -> 2021: the selector moves, the page stays
    page.wait_for_function("() => document.getElementById('compare-select').value !== '2020'", timeout=5000)
    assert page.url == url and page.evaluate("() => document.activeElement.id") == "compare-select"
    page.select_option("#compare-select", "2020")
    page.select_option("#year-select", "2020")
    page.select_option("#compare-select", "2021")
    page.click("#compare-apply")
    page.wait_for_url("**compare=2021**", timeout=10000)
    page.wait_for_selector("body[data-compare=ready]", timeout=15000)
    assert page.locator("#map-title-0").inner_text() == "Bản đồ năm 2020"
