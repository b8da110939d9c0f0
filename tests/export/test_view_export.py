"""Exports of "this view": the page draws exactly the extent on the reader's screen, clamped to the area."""

import datetime as dt

import pyproj
import pytest

from geoapp import create_app
from geoapp.config import load_settings
from geoapp.errors import BadRequest
from geoapp.export import draw_figure, export_map, parse_options
from geoapp.export.figure import METRIC_CRS
from geoapp.export.options import MIN_VIEW_DEGREES, ViewExtent, fit_view, parse_view
from geoapp.maps.view import build_map_view
from geoapp.request import parse_map_request

TODAY = dt.date(2024, 3, 5)
VIEW = "106.70,21.80,106.85,21.90"  # around the town of Cao Lộc and the city


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    app = create_app({"DATA_DIR": str(tmp_path_factory.mktemp("view")), "TESTING": True, "SECRET_KEY": "t"})
    return app.extensions["geoapp"].datasets.get()


def figure(data, bbox, district="183", units="2021", orientation="landscape", indicator="ntm_level"):
    view = build_map_view(data, indicator, district=district, year=2021, units=units)
    options = parse_options("png", 72, orientation, load_settings({}), bbox)
    if options.view:
        options = options.fitted_to(view.frame.total_bounds)
    fig, drawn = draw_figure(view, options, TODAY)
    return view, fig, drawn


def axes(fig, label):
    return next(ax for ax in fig.axes if ax.get_label() == label)


def metric_box(bbox: str):
    to_m = pyproj.Transformer.from_crs(4326, METRIC_CRS, always_xy=True)
    return to_m.transform_bounds(*(float(v) for v in bbox.split(",")))


@pytest.mark.parametrize("orientation", ["landscape", "portrait"])
@pytest.mark.parametrize("district", ["183", "all"])
def test_the_map_axes_show_exactly_the_requested_view(data, district, orientation):
    _, fig, _ = figure(data, VIEW, district, orientation=orientation)
    ax = axes(fig, "map")
    minx, miny, maxx, maxy = metric_box(VIEW)
    assert ax.get_xlim() == pytest.approx((minx, maxx), abs=0.01)
    assert ax.get_ylim() == pytest.approx((miny, maxy), abs=0.01)
    box = ax.get_window_extent(fig.canvas.get_renderer())
    assert box.width / box.height == pytest.approx((maxx - minx) / (maxy - miny), rel=0.01)  # not stretched


def test_the_whole_area_is_drawn_without_a_view(data):
    view, fig, _ = figure(data, None)
    ax = axes(fig, "map")
    minx, miny, maxx, maxy = view.frame.to_crs(METRIC_CRS).total_bounds
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    assert x0 < minx and maxx < x1 and y0 < miny and maxy < y1
    assert not [p for p in fig.findobj() if getattr(p, "get_gid", lambda: None)() == "locator-view"]


def test_labels_and_inset_follow_the_view(data):
    whole_view, whole, whole_count = figure(data, None)
    _, fig, drawn = figure(data, VIEW)
    ax = axes(fig, "map")
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    labels = [t for t in ax.texts if (t.get_gid() or "").startswith("label-")]
    assert 0 < drawn == len(labels) < len(whole_view.frame)
    for text in labels:
        x, y = text.xy if hasattr(text, "xy") else text.get_position()
        assert x0 <= x <= x1 and y0 <= y <= y1, text.get_text()
    inset = axes(fig, "locator")
    outline = next(p for p in inset.patches if p.get_gid() == "locator-view")
    minx, miny, maxx, maxy = metric_box(VIEW)
    assert (outline.get_x(), outline.get_y()) == pytest.approx((minx, miny), abs=0.01)
    assert (outline.get_width(), outline.get_height()) == pytest.approx((maxx - minx, maxy - miny), abs=0.01)


def test_a_whole_province_view_gets_a_locator_inset(data):
    _, whole, _ = figure(data, None, "all")
    _, fig, _ = figure(data, VIEW, "all")
    assert [ax.get_label() for ax in whole.axes] == ["map"]
    assert "locator" in [ax.get_label() for ax in fig.axes]


def test_bad_views_are_refused():
    for raw in ("abc", "1,2,3", "1,2,3,4,5", "nan,21,107,22", "106.9,21.8,106.7,21.9", "106.7,21.9,106.9,21.8",
                "106.7,21.8,106.7,21.9", "-200,21,107,22", "106,-95,107,22", "inf,21,107,22"):
        with pytest.raises(BadRequest) as caught:
            parse_view(raw, "png")
        assert caught.value.key == "error_export_bbox", raw
    with pytest.raises(BadRequest) as caught:
        parse_view(VIEW, "html")
    assert caught.value.key == "error_export_bbox_format"
    assert parse_view("", "png") is None and parse_view(None, "pdf") is None


