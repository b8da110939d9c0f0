"""Speed at every scale: one table of figures, each next to its ceiling or peer, measured in one run.

    python benchmarks/bench_scale.py [--communes 10000] [--rows 100000] [--seconds 6] [--requests 3000]

1. Makes a synthetic national layer (benchmarks/synthetic.py: a Voronoi coverage with wiggly
   shared edges, about 300 vertices per commune) and a long indicator table.
2. Imports both through the real upload path (dry run, then publish of the pending upload)
   into a temporary data directory; each dry run runs in a child process so that its time,
   CPU and peak memory are its own.
3. Measures the map of all communes: bytes of a cold view, GeoJSON build per detail band,
   natural breaks, page build, paged table; in Chromium: time to first polygon and JS heap.
4. Runs gunicorn with the project config (benchmarks/load.py) and, as the ceiling, a node.js
   server that serves the same gzip bytes from memory, with the same keep-alive client.
5. Runs gdf.explore() on the same communes as the peer.

Every loop is bounded (--requests and --seconds per rate, timeouts on child processes).
"""

from __future__ import annotations

import argparse
import gzip
import http.client
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.load import HOST, Gunicorn, Run, summary, view  # noqa: E402

INDICATOR = "schools_total"
NODE_SERVER = r"""
const http = require("http"), fs = require("fs");
const body = fs.readFileSync(process.argv[1]);
const server = http.createServer((req, res) => {
  res.writeHead(200, {"Content-Type": process.argv[2], "Content-Encoding": "gzip", "Content-Length": body.length});
  res.end(body);
});
server.keepAliveTimeout = 5000;
server.listen(0, "127.0.0.1", () => console.log("PORT " + server.address().port));
"""


# ---------------------------------------------------------------- child processes


def child_dry_run(data_dir: str, kind: str, path: str) -> dict:
    """Dry-run one upload against a data directory; return time, CPU, peak RSS and the pending token."""
    from geoapp.config import load_settings
    from geoapp.data.dataset import load_dataset
    from geoapp.ingest import publish
    from geoapp.storage import open_store

    settings = load_settings({"DATA_DIR": data_dir})
    store = open_store(settings)
    wall, cpu = time.perf_counter(), time.process_time()
    raw = Path(path).read_bytes()
    dataset = load_dataset(store, settings["GEODATA_DIR"], geometry=kind != "indicators")  # as the CLI reads it
    pending, check = publish.dry_run(dataset, kind, Path(path).name, raw, {}, root=publish.pending_root(settings),
                                   author=f"bench-{Path(path).suffix}", limits=publish.limits_for(settings))
    return {"wall": time.perf_counter() - wall, "cpu": time.process_time() - cpu,
            "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "ok": check.ok, "token": pending.token,
            "errors": [i.key for i in check.errors]}


