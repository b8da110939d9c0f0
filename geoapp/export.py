"""Exports of a map view: print-ready PNG, SVG and PDF drawn with matplotlib, standalone HTML, cached on disk."""

from __future__ import annotations

import base64
import datetime as dt
import functools
import io
import json
import math
import os
import re
import shutil
import tempfile
import textwrap
import threading
from dataclasses import dataclass
from html import unescape
from pathlib import Path
from xml.sax.saxutils import escape

import matplotlib
import pyproj
import shapely
from fontTools import subset
from fontTools.ttLib import TTFont
from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.patches import Patch
from mpl_toolkits.axes_grid1.anchored_artists import AnchoredSizeBar

import geoapp
from geoapp.classify import NODATA_COLOR
from geoapp.data import Dataset
from geoapp.errors import BadRequest
from geoapp.i18n import format_number, translate
from geoapp.maps import MapView, build_map_view, parse_year
from geoapp.standalone import date_text, standalone_html
from geoapp.util import digest

FORMATS = {
    "png": "image/png",
    "svg": "image/svg+xml",
    "pdf": "application/pdf",
    "html": "text/html; charset=utf-8",
}
ORIENTATIONS = ("landscape", "portrait")
A4_MM = (297, 210)  # landscape width, height
MIN_DPI = 72
DEFAULT_DPI = 300
METRIC_CRS = "EPSG:32648"  # WGS 84 / UTM zone 48N: metres over the whole of Lạng Sơn
CLASSIFICATION_KEY = "geoapp-classification"
CACHE_MAX_FILES = 256
EXPORT_PARAMS = ("year", "district", "scheme", "k", "breaks", "dpi", "orientation")

FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
FONT_FILES = {"normal": FONT_DIR / "DejaVuSans.ttf", "bold": FONT_DIR / "DejaVuSans-Bold.ttf"}
RC = {
    "font.family": "DejaVu Sans",
    "pdf.fonttype": 42,
    "ps.fonttype": 42,
    "svg.fonttype": "none",
    "svg.hashsalt": "geoapp",
    "text.parse_math": False,
    "hatch.linewidth": 0.5,
}
INK = "#222222"
MUTED = "#555555"
WARN = "#8a5a00"

_render_lock = threading.Lock()  # matplotlib's rcParams are process-wide


@dataclass(frozen=True)
class ExportOptions:
    """What kind of file to make: format, resolution and page orientation."""

    fmt: str
    dpi: int
    orientation: str


@dataclass(frozen=True)
class ExportFile:
    """An export ready to send or save."""

    body: bytes
    content_type: str
    filename: str


def page_inches(orientation: str) -> tuple[float, float]:
    """Return the (width, height) of an A4 page in inches."""
    width, height = (mm / 25.4 for mm in A4_MM)
    return (width, height) if orientation == "landscape" else (height, width)


def pixel_size(orientation: str, dpi: int) -> tuple[int, int]:
    """Return the (width, height) in pixels of a PNG page."""
    width, height = page_inches(orientation)
    return int(width * dpi), int(height * dpi)


def parse_options(fmt: str, dpi: object, orientation: object, settings: dict) -> ExportOptions:
    """Return valid export options or raise BadRequest (format, dpi range, page size cap)."""
    fmt = str(fmt or "").lower()
    if fmt not in FORMATS:
        raise BadRequest("error_export_format", format=fmt, formats=", ".join(FORMATS))
    max_dpi = int(settings["EXPORT_MAX_DPI"])
    try:
        dpi = int(str(dpi)) if dpi not in (None, "") else min(DEFAULT_DPI, max_dpi)
    except ValueError:
        raise BadRequest("error_export_dpi", dpi=dpi, min=MIN_DPI, max=max_dpi) from None
    if not MIN_DPI <= dpi <= max_dpi:
        raise BadRequest("error_export_dpi", dpi=dpi, min=MIN_DPI, max=max_dpi)
    orientation = str(orientation or "landscape")
    if orientation not in ORIENTATIONS:
        raise BadRequest("error_export_orientation", orientation=orientation, orientations=", ".join(ORIENTATIONS))
    limit = int(settings["EXPORT_MAX_PIXELS"])
    width, height = pixel_size(orientation, dpi)
    if fmt == "png" and width * height > limit:
        raise BadRequest("error_export_pixels", width=width, height=height, max=f"{limit / 1e6:g}")
    return ExportOptions(fmt, dpi, orientation)


