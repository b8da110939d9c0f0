"""Map page weight and build time, Cao Lộc (22 communes) vs the whole province (194).

Prints bytes (raw and gzip) of the map page and of the data it fetches, and the
time to build each, cold (first request after start) and warm, in one run.
Usage: python benchmarks/bench_maps.py
"""

from __future__ import annotations

import gzip
import statistics
import tempfile
import time

from geoapp import create_app

INDICATOR = "ocop_total"
SCOPES = {"Cao Lộc (183)": "183", "province (all)": "all"}


def measure(client, url: str, repeat: int = 5) -> dict:
    start = time.perf_counter()
    first = client.get(url)
    cold = time.perf_counter() - start
    warm = []
    for _ in range(repeat):
        start = time.perf_counter()
        client.get(url)
        warm.append(time.perf_counter() - start)
    body = first.data
    return {"status": first.status_code, "bytes": len(body), "gzip": len(gzip.compress(body, 6)),
            "cold_ms": cold * 1000, "warm_ms": statistics.median(warm) * 1000}


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        app = create_app({"DATA_DIR": tmp, "SECRET_KEY": "bench"})
        print(f"app start incl. first data load: {(time.perf_counter() - start) * 1000:.0f} ms")
        client = app.test_client()
        print(f"{'scope':16} {'resource':22} {'bytes':>9} {'gzip':>8} {'cold ms':>8} {'warm ms':>8}")
        totals = {}
        for label, district in SCOPES.items():
            urls = {
                "map page (HTML)": f"/maps/{INDICATOR}?district={district}",
                "boundaries GeoJSON": f"/api/boundaries.geojson?district={district}",
                "values JSON": f"/api/maps/{INDICATOR}.json?district={district}",
            }
            total = 0
            for name, url in urls.items():
                m = measure(client, url)
                assert m["status"] == 200, url
                total += m["gzip"]
                print(f"{label:16} {name:22} {m['bytes']:9,} {m['gzip']:8,} {m['cold_ms']:8.1f} {m['warm_ms']:8.1f}")
            totals[label] = total
            print(f"{label:16} {'total transferred':22} {'':9} {total:8,}")
        a, b = totals.values()
        print(f"province / Cao Lộc gzip ratio: {b / a:.1f}x")


if __name__ == "__main__":
    main()
