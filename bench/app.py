"""App benchmark, driven in a real headless Chromium (Debian's /usr/bin/chromium through Playwright).

Prints:
- cold start: ``streamlit run app.py`` launched -> first page interactive in the browser (search box shown and the
  script run finished);
- search round trip on the demo organisation (400 people, 600 documents): click Search -> all result cards shown
  and the run finished, over distinct planted queries (so no result cache hits); p50/p95 of the warm queries,
  the first query (which loads the embedding model) reported apart; baseline: the same ``find_experts`` call
  in-process, so the ratio is what the app adds;
- network map at 2,000 people: open the page -> the map's canvas drawn and the run finished; on a new server
  the first open after an ingest (measures computed while the person waits), after a restart (measures on
  disk) and after an ingest with the start-up warm-up on, then warm (median of three) and in a fresh tab; baseline:
  the previous renderer, the same figure drawn by plotly.js alone as WebGL (``Scattergl``) and SVG
  (``Scatter``) in the same browser, no Streamlit.

- trust and action (issue #17): every page used as a person uses it (whoknows/webapp/tour.py, the browser tests'
  tour): serious or critical axe-core violations (``axe_serious_violations``, target 0) and requests that left
  localhost (``offsite_requests``, target 0); a search with a filter, its URL opened in a new browser context
  (another person) shows the same query, filter and first card (``url_state_roundtrip``, target true); and
  ``scripts/demo.sh`` from a clean clone of this checkout to the store and measures being ready
  (``demo_first_run_seconds``: install into a new .venv, build the demo, compute the network measures; the pip
  downloads come from the local package index, so the figure is this machine's, reported, no target).

The last line is one JSON object with the figures (``search_p95_s``, ``map_render_s`` among them).

    python bench/app.py [--store DEMO.db] [--map-store MAP.db] [--queries 20] [--no-first-run]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from whoknows.webapp.launch import CHROMIUM, CHROMIUM_ARGS, serve  # noqa: E402

IDLE_JS = "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"


def build(store: Path, out: Path, people: int, documents: int, embed: bool) -> None:
    if store.exists():
        return
    cmd = [sys.executable, "-m", "whoknows.cli", "demo", "--store", str(store), "--out", str(out),
           "--people", str(people), "--documents", str(documents), "--embed" if embed else "--no-embed"]  # fmt: skip
    t0 = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    print(f"built {store} ({people} people, {documents} documents) in {time.perf_counter() - t0:.0f} s", flush=True)


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    if not xs:
        return float("nan")
    i = min(len(xs) - 1, max(0, round(q * (len(xs) - 1))))
    return xs[i]


def wait_idle(page) -> None:  # type: ignore[no-untyped-def]
    page.wait_for_function(IDLE_JS, timeout=300_000, polling=20)


def bench_search(browser, store: Path, queries: list[str]) -> dict:  # type: ignore[no-untyped-def]
    t_launch = time.perf_counter()
    with serve(store) as url:
        healthy = time.perf_counter() - t_launch
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(300_000)
        page.goto(url)
        box = page.get_by_label("What do you need to know about?")
        box.wait_for()
        wait_idle(page)
        cold = time.perf_counter() - t_launch
        times = []
        for q in queries:
            box.fill(q)
            t0 = time.perf_counter()
            page.get_by_role("button", name="Search").click()
            page.get_by_text(f"for “{q}”").wait_for()
            page.locator("[class*='st-key-card_']").last.wait_for(state="attached")  # weak matches are folded
            wait_idle(page)
            times.append(time.perf_counter() - t0)
        page.close()
    return {"healthy_s": healthy, "cold_start_s": cold, "first_s": times[0], "warm": times[1:]}


def library_search(store: Path, queries: list[str]) -> list[float]:
    from graph.open import open_store
    from search.embedder import load_embedder
    from search.ranking import find_experts
    from search.retrieval import GraphView

    s = open_store(str(store), read_only=True)
    emb = load_embedder()
    gv = GraphView(s)
    find_experts(s, emb, queries[0], graph=gv)
    out = []
    for q in queries[1:]:
        t0 = time.perf_counter()
        find_experts(s, emb, q, graph=gv)
        out.append(time.perf_counter() - t0)
    return out


MAP_CANVAS = "[class*='st-key-network_map'] canvas"


def bench_map(browser, store: Path, cache_dir: Path, *, warm_up: bool = False, first_only: bool = False) -> dict:  # type: ignore[no-untyped-def]
    """Open the map from the sidebar of a loaded app (what a leader does) on a newly started server: the first
    time (the network measures come from the disk cache in ``cache_dir``, the start-up warm-up when
    ``warm_up``, or are computed there and then) and warm (median of three); plus a fresh tab opening the map
    URL directly (downloads and starts the whole front end)."""

    def drawn(page) -> float:  # type: ignore[no-untyped-def]
        page.locator(MAP_CANVAS).first.wait_for()
        page.get_by_text("ties drawn").wait_for()
        wait_idle(page)
        return time.perf_counter()

    env = {"WHOKNOWS_CACHE_DIR": str(cache_dir), "WHOKNOWS_WARM_UP": "1" if warm_up else "0"}
    with serve(store, env=env) as url:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(300_000)
        page.goto(url)
        page.get_by_label("What do you need to know about?").wait_for()
        wait_idle(page)
        loads = []
        for _ in range(1 if first_only else 4):
            t0 = time.perf_counter()
            page.get_by_test_id("stSidebarNav").get_by_role("link", name="Network map").click()
            loads.append(drawn(page) - t0)
            caption = page.get_by_text("ties drawn").inner_text()
            page.get_by_test_id("stSidebarNav").get_by_role("link", name="Find an expert").click()
            page.get_by_label("What do you need to know about?").wait_for()
            wait_idle(page)
        page.close()
        out = {"first_s": loads[0], "people_drawn": int(caption.split(" people")[0])}
        if first_only:
            return out
        tab = browser.new_page(viewport={"width": 1400, "height": 1000})
        tab.set_default_timeout(300_000)
        t0 = time.perf_counter()
        tab.goto(f"{url}/network_map")
        fresh = drawn(tab) - t0
        tab.close()
    return {**out, "warm_s": statistics.median(loads[1:]), "fresh_tab_s": fresh}


def plotly_figure(G, pos, groups, size_by, *, renderer: str, max_edges: int = 2_500):  # type: ignore[no-untyped-def]
    """The map as the app drew it before ECharts (plotly, one trace per group, ties as one line trace): the
    baseline the ECharts page is compared with."""
    import math

    import plotly.graph_objects as go

    from whoknows.webapp.netmap import PALETTE, drawable

    trace = go.Scattergl if renderer == "webgl" else go.Scatter
    nodes, _ = drawable(G, groups)
    keep = {v for v in nodes if v in pos}
    edges = sorted(
        ((u, v, float(d.get("weight", 1.0))) for u, v, d in G.edges(data=True) if u in keep and v in keep),
        key=lambda e: -e[2],
    )[:max_edges]
    ex: list[float | None] = []
    ey: list[float | None] = []
    for u, v, _ in edges:
        ex += [pos[u][0], pos[v][0], None]
        ey += [pos[u][1], pos[v][1], None]
    fig = go.Figure(trace(x=ex, y=ey, mode="lines", line={"width": 0.4, "color": "rgba(120,120,120,0.25)"},
                          hoverinfo="skip", showlegend=False))  # fmt: skip
    top = max((size_by.get(v, 0.0) for v in keep), default=0.0) or 1.0
    by_group: dict[str, list] = {}
    for v in nodes:
        by_group.setdefault(str(groups.get(v)), []).append(v)
    for i, (g, members) in enumerate(sorted(by_group.items(), key=lambda kv: (-len(kv[1]), kv[0]))):
        fig.add_trace(
            trace(
                x=[pos[v][0] for v in members], y=[pos[v][1] for v in members], mode="markers",
                name=f"{g} ({len(members)})", customdata=[str(v) for v in members],
                hovertext=[f"{G.nodes[v].get('name') or v}<br>{G.nodes[v].get('title') or ''}<br>{g}" for v in members],
                hoverinfo="text",
                marker={"size": [5 + 17 * math.sqrt(max(size_by.get(v, 0.0), 0.0) / top) for v in members],
                        "color": PALETTE[i % len(PALETTE)], "line": {"width": 0.5, "color": "white"}},
            )
        )  # fmt: skip
    fig.update_layout(height=720, margin={"l": 0, "r": 0, "t": 10, "b": 0}, xaxis={"visible": False},
                      yaxis={"visible": False, "scaleanchor": "x"})  # fmt: skip
    return fig


def plotly_baseline(browser, store: Path) -> dict:  # type: ignore[no-untyped-def]
    """The previous renderer alone: the same map drawn by plotly.js (WebGL ``Scattergl`` and SVG ``Scatter``)
    in a plain page, no Streamlit, plotly.js loading included; plus the JSON each renderer is sent."""
    from graph.analytics.projection import project_store
    from graph.open import open_store
    from whoknows.webapp.netmap import map_option
    from whoknows.webapp.precompute import AnalyticsCache

    G = project_store(open_store(str(store), read_only=True))
    a = AnalyticsCache().get(G)
    pts = a.map_data["points"]
    pos = {v: (float(x), float(y)) for v, x, y in zip(pts["nodes"], pts["x"], pts["y"], strict=True)}
    groups = dict(zip(pts["nodes"], pts["department"], strict=True))
    btw = {v: r["betweenness"] for v, r in a.report["people"].items()}
    out: dict[str, float] = {
        "echarts_json_bytes": len(json.dumps(map_option(G, pos, groups, size_by=btw).option, separators=(",", ":")))
    }
    with tempfile.TemporaryDirectory() as tmp:
        for kind in ("webgl", "svg"):
            f = plotly_figure(G, pos, groups, btw, renderer=kind)
            out["plotly_json_bytes"] = len(f.to_json())
            path = Path(tmp) / f"{kind}.html"
            f.write_html(path, include_plotlyjs=True, full_html=True)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            t0 = time.perf_counter()
            page.goto(path.as_uri())
            page.wait_for_function("() => document.querySelector('.js-plotly-plot')?._fullLayout !== undefined")
            page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
            out[kind] = time.perf_counter() - t0
            page.close()
    return out


def bench_trust(browser, store: Path) -> dict:  # type: ignore[no-untyped-def]
    """The tour of every page (axe-core, requests), and the search state's round trip through a shared URL."""
    from whoknows.webapp.tour import settled, tour

    with serve(store) as url:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(300_000)
        result = tour(page, url)
        page.goto(url)
        page.get_by_label("What do you need to know about?").fill("contract negotiation")
        dept = page.get_by_role("combobox", name=re.compile("Department"))
        dept.click()
        page.get_by_role("option").first.click()
        chosen = dept.inner_text()
        page.get_by_role("button", name="Search").click()
        page.get_by_text(re.compile(r"\d+ (people|strong match(es)?) for")).wait_for()
        settled(page)
        shared = page.url
        first = page.locator("[class*='st-key-card_'] strong").first.inner_text()
        ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
        other = ctx.new_page()
        other.set_default_timeout(300_000)
        other.goto(shared)
        other.get_by_text(re.compile(r"\d+ (people|strong match(es)?) for")).wait_for()
        settled(other)
        same = (
            other.get_by_label("What do you need to know about?").input_value() == "contract negotiation"
            and other.get_by_role("combobox", name=re.compile("Department")).inner_text() == chosen
            and other.locator("[class*='st-key-card_'] strong").first.inner_text() == first
            and "q=" in shared
            and "dept=" in shared
        )
        ctx.close()
        page.close()
    return {"violations": result.violations, "offsite": result.offsite, "url_state_roundtrip": bool(same)}


