"""District outlines, names and the district column only on units that belong to districts (2021, not 2025)."""

import pytest

from tests.browser.helpers import open_map

PROVINCE_2021 = "/maps/ntm_level?district=all&year=2021"
PROVINCE_2025 = "/maps/ntm_level?district=all&year=2021&units=2025"


def test_only_the_2021_province_view_asks_for_district_outlines(client):
    assert "data-districts-url" in client.get(PROVINCE_2021).get_data(as_text=True)
    html = client.get(PROVINCE_2025).get_data(as_text=True)
    assert "data-districts-url" not in html and "data-province" not in html
    assert "data-districts-url" not in client.get("/embed/ntm_level?district=all&units=2025").get_data(as_text=True)


@pytest.mark.browser
def test_the_2025_province_map_draws_no_2021_districts(live_server, offline_page):
    page = open_map(offline_page.page, live_server.url + PROVINCE_2021)
    assert page.locator(".leaflet-geoapp-districts-pane path").count() == 11
    assert page.locator(".geoapp-label-district").count() == 11
    page = open_map(offline_page.page, live_server.url + PROVINCE_2025)  # ready: every layer is drawn
    assert page.get_attribute(".folium-map", "data-features") == "65"
    assert page.locator(".leaflet-geoapp-districts-pane path").count() == 0
    assert page.locator(".geoapp-label-district").count() == 0
    assert "Huyện" not in page.locator("#data-table thead").inner_text()
