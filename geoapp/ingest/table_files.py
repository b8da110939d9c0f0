"""Reading indicator tables from CSV and XLSX files, every cell as text."""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import zipfile
from pathlib import Path

import pandas as pd

from geoapp.errors import Invalid

MAX_ROWS = 1_000_000


_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
MAX_NUL_SHARE = 0.01  # more NUL bytes than this (and not UTF-16) means a binary file, not a CSV


def text_encoding(raw: bytes) -> str | None:
    """Return the Unicode encoding a CSV announces (BOM) or shows (UTF-16 without BOM), else None."""
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            return encoding
    head = raw[:4096]
    if len(head) >= 4 and head.count(0) >= len(head) // 4:
        even, odd = head[0::2].count(0), head[1::2].count(0)
        if odd > 3 * even:
            return "utf-16-le"
        if even > 3 * odd:
            return "utf-16-be"
    return None


def looks_binary(raw: bytes) -> bool:
    """Return True if bytes without a Unicode encoding hold more NULs than text would."""
    head = raw[:4096]
    return text_encoding(raw) is None and head.count(0) > max(1, len(head) * MAX_NUL_SHARE)


def _decode(raw: bytes) -> str:
    announced = text_encoding(raw)
    if announced:
        try:
            return raw.decode(announced)
        except UnicodeDecodeError:
            raise Invalid("error_table_encoding") from None
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
        missing = formulas_without_value(raw, sheet)
    except Exception as exc:  # openpyxl raises many types for a broken workbook, also while reading rows
        raise Invalid("error_table_parse", detail=type(exc).__name__) from None
    if missing:
        raise Invalid("error_table_formula_no_value", count=len(missing), cells=", ".join(missing[:20]))
    header = rows[0] if rows else None
    if not header:
        raise Invalid("error_table_empty")
    names = [str(h).strip() if h is not None else f"column_{i + 1}" for i, h in enumerate(header)]
    data = [["" if v is None else _cell_text(v) for v in row[: len(names)]] for row in rows[1:]]
    return _checked(pd.DataFrame(data, columns=names))


def _has_formulas(raw: bytes) -> bool:
    with zipfile.ZipFile(io.BytesIO(raw)) as book:
        return any(b"<f" in book.read(name) for name in book.namelist() if name.startswith("xl/worksheets/"))


def formulas_without_value(raw: bytes, sheet: str | None = None) -> list[str]:
    """Return the cells ("Sheet!C5") of the first (or named) sheet holding a formula with no saved result."""
    import openpyxl

    if not _has_formulas(raw):
        return []
    formulas = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=False)
    values = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    try:
        ws_f = formulas[sheet] if sheet else formulas.worksheets[0]
        ws_v = values[sheet] if sheet else values.worksheets[0]
        rows = itertools.islice(zip(ws_f.iter_rows(), ws_v.iter_rows()), MAX_ROWS + 1)
        return [f"{ws_f.title}!{f.coordinate}" for row_f, row_v in rows for f, v in zip(row_f, row_v)
                if f.data_type == "f" and v.value is None]
    finally:
        formulas.close()
        values.close()


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
        if is_zip or looks_binary(raw):
            raise Invalid("error_content_mismatch", name=path.name, expected="CSV")
        return read_csv_bytes(raw)
    raise Invalid("error_table_format", name=path.name)
