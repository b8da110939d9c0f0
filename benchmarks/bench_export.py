"""Export time, cold (cache miss) vs cached, Cao Lộc (22 communes) vs the whole province (194).

Requests every export format through the app, as a browser would: the first
request for a map draws it and stores it in DATA_DIR/cache/exports, the next
ones are served from that cache. One warm-up export (another indicator) runs
first so that "cold" measures drawing a map, not importing matplotlib.
Usage: python benchmarks/bench_export.py
"""

from __future__ import annotations

import statistics
import tempfile
import time

from geoapp import create_app

INDICATOR = "ocop_total"
SCOPES = {"Cao Lộc (183)": "183", "province (all)": "all"}
FORMATS = {"png": "dpi=300", "svg": "", "pdf": "orientation=landscape", "html": ""}


def timed(client, url: str) -> tuple[float, int, int]:
    start = time.perf_counter()
    response = client.get(url)
    return (time.perf_counter() - start) * 1000, response.status_code, len(response.data)


def main(repeat: int = 5) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        client = create_app({"DATA_DIR": tmp, "SECRET_KEY": "bench"}).test_client()
        warm_up, status, _ = timed(client, "/maps/ntm_level.png?dpi=72")
        assert status == 200
        print(f"warm-up export (first use of matplotlib): {warm_up:.0f} ms")
        print(f"{'scope':16} {'format':7} {'bytes':>11} {'cold ms':>9} {'cached ms':>10} {'cold/cached':>12}")
        for label, district in SCOPES.items():
            for fmt, extra in FORMATS.items():
                url = f"/maps/{INDICATOR}.{fmt}?district={district}" + (f"&{extra}" if extra else "")
                cold, status, size = timed(client, url)
                assert status == 200, url
                cached = statistics.median(timed(client, url)[0] for _ in range(repeat))
                print(f"{label:16} {fmt:7} {size:11,} {cold:9.1f} {cached:10.2f} {cold / cached:11.0f}x")


if __name__ == "__main__":
    main()
