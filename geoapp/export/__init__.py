"""Exports of a map view: print-ready PNG, SVG and PDF drawn with matplotlib, standalone HTML, cached on disk."""

from geoapp.export.figure import INK, METRIC_CRS, MUTED, WARN, draw_figure
from geoapp.export.files import ExportFile, export_filename, export_map
from geoapp.export.options import (
    A4_MM,
    DEFAULT_DPI,
    FORMATS,
    MIN_DPI,
    ORIENTATIONS,
    ExportOptions,
    page_inches,
    parse_export_options,
    parse_options,
    pixel_size,
)
from geoapp.export.print_page import CLASSIFICATION_KEY, RC, export_classification, render_static
from geoapp.export.typeface import FONT_DIR, FONT_FILES, font, fonts

__all__ = [
    "A4_MM", "CLASSIFICATION_KEY", "DEFAULT_DPI", "FONT_DIR", "FONT_FILES",
    "FORMATS", "INK", "METRIC_CRS", "MIN_DPI", "MUTED", "ORIENTATIONS", "RC", "WARN", "ExportFile",
    "ExportOptions", "draw_figure", "export_classification", "export_filename", "export_map", "font",
    "fonts", "page_inches", "parse_export_options", "parse_options", "pixel_size", "render_static",
]
