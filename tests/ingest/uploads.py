"""Helpers of the upload-check tests: files built from the shipped layer, and assertions on checks."""

from __future__ import annotations

import io
import json
import warnings
import zipfile

import geopandas as gpd
import pyogrio
import shapely
from pyproj import Geod

from geoapp.config import GEODATA_DIR
from geoapp.ingest import Check

CAO_LOC = "183"
GEOD = Geod(ellps="WGS84")
SHIPPED = GEODATA_DIR / "communes_2021_approx.geojson"
# TCVN3 and VNI surfaces (bytes read as Latin-1) of the Cao Lộc commune names, from the standard tables.
TCVN3_NAMES = {"06202": "X· XuÊt LÔ", "06184": "ThÞ trÊn §ång §¨ng", "06223": "X· Hßa C\xad"}
VNI_NAMES = {"06202": "Xaõ Xuaát Leã", "06184": "Thò traán Ñoàng Ñaêng", "06223": "Xaõ Hoøa Cö"}


def geojson(frame: gpd.GeoDataFrame, crs_member: bool = True) -> bytes:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a CRS without a URN is written without a "crs" member
        data = json.loads(frame.to_json(drop_id=True))
    if not crs_member:
        data.pop("crs", None)
    return json.dumps(data, ensure_ascii=False).encode("utf-8")


def shapefile_zip(frame: gpd.GeoDataFrame, folder, *, drop=(), encoding="UTF-8", extra: dict | None = None) -> bytes:
    """Write `frame` as a Shapefile with pyogrio and zip its parts (minus the suffixes in `drop`)."""
    folder.mkdir(parents=True, exist_ok=True)
    pyogrio.write_dataframe(frame, folder / "communes.shp", encoding=encoding)
    return zip_folder(folder, drop=drop, extra=extra)


def zip_folder(folder, *, drop=(), extra: dict | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(folder.iterdir()):
            if path.suffix.lower() not in drop:
                zf.write(path, path.name)
        for name, data in (extra or {}).items():
            zf.writestr(zipfile.ZipInfo(name), data, compress_type=zipfile.ZIP_DEFLATED)
    return buf.getvalue()


def keys(check: Check, level: str = "error") -> list[str]:
    return [i.key for i in check.issues if i.level == level]


def only_error(check: Check, key: str):
    """Assert the check failed with exactly this error and returned no frame; return the issue."""
    assert check.frame is None and not check.ok
    assert keys(check) == [key], [i.message("en") for i in check.errors]
    issue = check.errors[0]
    assert issue.message("vi") and issue.message("en") and issue.message("vi") != issue.message("en")
    return issue


def swap_xy(geom):
    return shapely.transform(geom, lambda xy: xy[:, ::-1])


def legacy_layer(cao_loc, names: dict[str, str]) -> gpd.GeoDataFrame:
    """Communes of Cao Lộc named in legacy-encoded text, in a DBF schema of their own."""
    rows = cao_loc[cao_loc["commune_code"].isin(list(names))].reset_index(drop=True)
    return gpd.GeoDataFrame(
        {"MA_XA": rows["commune_code"], "TEN_XA": rows["commune_code"].map(names), "MA_HUYEN": CAO_LOC},
        geometry=rows.geometry, crs=4326,
    )