def demo_first_run() -> float:
    """``WHOKNOWS_NO_APP=1 bash scripts/demo.sh`` in a fresh clone of this checkout (new .venv, new store): the
    seconds until the demo is ready to open. The browser apt step is skipped (it is a system package here)."""
    with tempfile.TemporaryDirectory(prefix="whoknows-clone-") as tmp:
        clone = Path(tmp) / "whoknows"
        subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "WHOKNOWS_"))}
        env.update({"WHOKNOWS_NO_APP": "1", "WHOKNOWS_SKIP_SYSTEM": "1", "PATH": "/usr/local/bin:/usr/bin:/bin"})
        t0 = time.perf_counter()
        subprocess.run(["bash", "scripts/demo.sh"], cwd=clone, env=env, check=True, stdout=subprocess.DEVNULL)
        return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--store", type=Path, default=ROOT / "var" / "bench-app" / "demo.db")
    ap.add_argument("--map-store", type=Path, default=ROOT / "var" / "bench-app" / "map2000.db")
    ap.add_argument("--queries", type=int, default=20)
    ap.add_argument("--map-only", action="store_true", help="only the network map figures (quick re-measure)")
    ap.add_argument("--no-first-run", action="store_true", help="skip demo_first_run_seconds (a clean-clone install)")
    args = ap.parse_args()
    if not Path(CHROMIUM).exists():
        sys.exit(f"{CHROMIUM} is missing: install Debian's chromium package")
    build(args.store, args.store.parent / "demo", 400, 600, embed=True)
    build(args.map_store, args.map_store.parent / "map2000", 2000, 300, embed=False)
    truth_file = next(p for p in (args.store.parent / d / "truth.json" for d in ("demo", "org")) if p.exists())
    truth = json.loads(truth_file.read_text())
    queries = list(dict.fromkeys(q["query"] for q in truth["queries"]))[: args.queries + 1]

    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw, tempfile.TemporaryDirectory() as tmp:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        cache = Path(tmp) / "cache"  # a fresh cache folder: the first open after an ingest
        m = bench_map(browser, args.map_store, cache, warm_up=False, first_only=args.map_only)
        restart = bench_map(browser, args.map_store, cache, warm_up=False, first_only=True)  # measures on disk
        warmed = bench_map(browser, args.map_store, Path(tmp) / "warm", warm_up=True, first_only=True)
        if args.map_only:
            browser.close()
            firsts = {"map_first_s": m, "map_first_restart_s": restart, "map_first_warm_up_s": warmed}
            print(json.dumps({k: round(v["first_s"], 3) for k, v in firsts.items()}))
            return
        s = bench_search(browser, args.store, queries)
        base = plotly_baseline(browser, args.map_store)
        trust = bench_trust(browser, args.store)
        browser.close()
    first_run = None if args.no_first_run else demo_first_run()
    lib = library_search(args.store, queries)
    warm = s["warm"]
    fig = {
        "cold_start_s": round(s["cold_start_s"], 3),
        "server_healthy_s": round(s["healthy_s"], 3),
        "search_first_s": round(s["first_s"], 3),
        "search_p50_s": round(statistics.median(warm), 3),
        "search_p95_s": round(pct(warm, 0.95), 3),
        "search_queries": len(warm),
        "library_search_p50_s": round(statistics.median(lib), 3),
        "map_people": m["people_drawn"],
        "map_first_s": round(m["first_s"], 3),
        "map_first_restart_s": round(restart["first_s"], 3),
        "map_first_warm_up_s": round(warmed["first_s"], 3),
        "map_render_s": round(m["warm_s"], 3),
        "map_fresh_tab_s": round(m["fresh_tab_s"], 3),
        "map_json_bytes": base["echarts_json_bytes"],
        "plotly_json_bytes": base["plotly_json_bytes"],
        "plotly_webgl_s": round(base["webgl"], 3),
        "plotly_svg_s": round(base["svg"], 3),
        "axe_serious_violations": sum(len(v) for v in trust["violations"].values()),
        "offsite_requests": len(trust["offsite"]),
        "url_state_roundtrip": trust["url_state_roundtrip"],
        "demo_first_run_seconds": round(first_run, 1) if first_run is not None else None,
    }
    print(
        f"cold start to first interactive page: {fig['cold_start_s']:.2f} s "
        f"(server healthy {fig['server_healthy_s']:.2f} s)"
    )
    print(
        f"search round trip over {len(warm)} distinct queries: p50 {fig['search_p50_s']:.2f} s, "
        f"p95 {fig['search_p95_s']:.2f} s (target <= 1 s); first query incl. model load {fig['search_first_s']:.2f} s"
    )
    print(
        f"  baseline find_experts in-process p50 {fig['library_search_p50_s']:.3f} s: the app adds "
        f"x{fig['search_p50_s'] / max(fig['library_search_p50_s'], 1e-9):.1f}"
    )
    print(
        f"network map (ECharts canvas), {m['people_drawn']} people drawn: {fig['map_render_s']:.2f} s warm "
        f"(target <= 2 s), {fig['map_fresh_tab_s']:.2f} s in a fresh tab (whole front end)"
    )
    print(
        f"  first open on a new server: {fig['map_first_s']:.2f} s after an ingest (measures computed while the "
        f"person waits), {fig['map_first_restart_s']:.2f} s after a restart (measures on disk), "
        f"{fig['map_first_warm_up_s']:.2f} s after an ingest with WHOKNOWS_WARM_UP=1"
    )
    print(
        f"  baseline, the previous renderer alone: plotly.js WebGL {fig['plotly_webgl_s']:.2f} s, SVG "
        f"{fig['plotly_svg_s']:.2f} s (plotly.js load included); the app's warm ECharts page is "
        f"x{fig['plotly_webgl_s'] / max(fig['map_render_s'], 1e-9):.1f} faster than WebGL alone; "
        f"map JSON {fig['map_json_bytes'] / 1e3:.0f} kB vs plotly {fig['plotly_json_bytes'] / 1e3:.0f} kB"
    )
    print(
        f"every page used in the browser: {fig['axe_serious_violations']} serious/critical axe-core violations "
        f"(target 0) on {len(trust['violations'])} pages, {fig['offsite_requests']} requests left localhost (target 0)"
        + "".join(f"\n  {page}: {v}" for page, vs in trust["violations"].items() for v in vs)
        + "".join(f"\n  offsite: {u}" for u in trust["offsite"][:10])
    )
    print(f"search state through a shared URL restores query, filter and results: {fig['url_state_roundtrip']}")
    if first_run is not None:
        print(f"scripts/demo.sh from a clean clone to a ready demo (install, build, measures): {first_run:.0f} s")
    print(json.dumps(fig))


if __name__ == "__main__":
    main()
