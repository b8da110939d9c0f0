"""Unpacking an uploaded boundary layer, reading it with GDAL and decoding its text."""

from __future__ import annotations

import codecs
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

from geoapp.ingest import archive
from geoapp.ingest import encodings as legacy_encoding
from geoapp.errors import GeoappError, Invalid
from geoapp.i18n import translate
from geoapp.ingest.report import Limits, capped, check_size, Findings

GEOJSON, SHAPEFILE, GEOPACKAGE = "geojson", "shapefile", "geopackage"
_EXTENSIONS = {".geojson": GEOJSON, ".json": GEOJSON, ".zip": SHAPEFILE, ".gpkg": GEOPACKAGE}
_CONTAINER = {GEOJSON: archive.JSON, SHAPEFILE: archive.ZIP, GEOPACKAGE: archive.SQLITE}
_FORMAT_LABELS = {GEOJSON: "GeoJSON", SHAPEFILE: "ZIP (Shapefile)", GEOPACKAGE: "GeoPackage"}
_SHAPEFILE_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg")
# DBF header language driver ids (byte 29) -> Python codec, for the common code pages.
_LDID = {0x01: "cp437", 0x02: "cp850", 0x03: "cp1252", 0x57: "cp1252", 0x58: "cp1252", 0x59: "cp1252",
         0x64: "cp852", 0x65: "cp866", 0xC8: "cp1250", 0xC9: "cp1251", 0xCA: "cp1254", 0xCB: "cp1253"}


@dataclass
class Source:
    """An upload unpacked in a private temporary directory, with its spatial layers."""

    fmt: str
    layers: dict[str, Path]
    crs_member: bool = True
    transcoded: bool = False


def list_layers(filename: str, raw: bytes, limits: Limits = Limits()) -> list[str]:
    """Return the spatial layers of an upload (GeoPackage layers, Shapefiles of a zip); [] if unreadable."""
    try:
        check_size(raw, limits)
        fmt = format_of(filename, raw)
        with tempfile.TemporaryDirectory(prefix="geoapp-upload-") as tmp:
            return list(open_source(fmt, raw, Path(tmp), limits).layers)
    except GeoappError:
        return []


def format_of(filename: str, raw: bytes) -> str:
    """Return the format of an upload from its extension, checked against its content."""
    name = Path(str(filename)).name
    suffix = Path(name).suffix.lower()
    if suffix in _SHAPEFILE_PARTS:
        raise Invalid("upload_shp_alone", name=name)
    fmt = _EXTENSIONS.get(suffix)
    if fmt is None:
        raise Invalid("upload_unsupported_format", name=name, formats=sorted(_EXTENSIONS))
    found = archive.sniff(raw)
    if found != _CONTAINER[fmt]:
        shown = archive.FORMAT_NAMES.get(found) or translate("upload_content_unknown", "en")
        raise Invalid("upload_content_mismatch", name=name, expected=_FORMAT_LABELS[fmt], found=shown)
    return fmt


def open_source(fmt: str, raw: bytes, tmp: Path, limits: Limits) -> Source:
    if fmt == GEOJSON:
        return _open_geojson(raw, tmp, limits)
    if fmt == SHAPEFILE:
        return _open_shapefiles(raw, tmp, limits)
    return _open_geopackage(raw, tmp)


def _open_geojson(raw: bytes, tmp: Path, limits: Limits) -> Source:
    depth = archive.json_depth(raw, limits.max_json_depth)
    if depth > limits.max_json_depth:
        raise Invalid("upload_json_too_deep", max=limits.max_json_depth)
    transcoded = False
    if not utf8(raw):
        raw, transcoded = str(memoryview(raw), "latin-1").encode("utf-8"), True
    path = tmp / "upload.geojson"
    path.write_bytes(raw)
    crs_member = re.search(rb'"crs"\s*:', raw) is not None
    return Source(GEOJSON, {"upload": path}, crs_member=crs_member, transcoded=transcoded)


