"""The units switch (units=2021|2025) on map pages, embeds, exports, downloads and the JSON API; profiles."""

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest

from geoapp import create_app


def query_of(url: str) -> dict:
    return {k: v[0] for k, v in parse_qs(urlsplit(unescape(url)).query).items()}


def test_values_api_on_2025_units_gives_derived_from_and_rule(client):
    payload = client.get("/api/maps/ocop_total.json?units=2025&district=all&year=2021&lang=en").get_json()
    assert payload["units"] == "2025" and len(payload["values"]) == 65
    ky_lua = payload["values"]["06187"]  # Phường Kỳ Lừa: five 2021 communes merged
    assert ky_lua["name"] == "Phường Kỳ Lừa"
    assert ky_lua["derived"] is True and ky_lua["rule"] == "sum"
    assert "2021:06187" in ky_lua["from"] and "2021:05971" in ky_lua["from"] and len(ky_lua["from"]) == 5
    assert "Thị trấn Cao Lộc" in ky_lua["parts"]
    exact = [v for v in payload["values"].values() if v["from"] and not v["derived"]]
    for rec in exact:  # a fact stays a fact only where the unit is one whole old commune
        assert len(rec["from"]) == 1


def test_values_api_default_is_the_collection_edition(client):
    payload = client.get("/api/maps/ocop_total.json?district=all&year=2021").get_json()
    assert payload["units"] == "2021" and len(payload["values"]) == 194
    rec = payload["values"]["06187"]  # Thị trấn Cao Lộc in 2021
    assert rec["name"] == "Thị trấn Cao Lộc" and rec["derived"] is False and rec["from"] == ["2021:06187"]


def test_boundaries_of_2025_units(client):
    features = client.get("/api/boundaries.geojson?units=2025&district=all").get_json()["features"]
    assert len(features) == 65
    assert {f["properties"]["district"] for f in features} == {""}


def test_former_district_narrows_2025_units(client, dataset):
    payload = client.get("/api/maps/ntm_level.json?units=2025&district=183&lang=en").get_json()
    codes = set(payload["values"])
    old_cao_loc = set(dataset.communes_of("183")["commune_code"])
    crosswalk = dataset.crosswalk_to("2025")
    expected = {r.new_code for r in crosswalk.used if r.old_code in old_cao_loc}
    assert codes == expected and 0 < len(codes) < 65
    html = client.get("/maps/ntm_level?units=2025&district=183&lang=en").get_data(as_text=True)
    assert "former Huyện Cao Lộc" in html
    html_vi = client.get("/maps/ntm_level?units=2025&district=183&lang=vi").get_data(as_text=True)
    assert "Huyện Cao Lộc cũ" in html_vi


def test_unknown_units_are_refused(client):
    r = client.get("/maps/ntm_level?units=2030&lang=en")
    assert r.status_code == 404 and "2030" in r.get_data(as_text=True)
    assert client.get("/api/maps/ntm_level.json?units=2030").status_code == 404


def test_map_page_says_which_units_and_links_the_other(client):
    html = client.get("/maps/ocop_total?units=2025&district=183&lang=en").get_data(as_text=True)
    assert 'data-units="2025"' in html and "Shown: Administrative units from 1 July 2025" in html
    other = re.search(r'id="units-to-2021" data-units="2021" href="([^"]+)"', html).group(1)
    assert query_of(other)["units"] == "2021" and query_of(other)["district"] == "183"
    assert "The 2025 boundaries are approximate, derived" in html
    assert 'id="legend-derived"' in html
    share = unescape(re.search(r'id="share-link" readonly value="([^"]+)"', html).group(1))
    assert query_of(share)["units"] == "2025"  # canonical links carry the units
    # the data table lists the parts and the rule
    row = re.search(r'<tr data-code="06187".*?</tr>', html, re.S).group(0)
    assert "Thị trấn Cao Lộc" in row and "sum of the parts" in row and "/communes/2025/06187" in row
    html21 = client.get("/maps/ocop_total?district=183&lang=en").get_data(as_text=True)
    assert 'data-units="2021"' in html21 and 'id="units-to-2025"' in html21
    assert 'id="legend-derived"' not in html21 and "derived from the 2021" not in html21


def test_indicator_without_rule_says_why_on_2025_units(client):
    html = client.get("/maps/ntm_year?units=2025&lang=en").get_data(as_text=True)
    assert 'id="not-carried"' in html and "has no such year" in html
    payload = client.get("/api/maps/ntm_year.json?units=2025&lang=en").get_json()
    assert "has no such year" in payload["not_carried"]
    assert all(v["raw"] is None for v in payload["values"].values())


def test_embed_switch_and_note(client):
    html = client.get("/embed/ocop_total?units=2025&lang=en").get_data(as_text=True)
    assert 'data-units="2025"' in html and "derived from the 2021 commune boundaries" in html
    link = re.search(r'id="units-to-2021" href="([^"]+)"', html).group(1)
    assert urlsplit(unescape(link)).path == "/embed/ocop_total" and query_of(link)["units"] == "2021"
    full = re.search(r'id="embed-full-link">', html)
    assert full and "units=2025" in html[: full.start()].rsplit("href=", 1)[1]


