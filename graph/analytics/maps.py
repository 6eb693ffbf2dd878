"""Network map data: department tie matrix, E-I index, communities against departments, and a cached layout.

A leader's map needs plain arrays (positions, groups, a matrix) that a page can draw without networkx; the
layout is the expensive part, so it is computed server-side once per graph and cached under a fingerprint of
the graph (same people and ties, same seed: same picture, no recomputation).
"""

from __future__ import annotations

import hashlib
from collections.abc import Hashable, Mapping
from typing import Any

import networkx as nx
import numpy as np

from graph.analytics.communities import communities as detect_communities
from graph.analytics.communities import modularity, nmi
from graph.analytics.privacy import MIN_GROUP_SIZE, group_sizes, opted_out
from graph.analytics.projection import node_attribute
from whoknows.errors import AnalyticsError

LAYOUTS: tuple[str, ...] = ("auto", "spring", "igraph_fr", "igraph_drl")


def department_tie_matrix(
    G: nx.Graph,
    *,
    departments: Mapping[Hashable, Any] | None = None,
    weight: str | None = None,
    min_group_size: int = MIN_GROUP_SIZE,
) -> dict[str, Any]:
    """Ties (or summed tie strength) between every pair of departments, small departments hidden.

    Returns ``{"groups": [names], "matrix": [[...]], "hidden_groups": int}``; ``matrix[i][j]`` counts ties
    between group ``i`` and ``j`` (the diagonal: ties inside a group; undirected ties counted once).
    """
    dept = dict(departments) if departments is not None else node_attribute(G, "department")
    sizes = group_sizes(dept)
    shown = sorted((g for g, n in sizes.items() if n >= min_group_size), key=str)
    pos = {g: i for i, g in enumerate(shown)}
    mat = np.zeros((len(shown), len(shown)))
    H = G.to_undirected(as_view=True) if G.is_directed() else G
    for u, v, d in H.edges(data=True):
        if u == v:
            continue
        a, b = pos.get(dept.get(u)), pos.get(dept.get(v))
        if a is None or b is None:
            continue
        w = float(d.get(weight, 1.0)) if weight else 1.0
        mat[a, b] += w
        if a != b:
            mat[b, a] += w
    return {"groups": shown, "matrix": mat.tolist(), "hidden_groups": len(sizes) - len(shown)}


def ei_index(
    G: nx.Graph,
    *,
    departments: Mapping[Hashable, Any] | None = None,
    min_group_size: int = MIN_GROUP_SIZE,
) -> dict[Any, dict[str, float]]:
    """Krackhardt-Stern E-I index per department: ``(external - internal) / (external + internal)`` ties.

    -1: every tie stays inside the department (a silo); +1: every tie leaves it. Departments smaller than
    ``min_group_size`` are left out.

    References
    ----------
    .. [1] D. Krackhardt, R. N. Stern, "Informal networks and organizational crises: an experimental
       simulation", Social Psychology Quarterly 51 (1988) 123-140.
    """
    dept = dict(departments) if departments is not None else node_attribute(G, "department")
    sizes = group_sizes(dept)
    ext: dict[Any, int] = dict.fromkeys(sizes, 0)
    internal: dict[Any, int] = dict.fromkeys(sizes, 0)
    H = G.to_undirected(as_view=True) if G.is_directed() else G
    for u, v in H.edges():
        if u == v:
            continue
        gu, gv = dept.get(u), dept.get(v)
        for g, other in ((gu, gv), (gv, gu)):
            if g is None:
                continue
            if g == other:
                internal[g] += 1
            else:
                ext[g] += 1
    out = {}
    for g in sizes:
        if sizes[g] < min_group_size:
            continue
        e, i = ext[g], internal[g] / 2  # an inside tie was counted from both of its ends
        tot = e + i
        out[g] = {"members": sizes[g], "external": e, "internal": i, "ei": (e - i) / tot if tot else 0.0}
    return out


def graph_fingerprint(G: nx.Graph, *, weight: str | None = "weight") -> str:
    """A digest of the nodes and weighted ties: equal fingerprints, same layout input."""
    h = hashlib.blake2b(digest_size=16)
    h.update(b"D" if G.is_directed() else b"U")
    for v in sorted(map(str, G.nodes)):
        h.update(v.encode() + b"\x1f")
    edges = []
    for u, v, d in G.edges(data=True):
        a, b = str(u), str(v)
        if not G.is_directed() and b < a:
            a, b = b, a
        w = d.get(weight, 1.0) if weight else 1.0
        edges.append(f"{a}\x1f{b}\x1f{float(w):.6g}")
    for e in sorted(edges):
        h.update(e.encode() + b"\x1e")
    return h.hexdigest()


