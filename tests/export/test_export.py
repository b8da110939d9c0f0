"""Static exports (PNG, SVG, PDF) drawn on the server, their cache, their URLs and the CLI."""

import datetime as dt
import io
import json
import re
import warnings
import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from PIL import Image
from pypdf import PdfReader

from geoapp import create_app
from geoapp.cache import file_cache
from geoapp.cli import main
from geoapp.config import load_settings
from geoapp.export import (
    CLASSIFICATION_KEY,
    FONT_FILES,
    draw_figure,
    export_map,
    parse_export_options,
    parse_options,
    page_inches,
    render_static,
)
from geoapp.maps.view import build_map_view
from geoapp.request import parse_map_request
from geoapp.export.standalone import date_text

SVG = "{http://www.w3.org/2000/svg}"
TITLE_VI = "Mức đạt chuẩn nông thôn mới"
SOURCE_PARTS = ("gis.chinhphu.vn", "Tổng cục Thống kê", "Báo Pháp luật Việt Nam (2021)", "Ranh giới xã gần đúng")
ILLUSTRATIVE_NOTE = "không phải số liệu thật"


def pdf_text(body: bytes) -> str:
    reader = PdfReader(io.BytesIO(body))
    assert len(reader.pages) == 1
    return reader.pages[0].extract_text()


def svg_texts(body: bytes) -> list[str]:
    root = ET.fromstring(body)
    return [t.text for t in root.iter(f"{SVG}text") if t.text]


def dataset_of(app):
    return app.extensions["geoapp"].datasets.get()


def publish_facts(app, indicator="ntm_level", year=2021, district_codes=None, change=None):
    """Publish an indicator table where one indicator-year is all facts (and one value changed)."""
    store = app.extensions["geoapp"].store
    table = store.read_indicators()
    rows = (table["indicator"] == indicator) & (table["year"] == year)
    if district_codes is not None:
        rows &= table["commune_code"].isin(district_codes)
    table.loc[rows, "status"] = "fact"
    table.loc[rows, "source"] = "plvn2021"
    if change:
        code, value = change
        table.loc[rows & (table["commune_code"] == code), "value"] = value
    store.publish("indicators", pd.DataFrame(table), author="t", comment="facts",
                  base_version=store.published_versions()["indicators"])


def test_pdf_carries_vietnamese_title_legend_sources_and_date(client):
    r = client.get("/maps/ntm_level.pdf?district=183&year=2021&lang=vi")
    assert r.status_code == 200 and r.content_type == "application/pdf"
    assert r.headers["Content-Disposition"] == 'attachment; filename="ntm_level_2021_183_a4-landscape.pdf"'
    text = pdf_text(r.data)
    assert TITLE_VI in text
    assert "Huyện Cao Lộc, năm 2021" in text
    for part in SOURCE_PARTS:
        assert part in text
    assert ILLUSTRATIVE_NOTE in text
    assert "Không có số liệu (2)" in text and "Chưa đạt (4)" in text  # legend with no-data count
    assert date_text(dt.date.today(), "vi") in text
    assert "Xuất Lễ" in text  # a commune label
    reader = PdfReader(io.BytesIO(r.data))
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (842, 595)  # A4 landscape in points
    fonts = {f.decode() for f in re.findall(rb"/BaseFont\s*/([A-Za-z+-]+)", r.data)}
    assert any("DejaVuSans" in f for f in fonts)


def test_pdf_portrait_in_english(client):
    r = client.get("/maps/ntm_level.pdf?district=183&orientation=portrait&lang=en")
    assert r.headers["Content-Disposition"].endswith('_a4-portrait.pdf"')
    box = PdfReader(io.BytesIO(r.data)).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)
    text = pdf_text(r.data)
    assert "New rural status" in text
    assert "Approximate commune boundaries" in text and "Illustrative data" in text


def test_png_has_requested_dpi_and_pixel_size(client):
    r = client.get("/maps/ntm_level.png?district=183&dpi=150")
    assert r.status_code == 200 and r.content_type == "image/png"
    image = Image.open(io.BytesIO(r.data))
    assert image.size == (1753, 1240)  # 297 × 210 mm at 150 dpi
    assert image.info["dpi"] == pytest.approx((150, 150), abs=0.05)
    assert image.info["Title"] == TITLE_VI
    r = client.get("/maps/ntm_level.png?district=183&dpi=72&orientation=portrait")
    image = Image.open(io.BytesIO(r.data))
    assert image.size == (595, 841)
    assert image.info["dpi"] == pytest.approx((72, 72), abs=0.05)


def test_svg_parses_and_holds_legend_labels_as_text_with_embedded_font(client):
    r = client.get("/maps/ntm_level.svg?district=183&year=2021")
    assert r.status_code == 200 and r.content_type.startswith("image/svg+xml")
    texts = svg_texts(r.data)
    legend = client.get("/api/maps/ntm_level.json?district=183&year=2021").get_json()["classification"]
    for entry in legend["legend"] + [legend["nodata"]]:
        assert f"{entry['label']} ({entry['count']})" in texts
    assert TITLE_VI in texts
    body = r.data.decode("utf-8")
    assert body.count("@font-face{font-family:'DejaVu Sans'") == 2
    assert "data:font/ttf;base64," in body
    assert "<script" not in body


