"""The standing corpus of hostile uploads: small files, and generators that build a file from the shipped layer.

Every file here is listed in README.md (file | what it tries | expected outcome).
A generator `<case>.py` has FILENAME, KIND, OPTIONS, EXPECTED (error keys; empty when the
upload is accepted) and build(published) -> bytes. A static file is described by STATIC.
"""

from __future__ import annotations

import importlib
import io
import json
import struct
import tempfile
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pyogrio

HERE = Path(__file__).parent
CAO_LOC = "183"
EQUAL_AREA = "+proj=aea +lat_0=16 +lon_0=106 +lat_1=10 +lat_2=22 +ellps=WGS84 +units=m +no_defs"


@dataclass(frozen=True)
class Case:
    """One hostile upload: the file, its kind and options, the error keys it must get (none: accepted)."""

    name: str
    filename: str
    kind: str
    options: dict
    expected: tuple[str, ...]
    build: object  # callable(published) -> bytes


# Static files: name -> (kind, options, expected error keys)
STATIC = {
    "nul_in_name.geojson": ("boundaries", {}, ("upload_control_characters_features",)),
    "formula_without_result.xlsx": ("indicators", {"district": CAO_LOC}, ("error_table_formula_no_value",)),
    "decimal_comma.csv": ("indicators", {"district": CAO_LOC}, ()),
    "utf16.csv": ("indicators", {"district": CAO_LOC}, ()),
    "utf8_bom.csv": ("indicators", {"district": CAO_LOC}, ()),
    "duplicate_rows.csv": ("indicators", {"district": CAO_LOC}, ()),
    "junk.csv": ("indicators", {}, ("error_content_mismatch",)),
    "nul_in_row.csv": ("indicators", {"district": CAO_LOC}, ("upload_control_characters",)),
}
GENERATORS = ("wrong_preset_utm48n", "wrong_tm3_zone_107", "wrong_tm3_zone_10745", "shifted_50km_south",
              "hanoi_labelled_001", "grid_labelled_183", "bowtie_06199", "circle_06184", "merged_district_183",
              "badinh_shifted_40km", "junk_200kb", "nul_in_name_gpkg", "nul_in_name_shp", "bell_in_name_shp",
              "nul_padding_shp")
# The name of commune 06190 as the shipped layer has it, and the same bytes with a control character.
BAO_LAM = "Xã Bảo Lâm".encode("utf-8")
BAO_LAM_NUL = "Xã\u0000Bảo Lâm".encode("utf-8")
BAO_LAM_BELL = "Xã\u0007Bảo Lâm".encode("utf-8")


def _static(name: str) -> Case:
    kind, options, expected = STATIC[name]
    return Case(name, name, kind, options, expected, lambda published, path=HERE / name: path.read_bytes())


def _generated(name: str) -> Case:
    module = importlib.import_module(f"tests.hostile.{name}")
    return Case(name, module.FILENAME, module.KIND, dict(module.OPTIONS), tuple(module.EXPECTED), module.build)


def cases() -> list[Case]:
    """Return every hostile case of the corpus."""
    return [_static(n) for n in STATIC] + [_generated(n) for n in GENERATORS]


def case(name: str) -> Case:
    return next(c for c in cases() if c.name == name)


def cao_loc(published: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return published[published["district_code"] == CAO_LOC].reset_index(drop=True)


def geojson(frame: gpd.GeoDataFrame, crs_member: bool = False) -> bytes:
    """Return a frame as GeoJSON text (without a "crs" member unless asked)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        data = json.loads(frame.to_json(drop_id=True))
    if not crs_member:
        data.pop("crs", None)
    return json.dumps(data, ensure_ascii=False).encode("utf-8")


def projected_without_crs(frame: gpd.GeoDataFrame, crs) -> bytes:
    """Return the frame's coordinates in `crs`, written as a GeoJSON that names no CRS."""
    return geojson(frame.to_crs(crs).set_crs(None, allow_override=True))


def replaced_once(raw: bytes, old: bytes, new: bytes) -> bytes:
    """Return `raw` with its one occurrence of `old` replaced by bytes of the same length."""
    assert raw.count(old) == 1 and len(old) == len(new), (raw.count(old), old, new)
    return raw.replace(old, new)


def geopackage(frame: gpd.GeoDataFrame, patch=lambda raw: raw) -> bytes:
    """Return the frame written as a GeoPackage by GDAL, its file bytes then passed through `patch`."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "communes.gpkg"
        pyogrio.write_dataframe(frame, path, layer="communes")
        return patch(path.read_bytes())


def shapefile_zip(frame: gpd.GeoDataFrame, patch=lambda raw: raw, cpg: bytes | None = None) -> bytes:
    """Return the frame written as a zipped Shapefile by GDAL, its .dbf bytes passed through `patch`."""
    with tempfile.TemporaryDirectory() as tmp:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # field names longer than 10 characters are cut
            pyogrio.write_dataframe(frame, Path(tmp) / "communes.shp", encoding="UTF-8")
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            for path in sorted(Path(tmp).iterdir()):
                data = path.read_bytes()
                data = patch(data) if path.suffix == ".dbf" else cpg if path.suffix == ".cpg" and cpg else data
                zf.writestr(path.name, data)
        return buf.getvalue()


def nul_padded(dbf: bytes) -> bytes:
    """Return a .dbf whose character values are padded with NULs instead of spaces (as some tools write)."""
    header_length, record_length = struct.unpack("<HH", dbf[8:12])
    widths = [dbf[at + 16] for at in range(32, header_length - 1, 32)]
    out = bytearray(dbf)
    for start in range(header_length, len(dbf) - 1, record_length):
        at = start + 1  # after the deletion flag
        for width in widths:
            value = bytes(out[at:at + width]).rstrip(b" ")
            out[at + len(value):at + width] = bytes(width - len(value))
            at += width
    return bytes(out)
