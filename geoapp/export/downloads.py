"""Downloads of published data: boundaries and joined indicator values, in GIS and table formats."""

from __future__ import annotations

import csv
import io
import re
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

from geoapp.data.dataset import Dataset
from geoapp.data.values import with_derived
from geoapp.errors import BadRequest, NotFound
from geoapp.request import TableRequest
from geoapp.editions.carry import carry_values
from geoapp.editions.units import qualified
from geoapp.storage.base import BOUNDARY_COLUMNS, Store, edition_kind

BOUNDARY_FORMATS = ("geojson", "gpkg", "zip", "csv")
INDICATOR_FORMATS = ("geojson", "gpkg", "zip", "csv", "xlsx")
MEDIA_TYPES = {
    "geojson": "application/geo+json",
    "gpkg": "application/geopackage+sqlite3",
    "zip": "application/zip",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
SUFFIXES = {"geojson": ".geojson", "gpkg": ".gpkg", "zip": "-shp.zip", "csv": ".csv", "xlsx": ".xlsx"}
JOINED_COLUMNS = [
    "commune_code", "commune_name", "district_code", "district_name",
    "indicator", "year", "value", "status", "source", "note", "boundary_quality",
]
# Spreadsheets run cells that start with these characters as formulas.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
# Columns whose numeric text is written as numbers in XLSX (codes always stay text).
NUMERIC_COLUMNS = {"year", "value"}


@dataclass(frozen=True)
class Download:
    """A file to send: its bytes, media type and name."""

    body: bytes
    media_type: str
    filename: str


def is_number(text: str) -> bool:
    """Return True if `text` is a plain decimal number such as -5 or 12.5."""
    return bool(_NUMBER.fullmatch(text))


def neutralise(value: object) -> object:
    """Return a cell value that a spreadsheet cannot run as a formula; numbers stay as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_START) and not is_number(value):
        return "'" + value
    return value


def resolve_version(dataset: Dataset, store: Store, kind: str, raw: object = None) -> int:
    """Return the requested version of `kind` (default: the dataset's, i.e. the published one) or raise."""
    published = dataset.versions.get(kind)
    if raw in (None, ""):
        if published is None:
            raise NotFound("error_no_data")
        return published
    try:
        version = int(str(raw))
    except ValueError:
        raise BadRequest("download_error_version", version=raw) from None
    if version != published and version not in {v.version for v in store.history(kind)}:
        raise NotFound("error_unknown_version", version=version)
    return version


def boundaries_frame(dataset: Dataset, store: Store, version: int) -> gpd.GeoDataFrame:
    """Return a boundary version with its stored columns (the dataset's own when it is the published one)."""
    frame = dataset.communes if version == dataset.versions.get("boundaries") else store.read_boundaries(version)
    return frame[BOUNDARY_COLUMNS + ["geometry"]]


def indicator_values(dataset: Dataset, store: Store, version: int) -> pd.DataFrame:
    """Return the values of an indicator version with derived ones (the dataset's when it is the published one)."""
    if version == dataset.versions.get("indicators"):
        return dataset.values
    values = store.read_indicators(version)  # an older version: another dataset
    return with_derived(values, dataset.catalog) if len(values) else values


EDITION_COLUMNS = ["derived", "from", "rule"]  # added to downloads on another edition's units


def values_on_units(values: pd.DataFrame, dataset: Dataset, units: str) -> pd.DataFrame:
    """Return values on an edition's units: as collected, or carried by the catalog's rules (derived, from, rule)."""
    if units == dataset.default_edition:
        return values
    carried = carry_values(values, dataset.crosswalk_to(units), dataset.catalog).rows.copy()
    carried["derived"] = carried["derived"].map({True: "yes", False: "no"})
    carried["from"] = [" ".join(qualified(codes, dataset.default_edition)) for codes in carried["from"]]
    return carried


def joined_frame(values: pd.DataFrame, dataset: Dataset, table: TableRequest) -> gpd.GeoDataFrame:
    """Return indicator values joined to the dataset's units of the request's area (in its edition), one row per value."""
    values = values_on_units(values, dataset, table.area.units)
    columns = JOINED_COLUMNS + (EDITION_COLUMNS if "derived" in values else [])
    if table.indicator:
        values = values[values["indicator"] == table.indicator]
    if table.year is not None:
        values = values[values["year"].astype(str) == str(table.year)]
    communes = table.area.communes(dataset)
    units = communes[["commune_code", "commune_name", "district_code", "district_name", "boundary_quality", "geometry"]]
    how = "left" if table.area.whole_province else "inner"
    frame = values.merge(pd.DataFrame(units), on="commune_code", how=how)
    frame = frame.sort_values(["commune_code", "indicator", "year"], kind="stable").reset_index(drop=True)
    for col in columns:
        if col != "year":
            frame[col] = frame[col].astype("string").fillna("")
    return gpd.GeoDataFrame(frame[columns], geometry=gpd.GeoSeries(frame["geometry"].values, crs=4326))


def shapefile_columns(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return the frame with field names cut to the 10 characters a Shapefile allows."""
    names = {c: c[:10] for c in frame.columns if c != frame.geometry.name}
    if len(set(names.values())) != len(names):
        raise ValueError(f"field names collide when cut to 10 characters: {names}")
    return frame.rename(columns=names)


def _table_rows(frame: pd.DataFrame, *, numbers: bool):
    """Yield the header and the rows of a table, neutralised; numeric columns as numbers if asked."""
    columns = list(frame.columns)
    yield columns
    for row in frame.itertuples(index=False, name=None):
        out = []
        for col, value in zip(columns, row):
            if value is None or (not isinstance(value, str) and pd.isna(value)):
                out.append("")
            elif numbers and col in NUMERIC_COLUMNS and is_number(str(value)):
                number = float(value)
                out.append(int(number) if number.is_integer() and "." not in str(value) else number)
            else:
                out.append(neutralise(value if isinstance(value, str) else str(value)))
        yield out


def write_csv(frame: pd.DataFrame) -> bytes:
    """Return the table as UTF-8 CSV (with BOM for spreadsheets), formula cells neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows(_table_rows(frame, numbers=False))
    return buffer.getvalue().encode("utf-8-sig")


def write_xlsx(frame: pd.DataFrame, sheet: str) -> bytes:
    """Return the table as an XLSX workbook: text cells neutralised, numbers as numbers."""
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    ws = book.create_sheet(sheet)
    for row in _table_rows(frame, numbers=True):
        ws.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def write_gis(frame: gpd.GeoDataFrame, fmt: str, layer: str) -> bytes:
    """Return the frame as GeoJSON, GeoPackage or a zipped UTF-8 Shapefile, written by pyogrio."""
    with tempfile.TemporaryDirectory(prefix="geoapp-dl-") as tmp:
        if fmt == "zip":
            folder = Path(tmp) / "shp"
            folder.mkdir()
            pyogrio.write_dataframe(shapefile_columns(frame), folder / f"{layer}.shp", encoding="UTF-8")
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
                for path in sorted(folder.iterdir()):
                    archive.write(path, path.name)
            return buffer.getvalue()
        path = Path(tmp) / f"{layer}.{fmt}"
        driver = {"geojson": "GeoJSON", "gpkg": "GPKG"}[fmt]
        pyogrio.write_dataframe(frame, path, layer=layer, driver=driver)
        return path.read_bytes()


def _check_format(fmt: str, allowed: tuple[str, ...]) -> str:
    if fmt not in allowed:
        raise NotFound("download_error_format", format=fmt, formats=", ".join(allowed))
    return fmt


def boundaries_download(dataset: Dataset, store: Store, fmt: str, version: object = None,
                        units: str | None = None) -> Download:
    """Return a boundary version of an edition (default: the published one of the default edition) in `fmt`.

    Another edition's units carry `boundary_quality` = derived in every row, and the file name
    names the edition (boundaries-2025-v1.geojson).
    """
    _check_format(fmt, BOUNDARY_FORMATS)
    units = units or dataset.default_edition
    if units != dataset.default_edition:
        dataset.units(units)
        kind = edition_kind(units)
        number = resolve_version(dataset, store, kind, version)
        stored = dataset.units(units) if number == dataset.versions.get(kind) else store.read_edition(units, number)
        frame = stored[BOUNDARY_COLUMNS + ["geometry"]]
        name = f"boundaries-{units}-v{number}"
    else:
        number = resolve_version(dataset, store, "boundaries", version)
        frame = boundaries_frame(dataset, store, number)
        name = f"boundaries-v{number}"
    if fmt == "csv":
        table = pd.DataFrame(frame.drop(columns="geometry"))
        table["wkt"] = frame.geometry.to_wkt()
        body = write_csv(table)
    else:
        body = write_gis(frame, fmt, "boundaries")
    return Download(body, MEDIA_TYPES[fmt], f"{name}{SUFFIXES[fmt]}")


def indicators_download(
    dataset: Dataset, store: Store, fmt: str, table: TableRequest, version: object = None
) -> Download:
    """Return an indicator version (default: the published one) joined to the communes, in `fmt`."""
    _check_format(fmt, INDICATOR_FORMATS)
    number = resolve_version(dataset, store, "indicators", version)
    frame = joined_frame(indicator_values(dataset, store, number), dataset, table)
    if fmt == "csv":
        body = write_csv(pd.DataFrame(frame.drop(columns="geometry")))
    elif fmt == "xlsx":
        body = write_xlsx(pd.DataFrame(frame.drop(columns="geometry")), "indicators")
    else:
        body = write_gis(frame, fmt, "indicators")
    scope = "" if table.area.whole_province else f"-{table.area.district}"
    if table.area.units != dataset.default_edition:
        scope = f"-{table.area.units}{scope}"
    return Download(body, MEDIA_TYPES[fmt], f"indicators-v{number}{scope}{SUFFIXES[fmt]}")
