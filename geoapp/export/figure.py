"""The A4 map page drawn with matplotlib: map, labels, legend, scale bar, north arrow, header and footer."""

from __future__ import annotations

import datetime as dt
import functools
import math
import textwrap
from pathlib import Path

import geopandas as gpd
import pyproj
import shapely
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle
from mpl_toolkits.axes_grid1.anchored_artists import AnchoredSizeBar

from geoapp.editions.units import derived_boundaries_note
from geoapp.maps.classify import NODATA_CLASS, NODATA_COLOR, NOT_APPLICABLE_CLASS, NOT_APPLICABLE_COLOR
from geoapp.export.labels import Placement, draw_commune_labels, draw_district_names
from geoapp.export.options import ExportOptions, page_inches
from geoapp.export.typeface import font
from geoapp.i18n import format_number, translate
from geoapp.maps.view import MapView
from geoapp.storage.base import LEGACY_EDITION
from geoapp.export.standalone import date_text

METRIC_CRS = "EPSG:32648"  # WGS 84 / UTM zone 48N: metres over the whole of Lạng Sơn
INK = "#222222"
MUTED = "#555555"
WARN = "#8a5a00"
CONTEXT_FILL = "#ffffff"  # neighbouring districts: outlines only, never mistaken for a class colour
HIGHLIGHT = "#d55e00"
MARGIN = 0.45
FOOTER_TOP = 1.1  # inches from the bottom of the page
LANDSCAPE_PANEL = 3.0
PORTRAIT_BLOCK = 1.85  # legend and locator under the map
INSET = (2.1, 1.75)  # locator width, height


DERIVED_HATCH = "\\\\\\"  # derived values: back-slanted lines (no data: forward-slanted)


def _wrap(text: str, width_in: float, size: float) -> str:
    """Wrap text to fit a width in inches at a font size (DejaVu Sans averages under 0.58 em a character)."""
    chars = max(20, int(width_in * 72 / (size * 0.58)))
    return "\n".join(textwrap.wrap(text, chars))


def _layout(orientation: str, header_bottom: float, inset: bool) -> dict:
    """Return the page regions in inches below the header: map, legend, locator inset, footer.

    The map takes all the room left by the header, the legend and the footer.
    """
    width, _ = page_inches(orientation)
    text_width = width - 2 * MARGIN
    map_top = header_bottom - 0.12
    if orientation == "landscape":
        map_box = (MARGIN, FOOTER_TOP + 0.2, text_width - LANDSCAPE_PANEL - 0.2, map_top - FOOTER_TOP - 0.2)
        panel_x = width - MARGIN - LANDSCAPE_PANEL
        return {
            "text_width": text_width,
            "map": map_box,
            "legend": (panel_x, map_top, LANDSCAPE_PANEL),
            "legend_cols": 1,
            "inset": (panel_x, FOOTER_TOP + 0.25, LANDSCAPE_PANEL, INSET[1] + 0.3) if inset else None,
            "footer": (MARGIN, FOOTER_TOP),
        }
    block_bottom = FOOTER_TOP + 0.15
    map_bottom = block_bottom + PORTRAIT_BLOCK + 0.1
    legend_width = text_width - (INSET[0] + 0.2 if inset else 0)
    return {
        "text_width": text_width,
        "map": (MARGIN, map_bottom, text_width, map_top - map_bottom),
        "legend": (MARGIN, map_bottom - 0.12, legend_width),
        "legend_cols": 2,
        "inset": (width - MARGIN - INSET[0], block_bottom, INSET[0], INSET[1]) if inset else None,
        "footer": (MARGIN, FOOTER_TOP),
    }


def _fraction(fig: Figure, x: float, y: float) -> tuple[float, float]:
    width, height = fig.get_size_inches()
    return x / width, y / height


