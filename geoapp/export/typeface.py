"""The bundled DejaVu Sans: registered with matplotlib and subset for embedding in SVG."""

from __future__ import annotations

import base64
import functools
import io
from pathlib import Path

import matplotlib
from fontTools import subset
from fontTools.ttLib import TTFont
from matplotlib import font_manager
from matplotlib.font_manager import FontProperties

FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
FONT_FILES = {"normal": FONT_DIR / "DejaVuSans.ttf", "bold": FONT_DIR / "DejaVuSans-Bold.ttf"}


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


def subset_font(path: Path, text: str) -> str:
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
