"""The map page used as an official would: wheel, whole area, selectors, breaks, not applicable."""

import re

import pytest

from tests.browser.helpers import DESKTOP, PHONE, map_box, map_state, open_map, page_at

pytestmark = pytest.mark.browser

CAO_LOC = "/maps/ntm_level?district=183"


@pytest.fixture(params=[DESKTOP, PHONE], ids=["desktop", "phone"])
def sized_page(request, browser):
    offline = page_at(browser, request.param)
    yield offline
    offline.context.close()


def point_over_map(page):
    page.locator(".folium-map").scroll_into_view_if_needed()
    page.evaluate("() => window.scrollBy(0, 80)")  # keep room to scroll further down
    box = map_box(page)
    return box["x"] + box["width"] * 0.75, box["y"] + box["height"] / 2


def test_wheel_over_the_map_scrolls_the_page_and_keeps_the_zoom(live_server, sized_page):
    page = open_map(sized_page.page, live_server.url + CAO_LOC)
    x, y = point_over_map(page)
    before = map_state(page)
    scroll = page.evaluate("() => window.scrollY")
    page.mouse.move(x, y)
    for _ in range(3):
        page.mouse.wheel(0, 120)
    page.wait_for_function("y => window.scrollY > y", arg=scroll)
    assert map_state(page)["zoom"] == before["zoom"]
    assert page.locator(".folium-map.geoapp-wheel-hint-on, .folium-map .geoapp-wheel-hint").count() >= 1
    assert "Ctrl" in page.locator(".geoapp-wheel-hint").inner_text()
    assert sized_page.errors == [] and sized_page.blocked == []


def test_wheel_zooms_after_a_click_or_with_ctrl(live_server, sized_page):
    page = open_map(sized_page.page, live_server.url + CAO_LOC)
    x, y = point_over_map(page)
    zoom = map_state(page)["zoom"]
    page.mouse.move(x, y)
    page.keyboard.down("Control")
    page.mouse.wheel(0, -120)
    page.keyboard.up("Control")
    page.wait_for_selector(f".folium-map[data-zoom='{zoom + 1}']")
    page.mouse.click(x, y)
    page.wait_for_selector(".folium-map[data-wheel=zoom]")
    page.mouse.wheel(0, -120)
    page.wait_for_selector(f".folium-map:not([data-zoom='{zoom + 1}'])")
    assert map_state(page)["zoom"] > zoom + 1


def test_whole_area_button_returns_to_the_initial_view(live_server, sized_page):
    page = open_map(sized_page.page, live_server.url + CAO_LOC)
    start = map_state(page)
    assert page.locator(".geoapp-whole-area button").inner_text() == "Xem toàn vùng"
    page.fill("#commune-search", "06202")  # search by code, then zoom to the result
    page.click("#commune-search-results button")
    page.wait_for_function("z => +document.querySelector('.folium-map').dataset.zoom > z", arg=start["zoom"])
    page.wait_for_selector(".leaflet-popup")
    page.click(".geoapp-whole-area button")
    page.wait_for_selector(f".folium-map[data-zoom='{start['zoom']}']")
    end = map_state(page)
    assert abs(end["lat"] - start["lat"]) < 0.01 and abs(end["lng"] - start["lng"]) < 0.01


def test_zoom_buttons_and_scale_speak_vietnamese_and_metric(live_server, offline_page):
    page = open_map(offline_page.page, live_server.url + CAO_LOC)
    assert page.get_attribute(".leaflet-control-zoom-in", "title") == "Phóng to"
    assert page.get_attribute(".leaflet-control-zoom-out", "title") == "Thu nhỏ"
    scale = page.locator(".leaflet-control-scale").inner_text()
    assert re.search(r"\d+ (km|m)\b", scale) and "mi" not in scale and "ft" not in scale
    attribution = page.locator(".leaflet-control-attribution").inner_text()
    assert attribution.startswith("Leaflet") and "approximate" not in attribution
    assert page.locator(".leaflet-control-attribution svg, .leaflet-control-attribution img").count() == 0


def test_choosing_the_user_scheme_shows_the_breaks_field_and_accepts_vietnamese_decimals(live_server, sized_page):
    page = open_map(sized_page.page, live_server.url + "/maps/schools_standard_share?district=183")
    url = page.url
    assert page.locator("#breaks-field").is_hidden()
    page.select_option("#scheme-select", "user")
    page.wait_for_selector("#breaks-field", state="visible")
    assert page.url == url  # nothing submitted without breaks
    page.fill("#breaks-input", "33,3; 66,6")
    with page.expect_navigation() as nav:
        page.press("#breaks-input", "Enter")
    assert nav.value.status == 200
    page.wait_for_selector(".folium-map[data-state=ready]")
    assert "scheme=user" in page.url
    legend = page.locator("#legend").inner_text()
    assert "33,3" in legend and "66,6" in legend
    assert page.input_value("#breaks-input") == "33,3; 66,6"


