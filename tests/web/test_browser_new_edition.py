"""A boundary edition added by upload, in real Chromium: the catalog's units selector and the map with carried values."""

import pytest

from geoapp.ingest import publish
from tests.editions import new_edition as ne
from tests.helpers import hover, open_map

pytestmark = pytest.mark.browser


@pytest.fixture
def with_2027(app):
    """The app with the edition "2027" published through the upload workflow's core."""
    state = app.extensions["geoapp"]
    options = {"edition": "2027", "valid_from": "2027-01-01", "crosswalk": ne.crosswalk_text(),
               "crosswalk_name": "crosswalk_2025_2027.csv"}
    base, check = publish.run_check(state.datasets.get(), "edition", "units_2027.geojson", ne.layer_bytes(), options)
    publish.publish_checked(state.store, "edition", base, check, author="gis", comment="2027", options=options)
    return state.datasets.get()


def test_catalog_selector_leads_to_the_new_editions_map(live_server, offline_page, with_2027):
    page = offline_page.page
    page.goto(live_server.url + "/?district=all&lang=en")
    page.select_option("#catalog-units", "2027")
    page.press("#catalog-units", "Enter")  # a keyboard choice applies when confirmed
    page.wait_for_selector("#catalog-units-note", timeout=15000)
    href = page.get_attribute('a[href*="/maps/ocop_total"]', "href")
    assert "units=2027" in href
    page = open_map(offline_page, live_server.url + href)
    assert page.get_attribute("#units-switch", "data-units") == "2027"
    assert page.get_attribute(".folium-map", "data-features") == "64"
    assert page.get_attribute(f'path[data-code="{ne.KEPT}"]', "data-derived") == "true"
    assert page.locator(f'path[data-code="{ne.MERGED}"]').count() == 0
    tip = hover(page, ne.KEPT).inner_text()
    parts = with_2027.crosswalk_to("2027").parts_of(ne.KEPT)
    assert ne.MERGED_NAME in tip and "sum of the parts" in tip
    assert len(parts) == 7 and all(p.old_name in tip for p in parts)  # the 2021 communes of both 2025 units
    page.click("#units-to-2025")
    page.wait_for_selector('#units-switch[data-units="2025"]', timeout=15000)
    assert offline_page.errors == [] and offline_page.blocked == []


def test_exports_of_the_new_edition_say_its_boundaries_were_uploaded(client, with_2027):
    page = client.get("/embed/ocop_total?units=2027&lang=en").get_data(as_text=True)
    assert "were uploaded by GIS staff" in page and "The 2025 boundaries are approximate" not in page
    standalone = client.get("/maps/ocop_total.html?units=2027&lang=en")
    assert standalone.status_code == 200 and "were uploaded by GIS staff" in standalone.get_data(as_text=True)
    shipped = client.get("/embed/ocop_total?units=2025&lang=en").get_data(as_text=True)
    assert "The 2025 boundaries are approximate" in shipped
