"""The side-by-side view, the change map and their JSON, through the Flask test client."""

import json
import re
from html import unescape

from geoapp import create_app

COMPARE = "/maps/schools_total?year=2021&compare=2020&district=183"
CHANGE = "/maps/ntm_level?year=2021&compare=2020&district=183&change=1"


def page_config(html: str) -> dict:
    match = re.search(r'<script type="application/json" id="compare-config">(.*?)</script>', html, re.S)
    return json.loads(match.group(1))


def test_compare_page_has_two_maps_one_legend_and_both_years_in_the_table(client):
    r = client.get(COMPARE)
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert html.count('class="folium-map compare-map"') == 2
    assert "Bản đồ năm 2020" in html and "Bản đồ năm 2021" in html
    assert html.count('id="legend"') == 1 and "năm 2020: 7 · năm 2021: 7" in html
    assert "Hai bản đồ dùng chung một cách phân lớp" in html
    assert "Huyện Cao Lộc, năm 2020 và năm 2021" in html
    assert 'class="badge-illustrative"' in html and "không phải số liệu thật" in html
    rows = re.findall(r'<tr data-code="(\d+)">', html)
    assert len(rows) == 22 and rows[0] == "06184"
    assert "Giá trị 2020" in html and "Giá trị 2021" in html and "Nhóm 2021" in html
    assert re.search(r'src="/static/geoapp-compare(\.[0-9a-f]+)?\.js"', html)  # fingerprinted name


def test_compare_page_in_english(client):
    html = client.get(COMPARE + "&lang=en").get_data(as_text=True)
    assert "Map of 2020" in html and "Huyện Cao Lộc, 2020 and 2021" in html
    assert "2020: 7 · 2021: 7" in html and "Illustrative data" in html
    assert "Show the change map" in html and "Thay đổi" not in html


def test_script_config_points_at_the_shared_values(client):
    config = page_config(client.get(COMPARE).get_data(as_text=True))
    assert config["mode"] == "compare" and config["years"] == [2020, 2021]
    assert config["geometry"] == "/api/boundaries.geojson?district=183"
    payload = client.get(config["values"]).get_json()
    assert payload["years"] == [2020, 2021] and len(payload["maps"]) == 2
    shared = payload["classification"]
    for year_map in payload["maps"]:
        assert year_map["classification"]["bins"] == shared["bins"]
        colours = {e["color"] for e in shared["legend"]} | {shared["nodata"]["color"]}
        assert {v["color"] for v in year_map["values"].values()} <= colours
    assert set(shared["counts"]) == {"2020", "2021"}
    assert config["layer"]["profileUrl"] == "/communes/{code}"
    assert config["layer"]["labels"]["wholeArea"] == "Xem toàn vùng"  # the map's own controls, translated


def test_shared_classes_differ_from_single_year_classes_when_years_differ(app, client):
    store = app.extensions["geoapp"].store
    table = store.read_indicators()
    rows = (table["indicator"] == "schools_total") & (table["year"] == 2021)
    table.loc[rows, "value"] = (table.loc[rows, "value"].astype(int) + 50).astype(str)
    store.publish("indicators", table, author="t", comment="raise 2021", base_version=store.published_versions()["indicators"])
    payload = client.get("/api/maps/schools_total/compare.json?year=2021&compare=2020&district=183&k=4").get_json()
    earlier, later = (m["values"] for m in payload["maps"])
    assert max(v["cls"] for v in earlier.values()) < min(v["cls"] for v in later.values())
    single = client.get("/api/maps/schools_total.json?year=2021&district=183&k=4").get_json()["values"]
    assert min(v["cls"] for v in single.values()) == 0


