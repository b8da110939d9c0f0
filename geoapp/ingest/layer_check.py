"""Checking an uploaded boundary layer: fields, geometry, codes, names, CRS, districts and the merge."""

from __future__ import annotations

import math
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError, ProjError

from geoapp.ingest import encodings as legacy_encoding
from geoapp.ingest import changes as confirmable
from geoapp.ingest import geometry as validate
from geoapp.ingest import location
from geoapp.ingest.raw_text import geojson_control_characters
from geoapp.ingest.crs import CRS_PRESETS, preset_names, diagnose, in_vietnam, label, looks_geographic, parse_crs, with_datum_shift
from geoapp.errors import GeoappError, Invalid
from geoapp.ingest.fields import find_field
from geoapp.data.distinct import once_per_value
from geoapp.ingest.raw_layer_text import layer_control_characters
from geoapp.data.names import normalize_code, normalize_name
from geoapp.storage.base import BOUNDARY_COLUMNS, boundary_frame
from geoapp.ingest.report import (
    Check,
    Limits,
    capped,
    check_control_characters,
    check_size,
    Findings,
    text_value,
)
from geoapp.ingest.layer_files import GEOJSON, decode_text, format_of, Layer, open_source, pick_layer, read_layer

_DEFAULT_QUALITY = "as uploaded"
_COMMUNE_TYPES = (("thị trấn", "Thị trấn"), ("phường", "Phường"), ("xã", "Xã"))
_DISTRICT_PREFIX = re.compile(r"^(?:huyện|thành phố|thị xã|quận)\s+", re.IGNORECASE)


def check_boundaries(filename: str, raw: bytes, *, crs: str | None = None, encoding: str = "auto",
                     code_field: str | None = None, name_field: str | None = None, layer: str | None = None,
                     district: str | None = None, published=None, limits: Limits = Limits(),
                     confirm: str | None = None, province: dict | None = None) -> Check:
    """Read and check an uploaded boundary layer; return the merged layer to publish and the report.

    With `province` ({province_code, province_name}) the layer is a whole edition without
    districts (province → commune): it replaces the edition's published units (`published`,
    None for a new edition) and is checked against the province instead of districts.
    """
    found = Findings(filename=str(filename))
    frame = None
    try:
        if encoding not in legacy_encoding.CHOICES:
            raise Invalid("upload_encoding_unknown", encoding=encoding, choices=list(legacy_encoding.CHOICES))
        check_size(raw, limits)
        fmt = format_of(filename, raw)
        found.report["format"] = fmt
        with tempfile.TemporaryDirectory(prefix="geoapp-upload-") as tmp:
            source = open_source(fmt, raw, Path(tmp), limits)
            if fmt == GEOJSON:
                _check_raw_control_characters(geojson_control_characters(raw))
            name = pick_layer(source, layer)
            found.report["layer"] = name
            read = read_layer(source, name, Path(tmp), limits)
            _check_raw_control_characters(layer_control_characters(read))
        decode_text(read, encoding, found)
        frame = _check_layer(read, found, crs=crs, code_field=code_field, name_field=name_field,
                             district=district, published=published, confirm=confirm, province=province)
        if frame is not None:
            scope = frame if province else frame[frame["district_code"].isin(found.report.get("scope", []))]
            confirmable.check_changes(published, scope, found.report.get("invalid", []), found,
                                      tolerance_pct=limits.max_area_change_pct, confirm=confirm)
    except GeoappError as exc:
        found.error(exc.key, **exc.params)
    return found.check("boundaries", frame)


def _check_raw_control_characters(hits: list[dict]) -> None:
    if hits:
        raise Invalid("upload_control_characters_features", count=len(hits),
                      features=capped(f"#{h['feature']} {h['field']}: {h['value']}" for h in hits))


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


def _fields(frame: gpd.GeoDataFrame, code_field, name_field, found: Findings) -> _Fields:
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


