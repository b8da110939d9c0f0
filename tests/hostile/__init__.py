"""The standing corpus of hostile uploads: small files, and generators that build a file from the shipped layer.

Every file here is listed in README.md (file | what it tries | expected outcome).
A generator `<case>.py` has FILENAME, KIND, OPTIONS, EXPECTED (error keys; empty when the
upload is accepted) and build(published) -> bytes. A static file is described by STATIC.
"""

from __future__ import annotations

import importlib
import json
import warnings
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd

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
              "badinh_shifted_40km", "junk_200kb")


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