def test_change_page_and_its_json(client):
    r = client.get(CHANGE)
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert "Thay đổi: Mức đạt chuẩn nông thôn mới" in html
    assert "Huyện Cao Lộc, từ năm 2020 đến năm 2021" in html
    assert "Lên mức cao hơn" in html and "Giữ nguyên mức" in html and "Xuống mức thấp hơn" in html
    assert html.count('class="folium-map compare-map"') == 1
    assert len(re.findall(r'<tr data-code="\d+"', html)) == 22
    assert 'class="badge-illustrative"' in html
    config = page_config(html)
    assert config["mode"] == "change" and config["years"] == ["2020 → 2021"]
    payload = client.get(config["values"]).get_json()
    assert payload["classification"]["kind"] == "change" and len(payload["values"]) == 22
    up = [v for v in payload["values"].values() if v["raw"] == 1]
    assert up and all(v["change"] == "Lên mức cao hơn" and "→" in v["value"] for v in up)
    legend = {e["label"]: e["count"] for e in payload["classification"]["legend"]}
    assert legend["Lên mức cao hơn"] == len(up)


def test_numeric_change_json_is_centred_on_zero(client):
    payload = client.get("/api/maps/defence_drills/change.json?year=2021&compare=2020&district=all&lang=en").get_json()
    legend = payload["classification"]["legend"]
    zero = [e["label"] for e in legend].index("No change")
    assert zero == len(legend) - 1 - zero  # as many classes below zero as above
    for value in payload["values"].values():
        if value["raw"] is not None:
            assert (value["cls"] > zero) == (value["raw"] > 0) and (value["cls"] < zero) == (value["raw"] < 0)


def test_pages_link_to_each_other(client):
    single = client.get("/maps/ntm_level?year=2021&district=183").get_data(as_text=True)
    link = unescape(re.search(r'id="compare-link" href="([^"]+)"', single).group(1))
    assert "compare=2020" in link and "year=2021" in link
    compare = client.get(link).get_data(as_text=True)
    change = unescape(re.search(r'id="change-link" href="([^"]+)"', compare).group(1))
    assert "change=1" in change and client.get(change).status_code == 200
    back = unescape(re.search(r'id="single-link" href="([^"]+)"', compare).group(1))
    assert "compare" not in back and client.get(back).status_code == 200
    earliest = client.get("/maps/ntm_level?year=2020&district=183").get_data(as_text=True)
    assert "compare=2021" in unescape(re.search(r'id="compare-link" href="([^"]+)"', earliest).group(1))


def test_bad_years_give_a_clear_400(client):
    r = client.get("/maps/ntm_level?year=2021&compare=2021&lang=en")
    assert r.status_code == 400 and "cannot be compared with itself" in r.get_data(as_text=True)
    r = client.get("/maps/ntm_level?year=2021&compare=1999&change=1&lang=vi")
    assert r.status_code == 400 and "Năm “1999” không có số liệu" in r.get_data(as_text=True)
    r = client.get("/api/maps/ntm_level/compare.json?year=2021&lang=en")
    assert r.status_code == 400 and "Choose a year to compare with" in r.get_json()["error"]["message"]
    assert client.get("/api/maps/nope/change.json?year=2021&compare=2020").status_code == 404


def test_login_is_still_required_when_the_site_requires_it(settings):
    client = create_app({**settings, "REQUIRE_LOGIN": True}).test_client()
    r = client.get(COMPARE)
    assert r.status_code in (302, 401) and "Bản đồ năm 2020" not in r.get_data(as_text=True)
    assert client.get("/api/maps/ntm_level/change.json?year=2021&compare=2020").status_code in (302, 401)


def test_values_json_is_conditional(client):
    url = "/api/maps/ntm_level/change.json?year=2021&compare=2020"
    first = client.get(url)
    assert first.status_code == 200 and first.headers["ETag"]
    assert client.get(url, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304


def test_compare_and_change_on_the_default_units_work_when_asked_for_by_name(client):
    assert client.get(COMPARE + "&units=2021").status_code == 200
    assert client.get(CHANGE + "&units=2021").status_code == 200
    r = client.get("/maps/ntm_level/change.pdf?year=2021&compare=2020&district=183")
    assert r.status_code == 200 and r.data.startswith(b"%PDF")