def _header(fig: Figure, view: MapView, options: ExportOptions) -> float:
    """Draw the issuing office line (if set), the title and the subtitle; return the header's bottom in inches."""
    width, height = fig.get_size_inches()
    text_width = width - 2 * MARGIN
    top = height - MARGIN
    renderer = fig.canvas.get_renderer()
    if options.header:
        office = fig.text(MARGIN / width, top / height, _wrap(options.header, text_width, 10), va="top", ha="left",
                          fontproperties=font(10, "bold"), color=INK, gid="issuing-office")
        top = office.get_window_extent(renderer).y0 / fig.dpi - 0.1
    title = fig.text(MARGIN / width, top / height, _wrap(view.title, text_width, 17), va="top", ha="left",
                     fontproperties=font(17, "bold"), color=INK)
    top = title.get_window_extent(renderer).y0 / fig.dpi - 0.08
    subtitle = view.subtitle
    if options.view:
        subtitle += " · " + translate("export_view_note", view.lang)
    if view.illustrative:
        subtitle += " · " + translate("illustrative_badge", view.lang)
    sub = fig.text(MARGIN / width, top / height, _wrap(subtitle, text_width, 11.5), va="top", ha="left",
                   fontproperties=font(11.5), color=MUTED)
    return sub.get_window_extent(renderer).y0 / fig.dpi - 0.05


def _footer_lines(view: MapView, today: dt.date) -> list[tuple[str, str, str]]:
    """Return the footer as (text, weight, colour) lines: sources, illustrative note, date."""
    lang = view.lang
    t = functools.partial(translate, lang=lang)
    lines = [
        (
            f"{t('source_label')}: {t('source_boundaries')}; {t('source_article')}. {t('approx_boundaries')}.",
            "normal",
            INK,
        )
    ]
    if view.units != LEGACY_EDITION:
        lines.append((derived_boundaries_note(view.units, lang), "bold", WARN))
    if view.not_carried:
        lines.append((f"{t('not_carried_title')}. {view.not_carried}", "bold", WARN))
    if view.illustrative:
        lines.append((f"{t('illustrative_badge')}: {t('illustrative_note')}", "bold", WARN))
    lines.append((t("export_footer", date=date_text(today, lang), crs=METRIC_CRS), "normal", MUTED))
    return lines


def _footer(fig: Figure, view: MapView, layout: dict, today: dt.date) -> None:
    x_in, y_in = layout["footer"]
    size = 7.5
    for line, weight, color in _footer_lines(view, today):
        body = _wrap(line, layout["text_width"], size)
        x, y = _fraction(fig, x_in, y_in)
        fig.text(x, y, body, va="top", ha="left", fontproperties=font(size, weight), color=color, linespacing=1.3)
        y_in -= (body.count("\n") + 1) * size * 1.3 / 72 + 0.05


def _legend(fig: Figure, ax, view: MapView, layout: dict) -> None:
    cls = view.classification
    handles, labels = [], []
    for entry in cls.entries:
        handles.append(Patch(facecolor=entry.color, edgecolor="#444444", linewidth=0.6))
        labels.append(f"{entry.label} ({entry.count})")
    handles.append(Patch(facecolor=NODATA_COLOR, edgecolor="#666666", linewidth=0.6, linestyle="--", hatch="////"))
    labels.append(f"{cls.nodata.label} ({cls.nodata.count})")
    if cls.not_applicable is not None and cls.not_applicable.count:
        handles.append(Patch(facecolor=cls.not_applicable.color, edgecolor="#888888", linewidth=0.6, linestyle=":"))
        labels.append(f"{cls.not_applicable.label} ({cls.not_applicable.count})")
    if view.derived:
        handles.append(Patch(facecolor="#ffffff", edgecolor="#444444", linewidth=0.6, hatch=DERIVED_HATCH))
        labels.append(translate("derived_legend", view.lang))
    unit = view.indicator.unit_label(view.lang)
    title = translate("legend", view.lang) + (f" ({unit})" if unit else "")
    x_in, y_in, width_in = layout["legend"]
    x, y = _fraction(fig, x_in, y_in)
    text_width = width_in / layout["legend_cols"] - 0.5  # the swatch and its gap take about half an inch
    labels = [_wrap(label, text_width, 9) for label in labels]
    legend = fig.legend(
        handles, labels, loc="upper left", bbox_to_anchor=(x, y), ncols=layout["legend_cols"],
        title=title, prop=font(9), title_fontproperties=font(10, "bold"), alignment="left",
        frameon=False, borderaxespad=0, borderpad=0, handlelength=2.2, handleheight=1.2, labelspacing=0.55,
    )
    if view.indicator.is_numeric and cls.scheme:
        scheme = f"{translate('scheme_' + cls.scheme, view.lang)}, {cls.k} {translate('classes', view.lang)}"
        bottom = legend.get_window_extent(fig.canvas.get_renderer()).y0 / fig.dpi
        x, y = _fraction(fig, x_in, bottom - 0.1)
        fig.text(x, y, _wrap(scheme, width_in, 8.5), va="top", ha="left", fontproperties=font(8.5), color=MUTED)