def child_explore(path: str, out: str) -> dict:
    """Run gdf.explore() on a layer and save the HTML: the peer."""
    import geopandas as gpd

    frame = gpd.read_file(path, engine="pyogrio")
    wall, cpu = time.perf_counter(), time.process_time()
    fmap = frame.explore()
    fmap.save(out)
    body = Path(out).read_bytes()
    return {"wall": time.perf_counter() - wall, "cpu": time.process_time() - cpu,
            "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "bytes": len(body), "gzip": len(gzip.compress(body, 6))}


def run_child(args: list[str], timeout: float) -> dict:
    """Run this script in child mode; return its JSON answer (or {"error": ...})."""
    try:
        done = subprocess.run([sys.executable, __file__, "--child", *args], capture_output=True, text=True,
                              timeout=timeout, cwd=ROOT)
    except subprocess.TimeoutExpired:
        return {"error": f"over {timeout:.0f} s"}
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1] if done.stderr.strip() else f"exit {done.returncode}"}
    return json.loads(done.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------- data


def make_data(work: Path, communes: int, rows: int) -> dict:
    from benchmarks.synthetic import indicator_table, synthetic_communes, write_layer

    start = time.perf_counter()
    frame = synthetic_communes(communes)
    files = {"gpkg": write_layer(frame, work / "national.gpkg"), "geojson": write_layer(frame, work / "national.geojson")}
    table = indicator_table(frame, rows)
    files["csv"] = work / "indicators.csv"
    table.to_csv(files["csv"], index=False)
    import shapely

    return {"files": files, "seconds": time.perf_counter() - start,
            "vertices": int(shapely.get_num_coordinates(frame.geometry.values).sum()),
            "sizes_mb": {k: p.stat().st_size / 2**20 for k, p in files.items()}}


def publish_token(data_dir: Path, token: str) -> float:
    """Publish a pending upload; return the seconds it took."""
    from geoapp.config import load_settings
    from geoapp.data.dataset import load_dataset
    from geoapp.ingest import publish
    from geoapp.storage import open_store

    settings = load_settings({"DATA_DIR": str(data_dir)})
    start = time.perf_counter()
    store = open_store(settings)
    root = publish.pending_root(settings)
    pending = publish.load_pending(root, token)
    publish.publish_pending(store, load_dataset(store, settings["GEODATA_DIR"]), pending, "bench", "national layer",
                            root=root, limits=publish.limits_for(settings))
    return time.perf_counter() - start


def publish_directly(data_dir: Path, layer: Path) -> float:
    """Publish the synthetic layer through the store, without the upload checks; return the seconds.

    The upload's location check compares units with the national list of real districts; the
    synthetic districts are invented, so that check refuses them and the map is measured on a
    layer published this way (the dry run figures still count).
    """
    import geopandas as gpd

    from geoapp.config import load_settings
    from geoapp.storage import open_store

    start = time.perf_counter()
    frame = gpd.read_file(layer, engine="pyogrio").rename(columns={
        "ma_xa": "commune_code", "ten_xa": "commune_name", "ma_huyen": "district_code", "ten_huyen": "district_name",
        "ma_tinh": "province_code", "ten_tinh": "province_name"})
    frame["commune_type"] = "Xã"
    store = open_store(load_settings({"DATA_DIR": str(data_dir)}))
    store.publish("boundaries", frame, author="bench", comment="national layer (direct)",
                  base_version=store.published_versions()["boundaries"])
    return time.perf_counter() - start


# ---------------------------------------------------------------- one process measures


def timed(function):
    wall, cpu = time.perf_counter(), time.process_time()
    result = function()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def national_figures(data_dir: Path, year: int) -> dict:
    """Measure the map of every commune in-process (one thread, so CPU time is the request's)."""
    from geoapp import create_app
    from geoapp.maps.leaflet import geometry_json

    app = create_app({"DATA_DIR": str(data_dir), "SECRET_KEY": "bench"})
    client = app.test_client()
    gz = {"Accept-Encoding": "gzip"}
    data = app.extensions["geoapp"].datasets.get()
    out = {"communes": len(data.communes)}
    _, out["geojson_full_wall"], out["geojson_full_cpu"] = timed(lambda: geometry_json(data.communes, 5))
    for band in ("mid", "low"):
        response, wall, cpu = timed(lambda: client.get(f"/api/boundaries.geojson?district=all&detail={band}", headers=gz))
        out[f"geojson_{band}_wall"], out[f"geojson_{band}_cpu"], out[f"geojson_{band}_gzip"] = wall, cpu, len(response.data)
        _, out[f"geojson_{band}_warm_wall"], _ = timed(lambda: client.get(f"/api/boundaries.geojson?district=all&detail={band}", headers=gz))
    full = client.get("/api/boundaries.geojson?district=all&detail=full", headers=gz)
    out["geojson_full_gzip"] = len(full.data)
    values_url = f"/api/maps/{INDICATOR}.json?district=all&year={year}"
    response, out["values_wall"], out["values_cpu"] = timed(lambda: client.get(values_url, headers=gz))
    out["values_gzip"] = len(response.data)
    page_url = f"/maps/{INDICATOR}?district=all&year={year}"
    response, out["page_cold_wall"], out["page_cold_cpu"] = timed(lambda: client.get(page_url, headers=gz))
    out["page_gzip"] = len(response.data)
    _, out["page_warm_wall"], out["page_warm_cpu"] = timed(lambda: client.get(page_url, headers=gz))
    jenks = f"/api/maps/{INDICATOR}.json?district=all&year={year}&scheme=natural_breaks&k=9"
    response, out["jenks_wall"], out["jenks_cpu"] = timed(lambda: client.get(jenks))
    out["jenks_status"] = response.status_code
    response, out["table_wall"], out["table_cpu"] = timed(
        lambda: client.get(f"/api/table/{INDICATOR}.json?district=all&year={year}&sort=value&order=desc", headers=gz))
    out["table_gzip"] = len(response.data)
    response, out["search_wall"], out["search_cpu"] = timed(lambda: client.get("/api/search.json?q=hoa", headers=gz))
    out["export_status"] = client.get(f"/maps/{INDICATOR}.png?district=all&year={year}&dpi=72").status_code
    out["view_bytes"] = out["page_gzip"] + out["geojson_low_gzip"] + out["values_gzip"]
    return out


# ---------------------------------------------------------------- request rates


class NodeStatic:
    """node.js serving one gzip body from memory on a loopback port: the ceiling."""

    def __init__(self, body_path: Path, content_type: str) -> None:
        self.proc = subprocess.Popen(["node", "-e", NODE_SERVER, str(body_path), content_type],
                                     stdout=subprocess.PIPE, text=True)

    def __enter__(self) -> int:
        line = self.proc.stdout.readline()
        return int(line.split()[1])

    def __exit__(self, *exc) -> None:
        self.proc.terminate()
        self.proc.wait(10)


def fetch(port: int, url: str) -> tuple[bytes, str]:
    conn = http.client.HTTPConnection(HOST, port, timeout=120)
    conn.request("GET", url, headers={"Accept-Encoding": "gzip"})
    response = conn.getresponse()
    body = response.read()
    conn.close()
    if response.status != 200:
        raise RuntimeError(f"{url}: HTTP {response.status}")
    return body, response.getheader("Content-Type") or "application/octet-stream"


def rate(port: int, url: str, connections: int, requests: int, seconds: float) -> dict:
    """Requests per second and p95 of one URL over kept-alive connections (bounded by requests and seconds)."""
    run = Run(requests, time.monotonic() + seconds)
    started = time.monotonic()
    threads = [threading.Thread(target=view, args=(port, [("r", url)], run)) for _ in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return summary(run, time.monotonic() - started, None)


def rates(data_dir: Path, urls: dict, args, work: Path) -> dict:
    """Serve `urls` with gunicorn, then their gzip bytes with node; return both summaries per URL."""
    env = {"GEOAPP_DATA_DIR": str(data_dir), "GEOAPP_SECRET_KEY": "bench"}
    out = {}
    logs = work / "logs"
    logs.mkdir(exist_ok=True)
    with Gunicorn("geoapp:create_app()", env, 2, logs, startup=300) as port:
        page = fetch(port, "/maps/ntm_level?district=183")[0]
        leaflet = re.search(rb'src="(/vendor/leaflet/leaflet\.[0-9a-f]+\.js)"', gzip.decompress(page)).group(1).decode()
        urls = {name: (leaflet if url == "LEAFLET" else url) for name, url in urls.items()}
        for name, url in urls.items():
            for _ in range(16):  # warm both workers
                body, content_type = fetch(port, url)
            out[name] = {"app": rate(port, url, args.connections, args.requests, args.seconds), "bytes": len(body)}
            path = work / "static.bin"
            path.write_bytes(body)
            with NodeStatic(path, content_type) as static_port:  # right after, while gunicorn idles
                out[name]["static"] = rate(static_port, "/", args.connections, args.requests, args.seconds)
    return out


# ---------------------------------------------------------------- Chromium


def chromium_figures(data_dir: Path, year: int, sources: dict[str, Path]) -> dict:
    """Open the map of every commune in Chromium, once per code source: time to first drawn polygon, JS heap, DOM nodes.

    The first polygon is drawn when the map's layer is on the page (data-state=ready) and the browser
    has painted twice since (an SVG path or the canvas). (explore()'s HTML loads Leaflet from a CDN,
    so it cannot be opened offline for comparison.)
    """
    from playwright.sync_api import sync_playwright

    out = {}
    env = {"GEOAPP_DATA_DIR": str(data_dir), "GEOAPP_SECRET_KEY": "bench"}
    logs = data_dir.parent / "logs"
    logs.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                    args=["--no-sandbox", "--disable-gpu", "--enable-precise-memory-info"])
        for label, source in sources.items():
            with Gunicorn("geoapp:create_app()", env, 2, logs, startup=300, cwd=source) as port:
                url = f"http://{HOST}:{port}/maps/{INDICATOR}?district=all&year={year}"
                for _ in range(12):  # warm every worker (each reads the stored detail bands once per data version); the browser is cold
                    for warm in (f"/maps/{INDICATOR}?district=all&year={year}", "/api/boundaries.geojson?district=all&detail=low",
                                 f"/api/maps/{INDICATOR}.json?district=all&year={year}&lang=vi"):
                        fetch(port, warm)
                out[label] = _open(browser, url, 120)
        browser.close()
    return out


def _open(browser, url: str, timeout_s: float) -> dict:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    session = page.context.new_cdp_session(page)
    session.send("Performance.enable")
    start = time.perf_counter()
    try:
        page.goto(url, timeout=timeout_s * 1000, wait_until="commit")
        page.wait_for_selector(".folium-map[data-state=ready]", timeout=timeout_s * 1000, state="attached")
        page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    except Exception as exc:  # noqa: BLE001 - a timeout is a result here
        context.close()
        return {"error": type(exc).__name__}
    first = time.perf_counter() - start
    metrics = {m["name"]: m["value"] for m in session.send("Performance.getMetrics")["metrics"]}
    nodes = page.evaluate("document.getElementsByTagName('*').length")
    renderer = page.evaluate("document.querySelector('.folium-map').getAttribute('data-renderer') || 'svg'")
    context.close()
    return {"first_polygon_s": first, "heap_mb": metrics.get("JSHeapUsedSize", 0) / 2**20, "dom_nodes": nodes,
            "renderer": renderer}


# ---------------------------------------------------------------- report


def ratio(a: float | None, b: float | None) -> str:
    return "–" if not a or not b else f"{a / b:.3f}"


def fmt_rate(s: dict) -> str:
    return f"{s['rps']:.0f} req/s, p95 {s['p95']:.0f} ms"


def table(results: dict) -> str:
    rows = [("what", "geoapp", "ceiling / peer / bound", "ratio")]
    for name, entry in results.get("rates", {}).items():
        rows.append((f"{name} ({entry['bytes'] / 1024:.1f} KB gzip)", fmt_rate(entry["app"]),
                     "node, same bytes: " + fmt_rate(entry["static"]), ratio(entry["app"]["rps"], entry["static"]["rps"])))
    n = results["national"]
    ex = results.get("explore", {})
    peer_bytes = ex.get("gzip")
    rows += [
        (f"cold view, {n['communes']:,} communes (page + GeoJSON low + values, gzip)", f"{n['view_bytes'] / 2**20:.2f} MB",
         f"explore(): {peer_bytes / 2**20:.1f} MB gzip" if peer_bytes else f"explore(): {ex.get('error')}",
         ratio(n["view_bytes"], peer_bytes)),
        ("  GeoJSON full / mid / low (gzip)", f"{n['geojson_full_gzip'] / 2**20:.2f} / {n['geojson_mid_gzip'] / 2**20:.2f} / "
         f"{n['geojson_low_gzip'] / 2**20:.2f} MB", "target view ≤ 1.5 MB", ratio(n["view_bytes"], 1.5 * 2**20)),
        ("  page (gzip, table served by the API)", f"{n['page_gzip'] / 1024:.0f} KB", "", ""),
    ]
    for label, g in results.get("chromium", {}).items():
        if "first_polygon_s" in g:
            rows.append((f"time to first polygon, Chromium (cold browser), {label}, {g['renderer']}",
                         f"{g['first_polygon_s']:.1f} s", "target ≤ 3 s", ratio(g["first_polygon_s"], 3)))
            rows.append((f"  JS heap / DOM nodes, {label}", f"{g['heap_mb']:.0f} MB / {g['dom_nodes']:,}", "target ≤ 150 MB",
                         ratio(g["heap_mb"], 150)))
        else:
            rows.append((f"time to first polygon, Chromium, {label}", str(g.get("error")), "", ""))
    rows += [
        ("page build, cold / warm (CPU)", f"{n['page_cold_cpu']:.2f} s / {n['page_warm_cpu']:.2f} s", "bound 2 s",
         ratio(n["page_cold_cpu"], 2)),
        ("natural breaks k=9, all communes (CPU)", f"{n['jenks_cpu']:.2f} s (HTTP {n['jenks_status']})", "bound 2 s",
         ratio(n["jenks_cpu"], 2)),
        ("GeoJSON build cold: full / mid / low (CPU)",
         f"{n['geojson_full_cpu']:.2f} / {n['geojson_mid_cpu']:.2f} / {n['geojson_low_cpu']:.2f} s",
         "once per data version", ""),
        ("GeoJSON low, warm (cached body)", f"{n['geojson_low_warm_wall'] * 1000:.1f} ms", "", ""),
        ("table page / search (CPU)", f"{n['table_cpu'] * 1000:.0f} ms / {n['search_cpu'] * 1000:.0f} ms", "bound 2 s",
         ratio(max(n["table_cpu"], n["search_cpu"]), 2)),
        ("PNG export of all communes", f"HTTP {n['export_status']}" + (" (refused: too many communes)" if n["export_status"] == 400 else ""),
         "bound 2 s", ""),
    ]
    for label, key in (("layer dry run, GeoPackage", "dry_gpkg"), ("layer dry run, GeoJSON", "dry_geojson"),
                       ("indicator table dry run", "dry_table")):
        d = results[key]
        size = results["data"]["sizes_mb"][{"dry_gpkg": "gpkg", "dry_geojson": "geojson", "dry_table": "csv"}[key]]
        if "error" in d:
            rows.append((f"{label} ({size:.0f} MB)", d["error"], "", ""))
            continue
        bound = 2 if key == "dry_table" else 10
        rows.append((f"{label} ({size:.0f} MB)", f"{d['wall']:.1f} s wall, {d['cpu']:.1f} s CPU, {d['rss_mb']:.0f} MB RSS"
                     + ("" if d["ok"] else f" ERRORS {sorted(set(d['errors']))}"),
                     f"bound {bound} s" + ("" if key == "dry_table" else ", 1 GB"), ratio(d["cpu"], bound)))
    rows.append(("publish of the layer, directly through the store (the check refused invented districts)"
                 if results.get("published_directly") else "publish of the checked layer (no second check; detail bands built and stored)",
                 f"{results['publish_layer_s']:.1f} s",
                 f"dry run {results['dry_gpkg'].get('wall', 0):.1f} s", ratio(results["publish_layer_s"], results["dry_gpkg"].get("wall"))))
    if "wall" in ex:
        rows.append(("gdf.explore() of the same communes", f"{ex['wall']:.1f} s, {ex['bytes'] / 2**20:.0f} MB HTML, "
                     f"{ex['rss_mb']:.0f} MB RSS", "", ""))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = [" | ".join(c.ljust(w) for c, w in zip(r, widths)) for r in rows]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--communes", type=int, default=10_000)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--requests", type=int, default=3000, help="at most this many requests per rate")
    parser.add_argument("--seconds", type=float, default=6.0, help="at most this long per rate")
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument("--before", help="git ref whose code is also opened in Chromium (e.g. main), for comparison")
    parser.add_argument("--map-only", action="store_true", help="only the map of all communes: bytes, page, Chromium")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        kind, *rest = args.child
        print(json.dumps(child_dry_run(*rest) if kind == "dry-run" else child_explore(*rest)))
        return 0
    started = time.perf_counter()
    results: dict = {}
    with tempfile.TemporaryDirectory(prefix="geoapp-scale-") as tmp:
        work = Path(tmp)
        from geoapp.config import load_settings
        from geoapp.data.dataset import ensure_store

        print(f"making {args.communes:,} communes and {args.rows:,} table rows …", file=sys.stderr)
        results["data"] = data = make_data(work, args.communes, args.rows)
        national, builtin = work / "national", work / "builtin"
        for folder in (national, builtin):
            ensure_store(load_settings({"DATA_DIR": str(folder)}))
        files = data["files"]
        print("dry runs …", file=sys.stderr)
        skipped = {"error": "not run (--map-only)"}
        results["dry_geojson"] = skipped if args.map_only else run_child(
            ["dry-run", str(national), "boundaries", str(files["geojson"])], 300)
        results["dry_gpkg"] = skipped if args.map_only else run_child(
            ["dry-run", str(national), "boundaries", str(files["gpkg"])], 300)
        if results["dry_gpkg"].get("ok"):
            results["publish_layer_s"] = publish_token(national, results["dry_gpkg"]["token"])
        else:
            results["publish_layer_s"] = publish_directly(national, files["gpkg"])
            results["published_directly"] = True
        results["dry_table"] = run_child(["dry-run", str(national), "indicators", str(files["csv"])], 300)
        publish_token(national, results["dry_table"]["token"])
        year = 2000 + (args.rows - 1) // args.communes
        print("national map …", file=sys.stderr)
        results["national"] = national_figures(national, year)
        if not args.map_only:
            print("explore() …", file=sys.stderr)
            explore_html = work / "explore.html"
            results["explore"] = run_child(["explore", str(files["gpkg"]), str(explore_html)], 300)
        if not args.no_browser:
            print("Chromium …", file=sys.stderr)
            sources = {"this code": ROOT}
            if args.before:
                from benchmarks.bench_saturation import export_ref

                sources = {f"before ({args.before})": export_ref(args.before, work / "before"), **sources}
            try:
                results["chromium"] = chromium_figures(national, year, sources)
            except Exception as exc:  # noqa: BLE001 - reported in the table, the other figures still count
                results["chromium"] = {"this code": {"error": f"{type(exc).__name__}: {str(exc)[:80]}"}}
            print(json.dumps({k: v for k, v in results.items() if k != "data"}, default=str), file=sys.stderr)
        if args.map_only:
            print(table(results))
            return 0
        print("request rates …", file=sys.stderr)
        results["rates"] = rates(builtin, {
            "map page, Cao Lộc": "/maps/ntm_level?district=183",
            "map page, whole province": "/maps/ntm_level?district=all",
            "boundaries GeoJSON, province": "/api/boundaries.geojson?district=all",
            "map values JSON, province": "/api/maps/ntm_level.json?district=all",
            "leaflet.js": "LEAFLET",
        }, args, work)
        results["rates"].update(rates(national, {
            f"boundaries GeoJSON, {args.communes:,} communes, low band": "/api/boundaries.geojson?district=all&detail=low",
        }, args, work))
    print(f"geoapp at scale: {args.communes:,} synthetic communes ({data['vertices']:,} vertices), "
          f"{args.connections} keep-alive connections, gunicorn 2 workers x 4 threads, node.js ceiling; "
          f"one run of {time.perf_counter() - started:.0f} s on {os.cpu_count()} cores")
    print(table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
