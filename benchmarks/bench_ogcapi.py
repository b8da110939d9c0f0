"""OGC API items: cost of the first request of a data version (layers built) against later ones,
and of output CRS and page size, measured in one run and reported as ratios.

Usage: python benchmarks/bench_ogcapi.py
"""

from __future__ import annotations

import gzip
import statistics
import tempfile
import time

from geoapp import create_app
from geoapp.ogcapi.collections import build_layer

ITEMS = "/ogcapi/collections/{collection}/items?limit={limit}{extra}"
CASES = [
    ("communes, 1000, CRS84", "communes-2021", 1000, ""),
    ("communes, 1000, EPSG:9215", "communes-2021", 1000, "&crs=EPSG:9215"),
    ("communes, 1000, EPSG:4326", "communes-2021", 1000, "&crs=EPSG:4326"),
    ("communes, 10, CRS84", "communes-2021", 10, ""),
    ("indicators, 1000, CRS84", "indicators-2021", 1000, ""),
    ("districts, 1000, CRS84", "districts-2021", 1000, ""),
    ("2025 units, 1000, CRS84", "communes-2025", 1000, ""),
    ("2025 indicators, 1000, CRS84", "indicators-2025", 1000, ""),
]


def timed(client, url: str) -> tuple[float, bytes]:
    start = time.perf_counter()
    response = client.get(url)
    assert response.status_code == 200, url
    return time.perf_counter() - start, response.data


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"DATA_DIR": tmp, "SECRET_KEY": "bench"})
        client = app.test_client()
        data = app.extensions["geoapp"].datasets.get()
        for collection in ("indicators-2021", "indicators-2025"):  # built alone, before anything is cached
            start = time.perf_counter()
            build_layer(data, collection)
            print(f"build {collection}: {(time.perf_counter() - start) * 1000:.0f} ms")
        cold, _ = timed(client, "/ogcapi/collections")  # builds every layer of this data version
        warm = statistics.median(timed(client, "/ogcapi/collections")[0] for _ in range(5))
        print(f"/collections first request of a version / later: {cold / warm:.0f}x ({cold * 1000:.0f} / {warm * 1000:.1f} ms)")
        base = None
        for label, collection, limit, extra in CASES:
            url = ITEMS.format(collection=collection, limit=limit, extra=extra)
            times, body = [], b""
            for _ in range(5):
                seconds, body = timed(client, url)
                times.append(seconds)
            median = statistics.median(times)
            base = base or median
            print(f"{label:28s} {median * 1000:7.1f} ms  x{median / base:4.2f}  "
                  f"{len(body) / 1024:7.0f} KiB, gzip {len(gzip.compress(body, 6)) / 1024:5.0f} KiB")


if __name__ == "__main__":
    main()
