"""Reading and checking uploaded boundary layers and indicator tables: the dry run before publishing.

`check_boundaries` and `check_indicators` never raise for bad input: every problem
becomes an Issue (error, warning or info) with a message in Vietnamese and English.
`Check.frame` is the full layer or table to publish, or None when there are errors.
"""

from __future__ import annotations

import codecs
import math
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError, ProjError

from geoapp import archive, legacy_encoding, validate
from geoapp.catalog import Catalog, load_catalog
from geoapp.config import GEODATA_DIR
from geoapp.crs import CRS_PRESETS, diagnose, in_vietnam, label, looks_geographic, parse_crs, with_datum_shift
from geoapp.errors import GeoappError, Invalid
from geoapp.fields import find_field
from geoapp.i18n import translate
from geoapp.join import resolve
from geoapp.normalize import normalize_code, normalize_name
from geoapp.storage.base import BOUNDARY_COLUMNS, INDICATOR_COLUMNS, boundary_frame, indicator_frame
from geoapp.tables import read_table

__all__ = ["CRS_PRESETS", "Check", "Issue", "Limits", "check_boundaries", "check_indicators", "list_layers"]

ERROR, WARNING, INFO = "error", "warning", "info"
MAX_LISTED = 20
GEOJSON, SHAPEFILE, GEOPACKAGE = "geojson", "shapefile", "geopackage"
_EXTENSIONS = {".geojson": GEOJSON, ".json": GEOJSON, ".zip": SHAPEFILE, ".gpkg": GEOPACKAGE}
_CONTAINER = {GEOJSON: archive.JSON, SHAPEFILE: archive.ZIP, GEOPACKAGE: archive.SQLITE}
_FORMAT_LABELS = {GEOJSON: "GeoJSON", SHAPEFILE: "ZIP (Shapefile)", GEOPACKAGE: "GeoPackage"}
_SHAPEFILE_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg")
_DEFAULT_QUALITY = "as uploaded"
_STATUSES = ("fact", "illustrative")
_COMMUNE_TYPES = (("thị trấn", "Thị trấn"), ("phường", "Phường"), ("xã", "Xã"))
_DISTRICT_PREFIX = re.compile(r"^(?:huyện|thành phố|thị xã|quận)\s+", re.IGNORECASE)
# DBF header language driver ids (byte 29) -> Python codec, for the common code pages.
_LDID = {0x01: "cp437", 0x02: "cp850", 0x03: "cp1252", 0x57: "cp1252", 0x58: "cp1252", 0x59: "cp1252",
         0x64: "cp852", 0x65: "cp866", 0xC8: "cp1250", 0xC9: "cp1251", 0xCA: "cp1254", 0xCB: "cp1253"}


@dataclass
class Issue:
    """One finding of a check, named by a message key with its parameters."""

    level: str
    key: str
    params: dict = field(default_factory=dict)

    def message(self, lang: str) -> str:
        """Return the message in `lang`."""
        return translate(self.key, lang, **{k: _param_text(v) for k, v in self.params.items()})

    def to_dict(self, lang="en") -> dict:
        """Return the issue as JSON-safe data with its message."""
        return {"level": self.level, "key": self.key, "message": self.message(lang), "params": _jsonable(self.params)}


@dataclass
class Limits:
    """Caps on uploads."""

    max_bytes: int = 50 * 1024 * 1024
    max_uncompressed: int = 200 * 1024 * 1024
    max_members: int = 50
    max_ratio: float = 100.0
    max_json_depth: int = 64
    max_features: int = 100_000


@dataclass
class Check:
    """The result of a dry run: the frame to publish (None on errors), the issues and the report."""

    kind: str
    frame: object | None
    issues: list[Issue]
    report: dict

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.level == ERROR]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.level == WARNING]

    @property
    def infos(self) -> list[Issue]:
        return [i for i in self.issues if i.level == INFO]

    def to_dict(self, lang="en") -> dict:
        """Return the check as JSON-safe data."""
        return {
            "kind": self.kind,
            "ok": self.ok,
            "errors": [i.to_dict(lang) for i in self.errors],
            "warnings": [i.to_dict(lang) for i in self.warnings],
            "info": [i.to_dict(lang) for i in self.infos],
            "report": _jsonable(self.report),
        }