def utf8(raw, chunk: int = 1 << 22) -> bool:
    """True when the bytes are valid UTF-8, checked chunk by chunk (no copy of a large upload)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(raw)
    try:
        for start in range(0, len(view), chunk):
            decoder.decode(view[start:start + chunk])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _open_shapefiles(raw: bytes, tmp: Path, limits: Limits) -> Source:
    root = tmp / "zip"
    root.mkdir()
    files = archive.extract_zip(raw, root, max_uncompressed=limits.max_uncompressed,
                                max_members=limits.max_members, max_ratio=limits.max_ratio)
    files = [f for f in files if "__MACOSX" not in f.parts and not f.name.startswith("._")]
    shps = sorted(f for f in files if f.suffix.lower() == ".shp")
    if not shps:
        members = [str(f.relative_to(root)) for f in files]
        raise Invalid("upload_zip_no_shapefile", members=capped(members) or ["-"])
    layers = {}
    for shp in shps:
        name = str(shp.relative_to(root).with_suffix(""))
        layers[name if name not in layers else str(shp.relative_to(root))] = shp
    return Source(SHAPEFILE, layers)


def _open_geopackage(raw: bytes, tmp: Path) -> Source:
    path = tmp / "upload.gpkg"
    path.write_bytes(raw)
    try:
        listed = pyogrio.list_layers(path)
    except Exception as exc:  # GDAL raises several types for a damaged file
        raise Invalid("upload_unreadable", detail=_gdal_detail(exc, tmp)) from None
    names = [str(name) for name, geometry_type in listed if geometry_type]
    if not names:
        raise Invalid("upload_no_layers")
    return Source(GEOPACKAGE, {name: path for name in names})


def _gdal_detail(exc: Exception, tmp: Path) -> str:
    """Return a GDAL error message without server paths."""
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text.replace(str(tmp) + "/", "").replace(str(tmp), "")[:300]


def pick_layer(source: Source, layer: str | None) -> str:
    names = list(source.layers)
    if layer:
        if layer not in source.layers:
            raise Invalid("upload_layer_unknown", layer=layer, layers=names)
        return layer
    if len(names) > 1:
        raise Invalid("upload_layer_required", layers=names)
    return names[0]


def _shapefile_encoding(shp: Path) -> str | None:
    """Return the code page a Shapefile declares in its .cpg or its DBF header, as a codec name."""
    cpg = _sibling(shp, ".cpg")
    if cpg is not None:
        text = cpg.read_bytes()[:64].decode("ascii", "replace").strip().lower()
        text = {"65001": "utf-8", "utf8": "utf-8"}.get(text, text)
        if text.isdigit():
            text = f"cp{text}"
        try:
            return "utf-8" if text.replace("_", "-") == "utf-8" else codecs.lookup(text).name
        except LookupError:
            return None
    dbf = _sibling(shp, ".dbf")
    header = dbf.read_bytes()[:32] if dbf else b""
    return _LDID.get(header[29]) if len(header) > 29 else None


def _sibling(shp: Path, suffix: str) -> Path | None:
    """Return the file next to `shp` with the same stem and `suffix`, in any case."""
    for candidate in shp.parent.iterdir():
        if candidate.stem == shp.stem and candidate.suffix.lower() == suffix:
            return candidate
    return None


@dataclass
class Layer:
    frame: gpd.GeoDataFrame
    source: Source
    name: str
    declared_encoding: str | None = None


def read_layer(source: Source, name: str, tmp: Path, limits: Limits) -> Layer:
    path = source.layers[name]
    kwargs: dict = {}
    declared = None
    if source.fmt == SHAPEFILE:
        missing = [s for s in (".shx", ".dbf") if _sibling(path, s) is None]
        if missing:
            raise Invalid("upload_shapefile_missing_part", layer=name, parts=missing)
        kwargs["encoding"] = "latin1"
        declared = _shapefile_encoding(path)
    elif source.fmt == GEOPACKAGE:
        kwargs["layer"] = name
    try:
        frame = _read_capped(path, source.fmt, limits.max_features, kwargs)
    except GeoappError:
        raise
    except Exception as exc:  # GDAL raises several types for a damaged file
        raise Invalid("upload_unreadable", detail=_gdal_detail(exc, tmp)) from None
    if len(frame) == 0:
        raise Invalid("upload_no_features")
    return Layer(frame, source, name, declared)


def _read_capped(path: Path, fmt: str, max_features: int, kwargs: dict) -> gpd.GeoDataFrame:
    """Read a layer of at most `max_features` features (Invalid beyond).

    A GeoJSON is parsed whole whenever GDAL opens it, so it is read once, one feature past
    the limit, rather than counted first; other formats state their count cheaply.
    """
    if fmt == GEOJSON:
        frame = pyogrio.read_dataframe(path, max_features=max_features + 1, **kwargs)
        count = len(frame) if len(frame) <= max_features else pyogrio.read_info(path)["features"]
    else:
        count = pyogrio.read_info(path, layer=kwargs.get("layer"))["features"]
        frame = None
    if count > max_features:
        raise Invalid("upload_too_many_features", count=int(count), max=max_features)
    return frame if frame is not None else pyogrio.read_dataframe(path, **kwargs)


def _text_columns(frame: pd.DataFrame) -> list:
    geometry = frame.geometry.name if isinstance(frame, gpd.GeoDataFrame) else None
    return [c for c in frame.columns if c != geometry and any(isinstance(v, str) for v in frame[c].to_numpy(dtype=object))]


def decode_text(layer: Layer, option: str, found: Findings) -> None:
    """Turn the layer's text into Unicode NFC, detecting or applying the encoding; report it."""
    frame, columns = layer.frame, _text_columns(layer.frame)
    if layer.source.fmt == SHAPEFILE:
        used = _decode_shapefile(frame, columns, layer.declared_encoding, option, found)
        columns = _text_columns(frame)
    else:
        used = "latin-1" if layer.source.transcoded else legacy_encoding.UTF8
        if layer.source.transcoded:
            if option == legacy_encoding.UTF8:
                raise Invalid("upload_json_invalid_utf8")
            found.warning("upload_json_not_utf8")
    if option in (legacy_encoding.AUTO, legacy_encoding.UTF8):
        legacy = legacy_encoding.detect(v for c in columns for v in frame[c] if isinstance(v, str))
        legacy = None if legacy == legacy_encoding.AS_IS or option == legacy_encoding.UTF8 else legacy
    elif option == legacy_encoding.CP1258 and used == legacy_encoding.CP1258:
        legacy = None
    else:
        legacy = option
    for col in columns:
        frame[col] = _converted(frame[col], legacy)
    if legacy:
        found.info("upload_legacy_converted", encoding=legacy.upper())
    found.report["encoding"] = legacy or used


