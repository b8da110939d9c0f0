"""The dry run of a new boundary edition: its layer (province → commune) and its crosswalk from the previous edition.

GIS staff add an edition (e.g. "2027") as data: a boundary layer without districts and a
crosswalk CSV (old code, new code, optionally change type and share). The layer is checked
against the province (codes, geometry, coverage, location); the crosswalk is checked by the
crosswalk check (geoapp.editions.check) against the previous edition's published polygons,
with the uploaded polygons as the new units. Missing shares are computed in the equal-area
projection from the overlap of each old unit with its new units. Every finding goes into the
one report; a passed check carries the edition's record (description and weighted crosswalk)
that publishing stores with the layer.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import asdict

import geopandas as gpd
import pandas as pd
import shapely

from geoapp.data.names import normalize_code
from geoapp.editions.check import ERROR, WARNING, Finding, check_crosswalk
from geoapp.editions.crosswalk import WHOLE, CrosswalkRow, change_types, CHANGE_TYPES
from geoapp.editions.model import Registry, load_registry
from geoapp.editions.parts import area_km2, distance_km, to_equal_area
from geoapp.errors import GeoappError, Invalid
from geoapp.i18n import translate
from geoapp.ingest.layer_check import check_boundaries
from geoapp.ingest.report import ERROR as ISSUE_ERROR
from geoapp.ingest.report import Check, Issue, Limits
from geoapp.storage.base import edition_kind

LAYER_OPTIONS = ("crs", "encoding", "code_field", "name_field", "layer", "confirm")
EDITION_OPTIONS = ("edition", "valid_from", "previous", "title_vi", "title_en", "crosswalk", "crosswalk_name")
OPTIONS = LAYER_OPTIONS + EDITION_OPTIONS
LEVELS = ("province", "commune")
MAX_CROSSWALK_CHARS = 2_000_000
OVERLAY = "overlay"  # share computed from the uploaded polygons' overlap
GIVEN = "given"  # share given in the crosswalk file
MIN_OVERLAP = 0.02  # an old unit must have at least this share of its area inside the new unit it goes to
CHANGE_COLUMNS = ("change", "change_type", "type")
SHARE_COLUMNS = ("share", "weight", "area_share")


def parse_day(text: str) -> dt.date:
    """Return a date written yyyy-mm-dd or dd/mm/yyyy; Invalid otherwise."""
    text = (text or "").strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise Invalid("edition_valid_from_invalid", value=text)


def base_kind(options: dict) -> str:
    """Return the stored kind an edition upload publishes ("boundaries:2027")."""
    try:
        return edition_kind(str(options.get("edition") or "").strip() or "?")
    except ValueError:
        raise Invalid("edition_code_invalid", edition=str(options.get("edition") or "")) from None


def edition_plan(dataset, options: dict) -> dict:
    """Return the new edition's description from the upload options, or raise Invalid.

    The code must be new or an edition added earlier by upload (shipped editions are built by
    code); the previous edition (default: the one in force last) must be published; the new
    edition must start after it.
    """
    code = str(options.get("edition") or "").strip()
    kind = base_kind(options)
    shipped: Registry = load_registry(dataset.geodata_dir)
    if code in shipped.editions:
        raise Invalid("edition_shipped", edition=code)
    registry = dataset.registry
    earlier = registry.editions.get(code)
    previous = (str(options.get("previous") or "").strip()
                or (earlier.previous if earlier is not None else None)
                or max((e for e in registry.editions.values() if e.code != code),
                       key=lambda e: (e.valid_from or dt.date.min, e.code)).code)
    if previous == code or previous not in registry.editions:
        raise Invalid("edition_previous_unknown", previous=previous)
    dataset.units(previous)  # NotFound when it has no published units
    valid_from = parse_day(options.get("valid_from") or (earlier.valid_from.isoformat() if earlier and earlier.valid_from else ""))
    before = registry.get(previous).valid_from
    if before is not None and valid_from <= before:
        raise Invalid("edition_starts_too_early", edition=code, previous=previous, day=before.isoformat())
    when = {"vi": valid_from.strftime("%d/%m/%Y"), "en": f"{valid_from.day} {valid_from:%B} {valid_from.year}"}
    return {
        "code": code, "kind": kind, "previous": previous, "valid_from": valid_from.isoformat(), "valid_to": None,
        "levels": list(LEVELS),
        "vi": (options.get("title_vi") or "").strip() or translate("edition_default_title", "vi", day=when["vi"]),
        "en": (options.get("title_en") or "").strip() or translate("edition_default_title", "en", day=when["en"]),
    }


def read_crosswalk_text(text: str) -> pd.DataFrame:
    """Read an uploaded crosswalk CSV (old_code, new_code, optional change type and share); Invalid if unusable."""
    if not text or not text.strip():
        raise Invalid("edition_crosswalk_missing")
    if len(text) > MAX_CROSSWALK_CHARS:
        raise Invalid("edition_crosswalk_too_large", max_kb=MAX_CROSSWALK_CHARS // 1000)
    try:
        frame = pd.read_csv(io.StringIO(text.lstrip("\ufeff")), dtype=str, keep_default_na=False)
    except (ValueError, pd.errors.ParserError):
        raise Invalid("edition_crosswalk_unreadable") from None
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    missing = [c for c in ("old_code", "new_code") if c not in frame.columns]
    if missing:
        raise Invalid("edition_crosswalk_columns", columns=missing, found=list(frame.columns))
    for col in ("old_code", "new_code"):
        frame[col] = [normalize_code(c) or str(c).strip() for c in frame[col]]
    change = next((c for c in CHANGE_COLUMNS if c in frame.columns), None)
    frame["given_change"] = frame[change].str.strip().str.lower().str.replace("-", "_") if change else ""
    share = next((c for c in SHARE_COLUMNS if c in frame.columns), None)
    frame["given_share"] = frame[share].str.strip().str.replace(",", ".") if share else ""
    for col in ("old_name", "old_district", "new_name", "split"):
        if col not in frame:
            frame[col] = ""
    return frame[["old_code", "old_name", "old_district", "new_code", "new_name", "split", "given_change", "given_share"]]


def new_unit_table(units: gpd.GeoDataFrame) -> pd.DataFrame:
    """Return the uploaded units as the crosswalk check's new units: code, name, reference point, area."""
    points = [shapely.point_on_surface(g) for g in units.geometry]
    return pd.DataFrame({
        "commune_code": units["commune_code"].astype(str).tolist(),
        "commune_name": units["commune_name"].astype(str).tolist(),
        "lat": [p.y for p in points], "lon": [p.x for p in points],
        "area_km2": [area_km2(g) for g in units.geometry],
    })