def test_a_view_is_clamped_to_the_area():
    area = (106.6, 21.7, 107.0, 22.0)  # 0.4 × 0.3 degrees
    assert fit_view(ViewExtent(100.0, 10.0, 120.0, 30.0), area) == ViewExtent(106.4, 21.55, 107.2, 22.15)
    tiny = fit_view(ViewExtent(106.80001, 21.80001, 106.80002, 21.80002), area)
    assert tiny.east - tiny.west == pytest.approx(MIN_VIEW_DEGREES, abs=1e-5)
    assert tiny.north - tiny.south == pytest.approx(MIN_VIEW_DEGREES, abs=1e-5)
    assert fit_view(ViewExtent(106.7000001, 21.8, 106.9, 21.95), area) == ViewExtent(106.7, 21.8, 106.9, 21.95)
    with pytest.raises(BadRequest) as caught:
        fit_view(ViewExtent(105.0, 20.0, 105.5, 20.5), area)  # Hà Nội: none of the area
    assert caught.value.key == "error_export_bbox_outside"


def test_the_view_is_part_of_the_cache_key_and_the_file_name(data, tmp_path):
    settings = load_settings({"DATA_DIR": str(tmp_path)})
    request = parse_map_request(data, "ntm_level", {"district": "183", "year": "2021"}, default_district="183")
    whole = export_map(data, request, parse_options("svg", None, None, settings), settings=settings, today=TODAY)
    first = export_map(data, request, parse_options("svg", None, None, settings, VIEW), settings=settings, today=TODAY)
    other = export_map(data, request, parse_options("svg", None, None, settings, "106.72,21.80,106.85,21.90"),
                       settings=settings, today=TODAY)
    assert len({whole.body, first.body, other.body}) == 3
    assert first.filename == "ntm_level_2021_183_a4-landscape_view.svg" and whole.filename.endswith("landscape.svg")
    huge = [export_map(data, request, parse_options("svg", None, None, settings, bbox), settings=settings, today=TODAY)
            for bbox in ("100,10,120,30", "90,0,130,40")]  # both clamped to the same view: one file
    assert huge[0].body == huge[1].body


def district_names(fig):
    return [t.get_text() for t in axes(fig, "map").texts if (t.get_gid() or "").startswith("district-")]


def test_district_outlines_and_names_only_where_the_units_have_districts(data):
    _, province_2021, _ = figure(data, None, "all")
    _, province_2025, _ = figure(data, None, "all", units="2025")
    assert "CAO LỘC" in district_names(province_2021)
    assert district_names(province_2025) == []  # the 2021 districts are not drawn as if they were current
    _, cao_loc_2021, _ = figure(data, None, "183")
    _, cao_loc_2025, _ = figure(data, None, "183", units="2025")
    assert district_names(cao_loc_2021) and district_names(cao_loc_2025) == []  # neighbouring districts' names
    inset_2021, inset_2025 = (axes(f, "locator") for f in (cao_loc_2021, cao_loc_2025))
    assert max(len(c.get_paths()) for c in inset_2021.collections) == 11  # the province's eleven districts
    assert max(len(c.get_paths()) for c in inset_2025.collections) < 11  # the province and the area only


def test_not_applicable_units_are_drawn_in_their_own_style(data):
    view, fig, _ = figure(data, None, "183")
    towns = view.frame[view.frame["cls"] == -2]
    assert len(towns) == 2  # Thị trấn Đồng Đăng and Thị trấn Cao Lộc
    drawn = [c for c in axes(fig, "map").collections if c.get_gid() == "not-applicable"]
    assert len(drawn) == 1 and len(drawn[0].get_paths()) >= 2
    assert tuple(drawn[0].get_facecolor()[0][:3]) == (1.0, 1.0, 1.0) and not drawn[0].get_hatch()


def test_cli_export_of_a_view(tmp_path):
    from click.testing import CliRunner

    from geoapp.cli import main

    data_dir = str(tmp_path / "d")
    base = ["export", "ntm_level", "--year", "2021", "--district", "183", "--format", "svg", "--data-dir", data_dir]
    whole, view = tmp_path / "whole.svg", tmp_path / "view.svg"
    assert CliRunner().invoke(main, [*base, "-o", str(whole)]).exit_code == 0
    result = CliRunner().invoke(main, [*base, "--bbox", VIEW, "-o", str(view)])
    assert result.exit_code == 0, result.output
    assert view.read_bytes() != whole.read_bytes() and "khung nhìn đã chọn" in view.read_text(encoding="utf-8")
    bad = CliRunner().invoke(main, [*base, "--bbox", "1,2,3", "--lang", "en", "-o", str(tmp_path / "x.svg")])
    assert bad.exit_code != 0 and "west longitude" in bad.output and not (tmp_path / "x.svg").exists()


@pytest.mark.parametrize("orientation", ["landscape", "portrait"])
def test_the_legend_stays_on_the_page_with_the_derived_line(data, orientation):
    view, fig, _ = figure(data, None, district="all", units="2025", orientation=orientation, indicator="schools_total")
    assert view.derived
    renderer = fig.canvas.get_renderer()
    page = fig.bbox
    for legend in fig.legends:
        box = legend.get_window_extent(renderer)
        assert page.x0 <= box.x0 and box.x1 <= page.x1, (orientation, box, page)