def _converted(column: pd.Series, legacy: str | None) -> pd.Series:
    """Return a column with its text converted by legacy_encoding.apply, once per distinct text (names repeat)."""
    values = column.to_numpy(dtype=object)
    texts = list(dict.fromkeys(v for v in values if isinstance(v, str)))
    converted = dict(zip(texts, legacy_encoding.apply(texts, legacy)))
    return pd.Series([converted[v] if isinstance(v, str) else v for v in values], index=column.index, dtype=object)


def _decode_shapefile(frame, columns, declared: str | None, option: str, found: Findings) -> str:
    """Re-decode the Latin-1 view of DBF bytes with the chosen code page; return its name."""
    def decodes(codec: str) -> bool:
        return _first_undecodable(frame, columns, codec) is None

    if option in (legacy_encoding.UTF8, legacy_encoding.CP1258):
        codec = option
        failure = _first_undecodable(frame, columns, codec)
        if failure:
            raise Invalid("upload_encoding_failed", encoding=codec.upper(), field=failure[0], row=failure[1])
    elif option != legacy_encoding.AUTO:
        codec = "latin-1"
    elif decodes("utf-8"):
        codec = "utf-8"
    elif declared and declared != "utf-8" and decodes(declared):
        codec = declared
    else:
        codec = "latin-1"
        if declared:
            found.warning("upload_encoding_declared_wrong", declared=declared.upper(), used="LATIN-1")
    if codec != "latin-1":
        for col in columns:
            frame[col] = frame[col].map(lambda v: v.encode("latin-1").decode(codec) if isinstance(v, str) else v)
    frame.columns = [_decode_name(c, codec) for c in frame.columns]
    return codec


def _decode_name(name, codec: str):
    if not isinstance(name, str) or name == "geometry":
        return name
    try:
        return legacy_encoding.nfc(name.encode("latin-1").decode(codec))
    except UnicodeError:
        return name


def _first_undecodable(frame, columns, codec: str) -> tuple[str, int] | None:
    """Return (field, feature number) of the first text that `codec` cannot decode, or None."""
    for col in columns:
        for i, v in enumerate(frame[col]):
            if isinstance(v, str):
                try:
                    v.encode("latin-1").decode(codec)
                except UnicodeError:
                    return str(col), i + 1
    return None