def export_classification(view: MapView) -> dict:
    """Return the classification an export of this view draws (the web map's, unchanged)."""
    return view.classification.to_dict()


# --- drawing ---------------------------------------------------------------


@functools.cache
def fonts() -> dict[str, FontProperties]:
    """Register matplotlib's bundled DejaVu Sans (full Vietnamese coverage) and return its faces."""
    for path in FONT_FILES.values():
        font_manager.fontManager.addfont(str(path))
    return {weight: FontProperties(fname=str(path)) for weight, path in FONT_FILES.items()}


def font(size: float, weight: str = "normal") -> FontProperties:
    """Return the bundled font at a size."""
    prop = fonts()[weight].copy()
    prop.set_size(size)
    return prop


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
    if len(nodata):
        nodata.plot(ax=ax, facecolor=NODATA_COLOR, edgecolor="#666666", linewidth=0.35, linestyle="--", hatch="////")
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


def _metadata(view: MapView, options: ExportOptions, today: dt.date) -> dict:
    if options.fmt == "pdf":
        return {"Title": view.title, "Subject": view.subtitle, "Creator": f"geoapp {geoapp.__version__}",
                "CreationDate": dt.datetime.combine(today, dt.time())}
    if options.fmt == "svg":
        return {"Title": view.title, "Description": view.subtitle, "Date": today.isoformat(),
                "Creator": f"geoapp {geoapp.__version__}"}
    return {"Title": view.title, "Description": view.subtitle, "Software": f"geoapp {geoapp.__version__}",
            CLASSIFICATION_KEY: json.dumps(export_classification(view))}


def _subset_font(path: Path, text: str) -> str:
    """Return a font reduced to the characters of `text`, base64-encoded TrueType."""
    opts = subset.Options()
    opts.name_IDs = ["*"]
    opts.notdef_outline = True
    opts.drop_tables += ["FFTM"]
    ttf = TTFont(str(path))
    subsetter = subset.Subsetter(opts)
    subsetter.populate(text=text)
    subsetter.subset(ttf)
    buf = io.BytesIO()
    ttf.save(buf)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _finish_svg(svg: str, view: MapView) -> str:
    """Embed the used glyphs of the bundled font and the classification into an SVG drawn with text."""
    chars = "".join(sorted(set(unescape("".join(re.findall(r"<text[^>]*>([^<]*)</text>", svg)))))) or " "
    faces = "".join(
        f"@font-face{{font-family:'DejaVu Sans';font-weight:{'700' if weight == 'bold' else '400'};"
        f"src:url(data:font/ttf;base64,{_subset_font(path, chars)}) format('truetype')}}"
        for weight, path in FONT_FILES.items()
    )
    extra = (
        f'<style type="text/css">{faces}</style>'
        f'<metadata id="{CLASSIFICATION_KEY}">{escape(json.dumps(export_classification(view)))}</metadata>'
    )
    head, sep, tail = svg.partition("<defs>")
    return head + sep + extra + tail if sep else svg


def render_static(view: MapView, options: ExportOptions, today: dt.date | None = None) -> bytes:
    """Return the PNG, SVG or PDF bytes of an A4 map page."""
    today = today or dt.date.today()
    fonts()
    with _render_lock, matplotlib.rc_context(RC):
        fig, _ = draw_figure(view, options, today)
        buf = io.BytesIO()
        fig.savefig(buf, format=options.fmt, dpi=options.dpi, metadata=_metadata(view, options, today),
                    facecolor="white")
    body = buf.getvalue()
    if options.fmt == "svg":
        body = _finish_svg(body.decode("utf-8"), view).encode("utf-8")
    return body


