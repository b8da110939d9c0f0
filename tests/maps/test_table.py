"""The data table and commune search in pages: core, JSON API, and the map page switching to them."""

from __future__ import annotations

import re

import pytest

from geoapp import create_app
from geoapp.errors import BadRequest, NotFound
from geoapp.maps.table import search_communes, table_page
from geoapp.maps.view import build_map_view


@pytest.fixture
def view(dataset):
    return build_map_view(dataset, "schools_total", district="all", lang="vi")


def test_pages_cover_every_row_once(view):
    first = table_page(view, size=50)
    assert first["total"] == len(view.frame) and first["pages"] == -(-len(view.frame) // 50)
    codes = []
    for page in range(1, first["pages"] + 1):
        codes += [r["code"] for r in table_page(view, page=page, size=50)["rows"]]
    assert codes == sorted(view.frame["commune_code"])
    assert table_page(view, page=first["pages"] + 1, size=50)["rows"] == []


def test_sort_by_value_puts_no_data_last_and_descending_reverses(view):
    rows = table_page(view, sort="value", size=200)["rows"] + table_page(view, sort="value", size=200, page=2)["rows"]
    numbers = [float(r["raw"]) for r in rows if r["raw"] is not None]
    assert numbers == sorted(numbers)
    assert all(r["raw"] is None for r in rows[len(numbers):])
    top = table_page(view, sort="value", order="desc", size=5)["rows"]
    assert float(top[0]["raw"]) == max(numbers)


def test_filter_by_diacritic_free_name_or_code(view):
    found = table_page(view, query="hai yen")
    assert [r["name"] for r in found["rows"]] == ["Xã Hải Yến"] and found["total"] == 1
    assert {r["code"] for r in table_page(view, query="0620")["rows"]} >= {"06202"}


def test_bad_paging_and_sort_are_refused(view):
    for kwargs in ({"size": 0}, {"size": 1000}, {"page": "x"}, {"sort": "colour"}, {"order": "up"}):
        with pytest.raises(BadRequest):
            table_page(view, **kwargs)


def test_search_by_name_or_code_with_district(dataset):
    found = search_communes(dataset, "Hong Phong")
    assert found["total"] >= 2
    assert {r["district_name"] for r in found["results"]} >= {"Huyện Cao Lộc", "Huyện Bình Gia"}
    only = search_communes(dataset, "hong phong", district="183")
    assert [r["code"] for r in only["results"]] == ["06205"]
    assert search_communes(dataset, "06202")["results"][0]["name"] == "Xã Xuất Lễ"
    assert search_communes(dataset, "")["results"] == []
    with pytest.raises(NotFound):
        search_communes(dataset, "x", district="999")


def test_api_endpoints(client):
    page = client.get("/api/table/schools_total.json?district=all&size=10&page=2&sort=name")
    assert page.status_code == 200
    data = page.get_json()
    assert data["page"] == 2 and len(data["rows"]) == 10 and data["sort"] == "name"
    again = client.get("/api/table/schools_total.json?district=all&size=10&page=2&sort=name",
                       headers={"If-None-Match": page.headers["ETag"]})
    assert again.status_code == 304
    search = client.get("/api/search.json?q=xuat%20le").get_json()
    assert search["results"][0]["code"] == "06202"
    bad = client.get("/api/table/schools_total.json?size=5000&lang=en")
    assert bad.status_code == 400 and "whole number from 1 to 200" in bad.get_data(as_text=True)


def test_map_page_carries_rows_only_for_small_areas(settings):
    small = create_app(settings).test_client().get("/maps/schools_total?district=183").get_data(as_text=True)
    assert small.count('<tr data-code="') == 22 and "data-source=" not in small
    client = create_app({**settings, "TABLE_INLINE_MAX": 10}).test_client()
    large = client.get("/maps/schools_total?district=183").get_data(as_text=True)
    assert '<tr data-code="' not in large and 'data-source="/api/table/schools_total.json?' in large
    assert re.search(r'src="/static/geoapp-table\.[0-9a-f]{12}\.js"', large)
    assert large.split('id="commune-index">')[1].startswith("[]")


@pytest.mark.browser
def test_paged_table_and_search_in_chromium(settings, offline_page):
    from tests.conftest import LiveServer

    app = create_app({**settings, "TABLE_INLINE_MAX": 10})
    with LiveServer(app) as server:
        page = offline_page.page
        page.goto(server.url + "/maps/schools_total?district=all&lang=en")
        page.wait_for_selector("#data-table[data-state=ready]", timeout=15000)
        total = int(page.get_attribute("#data-table", "data-total"))
        assert total > 50 and page.locator("#data-table tbody tr").count() == 50
        assert page.locator("#table-page-status").inner_text().startswith("Page 1 of")
        page.click("#table-pages button[data-step='1']")
        page.wait_for_selector("#table-page-status:has-text('Page 2 of')")
        page.fill("#commune-search", "xuat le")
        page.wait_for_selector("#commune-search-results button[data-code='06202']", timeout=10000)
        page.wait_for_selector("#data-table[data-total='1']", timeout=10000)
        assert page.locator("#data-table tbody tr").count() == 1
        assert page.locator("#data-table tbody a").inner_text() == "Xã Xuất Lễ"
        assert offline_page.errors == [] and offline_page.blocked == []


def test_table_and_search_on_the_2025_units(dataset):
    view = build_map_view(dataset, "ocop_total", units="2025", district="all", year=2021, lang="en")
    page = table_page(view, size=200)
    assert page["units"] == "2025" and page["total"] == 65
    ky_lua = next(r for r in page["rows"] if r["code"] == "06187")
    assert ky_lua["derived"] is True and "Thị trấn Cao Lộc" in ky_lua["parts"] and ky_lua["rule_text"]
    found = search_communes(dataset, "ky lua", units="2025")
    assert found["results"][0]["code"] == "06187" and found["results"][0]["name"] == "Phường Kỳ Lừa"
    assert found["results"][0]["district"] == ""  # the 2025 units have no district
    holders = {r.new_code: set() for r in dataset.crosswalk_to("2025").used}
    old_district = dataset.communes.set_index("commune_code")["district_code"]
    for r in dataset.crosswalk_to("2025").used:
        holders[r.new_code].add(old_district[r.old_code])
    assert "183" in holders["06187"]  # Kỳ Lừa holds communes of the former Huyện Cao Lộc
    assert [r["code"] for r in search_communes(dataset, "ky lua", district="183", units="2025")["results"]] == ["06187"]
    elsewhere = next(d for d in dataset.districts["district_code"] if d not in holders["06187"])
    assert search_communes(dataset, "ky lua", district=elsewhere, units="2025")["total"] == 0
    with pytest.raises(NotFound):
        search_communes(dataset, "x", units="2030")


def test_api_table_and_search_on_the_2025_units(client):
    page = client.get("/api/table/ocop_total.json?units=2025&district=all&year=2021&size=10").get_json()
    assert page["units"] == "2025" and page["total"] == 65 and len(page["rows"]) == 10
    assert all("derived" in r and "parts" in r for r in page["rows"])
    other = client.get("/api/table/ocop_total.json?district=all&year=2021&size=10").get_json()
    assert other["units"] == "2021" and other["total"] == 194  # a different cache entry
    found = client.get("/api/search.json?q=ky%20lua&units=2025").get_json()
    assert [r["code"] for r in found["results"]][:1] == ["06187"]
    assert client.get("/api/search.json?q=ky&units=2030").status_code == 404


def test_paged_map_page_on_the_2025_units(settings):
    client = create_app({**settings, "TABLE_INLINE_MAX": 10}).test_client()
    html = client.get("/maps/ocop_total?units=2025&district=all&year=2021&lang=en").get_data(as_text=True)
    table = re.search(r'<table class="data" id="data-table"[^>]*>', html).group(0)
    assert "units=2025" in table and " data-parts" in table and 'data-profile="/communes/2025/CODE"' in table
    assert '<tr data-code="' not in html
