"""Boundary editions: time of the crosswalk check, the 2025 build and carrying the indicator table.

Ratios are against reading the 2021 polygons once, measured in the same run (the machine's
speed cancels out). Usage: python benchmarks/bench_editions.py
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from geoapp.catalog import load_catalog  # noqa: E402
from geoapp.config import GEODATA_DIR
from geoapp.data.dataset import read_default_indicators
from geoapp.editions.build import build_edition, read_edition_boundaries, read_new_units
from geoapp.editions.carry import carry_values
from geoapp.editions.check import check_crosswalk
from geoapp.editions.crosswalk import read_source_crosswalk
from geoapp.editions.lookup import carried_indicator, load_crosswalk
from geoapp.editions.model import load_registry
from benchmarks.timing import median_ms  # noqa: E402



def main(repeat: int = 3) -> None:
    registry = load_registry(GEODATA_DIR)
    old = read_edition_boundaries(registry, "2021")
    new = read_new_units(GEODATA_DIR / "communes_2025.csv")
    pairs = read_source_crosswalk(GEODATA_DIR / "crosswalk_2021_2025.csv")
    values = read_default_indicators(GEODATA_DIR)
    crosswalk = load_crosswalk(registry, "2021", "2025")
    catalog = load_catalog(GEODATA_DIR / "catalog.yaml")
    cases = {
        "read 2021 polygons (reference)": lambda: read_edition_boundaries(registry, "2021"),
        "crosswalk check (197 rows)": lambda: check_crosswalk(pairs, old, new),
        "build 2025 edition": lambda: build_edition(registry, "2021", "2025"),
        f"carry whole table ({len(values)} rows)": lambda: carry_values(values, crosswalk, catalog),
        "carry one indicator-year (share)": lambda: carried_indicator(values, crosswalk, catalog, "schools_standard_share", 2021),
    }
    results = {name: median_ms(fn, repeat) for name, fn in cases.items()}
    reference = results["read 2021 polygons (reference)"]
    print(f"{'step':40} {'median ms':>10} {'x reference':>12}")
    for name, ms in results.items():
        print(f"{name:40} {ms:10.0f} {ms / reference:12.1f}")


if __name__ == "__main__":
    main()
