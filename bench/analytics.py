"""Benchmark of the network analytics on the shared real data and a 10,000-person synthetic organisation.

Run from the project root: ``python bench/analytics.py [--quick]``. Reads ../shared/data in place.

1. email-Eu-core through the product's ingest (people CSV written to a temp dir from the department labels,
   plus the SNAP edge list as interactions): Louvain NMI against departments over 10 seeds, the networker
   report's time, and the same measures by plain networkx calls side by side.
2. Spread: IMM on NetHEPT_SUSTech_WC_variant (IC with the file's weights), k=50, seed-selection time, spread by
   10,000 Monte-Carlo cascades; the README's reference rows for email-Eu-core and NetHEPT (IC p=0.01 and
   weighted cascade, k=1/10/50), each compared with the reference.
3. A 10,000-person synthetic organisation (departments, managers, communities, co-authorship): the full report
   (communities, networkers, map) timed against plain networkx calls for the same measures.
4. The spread answer a change agent gets (issue #14): the default model's lift of the chosen k=10 seeds over 10
   random sets of 10 and over the 10 best-connected people (all by forward Monte-Carlo cascades, not the RR
   estimates the product shows) on email-Eu-core, the demo organisation (generated and ingested here) and the
   outside organisational networks the model was not chosen on; the best single seed's share of the demo; the
   app's spread answer on the demo (k=5, at most 2 per department) timed.

The last line is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import networkx as nx
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from graph.analytics.centrality import betweenness, constraint, coreness, effective_size  # noqa: E402
from graph.analytics.communities import communities, leiden_available, nmi  # noqa: E402
from graph.analytics.maps import layout, network_map  # noqa: E402
from graph.analytics.networkers import networker_report  # noqa: E402
from graph.analytics.projection import (  # noqa: E402
    build_person_graph,
    interaction_graph,
    node_attribute,
    project_store,
)
from graph.analytics.spread import from_arcs, imm, influence_graph, simulate  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
EU = DATA / "org-networks" / "email_eu_core"
HEPT = DATA / "influence" / "nethept"

REFERENCE = {
    ("email-Eu-core", "ic"): {1: 7.45, 10: 43.69, 50: 118.49},
    ("email-Eu-core", "wc"): {1: 101.67, 10: 295.66, 50: 480.93},
    ("NetHEPT", "ic"): {1: 1.68, 10: 15.53, 50: 71.07},
    ("NetHEPT", "wc"): {1: 43.31, 10: 312.01, 50: 957.52},
    ("NetHEPT_WC_variant", "file"): {1: 91.61, 10: 508.33, 50: 1291.05},
}


def timed(fn, *args, **kwargs):
    t = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - t


def log(msg: str) -> None:
    print(msg, flush=True)


# -- 1. email-Eu-core through ingest -------------------------------------------------------------------------


def load_email_eu_core(tmp: Path) -> tuple[nx.Graph, nx.DiGraph, dict, str]:
    """Ingest the dataset through ingest.pipeline.ingest_paths and project it; falls back to files if absent."""
    people = tmp / "people.csv"
    with open(EU / "email-Eu-core-department-labels.txt") as src, open(people, "w", newline="") as out:
        w = csv.writer(out)
        w.writerow(["person_id", "name", "department"])
        for line in src:
            pid, dept = line.split()
            w.writerow([pid, f"Person {pid}", f"Department {dept}"])
    try:
        from graph.sqlite_store import SQLiteStore
        from ingest.pipeline import ingest_paths
    except ImportError as exc:  # pragma: no cover - the pipeline has landed
        log(f"ingest pipeline not available ({exc}); building the graph from the files directly")
        raise
    store = SQLiteStore(tmp / "eu.db")
    t = time.perf_counter()
    r1 = ingest_paths(store, [people])
    r2 = ingest_paths(store, [EU / "email-Eu-core.txt"], kind="interactions")
    t_ingest = time.perf_counter() - t
    acc = sum(s.accepted for s in r1.sources + r2.sources)
    rej = sum(s.rejected for s in r1.sources + r2.sources)
    G, t_proj = timed(project_store, store)
    D = interaction_graph(store)
    store.close()
    info = f"ingest {t_ingest:.1f}s ({acc} records accepted, {rej} rejected), projection {t_proj:.2f}s"
    return G, D, node_attribute(G, "department"), info


def bench_email(tmp: Path, seeds: int) -> dict:
    G, D, dept, info = load_email_eu_core(tmp)
    log(f"\n== email-Eu-core via ingest: {G.number_of_nodes()} people, {G.number_of_edges()} ties; {info}")
    vals, t_louv = [], []
    for s in range(seeds):
        part, t = timed(communities, G, weight=None, seed=s)
        vals.append(nmi(part, dept))
        t_louv.append(t)
    louv = statistics.mean(vals)
    log(
        f"Louvain (networkx, canonical order, unweighted) NMI vs departments over {seeds} seeds: "
        f"{louv:.3f} +- {statistics.stdev(vals):.3f}  (README: 0.589 +- 0.014; target >= 0.58); "
        f"{statistics.mean(t_louv):.2f}s per run"
    )
    out = {"email_eu_core_nmi": round(louv, 4), "email_eu_core_nmi_sd": round(statistics.stdev(vals), 4)}
    if leiden_available():
        lv = [nmi(communities(G, weight=None, seed=s, method="leiden"), dept) for s in range(seeds)]
        log(f"Leiden (leidenalg) NMI over {seeds} seeds: {statistics.mean(lv):.3f} +- {statistics.stdev(lv):.3f}")
        out["email_eu_core_nmi_leiden"] = round(statistics.mean(lv), 4)
    part0 = communities(G, weight=None, seed=0)
    rep, t_rep = timed(networker_report, G, weight="weight", communities=part0, seed=0)
    _rep_all, t_rep_all = timed(networker_report, G, weight="weight", seed=0)
    log(
        f"networker report (degree, strength, exact betweenness, constraint, effective size, coreness, "
        f"Gould-Fernandez x2, participation x2, z, labels): {t_rep:.2f}s with the map's communities; "
        f"{t_rep_all:.2f}s including its own Louvain run; labels {rep['summary']}"
    )
    # the same measures by plain networkx calls
    H = nx.Graph(G)
    _, t_nx_b = timed(nx.betweenness_centrality, H)
    _, t_nx_c = timed(nx.constraint, H, weight="weight")
    _, t_nx_core = timed(nx.core_number, H)
    # networkx's default effective_size (nodes=None) is its dense vectorised path (wrong on weighted graphs,
    # see docs); its per-node path is O(deg^3) per person, so it is timed on 30 random people and scaled.
    _, t_nx_e_dense = timed(nx.effective_size, H, weight="weight")
    sample = random.Random(0).sample(list(H), 30)
    _, t_nx_e = timed(nx.effective_size, H, nodes=sample, weight="weight")
    t_nx_e_all = t_nx_e * H.number_of_nodes() / len(sample)
    ours_b = timed(betweenness, H)[1]
    ours_c = timed(constraint, H, weight="weight")[1]
    ours_e = timed(effective_size, H, weight="weight")[1]
    log(
        f"side by side (networkx vs ours): betweenness {t_nx_b:.2f}s vs {ours_b:.2f}s; constraint {t_nx_c:.2f}s "
        f"vs {ours_c:.2f}s; effective size {t_nx_e_dense:.2f}s (dense default path) / ~{t_nx_e_all:.0f}s "
        f"(per-node path, scaled from 30 people) vs {ours_e:.2f}s; core number {t_nx_core:.2f}s"
    )
    out.update(
        {
            "email_eu_core_report_seconds": round(t_rep, 3),
            "email_eu_core_report_with_louvain_seconds": round(t_rep_all, 3),
            "email_eu_core_nx_betweenness_seconds": round(t_nx_b, 3),
        }
    )
    return out | {"_directed": D}


# -- 2. spread -----------------------------------------------------------------------------------------------


def nethept_variant():
    rows = np.loadtxt(HEPT / "NetHEPT_SUSTech_WC_variant.txt", skiprows=1)
    with open(HEPT / "NetHEPT_SUSTech_WC_variant.txt") as fh:
        n = int(fh.readline().split()[0])
    return from_arcs(list(range(n)), rows[:, 0].astype(int), rows[:, 1].astype(int), rows[:, 2])


def nethept_simple() -> nx.Graph:
    G = nx.Graph()
    with open(HEPT / "nethept_undirected_simple.txt") as fh:
        for line in fh:
            if line.startswith("#") or not line.strip():
                continue
            u, v = line.split()[:2]
            G.add_edge(int(u), int(v))
    return G


def spread_row(ig, model: str, k: int, eps: float, n_sim: int, seed: int = 0) -> tuple[float, float, float]:
    sel, t = timed(imm, ig, k, model="ic" if model == "file" else model, eps=eps, seed=seed, max_rr_sets=12_000_000)
    est = simulate(ig, sel.seeds, model="ic", n_sim=n_sim, seed=seed + 1)
    return est.mean, (est.ci_high - est.ci_low) / 2, t


def bench_spread(D: nx.DiGraph, n_sim: int, eps_headline: float, ks: tuple[int, ...]) -> dict:
    log("\n== Spread (IMM seeds, spread = mean of Monte-Carlo cascades)")
    out: dict = {}
    ig_var = nethept_variant()
    # Timed three times (same seed, same seeds chosen): the machine is shared, so the minimum is the figure
    # least disturbed by other processes (as timeit reports); the median is printed beside it.
    runs = [timed(imm, ig_var, 50, eps=eps_headline, seed=0) for _ in range(3)]
    sel = runs[0][0]
    t_sel = min(t for _, t in runs)
    t_med = statistics.median(t for _, t in runs)
    est, t_mc = timed(simulate, ig_var, sel.seeds, n_sim=n_sim, seed=1)
    log(
        f"NetHEPT_SUSTech_WC_variant, IC with the file's weights, k=50: IMM eps={eps_headline} selected in "
        f"{t_sel:.2f}s (min of 3; median {t_med:.2f}s; {sel.rr_sets} RR sets); spread {est.mean:.1f} "
        f"(95% CI {est.ci_low:.1f}-{est.ci_high:.1f}, "
        f"{n_sim} cascades in {t_mc:.1f}s); reference 1291.05; third-party IMM 1294-1298 in ~3.5s"
    )
    out.update(
        {
            "nethept_k50_spread": round(est.mean, 2),
            "nethept_k50_seconds": round(t_sel, 3),
            "nethept_k50_seconds_median": round(t_med, 3),
            "nethept_k50_rr_sets": sel.rr_sets,
            "nethept_k50_mc_seconds": round(t_mc, 2),
        }
    )
    graphs = {
        ("email-Eu-core", "ic"): influence_graph(D, model="ic", weight=None, p0=0.01),
        ("email-Eu-core", "wc"): influence_graph(D, model="wc", weight=None),
    }
    hept = nethept_simple()
    graphs[("NetHEPT", "ic")] = influence_graph(hept, model="ic", weight=None, p0=0.01)
    graphs[("NetHEPT", "wc")] = influence_graph(hept, model="wc", weight=None)
    graphs[("NetHEPT_WC_variant", "file")] = ig_var
    table = []
    worst = 0.0
    for (name, model), ig in graphs.items():
        cells = []
        for k in ks:
            mean, half, t = spread_row(ig, model, k, 0.2, n_sim)
            ref = REFERENCE[(name, model)][k]
            dev = (mean - ref) / ref
            worst = max(worst, -dev)  # shortfall only: a larger spread than the reference is not a miss
            cells.append(f"k={k}: {mean:.2f} +- {half:.2f} (ref {ref}, {100 * dev:+.1f}%, {t:.1f}s)")
            table.append({"graph": name, "model": model, "k": k, "spread": round(mean, 3), "reference": ref})
        log(f"{name:20s} {model:4s} " + "; ".join(cells))
    out["spread_table"] = table
    out["spread_worst_shortfall_pct"] = round(100 * worst, 2)
    return out


# -- 3. synthetic 10k organisation ---------------------------------------------------------------------------


def synthetic_org(n: int = 10_000, n_depts: int = 25, seed: int = 7) -> nx.Graph:
    """Departments with a management tree, communities of practice drawing mostly on 1-3 departments,
    co-authored documents mostly within a department, and a few cross-department projects."""
    rnd = random.Random(seed)
    people = []
    dept_of = {}
    members: dict[int, list[str]] = {d: [] for d in range(n_depts)}
    for i in range(n):
        d = min(int(rnd.paretovariate(1.2)) - 1, n_depts - 1) if rnd.random() < 0.3 else rnd.randrange(n_depts)
        pid = f"person:{i}"
        dept_of[pid] = d
        members[d].append(pid)
        people.append({"id": pid, "name": f"P{i}", "department": f"Dept {d}", "opted_out": rnd.random() < 0.02})
    reports = []
    for ms in members.values():
        for j, p in enumerate(ms[1:], start=1):
            reports.append((p, ms[(j - 1) // 7]))  # span of control 7
    comms = {}
    for c in range(250):
        home = rnd.sample(range(n_depts), rnd.choice((1, 1, 2, 3)))
        size = rnd.randint(8, 60)
        pool = [p for d in home for p in members[d]]
        ms = rnd.sample(pool, min(size, len(pool)))
        ms += [rnd.choice(people)["id"] for _ in range(2)]  # a couple of members from anywhere
        comms[f"c{c}"] = ms
    docs = {}
    for j in range(6000):
        d = rnd.randrange(n_depts)
        k = rnd.choice((1, 2, 2, 3, 3, 4, 5))
        authors = rnd.sample(members[d], min(k, len(members[d])))
        if rnd.random() < 0.25:
            authors.append(rnd.choice(people)["id"])
        docs[f"d{j}"] = authors
    return build_person_graph(people, reports_to=reports, documents=docs, communities=comms)


def bench_synthetic(quick: bool) -> dict:
    G, t_build = timed(synthetic_org)
    log(
        f"\n== synthetic organisation: {G.number_of_nodes()} people, {G.number_of_edges()} ties "
        f"(built in {t_build:.1f}s)"
    )
    t0 = time.perf_counter()
    part, t_comm = timed(communities, G, seed=0, method="auto")
    rep, t_rep = timed(networker_report, G, communities=part, seed=0)
    mp, t_map = timed(network_map, G, seed=0, communities=part)
    total = time.perf_counter() - t0
    log(
        f"full report {total:.1f}s: communities (auto: igraph Louvain) {t_comm:.1f}s, networker report {t_rep:.1f}s "
        f"(betweenness {rep['method']['betweenness']}, 95% error bound {rep['method']['betweenness_error_95']:.3f}), "
        f"map (communities, tie matrix, E-I, {mp['points']['method']} layout) {t_map:.1f}s; labels {rep['summary']}"
    )
    out = {"report_10k_seconds": round(total, 2), "report_10k_networkers_seconds": round(t_rep, 2)}
    # plain networkx, same measures, side by side
    nx_t = {}
    louv, nx_t["louvain"] = timed(nx.community.louvain_communities, G, seed=0)
    log(
        f"partition agreement, igraph Louvain vs networkx Louvain: NMI "
        f"{nmi(part, {v: i for i, c in enumerate(louv) for v in c}):.3f}; modularity "
        f"{nx.community.modularity(G, louv):.3f} (Louvain) vs {mp['communities']['modularity']:.3f} (ours)"
    )
    _, t_b = timed(nx.betweenness_centrality, G, k=100, seed=0)
    nx_t["betweenness_k500_scaled_from_k100"] = t_b * 5  # cost is linear in the number of pivots
    _, nx_t["constraint"] = timed(nx.constraint, G, weight="weight")
    sample = random.Random(0).sample(list(G), 30)
    _, t_e = timed(nx.effective_size, G, nodes=sample, weight="weight")
    nx_t["effective_size_scaled_from_30"] = t_e * G.number_of_nodes() / len(sample)
    _, nx_t["core_number"] = timed(nx.core_number, G)
    sub = G.subgraph(list(G)[:2000])
    _, t_spring = timed(nx.spring_layout, sub, seed=0, iterations=50)
    _, t_fr = timed(layout, sub, seed=0, method="igraph_fr")
    log(f"layout on a 2,000-person subgraph: networkx spring {t_spring:.1f}s, igraph FR {t_fr:.2f}s")
    # networkx's spring layout on all 10,000 people would take many minutes (it is quadratic per iteration):
    # only the 2,000-person comparison above is run, and it is not added to the networkx total.
    ours = {
        "betweenness_k500": timed(betweenness, G, k=500, seed=0)[1],
        "constraint": timed(constraint, G, weight="weight")[1],
        "effective_size": timed(effective_size, G, weight="weight")[1],
        "core_number": timed(coreness, G)[1],
        "layout": timed(layout, G, seed=0)[1],
    }
    nx_total = sum(nx_t.values())
    log(
        "plain networkx, same measures: "
        + ", ".join(f"{k} {v:.1f}s" for k, v in nx_t.items())
        + f" = {nx_total:.1f}s (no networkx brokerage roles or participation; not counted)"
    )
    log("ours, one by one: " + ", ".join(f"{k} {v:.2f}s" for k, v in ours.items()))
    out["report_10k_networkx_seconds"] = round(nx_total, 1)
    out["layout_2k_networkx_spring_seconds"] = round(t_spring, 2)
    out["layout_2k_igraph_fr_seconds"] = round(t_fr, 2)
    return out


# -- scale: the Python path at 10k / 50k / 100k people (issue #16) ----------------------------------------------


def heavy_tailed_org(n: int, seed: int = 11) -> nx.Graph:
    """An ``n``-person organisation whose degree distribution has a heavy tail, as real ones do: each person has
    an activity drawn from a Pareto law (a few people author, join and review far more than most); departments
    have Pareto sizes with a management tree (span 7); communities of practice (one per 40 people) have Pareto
    sizes from 5 to 400 and draw members by activity, mostly from one to three departments; documents (0.6 per
    person) have 1-6 authors drawn by activity, mostly within a department; 2 e-mail ties per person, by
    activity. Projected by the product's build_person_graph (groups above 200 people add no pairwise ties)."""
    rng = np.random.default_rng(seed)
    n_depts = max(10, n // 400)
    activity = rng.pareto(1.6, n) + 1.0
    dept_sizes = rng.pareto(1.2, n_depts) + 1.0
    dept = rng.choice(n_depts, size=n, p=dept_sizes / dept_sizes.sum())
    ids = np.array([f"person:{i}" for i in range(n)], dtype=object)
    people = [
        {"id": ids[i], "name": f"P{i}", "department": f"Dept {dept[i]}", "opted_out": bool(rng.random() < 0.02)}
        for i in range(n)
    ]
    members = [np.flatnonzero(dept == d) for d in range(n_depts)]
    reports = [(ids[ms[j]], ids[ms[(j - 1) // 7]]) for ms in members for j in range(1, len(ms))]

    def pick(pool: np.ndarray, k: int) -> list[str]:
        k = min(k, len(pool))
        if k <= 0:
            return []
        w = activity[pool]
        return list(ids[rng.choice(pool, size=k, replace=False, p=w / w.sum())])

    everyone = np.arange(n)
    comms = {}
    for c in range(max(1, n // 40)):
        home = rng.choice(n_depts, size=int(rng.choice([1, 1, 2, 3])), replace=False)
        size = int(min(400, 5 + rng.pareto(1.5) * 10))
        pool = np.concatenate([members[d] for d in home])
        comms[f"c{c}"] = pick(pool, int(size * 0.9)) + pick(everyone, max(1, size // 10))
    docs = {}
    for j in range(int(n * 0.6)):
        d = int(dept[rng.integers(n)])
        authors = pick(members[d], int(rng.choice([1, 2, 2, 3, 3, 4, 6])))
        if rng.random() < 0.25:
            authors += pick(everyone, 1)
        docs[f"d{j}"] = authors
    p = activity / activity.sum()
    senders = rng.choice(n, size=2 * n, p=p)
    receivers = rng.choice(n, size=2 * n, p=p)
    mail = [(ids[a], ids[b], 1.0) for a, b in zip(senders, receivers, strict=True) if a != b]
    return build_person_graph(people, reports_to=reports, documents=docs, communities=comms, interactions=mail)


def bench_scale(sizes: tuple[int, ...] = (10_000, 50_000, 100_000)) -> dict:
    """The networker report (what ``whoknows networkers`` runs: communities, centralities, brokerage roles,
    labels) on the Python path at each size: ``networkers_<n>k_seconds`` (wall) and ``_cpu_seconds`` (this
    process's CPU time: on a shared machine the wall time depends on the load, the CPU time much less; both
    are reported with the load average at the start); ``report_100k_seconds`` is the 100k wall time under the
    issue's name (target <= 120). ``scale_code``: the checkout whose graph/analytics ran (a before/after pair
    runs this bench twice, once with ``PYTHONPATH`` pointing at the older checkout)."""
    import resource

    import graph.analytics.networkers as networkers_module

    out: dict = {"scale_code": str(Path(networkers_module.__file__).resolve().parents[2])}
    for n in sizes:
        G, t_build = timed(heavy_tailed_org, n)
        degrees = np.array([d for _, d in G.degree()])
        load = os.getloadavg()[0]
        cpu = time.process_time()
        rep, t_rep = timed(networker_report, G, seed=0)
        cpu = time.process_time() - cpu
        tail = float(np.percentile(degrees, 99)) / max(float(np.median(degrees)), 1.0)
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        log(
            f"\n== scale {n:,} people: {G.number_of_edges():,} ties (built {t_build:.1f}s), degree median "
            f"{np.median(degrees):.0f}, p99 {np.percentile(degrees, 99):.0f}, max {degrees.max()} (p99/median "
            f"{tail:.1f}); networker report {t_rep:.1f}s wall, {cpu:.1f}s CPU at load {load:.1f}, peak RSS "
            f"{rss:.0f} MB so far (betweenness {rep['method']['betweenness']}, communities "
            f"{rep['method']['communities']})"
        )
        key = f"{n // 1000}k"
        out[f"networkers_{key}_seconds"] = round(t_rep, 1)
        out[f"networkers_{key}_cpu_seconds"] = round(cpu, 1)
        out[f"networkers_{key}_load_avg"] = round(load, 1)
        out[f"networkers_{key}_ties"] = G.number_of_edges()
        out[f"networkers_{key}_degree_p99_over_median"] = round(tail, 1)
        out[f"networkers_{key}_peak_rss_mb"] = round(rss)
        del G, rep
    if "networkers_100k_seconds" in out:
        out["report_100k_seconds"] = out["networkers_100k_seconds"]  # the name for the figure
        out["report_100k_cpu_seconds"] = out["networkers_100k_cpu_seconds"]
    return out


# -- 4. the spread answer (issue #14) ------------------------------------------------------------------------

ORG = DATA / "org-networks"


def _tsv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def _edge_graph(nodes: Path, edges: Path, *, weight: str | None = None, dept: str | None = None) -> nx.Graph:
    """An org network fed through the projection's own builder, as its interactions would be after an ingest."""
    people = [{"id": r["node_id"], "department": r.get(dept) if dept else None} for r in _tsv(nodes)]
    inter = [(r["source"], r["target"], float(r[weight]) if weight else 1.0) for r in _tsv(edges)]
    return build_person_graph(people, interactions=inter)


def email_eu_core_graph() -> nx.Graph:
    people = []
    with open(EU / "email-Eu-core-department-labels.txt") as fh:
        for line in fh:
            pid, d = line.split()
            people.append({"id": pid, "department": f"Department {d}"})
    with open(EU / "email-Eu-core.txt") as fh:
        inter = [(a, b, 1.0) for a, b in (line.split()[:2] for line in fh if line.strip())]
    return build_person_graph(people, interactions=inter)


def outside_networks() -> dict[str, nx.Graph]:
    """Organisational networks the spread model was *not* chosen on (held out; the demo was the tuning look)."""
    return {
        "email-Eu-core": email_eu_core_graph(),
        "radoslaw-manufacturing": _edge_graph(
            ORG / "radoslaw_manufacturing_email/radoslaw_email.nodes.tsv",
            ORG / "radoslaw_manufacturing_email/radoslaw_email.edges.tsv",
            weight="weight",
        ),
        "enron": _edge_graph(ORG / "enron_igraphdata/enron.nodes.tsv", ORG / "enron_igraphdata/enron.edges.tsv"),
        "arenas-university": _edge_graph(
            ORG / "arenas_urv_email/arenas_email.nodes.tsv", ORG / "arenas_urv_email/arenas_email.edges.tsv"
        ),
        "krackhardt-advice": _edge_graph(
            ORG / "krackhardt_hightech/ht_advice.nodes.tsv",
            ORG / "krackhardt_hightech/ht_advice.edges.tsv",
            dept="dept",
        ),
    }


def build_demo(tmp: Path, quick: bool) -> Path:
    """The demo organisation generated, ingested and embedded as ``whoknows demo`` does (spread and risk ask the
    calibrated expertise, which reads the vectors)."""
    from graph.sqlite_store import SQLiteStore
    from ingest.pipeline import ingest_paths
    from search.embedder import default_embedder, embed_store
    from whoknows.demo import generate_demo

    generate_demo(tmp / "demo", people=600, documents=600 if quick else 2000)
    path = tmp / "demo.db"
    store = SQLiteStore(path)
    store.setup_schema()
    t = time.perf_counter()
    emb = default_embedder()
    ingest_paths(store, [tmp / "demo" / "data"], embed=lambda s: embed_store(s, emb, progress=False))
    store.close()
    log(f"\n== demo organisation generated and ingested in {time.perf_counter() - t:.1f}s -> {path}")
    return path


def spread_lift(G: nx.Graph, k: int, n_sim: int, model: str | None = None, seed: int = 0) -> dict:
    """Forward Monte-Carlo reach of the product's k seeds (no idea text), of 10 random k-sets (the mean of their
    means) and of the k best-connected people, with the default model."""
    from graph.analytics.spread import DEFAULT_MODEL
    from graph.analytics.spread_plan import plan_spread

    model = model or DEFAULT_MODEL
    if model != DEFAULT_MODEL:
        n_sim = min(n_sim, 2000)  # comparison rows: a saturating IC cascade reaches ~450 people; 10k is slow
    n = G.number_of_nodes()
    k = min(k, max(1, n // 4))
    t = time.perf_counter()
    plan = plan_spread(G, k, model=model, n_sim=n_sim, seed=seed)
    t_plan = time.perf_counter() - t
    ig = influence_graph(G, model=model)
    chosen = simulate(ig, [s["person"] for s in plan["seeds"]], model=model, n_sim=n_sim, seed=seed + 11).mean
    rng = random.Random(seed + 5)
    nodes = sorted(G, key=str)
    rnd = [simulate(ig, rng.sample(nodes, k), model=model, n_sim=max(500, n_sim // 5), seed=seed + 20 + i).mean
           for i in range(10)]  # fmt: skip
    top = sorted(nodes, key=lambda v: (-G.degree(v), str(v)))[:k]
    best = simulate(ig, top, model=model, n_sim=n_sim, seed=seed + 12).mean
    single = plan_spread(G, 1, model=model, n_sim=n_sim, seed=seed, random_sets=2)
    s1 = simulate(ig, [single["seeds"][0]["person"]], model=model, n_sim=n_sim, seed=seed + 13).mean
    return {
        "people": n,
        "k": k,
        "chosen": chosen,
        "random": statistics.mean(rnd),
        "random_range": (min(rnd), max(rnd)),
        "best_connected": best,
        "lift_vs_random": chosen / statistics.mean(rnd),
        "lift_vs_best_connected": chosen / best,
        "best_single_share": s1 / n,
        "plan_seconds": t_plan,
        "product_lift_shown": plan["lift_vs_random"],
    }


def bench_spread_answer(demo: Path, n_sim: int) -> dict:
    """Issue #14's spread figures: lift over random and the best-connected, saturation, the app's answer time."""
    from graph.analytics.knowers import idea_knowers, load_embedder
    from graph.analytics.spread import MODELS
    from graph.analytics.spread_plan import plan_spread
    from graph.open import open_store

    log("\n== Spread answer: chosen k seeds vs 10 random k-sets vs the k best-connected (forward Monte-Carlo)")
    out: dict = {}
    store = open_store(str(demo), read_only=True)
    G_demo = project_store(store)
    rows = {"demo (tuning look)": G_demo, **outside_networks()}
    lifts = {}
    for name, G in rows.items():
        for model in MODELS if name in ("demo (tuning look)", "email-Eu-core") else ("wc",):
            r = spread_lift(G, 10, n_sim, model=model)
            log(
                f"{name:26s} {model}: n={r['people']:5d} k={r['k']:2d} chosen {r['chosen']:7.1f}  random "
                f"{r['random']:7.1f} ({r['random_range'][0]:.1f}-{r['random_range'][1]:.1f})  best-connected "
                f"{r['best_connected']:7.1f}  lift {r['lift_vs_random']:.2f} / {r['lift_vs_best_connected']:.2f}  "
                f"best single {100 * r['best_single_share']:.1f}%  ({r['plan_seconds']:.2f}s)"
            )
            lifts[(name, model)] = r
    out["spread_lift_vs_random"] = {
        "email_eu_core": round(lifts[("email-Eu-core", "wc")]["lift_vs_random"], 3),
        "demo": round(lifts[("demo (tuning look)", "wc")]["lift_vs_random"], 3),
    }
    out["spread_lift_vs_best_connected"] = {
        "email_eu_core": round(lifts[("email-Eu-core", "wc")]["lift_vs_best_connected"], 3),
        "demo": round(lifts[("demo (tuning look)", "wc")]["lift_vs_best_connected"], 3),
    }
    out["spread_lift_held_out"] = {
        name: round(lifts[(name, "wc")]["lift_vs_random"], 3) for name in rows if not name.startswith("demo")
    }
    out["spread_saturation"] = round(lifts[("demo (tuning look)", "wc")]["best_single_share"], 4)
    out["spread_saturation_ic"] = round(lifts[("demo (tuning look)", "ic")]["best_single_share"], 4)
    # the app's answer: knowers for the idea + plan (the person network is a cached resource in the app)
    idea = "weekly lessons-learned huddles"
    emb = load_embedder()  # a resource the app loads once per process
    times = []
    for _ in range(3):
        t = time.perf_counter()
        knowers = {r.person: r.score for r in idea_knowers(store, idea, embedder=emb)}
        plan = plan_spread(G_demo, 5, max_per_department=2, knowers=knowers)
        times.append(time.perf_counter() - t)
    store.close()
    log(
        f"app spread answer on the demo ('{idea}', k=5, at most 2 per department): {min(times):.2f}s min of 3, "
        f"median {statistics.median(times):.2f}s; {plan['knowers']['case']}; reach "
        f"{plan['expected_reach']['mean']:.1f} vs random {plan['baselines']['random']['mean']:.1f}"
    )
    out["spread_app_seconds"] = round(min(times), 3)
    out["spread_app_seconds_median"] = round(statistics.median(times), 3)
    return out


def bench_risk_cli(demo: Path) -> dict:
    """``whoknows risk --json`` on the demo as a person runs it (a new process: model load included): COLD, the
    first command after the fresh ingest (no cache of an earlier run: the CLI keeps none), then once more (warm:
    the operating system's file cache only); ``whoknows spread`` twice; and the risk answer's parts in this
    process (network measures vs the expertise for every topic)."""
    import os
    import subprocess

    from graph.analytics.knowers import load_embedder, topic_experts
    from graph.analytics.risk_summary import risk_summary
    from graph.open import open_store

    def cli(*args: str) -> tuple[float, subprocess.CompletedProcess]:
        t = time.perf_counter()
        out = subprocess.run(
            [sys.executable, "-m", "whoknows.cli", *args, "--store", str(demo), "--json"],
            capture_output=True, text=True, cwd=ROOT, env={**os.environ, "HF_HUB_OFFLINE": "1"},
        )  # fmt: skip
        return time.perf_counter() - t, out

    log("\n== The CLI's answers on the demo (a fresh process each time: model load included)")
    times = []
    for _ in range(2):  # the first is the cold run: nothing has read this store since it was ingested
        dt, out = cli("risk")
        times.append(dt)
        if out.returncode != 0:
            log(f"whoknows risk failed: {out.stderr.strip()[:300]}")
            return {"risk_cli_seconds": None}
    rep = json.loads(out.stdout)
    spread_times = []
    for _ in range(2):
        dt, sp = cli("spread", "weekly lessons-learned huddles", "-k", "5", "--max-per-department", "2")
        spread_times.append(dt)
        if sp.returncode != 0:
            log(f"whoknows spread failed: {sp.stderr.strip()[:300]}")
    log(f"whoknows spread (k=5, at most 2 per department): {min(spread_times):.1f}s (min of 2)")
    store = open_store(str(demo), read_only=True)
    emb = load_embedder()
    experts, t_exp = timed(topic_experts, store, embedder=emb)
    G, t_proj = timed(project_store, store)
    _, t_net = timed(risk_summary, G, experts)
    store.close()
    at_risk = [r["name"] for r in rep["network_risk"]["departments"]["at_risk"]]
    log(
        f"whoknows risk: cold {times[0]:.1f}s (first command after the ingest), warm {times[1]:.1f}s; of which, in "
        f"process: expertise for {len(experts)} topics {t_exp:.1f}s, projection {t_proj:.2f}s, risk measures "
        f"{t_net:.2f}s; {len(rep['single_experts'])} single-expert topics, {len(rep['peripheral_specialists'])} "
        f"peripheral specialists, departments at network risk: {', '.join(at_risk)}"
    )
    return {
        "spread_cli_seconds": round(min(spread_times), 2),
        "risk_cli_seconds": round(times[0], 2),
        "risk_cli_warm_seconds": round(times[1], 2),
        "risk_expertise_seconds": round(t_exp, 2),
        "risk_measures_seconds": round(t_net + t_proj, 2),
    }


# -- 5. directed brokerage (issue #14) ------------------------------------------------------------------------


def bench_brokerage_directed() -> dict:
    """Gould-Fernandez counts on directed test graphs (e-mail arcs mixed with shared documents, and the Krackhardt
    advice network) equal a brute-force enumeration, with representative != gatekeeper where direction says so;
    plus the vectorised counts' time on email-Eu-core as directed interactions."""
    from graph.analytics.brokerage import brokerage_roles, enumerate_brokerage

    log("\n== Directed brokerage: vectorised counts vs brute-force enumeration")
    graphs = {}
    rnd = random.Random(3)
    ids = [f"p{i}" for i in range(60)]
    people = [{"id": p, "department": f"D{rnd.randrange(4)}"} for p in ids]
    graphs["mixed e-mail + documents (60 people)"] = build_person_graph(
        people,
        interactions=[(rnd.choice(ids), rnd.choice(ids), 1.0) for _ in range(220)],
        documents={f"d{j}": rnd.sample(ids, 2) for j in range(40)},
    )
    graphs["Krackhardt advice (21, directed)"] = _edge_graph(
        ORG / "krackhardt_hightech/ht_advice.nodes.tsv", ORG / "krackhardt_hightech/ht_advice.edges.tsv", dept="dept"
    )
    ok = True
    for name, G in graphs.items():
        groups = {v: G.nodes[v]["department"] for v in G if G.nodes[v].get("department") is not None}
        fast, slow = brokerage_roles(G, groups), enumerate_brokerage(G, groups)
        differ = sum(r["representative"] != r["gatekeeper"] for r in fast.values())
        equal = fast == slow
        ok = ok and equal and differ > 0
        log(f"{name}: equal to enumeration {equal}; representative != gatekeeper for {differ} people")
    G = email_eu_core_graph()
    dept = {v: G.nodes[v]["department"] for v in G}
    _, t = timed(brokerage_roles, G, dept)
    log(f"email-Eu-core (1,005 people, directed e-mail): vectorised brokerage {t:.2f}s")
    return {"brokerage_directed_ok": ok, "brokerage_email_eu_core_seconds": round(t, 3)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer cascades and seeds (a smoke run, not the figures)")
    ap.add_argument("--eps", type=float, default=0.1, help="IMM eps for the NetHEPT k=50 headline run")
    ap.add_argument(
        "--scale-sizes",
        default="10000,50000,100000",
        help="people in each synthetic organisation of the scale section (comma-separated)",
    )
    ap.add_argument(
        "--sections",
        default="email,spread,synthetic,answer,brokerage,scale",
        help="comma-separated subset of the sections to run",
    )
    args = ap.parse_args()
    sections = set(args.sections.split(","))
    t_all = time.perf_counter()
    n_sim = 2000 if args.quick else 10_000
    figures: dict = {}
    if sections & {"email", "spread"}:
        with tempfile.TemporaryDirectory() as tmp:
            email = bench_email(Path(tmp), seeds=3 if args.quick else 10)
        D = email.pop("_directed")
        figures.update(email)
        if "spread" in sections:
            figures.update(bench_spread(D, n_sim, args.eps, (1, 10, 50)))
    if "synthetic" in sections:
        figures.update(bench_synthetic(args.quick))
    if "brokerage" in sections:
        figures.update(bench_brokerage_directed())
    if "scale" in sections:
        sizes = tuple(int(x) for x in args.scale_sizes.split(","))
        figures.update(bench_scale((10_000,) if args.quick else sizes))
    if "answer" in sections:
        with tempfile.TemporaryDirectory() as tmp:
            demo = build_demo(Path(tmp), args.quick)
            figures.update(bench_risk_cli(demo))  # first: its cold run is the first command after the ingest
            figures.update(bench_spread_answer(demo, n_sim))
    figures["bench_seconds"] = round(time.perf_counter() - t_all, 1)
    table = figures.pop("spread_table", [])
    log(f"\nbench total {figures['bench_seconds']}s; spread rows: {len(table)}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