def _check_layer(layer: Layer, found: Findings, *, crs, code_field, name_field, district, published, confirm=None,
                 province=None):
    """Run every check on a decoded layer; return the merged frame (meaningful only without errors)."""
    frame = layer.frame
    found.report["feature_count"] = len(frame)
    fields = _fields(frame, code_field, name_field, found)
    geoms = _check_geometries(frame, fields, found)
    codes = _check_codes(frame, fields, found)
    names = _names(frame, fields, codes, published, found)
    _check_markup(frame, found)
    check_control_characters(frame, found)
    wgs84 = _to_wgs84(gpd.GeoDataFrame(geometry=geoms, crs=frame.crs), layer, crs, found)
    if any(i.key == "upload_crs_outside" for i in found.issues):
        location.suggest_preset_for_area(geoms, found, district=district, crs_option=crs)
    if wgs84 is None or found.failed:
        return None
    if province:
        return _check_edition_units(frame, fields, codes, names, wgs84, published, province, found)
    units = _units(frame, fields, codes, names, wgs84, published, district, found)
    if found.failed:
        return None
    location.check_location(units, found, published=published, source_geoms=geoms, crs_option=crs,
                            confirm=confirm)
    return _merge_boundaries(units, published, found)


def _label(frame, fields: _Fields, i: int) -> str:
    code = frame[fields.code].iloc[i]
    name = frame[fields.name].iloc[i] if fields.name else None
    parts = [str(v) for v in (code, name) if v is not None and not (isinstance(v, float) and math.isnan(v))]
    return " ".join(parts) or f"#{i + 1}"


def _check_geometries(frame: gpd.GeoDataFrame, fields: _Fields, found: Findings) -> np.ndarray:
    """Check types and emptiness, repair invalid polygons; return the geometries (2D)."""
    geoms = np.array([None if g is None else shapely.force_2d(g) for g in frame.geometry.values], dtype=object)
    found.report["geometry_types"] = validate.geometry_types(geoms)
    other = {t: n for t, n in found.report["geometry_types"].items() if t not in validate.POLYGONAL and t != "missing"}
    if other:
        found.error("upload_not_polygons", types=[f"{t}: {n}" for t, n in other.items()])
    empty = validate.empty_rows(geoms)
    found.report["empty"] = [{"feature": i + 1, "unit": _label(frame, fields, i)} for i in empty]
    if empty:
        found.error("upload_empty_geometry", count=len(empty), units=capped(_label(frame, fields, i) for i in empty))
    geoms, repairs = validate.repair(geoms)
    found.report["invalid"] = [
        {"code": text_value(frame[fields.code].iloc[r["position"]]),
         "name": text_value(frame[fields.name].iloc[r["position"]]) if fields.name else "",
         **{k: v for k, v in r.items() if k != "position"}}
        for r in repairs
    ]
    if repairs:
        found.warning("upload_invalid_repaired", count=len(repairs),
                      units=capped(_label(frame, fields, r["position"]) for r in repairs))
    failed = [r["position"] for r in repairs if r["result_empty"]]
    if failed:
        found.error("upload_repair_failed", units=capped(_label(frame, fields, i) for i in failed))
    return geoms


def _check_codes(frame, fields: _Fields, found: Findings) -> list[str | None]:
    codes, problems = validate.code_problems(frame[fields.code].tolist())
    found.report["codes"] = {
        "missing": [p + 1 for p in problems["missing"]],
        "malformed": [{"feature": p["position"] + 1, "value": p["value"]} for p in problems["malformed"]],
        "duplicate": problems["duplicate"],
    }
    if problems["missing"]:
        found.error("upload_code_missing", count=len(problems["missing"]), rows=capped(p + 1 for p in problems["missing"]))
    if problems["malformed"]:
        found.error("upload_code_malformed", count=len(problems["malformed"]),
                    values=capped(p["value"] for p in problems["malformed"]))
    if problems["duplicate"]:
        found.error("upload_code_duplicate", count=len(problems["duplicate"]), codes=capped(problems["duplicate"]))
    return codes


def _column_texts(frame, col: str | None) -> list[str]:
    """Return a column's values as clean text, one per feature ("" for every feature when there is no column)."""
    if not col:
        return [""] * len(frame)
    return once_per_value(frame[col], text_value).tolist()


