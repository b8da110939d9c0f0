"""Build a new edition's polygons and weighted crosswalk from the old edition and the checked crosswalk.

Rule for rows that fail the check: a row with an error is left out, with a visible warning
and its reason kept in the weighted crosswalk (status "excluded"). An old unit that loses a
row is divided among its remaining new units (or goes whole to the one left). The build
stops (BuildStopped) when an error cannot be fixed by leaving rows out: an old unit with
no usable row left, a new unit with no part left, or a unit-level error.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geoapp.editions.check import CheckReport, Finding, check_crosswalk
from geoapp.editions.crosswalk import (
    EXCLUDED,
    CrosswalkRow,
    change_types,
    read_source_crosswalk,
    write_weighted,
)
from geoapp.editions.model import Registry, unit_id
from geoapp.editions.parts import area_km2
from geoapp.storage.base import BOUNDARY_COLUMNS

DERIVED_QUALITY = "derived"  # boundary_quality of units dissolved from approximate polygons
MAX_PASSES = 5


class BuildStopped(Exception):
    """The crosswalk has errors that leaving rows out cannot fix."""

    def __init__(self, report: CheckReport, findings: list[Finding]) -> None:
        self.report = report
        self.findings = findings
        super().__init__("; ".join(f.message("en") for f in findings))


@dataclass
class BuildResult:
    rows: list[CrosswalkRow]
    boundaries: gpd.GeoDataFrame
    report: CheckReport  # the check of the rows used
    first_report: CheckReport  # the check of the crosswalk as given
    excluded: dict[int, list[Finding]]  # file line -> the errors that left the row out


def read_edition_boundaries(registry: Registry, edition: str) -> gpd.GeoDataFrame:
    """Read an edition's shipped polygons (attributes as text)."""
    frame = gpd.read_file(registry.path(registry.get(edition).boundaries_file), engine="pyogrio")
    for col in frame.columns.drop("geometry"):
        frame[col] = frame[col].astype("string").fillna("").astype(str)
    return frame


def read_new_units(path: str | Path) -> pd.DataFrame:
    """Read a new edition's unit table (code, name, type, reference point lat/lon, listed area)."""
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _reason(findings: list[Finding]) -> str:
    return " ".join(f.message("en") for f in findings)


def select_rows(pairs: pd.DataFrame, old_units, new_units) -> tuple[pd.DataFrame, CheckReport, CheckReport, dict]:
    """Leave out failing rows until the check passes; return (used rows, last report, first report, excluded)."""
    pairs = pairs.reset_index(drop=True)
    pairs["line"] = range(2, len(pairs) + 2)
    used = pairs
    excluded: dict[int, list[Finding]] = {}
    first = None
    for _ in range(MAX_PASSES):
        report = check_crosswalk(used.drop(columns="line"), old_units, new_units)
        first = first or report
        lines = dict(zip(range(2, len(used) + 2), used["line"]))
        errors = report.errors
        if not errors:
            return used.drop(columns="line").reset_index(drop=True), report, first, excluded
        unit_errors = [f for f in errors if f.line is None]
        if unit_errors:
            raise BuildStopped(report, unit_errors)
        for finding in errors:
            excluded.setdefault(lines[finding.line], []).append(finding)
        used = used[~used["line"].isin(excluded)]
    raise BuildStopped(report, report.errors)


def new_boundaries(new_units: pd.DataFrame, report: CheckReport, pairs: pd.DataFrame,
                   old_units: gpd.GeoDataFrame, edition: str) -> gpd.GeoDataFrame:
    """Return the new edition's polygons: the dissolved parts, with the stored columns and their parts."""
    province = old_units[["province_code", "province_name"]].iloc[0]
    districts = dict(zip(old_units["commune_code"], old_units["district_code"]))
    records = []
    for _, unit in new_units.iterrows():
        code = unit["commune_code"]
        geom = report.dissolved[code]
        parts = pairs.loc[pairs["new_code"] == code, "old_code"].tolist()
        records.append({
            "commune_code": code,
            "commune_name": unit["commune_name"],
            "commune_type": unit["commune_type"],
            "district_code": None,
            "district_name": None,
            "province_code": province["province_code"],
            "province_name": province["province_name"],
            "boundary_quality": DERIVED_QUALITY,
            "edition": edition,
            "unit_id": unit_id(edition, code),
            "predecessors": " ".join(parts),
            "former_districts": " ".join(sorted({districts[p] for p in parts if p in districts})),
            "area_km2": round(area_km2(geom), 3),
            "geometry": geom,
        })
    columns = BOUNDARY_COLUMNS + ["edition", "unit_id", "predecessors", "former_districts", "area_km2", "geometry"]
    return gpd.GeoDataFrame(records, columns=columns, geometry="geometry", crs=4326)


def crosswalk_rows(source: pd.DataFrame, used: pd.DataFrame, report: CheckReport, excluded: dict) -> list[CrosswalkRow]:
    """Return every source row typed: used rows with change type and share, left-out rows with their reason."""
    parts = report.parts.set_index(["old_code", "new_code"])
    kinds = dict(zip(zip(used["old_code"], used["new_code"]), change_types(used)))
    rows = []
    for line, (_, row) in enumerate(source.iterrows(), start=2):
        key = (row["old_code"], row["new_code"])
        common = {"old_code": row["old_code"], "old_name": row["old_name"], "old_district": row["old_district"],
                  "new_code": row["new_code"], "new_name": row["new_name"]}
        if line in excluded:
            rows.append(CrosswalkRow(**common, change="", share=0.0, area_km2=0.0, method="",
                                     status=EXCLUDED, reason=_reason(excluded[line])))
            continue
        part = parts.loc[key]
        rows.append(CrosswalkRow(**common, change=kinds[key], share=float(part["share"]),
                                 area_km2=float(part["area_km2"]), method=part["method"]))
    return rows


def build_edition(registry: Registry, from_edition: str, to_edition: str) -> BuildResult:
    """Check the crosswalk between two editions and build the new edition's polygons and weighted rows."""
    files = registry.crosswalk(from_edition, to_edition)
    old_units = read_edition_boundaries(registry, from_edition)
    new_units = read_new_units(registry.path(registry.get(to_edition).units_file))
    source = read_source_crosswalk(registry.path(files.source))
    used, report, first, excluded = select_rows(source, old_units, new_units)
    rows = crosswalk_rows(source, used, report, excluded)
    boundaries = new_boundaries(new_units, report, used, old_units, to_edition)
    return BuildResult(rows, boundaries, report, first, excluded)


def write_boundaries(frame: gpd.GeoDataFrame, path: str | Path) -> None:
    """Write edition polygons as GeoJSON with 6-decimal coordinates (about 0.1 m)."""
    path = Path(path)
    if path.exists():
        path.unlink()
    frame.to_file(path, driver="GeoJSON", engine="pyogrio", layer_options={"COORDINATE_PRECISION": "6"})


def write_build(result: BuildResult, registry: Registry, from_edition: str, to_edition: str,
                out_dir: str | Path | None = None) -> list[Path]:
    """Write the new edition's polygons and the weighted crosswalk; return the paths written."""
    out = Path(out_dir) if out_dir else registry.geodata_dir
    out.mkdir(parents=True, exist_ok=True)
    files = registry.crosswalk(from_edition, to_edition)
    boundaries = out / registry.get(to_edition).boundaries_file
    weighted = out / files.weighted
    write_boundaries(result.boundaries, boundaries)
    write_weighted(result.rows, weighted)
    return [boundaries, weighted]