def layout(
    G: nx.Graph, *, seed: int = 0, method: str = "auto", weight: str | None = "weight", iterations: int = 50
) -> dict[str, Any]:
    """Two-dimensional positions as plain arrays: ``{"nodes": [...], "x": ndarray, "y": ndarray, "method"}``.

    ``auto`` uses igraph's Fruchterman-Reingold (C, fast at thousands of nodes) when python-igraph is installed,
    else networkx's spring layout (also Fruchterman-Reingold). Coordinates are scaled to [-1, 1].

    References
    ----------
    .. [1] T. M. J. Fruchterman, E. M. Reingold, "Graph drawing by force-directed placement", Software:
       Practice and Experience 21 (1991).
    .. [2] S. Martin, W. M. Brown, R. Klavans, K. W. Boyack, "OpenOrd: an open-source toolbox for large graph
       layout", SPIE 7868 (2011) (DrL).
    """
    if method not in LAYOUTS:
        raise AnalyticsError(f"unknown layout {method!r}; expected one of: {', '.join(LAYOUTS)}")
    nodes = list(G.nodes)
    if method == "auto":
        try:
            import igraph  # noqa: F401

            method = "igraph_fr"
        except ImportError:
            method = "spring"
    if not nodes:
        return {"nodes": [], "x": np.zeros(0), "y": np.zeros(0), "method": method}
    if method == "spring":
        pos = nx.spring_layout(G, seed=seed, weight=weight, iterations=iterations)
        xy = np.asarray([pos[v] for v in nodes], dtype=float)
    else:
        import random

        import igraph as ig

        idx = {v: i for i, v in enumerate(nodes)}
        H = G.to_undirected(as_view=True) if G.is_directed() else G
        edges = [(idx[u], idx[v]) for u, v in H.edges() if u != v]
        g = ig.Graph(n=len(nodes), edges=edges)
        ig.set_random_number_generator(random.Random(seed))
        try:
            lay = g.layout_fruchterman_reingold(niter=500) if method == "igraph_fr" else g.layout_drl()
        finally:
            ig.set_random_number_generator(random)
        xy = np.asarray(lay.coords, dtype=float)
    xy = xy - xy.mean(axis=0)
    span = np.abs(xy).max() or 1.0
    xy = xy / span
    return {"nodes": nodes, "x": xy[:, 0], "y": xy[:, 1], "method": method}


class LayoutCache:
    """Layouts keyed by ``(graph fingerprint, seed, method)``; bounded, oldest evicted first.

    An instance is created by the caller (the app keeps one per session via ``st.cache_resource``); there is
    no module-level cache.
    """

    def __init__(self, max_items: int = 8) -> None:
        self.max_items = max_items
        self._items: dict[tuple[str, int, str], dict[str, Any]] = {}
        self.hits = 0
        self.misses = 0

    def get(self, G: nx.Graph, *, seed: int = 0, method: str = "auto", weight: str | None = "weight") -> dict:
        key = (graph_fingerprint(G, weight=weight), seed, method)
        if key in self._items:
            self.hits += 1
            return self._items[key]
        self.misses += 1
        result = layout(G, seed=seed, method=method, weight=weight)
        self._items[key] = result
        while len(self._items) > self.max_items:
            self._items.pop(next(iter(self._items)))
        return result


