"""The upload preview map in the admin report, and small embeds with a collapsible legend."""

import json
import warnings

import pytest
from shapely.geometry import Polygon

from tests.browser.helpers import DESKTOP, NARROW, axe_violations, log_in, page_at

pytestmark = pytest.mark.browser


def bowtie_upload(app, path):
    published = app.extensions["geoapp"].store.read_boundaries()
    cao_loc = published[published["district_code"] == "183"].reset_index(drop=True)
    minx, miny, maxx, maxy = cao_loc.geometry.iloc[1].bounds
    cao_loc.loc[1, "geometry"] = Polygon([(minx, miny), (maxx, maxy), (maxx, miny), (minx, maxy)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        data = json.loads(cao_loc.to_json(drop_id=True))
    data.pop("crs", None)
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return cao_loc.loc[1, "commune_code"]


@pytest.mark.parametrize("viewport", [DESKTOP, NARROW], ids=["desktop", "360px"])
def test_report_preview_marks_the_invalid_geometry(app, live_server, browser, tmp_path, viewport):
    code = bowtie_upload(app, tmp_path / "bowtie.geojson")
    offline = page_at(browser, viewport)
    page = offline.page
    log_in(page, live_server.url, app)
    page.goto(live_server.url + "/admin/upload/boundaries")
    page.set_input_files("input[type=file]", str(tmp_path / "bowtie.geojson"))
    with page.expect_navigation():
        page.click("#upload-form button[type=submit]")
    page.wait_for_selector("#preview-map[data-state=ready]")
    assert page.locator('#preview-map path[data-problem="invalid"]').count() == 1
    assert page.locator('#preview-map path[data-problem="none"]').count() >= 20
    assert page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0
    assert axe_violations(page) == []
    assert offline.errors == [] and offline.blocked == []
    assert code


def test_small_embed_collapses_the_legend_and_keeps_notes_reachable(live_server, browser):
    offline = page_at(browser, {"width": 320, "height": 300})
    page = offline.page
    page.goto(live_server.url + "/embed/ntm_level?district=183")
    page.wait_for_selector(".folium-map[data-state=ready]")
    toggle = page.locator("#legend .legend-toggle")
    assert toggle.is_visible() and toggle.get_attribute("aria-expanded") == "false"
    assert page.locator("#legend-classes").is_hidden()
    toggle.click()
    page.wait_for_selector("#legend-classes", state="visible")
    assert toggle.get_attribute("aria-expanded") == "true"
    rows = page.locator("#legend-classes li")
    for i in range(rows.count()):
        rows.nth(i).scroll_into_view_if_needed()
        assert rows.nth(i).is_visible()
    note = page.locator(".embed-foot #illustrative-badge")
    note.scroll_into_view_if_needed()
    assert note.is_visible()
    scale = page.locator(".leaflet-control-scale").bounding_box()
    credit = page.locator(".leaflet-control-attribution").bounding_box()
    apart = (scale["x"] + scale["width"] <= credit["x"] or credit["x"] + credit["width"] <= scale["x"]
             or scale["y"] + scale["height"] <= credit["y"] or credit["y"] + credit["height"] <= scale["y"])
    assert apart  # the attribution does not cover the scale bar
    offline.context.close()