def test_dot_decimals_are_accepted_too(live_server, offline_page):
    page = offline_page.page
    response = page.goto(live_server.url + "/maps/schools_standard_share?district=183&scheme=user&breaks=33.3,%2066.6")
    assert response.status == 200
    assert "33,3" in page.locator("#legend").inner_text()


def test_arrow_key_in_a_selector_waits_for_confirmation(live_server, sized_page):
    page = open_map(sized_page.page, live_server.url + CAO_LOC)
    url = page.url
    page.focus("#district-select")
    page.keyboard.press("ArrowDown")
    page.wait_for_selector("#district-select[data-pending=true]")
    assert page.url == url
    assert page.evaluate("() => document.activeElement.id") == "district-select"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_selector(".folium-map[data-state=ready]")
    assert "district=184" in page.url
    assert page.evaluate("() => document.activeElement.id") == "district-select"  # focus stays on the control


def test_towns_show_not_applicable(live_server, offline_page):
    page = open_map(offline_page.page, live_server.url + "/maps/ntm_level?district=183&year=2021")
    na = page.locator('#legend li[data-class="na"]')
    assert "Không áp dụng" in na.inner_text() and na.locator(".count").inner_text() == "2"
    row = page.locator('#data-table tr[data-code="06184"]')
    assert "Không áp dụng" in row.inner_text() and "Không có số liệu" not in row.inner_text()
    assert page.get_attribute('path[data-code="06184"]', "fill") == "#ffffff"
    page.evaluate("() => Object.values(window.geoappMaps)[0].byCode['06184'].openTooltip([21.95, 106.7])")
    assert "Không áp dụng" in page.locator(".leaflet-tooltip").inner_text()


def test_fewer_classes_than_asked_are_explained(live_server, offline_page):
    page = open_map(offline_page.page, live_server.url + "/maps/ocop_5_star?district=183&k=7")
    assert "thay vì 7" in page.locator("#classes-reduced").inner_text()
    assert page.input_value("#k-select") == "7"


def test_tooltip_closes_when_the_popup_opens(live_server, offline_page):
    page = open_map(offline_page.page, live_server.url + CAO_LOC)
    page.evaluate("() => { const l = Object.values(window.geoappMaps)[0].byCode['06220']; l.openTooltip(); l.openPopup(); }")
    page.wait_for_selector(".leaflet-popup")
    page.wait_for_selector(".leaflet-tooltip", state="detached")


def test_the_map_is_one_tab_stop_with_arrow_keys_between_communes(live_server, offline_page):
    page = open_map(offline_page.page, live_server.url + "/maps/ntm_level?district=all")
    assert page.locator("path[tabindex='-1']").count() == page.locator("path.leaflet-interactive").count()
    page.focus(".folium-map")
    page.keyboard.press("Tab")
    tabs = 1
    while page.evaluate("() => document.activeElement.id") != "commune-search" and tabs < 40:
        page.keyboard.press("Tab")
        tabs += 1
    assert tabs < 40  # not one stop per polygon (there are 200)
    page.focus(".folium-map")
    page.keyboard.press("ArrowRight")
    live = page.locator(".geoapp-live")
    page.wait_for_function("() => document.querySelector('.geoapp-live').textContent.length > 0")
    assert "Huyện" in live.inner_text() or "Thành phố" in live.inner_text()
    page.keyboard.press("Enter")
    page.wait_for_selector(".leaflet-popup")


def test_copy_says_it_copied(live_server, offline_page):
    page = open_map(offline_page.page, live_server.url + CAO_LOC)
    page.click("#share-open")
    page.click('#share-dialog [data-copy="share-link"]')
    page.wait_for_function("() => document.getElementById('copy-status').textContent.length > 0")
    assert page.locator("#copy-status").inner_text() == "Đã sao chép"


def test_previous_year_column_sorts(live_server, offline_page):
    page = open_map(offline_page.page, live_server.url + "/maps/schools_total?district=183&year=2021")
    page.click("#data-table thead th:nth-child(4) button")
    page.wait_for_selector("#data-table thead th:nth-child(4)[aria-sort=ascending]")
    cells = page.locator("#data-table tbody td.previous").all_inner_texts()
    numbers = [int(c.split()[0]) for c in cells]
    assert numbers == sorted(numbers)
    labels = page.locator("#data-table tbody .class-label").all_inner_texts()
    assert all(label.strip() for label in labels)  # the class is written, not only coloured