@pytest.mark.parametrize("fmt", ["svg", "pdf", "png"])
def test_export_on_2025_units(client, fmt):
    r = client.get(f"/maps/ocop_total.{fmt}?units=2025&lang=en&dpi=72")
    assert r.status_code == 200
    assert "units2025" in r.headers["Content-Disposition"]
    assert r.data != client.get(f"/maps/ocop_total.{fmt}?lang=en&dpi=72").data


def test_svg_export_says_derived_and_hatches(client):
    svg = client.get("/maps/ocop_total.svg?units=2025&district=all&lang=en").get_data(as_text=True)
    assert "derived from the 2021" in svg and "Hatched" in svg
    assert re.search(r"<pattern id=", svg)  # matplotlib hatches are SVG patterns
    plain = client.get("/maps/ocop_total.svg?district=all&lang=en").get_data(as_text=True)
    assert "derived from the 2021" not in plain and "Hatched" not in plain


def test_standalone_html_on_2025_units(client, settings):
    html = client.get("/maps/ocop_total.html?units=2025&lang=en").get_data(as_text=True)
    assert "derived from the 2021 commune boundaries" in html
    assert "/communes/" not in html  # no public address configured: no profile links (never the host that made it)
    public = create_app({**settings, "PUBLIC_URL": "https://bando.example.vn"}).test_client()
    html = public.get("/maps/ocop_total.html?units=2025&lang=en").get_data(as_text=True)
    assert "https://bando.example.vn/communes/2025/{code}?lang=en" in html


def test_downloads_of_2025_edition(client):
    r = client.get("/api/download/boundaries.geojson?units=2025")
    assert r.status_code == 200 and "boundaries-2025-v1" in r.headers["Content-Disposition"]
    features = r.get_json()["features"]
    assert len(features) == 65 and {f["properties"]["boundary_quality"] for f in features} == {"derived"}
    csv = client.get("/api/download/indicators.csv?units=2025&indicator=ocop_total&year=2021").get_data(as_text=True)
    header, *rows = csv.lstrip("\ufeff").splitlines()
    assert header.endswith("boundary_quality,derived,from,rule") and len(rows) == 65
    ky_lua = next(r for r in rows if r.startswith("06187,"))
    assert "Phường Kỳ Lừa" in ky_lua and "2021:05971" in ky_lua and ky_lua.endswith(",sum")


def test_profile_of_2025_unit_lists_predecessors_and_carried(client):
    html = client.get("/communes/2025/06187?lang=en").get_data(as_text=True)
    assert "<h1>Phường Kỳ Lừa</h1>" in html
    predecessors = re.search(r'<ul id="predecessors">(.*?)</ul>', html, re.S).group(1)
    assert 'href="/communes/06187"' in predecessors and "Thị trấn Cao Lộc" in predecessors
    assert 'href="/communes/05971"' in predecessors
    assert 'data-indicator="ocop_total" data-rule="sum"' in html
    assert 'data-indicator="ntm_year" data-rule="none"' in html and "has no such year" in html
    assert 'data-derived="true"' in html and "derived from the 2021" in html


def test_profile_of_2021_commune_names_its_successor_and_old_url_keeps_working(client):
    html = client.get("/communes/06211?lang=en").get_data(as_text=True)  # Xã Lộc Yên in 2021
    assert "<h1>Xã Lộc Yên</h1>" in html
    successors = re.search(r'<p class="successors" id="successors">(.*?)</p>', html, re.S).group(1)
    assert re.search(r'href="/communes/2025/\d{5}" data-unit="2025:\d{5}"', successors)
    r = client.get("/communes/2021/06187")
    assert r.status_code == 301 and r.headers["Location"].endswith("/communes/06187")
    assert "Thị trấn Cao Lộc" in client.get("/communes/06187").get_data(as_text=True)
    assert "Phường Kỳ Lừa" in client.get("/communes/2025/06187").get_data(as_text=True)
    assert client.get("/communes/2025/99999").status_code == 404


def test_side_by_side_page_has_both_editions(client):
    r = client.get("/maps/ntm_level/editions?district=183&lang=en")
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert 'data-sync-map="2021"' in html and 'data-sync-map="2025"' in html
    assert re.search(r"geoapp-sync\.[0-9a-f]{12}\.js", html) and "units=2025" in html and "units=2021" in html
    ids = re.findall(r' id="([^"]+)"', html)
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)  # each map has its own legend
    assert 'id="legend-2021"' in html and '"legendId": "legend-2025"' in html


def test_units_switch_on_both_backends(backend_client):
    payload = backend_client.get("/api/maps/ntm_level.json?units=2025&district=all&lang=en").get_json()
    assert payload["units"] == "2025" and len(payload["values"]) == 65
    assert any(v["derived"] for v in payload["values"].values())
    html = backend_client.get("/communes/2025/06211?lang=en").get_data(as_text=True)  # Xã Cao Lộc since 2025
    assert "<h1>Xã Cao Lộc</h1>" in html and 'href="/communes/06211"' in html
