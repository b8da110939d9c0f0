"""A map preview of an uploaded boundary layer: its units, with the problems the check found highlighted."""

from __future__ import annotations

import json

import shapely

PREVIEW_DECIMALS = 5


def _point(at, kind: str, area_m2: float, label: str) -> dict:
    return {
        "type": "Feature",
        "properties": {"problem": kind, "area_m2": area_m2, "label": label},
        "geometry": {"type": "Point", "coordinates": [float(at[0]), float(at[1])]},
    }


def preview_geojson(check) -> str | None:
    """Return GeoJSON text of a boundary check's units in its scope (problem: "invalid" or ""),
    plus overlaps and gaps as points; None when the check produced no layer."""
    frame = check.layer
    if frame is None or check.kind != "boundaries" or len(frame) == 0:
        return None
    report = check.report
    scope = set(report.get("scope") or [])
    invalid = {str(r.get("code")) for r in report.get("invalid") or []}
    units = frame[frame["district_code"].isin(scope)] if scope else frame
    geoms = shapely.set_precision(units.geometry.values, 10.0**-PREVIEW_DECIMALS)
    features = []
    for code, name, geom in zip(units["commune_code"], units["commune_name"], geoms):
        if geom is None or geom.is_empty:
            continue
        features.append({
            "type": "Feature",
            "properties": {"code": str(code), "name": str(name), "problem": "invalid" if str(code) in invalid else ""},
            "geometry": json.loads(shapely.to_geojson(geom)),
        })
    coverage = report.get("coverage") or {}
    for overlap in coverage.get("overlaps") or []:
        features.append(_point(overlap["at"], "overlap", overlap.get("area_m2", 0), " / ".join(overlap.get("names", []))))
    for gap in coverage.get("gaps") or []:
        features.append(_point(gap["at"], "gap", gap.get("area_m2", 0), ", ".join(gap.get("neighbours", []))))
    text = json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")  # safe inside <script>