def overlaps(pairs: pd.DataFrame, old_units: gpd.GeoDataFrame, new_units: gpd.GeoDataFrame) -> list[float]:
    """Return, per row, the share of the old unit's area inside the new unit (equal-area projection)."""
    old = {c: to_equal_area(g) for c, g in zip(old_units["commune_code"], old_units.geometry)}
    new = {c: to_equal_area(g) for c, g in zip(new_units["commune_code"], new_units.geometry)}
    out = []
    for o, n in zip(pairs["old_code"], pairs["new_code"]):
        a, b = old.get(o), new.get(n)
        out.append(float(a.intersection(b).area / a.area) if a is not None and b is not None and a.area > 0 else 0.0)
    return out


def weighted_pairs(pairs: pd.DataFrame, inside: list[float]) -> tuple[pd.DataFrame, list[str]]:
    """Return the pairs with a share per row (given, or computed from the overlaps) and each row's method.

    An old unit with one row goes whole (share 1). An old unit divided among several new
    units takes the shares given in the file when every row has one; otherwise each row's
    overlap with its new unit, scaled so that the old unit's shares sum to 1.
    """
    pairs = pairs.copy()
    pairs["overlap"] = inside
    fan_out = pairs.groupby("old_code")["new_code"].transform("nunique")
    given = pairs.groupby("old_code")["given_share"].transform(lambda s: (s != "").all())
    totals = pairs.groupby("old_code")["overlap"].transform("sum")
    shares, methods = [], []
    for n, has_share, text, overlap, total in zip(fan_out, given, pairs["given_share"], pairs["overlap"], totals):
        if n == 1 and not text:
            shares.append("1")
            methods.append(WHOLE)
        elif has_share:
            shares.append(text)
            methods.append(WHOLE if n == 1 else GIVEN)
        else:
            shares.append(f"{overlap / total:.6f}" if total > 0 else "0")
            methods.append(OVERLAY)
    pairs["share"] = shares
    return pairs, methods


def overlay_findings(pairs: pd.DataFrame, old_units, new_units) -> list[Finding]:
    """Return an error for each row whose old unit hardly overlaps its new unit, with the distance in km."""
    old = dict(zip(old_units["commune_code"], old_units.geometry))
    new = dict(zip(new_units["commune_code"], new_units.geometry))
    out = []
    for line, (o, n, inside) in enumerate(zip(pairs["old_code"], pairs["new_code"], pairs["overlap"]), start=2):
        if o in old and n in new and inside < MIN_OVERLAP:
            out.append(Finding(ERROR, "outside_new_unit", o, n, line, distance_km=distance_km(old[o], new[n]),
                               value=round(inside * 100, 1)))
    return out


def change_findings(pairs: pd.DataFrame, kinds: list[str]) -> list[Finding]:
    """Return a warning for each row whose given change type differs from the one its rows imply."""
    out = []
    for line, (o, n, given, kind) in enumerate(zip(pairs["old_code"], pairs["new_code"], pairs["given_change"], kinds),
                                               start=2):
        if given and given not in CHANGE_TYPES:
            out.append(Finding(ERROR, "unknown_change_type", o, n, line))
        elif given and given != kind and {given, kind} != {"unchanged", "renamed"}:
            out.append(Finding(WARNING, "change_type_differs", o, n, line))
    return out


