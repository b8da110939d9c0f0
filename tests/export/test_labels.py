"""Printed maps: every commune labelled with no overlap, district names, locator inset, a filled
portrait page and the issuing office line."""

import datetime as dt
import io
import itertools
import xml.etree.ElementTree as ET

import pytest
from matplotlib.text import Text
from pypdf import PdfReader

from geoapp import create_app
from geoapp.config import load_settings
from geoapp.export import draw_figure, parse_options, render_static
from geoapp.export.figure import HIGHLIGHT
from geoapp.export.labels import district_label, short_name
from geoapp.maps.view import build_map_view

SVG = "{http://www.w3.org/2000/svg}"
TODAY = dt.date(2024, 3, 5)


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    app = create_app({"DATA_DIR": str(tmp_path_factory.mktemp("labels")), "TESTING": True, "SECRET_KEY": "t"})
    return app.extensions["geoapp"].datasets.get()


def figure(data, district, orientation="landscape", fmt="png", **settings):
    view = build_map_view(data, "ntm_level", district=district, year=2021)
    options = parse_options(fmt, 72, orientation, load_settings(settings))
    fig, drawn = draw_figure(view, options, TODAY)
    return view, fig, drawn


def map_axes(fig):
    return next(ax for ax in fig.axes if ax.get_label() == "map")


def labels(fig, prefix):
    """Return {gid: text artist} of the map's labels whose gid starts with prefix."""
    return {t.get_gid(): t for t in map_axes(fig).texts if (t.get_gid() or "").startswith(prefix)}


def text_boxes(fig, artists):
    fig.canvas.draw()  # leader labels take their place when drawn
    renderer = fig.canvas.get_renderer()
    return [Text.get_window_extent(a, renderer) for a in artists]  # the text itself, without a leader line


def assert_no_overlap(fig, artists):
    boxes = text_boxes(fig, artists)
    for (i, a), (j, b) in itertools.combinations(enumerate(boxes), 2):
        assert not a.overlaps(b), (artists[i].get_text(), artists[j].get_text())
    frame = map_axes(fig).get_window_extent(fig.canvas.get_renderer())
    assert all(frame.contains(b.x0, b.y0) and frame.contains(b.x1, b.y1) for b in boxes)


@pytest.mark.parametrize("orientation", ["landscape", "portrait"])
def test_every_commune_of_the_district_is_labelled_without_overlap(data, orientation):
    view, fig, drawn = figure(data, "183", orientation)
    communes = labels(fig, "label-")
    assert set(communes) == {f"label-{code}" for code in view.frame["commune_code"]}
    assert drawn == len(view.frame) == 22
    assert communes["label-06187"].get_text().replace("\n", " ") == "TT. Cao Lộc"
    assert communes["label-06202"].get_text().replace("\n", " ") == "Xuất Lễ"
    assert_no_overlap(fig, list(communes.values()) + list(labels(fig, "district-").values()))


def test_province_export_names_every_district_and_labels_without_overlap(data):
    view, fig, drawn = figure(data, "all")
    districts = labels(fig, "district-")
    assert {t.get_text() for t in districts.values()} == {district_label(n) for n in data.districts["district_name"]}
    assert "CAO LỘC" in {t.get_text() for t in districts.values()}
    assert "TP. LẠNG SƠN" in {t.get_text() for t in districts.values()}
    communes = labels(fig, "label-")
    assert drawn == len(communes) and 100 <= drawn < len(view.frame)
    leaders = [t for t in communes.values() if getattr(t, "arrow_patch", None) is not None]
    assert leaders  # small communes are named beside their polygon with a leader line
    assert_no_overlap(fig, list(communes.values()) + list(districts.values()))
    assert not [ax for ax in fig.axes if ax.get_label() == "locator"]  # the map is the whole province


def test_svg_holds_each_label_as_text(data):
    view = build_map_view(data, "ntm_level", district="183", year=2021)
    body = render_static(view, parse_options("svg", None, "portrait", load_settings()), TODAY)
    root = ET.fromstring(body)
    for code in view.frame["commune_code"]:
        group = root.find(f".//{SVG}g[@id='label-{code}']")
        assert group is not None, code
        assert "".join(group.itertext()).strip()
    cao_loc = root.find(f".//{SVG}g[@id='label-06187']")
    assert "TT. Cao Lộc" in " ".join(t.strip() for t in cao_loc.itertext() if t.strip())
    inset = root.find(f".//{SVG}g[@id='locator-inset']")
    assert inset is not None and HIGHLIGHT.lower() in ET.tostring(inset, encoding="unicode").lower()
    assert any("Vị trí trong tỉnh Lạng Sơn" in (t.text or "") for t in root.iter(f"{SVG}text"))


