"""/healthz latency while many uncached exports are requested at once, against real gunicorn.

Starts gunicorn with the project's config (2 workers × 4 threads unless told otherwise) on a
fresh GeoPackage data directory, measures /healthz while idle, then fires N concurrent
uncached PNG exports (each a different dpi, so none is served from the export cache) and
starts a /healthz probe every 200 ms (each in its own thread) until every export has
answered. Prints the export statuses, the slowest export answer, and /healthz latency (median, p90, max, probes over 1 s) idle
and under load, with their ratios.

    python benchmarks/bench_saturation.py [--exports 16] [--source DIR] [--workers 2]

--source runs another checkout of the code (e.g. an export of main) with this venv.
"""

from __future__ import annotations

import argparse
import collections
import http.client
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"


def start_gunicorn(source: Path, data_dir: Path, workers: int, log_path: Path) -> tuple[subprocess.Popen, int]:
    env = {**os.environ, "PYTHONPATH": str(source), "GEOAPP_DATA_DIR": str(data_dir), "GEOAPP_BIND": f"{HOST}:0",
           "GEOAPP_WORKERS": str(workers), "GEOAPP_SECRET_KEY": "bench", "GEOAPP_DATABASE_URL": ""}
    log = open(log_path, "wb")
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "python:geoapp.gunicorn_conf", "geoapp:create_app()"],
                            cwd=source, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        match = re.search(r"Listening at: http://127\.0\.0\.1:(\d+)", log_path.read_text())
        if match:
            port = int(match.group(1))
            try:
                if fetch(port, "/healthz")[0] == 200:
                    return proc, port
            except OSError:
                pass
        if proc.poll() is not None:
            raise SystemExit(log_path.read_text())
        time.sleep(0.2)
    raise SystemExit("gunicorn did not start")


def fetch(port: int, url: str, timeout: float = 300) -> tuple[int, float, dict]:
    """GET url on a new connection; return (status, seconds, headers)."""
    started = time.perf_counter()
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request("GET", url)
        response = conn.getresponse()
        response.read()
        return response.status, time.perf_counter() - started, dict(response.getheaders())
    finally:
        conn.close()


def health_latencies(port: int, count: int) -> list[float]:
    return [fetch(port, "/healthz")[1] for _ in range(count)]


def run(source: Path, exports: int, workers: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="geoapp-bench-") as tmp:
        proc, port = start_gunicorn(source, Path(tmp) / "data", workers, Path(tmp) / "gunicorn.log")
        try:
            fetch(port, "/maps/ntm_level.png?year=2020&dpi=100")  # warm both fonts and data in one worker
            idle = health_latencies(port, 20)
            results: list[tuple[int, float]] = []
            threads = [threading.Thread(target=lambda dpi=dpi: results.append(
                fetch(port, f"/maps/ntm_level.png?year=2021&dpi={dpi}")[:2])) for dpi in range(500, 500 + exports)]
            loaded: list[float] = []
            probes: list[threading.Thread] = []
            for thread in threads:
                thread.start()
            while any(t.is_alive() for t in threads):  # a probe every 200 ms, each on its own: a stall cannot hide later ones
                probe = threading.Thread(target=lambda: loaded.append(fetch(port, "/healthz")[1]))
                probe.start()
                probes.append(probe)
                time.sleep(0.2)
            for thread in threads + probes:
                thread.join()
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(60)
    return {"idle": idle, "loaded": loaded, "exports": results}


def report(label: str, result: dict) -> None:
    idle, loaded = result["idle"], result["loaded"]
    statuses = collections.Counter(status for status, _ in result["exports"])
    print(f"{label}: exports {dict(sorted(statuses.items()))}, slowest export answer "
          f"{max(s for _, s in result['exports']):.2f} s")
    for name, values in (("idle  ", idle), ("loaded", loaded)):
        p90 = statistics.quantiles(values, n=10)[-1]
        print(f"  /healthz {name} median {statistics.median(values) * 1000:8.1f} ms  p90 {p90 * 1000:8.1f} ms"
              f"  max {max(values) * 1000:8.1f} ms  over 1 s: {sum(v > 1 for v in values)}/{len(values)} probes")
    print(f"  loaded/idle ratio: median {statistics.median(loaded) / statistics.median(idle):.1f}, "
          f"max {max(loaded) / max(idle):.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--exports", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--source", type=Path, default=ROOT, help="checkout of the code to serve")
    args = parser.parse_args()
    report(str(args.source), run(args.source.resolve(), args.exports, args.workers))


if __name__ == "__main__":
    main()