def network_map(
    G: nx.Graph,
    *,
    seed: int = 0,
    weight: str | None = "weight",
    departments: Mapping[Hashable, Any] | None = None,
    communities: Mapping[Hashable, Any] | None = None,
    community_method: str = "auto",
    min_group_size: int = MIN_GROUP_SIZE,
    cache: LayoutCache | None = None,
    layout_method: str = "auto",
    runs: int | None = None,
    report: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Everything a map page (and ``whoknows map``) shows: communities named by what dominates them, their
    stability over ``runs`` seeds and agreement with departments, the department tie matrix (ties and tie
    strength), E-I per department (by ties and by strength, with what random mixing would give), one silo verdict
    with its reason, the top brokers (from ``report``, the networker report, when given) and positions.

    Opted-out people stay in the structure but are not in the returned points. Pass ``communities`` to reuse a
    partition the networker report already computed (it is the first of the stability runs). ``runs``: default 5
    below 2,000 people, 3 from there (each run is a Louvain: about 3 s on 10,000 people). Groups under
    ``min_group_size`` people are not shown and are counted, with the rule, in ``hidden``.
    """
    if runs is None:
        runs = 5 if G.number_of_nodes() < 2000 else 3
    from graph.analytics.map_words import community_stability, ei_by_strength, name_communities, silo_verdict
    from graph.analytics.map_words import top_brokers as _top_brokers

    dept = dict(departments) if departments is not None else node_attribute(G, "department")
    if communities is not None:
        comm = dict(communities)
        community_method = "given" if community_method == "auto" else community_method
    else:
        comm = detect_communities(G, weight=weight, seed=seed, method=community_method)
    lay = (
        cache.get(G, seed=seed, method=layout_method, weight=weight)
        if cache
        else layout(G, seed=seed, method=layout_method, weight=weight)
    )
    hidden = opted_out(G)
    keep = [i for i, v in enumerate(lay["nodes"]) if v not in hidden]
    comm_sizes = group_sizes(comm)
    method = "auto" if community_method == "given" else community_method
    stability = (
        community_stability(G, dept, runs=runs, seed=seed, weight=weight, method=method, first=comm)
        if runs > 1 and G.number_of_edges()
        else None
    )
    named = name_communities(
        comm, dept, cops=node_attribute(G, "cops"), tags=node_attribute(G, "tags"), min_group_size=min_group_size
    )
    counts = ei_index(G, departments=dept, min_group_size=min_group_size)
    strength = ei_by_strength(G, dept, weight=weight, min_group_size=min_group_size)
    ei = {g: {**row, **strength.get(g, {})} for g, row in counts.items()}
    dept_sizes = group_sizes(dept)
    small_depts = sorted((str(g) for g, n in dept_sizes.items() if n < min_group_size), key=str)
    return {
        "communities": {
            "count": len(comm_sizes),
            "shown": sum(1 for n in comm_sizes.values() if n >= min_group_size),
            "modularity": modularity(G, comm, weight=weight),
            "nmi_vs_departments": nmi(comm, dept) if dept else None,
            "stability": stability,
            "method": community_method,
            "named": {str(c): row for c, row in named.items()},
        },
        "department_ties": department_tie_matrix(G, departments=dept, min_group_size=min_group_size),
        "department_strength": department_tie_matrix(G, departments=dept, weight=weight, min_group_size=min_group_size),
        "department_sizes": {str(g): n for g, n in sorted(dept_sizes.items(), key=lambda gn: str(gn[0]))},
        "ei_index": ei,
        "silos": silo_verdict(ei, stability),
        "brokers": _top_brokers(report) if report is not None else None,
        "hidden": {
            "rule": f"groups with fewer than {min_group_size} people are not shown, so that no figure describes a "
            "handful of identifiable people",
            "departments": small_depts,
            "communities": sum(1 for n in comm_sizes.values() if n < min_group_size),
            "opted_out_people": len(hidden),
        },
        "points": {
            "nodes": [lay["nodes"][i] for i in keep],
            "x": lay["x"][keep],
            "y": lay["y"][keep],
            "department": [dept.get(lay["nodes"][i]) for i in keep],
            "community": [
                comm.get(lay["nodes"][i]) if comm_sizes.get(comm.get(lay["nodes"][i]), 0) >= min_group_size else None
                for i in keep
            ],
            "method": lay["method"],
        },
    }


def community_names(G: nx.Graph, comm: Mapping[Hashable, Any]) -> dict[Any, str]:
    """``{community: name}`` as the map names them (:func:`graph.analytics.map_words.name_communities`), for
    the networker report's broker reasons."""
    from graph.analytics.map_words import name_communities

    named = name_communities(
        comm, node_attribute(G, "department"), cops=node_attribute(G, "cops"), tags=node_attribute(G, "tags")
    )
    return {c: row["name"] for c, row in named.items()}


def map_with_networkers(
    G: nx.Graph,
    *,
    seed: int = 0,
    runs: int | None = None,
    community_method: str = "auto",
    expertise: Mapping[Hashable, float] | None = None,
    cache: LayoutCache | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(networker report, map data)`` with one community detection shared by both: communities are named once
    (:func:`graph.analytics.map_words.name_communities`) so the brokers' reasons and the map use the same names.
    What the app's map page and ``whoknows map`` show."""
    from graph.analytics.networkers import networker_report
    from graph.analytics.projection import require_network

    require_network(G)
    H = G.to_undirected(as_view=True) if G.is_directed() else G
    comm = detect_communities(H, weight="weight", seed=seed, method=community_method)
    report = networker_report(
        G, communities=comm, community_names=community_names(G, comm), expertise=expertise, seed=seed
    )
    report["method"]["communities"] = f"{community_method}, seed {seed}"  # what was run, not "given"
    data = network_map(G, communities=comm, seed=seed, runs=runs, report=report, cache=cache,
                       community_method=community_method)  # fmt: skip
    data["communities"]["method"] = community_method  # what was run, not "given"
    return report, data