def _names(frame, fields: _Fields, codes, published, found: Findings) -> list[str]:
    """Return the unit names (from the file, else the published layer) and list them normalised."""
    known = _published_by_code(published)
    known_names = dict(zip(known.index, known["commune_name"]))
    names = []
    for name, code in zip(_column_texts(frame, fields.name), codes):
        if not name and code in known_names:
            name = text_value(known_names[code])
        names.append(name)
    normalized = once_per_value(pd.Series(names, dtype=object), normalize_name).tolist()
    found.report["names"] = [{"code": c, "name": n, "normalized": k} for c, n, k in zip(codes, names, normalized)]
    unnamed = [c or f"#{i + 1}" for i, (c, n) in enumerate(zip(codes, names)) if not n]
    if unnamed:
        found.error("upload_name_missing", count=len(unnamed), codes=capped(unnamed))
    return names


def _published_by_code(published) -> pd.DataFrame:
    if published is None or len(published) == 0:
        return pd.DataFrame(columns=BOUNDARY_COLUMNS).set_index("commune_code", drop=False)
    return pd.DataFrame(published).drop_duplicates("commune_code").set_index("commune_code", drop=False)


def _check_markup(frame, found: Findings) -> None:
    hits = validate.markup(frame)
    found.report["markup"] = [{"feature": h["position"] + 1, "field": h["field"], "value": h["value"]} for h in hits]
    if hits:
        found.warning("upload_markup", count=len(hits), values=capped(h["value"][:80] for h in hits))


def _to_wgs84(geoms: gpd.GeoDataFrame, layer: Layer, crs_option: str | None, found: Findings):
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
        found.error("upload_crs_missing", presets=list(CRS_PRESETS),
                    preset_names={"vi": preset_names("vi"), "en": preset_names("en")})
        return None
    else:
        origin = "file"
    shifted, note = with_datum_shift(source)
    if note == "added":
        found.info("upload_crs_datum_added", crs=label(source))
    elif note == "missing":
        found.warning("upload_crs_datum_missing", crs=label(source))
    found.report["crs"] = {"source": label(source), "from": origin, "stored": "EPSG:4326"}
    if crs_option and crs_option in CRS_PRESETS:
        found.report["crs"]["preset"] = crs_option
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


def _file_crs(layer: Layer, crs, bounds) -> CRS | None:
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


def _units(frame, fields: _Fields, codes, names, wgs84, published, district, found: Findings) -> gpd.GeoDataFrame:
    """Return the uploaded units with the stored columns, filling gaps from the published layer."""
    known = _published_by_code(published)
    districts, district_names = _district_lookup(published)
    default_province = next(iter(districts.values()), None)

    texts = {role: _column_texts(frame, getattr(fields, role)) for role in (
        "district_code", "district_name", "commune_type", "province_code", "province_name", "boundary_quality")}

    def column(role: str, i: int) -> str:
        return texts[role][i]

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
        old_type = text_value(known.at[code, "commune_type"]) if code in known.index else ""
        rows.append({
            "commune_code": code,
            "commune_name": name,
            "commune_type": column("commune_type", i) or _commune_type(name) or old_type,
            "district_code": str(dcode) if dcode else "",
            "district_name": dname or (text_value(ref["district_name"]) if ref is not None else ""),
            "province_code": column("province_code", i) or (text_value(province["province_code"]) if province is not None else ""),
            "province_name": column("province_name", i) or (text_value(province["province_name"]) if province is not None else ""),
            "boundary_quality": column("boundary_quality", i) or _DEFAULT_QUALITY,
        })
    if malformed:
        found.error("upload_district_malformed", values=capped(sorted(set(malformed))))
    if unknown:
        found.error("upload_district_unknown", count=len(unknown), codes=capped(unknown))
    units = gpd.GeoDataFrame(pd.DataFrame(rows, columns=BOUNDARY_COLUMNS), geometry=wgs84.geometry.values, crs=4326)
    nameless = sorted({r["district_code"] for r in rows if r["district_code"] and not r["district_name"]})
    if nameless:
        found.warning("upload_district_name_missing", districts=nameless)
    return units


