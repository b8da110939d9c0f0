"""The A4 map page drawn with matplotlib: map, labels, legend, scale bar, north arrow, header and footer."""

from __future__ import annotations

import datetime as dt
import functools
import math
import textwrap

import pyproj
import shapely
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from mpl_toolkits.axes_grid1.anchored_artists import AnchoredSizeBar

from geoapp.maps.classify import NODATA_COLOR
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


DERIVED_HATCH = "\\\\\\"  # derived values: back-slanted lines (no data: forward-slanted)


def _wrap(text: str, width_in: float, size: float) -> str:
    """Wrap text to fit a width in inches at a font size (DejaVu Sans averages under 0.58 em a character)."""
    chars = max(20, int(width_in * 72 / (size * 0.58)))
    return "\n".join(textwrap.wrap(text, chars))


def _layout(orientation: str) -> dict:
    """Return the page regions in inches: header, map, legend panel and footer."""
    width, height = page_inches(orientation)
    margin = 0.45
    if orientation == "landscape":
        panel = 3.0
        return {
            "title": (margin, height - margin),
            "text_width": width - 2 * margin,
            "map": (margin, 1.25, width - 2 * margin - panel - 0.2, height - 1.25 - 1.35),
            "legend": (width - margin - panel, height - 1.35, panel),
            "legend_cols": 1,
            "footer": (margin, 1.05),
        }
    return {
        "title": (margin, height - margin),
        "text_width": width - 2 * margin,
        "map": (margin, 2.9, width - 2 * margin, height - 2.9 - 1.45),
        "legend": (margin, None, width - 2 * margin),  # just under the drawn map
        "legend_cols": 2,
        "footer": (margin, 1.1),
    }


def _fraction(fig: Figure, x: float, y: float) -> tuple[float, float]:
    width, height = fig.get_size_inches()
    return x / width, y / height


def _header(fig: Figure, view: MapView, layout: dict) -> None:
    x, y = _fraction(fig, *layout["title"])
    title = fig.text(x, y, _wrap(view.title, layout["text_width"], 17), va="top", ha="left",
                     fontproperties=font(17, "bold"), color=INK)
    lines = title.get_text().count("\n") + 1
    subtitle = view.subtitle
    if view.illustrative:
        subtitle += " · " + translate("illustrative_badge", view.lang)
    _, y2 = _fraction(fig, 0, layout["title"][1] - 0.32 * lines - 0.06)
    fig.text(x, y2, subtitle, va="top", ha="left", fontproperties=font(11.5), color=MUTED)


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
        lines.append((t("boundaries_derived_note"), "bold", WARN))
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
    if view.derived:
        handles.append(Patch(facecolor="#ffffff", edgecolor="#444444", linewidth=0.6, hatch=DERIVED_HATCH))
        labels.append(translate("derived_legend", view.lang))
    unit = view.indicator.unit_label(view.lang)
    title = translate("legend", view.lang) + (f" ({unit})" if unit else "")
    x_in, y_in, width_in = layout["legend"]
    if y_in is None:
        y_in = ax.get_position().y0 * fig.get_size_inches()[1] - 0.15
    x, y = _fraction(fig, x_in, y_in)
    legend = fig.legend(
        handles, labels, loc="upper left", bbox_to_anchor=(x, y), ncols=layout["legend_cols"],
        title=title, prop=font(9), title_fontproperties=font(10, "bold"), alignment="left",
        frameon=False, borderaxespad=0, borderpad=0, handlelength=2.2, handleheight=1.2, labelspacing=0.55,
    )
    if view.indicator.is_numeric:
        scheme = f"{translate('scheme_' + cls.scheme, view.lang)}, {cls.k} {translate('classes', view.lang)}"
        bottom = legend.get_window_extent(fig.canvas.get_renderer()).y0 / fig.dpi
        x, y = _fraction(fig, x_in, bottom - 0.1)
        fig.text(x, y, _wrap(scheme, width_in, 8.5), va="top", ha="left", fontproperties=font(8.5), color=MUTED)