# --- caching and the one entry point ---------------------------------------


class ExportCache:
    """Exports on disk, one directory per data version; older versions are removed on the next write."""

    def __init__(self, root: str | Path, max_files: int = CACHE_MAX_FILES) -> None:
        self.root = Path(root)
        self.max_files = max_files

    def path(self, version: str, key: str, suffix: str) -> Path:
        return self.root / re.sub(r"[^A-Za-z0-9._-]", "_", version) / f"{key}.{suffix}"

    def get_or_build(self, version: str, key: str, suffix: str, build) -> bytes:
        """Return the cached bytes of `key` in `version`, building and storing them on a miss."""
        path = self.path(version, key, suffix)
        try:
            body = path.read_bytes()
            os.utime(path)
            return body
        except FileNotFoundError:
            pass
        body = build()
        self._store(path, body)
        return body

    def _store(self, path: Path, body: bytes) -> None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            with os.fdopen(fd, "wb") as fh:
                fh.write(body)
            os.replace(tmp, path)
        except OSError:
            return  # an unwritable cache never fails an export
        self._prune(path.parent)

    def _prune(self, current: Path) -> None:
        for other in self.root.iterdir():
            if other != current and other.is_dir():
                shutil.rmtree(other, ignore_errors=True)
        files = sorted((p for p in current.iterdir() if not p.name.startswith(".")), key=_mtime)
        for old in files[: max(0, len(files) - self.max_files)]:
            old.unlink(missing_ok=True)


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except FileNotFoundError:
        return 0.0


def export_cache(settings: dict) -> ExportCache:
    """Return the export cache of the data directory."""
    return ExportCache(Path(settings["DATA_DIR"]) / "cache" / "exports")


def export_filename(indicator_id: str, year: int, district: str, options: ExportOptions) -> str:
    """Return the download name, e.g. ntm_level_2021_183_a4-landscape.pdf."""
    parts = [indicator_id, str(year), district]
    if options.fmt in ("pdf", "svg", "png"):
        parts.append(f"a4-{options.orientation}")
    if options.fmt == "png":
        parts.append(f"{options.dpi}dpi")
    name = "_".join(re.sub(r"[^A-Za-z0-9_-]", "-", p) for p in parts)
    return f"{name}.{options.fmt}"


def export_map(
    dataset: Dataset,
    indicator_id: str,
    fmt: str,
    params: dict,
    *,
    settings: dict,
    lang: str,
    profile_url: str | None = None,
    today: dt.date | None = None,
) -> ExportFile:
    """Return an export of one map (cached per parameters and data version)."""
    options = parse_options(fmt, params.get("dpi"), params.get("orientation"), settings)
    indicator = dataset.catalog.get(indicator_id)
    year = parse_year(params.get("year"), dataset.years(indicator.id))
    district = params.get("district") or settings["DEFAULT_DISTRICT"]
    map_args = {k: params.get(k) or None for k in ("scheme", "k", "breaks")}
    today = today or dt.date.today()
    html = options.fmt == "html"
    key = digest(
        "export", geoapp.__version__, matplotlib.__version__, options, indicator.id, year, district,
        sorted(map_args.items()), lang, dataset.version, today.isoformat(),
        (profile_url, settings["TILES"], settings["TILES_ATTRIBUTION"], settings["COORD_DECIMALS"]) if html else None,
    )

    def build() -> bytes:
        view = build_map_view(dataset, indicator.id, year=year, district=district, lang=lang, **map_args)
        if html:
            return standalone_html(view, settings=settings, profile_url=profile_url, today=today).encode("utf-8")
        return render_static(view, options, today)

    body = export_cache(settings).get_or_build(dataset.version, key, options.fmt, build)
    return ExportFile(body, FORMATS[options.fmt], export_filename(indicator.id, year, district, options))
