"""The control-character scan of GeoPackage and Shapefile text, against GDAL reading the same layer.

A synthetic national layer (10,000 communes) is written as a GeoPackage and as a Shapefile whose
.dbf pads its text with NULs (the slow case: every record holds NUL bytes). Ratios are scan time
over pyogrio.read_dataframe time, measured in the same run. Usage: python benchmarks/bench_raw_text.py
"""

from __future__ import annotations

import sys
import tempfile
import warnings
from pathlib import Path

import pyogrio

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.synthetic import synthetic_communes  # noqa: E402
from geoapp.ingest.raw_layer_text import dbf_control_characters, geopackage_control_characters  # noqa: E402
from tests.hostile import nul_padded  # noqa: E402
from benchmarks.timing import median_ms  # noqa: E402



def main(communes: int = 10_000) -> int:
    frame = synthetic_communes(communes, vertices=40)
    with tempfile.TemporaryDirectory() as tmp:
        gpkg, shp = Path(tmp) / "layer.gpkg", Path(tmp) / "layer.shp"
        pyogrio.write_dataframe(frame, gpkg, layer="layer")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pyogrio.write_dataframe(frame, shp, encoding="UTF-8")
        dbf = shp.with_suffix(".dbf")
        dbf.write_bytes(nul_padded(dbf.read_bytes()))
        rows = [
            ("GeoPackage", lambda: pyogrio.read_dataframe(gpkg), lambda: geopackage_control_characters(gpkg, "layer")),
            ("Shapefile, NUL-padded .dbf", lambda: pyogrio.read_dataframe(shp, encoding="latin1"),
             lambda: dbf_control_characters(dbf, "utf-8")),
        ]
        print(f"{communes} communes; median of 5 runs")
        print("| format | GDAL read (ms) | control-character scan (ms) | scan / read |")
        print("| --- | --- | --- | --- |")
        for name, read, scan in rows:
            assert scan() == []
            read_ms, scan_ms = median_ms(read), median_ms(scan)
            print(f"| {name} | {read_ms:.0f} | {scan_ms:.0f} | {scan_ms / read_ms:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main(*(int(a) for a in sys.argv[1:])))
