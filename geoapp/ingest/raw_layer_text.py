"""Control characters in the stored text of an uploaded GeoPackage or Shapefile, read beneath GDAL.

GDAL cuts a string at its first NUL, so the check on the read layer sees "Xã" where the file
holds "Xã\\u0000Bảo Lâm". The feature table of a GeoPackage is read with sqlite3 and the
character fields of a Shapefile's .dbf byte by byte. A NUL or other control character inside a
value is reported; NULs (and, in a .dbf, spaces) that only pad the end of a value are not.
"""

from __future__ import annotations

import re
import sqlite3
from contextlib import closing
from pathlib import Path

from geoapp.ingest import dbf
from geoapp.ingest.encodings import nfc
from geoapp.ingest.layer_files import GEOPACKAGE, SHAPEFILE, Layer
from geoapp.ingest.raw_text import shown

_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_DBF_PADDING = b"\x00 "
_GPKG_PADDING = b"\x00"


def layer_control_characters(layer: Layer) -> list[dict]:
    """Return {feature, field, value} of each text value of the layer's file holding a control character."""
    path = layer.source.layers[layer.name]
    if layer.source.fmt == GEOPACKAGE:
        return geopackage_control_characters(path, layer.name)
    if layer.source.fmt == SHAPEFILE:
        table = next((p for p in path.parent.iterdir() if p.stem == path.stem and p.suffix.lower() == ".dbf"), None)
        return dbf_control_characters(table, layer.declared_encoding) if table else []
    return []


def holds_control(value: bytes, padding: bytes) -> bool:
    """True when a control character sits inside the value, not only in the padding at its end."""
    return _CONTROL.search(value.rstrip(padding)) is not None


def _quoted(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def geopackage_control_characters(path: Path, table: str) -> list[dict]:
    """Scan the text values of a GeoPackage feature table (opened read-only); [] if sqlite cannot read it."""
    try:
        with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True)) as db:
            db.text_factory = bytes  # UTF-8 bytes as stored, NULs included, never decoded
            db.execute("PRAGMA trusted_schema = OFF")
            geometry = {bytes(r[0]).decode("utf-8", "replace").lower() for r in db.execute(
                "SELECT column_name FROM gpkg_geometry_columns WHERE table_name = ?", (table,))}
            columns = [bytes(r[0]).decode("utf-8", "replace") for r in db.execute(
                "SELECT name FROM pragma_table_info(?)", (table,))]
            columns = [c for c in columns if c.lower() not in geometry]
            if not columns:
                return []
            texts = ", ".join(f"CASE WHEN typeof({_quoted(c)}) = 'text' THEN {_quoted(c)} END" for c in columns)
            hits = []
            for number, row in enumerate(db.execute(f"SELECT {texts} FROM {_quoted(table)}"), start=1):
                hits += [_hit(number, field, value, "utf-8") for field, value in zip(columns, row)
                         if value is not None and holds_control(value, _GPKG_PADDING)]
            return hits
    except sqlite3.Error:
        return []


def dbf_control_characters(path: Path, encoding: str | None) -> list[dict]:
    """Scan the character fields of a .dbf; feature numbers count the records GDAL reads (not deleted)."""
    with open(path, "rb") as f:
        header = dbf.read_header(f)
        if header is None:
            return []
        fields = [field for field in header.fields if field.kind == "C"]
        names = {field: _decoded(field.name, encoding) for field in fields}
        hits = []
        for number, record in enumerate(dbf.live_records(f, header), start=1):
            if _CONTROL.search(record, 1) is None:
                continue
            hits += [_hit(number, names[field], field.value(record).rstrip(_DBF_PADDING), encoding) for field in fields
                     if holds_control(field.value(record), _DBF_PADDING)]
        return hits


def _decoded(raw: bytes, encoding: str | None) -> str:
    """Decode with the declared code page, else UTF-8, else Latin-1 (which never fails)."""
    for codec in dict.fromkeys(c for c in (encoding, "utf-8") if c):
        try:
            return raw.decode(codec)
        except (UnicodeError, LookupError):
            continue
    return raw.decode("latin-1")


def _hit(number: int, field: str, value: bytes, encoding: str | None) -> dict:
    return {"feature": number, "field": shown(nfc(field)), "value": shown(nfc(_decoded(value, encoding)))}
