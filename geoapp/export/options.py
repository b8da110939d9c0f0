"""Export parameters: formats, A4 page size and resolution, checked."""

from __future__ import annotations

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


@dataclass(frozen=True)
class ExportOptions:
    """What kind of file to make: format, resolution, page orientation, and the page's settings."""

    fmt: str
    dpi: int
    orientation: str
    header: str = ""  # the issuing office printed above the title (ISSUING_OFFICE setting)
    geodata_dir: str = ""  # where the province's district outlines are (locator inset, context)

    @property
    def variant(self) -> str:
        """Return what the file is made as, e.g. png-300dpi-landscape (a cache key part)."""
        if self.fmt == "png":
            return f"png-{self.dpi}dpi-{self.orientation}"
        if self.fmt in ("svg", "pdf"):
            return f"{self.fmt}-{self.orientation}"
        return self.fmt

    def params(self) -> dict:
        """Return the query parameters of these options (beside the map request's)."""
        out: dict = {}
        if self.fmt == "png":
            out["dpi"] = self.dpi
        if self.fmt in ("png", "svg", "pdf"):
            out["orientation"] = self.orientation
        return out


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
    header = str(settings.get("ISSUING_OFFICE") or "").strip()
    return ExportOptions(fmt, dpi, orientation, header, str(settings.get("GEODATA_DIR") or ""))


def check_unit_count(count: int, settings: dict) -> None:
    """Refuse an export of more units than EXPORT_MAX_UNITS: it would cost seconds of server time."""
    limit = int(settings["EXPORT_MAX_UNITS"])
    if count > limit:
        raise BadRequest("error_export_units", count=count, max=limit)


def parse_export_options(fmt: str, args: Mapping, settings: dict) -> ExportOptions:
    """Return the export options of a query or of command-line options (dpi, orientation)."""
    return parse_options(fmt, args.get("dpi") or None, args.get("orientation") or None, settings)
