"""The side-by-side view and the change map on the 2025 units: carried values, derived and hatched."""

import re
from html import unescape

from geoapp.editions.units import units_of_area
from tests.web.test_compare import page_config

COMPARE = "/maps/schools_total?year=2021&compare=2020&district=183&units=2025"
CHANGE = "/maps/ntm_level?year=2021&compare=2020&district=183&units=2025&change=1"


def former_cao_loc(dataset) -> set[str]:
    return set(units_of_area(dataset, "2025", "183")["commune_code"])


def test_compare_page_on_the_2025_units(client, dataset):
    r = client.get(COMPARE)
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    units = former_cao_loc(dataset)
    rows = set(re.findall(r'<tr data-code="(\d+)">', html))
    assert rows == units and len(units) < 22  # the 2025 units, not the 22 communes of 2021
    assert html.count('class="folium-map compare-map"') == 2
    assert "Huyện Cao Lộc cũ" in html  # a former district
    assert 'id="legend-derived"' in html and 'id="compare-derived-note"' in html
    assert html.count('class="badge-derived"') >= len(units)  # every carried value says so (both years)
    links = re.findall(r'<td><a href="([^"]+)">', html)
    assert links and all(link.startswith("/communes/2025/") for link in links)
    assert '<input type="hidden" name="units" value="2025">' in html
    config = page_config(html)
    assert config["geometry"] == "/api/boundaries.geojson?district=183&units=2025"
    assert config["layer"]["profileUrl"] == "/communes/2025/{code}"
    payload = client.get(config["values"]).get_json()
    for year_map in payload["maps"]:
        assert set(year_map["values"]) == units and year_map["units"] == "2025"
        assert any(v["derived"] for v in year_map["values"].values())
        assert year_map["classification"]["bins"] == payload["classification"]["bins"]  # one classification
    change = unescape(re.search(r'id="change-link" href="([^"]+)"', html).group(1))
    assert "units=2025" in change and client.get(change).status_code == 200


def test_change_map_on_the_2025_units(client, dataset):
    html = client.get(CHANGE).get_data(as_text=True)
    units = former_cao_loc(dataset)
    assert set(re.findall(r'<tr data-code="(\d+)"', html)) == units
    assert 'id="legend-derived"' in html and 'class="badge-derived"' in html
    payload = client.get(page_config(html)["values"]).get_json()
    assert set(payload["values"]) == units
    years = client.get("/api/maps/ntm_level/compare.json?year=2021&compare=2020&district=183&units=2025").get_json()
    before, after = (m["values"] for m in years["maps"])
    for code, value in payload["values"].items():  # a change between carried values is derived
        expected = value["raw"] is not None and (before[code]["derived"] or after[code]["derived"])
        assert value["derived"] == expected, code
    assert any(v["derived"] for v in payload["values"].values())
    downloads = dict((k, unescape(h)) for h, k in re.findall(r'<a href="([^"]+)" download data-format="([^"]+)"', html))
    svg = client.get(downloads["share_svg"])
    assert svg.status_code == 200 and "units2025" in svg.headers["Content-Disposition"]
    assert svg.data != client.get("/maps/ntm_level/change.svg?year=2021&compare=2020&district=183").data


def test_numeric_change_on_the_whole_province_in_2025(client, dataset):
    payload = client.get("/api/maps/defence_drills/change.json?year=2021&compare=2020&district=all&units=2025").get_json()
    assert set(payload["values"]) == set(dataset.units("2025")["commune_code"])


def test_an_indicator_not_carried_to_the_2025_units_cannot_be_compared_there(client):
    for url in ("/maps/ntm_year?year=2021&compare=2020&units=2025&lang=en",
                "/maps/ntm_year?year=2021&compare=2020&units=2025&change=1&lang=en"):
        r = client.get(url)
        assert r.status_code == 400 and "No comparison on the 2025 units" in r.get_data(as_text=True), url
    r = client.get("/api/maps/ntm_year/compare.json?year=2021&compare=2020&units=2025&lang=en")
    assert r.status_code == 400 and "former commune" in r.get_json()["error"]["message"]
    assert client.get("/maps/ntm_level?year=2021&compare=2020&units=2030").status_code == 404


def test_the_map_page_offers_the_comparison_where_values_exist_for_both_years(client):
    html = client.get("/maps/schools_total?year=2021&district=183&units=2025").get_data(as_text=True)
    link = unescape(re.search(r'id="compare-link" href="([^"]+)"', html).group(1))
    assert "units=2025" in link and "compare=2020" in link and client.get(link).status_code == 200
    assert 'id="compare-link"' in client.get("/maps/schools_total?year=2021&district=183").get_data(as_text=True)
    assert 'id="compare-link"' not in client.get("/maps/ntm_year?year=2021&units=2025").get_data(as_text=True)
