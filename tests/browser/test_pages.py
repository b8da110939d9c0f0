"""Every page at 360 px without sideways scrolling, and axe-core without serious or critical violations."""

import pytest

from tests.browser.helpers import DESKTOP, NARROW, PHONE, axe_violations, log_in, page_at

pytestmark = pytest.mark.browser

PUBLIC = [
    "/",
    "/?district=all",
    "/maps/ntm_level?district=183",
    "/maps/ntm_level?district=all",
    "/maps/schools_total?district=183&year=2021",
    "/maps/schools_standard_share?district=183&scheme=user&breaks=33,3;66,6",
    "/communes/06202",
    "/embed/ntm_level?district=183",
    "/login",
    "/maps/ntm_level?district=all&units=2025",
    "/maps/schools_total?district=183&units=2025",
    "/maps/ntm_level/editions?district=183",
    "/communes/2025/06187",
    "/maps/schools_total?year=2021&compare=2020&district=183",
    "/maps/ntm_level?year=2021&compare=2020&district=all",
    "/maps/schools_total?year=2021&compare=2020&district=183&units=2025",
    "/maps/defence_drills?year=2021&compare=2020&district=183&change=1",
    "/maps/ntm_level?year=2021&compare=2020&district=183&units=2025&change=1",
]
ADMIN = ["/admin/", "/admin/upload/boundaries", "/admin/upload/indicators", "/admin/users", "/admin/audit",
         "/admin/history/boundaries"]


def settle(page):
    """Wait until every map of the page is drawn (and, on the comparison pages, synchronised)."""
    page.wait_for_load_state("load")
    if page.locator(".compare-map").count():
        page.wait_for_selector("body[data-compare=ready]", timeout=20000)
    maps = page.locator(".folium-map").count()
    if maps:
        page.wait_for_function("(n) => document.querySelectorAll('.folium-map[data-state=ready]').length === n",
                               arg=maps, timeout=20000)


def findings(page, base_url: str, paths, measure) -> dict:
    """Visit each path; return {path: what `measure(page)` found} for the paths where it found something."""
    found = {}
    for path in paths:
        page.goto(base_url + path)
        settle(page)
        result = measure(page)
        if result:
            found[path] = result
    return found


def horizontal_overflow(page) -> int:
    return page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")


@pytest.mark.parametrize("path", PUBLIC)
def test_no_sideways_scroll_at_360px(live_server, browser, path):
    offline = page_at(browser, NARROW)
    page = offline.page
    page.goto(live_server.url + path)
    settle(page)
    assert horizontal_overflow(page) <= 0, path
    sizes = page.evaluate("() => Array.from(document.querySelectorAll('input:not([type=hidden]):not([type=checkbox]), select, textarea')).filter(e => e.offsetParent).map(e => parseFloat(getComputedStyle(e).fontSize))")
    assert all(size >= 16 for size in sizes), (path, sizes)  # no iOS zoom on focus
    offline.context.close()


def test_admin_pages_do_not_scroll_sideways_at_360px(app, live_server, browser):
    offline = page_at(browser, NARROW)
    page = offline.page
    log_in(page, live_server.url, app)
    assert findings(page, live_server.url, ADMIN, lambda p: max(horizontal_overflow(p), 0)) == {}
    offline.context.close()


def test_menu_does_not_split_words_on_a_phone(live_server, browser):
    offline = page_at(browser, PHONE)
    page = offline.page
    page.goto(live_server.url + "/")
    for link in page.locator("header.site .lang a").all():
        box = link.bounding_box()
        assert box["height"] < 30, link.inner_text()  # one line: "Tiếng Việt" is not split
    offline.context.close()


def test_map_table_scrolls_in_its_own_box(live_server, browser):
    offline = page_at(browser, PHONE)
    page = offline.page
    page.goto(live_server.url + "/maps/ntm_level?district=all")
    settle(page)
    box = page.evaluate("() => { const b = document.querySelector('.table-scroll'); return [b.scrollWidth, b.clientWidth]; }")
    assert box[0] >= box[1] and horizontal_overflow(page) <= 0
    offline.context.close()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_axe_finds_no_serious_violation_on_public_pages(live_server, browser, viewport):
    offline = page_at(browser, viewport)
    assert findings(offline.page, live_server.url, PUBLIC, axe_violations) == {}
    offline.context.close()


def test_axe_finds_no_serious_violation_on_admin_pages(app, live_server, browser):
    offline = page_at(browser, DESKTOP)
    page = offline.page
    log_in(page, live_server.url, app)
    assert findings(page, live_server.url, ADMIN, axe_violations) == {}
    offline.context.close()


def test_axe_is_really_running(browser):
    """The scan finds a serious problem when there is one (an image without text, an unlabelled field)."""
    offline = page_at(browser, DESKTOP)
    page = offline.page
    page.set_content('<html lang="vi"><body><main><img src="data:,"><input type="text"></main></body></html>')
    ids = {v["id"] for v in axe_violations(page)}
    assert {"image-alt", "label"} <= ids
    offline.context.close()
