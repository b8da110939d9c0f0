"""/healthz latency while many uncached exports are requested at once, against real gunicorn.

Starts gunicorn with the project's config (2 workers × 4 threads unless told otherwise) on a
fresh GeoPackage data directory, measures /healthz while idle, then fires N concurrent
uncached PNG exports (each a different dpi, so none is served from the export cache) and
starts a /healthz probe every 200 ms (each in its own thread) until every export has
answered. Prints the export statuses, the slowest export answer, and /healthz latency (median, p90, max, probes over 1 s) idle
and under load, with their ratios.

    python benchmarks/bench_saturation.py [--exports 16] [--source DIR] [--workers 2]

--source runs another checkout of the code (e.g. an export of main) with this venv.

    python benchmarks/bench_saturation.py rates [--before GIT_REF] [--seconds 6] [--requests 4000]

measures warm request rates of the cached answers (map page of Cao Lộc and of the whole
province, boundaries GeoJSON, map values) over 8 kept-alive connections, for the code as it was at
GIT_REF (exported with git archive), for this code with the fast path off, and with it on; each
next to a node.js server of the same gzip bytes from memory (the ceiling), in the same run.
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
sys.path.insert(0, str(ROOT))


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


RATE_URLS = {
    "map page, Cao Lộc": "/maps/ntm_level?district=183",
    "map page, whole province": "/maps/ntm_level?district=all",
    "boundaries GeoJSON, province": "/api/boundaries.geojson?district=all",
    "map values JSON, province": "/api/maps/ntm_level.json?district=all",
}


def export_ref(ref: str, into: Path) -> Path:
    """Write the tree of a git ref into a folder (the code as it was, run with this venv)."""
    into.mkdir(parents=True)
    archive = subprocess.run(["git", "archive", ref], cwd=ROOT, check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def measure_rates(source: Path, env: dict, work: Path, args) -> dict:
    """Warm request rates of RATE_URLS served by gunicorn (2 workers x 4 threads) from `source`."""
    from benchmarks.bench_scale import fetch as fetch_gzip, rate
    from benchmarks.load import Gunicorn

    data_dir = work / f"data-{len(list(work.iterdir()))}"
    env = {"GEOAPP_DATA_DIR": str(data_dir), "GEOAPP_SECRET_KEY": "bench", "GEOAPP_DATABASE_URL": "", **env}
    logs = work / "logs"
    logs.mkdir(exist_ok=True)
    out = {}
    with Gunicorn("geoapp:create_app()", env, args.workers, logs, startup=300, cwd=source) as port:
        for name, url in RATE_URLS.items():
            for _ in range(32):  # warm every worker
                body, content_type = fetch_gzip(port, url)
            out[name] = {"rate": rate(port, url, args.connections, args.requests, args.seconds),
                         "bytes": body, "type": content_type}
    return out


def ceiling(body: bytes, content_type: str, work: Path, args) -> dict:
    """The same gzip bytes served by node.js from memory, with the same client."""
    from benchmarks.bench_scale import NodeStatic, rate

    path = work / "static.bin"
    path.write_bytes(body)
    with NodeStatic(path, content_type) as port:
        return rate(port, "/", args.connections, args.requests, args.seconds)


def run_rates(args) -> None:
    with tempfile.TemporaryDirectory(prefix="geoapp-rates-") as tmp:
        work = Path(tmp)
        runs: dict[str, dict] = {}
        if args.before:
            before = export_ref(args.before, work / "before")
            runs[f"before ({args.before})"] = measure_rates(before, {}, work, args)
        runs["fast path off"] = measure_rates(ROOT, {"GEOAPP_FAST_PATH": "0"}, work, args)
        runs["fast path on"] = measure_rates(ROOT, {"GEOAPP_FAST_PATH": "1"}, work, args)
        last = runs["fast path on"]
        ceilings = {name: ceiling(last[name]["bytes"], last[name]["type"], work, args) for name in RATE_URLS}
    print(f"warm request rates, {args.connections} kept-alive connections, gunicorn {args.workers} workers x 4 threads, "
          f"{os.cpu_count()} cores; ratio = geoapp / node.js serving the same gzip bytes (same run)")
    head = f"{'what':34} {'gzip':>8} {'node.js':>14} " + " ".join(f"{label:>30}" for label in runs)
    print(head)
    print("-" * len(head))
    for name in RATE_URLS:
        node = ceilings[name]
        cells = [f"{r[name]['rate']['rps']:6.0f}/s p95 {r[name]['rate']['p95']:5.1f} ms {r[name]['rate']['rps'] / node['rps']:6.3f}"
                 for r in runs.values()]
        print(f"{name:34} {len(last[name]['bytes']) / 1024:6.1f}KB {node['rps']:10.0f}/s   " + " ".join(f"{c:>30}" for c in cells))


def main() -> None:
    if sys.argv[1:2] == ["rates"]:
        parser = argparse.ArgumentParser(description="warm request rates against the node.js ceiling")
        parser.add_argument("--before", help="git ref of the code to compare with (e.g. main)")
        parser.add_argument("--workers", type=int, default=2)
        parser.add_argument("--connections", type=int, default=8)
        parser.add_argument("--requests", type=int, default=4000)
        parser.add_argument("--seconds", type=float, default=6.0)
        run_rates(parser.parse_args(sys.argv[2:]))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--exports", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--source", type=Path, default=ROOT, help="checkout of the code to serve")
    args = parser.parse_args()
    report(str(args.source), run(args.source.resolve(), args.exports, args.workers))


if __name__ == "__main__":
    main()
