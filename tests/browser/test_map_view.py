"""Labels without overlaps, district outlines, legend interaction and the view kept in the URL."""

import re

import pytest

from tests.browser.helpers import DESKTOP, PHONE, map_state, open_map, page_at

pytestmark = pytest.mark.browser

VISIBLE_LABEL_BOXES = """() => Array.from(document.querySelectorAll('.geoapp-label:not(.geoapp-label-off) span'))
  .map(s => { const r = s.getBoundingClientRect();
              return {text: s.textContent, left: r.left, right: r.right, top: r.top, bottom: r.bottom}; })"""


def overlapping(boxes):
    pairs = []
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            if a["left"] < b["right"] and b["left"] < a["right"] and a["top"] < b["bottom"] and b["top"] < a["bottom"]:
                pairs.append((a["text"], b["text"]))
    return pairs


@pytest.fixture(params=[DESKTOP, PHONE], ids=["desktop", "phone"])
def sized_page(request, browser):
    offline = page_at(browser, request.param)
    yield offline
    offline.context.close()


@pytest.mark.parametrize("district", ["183", "all"])
def test_labels_do_not_overlap(live_server, sized_page, district):
    page = open_map(sized_page.page, live_server.url + f"/maps/ntm_level?district={district}")
    boxes = page.evaluate(VISIBLE_LABEL_BOXES)
    assert len(boxes) >= 5
    assert overlapping(boxes) == []
    zoom = map_state(page)["zoom"]
    page.click(".leaflet-control-zoom-in")
    page.wait_for_selector(f".folium-map[data-zoom='{zoom + 1}']")
    more = page.evaluate(VISIBLE_LABEL_BOXES)
    assert overlapping(more) == []


def test_district_view_labels_commune_names(live_server, offline_page):
    page = open_map(offline_page.page, live_server.url + "/maps/ntm_level?district=183")
    names = {b["text"] for b in page.evaluate(VISIBLE_LABEL_BOXES)}
    assert {"Xuất Lễ", "Hải Yến"} <= names  # short names, no "Xã"


def test_province_view_draws_district_outlines_names_and_columns(live_server, offline_page):
    page = open_map(offline_page.page, live_server.url + "/maps/ntm_level?district=all")
    assert page.locator(".leaflet-geoapp-districts-pane path").count() == 11
    districts = {b["text"] for b in page.evaluate(VISIBLE_LABEL_BOXES)} & {
        "Huyện Cao Lộc", "Huyện Tràng Định", "Huyện Đình Lập", "Thành phố Lạng Sơn", "Huyện Hữu Lũng"}
    assert len(districts) >= 3
    header = page.locator("#data-table thead").inner_text()
    assert "Huyện" in header
    row = page.locator('#data-table tr[data-code="06202"]').inner_text()
    assert "Huyện Cao Lộc" in row
    page.fill("#commune-search", "hoa binh")
    results = page.locator("#commune-search-results li").all_inner_texts()
    assert len(results) >= 2 and len(set(results)) == len(results)  # the district tells them apart
    assert all("Huyện" in r or "Thành phố" in r for r in results)
    page.evaluate("() => Object.values(window.geoappMaps)[0].byCode['06202'].openTooltip()")
    assert "Huyện Cao Lộc" in page.locator(".leaflet-tooltip").inner_text()


def test_legend_hover_highlights_and_a_class_can_be_hidden(live_server, offline_page):
    page = open_map(offline_page.page, live_server.url + "/maps/ntm_level?district=183&year=2020")
    page.hover('#legend li[data-class="2"]')  # NTM nâng cao: Hải Yến (fact)
    page.wait_for_selector('path[data-code="06220"][stroke-width="3"]')
    other = page.locator('path[data-class="0"]').first
    assert float(other.get_attribute("fill-opacity")) < 0.3
    page.mouse.move(5, 5)
    page.wait_for_selector('path[data-code="06220"][stroke-width="1"]')
    assert float(other.get_attribute("fill-opacity")) > 0.8
    page.uncheck('#legend li[data-class="2"] input[type=checkbox]')
    page.wait_for_selector('path[data-code="06220"][data-hidden="true"]')
    assert float(page.get_attribute('path[data-code="06220"]', "fill-opacity")) < 0.1
    page.check('#legend li[data-class="2"] input[type=checkbox]')
    page.wait_for_selector('path[data-code="06220"][data-hidden="false"]')


def test_legend_focus_highlights_too(live_server, offline_page):
    page = open_map(offline_page.page, live_server.url + "/maps/ntm_level?district=183&year=2020")
    page.focus('#legend li[data-class="na"] input')
    page.wait_for_selector('path[data-code="06184"][stroke-width="3"]')


def test_the_url_keeps_the_view_and_a_shared_link_restores_it(live_server, browser):
    sender = page_at(browser, DESKTOP)
    page = open_map(sender.page, live_server.url + "/maps/ntm_level?district=183")
    zoom = map_state(page)["zoom"]
    page.click(".leaflet-control-zoom-in")
    page.wait_for_url(re.compile(rf"zoom={zoom + 1}"))
    page.evaluate("() => Object.values(window.geoappMaps)[0].byCode['06220'].openPopup()")
    page.wait_for_url(re.compile(r"commune=06220"))
    sent = map_state(page)
    page.click("#share-open")
    link = page.input_value("#share-link")
    assert "commune=06220" in link and f"zoom={sent['zoom']}" in link and "center=" in link
    sender.context.close()

    receiver = page_at(browser, DESKTOP)
    other = open_map(receiver.page, link)
    got = map_state(other)
    assert got["zoom"] == sent["zoom"]
    assert abs(got["lat"] - sent["lat"]) < 1e-3 and abs(got["lng"] - sent["lng"]) < 1e-3
    other.wait_for_selector(".leaflet-popup")
    assert "Xã Hải Yến" in other.locator(".leaflet-popup").inner_text()
    receiver.context.close()


def test_bad_view_parameters_fall_back_to_the_whole_area(live_server, offline_page):
    page = open_map(offline_page.page, live_server.url + "/maps/ntm_level?district=183&zoom=x&center=999,abc&commune=<b>")
    assert map_state(page)["zoom"] == 11 and offline_page.errors == []
