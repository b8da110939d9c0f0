"""Export parameters: formats, A4 page size and resolution, checked."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass

from geoapp.errors import BadRequest

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
PAGE_FORMATS = ("png", "svg", "pdf")  # the formats that can draw "this view"
VIEW_DECIMALS = 5  # degrees to about 1 m: views that look the same share one cached file
MIN_VIEW_DEGREES = 0.002  # about 200 m: a smaller view is grown around its centre
VIEW_MARGIN = 0.5  # a view reaches at most this share of the area's size beyond the area


@dataclass(frozen=True)
class ViewExtent:
    """The part of the map on the reader's screen: west, south, east, north in degrees (WGS 84)."""

    west: float
    south: float
    east: float
    north: float

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        return self.west, self.south, self.east, self.north

    def text(self) -> str:
        """Return the view as the `bbox` query parameter, e.g. 106.70000,21.80000,106.90000,21.95000."""
        return ",".join(f"{v:.{VIEW_DECIMALS}f}" for v in self.bounds)

    def overlaps(self, bounds) -> bool:
        minx, miny, maxx, maxy = bounds
        return self.west < maxx and minx < self.east and self.south < maxy and miny < self.north


@dataclass(frozen=True)
class ExportOptions:
    """What kind of file to make: format, resolution, page orientation, and the page's settings."""

    fmt: str
    dpi: int
    orientation: str
    header: str = ""  # the issuing office printed above the title (ISSUING_OFFICE setting)
    geodata_dir: str = ""  # where the province's district outlines are (locator inset, context)
    view: ViewExtent | None = None  # "this view": the extent on the reader's screen; None: the whole area

    @property
    def variant(self) -> str:
        """Return what the file is made as, e.g. png-300dpi-landscape (a cache key part)."""
        view = f"-view{self.view.text()}" if self.view else ""
        if self.fmt == "png":
            return f"png-{self.dpi}dpi-{self.orientation}{view}"
        if self.fmt in ("svg", "pdf"):
            return f"{self.fmt}-{self.orientation}{view}"
        return self.fmt

    def params(self) -> dict:
        """Return the query parameters of these options (beside the map request's)."""
        out: dict = {}
        if self.fmt == "png":
            out["dpi"] = self.dpi
        if self.fmt in ("png", "svg", "pdf"):
            out["orientation"] = self.orientation
        if self.view:
            out["bbox"] = self.view.text()
        return out

    def fitted_to(self, area_bounds) -> ExportOptions:
        """Return the options with the view clamped to the area (see `fit_view`); unchanged without a view."""
        return dataclasses.replace(self, view=fit_view(self.view, area_bounds)) if self.view else self


def page_inches(orientation: str) -> tuple[float, float]:
    """Return the (width, height) of an A4 page in inches."""
    width, height = (mm / 25.4 for mm in A4_MM)
    return (width, height) if orientation == "landscape" else (height, width)


def pixel_size(orientation: str, dpi: int) -> tuple[int, int]:
    """Return the (width, height) in pixels of a PNG page."""
    width, height = page_inches(orientation)
    return int(width * dpi), int(height * dpi)


def parse_options(fmt: str, dpi: object, orientation: object, settings: dict, bbox: object = None) -> ExportOptions:
    """Return valid export options or raise BadRequest (format, dpi range, page size cap, view)."""
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
    header = str(settings.get("ISSUING_OFFICE") or "").strip()
    view = parse_view(bbox, fmt)
    return ExportOptions(fmt, dpi, orientation, header, str(settings.get("GEODATA_DIR") or ""), view)


def parse_view(raw: object, fmt: str) -> ViewExtent | None:
    """Return the view of a `bbox=west,south,east,north` parameter (degrees), None when absent.

    Raises BadRequest for anything but four finite numbers in order inside the world, and for a
    view on a format that cannot draw one (the standalone HTML map keeps its own view).
    """
    if raw in (None, ""):
        return None
    text = str(raw)
    if fmt not in PAGE_FORMATS:
        raise BadRequest("error_export_bbox_format", formats=", ".join(f.upper() for f in PAGE_FORMATS))
    try:
        numbers = [float(part) for part in text.split(",")]
    except ValueError:
        raise BadRequest("error_export_bbox", bbox=text[:80]) from None
    if len(numbers) != 4 or not all(math.isfinite(n) for n in numbers):
        raise BadRequest("error_export_bbox", bbox=text[:80])
    west, south, east, north = numbers
    if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
        raise BadRequest("error_export_bbox", bbox=text[:80])
    return ViewExtent(west, south, east, north)


def fit_view(view: ViewExtent, area_bounds) -> ViewExtent:
    """Return a view clamped to the area: it must show part of the area (else BadRequest), reaches at
    most VIEW_MARGIN of the area's size beyond it, is at least MIN_VIEW_DEGREES wide and high, and is
    rounded to VIEW_DECIMALS (so that the views of one screen share one cached file)."""
    minx, miny, maxx, maxy = (float(b) for b in area_bounds)
    if not view.overlaps((minx, miny, maxx, maxy)):
        raise BadRequest("error_export_bbox_outside", bbox=view.text())
    margin_x, margin_y = (maxx - minx) * VIEW_MARGIN, (maxy - miny) * VIEW_MARGIN
    west, east = max(view.west, minx - margin_x), min(view.east, maxx + margin_x)
    south, north = max(view.south, miny - margin_y), min(view.north, maxy + margin_y)
    west, east = _at_least(west, east, MIN_VIEW_DEGREES)
    south, north = _at_least(south, north, MIN_VIEW_DEGREES)
    return ViewExtent(*(round(v, VIEW_DECIMALS) for v in (west, south, east, north)))


def _at_least(low: float, high: float, span: float) -> tuple[float, float]:
    """Return (low, high) grown around its middle to at least `span`."""
    if high - low >= span:
        return low, high
    middle = (low + high) / 2
    return middle - span / 2, middle + span / 2


def check_unit_count(count: int, settings: dict) -> None:
    """Refuse an export of more units than EXPORT_MAX_UNITS: it would cost seconds of server time."""
    limit = int(settings["EXPORT_MAX_UNITS"])
    if count > limit:
        raise BadRequest("error_export_units", count=count, max=limit)


def parse_export_options(fmt: str, args: Mapping, settings: dict) -> ExportOptions:
    """Return the export options of a query or of command-line options (dpi, orientation, bbox)."""
    return parse_options(fmt, args.get("dpi") or None, args.get("orientation") or None, settings,
                         args.get("bbox") or None)
