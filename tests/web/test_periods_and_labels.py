"""Periods, dates and labels in Vietnamese; the district outlines endpoint."""

import datetime as dt

from geoapp.timefmt import format_datetime, format_period


def test_periods_read_as_words_and_local_dates():
    assert format_period("2021-H1", "vi") == "6 tháng đầu năm 2021"
    assert format_period("2021-H1", "en") == "first half of 2021"
    assert format_period("2021-01-01..2021-07-10", "vi") == "01/01/2021 – 10/07/2021"
    assert format_period("2021", "vi") == "2021"


def test_times_are_shown_in_viet_nam():
    assert format_datetime("2026-11-29T22:40:55+00:00", "vi") == "30/11/2026 05:40"
    assert format_datetime(dt.datetime(2026, 1, 2, 3, 4, tzinfo=dt.timezone.utc), "vi") == "02/01/2026 10:04"
    assert format_datetime("not a time", "vi") == "not a time"


def test_district_page_prints_periods_in_vietnamese(client):
    html = client.get("/?district=183").get_data(as_text=True)
    assert "2021-H1" not in html and "2021-01-01..2021-07-10" not in html
    assert "6 tháng đầu năm 2021" in html


def test_no_english_on_vietnamese_map_page(client):
    html = client.get("/maps/ntm_level?district=183").get_data(as_text=True)
    assert "approximate commune boundaries" not in html
    assert "Zoom in" not in html and "\"zoomIn\"" in html  # translated titles travel with the layer options
    assert ">Nhóm<" in html  # the class column, not "Lớp" (a school grade)


def test_signed_in_line_reads_naturally(app):
    from tests.accounts import as_user

    page = as_user(app, "lan", "editor").get("/").get_data(as_text=True)
    assert "Đang đăng nhập: lan" in page and "Đăng nhập: lan" not in page.replace("Đang đăng nhập: lan", "")


def test_district_outlines_endpoint(client):
    response = client.get("/api/districts.geojson")
    assert response.status_code == 200 and response.content_type.startswith("application/geo+json")
    data = response.get_json(force=True)
    assert len(data["features"]) == 11
    names = {f["properties"]["name"] for f in data["features"]}
    assert "Huyện Cao Lộc" in names
    assert len(response.data) < 200_000  # simplified for the web
