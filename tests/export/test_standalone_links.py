"""Standalone HTML files: profile links only to the configured public address, and the data table."""

import re
from html import unescape

import pytest

from geoapp import create_app
from tests.helpers import open_map

PUBLIC = "https://bando.caoloc.example.vn"


def standalone(settings, tmp_path=None, **extra):
    client = create_app({**settings, **extra}).test_client()
    r = client.get("/maps/ntm_level.html?district=183&year=2021", base_url="http://maker.internal:8000")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    if tmp_path is not None:
        path = tmp_path / "map.html"
        path.write_text(html, encoding="utf-8")
        return html, path
    return html


def test_without_a_public_address_the_file_has_no_profile_links(settings):
    html = standalone(settings)
    assert '"profileUrl": null' in html
    assert "/communes/" not in html and "maker.internal" not in html and "localhost" not in html


def test_profile_links_use_the_public_address_never_the_host_that_made_the_file(settings):
    html = standalone(settings, PUBLIC_URL=PUBLIC + "/")
    assert f'"profileUrl": "{PUBLIC}/communes/{{code}}?lang=vi"' in html
    markup = re.sub(r"<(script|style)>.*?</\1>", "", html, flags=re.S)
    links = [unescape(h) for h in re.findall(r'<a href="([^"]+)"', markup)]
    assert len(links) == 22 and all(link.startswith(f"{PUBLIC}/communes/") for link in links)
    assert f"{PUBLIC}/communes/06202?lang=vi" in links
    assert "maker.internal" not in html


def test_the_file_carries_the_data_table(settings):
    html = standalone(settings)
    table = re.search(r'<table class="data" id="data-table">(.*?)</table>', html, re.S).group(1)
    rows = re.findall(r'<tr data-code="(\d+)">(.*?)</tr>', table, re.S)
    assert len(rows) == 22
    cells = dict(rows)
    assert "Xã Xuất Lễ" in cells["06202"] and "Đạt chuẩn NTM" in cells["06202"]
    assert "Không có số liệu" in cells["06187"]  # the town: no data, said in words, not by colour alone
    assert "Giá trị 2021" in table and "Giá trị 2020" in table
    assert 'class="badge-illustrative"' in table and "minh họa" in table


def test_cli_uses_the_public_address_setting(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from geoapp.cli import main

    monkeypatch.setenv("GEOAPP_PUBLIC_URL", PUBLIC)
    out = tmp_path / "m.html"
    result = CliRunner().invoke(main, ["export", "ntm_level", "--district", "183", "--format", "html", "-o", str(out),
                                       "--data-dir", str(tmp_path / "d")])
    assert result.exit_code == 0, result.output
    assert f"{PUBLIC}/communes/{{code}}?lang=vi" in out.read_text(encoding="utf-8")


@pytest.mark.browser
def test_popup_link_opens_the_public_site(settings, tmp_path, offline_page):
    _, path = standalone(settings, tmp_path, PUBLIC_URL=PUBLIC)
    page = open_map(offline_page, path.as_uri())
    x, y = page.evaluate(
        """() => { const r = document.querySelector('path[data-code="06202"]').getBoundingClientRect();
                   return [r.left + r.width / 2, r.top + r.height / 2]; }"""
    )
    page.locator('path[data-code="06202"]').dispatch_event("click", {"clientX": x, "clientY": y})
    link = page.wait_for_selector(".leaflet-popup-content a", timeout=5000)
    assert link.get_attribute("href") == f"{PUBLIC}/communes/06202?lang=vi"
    assert page.locator("#data-table tbody tr").count() == 22