def _param_text(value: object) -> str:
    if isinstance(value, (list, tuple)):
        return ", ".join(_param_text(v) for v in value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else f"{value:.6g}"
    return str(value)


def _jsonable(value):
    """Return value with numpy and pandas scalars turned into plain Python (NaN -> None)."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is pd.NA or value is None:
        return None
    return value if isinstance(value, (str, int, float, bool)) else str(value)


def _capped(items) -> list:
    return list(items)[:MAX_LISTED]


class _Findings:
    """Issues and report of one check being built."""

    def __init__(self, **report) -> None:
        self.issues: list[Issue] = []
        self.report: dict = dict(report)

    def add(self, level: str, key: str, **params) -> None:
        self.issues.append(Issue(level, key, params))

    def error(self, key: str, **params) -> None:
        self.add(ERROR, key, **params)

    def warning(self, key: str, **params) -> None:
        self.add(WARNING, key, **params)

    def info(self, key: str, **params) -> None:
        self.add(INFO, key, **params)

    @property
    def failed(self) -> bool:
        return any(i.level == ERROR for i in self.issues)

    def check(self, kind: str, frame) -> Check:
        return Check(kind, None if self.failed else frame, self.issues, self.report)


# ---------------------------------------------------------------- reading a boundary layer


@dataclass
class _Source:
    """An upload unpacked in a private temporary directory, with its spatial layers."""

    fmt: str
    layers: dict[str, Path]
    crs_member: bool = True
    transcoded: bool = False


def _check_size(raw: bytes, limits: Limits) -> None:
    if len(raw) > limits.max_bytes:
        raise Invalid("upload_too_large", size_mb=archive.megabytes(len(raw)), max_mb=archive.megabytes(limits.max_bytes))


def _format_of(filename: str, raw: bytes) -> str:
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


def _open_source(fmt: str, raw: bytes, tmp: Path, limits: Limits) -> _Source:
    if fmt == GEOJSON:
        return _open_geojson(raw, tmp, limits)
    if fmt == SHAPEFILE:
        return _open_shapefiles(raw, tmp, limits)
    return _open_geopackage(raw, tmp)


def _open_geojson(raw: bytes, tmp: Path, limits: Limits) -> _Source:
    depth = archive.json_depth(raw, limits.max_json_depth)
    if depth > limits.max_json_depth:
        raise Invalid("upload_json_too_deep", max=limits.max_json_depth)
    transcoded = False
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        raw, transcoded = raw.decode("latin-1").encode("utf-8"), True
    path = tmp / "upload.geojson"
    path.write_bytes(raw)
    crs_member = re.search(rb'"crs"\s*:', raw) is not None
    return _Source(GEOJSON, {"upload": path}, crs_member=crs_member, transcoded=transcoded)


def _open_shapefiles(raw: bytes, tmp: Path, limits: Limits) -> _Source:
    root = tmp / "zip"
    root.mkdir()
    files = archive.extract_zip(raw, root, max_uncompressed=limits.max_uncompressed,
                                max_members=limits.max_members, max_ratio=limits.max_ratio)
    files = [f for f in files if "__MACOSX" not in f.parts and not f.name.startswith("._")]
    shps = sorted(f for f in files if f.suffix.lower() == ".shp")
    if not shps:
        members = [str(f.relative_to(root)) for f in files]
        raise Invalid("upload_zip_no_shapefile", members=_capped(members) or ["-"])
    layers = {}
    for shp in shps:
        name = str(shp.relative_to(root).with_suffix(""))
        layers[name if name not in layers else str(shp.relative_to(root))] = shp
    return _Source(SHAPEFILE, layers)


def _open_geopackage(raw: bytes, tmp: Path) -> _Source:
    path = tmp / "upload.gpkg"
    path.write_bytes(raw)
    try:
        listed = pyogrio.list_layers(path)
    except Exception as exc:  # GDAL raises several types for a damaged file
        raise Invalid("upload_unreadable", detail=_gdal_detail(exc, tmp)) from None
    names = [str(name) for name, geometry_type in listed if geometry_type]
    if not names:
        raise Invalid("upload_no_layers")
    return _Source(GEOPACKAGE, {name: path for name in names})


def _gdal_detail(exc: Exception, tmp: Path) -> str:
    """Return a GDAL error message without server paths."""
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text.replace(str(tmp) + "/", "").replace(str(tmp), "")[:300]


def _pick_layer(source: _Source, layer: str | None) -> str:
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
class _Layer:
    frame: gpd.GeoDataFrame
    source: _Source
    name: str
    declared_encoding: str | None = None


def _read_layer(source: _Source, name: str, tmp: Path, limits: Limits) -> _Layer:
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
        count = pyogrio.read_info(path, layer=kwargs.get("layer"))["features"]
        if count > limits.max_features:
            raise Invalid("upload_too_many_features", count=int(count), max=limits.max_features)
        frame = pyogrio.read_dataframe(path, **kwargs)
    except GeoappError:
        raise
    except Exception as exc:  # GDAL raises several types for a damaged file
        raise Invalid("upload_unreadable", detail=_gdal_detail(exc, tmp)) from None
    if len(frame) == 0:
        raise Invalid("upload_no_features")
    return _Layer(frame, source, name, declared)


def _text_columns(frame: pd.DataFrame) -> list:
    geometry = frame.geometry.name if isinstance(frame, gpd.GeoDataFrame) else None
    return [c for c in frame.columns if c != geometry and frame[c].map(lambda v: isinstance(v, str)).any()]


def _decode_text(layer: _Layer, option: str, found: _Findings) -> None:
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
        frame[col] = pd.Series(legacy_encoding.apply(frame[col], legacy), index=frame.index, dtype=object)
    if legacy:
        found.info("upload_legacy_converted", encoding=legacy.upper())
    found.report["encoding"] = legacy or used


def _decode_shapefile(frame, columns, declared: str | None, option: str, found: _Findings) -> str:
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


# ---------------------------------------------------------------- checking a boundary layer


def check_boundaries(filename: str, raw: bytes, *, crs: str | None = None, encoding: str = "auto",
                     code_field: str | None = None, name_field: str | None = None, layer: str | None = None,
                     district: str | None = None, published=None, limits: Limits = Limits()) -> Check:
    """Read and check an uploaded boundary layer; return the merged layer to publish and the report."""
    found = _Findings(filename=str(filename))
    frame = None
    try:
        if encoding not in legacy_encoding.CHOICES:
            raise Invalid("upload_encoding_unknown", encoding=encoding, choices=list(legacy_encoding.CHOICES))
        _check_size(raw, limits)
        fmt = _format_of(filename, raw)
        found.report["format"] = fmt
        with tempfile.TemporaryDirectory(prefix="geoapp-upload-") as tmp:
            source = _open_source(fmt, raw, Path(tmp), limits)
            name = _pick_layer(source, layer)
            found.report["layer"] = name
            read = _read_layer(source, name, Path(tmp), limits)
        _decode_text(read, encoding, found)
        frame = _check_layer(read, found, crs=crs, code_field=code_field, name_field=name_field,
                             district=district, published=published)
    except GeoappError as exc:
        found.error(exc.key, **exc.params)
    return found.check("boundaries", frame)


def list_layers(filename: str, raw: bytes, limits: Limits = Limits()) -> list[str]:
    """Return the spatial layers of an upload (GeoPackage layers, Shapefiles of a zip); [] if unreadable."""
    try:
        _check_size(raw, limits)
        fmt = _format_of(filename, raw)
        with tempfile.TemporaryDirectory(prefix="geoapp-upload-") as tmp:
            return list(_open_source(fmt, raw, Path(tmp), limits).layers)
    except GeoappError:
        return []


@dataclass
class _Fields:
    """The columns of an uploaded layer that play each role."""

    code: str
    name: str | None
    district_code: str | None
    district_name: str | None
    commune_type: str | None
    province_code: str | None
    province_name: str | None
    boundary_quality: str | None


def _fields(frame: gpd.GeoDataFrame, code_field, name_field, found: _Findings) -> _Fields:
    columns = [c for c in frame.columns if c != frame.geometry.name]
    roles = {}
    for role, explicit in (("code", code_field), ("name", name_field)):
        try:
            roles[role] = find_field(columns, role, explicit)
        except KeyError:
            raise Invalid("upload_field_unknown", field=explicit, fields=columns) from None
    if roles["code"] is None:
        raise Invalid("upload_no_code_field", fields=columns)
    for role in ("district_code", "district_name", "commune_type", "province_code", "province_name", "boundary_quality"):
        roles[role] = find_field([c for c in columns if c not in (roles["code"], roles["name"])], role)
    if roles["name"] is None:
        found.warning("upload_no_name_field", fields=columns)
    found.report["fields"] = dict(roles)
    return _Fields(**roles)


def _check_layer(layer: _Layer, found: _Findings, *, crs, code_field, name_field, district, published):
    """Run every check on a decoded layer; return the merged frame (meaningful only without errors)."""
    frame = layer.frame
    found.report["feature_count"] = len(frame)
    fields = _fields(frame, code_field, name_field, found)
    geoms = _check_geometries(frame, fields, found)
    codes = _check_codes(frame, fields, found)
    names = _names(frame, fields, codes, published, found)
    _check_markup(frame, found)
    _check_control_characters(frame, found)
    wgs84 = _to_wgs84(gpd.GeoDataFrame(geometry=geoms, crs=frame.crs), layer, crs, found)
    if wgs84 is None or found.failed:
        return None
    units = _units(frame, fields, codes, names, wgs84, published, district, found)
    if found.failed:
        return None
    return _merge_boundaries(units, published, found)


def _label(frame, fields: _Fields, i: int) -> str:
    code = frame[fields.code].iloc[i]
    name = frame[fields.name].iloc[i] if fields.name else None
    parts = [str(v) for v in (code, name) if v is not None and not (isinstance(v, float) and math.isnan(v))]
    return " ".join(parts) or f"#{i + 1}"


def _check_geometries(frame: gpd.GeoDataFrame, fields: _Fields, found: _Findings) -> np.ndarray:
    """Check types and emptiness, repair invalid polygons; return the geometries (2D)."""
    geoms = np.array([None if g is None else shapely.force_2d(g) for g in frame.geometry.values], dtype=object)
    found.report["geometry_types"] = validate.geometry_types(geoms)
    other = {t: n for t, n in found.report["geometry_types"].items() if t not in validate.POLYGONAL and t != "missing"}
    if other:
        found.error("upload_not_polygons", types=[f"{t}: {n}" for t, n in other.items()])
    empty = validate.empty_rows(geoms)
    found.report["empty"] = [{"feature": i + 1, "unit": _label(frame, fields, i)} for i in empty]
    if empty:
        found.error("upload_empty_geometry", count=len(empty), units=_capped(_label(frame, fields, i) for i in empty))
    geoms, repairs = validate.repair(geoms)
    found.report["invalid"] = [
        {"code": _text(frame[fields.code].iloc[r["position"]]),
         "name": _text(frame[fields.name].iloc[r["position"]]) if fields.name else "",
         **{k: v for k, v in r.items() if k != "position"}}
        for r in repairs
    ]
    if repairs:
        found.warning("upload_invalid_repaired", count=len(repairs),
                      units=_capped(_label(frame, fields, r["position"]) for r in repairs))
    failed = [r["position"] for r in repairs if r["result_empty"]]
    if failed:
        found.error("upload_repair_failed", units=_capped(_label(frame, fields, i) for i in failed))
    return geoms


def _text(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    return legacy_encoding.nfc(re.sub(r"\s+", " ", str(value)).strip())


def _check_codes(frame, fields: _Fields, found: _Findings) -> list[str | None]:
    codes, problems = validate.code_problems(frame[fields.code].tolist())
    found.report["codes"] = {
        "missing": [p + 1 for p in problems["missing"]],
        "malformed": [{"feature": p["position"] + 1, "value": p["value"]} for p in problems["malformed"]],
        "duplicate": problems["duplicate"],
    }
    if problems["missing"]:
        found.error("upload_code_missing", count=len(problems["missing"]), rows=_capped(p + 1 for p in problems["missing"]))
    if problems["malformed"]:
        found.error("upload_code_malformed", count=len(problems["malformed"]),
                    values=_capped(p["value"] for p in problems["malformed"]))
    if problems["duplicate"]:
        found.error("upload_code_duplicate", count=len(problems["duplicate"]), codes=_capped(problems["duplicate"]))
    return codes


def _names(frame, fields: _Fields, codes, published, found: _Findings) -> list[str]:
    """Return the unit names (from the file, else the published layer) and list them normalised."""
    known = _published_by_code(published)
    names = []
    for i, code in enumerate(codes):
        name = _text(frame[fields.name].iloc[i]) if fields.name else ""
        if not name and code in known.index:
            name = _text(known.at[code, "commune_name"])
        names.append(name)
    found.report["names"] = [{"code": c, "name": n, "normalized": normalize_name(n)} for c, n in zip(codes, names)]
    unnamed = [c or f"#{i + 1}" for i, (c, n) in enumerate(zip(codes, names)) if not n]
    if unnamed:
        found.error("upload_name_missing", count=len(unnamed), codes=_capped(unnamed))
    return names


def _published_by_code(published) -> pd.DataFrame:
    if published is None or len(published) == 0:
        return pd.DataFrame(columns=BOUNDARY_COLUMNS).set_index("commune_code", drop=False)
    return pd.DataFrame(published).drop_duplicates("commune_code").set_index("commune_code", drop=False)


def _check_control_characters(frame, found: _Findings, first_row: int = 1) -> None:
    hits = validate.control_characters(frame)
    if hits:
        found.error("upload_control_characters", count=len(hits),
                    rows=_capped(h["position"] + first_row for h in hits), fields=_capped(sorted({h["field"] for h in hits})))


def _check_markup(frame, found: _Findings) -> None:
    hits = validate.markup(frame)
    found.report["markup"] = [{"feature": h["position"] + 1, "field": h["field"], "value": h["value"]} for h in hits]
    if hits:
        found.warning("upload_markup", count=len(hits), values=_capped(h["value"][:80] for h in hits))


def _to_wgs84(geoms: gpd.GeoDataFrame, layer: _Layer, crs_option: str | None, found: _Findings):
    """Return the geometries in EPSG:4326, or None when the CRS is missing or wrong."""
    present = geoms[~geoms.geometry.isna() & ~geoms.geometry.is_empty]
    if present.empty:
        return None
    bounds = tuple(float(b) for b in present.total_bounds)
    source = _file_crs(layer, geoms.crs, bounds)
    if crs_option:
        chosen = parse_crs(crs_option)
        if source is not None and not source.equals(chosen):
            found.info("upload_crs_overridden", file=label(source), chosen=label(chosen))
        source, origin = chosen, "chosen"
    elif source is None:
        found.error("upload_crs_missing", presets=list(CRS_PRESETS))
        return None
    else:
        origin = "file"
    shifted, note = with_datum_shift(source)
    if note == "added":
        found.info("upload_crs_datum_added", crs=label(source))
    elif note == "missing":
        found.warning("upload_crs_datum_missing", crs=label(source))
    found.report["crs"] = {"source": label(source), "from": origin, "stored": "EPSG:4326"}
    try:
        out = geoms.set_crs(shifted, allow_override=True).to_crs(4326)
    except (CRSError, ProjError):
        found.error("upload_crs_unusable", crs=label(source))
        return None
    problem = diagnose(bounds, source, tuple(out[out.index.isin(present.index)].total_bounds))
    if problem:
        found.error(problem[0], **problem[1])
        return None
    return out


def _file_crs(layer: _Layer, crs, bounds) -> CRS | None:
    """Return the CRS the file declares; None when it has none.

    A GeoJSON without a "crs" member is lon/lat by definition, unless its coordinates
    are obviously metres (and not merely lat/lon swapped).
    """
    if layer.source.fmt == GEOJSON and not layer.source.crs_member:
        swapped = in_vietnam((bounds[1], bounds[0], bounds[3], bounds[2]))
        return CRS.from_epsg(4326) if looks_geographic(bounds) or swapped else None
    return CRS.from_user_input(crs) if crs is not None else None


def _district_lookup(published) -> tuple[dict, dict]:
    """Return {district_code: row} and {normalised district name: district_code} of the published layer."""
    if published is None or len(published) == 0:
        return {}, {}
    rows = pd.DataFrame(published).drop_duplicates("district_code")
    by_code = {str(r["district_code"]): r for _, r in rows.iterrows()}
    by_name = {}
    for code, row in by_code.items():
        name = normalize_name(row["district_name"])
        by_name[name] = code
        by_name[normalize_name(_DISTRICT_PREFIX.sub("", name))] = code
    return by_code, by_name


def _district_code(value: str, by_name: dict) -> str | None:
    """Return the district code a value names: a 3-digit code, or a published district's name."""
    if not value:
        return None
    return (normalize_code(value, width=3) or by_name.get(normalize_name(value))
            or by_name.get(normalize_name(_DISTRICT_PREFIX.sub("", value))))


def _commune_type(name: str) -> str:
    lower = name.casefold()
    return next((kind for prefix, kind in _COMMUNE_TYPES if lower.startswith(prefix + " ")), "")


def _units(frame, fields: _Fields, codes, names, wgs84, published, district, found: _Findings) -> gpd.GeoDataFrame:
    """Return the uploaded units with the stored columns, filling gaps from the published layer."""
    known = _published_by_code(published)
    districts, district_names = _district_lookup(published)
    default_province = next(iter(districts.values()), None)

    def column(role: str, i: int) -> str:
        col = getattr(fields, role)
        return _text(frame[col].iloc[i]) if col else ""

    rows, unknown, malformed = [], [], []
    for i, (code, name) in enumerate(zip(codes, names)):
        raw_district, dname = column("district_code", i), column("district_name", i)
        dcode = _district_code(raw_district, district_names) if raw_district else None
        if raw_district and dcode is None:
            malformed.append(raw_district)
        dcode = (dcode or _district_code(dname, district_names)
                 or (known.at[code, "district_code"] if code in known.index else None) or district)
        if not dcode:
            unknown.append(code)
        ref = districts.get(str(dcode))
        province = ref if ref is not None else default_province
        old_type = _text(known.at[code, "commune_type"]) if code in known.index else ""
        rows.append({
            "commune_code": code,
            "commune_name": name,
            "commune_type": column("commune_type", i) or _commune_type(name) or old_type,
            "district_code": str(dcode) if dcode else "",
            "district_name": dname or (_text(ref["district_name"]) if ref is not None else ""),
            "province_code": column("province_code", i) or (_text(province["province_code"]) if province is not None else ""),
            "province_name": column("province_name", i) or (_text(province["province_name"]) if province is not None else ""),
            "boundary_quality": column("boundary_quality", i) or _DEFAULT_QUALITY,
        })
    if malformed:
        found.error("upload_district_malformed", values=_capped(sorted(set(malformed))))
    if unknown:
        found.error("upload_district_unknown", count=len(unknown), codes=_capped(unknown))
    units = gpd.GeoDataFrame(pd.DataFrame(rows, columns=BOUNDARY_COLUMNS), geometry=wgs84.geometry.values, crs=4326)
    nameless = sorted({r["district_code"] for r in rows if r["district_code"] and not r["district_name"]})
    if nameless:
        found.warning("upload_district_name_missing", districts=nameless)
    return units


def _merge_boundaries(units: gpd.GeoDataFrame, published, found: _Findings) -> gpd.GeoDataFrame:
    """Replace the published units of the uploaded districts; report the scope, diff and coverage."""
    scope = sorted(set(units["district_code"]))
    found.report["scope"] = scope
    if published is None or len(published) == 0:
        old = gpd.GeoDataFrame(pd.DataFrame(columns=BOUNDARY_COLUMNS), geometry=[], crs=4326)
        kept = old
    else:
        old_all = boundary_frame(published)
        in_scope = old_all["district_code"].isin(scope).to_numpy()
        old = old_all[in_scope]
        moved = old_all[~in_scope & old_all["commune_code"].isin(units["commune_code"]).to_numpy()]
        if len(moved):
            found.warning("upload_units_moved", count=len(moved), codes=_capped(moved["commune_code"]))
        kept = old_all[~in_scope & ~old_all["commune_code"].isin(units["commune_code"]).to_numpy()]
    changes = validate.diff(old, units)
    found.report["diff"] = changes
    found.info("upload_diff_summary", added=len(changes["added"]), removed=len(changes["removed"]),
               renamed=len(changes["renamed"]), reshaped=len(changes["geometry_changed"]),
               unchanged=len(changes["geometry_unchanged"]))
    units = _keep_unchanged_geometry(units, old, changes["geometry_unchanged"])
    merged = pd.concat([kept.assign(_new=False), units.assign(_new=True)], ignore_index=True)
    merged = gpd.GeoDataFrame(merged, geometry="geometry", crs=4326)
    merged = merged.sort_values("commune_code", kind="stable").reset_index(drop=True)
    _report_coverage(merged, merged["_new"].to_numpy(dtype=bool), found)
    found.report["merged_count"] = len(merged)
    return boundary_frame(merged)


def _keep_unchanged_geometry(units, old, unchanged: list[str]) -> gpd.GeoDataFrame:
    """Give units whose shape did not change their published geometry (no churn on re-upload)."""
    if not unchanged:
        return units
    old_geoms = dict(zip(old["commune_code"], old.geometry))
    units = units.copy()
    units["geometry"] = [old_geoms.get(c, g) if c in unchanged else g for c, g in zip(units["commune_code"], units.geometry)]
    return units


def _report_coverage(merged: gpd.GeoDataFrame, focus: np.ndarray, found: _Findings) -> None:
    report = validate.coverage(merged, focus)
    found.report["coverage"] = report
    if report["invalid_edges"]:
        found.warning("upload_coverage_edges", count=len(report["invalid_edges"]),
                      units=_capped(f"{e['code']} {e['name']}" for e in report["invalid_edges"]))
    if report["overlaps"]:
        found.warning("upload_overlaps", count=len(report["overlaps"]),
                      area_m2=round(sum(o["area_m2"] for o in report["overlaps"]), 1),
                      pairs=_capped(" / ".join(o["codes"]) for o in report["overlaps"]))
    if report["gaps"]:
        found.warning("upload_gaps", count=len(report["gaps"]), area_m2=round(sum(g["area_m2"] for g in report["gaps"]), 1),
                      units=_capped(sorted({c for g in report["gaps"] for c in g["neighbours"]})))


# ---------------------------------------------------------------- checking an indicator table


def check_indicators(filename: str, raw: bytes, *, mapping: dict | None = None, boundaries, district: str | None = None,
                     published=None, limits: Limits = Limits(), catalog: Catalog | None = None) -> Check:
    """Read and check an uploaded indicator table; return the merged table to publish and the report."""
    found = _Findings(filename=str(filename))
    frame = None
    try:
        _check_size(raw, limits)
        if archive.sniff(raw) == archive.ZIP:
            # An XLSX workbook is a zip with a few members per sheet: sizes and ratios are capped, not its member count.
            with archive.open_zip(raw) as book:
                archive.check_members(book, max_uncompressed=limits.max_uncompressed, max_members=None,
                                      max_ratio=limits.max_ratio, archive_bytes=len(raw))
        table = read_table(Path(str(filename)).name, raw)
        found.report.update(format=Path(str(filename)).suffix.lower().lstrip("."), rows=len(table))
        _check_control_characters(table, found, first_row=2)
        catalog = catalog or load_catalog(GEODATA_DIR / "catalog.yaml")
        layout = _layout(table, mapping or {}, catalog, found)
        values = _long_values(table, layout, catalog, str(filename), found)
        matched = _match(table, layout, values, boundaries, district, found)
        if not found.failed:
            frame = _merge_values(matched, published, found)
    except GeoappError as exc:
        found.error(exc.key, **exc.params)
    return found.check("indicators", frame)


@dataclass
class _Layout:
    """Which column plays which role, and whether the table is long or wide."""

    columns: dict
    indicators: dict  # wide tables: column -> indicator id

    @property
    def long(self) -> bool:
        return not self.indicators


def _layout(table: pd.DataFrame, mapping: dict, catalog: Catalog, found: _Findings) -> _Layout:
    available = list(table.columns)
    explicit = {role: mapping.get(role) for role in ("code", "name", "year", "indicator", "value", "status", "source", "note")}
    explicit["district_code"] = explicit["district_name"] = mapping.get("district")
    wide = mapping.get("indicators") or {}
    if not isinstance(wide, dict):
        raise Invalid("upload_column_unknown", column=str(wide), columns=available)
    for col in [c for c in explicit.values() if c] + list(wide):
        if col not in available:
            raise Invalid("upload_column_unknown", column=col, columns=available)
    columns = {role: find_field(available, role, col) for role, col in explicit.items()}
    if not (columns["code"] or columns["name"]):
        raise Invalid("upload_table_no_unit_column", columns=available)
    if not columns["year"]:
        raise Invalid("upload_table_no_year", columns=available)
    if not wide and not (columns["indicator"] and columns["value"]):
        used = {c for c in columns.values() if c}
        wide = {c: c.strip() for c in available if c not in used and c.strip() in catalog.indicators}
        if not wide:
            raise Invalid("upload_table_no_indicators", columns=available, ids=list(catalog.indicators)[:8])
    if wide:
        columns["indicator"] = columns["value"] = None
    found.report["layout"] = "wide" if wide else "long"
    found.report["columns"] = {**{k: v for k, v in columns.items() if v}, **({"indicators": dict(wide)} if wide else {})}
    return _Layout(columns, dict(wide))


def _long_values(table: pd.DataFrame, layout: _Layout, catalog: Catalog, filename: str, found: _Findings) -> pd.DataFrame:
    """Return one row per uploaded value (_row, indicator, year, value, status, source, note), checked."""
    cols = layout.columns
    rows = pd.Series(np.arange(len(table)) + 2, index=table.index)

    def text(col):
        return table[col].map(_text) if col else pd.Series("", index=table.index)

    base = pd.DataFrame({
        "_row": rows, "year": text(cols["year"]), "status": text(cols["status"]),
        "source": text(cols["source"]), "note": text(cols["note"]),
    })
    if layout.long:
        parts = [base.assign(indicator=text(cols["indicator"]), value=text(cols["value"]))]
    else:
        parts = [base.assign(indicator=ind, value=text(col)) for col, ind in layout.indicators.items()]
    values = pd.concat(parts, ignore_index=True)
    blank = values["value"] == ""
    if blank.any():
        found.info("upload_values_blank", count=int(blank.sum()))
    values = values[~blank].reset_index(drop=True)
    values["year"] = _check_years(values, found)
    _check_indicator_ids(values, catalog, found)
    values["value"] = _check_value_kinds(values, catalog, found)
    values["status"] = _check_status(values, found)
    values["source"] = values["source"].where(values["source"] != "", f"upload:{Path(filename).name}")
    found.report["values"] = len(values)
    found.report["indicators"] = {k: int(v) for k, v in values["indicator"].value_counts().sort_index().items()}
    found.report["years"] = sorted({int(y) for y in values["year"].dropna()})
    return values


def _rows_issue(found: _Findings, key: str, mask: pd.Series, values: pd.DataFrame, example_col: str | None = None, **params):
    if not mask.any():
        return
    hits = values[mask]
    extra = {"examples": _capped(dict.fromkeys(hits[example_col].astype(str)))} if example_col else {}
    found.error(key, count=int(mask.sum()), rows=_capped(hits["_row"].astype(int)), **extra, **params)


def _check_years(values: pd.DataFrame, found: _Findings) -> pd.Series:
    years = pd.to_numeric(values["year"].str.replace(r"\.0+$", "", regex=True), errors="coerce")
    valid = years.notna() & (years == years.round()) & years.between(1900, 2100)
    _rows_issue(found, "upload_year_missing", values["year"] == "", values)
    _rows_issue(found, "upload_year_invalid", (values["year"] != "") & ~valid, values, "year")
    return years.where(valid).astype("Int64")


def _check_indicator_ids(values: pd.DataFrame, catalog: Catalog, found: _Findings) -> None:
    ids = values["indicator"]
    unknown = ~ids.isin(list(catalog.indicators))
    if unknown.any():
        found.error("upload_indicator_unknown", ids=_capped(dict.fromkeys(ids[unknown])), count=int(unknown.sum()),
                    rows=_capped(values.loc[unknown, "_row"].astype(int)))
    known = [catalog.indicators[i] for i in dict.fromkeys(ids[~unknown])]
    derived = [i.id for i in known if i.derived]
    if derived:
        found.error("upload_indicator_derived", ids=derived)
    other_scope = [i.id for i in known if i.scope != "commune" and not i.derived]
    if other_scope:
        found.error("upload_indicator_not_commune", ids=other_scope)


def _number_text(text: str) -> str | None:
    """Return a number's canonical text ("1.50" -> "1.5", "4.0" -> "4"), or None."""
    try:
        number = float(text.replace(" ", ""))
    except ValueError:
        return None
    if not math.isfinite(number):
        return None
    return str(int(number)) if number.is_integer() and abs(number) < 1e15 else repr(number)


def _category_value(indicator, text: str) -> str | None:
    key = normalize_name(text)
    for category in indicator.categories:
        if key in {normalize_name(category.value), *(normalize_name(t) for t in category.titles.values())}:
            return category.value
    return None


def _check_value_kinds(values: pd.DataFrame, catalog: Catalog, found: _Findings) -> pd.Series:
    out = values["value"].copy()
    for ind_id, group in values.groupby("indicator", sort=True):
        indicator = catalog.indicators.get(ind_id)
        if indicator is None:
            continue
        if indicator.is_numeric:
            converted = group["value"].map(_number_text)
            _rows_issue(found, "upload_value_not_numeric", converted.isna(), group, "value", indicator=ind_id)
        else:
            converted = group["value"].map(lambda v, ind=indicator: _category_value(ind, v))
            _rows_issue(found, "upload_value_not_category", converted.isna(), group, "value", indicator=ind_id,
                        allowed=[c.value for c in indicator.categories])
        out.loc[group.index] = converted.fillna(group["value"])
    return out


def _check_status(values: pd.DataFrame, found: _Findings) -> pd.Series:
    status = values["status"].str.lower().replace("", "fact")
    _rows_issue(found, "upload_status_invalid", ~status.isin(_STATUSES), values, "status")
    return status


def _match(table: pd.DataFrame, layout: _Layout, values: pd.DataFrame, boundaries, district, found: _Findings) -> pd.DataFrame:
    """Match the table's rows to communes with the core join; return the values with their commune_code."""
    cols = layout.columns
    keyed = table.assign(_row=np.arange(len(table)) + 2)
    explicit = {role: cols[role] for role in ("code", "name", "district_code", "district_name", "year", "indicator")}
    explicit = {k: v for k, v in explicit.items() if v}
    matched, report = resolve(keyed, boundaries, district=district, **explicit)
    found.report["match"] = report.to_dict()
    if report.unmatched:
        found.warning("upload_rows_unmatched", count=len(report.unmatched), rows=_capped(u["row"] for u in report.unmatched))
    if report.duplicates:
        found.warning("upload_rows_duplicate", count=len(report.duplicates), rows=_capped(d["row"] for d in report.duplicates))
    if report.fuzzy:
        found.warning("upload_rows_fuzzy", count=len(report.fuzzy),
                      examples=_capped(f"{f['row']}: {f['name']} → {f['matched_name']}" for f in report.fuzzy))
    if report.units_without_data:
        found.info("upload_units_without_data", count=len(report.units_without_data))
    if matched.empty:
        found.error("upload_no_match")
    codes = dict(zip(matched["_row"], matched["commune_code"]))
    out = values.assign(commune_code=values["_row"].map(codes))
    out = out[out["commune_code"].notna()]
    dup = out.duplicated(["commune_code", "indicator", "year"], keep="first")
    if dup.any():
        found.warning("upload_rows_duplicate", count=int(dup.sum()), rows=_capped(out.loc[dup, "_row"].astype(int)))
    return out[~dup].reset_index(drop=True)


def _same_value(a: str, b: str) -> bool:
    if a == b:
        return True
    x, y = _number_text(str(a)), _number_text(str(b))
    return x is not None and x == y


def _merge_values(values: pd.DataFrame, published, found: _Findings) -> pd.DataFrame:
    """Replace published rows with the same (commune_code, indicator, year); report what changed."""
    keys = ["commune_code", "indicator", "year"]
    new = values.assign(year=values["year"].astype(int))[INDICATOR_COLUMNS]
    old = indicator_frame(published) if published is not None and len(published) else pd.DataFrame(
        {c: pd.Series(dtype=int if c == "year" else object) for c in INDICATOR_COLUMNS})
    old = old.assign(year=old["year"].astype(int), commune_code=old["commune_code"].astype(object),
                     indicator=old["indicator"].astype(object))
    both = new.merge(old[keys + ["value", "status"]], on=keys, how="left", suffixes=("", "_old"), indicator=True)
    present = (both["_merge"] == "both").to_numpy()
    same = present & np.array([_same_value(a, b) and s == t for a, b, s, t in
                               zip(both["value"], both["value_old"].fillna(""), both["status"], both["status_old"].fillna(""))],
                              dtype=bool)
    changed = present & ~same
    replace = pd.MultiIndex.from_frame(both.loc[changed, keys])
    kept = old[~pd.MultiIndex.from_frame(old[keys]).isin(replace)]
    merged = pd.concat([kept, new[~same]], ignore_index=True).sort_values(keys, kind="stable")
    found.report["changes"] = {
        "added": int((~present).sum()), "changed": int(changed.sum()), "unchanged": int(same.sum()),
        "changed_values": [
            {"code": r.commune_code, "indicator": r.indicator, "year": int(r.year), "old": r.value_old, "new": r.value,
             "old_status": r.status_old, "new_status": r.status}
            for r in both[changed].head(MAX_LISTED * 5).itertuples()
        ],
    }
    found.info("upload_values_summary", **{k: found.report["changes"][k] for k in ("added", "changed", "unchanged")})
    return indicator_frame(merged.reset_index(drop=True))