def _nice_length(span: float) -> float:
    """Return a round scale-bar length (1, 2 or 5 × 10^n metres) near a fifth of the span."""
    target = span / 5
    power = 10 ** math.floor(math.log10(target))
    return next(m * power for m in (5, 2, 1) if m * power <= target)


def _emptiest_corner(ax, geoms, corners: tuple[str, ...], size: tuple[float, float]) -> str:
    """Return the corner ("lower left", ...) whose box of `size` (axes fractions) covers least of the map."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    w, h = (x1 - x0) * size[0], (y1 - y0) * size[1]
    covered = {}
    for corner in corners:
        left = x1 - w if corner.endswith("right") else x0
        bottom = y1 - h if corner.startswith("upper") else y0
        box = shapely.box(left, bottom, left + w, bottom + h)
        covered[corner] = float(shapely.area(shapely.intersection(geoms, box)).sum())
    return min(corners, key=lambda c: covered[c])


def _scale_bar(ax, geoms, lang: str) -> None:
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    length = _nice_length(x1 - x0)
    label = f"{format_number(length / 1000, lang)} km" if length >= 1000 else f"{int(length)} m"
    loc = _emptiest_corner(ax, geoms, ("lower left", "lower right"), (0.3, 0.1))
    bar = AnchoredSizeBar(
        ax.transData, length, label, loc=loc, pad=0.35, borderpad=0.6, sep=3,
        frameon=True, size_vertical=(y1 - y0) / 250, color=INK, fontproperties=font(8),
    )
    bar.patch.set(facecolor="white", alpha=0.85, edgecolor="#999999", linewidth=0.5)
    ax.add_artist(bar)


def _true_north(bounds_m) -> float:
    """Return the angle (degrees, clockwise) from grid north to true north at the map centre."""
    to_ll = pyproj.Transformer.from_crs(METRIC_CRS, 4326, always_xy=True)
    to_m = pyproj.Transformer.from_crs(4326, METRIC_CRS, always_xy=True)
    lon, lat = to_ll.transform((bounds_m[0] + bounds_m[2]) / 2, (bounds_m[1] + bounds_m[3]) / 2)
    (xa, xb), (ya, yb) = to_m.transform([lon, lon], [lat, lat + 0.05])
    return math.degrees(math.atan2(xb - xa, yb - ya))


def _north_arrow(ax, geoms, angle: float, lang: str) -> None:
    length = 26
    dx, dy = length * math.sin(math.radians(angle)), length * math.cos(math.radians(angle))
    corner = _emptiest_corner(ax, geoms, ("upper right", "upper left"), (0.1, 0.2))
    tip = (0.955 if corner == "upper right" else 0.045, 0.9)
    ax.annotate("", xy=tip, xycoords="axes fraction", xytext=(-dx, -dy), textcoords="offset points",
                arrowprops={"arrowstyle": "-|>,head_width=0.4,head_length=0.8", "lw": 1.8, "color": INK})
    ax.annotate(translate("north_letter", lang), xy=tip, xycoords="axes fraction", xytext=(dx * 0.1, 4),
                textcoords="offset points", ha="center", va="bottom", fontproperties=font(11, "bold"), color=INK)


@functools.cache
def _read_districts(path: str, mtime: float) -> gpd.GeoDataFrame:
    return gpd.read_file(path, engine="pyogrio").to_crs(METRIC_CRS)


def province_districts(geodata_dir: str) -> gpd.GeoDataFrame | None:
    """Return the district outlines of the province (geodata/districts_2021.geojson), or None if absent."""
    path = Path(geodata_dir or ".") / "districts_2021.geojson"
    if not geodata_dir or not path.exists():
        return None
    return _read_districts(str(path), path.stat().st_mtime)


def _draw_context(ax, districts: gpd.GeoDataFrame, focus: str) -> gpd.GeoDataFrame:
    """Draw the other districts of the province in light grey under the map; return them."""
    others = districts[districts["district_code"] != focus]
    others.plot(ax=ax, facecolor=CONTEXT_FILL, edgecolor="#9a9a9a", linewidth=0.5, zorder=0)
    return others


def _draw_map(ax, frame, extent=None) -> None:
    """Draw the classified units and their district outlines; frame the whole area, or exactly `extent`."""
    data = frame[frame["cls"] >= 0]
    nodata = frame[frame["cls"] == NODATA_CLASS]
    not_applicable = frame[frame["cls"] == NOT_APPLICABLE_CLASS]  # its own style, as in the legend
    if len(data):
        data.plot(ax=ax, color=list(data["color"]), edgecolor="#444444", linewidth=0.35, zorder=1)
    derived = data[data["derived"]] if "derived" in data else data.iloc[:0]
    if len(derived):  # derived values hatched over their colour
        derived.plot(ax=ax, facecolor="none", edgecolor="#444444", linewidth=0.35, hatch=DERIVED_HATCH, zorder=1)
    if len(nodata):
        nodata.plot(ax=ax, facecolor=NODATA_COLOR, edgecolor="#666666", linewidth=0.35, linestyle="--", hatch="////",
                    zorder=1)
    if len(not_applicable):
        not_applicable.plot(ax=ax, facecolor=NOT_APPLICABLE_COLOR, edgecolor="#888888", linewidth=0.6, linestyle=":",
                            zorder=1, gid="not-applicable")
    if has_districts(frame):
        frame[["district_code", "geometry"]].dissolve("district_code").boundary.plot(ax=ax, color=INK, linewidth=0.9,
                                                                                     zorder=2)
    if extent is None:
        _fill_box(ax, frame.total_bounds)
    else:
        _show_extent(ax, extent)
    ax.set_axis_off()


def has_districts(frame) -> bool:
    """True when the units belong to districts (the 2021 edition; the 2025 units have none)."""
    return "district_code" in frame and bool(frame["district_code"].notna().any())


def view_extent(options: ExportOptions) -> tuple[float, float, float, float] | None:
    """Return "this view" in the map's metric coordinates (the box around the degrees' box), or None."""
    if options.view is None:
        return None
    to_m = pyproj.Transformer.from_crs(4326, METRIC_CRS, always_xy=True)
    return tuple(to_m.transform_bounds(*options.view.bounds))


def _show_extent(ax, bounds) -> None:
    """Set the map extent to exactly `bounds`; the axes box shrinks to its shape, centred in its place."""
    minx, miny, maxx, maxy = bounds
    ax.set_xlim(minx, maxx)
    ax.set_ylim(miny, maxy)
    ax.set_aspect("equal", adjustable="box", anchor="C")
    ax.apply_aspect()


def _fill_box(ax, bounds, pad: float = 0.03) -> None:
    """Set the map extent around `bounds` to the shape of the axes box, so that the map fills its box."""
    minx, miny, maxx, maxy = bounds
    width, height = (maxx - minx) * (1 + 2 * pad), (maxy - miny) * (1 + 2 * pad)
    pos = ax.get_position(original=True)
    fig_w, fig_h = ax.figure.get_size_inches()
    ratio = (pos.height * fig_h) / (pos.width * fig_w)
    if height / width < ratio:
        height = width * ratio
    else:
        width = height / ratio
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    ax.set_xlim(cx - width / 2, cx + width / 2)
    ax.set_ylim(cy - height / 2, cy + height / 2)
    ax.set_aspect("equal")
    ax.apply_aspect()


def _locator(fig: Figure, rect: tuple, districts: gpd.GeoDataFrame, highlight, province: str, lang: str, *,
             show_districts: bool = True, extent=None) -> None:
    """Draw the locator inset: the province (with its districts when the units have districts), the
    mapped area highlighted and, for "this view", the outline of the view."""
    x, y, w, h = rect
    fw, fh = fig.get_size_inches()
    title_h = 0.25
    ax = fig.add_axes((x / fw, y / fh, w / fw, (h - title_h) / fh), gid="locator-inset", label="locator")
    province_shape = districts.dissolve()
    if show_districts:
        districts.plot(ax=ax, facecolor="#e4e4e4", edgecolor="#ffffff", linewidth=0.5)
    else:  # units without districts: the former districts are not drawn as if they were current
        province_shape.plot(ax=ax, facecolor="#e4e4e4", edgecolor="none")
    if highlight is not None and len(highlight):
        highlight.plot(ax=ax, facecolor=HIGHLIGHT, edgecolor=INK, linewidth=0.6)
    province_shape.boundary.plot(ax=ax, color="#777777", linewidth=0.6)
    if extent is not None:
        minx, miny, maxx, maxy = extent
        ax.add_patch(Rectangle((minx, miny), maxx - minx, maxy - miny, facecolor="none", edgecolor=INK,
                               linewidth=1.2, gid="locator-view", zorder=5))
    ax.set_aspect("equal")
    ax.set_anchor("SW")
    ax.set_axis_off()
    fig.text(x / fw, (y + h) / fh, translate("export_locator", lang, province=province), va="top", ha="left",
             fontproperties=font(8.5, "bold"), color=MUTED)


def _reserved(fig: Figure, ax) -> Placement:
    """Return the label placement with the scale bar and north arrow already reserved."""
    renderer = fig.canvas.get_renderer()
    boxes = [a.get_window_extent(renderer) for a in ax.artists + [t for t in ax.texts]]
    return Placement(boxes, ax.get_window_extent(renderer))


def in_view(frame: gpd.GeoDataFrame, extent) -> gpd.GeoDataFrame:
    """Return the units that show in the view (all of them without a view, or when none does)."""
    if extent is None:
        return frame
    shown = frame[frame.intersects(shapely.box(*extent))]
    return shown if len(shown) else frame


def draw_figure(view: MapView, options: ExportOptions, today: dt.date) -> tuple[Figure, int]:
    """Draw the A4 page of a map view (the whole area, or "this view"); return the figure and the
    number of commune labels drawn."""
    fig = Figure(figsize=page_inches(options.orientation), dpi=options.dpi, facecolor="white")
    canvas = FigureCanvasAgg(fig)
    canvas.draw_idle = lambda *args, **kwargs: None  # geopandas redraws the page after each layer; draw it once, when saved
    districts = province_districts(options.geodata_dir)
    whole_province = view.district == "all"
    extent = view_extent(options)
    area = view.frame.to_crs(METRIC_CRS)
    with_districts = has_districts(area)
    focus = districts is not None and not whole_province and (districts["district_code"] == view.district).any()
    inset = districts is not None and (focus or extent is not None)
    layout = _layout(options.orientation, _header(fig, view, options), inset)
    x, y, w, h = layout["map"]
    fw, fh = fig.get_size_inches()
    ax = fig.add_axes((x / fw, y / fh, w / fw, h / fh), label="map")
    frame = in_view(area, extent)
    context = _draw_context(ax, districts, view.district) if focus and with_districts else None
    _draw_map(ax, frame, extent)
    _scale_bar(ax, frame.geometry.values, view.lang)
    _north_arrow(ax, frame.geometry.values, _true_north(extent or frame.total_bounds), view.lang)
    renderer = fig.canvas.get_renderer()
    placement = _reserved(fig, ax)
    if whole_province and with_districts:
        outlines = frame[["district_code", "district_name", "geometry"]].dissolve("district_code").reset_index()
        draw_district_names(ax, renderer, outlines, placement)
    elif context is not None:
        draw_district_names(ax, renderer, context, placement, size=7.5, color=MUTED, weight="normal")
    labels = draw_commune_labels(ax, renderer, frame, placement)
    if inset:
        province = str(area["province_name"].iloc[0]).removeprefix("Tỉnh ") if "province_name" in area else ""
        if not focus:
            highlight = None
        elif with_districts:
            highlight = districts[districts["district_code"] == view.district]
        else:
            highlight = area[["geometry"]].dissolve()
        _locator(fig, layout["inset"], districts, highlight, province, view.lang, show_districts=with_districts,
                 extent=extent)
    _legend(fig, ax, view, layout)
    _footer(fig, view, layout, today)
    return fig, len(labels)
