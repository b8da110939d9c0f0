"""GDAL's OGC API – Features driver (OAPIF) against a live server, on both storage backends.

ogrinfo/ogr2ogr are Debian's gdal-bin (scripts/install-system-deps.sh); the server-side CRS
(Part 2, open option CRS=) is read with the GDAL that pyogrio ships, which has that option.
"""

from __future__ import annotations

import os
import subprocess
import sys

import geopandas as gpd
import pyogrio
import pytest
import shapely

from tests.ogcapi.conftest import API, published_communes

TM3 = "EPSG:9215"  # VN-2000 / TM-3 107-15, the provincial zone of Lạng Sơn


def gdal(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run a GDAL command-line tool; fail the test with its output if it fails."""
    result = subprocess.run(args, capture_output=True, text=True, timeout=120,
                            env={**os.environ, "CPL_DEBUG": "OFF", **(env or {})})
    assert result.returncode == 0, result.stderr + result.stdout
    return result


def copy_to_gpkg(url: str, collection: str, target, *extra: str, env: dict | None = None):
    """ogr2ogr one collection into a GeoPackage and read it back."""
    gdal("ogr2ogr", "-f", "GPKG", str(target), f"OAPIF:{url}{API}", collection,
         "-nlt", "PROMOTE_TO_MULTI", *extra, env=env)
    return gpd.read_file(target, layer=collection)


def max_distance_m(copied: gpd.GeoDataFrame, published: gpd.GeoDataFrame) -> float:
    """Return the largest Hausdorff distance in metres (EPSG:9215) between matching communes."""
    a = copied.to_crs(TM3).set_index("commune_code").geometry
    b = published.to_crs(TM3).set_index("commune_code").geometry
    assert sorted(a.index) == sorted(b.index)
    return max(shapely.hausdorff_distance(a[code], b[code]) for code in b.index)


def test_ogrinfo_lists_the_collections(backend_server):
    out = gdal("ogrinfo", "-ro", "-q", f"OAPIF:{backend_server.url}{API}").stdout
    for collection in ("communes-2021", "districts-2021", "indicators-2021"):
        assert collection in out
    summary = gdal("ogrinfo", "-ro", "-so", f"OAPIF:{backend_server.url}{API}", "communes-2021").stdout
    assert "Feature Count: 194" in summary


def test_ogr2ogr_copies_the_communes_in_crs84(backend_server, backend_app, tmp_path):
    copied = copy_to_gpkg(backend_server.url, "communes-2021", tmp_path / "communes.gpkg")
    published = published_communes(backend_app)
    assert len(copied) == len(published) == 194
    assert copied.crs.to_epsg() == 4326
    assert sorted(copied["id"]) == sorted("2021-" + published["commune_code"])
    assert max_distance_m(copied, published) < 1.0


def test_ogr2ogr_copies_the_indicators_into_the_lang_son_tm3_zone(backend_server, backend_app, tmp_path):
    copied = copy_to_gpkg(backend_server.url, "indicators-2021", tmp_path / "indicators.gpkg", "-t_srs", TM3)
    published = published_communes(backend_app)
    assert copied.crs.to_epsg() == 9215
    assert len(copied) == 194
    assert max_distance_m(copied, published) < 1.0
    assert {"ntm_level_2021", "ntm_level_2021_status"} <= set(copied.columns)


def read_with_pyogrio(url: str, layer: str, target, **open_options: str) -> gpd.GeoDataFrame:
    """Copy a layer with pyogrio's GDAL in another process (it keeps the GIL while it waits for
    the live server, which runs in this process) and read the copy back."""
    script = (
        "import sys, pyogrio\n"
        "frame = pyogrio.read_dataframe(sys.argv[1], layer=sys.argv[2], **dict(a.split('=', 1) for a in sys.argv[4:]))\n"
        "pyogrio.write_dataframe(frame, sys.argv[3], layer=sys.argv[2], driver='GPKG', promote_to_multi=True)\n"
    )
    options = [f"{key}={value}" for key, value in open_options.items()]
    result = subprocess.run([sys.executable, "-c", script, url, layer, str(target), *options],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return gpd.read_file(target, layer=layer)


def test_gdal_asks_the_server_for_epsg_9215(backend_server, backend_app, tmp_path):
    """The OAPIF driver's CRS open option makes the server transform (crs=... in each request)."""
    assert pyogrio.__gdal_version__ >= (3, 7, 0)  # the OAPIF CRS open option
    url = f"OAPIF:{backend_server.url}{API}"
    served = read_with_pyogrio(url, "communes-2021", tmp_path / "served.gpkg", CRS=TM3)
    published = published_communes(backend_app)
    assert served.crs.to_epsg() == 9215
    assert len(served) == 194
    assert served.total_bounds[0] > 100_000  # eastings in metres, not degrees
    assert max_distance_m(served, published) < 1.0


@pytest.mark.parametrize("collection, count", [("districts-2021", 11), ("indicators-2021", 194)])
def test_ogr2ogr_feature_counts_of_the_other_collections(backend_server, tmp_path, collection, count):
    copied = copy_to_gpkg(backend_server.url, collection, tmp_path / f"{collection}.gpkg")
    assert len(copied) == count
