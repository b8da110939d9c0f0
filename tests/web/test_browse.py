import re

import pytest


def test_index_groups_maps_by_program(client):
    r = client.get("/")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    for program in ("new_rural", "schools", "ocop", "security"):
        assert f'data-program="{program}"' in html
    assert "Nông thôn mới" in html and "/maps/ntm_level?district=183" in html
    assert 'lang="vi"' in html


def test_index_shows_district_facts_with_source(client):
    html = client.get("/").get_data(as_text=True)
    assert 'id="district-facts"' in html
    assert "17.380,48" in html  # grain output, Vietnamese number format
    assert "Báo Pháp luật Việt Nam" in html
    html = client.get("/?lang=en").get_data(as_text=True)
    assert "17,380.48" in html and "Grain output" in html


def test_map_page(client):
    r = client.get("/maps/ntm_level?year=2020&district=183")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert "Mức đạt chuẩn nông thôn mới" in html
    assert html.count('<tr data-code="') == 22
    assert 'id="legend"' in html and "Không có số liệu" in html
    assert 'id="illustrative-badge"' in html
    assert "Ranh giới xã gần đúng" in html
    assert 'id="year-select"' in html and 'id="indicator-select"' in html
    assert 'id="commune-search"' in html
    assert "/api/boundaries.geojson?district=183" in html


def test_map_page_numeric_controls(client):
    html = client.get("/maps/ocop_total?scheme=equal_interval&k=3&district=all").get_data(as_text=True)
    assert html.count('<tr data-code="') == 194
    assert re.search(r'<option value="equal_interval" selected>', html)
    assert re.search(r'<option value="3" selected>', html)
    assert "Khoảng đều, 3 lớp" in html


def test_map_page_user_breaks(client):
    html = client.get("/maps/schools_total?scheme=user&breaks=3,5").get_data(as_text=True)
    assert 'name="breaks" value="3,5"' in html
    assert "&gt; 3 – 5" in html
    assert "breaks=3,5" in html.replace("\\u0026", "&")  # the map data URL keeps the breaks


def test_english_page_is_complete(client):
    html = client.get("/maps/ntm_level?lang=en").get_data(as_text=True)
    assert 'lang="en"' in html
    for text in ("New rural status", "Legend", "No data", "Illustrative data", "Find a commune", "Data table"):
        assert text in html
    # the language sticks through a cookie
    assert 'lang="en"' in client.get("/").get_data(as_text=True)
    assert 'lang="vi"' in client.get("/?lang=vi").get_data(as_text=True)


def test_commune_profile(client):
    r = client.get("/communes/06220")
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert "Xã Hải Yến" in html
    assert 'data-indicator="ntm_level"' in html and "NTM nâng cao" in html
    assert "<th>2020</th><th>2021</th>" in html
    assert '"highlight": "06220"' in html


def test_commune_profile_lists_the_article_facts(client):
    html = client.get("/communes/06196").get_data(as_text=True)
    assert 'id="article-facts"' in html
    assert "huyện phấn đấu đưa trường tiểu học này đạt chuẩn quốc gia" in html
    html = client.get("/communes/06196?lang=en").get_data(as_text=True)
    assert "the district aims to bring this primary school to national standard" in html
    assert 'id="article-facts"' not in client.get("/communes/06184").get_data(as_text=True)


def test_district_facts_notes_follow_language(client):
    assert "so với cùng kỳ" in client.get("/?lang=vi").get_data(as_text=True)
    assert "of the same period last year" in client.get("/?lang=en").get_data(as_text=True)


def test_healthz(client):
    r = client.get("/healthz")
    assert r.status_code == 200 and r.json["status"] == "ok" and r.json["communes"] == 194


@pytest.mark.parametrize(
    "url, status, vi, en",
    [
        ("/maps/nope", 404, "Không có chỉ tiêu", "There is no indicator"),
        ("/communes/99999", 404, "Không có xã", "There is no commune"),
        ("/maps/ntm_level?district=999", 404, "Không có huyện", "There is no district"),
        ("/maps/ocop_total?scheme=zzz", 400, "Cách phân lớp", "Unknown classification scheme"),
        ("/maps/ocop_total?k=42", 400, "Số lớp", "Number of classes"),
        ("/maps/ntm_level?year=1999", 400, "không có số liệu", "There is no data for year"),
        ("/maps/ntm_level?year=abc", 400, "không có số liệu", "There is no data for year"),
        ("/no/such/page", 404, "Không tìm thấy", "This page does not exist"),
    ],
)
def test_error_pages_in_both_languages(client, url, status, vi, en):
    r = client.get(url)
    assert r.status_code == status and r.mimetype == "text/html"
    assert vi in r.get_data(as_text=True)
    sep = "&" if "?" in url else "?"
    r = client.get(url + sep + "lang=en")
    assert r.status_code == status
    html = r.get_data(as_text=True)
    assert en in html and "Traceback" not in html


def test_unexpected_error_is_a_page_not_a_traceback(app, client):
    @app.get("/boom")
    def boom():
        raise RuntimeError("secret detail")

    r = client.get("/boom")
    assert r.status_code == 500
    html = r.get_data(as_text=True)
    assert "secret detail" not in html and "Traceback" not in html
    assert "Dữ liệu đã công bố không bị thay đổi" in html
