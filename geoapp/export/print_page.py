"""The A4 map page as PNG, SVG or PDF bytes, with its metadata and classification embedded."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import threading
from html import unescape
from xml.sax.saxutils import escape

import matplotlib

import geoapp
from geoapp.export.figure import draw_figure
from geoapp.export.options import ExportOptions
from geoapp.export.typeface import FONT_FILES, subset_font, fonts
from geoapp.maps.view import MapView

CLASSIFICATION_KEY = "geoapp-classification"
RC = {
    "font.family": "DejaVu Sans",
    "pdf.fonttype": 42,
    "ps.fonttype": 42,
    "svg.fonttype": "none",
    "svg.hashsalt": "geoapp",
    "text.parse_math": False,
    "hatch.linewidth": 0.5,
}
_render_lock = threading.Lock()  # matplotlib's rcParams are process-wide


def export_classification(view: MapView) -> dict:
    """Return the classification an export of this view draws (the web map's, unchanged)."""
    return view.classification.to_dict()


def _metadata(view: MapView, options: ExportOptions, today: dt.date) -> dict:
    if options.fmt == "pdf":
        return {"Title": view.title, "Subject": view.subtitle, "Creator": f"geoapp {geoapp.__version__}",
                "CreationDate": dt.datetime.combine(today, dt.time())}
    if options.fmt == "svg":
        return {"Title": view.title, "Description": view.subtitle, "Date": today.isoformat(),
                "Creator": f"geoapp {geoapp.__version__}"}
    return {"Title": view.title, "Description": view.subtitle, "Software": f"geoapp {geoapp.__version__}",
            CLASSIFICATION_KEY: json.dumps(export_classification(view))}


def _finish_svg(svg: str, view: MapView) -> str:
    """Embed the used glyphs of the bundled font and the classification into an SVG drawn with text."""
    chars = "".join(sorted(set(unescape("".join(re.findall(r"<text[^>]*>([^<]*)</text>", svg)))))) or " "
    faces = "".join(
        f"@font-face{{font-family:'DejaVu Sans';font-weight:{'700' if weight == 'bold' else '400'};"
        f"src:url(data:font/ttf;base64,{subset_font(path, chars)}) format('truetype')}}"
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
