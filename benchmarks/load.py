"""Load test: concurrent viewers against gunicorn while an editor publishes twice.

For each backend (GeoPackage file, PostGIS) it starts gunicorn with the project's config
on a loopback port, runs N viewer threads against map pages, map values, boundaries
GeoJSON and PNG exports, and has an editor publish twice through the store API in the
middle of the run. Then it serves a static file of the mean response size from the same
gunicorn config, as the ceiling. Every run is bounded by --requests and --seconds.

Reports requests, errors (must be 0), stale answers after a publish (must be 0),
p50/p95 latency and requests per second, side by side. Exits 1 if any error or stale answer.

    python benchmarks/load.py [--viewers 8] [--requests 800] [--seconds 30] [--workers 2]
                              [--database-url postgresql://... (an empty database)]

Without --database-url, a throwaway PostgreSQL cluster is started with scripts/pg-test-cluster.sh.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import http.client
import json
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
INDICATORS = ["ntm_level", "schools_total", "ocop_3_star", "ocop_total", "defence_drills", "border_commune"]
EXPORTED = ["ntm_level", "ocop_total"]
DISTRICTS = ["183", "178"]


def static_app(environ, start_response):
    """Serve the file named by GEOAPP_LOAD_STATIC_FILE: the ceiling for the same gunicorn."""
    path = os.environ["GEOAPP_LOAD_STATIC_FILE"]
    handle = open(path, "rb")  # noqa: SIM115 - closed by the server through the file wrapper
    start_response("200 OK", [("Content-Type", "application/octet-stream"),
                              ("Content-Length", str(os.path.getsize(path)))])
    wrapper = environ.get("wsgi.file_wrapper")
    return wrapper(handle, 65536) if wrapper else iter(lambda: handle.read(65536), b"")


class Gunicorn:
    """gunicorn with geoapp/gunicorn_conf.py on a free loopback port, stopped on exit."""

    def __init__(self, app: str, env: dict, workers: int, log_dir: Path, startup: float = 90, cwd: Path = ROOT) -> None:
        self.startup = startup
        self.log = log_dir / f"gunicorn-{len(list(log_dir.iterdir()))}.log"
        env = {**os.environ, **env, "GEOAPP_BIND": f"{HOST}:0", "GEOAPP_WORKERS": str(workers),
               "GEOAPP_THREADS": "4", "PYTHONPATH": str(Path(__file__).parent)}
        command = [sys.executable, "-m", "gunicorn", "-c", "python:geoapp.gunicorn_conf",
                   "--access-logfile", "/dev/null", app]
        with open(self.log, "wb") as out:
            self.proc = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=cwd)

    def __enter__(self) -> int:
        deadline = time.monotonic() + self.startup
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited:\n{self.log.read_text()}")
            found = re.search(r"Listening at: http://127\.0\.0\.1:(\d+)", self.log.read_text())
            if found and _answers(int(found.group(1))):
                return int(found.group(1))
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not start:\n{self.log.read_text()}")

    def __exit__(self, *exc) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def _answers(port: int) -> bool:
    """True when the server answers a request (whatever the path)."""
    try:
        conn = http.client.HTTPConnection(HOST, port, timeout=30)
        conn.request("GET", "/healthz")
        status = conn.getresponse().status
        conn.close()
        return status < 500
    except OSError:
        return False


@contextlib.contextmanager
def throwaway_cluster():
    """Start a PostgreSQL cluster with PostGIS for the run; yield its URL; remove it after."""
    script = ROOT / "scripts" / "pg-test-cluster.sh"
    directory = Path(tempfile.mkdtemp(prefix="geoapp-load-pg-"))
    directory.chmod(0o755)  # the cluster may run as the postgres user
    port = str(50000 + random.randrange(10000))
    url = subprocess.run(["bash", str(script), "start", str(directory), port],
                         check=True, capture_output=True, text=True).stdout.strip()
    try:
        yield url
    finally:
        subprocess.run(["bash", str(script), "stop", str(directory)], check=False)


@dataclass
class Sample:
    kind: str
    started: float
    ended: float
    status: int
    size: int
    version: str | None = None


@dataclass
class Run:
    """Shared state of one run: request budget, deadline, samples, publishes."""

    budget: int
    deadline: float
    samples: list[Sample] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    published: list[tuple[float, str]] = field(default_factory=list)  # (done at, data version)
    lock: threading.Lock = field(default_factory=threading.Lock)
    issued: int = 0

    def take(self) -> bool:
        """Claim one request of the budget; False when the budget or time is spent."""
        with self.lock:
            if self.issued >= self.budget or time.monotonic() >= self.deadline:
                return False
            self.issued += 1
            return True


def viewer_urls(seed: int) -> list[tuple[str, str]]:
    """Return one viewer's request cycle: pages, map values, boundaries and a PNG export."""
    rng = random.Random(seed)
    cycle = []
    for _ in range(5):
        ind, district = rng.choice(INDICATORS), rng.choice(DISTRICTS)
        cycle += [("page", f"/maps/{ind}?district={district}"),
                  ("values", f"/api/maps/{ind}.json?district={district}"),
                  ("geometry", f"/api/boundaries.geojson?district={district}")]
    cycle.append(("export", f"/maps/{rng.choice(EXPORTED)}.png?district=183&dpi=96"))
    rng.shuffle(cycle)
    return cycle