def test_export_draws_the_web_maps_classification(client):
    query = "district=183&year=2020&scheme=natural_breaks&k=4"
    web = client.get(f"/api/maps/schools_standard_share.json?{query}").get_json()["classification"]
    png = Image.open(io.BytesIO(client.get(f"/maps/schools_standard_share.png?{query}&dpi=72").data))
    assert json.loads(png.info[CLASSIFICATION_KEY]) == web
    svg = client.get(f"/maps/schools_standard_share.svg?{query}").data
    root = ET.fromstring(svg)
    meta = root.find(f".//{SVG}metadata[@id='{CLASSIFICATION_KEY}']")
    assert json.loads(meta.text) == web
    assert web["bins"] and web["scheme"] == "natural_breaks" and web["k"] == 4
    texts = svg_texts(svg)
    fills = set(re.findall(r"fill: (#[0-9a-f]{6})", svg.decode("utf-8")))
    for entry in web["legend"]:
        assert f"{entry['label']} ({entry['count']})" in texts
        if entry["count"]:
            assert entry["color"] in fills  # communes are filled with the legend's colours


def test_labels_drawn_only_where_they_fit(app):
    data = dataset_of(app)
    options = parse_options("png", 72, "landscape", load_settings())
    province = build_map_view(data, "ntm_level", district="all")
    _, drawn = draw_figure(province, options, dt.date.today())
    assert 0 < drawn < len(province.frame)
    district = build_map_view(data, "ntm_level", district="183")
    _, drawn = draw_figure(district, options, dt.date.today())
    assert drawn >= 15  # the large communes of Cao Lộc are labelled at A4 scale


def test_scale_bar_and_north_arrow(client):
    texts = svg_texts(client.get("/maps/ntm_level.svg?district=183").data)
    assert "5 km" in texts and "B" in texts
    texts = svg_texts(client.get("/maps/ntm_level.svg?district=all&lang=en").data)
    assert "20 km" in texts and "N" in texts


def test_every_vietnamese_glyph_is_in_the_bundled_font(app):
    """Drawing the province (ẫ, ữ, Đ, ơ... in titles and labels) never falls back to a missing glyph."""
    data = dataset_of(app)
    view = build_map_view(data, "ntm_level", district="all")
    names = " ".join(view.frame["commune_name"])
    assert all(ch in names for ch in "ẫữĐơ")
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*missing from font")
        body = render_static(view, parse_options("svg", None, None, load_settings()))
    texts = svg_texts(body)
    assert "Hữu" in texts and "Đội" in texts and any("kiểu mẫu" in t for t in texts)


def test_illustrative_note_follows_the_data(app, client):
    assert ILLUSTRATIVE_NOTE in pdf_text(client.get("/maps/ntm_level.pdf?district=183&year=2021").data)
    cao_loc = list(dataset_of(app).communes_of("183")["commune_code"])
    publish_facts(app, district_codes=cao_loc)
    text = pdf_text(client.get("/maps/ntm_level.pdf?district=183&year=2021").data)
    assert TITLE_VI in text and ILLUSTRATIVE_NOTE not in text and "Số liệu minh họa" not in text


def test_cache_hit_is_identical_and_a_publish_rebuilds(app, client, settings):
    url = "/maps/ntm_level.svg?district=183&year=2021"
    first = client.get(url).data
    version = dataset_of(app).version
    cache_dir = Path(settings["DATA_DIR"]) / "cache" / "exports"
    files = list((cache_dir / version).iterdir())
    assert len(files) == 1 and files[0].read_bytes() == first
    assert client.get(url).data == first
    # a publish changes one commune (Xuất Lễ: Đạt chuẩn -> NTM kiểu mẫu): the next export is rebuilt
    publish_facts(app, district_codes=["06202"], change=("06202", "kieu_mau"))
    second = client.get(url).data
    assert second != first
    assert "NTM kiểu mẫu (5)" in svg_texts(second) and "NTM kiểu mẫu (4)" in svg_texts(first)
    assert [p.name for p in cache_dir.iterdir()] == [dataset_of(app).version]  # old version removed
    assert not any(p.name.startswith(".tmp") for p in (cache_dir / dataset_of(app).version).iterdir())


def test_cache_is_keyed_by_every_parameter(app, settings):
    data = dataset_of(app)
    conf = load_settings(settings)
    vi = parse_map_request(data, "ntm_level", {}, lang="vi", default_district="183")
    en = vi.replace(lang="en")
    a = export_map(data, vi, parse_export_options("png", {"dpi": "72"}, conf), settings=conf)
    b = export_map(data, vi, parse_export_options("png", {"dpi": "73"}, conf), settings=conf)
    c = export_map(data, en, parse_export_options("png", {"dpi": "72"}, conf), settings=conf)
    assert len({a.body, b.body, c.body}) == 3
    assert len(list(file_cache(conf).root.glob("*/*.png"))) == 3


