"""The comparison in Chromium: on the 2025 units (carried values hatched), and its shared legend acting on both maps."""

import pytest

from geoapp.editions.units import units_of_area
from tests.web.test_compare_browser import open_compare

pytestmark = pytest.mark.browser

COMPARE = "/maps/ntm_level?year=2021&compare=2020&district=183"
COMPARE_2025 = "/maps/schools_total?year=2021&compare=2020&district=183&units=2025"


def opacities(page, selector):
    return page.eval_on_selector_all(selector, "ps => ps.map(p => parseFloat(p.getAttribute('fill-opacity')))")


def test_compare_on_the_2025_units_draws_the_new_units_hatched_where_derived(live_server, offline_page, dataset):
    page = open_compare(offline_page, live_server.url + COMPARE_2025)
    units = set(units_of_area(dataset, "2025", "183")["commune_code"])
    for i in (0, 1):
        codes = set(page.eval_on_selector_all(f"#compare-map-{i} path[data-code]", "ps => ps.map(p => p.dataset.code)"))
        assert codes == units
        hatched = page.eval_on_selector_all(f"#compare-map-{i} path[data-derived=true]",
                                            "ps => ps.map(p => p.getAttribute('fill'))")
        assert hatched and all(fill.startswith("url(#geoapp-hatch-") for fill in hatched)
    assert page.locator("#legend-derived").is_visible()
    assert offline_page.blocked == [] and offline_page.errors == []


def test_the_shared_legend_highlights_and_hides_a_class_on_both_maps(live_server, offline_page):
    page = open_compare(offline_page, live_server.url + COMPARE)
    row = '#legend li[data-class="0"]'
    page.hover(row)
    for i in (0, 1):  # units of the class stand out on both maps, the others fade
        page.wait_for_selector(f'#compare-map-{i} path[data-class="0"][stroke-width="3"]')
        assert max(opacities(page, f'#compare-map-{i} path:not([data-class="0"])')) < 0.3
    page.mouse.move(2, 2)
    for i in (0, 1):
        page.wait_for_selector(f'#compare-map-{i} path[data-class="0"][stroke-width="1"]')
    page.focus(f"{row} input[type=checkbox]")  # keyboard focus highlights as hovering does
    for i in (0, 1):
        page.wait_for_selector(f'#compare-map-{i} path[data-class="0"][stroke-width="3"]')
    page.keyboard.press("Space")  # untick: the class is hidden on both maps
    for i in (0, 1):
        page.wait_for_selector(f'#compare-map-{i} path[data-class="0"][data-hidden="true"]')
        assert max(opacities(page, f'#compare-map-{i} path[data-class="0"]')) < 0.1
        assert page.locator(f'#compare-map-{i} path[data-class="1"][data-hidden="true"]').count() == 0
    assert "legend-off" in page.get_attribute(row, "class")