def test_locator_inset_highlights_the_district(data):
    _, fig, _ = figure(data, "183")
    inset = next(ax for ax in fig.axes if ax.get_label() == "locator")
    fills = [tuple(round(c, 3) for c in coll.get_facecolor()[0][:3]) for coll in inset.collections if len(coll.get_facecolor())]
    from matplotlib.colors import to_rgb
    assert tuple(round(c, 3) for c in to_rgb(HIGHLIGHT)) in fills
    assert len(inset.collections[0].get_paths()) >= 11  # every district of the province is drawn
    map_box, inset_box = map_axes(fig).get_position(), inset.get_position()
    assert not map_box.overlaps(inset_box)


@pytest.mark.parametrize("district", ["183", "all"])
def test_portrait_page_is_filled_by_the_map(data, district):
    _, fig, _ = figure(data, district, "portrait")
    ax = map_axes(fig)
    box = ax.get_position()
    assert box.width * box.height > 0.5  # over half of the A4 page (it was 40 % empty)
    assert box.bounds == pytest.approx(ax.get_position(original=True).bounds)  # not shrunk to the data's shape
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    width_in, height_in = box.width * fig.get_size_inches()[0], box.height * fig.get_size_inches()[1]
    assert (y1 - y0) / (x1 - x0) == pytest.approx(height_in / width_in, rel=1e-3)  # same scale both ways
    legend = fig.legends[0].get_window_extent(fig.canvas.get_renderer())
    assert legend.y1 <= ax.get_window_extent(fig.canvas.get_renderer()).y0 + 1  # under the map, not on it


def test_issuing_office_line_appears_only_when_set(settings):
    plain = create_app(settings).test_client().get("/maps/ntm_level.pdf?district=183&orientation=portrait")
    assert "UBND huyện Cao Lộc" not in pdf_text(plain.data)
    office = create_app({**settings, "ISSUING_OFFICE": "UBND huyện Cao Lộc"}).test_client()
    text = pdf_text(office.get("/maps/ntm_level.pdf?district=183&orientation=portrait").data)
    assert "UBND huyện Cao Lộc" in text
    assert text.index("UBND huyện Cao Lộc") < text.index("Mức đạt chuẩn nông thôn mới")


def test_office_line_sits_above_the_title(data):
    _, fig, _ = figure(data, "183", ISSUING_OFFICE="UBND huyện Cao Lộc")
    office = next(t for t in fig.texts if t.get_gid() == "issuing-office")
    title = next(t for t in fig.texts if t.get_text() == "Mức đạt chuẩn nông thôn mới")
    renderer = fig.canvas.get_renderer()
    assert office.get_window_extent(renderer).y0 > title.get_window_extent(renderer).y1


def test_short_names():
    assert short_name("Thị trấn Cao Lộc", "Thị trấn") == "TT. Cao Lộc"
    assert short_name("Phường Vĩnh Trại", "Phường") == "P. Vĩnh Trại"
    assert short_name("Xã Xuất Lễ", "Xã") == "Xuất Lễ"
    assert district_label("Thành phố Lạng Sơn") == "TP. LẠNG SƠN" and district_label("Huyện Cao Lộc") == "CAO LỘC"


def pdf_text(body: bytes) -> str:
    return PdfReader(io.BytesIO(body)).pages[0].extract_text()


def test_change_map_export(client):
    r = client.get("/maps/ntm_level/change.pdf?year=2021&compare=2020&district=183&orientation=portrait&lang=vi")
    assert r.status_code == 200 and r.content_type == "application/pdf"
    assert r.headers["Content-Disposition"] == 'attachment; filename="ntm_level_change_2020-2021_183_a4-portrait.pdf"'
    text = pdf_text(r.data)
    payload = client.get("/api/maps/ntm_level/change.json?year=2021&compare=2020&district=183").get_json()
    for entry in payload["classification"]["legend"]:
        assert f"{entry['label']} ({entry['count']})" in text
    assert "Thay đổi: Mức đạt chuẩn nông thôn mới" in text and "từ năm 2020 đến năm 2021" in text
    assert "không phải số liệu thật" in text and "TT. Cao Lộc" in text
    svg = client.get("/maps/defence_drills/change.svg?year=2021&compare=2020&district=183").data
    root = ET.fromstring(svg)
    assert all(root.find(f".//{SVG}g[@id='label-{code}']") is not None for code in payload["values"])
    r = client.get("/maps/ntm_level/change.html?year=2021&compare=2020&lang=en")
    assert r.status_code == 400 and "Choose one of: png, svg, pdf" in r.get_data(as_text=True)
    page = client.get("/maps/ntm_level?year=2021&compare=2020&district=183&change=1").get_data(as_text=True)
    assert "/maps/ntm_level/change.pdf?" in page and "/maps/ntm_level/change.svg?" in page
