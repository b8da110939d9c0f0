"""'This view' downloads through the Flask test client: the bbox parameter, its checks and the share dialog."""

import re
from html import unescape

import pytest

EXPORT = "/maps/ntm_level.svg?district=183&year=2021"
VIEW = "106.70,21.80,106.85,21.90"


@pytest.mark.parametrize("bbox", ["abc", "1,2,3", "106.9,21.8,106.7,21.9", "nan,21.8,106.9,21.9",
                                  "106.7,21.8,106.9,95", "106.7;21.8;106.9;21.9"])
def test_a_malformed_view_is_a_clear_400(client, bbox):
    r = client.get(f"{EXPORT}&bbox={bbox}")
    assert r.status_code == 400
    text = r.get_data(as_text=True)
    assert "Khung nhìn" in text and "kinh độ tây, vĩ độ nam, kinh độ đông, vĩ độ bắc" in text
    en = client.get(f"{EXPORT}&bbox={bbox}&lang=en").get_data(as_text=True)
    assert "west longitude, south latitude, east longitude, north latitude" in en


def test_a_view_outside_the_area_is_a_clear_400(client):
    r = client.get(EXPORT + "&bbox=105.80,21.00,105.90,21.10&lang=en")  # Hà Nội
    assert r.status_code == 400 and "shows no part of the mapped area" in r.get_data(as_text=True)


def test_the_standalone_html_cannot_take_a_view(client):
    r = client.get(f"/maps/ntm_level.html?district=183&bbox={VIEW}&lang=en")
    assert r.status_code == 400 and "PNG, SVG, PDF" in r.get_data(as_text=True)


def test_a_view_export_is_its_own_file(client):
    whole = client.get(EXPORT)
    view = client.get(f"{EXPORT}&bbox={VIEW}")
    assert whole.status_code == view.status_code == 200
    assert view.content_type == "image/svg+xml" and view.data.startswith(b"<?xml")
    assert 'filename="ntm_level_2021_183_a4-landscape_view.svg"' == view.headers["Content-Disposition"].split("; ")[1]
    assert view.headers["ETag"] != whole.headers["ETag"]
    again = client.get(f"{EXPORT}&bbox={VIEW}", headers={"If-None-Match": view.headers["ETag"]})
    assert again.status_code == 304
    png = client.get(f"/maps/ntm_level.png?district=183&year=2021&dpi=72&bbox={VIEW}")
    assert png.status_code == 200 and png.data.startswith(b"\x89PNG")


def test_the_share_dialog_offers_this_view_beside_the_whole_area(client):
    html = client.get("/maps/ntm_level?district=183&year=2021").get_data(as_text=True)
    box = re.search(r'<div id="share-view-box" hidden>(.*?)</div>', html, re.S).group(1)
    assert "Khung nhìn này" in box
    links = [unescape(h) for h in re.findall(r'<a href="([^"]+)" download data-view-export', box)]
    assert len(links) == 4 and all("/maps/ntm_level." in h and "bbox" not in h for h in links)
    assert {h.split("?")[0].rsplit(".", 1)[1] for h in links} == {"png", "svg", "pdf"}
    assert "Toàn bộ vùng" in html