def view(port: int, urls: list[tuple[str, str]], run: Run) -> None:
    """Request the URLs in a loop over one kept-alive connection, as a browser would."""
    conn = http.client.HTTPConnection(HOST, port, timeout=60)
    i = 0
    while run.take():
        kind, url = urls[i % len(urls)]
        i += 1
        started = time.monotonic()
        try:
            conn.request("GET", url, headers={"Accept-Encoding": "gzip"})
            response = conn.getresponse()
            body = response.read()
        except (OSError, http.client.HTTPException) as exc:
            conn.close()
            conn = http.client.HTTPConnection(HOST, port, timeout=60)
            with run.lock:
                run.failures.append(f"{url}: {exc!r}")
            continue
        sample = Sample(kind, started, time.monotonic(), response.status, len(body))
        if kind == "values" and response.status == 200:
            sample.version = json.loads(_decoded(body, response))["data_version"]
        with run.lock:
            run.samples.append(sample)
    conn.close()


def _decoded(body: bytes, response) -> bytes:
    return gzip.decompress(body) if response.getheader("Content-Encoding") == "gzip" else body


def edit(settings: dict, run: Run, started: float) -> None:
    """Publish a changed indicator value twice, at a third and at two thirds of the run."""
    from geoapp.config import load_settings
    from geoapp.storage import open_store

    store = open_store(load_settings(settings))
    seconds = run.deadline - started
    for n, share in enumerate((1 / 3, 2 / 3), start=1):
        while run.issued < run.budget * share and time.monotonic() < started + seconds * share:
            time.sleep(0.05)
        table = store.read_indicators()
        hit = (table["commune_code"] == "06202") & (table["indicator"] == "ocop_total")
        table.loc[hit, "value"] = str(100 + n)
        base = store.published_versions()["indicators"]
        store.publish("indicators", table, author="load-editor", comment=f"load run {n}", base_version=base)
        with run.lock:
            run.published.append((time.monotonic(), store.data_version()))


def stale(run: Run, initial: str) -> int:
    """Count map values answers older than the last publish completed before the request was sent."""
    count = 0
    for sample in run.samples:
        if sample.version is None:
            continue
        allowed = [initial] + [v for done, v in run.published if done <= sample.ended]
        before = [v for done, v in run.published if done <= sample.started]
        if before:
            allowed = allowed[allowed.index(before[-1]):]
        count += sample.version not in allowed
    return count


def drive(port: int, viewers: int, run: Run, editor=None) -> float:
    """Run the viewers (and the editor) until the budget or the deadline; return the wall time."""
    started = time.monotonic()
    threads = [threading.Thread(target=view, args=(port, viewer_urls(i), run)) for i in range(viewers)]
    if editor:
        threads.append(threading.Thread(target=editor, args=(run, started)))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.monotonic() - started


def summary(run: Run, wall: float, stale_count: int | None) -> dict:
    latencies = sorted((s.ended - s.started) * 1000 for s in run.samples)
    errors = len(run.failures) + sum(s.status != 200 for s in run.samples)
    by_kind = {}
    for kind in sorted({s.kind for s in run.samples}):
        values = sorted((s.ended - s.started) * 1000 for s in run.samples if s.kind == kind)
        by_kind[kind] = (len(values), percentile(values, 50), percentile(values, 95))
    return {
        "requests": len(run.samples) + len(run.failures),
        "errors": errors,
        "stale": stale_count,
        "p50": percentile(latencies, 50),
        "p95": percentile(latencies, 95),
        "rps": len(run.samples) / wall if wall else 0.0,
        "mean_bytes": statistics.fmean(s.size for s in run.samples) if run.samples else 0,
        "by_kind": by_kind,
    }