def _check_edition_units(frame, fields: _Fields, codes, names, wgs84, published, province: dict,
                         found: Findings) -> gpd.GeoDataFrame | None:
    """Check a whole edition without districts: units in the province, the layer replacing the edition's."""
    known = _published_by_code(published)
    texts = {role: _column_texts(frame, getattr(fields, role))
             for role in ("commune_type", "province_code", "province_name", "boundary_quality")}
    rows = []
    for i, (code, name) in enumerate(zip(codes, names)):
        old_type = text_value(known.at[code, "commune_type"]) if code in known.index else ""
        rows.append({
            "commune_code": code, "commune_name": name,
            "commune_type": texts["commune_type"][i] or _commune_type(name) or old_type,
            "district_code": "", "district_name": "",
            "province_code": texts["province_code"][i] or text_value(province.get("province_code")),
            "province_name": texts["province_name"][i] or text_value(province.get("province_name")),
            "boundary_quality": texts["boundary_quality"][i] or _DEFAULT_QUALITY,
        })
    units = gpd.GeoDataFrame(pd.DataFrame(rows, columns=BOUNDARY_COLUMNS), geometry=wgs84.geometry.values, crs=4326)
    others = sorted({r["province_code"] for r in rows} - {text_value(province.get("province_code"))})
    if others:
        found.error("upload_edition_other_province", provinces=capped(others),
                    province=text_value(province.get("province_name")))
    location.check_in_province(units, found)
    if found.failed:
        return None
    return _replace_edition(units, published, found)


def _no_units() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(pd.DataFrame(columns=BOUNDARY_COLUMNS), geometry=[], crs=4326)


def _report_diff(old: gpd.GeoDataFrame, units: gpd.GeoDataFrame, found: Findings) -> dict:
    """Report the units added, removed, renamed and reshaped from `old` to `units`; return the diff."""
    changes = validate.diff(old, units)
    found.report["diff"] = changes
    found.info("upload_diff_summary", added=len(changes["added"]), removed=len(changes["removed"]),
               renamed=len(changes["renamed"]), reshaped=len(changes["geometry_changed"]),
               unchanged=len(changes["geometry_unchanged"]))
    return changes


def _replace_edition(units: gpd.GeoDataFrame, published, found: Findings) -> gpd.GeoDataFrame:
    """Replace every published unit of an edition; report the diff and the coverage of the whole layer."""
    old = (boundary_frame(published) if published is not None and len(published)
           else _no_units())
    found.report["scope"] = ["*"]
    changes = _report_diff(old, units, found)
    units = _keep_unchanged_geometry(units, old, changes["geometry_unchanged"])
    units = gpd.GeoDataFrame(units.sort_values("commune_code", kind="stable").reset_index(drop=True),
                             geometry="geometry", crs=4326)
    _report_coverage(units, np.ones(len(units), dtype=bool), found)
    found.report["merged_count"] = len(units)
    return boundary_frame(units)


def _merge_boundaries(units: gpd.GeoDataFrame, published, found: Findings) -> gpd.GeoDataFrame:
    """Replace the published units of the uploaded districts; report the scope, diff and coverage."""
    scope = sorted(set(units["district_code"]))
    found.report["scope"] = scope
    if published is None or len(published) == 0:
        old = _no_units()
        kept = old
    else:
        old_all = boundary_frame(published)
        in_scope = old_all["district_code"].isin(scope).to_numpy()
        old = old_all[in_scope]
        moved = old_all[~in_scope & old_all["commune_code"].isin(units["commune_code"]).to_numpy()]
        if len(moved):
            found.warning("upload_units_moved", count=len(moved), codes=capped(moved["commune_code"]))
        kept = old_all[~in_scope & ~old_all["commune_code"].isin(units["commune_code"]).to_numpy()]
    changes = _report_diff(old, units, found)
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


def _report_coverage(merged: gpd.GeoDataFrame, focus: np.ndarray, found: Findings) -> None:
    report = validate.coverage(merged, focus)
    found.report["coverage"] = report
    if report["invalid_edges"]:
        found.warning("upload_coverage_edges", count=len(report["invalid_edges"]),
                      units=capped(f"{e['code']} {e['name']}" for e in report["invalid_edges"]))
    if report["overlaps"]:
        found.warning("upload_overlaps", count=len(report["overlaps"]),
                      area_m2=round(sum(o["area_m2"] for o in report["overlaps"]), 1),
                      pairs=capped(" / ".join(o["codes"]) for o in report["overlaps"]))
    if report["gaps"]:
        found.warning("upload_gaps", count=len(report["gaps"]), area_m2=round(sum(g["area_m2"] for g in report["gaps"]), 1),
                      units=capped(sorted({c for g in report["gaps"] for c in g["neighbours"]})))