def crosswalk_rows(pairs: pd.DataFrame, methods: list[str], kinds: list[str], old_units, new_units) -> list[dict]:
    """Return the weighted crosswalk rows to store with the edition (names from the editions' units)."""
    old = old_units.set_index("commune_code")
    new_names = dict(zip(new_units["commune_code"], new_units["commune_name"]))
    areas = {c: area_km2(g) for c, g in zip(old_units["commune_code"], old_units.geometry)}
    rows = []
    for (_, r), method, kind in zip(pairs.iterrows(), methods, kinds):
        share = float(r["share"])
        district = old.at[r["old_code"], "district_name"] if "district_name" in old else ""
        rows.append(asdict(CrosswalkRow(
            old_code=r["old_code"], old_name=str(old.at[r["old_code"], "commune_name"]),
            old_district="" if pd.isna(district) else str(district), new_code=r["new_code"],
            new_name=str(new_names[r["new_code"]]), change=kind, share=round(share, 6),
            area_km2=round(share * areas[r["old_code"]], 3), method=method)))
    return rows


def issue_of(finding: Finding) -> Issue:
    """Return a crosswalk finding as an issue of the upload report."""
    level = {"error": "error", "warning": "warning"}.get(finding.severity, "info")
    params = {"old": finding.old_code, "new": finding.new_code, "line": finding.line or "",
              "distance": round(finding.distance_km, 1) if finding.distance_km is not None else "",
              "value": finding.value if finding.value is not None else ""}
    return Issue(level, f"crosswalk_{finding.reason}", params)


def named(pairs: pd.DataFrame, old_units, new_units) -> pd.DataFrame:
    """Return the pairs with the editions' own unit names (a renamed unit is told by its names)."""
    old = dict(zip(old_units["commune_code"], old_units["commune_name"]))
    new = dict(zip(new_units["commune_code"], new_units["commune_name"]))
    return pairs.assign(old_name=[old.get(c, "") for c in pairs["old_code"]],
                        new_name=[new.get(c, "") for c in pairs["new_code"]])


def check_crosswalk_upload(pairs: pd.DataFrame, old_units: gpd.GeoDataFrame, new_units: gpd.GeoDataFrame):
    """Run the crosswalk check on an uploaded crosswalk; return (findings, weighted rows or None)."""
    inside = overlaps(pairs, old_units, new_units)
    weighted, methods = weighted_pairs(pairs, inside)
    report = check_crosswalk(weighted.drop(columns=["given_change", "given_share", "overlap"]), old_units,
                             new_unit_table(new_units))
    known = weighted["old_code"].isin(set(old_units["commune_code"])) & weighted["new_code"].isin(
        set(new_units["commune_code"]))
    kinds = change_types(named(weighted, old_units, new_units)) if len(weighted) else []
    findings = report.findings + overlay_findings(weighted, old_units, new_units) + change_findings(weighted, kinds)
    findings.sort(key=lambda f: (f.line is None, f.line or 0))
    if any(f.severity == ERROR for f in findings) or not known.all():
        return findings, None
    return findings, crosswalk_rows(weighted, methods, kinds, old_units, new_units)


def check_edition(dataset, filename: str, raw, options: dict, limits: Limits | None = None) -> Check:
    """Check a new edition's layer and crosswalk against the published data; the record rides in the report."""
    limits = limits or Limits()
    try:
        plan = edition_plan(dataset, options)
        pairs = read_crosswalk_text(options.get("crosswalk") or "")
    except GeoappError as exc:  # a bad code or date, an unpublished previous edition, an unusable crosswalk
        return Check("edition", None, [Issue(ISSUE_ERROR, exc.key, exc.params)], {"filename": str(filename)})
    code, previous = plan["code"], plan["previous"]
    published = dataset.units(code) if code in dataset.editions else None
    old_units = dataset.units(previous)
    province = old_units[["province_code", "province_name"]].iloc[0].to_dict()
    layer = check_boundaries(filename, raw, published=published, limits=limits, province=province,
                             **{k: options[k] for k in LAYER_OPTIONS if options.get(k)})
    report = dict(layer.report)
    report["edition"] = {k: plan[k] for k in ("code", "previous", "valid_from", "levels", "vi", "en")}
    issues = list(layer.issues)
    crosswalk = {"file": options.get("crosswalk_name") or "", "rows": len(pairs), "checked": False, "findings": []}
    if layer.frame is not None:
        findings, rows = check_crosswalk_upload(pairs, old_units, layer.frame)
        issues += [issue_of(f) for f in findings]
        crosswalk.update(checked=True, findings=[asdict(f) for f in findings],
                         counts={s: sum(f.severity == s for f in findings) for s in ("error", "warning", "note")})
        if rows is not None:
            report["edition_record"] = {**{k: v for k, v in plan.items() if k != "kind"}, "crosswalk": rows,
                                        "crosswalk_file": crosswalk["file"]}
            crosswalk["changes"] = {kind: sum(r["change"] == kind for r in rows) for kind in CHANGE_TYPES}
    else:
        issues.append(Issue("info", "edition_crosswalk_not_checked", {}))
    report["crosswalk"] = crosswalk
    frame = layer.frame if not any(i.level == ISSUE_ERROR for i in issues) else None
    return Check("edition", frame, issues, report)
