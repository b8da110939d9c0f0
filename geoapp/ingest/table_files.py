"""Reading indicator tables from CSV and XLSX files, every cell as text."""

from __future__ import annotations

import csv
import io
import itertools
from pathlib import Path

import pandas as pd

from geoapp.errors import Invalid

MAX_ROWS = 1_000_000


def _decode(raw: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1258", "latin-1"):
        try:
            return str(memoryview(raw), encoding)  # bytes, or a file-backed upload
        except UnicodeDecodeError:
            continue
    raise Invalid("error_table_encoding")


def read_csv_bytes(raw: bytes) -> pd.DataFrame:
    """Parse CSV bytes (comma, semicolon or tab separated) with every cell as text."""
    text = _decode(raw)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
        sep = dialect.delimiter
    except csv.Error:
        sep = ","
    try:
        frame = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, nrows=MAX_ROWS + 1)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise Invalid("error_table_parse", detail=str(exc).splitlines()[0]) from None
    return _checked(frame)


def read_xlsx_bytes(raw: bytes, sheet: str | None = None) -> pd.DataFrame:
    """Parse the first (or named) sheet of an XLSX workbook with every cell as text."""
    import defusedxml  # noqa: F401  (openpyxl uses it for XML parsing when installed)
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
        ws = book[sheet] if sheet else book.worksheets[0]
        rows = list(itertools.islice(ws.iter_rows(values_only=True), MAX_ROWS + 1))
        book.close()
    except Exception as exc:  # openpyxl raises many types for a broken workbook, also while reading rows
        raise Invalid("error_table_parse", detail=type(exc).__name__) from None
    header = rows[0] if rows else None
    if not header:
        raise Invalid("error_table_empty")
    names = [str(h).strip() if h is not None else f"column_{i + 1}" for i, h in enumerate(header)]
    data = [["" if v is None else _cell_text(v) for v in row[: len(names)]] for row in rows[1:]]
    return _checked(pd.DataFrame(data, columns=names))


def _cell_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _checked(frame: pd.DataFrame) -> pd.DataFrame:
    if frame.empty:
        raise Invalid("error_table_empty")
    if len(frame) > MAX_ROWS:
        raise Invalid("error_table_rows", max=MAX_ROWS)
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame


def read_table(path: str | Path, raw: bytes | None = None) -> pd.DataFrame:
    """Read a CSV or XLSX table by its content (XLSX is a zip: it starts with PK)."""
    path = Path(path)
    raw = path.read_bytes() if raw is None else raw
    suffix = path.suffix.lower()
    is_zip = raw[:4] == b"PK\x03\x04"
    if suffix in (".xlsx", ".xlsm"):
        if not is_zip:
            raise Invalid("error_content_mismatch", name=path.name, expected="XLSX")
        return read_xlsx_bytes(raw)
    if suffix in (".csv", ".txt", ".tsv"):
        if is_zip or b"\0" in raw[:4096]:
            raise Invalid("error_content_mismatch", name=path.name, expected="CSV")
        return read_csv_bytes(raw)
    raise Invalid("error_table_format", name=path.name)