def _short_name(name: str, unit_type: str | None) -> str:
    """Return a commune name without its type ("Xã Xuất Lễ" -> "Xuất Lễ") for labels."""
    prefix = f"{unit_type} " if unit_type else ""
    return name[len(prefix):] if prefix and name.startswith(prefix) else name


def _label_color(fill: str) -> str:
    r, g, b = to_rgb(fill)
    return "#ffffff" if 0.2126 * r + 0.7152 * g + 0.0722 * b < 0.45 else INK


def _draw_labels(fig: Figure, ax, frame) -> int:
    """Label each commune at its most interior point where the label fits inside it; return the count."""
    ax.apply_aspect()
    renderer = fig.canvas.get_renderer()
    to_data = ax.transData.inverted()
    geoms = frame.geometry.values
    centres = shapely.get_point(shapely.maximum_inscribed_circle(geoms, 20.0), 0)
    pad = 1.5 * fig.dpi / 72
    drawn = 0
    for geom, centre, name, unit_type, fill in zip(
        geoms, centres, frame["commune_name"], frame["commune_type"], frame["color"]
    ):
        short = _short_name(str(name), None if unit_type is None else str(unit_type))
        candidates = [short] + ([short.replace(" ", "\n", 1)] if " " in short else [])
        for text in candidates:
            artist = ax.text(centre.x, centre.y, text, ha="center", va="center", fontproperties=font(6.5),
                             color=_label_color(fill), linespacing=1.0, multialignment="center")
            box = artist.get_window_extent(renderer).expanded(1, 1)
            (x0, y0), (x1, y1) = to_data.transform([[box.x0 - pad, box.y0 - pad], [box.x1 + pad, box.y1 + pad]])
            if geom.contains(shapely.box(x0, y0, x1, y1)):
                drawn += 1
                break
            artist.remove()
    return drawn


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


def _draw_map(ax, frame) -> None:
    data = frame[frame["cls"] >= 0]
    nodata = frame[frame["cls"] < 0]
    if len(data):
        data.plot(ax=ax, color=list(data["color"]), edgecolor="#444444", linewidth=0.35)
    derived = data[data["derived"]] if "derived" in data else data.iloc[:0]
    if len(derived):  # derived values hatched over their colour
        derived.plot(ax=ax, facecolor="none", edgecolor="#444444", linewidth=0.35, hatch=DERIVED_HATCH)
    if len(nodata):
        nodata.plot(ax=ax, facecolor=NODATA_COLOR, edgecolor="#666666", linewidth=0.35, linestyle="--", hatch="////")
    if frame["district_code"].notna().any():
        frame[["district_code", "geometry"]].dissolve("district_code").boundary.plot(ax=ax, color=INK, linewidth=0.9)
    minx, miny, maxx, maxy = frame.total_bounds
    padx, pady = (maxx - minx) * 0.03, (maxy - miny) * 0.03
    ax.set_xlim(minx - padx, maxx + padx)
    ax.set_ylim(miny - pady, maxy + pady)
    ax.set_aspect("equal")
    ax.set_anchor("N")
    ax.set_axis_off()


def draw_figure(view: MapView, options: ExportOptions, today: dt.date) -> tuple[Figure, int]:
    """Draw the A4 page of a map view; return the figure and the number of commune labels drawn."""
    fig = Figure(figsize=page_inches(options.orientation), dpi=options.dpi, facecolor="white")
    FigureCanvasAgg(fig)
    layout = _layout(options.orientation)
    x, y, w, h = layout["map"]
    fw, fh = fig.get_size_inches()
    ax = fig.add_axes((x / fw, y / fh, w / fw, h / fh))
    frame = view.frame.to_crs(METRIC_CRS)
    _draw_map(ax, frame)
    labels = _draw_labels(fig, ax, frame)
    _scale_bar(ax, frame.geometry.values, view.lang)
    _north_arrow(ax, frame.geometry.values, _true_north(frame.total_bounds), view.lang)
    _header(fig, view, layout)
    _legend(fig, ax, view, layout)
    _footer(fig, view, layout, today)
    return fig, labels