def percentile(sorted_values: list[float], q: int) -> float:
    if not sorted_values:
        return float("nan")
    return sorted_values[min(len(sorted_values) - 1, round(q / 100 * (len(sorted_values) - 1)))]


def run_backend(name: str, settings: dict, args, work: Path) -> dict:
    """Prepare a backend's store, serve it with gunicorn, and load it while the editor publishes."""
    from geoapp.config import load_settings
    from geoapp.data.dataset import ensure_store

    store = ensure_store(load_settings(settings))
    initial = store.data_version()
    env = {"GEOAPP_DATA_DIR": settings["DATA_DIR"], "GEOAPP_DATABASE_URL": settings.get("DATABASE_URL", ""),
           "GEOAPP_SECRET_KEY": "load-test"}
    with Gunicorn("geoapp:create_app()", env, args.workers, work) as port:
        run = Run(args.requests, time.monotonic() + args.seconds)
        wall = drive(port, args.viewers, run, editor=lambda r, t: edit(settings, r, t))
    if len(run.published) != 2:
        run.failures.append(f"{name}: the editor published {len(run.published)} times, not 2")
    return summary(run, wall, stale(run, initial))


def run_static(size: int, args, work: Path) -> dict:
    """Serve a file of `size` bytes from the same gunicorn config: the ceiling."""
    path = work / "static.bin"
    path.write_bytes(os.urandom(size))
    with Gunicorn("load:static_app", {"GEOAPP_LOAD_STATIC_FILE": str(path)}, args.workers, work) as port:
        run = Run(args.requests, time.monotonic() + args.seconds)
        urls = [("static", "/static.bin")]
        started = time.monotonic()
        threads = [threading.Thread(target=view, args=(port, urls, run)) for _ in range(args.viewers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.monotonic() - started
    return summary(run, wall, None)


def report(results: dict, args) -> str:
    names = list(results)
    rows = [
        ("requests", "{:.0f}", "requests"),
        ("errors", "{:.0f}", "errors"),
        ("stale after publish", "{}", "stale"),
        ("p50 latency (ms)", "{:.1f}", "p50"),
        ("p95 latency (ms)", "{:.1f}", "p95"),
        ("requests per second", "{:.1f}", "rps"),
        ("mean response (bytes)", "{:.0f}", "mean_bytes"),
    ]
    width = 24
    lines = [f"{args.viewers} viewers, gunicorn {args.workers} workers x 4 threads, "
             f"at most {args.requests} requests or {args.seconds:.0f} s per run",
             "".ljust(width) + "".join(n.rjust(14) for n in names)]
    for label, fmt, key in rows:
        cells = ["-" if results[n][key] is None else fmt.format(results[n][key]) for n in names]
        lines.append(label.ljust(width) + "".join(c.rjust(14) for c in cells))
    lines.append("")
    lines.append("per request kind: count / p50 ms / p95 ms")
    for n in names[:-1]:
        for kind, (count, p50, p95) in results[n]["by_kind"].items():
            lines.append(f"  {n:<10} {kind:<10} {count:>6} {p50:>9.1f} {p95:>9.1f}")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--viewers", type=int, default=8)
    parser.add_argument("--requests", type=int, default=800, help="at most this many requests per run")
    parser.add_argument("--seconds", type=float, default=30.0, help="at most this long per run")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--database-url", help="an empty PostGIS database (default: a throwaway cluster)")
    args = parser.parse_args(argv)
    if args.workers < 2:
        parser.error("--workers must be at least 2")
    with tempfile.TemporaryDirectory(prefix="geoapp-load-") as tmp:
        work = Path(tmp)
        (work / "logs").mkdir()
        results = {"gpkg": run_backend("gpkg", {"DATA_DIR": str(work / "gpkg")}, args, work / "logs")}
        with contextlib.ExitStack() as stack:
            url = args.database_url or stack.enter_context(throwaway_cluster())
            results["postgis"] = run_backend(
                "postgis", {"DATA_DIR": str(work / "pg-data"), "DATABASE_URL": url}, args, work / "logs"
            )
        size = round(statistics.fmean([results["gpkg"]["mean_bytes"], results["postgis"]["mean_bytes"]]))
        results["static file"] = run_static(size, args, work / "logs")
    print(report(results, args))
    bad = any(r["errors"] or r["stale"] for r in results.values())
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
