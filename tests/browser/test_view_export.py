"""'This view' downloads in a real Chromium: after panning and zooming, the links carry the view on screen."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.browser.helpers import DESKTOP, open_map, page_at

pytestmark = pytest.mark.browser

BOUNDS = """() => { const b = Object.values(window.geoappMaps)[0].map.getBounds();
                    return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]; }"""


def view_link(page, fmt: str) -> str:
    return page.get_attribute(f'#share-view-downloads a[data-format="{fmt}"]', "href")


def bbox_of(href: str) -> list[float]:
    return [float(v) for v in parse_qs(urlsplit(href).query)["bbox"][0].split(",")]


def test_this_view_links_follow_the_map_and_return_the_view(live_server, browser):
    offline = page_at(browser, DESKTOP)
    page = open_map(offline.page, live_server.url + "/maps/ntm_level?district=183&year=2021")
    page.wait_for_selector("#share-view-box[data-bbox]", state="attached")
    before = bbox_of(view_link(page, "share_png"))
    page.click(".leaflet-control-zoom-in")
    frame = page.locator(".folium-map").bounding_box()
    x, y = frame["x"] + frame["width"] / 2, frame["y"] + frame["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x - 150, y + 80, steps=8)
    page.mouse.up()
    page.wait_for_url(re.compile(r"center="))
    page.wait_for_function(
        "(old) => document.getElementById('share-view-box').getAttribute('data-bbox') !== old",
        arg=",".join(f"{v:.5f}" for v in before),
    )
    page.click("#share-open")
    assert page.locator("#share-view-downloads").is_visible()
    href = view_link(page, "share_png")
    shown = page.evaluate(BOUNDS)
    assert bbox_of(href) == pytest.approx(shown, abs=1e-5)
    assert bbox_of(href) != pytest.approx(before, abs=1e-4)
    assert {bbox_of(view_link(page, k))[0] for k in ("share_svg", "share_pdf_portrait", "share_pdf_landscape")} == {
        bbox_of(href)[0]}
    query = parse_qs(urlsplit(href).query)
    assert query["district"] == ["183"] and query["year"] == ["2021"] and query["dpi"] == ["300"]
    response = page.request.get(live_server.url + href)
    assert response.status == 200 and response.headers["content-type"] == "image/png"
    assert response.body().startswith(b"\x89PNG")
    assert "_view.png" in response.headers["content-disposition"]
    assert offline.errors == []
    offline.context.close()