BAD = [
    ("dpi=50", "72 to 600"),
    ("dpi=100000", "72 to 600"),
    ("dpi=many", "“many”"),
    ("year=1999", "no data for year “1999”"),
    ("orientation=sideways", "“sideways”"),
]


def test_bad_parameters_give_400_with_a_message_in_every_format(client):
    for fmt in ("png", "svg", "pdf", "html"):
        for query, message in BAD:
            r = client.get(f"/maps/ntm_level.{fmt}?{query}&lang=en")
            assert r.status_code == 400, (fmt, query)
            assert message in r.get_data(as_text=True), (fmt, query)
    r = client.get("/maps/ntm_level.gif?lang=en")
    assert r.status_code == 400
    assert "Unknown export format “gif”. Choose one of: png, svg, pdf, html." in r.get_data(as_text=True)
    r = client.get("/maps/ntm_level.pdf?dpi=50&lang=vi")
    assert r.status_code == 400 and "Độ phân giải “50” dpi không hợp lệ" in r.get_data(as_text=True)
    assert client.get("/maps/nope.png").status_code == 404


def test_dpi_and_pixel_caps_come_from_settings(settings):
    client = create_app({**settings, "EXPORT_MAX_DPI": 200, "EXPORT_MAX_PIXELS": 2_000_000}).test_client()
    r = client.get("/maps/ntm_level.png?dpi=300&lang=en")
    assert r.status_code == 400 and "72 to 200" in r.get_data(as_text=True)
    r = client.get("/maps/ntm_level.png?dpi=150&lang=en")  # 1753 × 1240 = 2.17 MP
    assert r.status_code == 400 and "1753 × 1240 pixels is over the 2 megapixel limit" in r.get_data(as_text=True)
    assert client.get("/maps/ntm_level.png?dpi=120").status_code == 200
    assert client.get("/maps/ntm_level.pdf?dpi=150").status_code == 200  # vector pages have no pixel cap
    assert parse_options("png", None, None, load_settings({"EXPORT_MAX_DPI": 200})).dpi == 200


def test_export_route_wins_over_the_map_page(app, client):
    adapter = app.url_map.bind("localhost")
    assert adapter.match("/maps/ntm_level.png") == ("embed.export_file", {"indicator": "ntm_level", "fmt": "png"})
    assert adapter.match("/maps/ntm_level") == ("browse.map_page", {"indicator": "ntm_level"})
    assert client.get("/maps/ntm_level.png?dpi=72").content_type == "image/png"
    page = client.get("/maps/ntm_level")
    assert page.status_code == 200 and page.content_type.startswith("text/html") and "share-dialog" in page.get_data(as_text=True)


def test_page_sizes_are_a4():
    assert page_inches("landscape") == pytest.approx((297 / 25.4, 210 / 25.4))
    assert page_inches("portrait") == pytest.approx((210 / 25.4, 297 / 25.4))
    assert all(path.exists() and "matplotlib" in str(path) for path in FONT_FILES.values())


def test_cli_export_writes_every_format(tmp_path):
    data_dir = str(tmp_path / "d")
    for fmt in ("png", "svg", "pdf", "html"):
        out = tmp_path / f"map.{fmt}"
        args = ["export", "ntm_level", "--year", "2021", "--district", "183", "--format", fmt, "-o", str(out),
                "--data-dir", data_dir]
        if fmt == "png":
            args += ["--dpi", "100"]
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 0, result.output
        body = out.read_bytes()
        if fmt == "png":
            assert Image.open(out).size == (1169, 826)
        elif fmt == "svg":
            assert TITLE_VI in svg_texts(body)
        elif fmt == "pdf":
            assert TITLE_VI in pdf_text(body)
        else:
            assert body.startswith(b"<!doctype html>") and TITLE_VI.encode() in body


def test_cli_export_rejects_bad_parameters(tmp_path):
    data_dir = str(tmp_path / "d")
    for extra, message in ((["--format", "gif"], "gif"), (["--format", "png", "--dpi", "50"], "72 to 600"),
                           (["--format", "pdf", "--year", "1999"], "1999")):
        out = tmp_path / "x"
        result = CliRunner().invoke(main, ["export", "ntm_level", "--lang", "en", "-o", str(out),
                                           "--data-dir", data_dir, *extra])
        assert result.exit_code != 0
        assert message in result.output
        assert not out.exists()


def test_a_publish_rebuilds_exports_on_every_backend(backend_app, backend_client):
    url = "/maps/ntm_level.png?district=183&year=2021&dpi=72"
    first = backend_client.get(url).data
    assert backend_client.get(url).data == first
    publish_facts(backend_app, district_codes=["06202"], change=("06202", "kieu_mau"))
    second = Image.open(io.BytesIO(backend_client.get(url).data))
    legend = json.loads(second.info[CLASSIFICATION_KEY])["legend"]
    assert [e["count"] for e in legend if e["value"] == "kieu_mau"] == [5]
    assert json.loads(Image.open(io.BytesIO(first)).info[CLASSIFICATION_KEY])["legend"][3]["count"] == 4
