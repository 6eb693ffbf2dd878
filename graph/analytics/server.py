"""Network measures in the database server when it can compute them: Neo4j Graph Data Science, else Python.

Why: the Python path (networkx, igraph, our vectorised Brandes) is practical to about 100,000 people on one
machine (bench/analytics.py, ``networkers_<n>k_seconds``; docs/analytics.md); GDS computes the same measures in
parallel inside a Neo4j server, next to the data, for organisations beyond that. The person graph is the same
either way: :func:`graph.analytics.projection.project_store` builds it (the product's tie kinds and weights),
and for GDS its ties are projected into the server's in-memory catalogue (graph/cypher.py, ``GDS_*``), measured
there and dropped.

What is the same on both paths: exact unweighted betweenness normalised as networkx does (by the number of
pairs of other people, ``(n - 1)(n - 2) / 2``), PageRank over tie strength (damping 0.85) normalised to sum to
1, and Louvain communities over tie strength (the partition, not its labels; Louvain's tie-breaking may differ
between implementations on graphs without a clear structure). The GDS path has not run against a real GDS
here (none can be installed): tests/test_network_server.py checks its statements and result mapping through
the recording driver double, and compares it with the Python path on test graphs when ``NEO4J_URI`` points
at a server with GDS (marker ``neo4j``).
"""

from __future__ import annotations

import uuid
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Any

import networkx as nx

from graph.analytics.centrality import betweenness
from graph.analytics.communities import communities
from graph.neo4j_store import Neo4jStore
from graph.store import GraphStore


@dataclass(frozen=True, slots=True)
class NetworkMeasures:
    """Per person: normalised betweenness, PageRank (sums to 1) and a community number; ``computed_by`` says
    where (``"python"`` or ``"gds <version> on <url>"``)."""

    betweenness: dict[Hashable, float]
    pagerank: dict[Hashable, float]
    community: dict[Hashable, int]
    computed_by: str


def network_measures(G: nx.Graph, store: GraphStore | None = None, *, seed: int | None = 0) -> NetworkMeasures:
    """The measures of the person graph ``G``: in the server when ``store`` is a Neo4j store whose server has
    GDS, else in Python (the fallback, and the reference)."""
    return server_measures(G, store) or python_measures(G, seed=seed)


def server_measures(G: nx.Graph, store: GraphStore | None) -> NetworkMeasures | None:
    """The measures computed by the database server (Neo4j GDS), or None where it cannot (no Neo4j, no GDS):
    the caller then computes them in Python. ``whoknows networkers`` uses it."""
    if isinstance(store, Neo4jStore):
        version = store.gds_version()
        if version is not None:
            return _gds(G, store, version)
    return None


def python_measures(G: nx.Graph, *, seed: int | None = 0) -> NetworkMeasures:
    btw = betweenness(G, k=None, exact_below=max(2000, G.number_of_nodes() + 1))
    rank = nx.pagerank(G, alpha=0.85, weight="weight") if G.number_of_nodes() else {}
    part = communities(G, seed=seed, method="louvain")
    return NetworkMeasures(dict(btw), dict(rank), _renumber(part), "python")


def _gds(G: nx.Graph, store: Neo4jStore, version: str) -> NetworkMeasures:
    ties = [(str(u), str(v), float(d.get("weight", 1.0))) for u, v, d in G.edges(data=True) if u != v]
    people = [str(v) for v in G.nodes]
    raw_btw, raw_rank, raw_part = store.gds_measures(ties, people, graph=f"wk_{uuid.uuid4().hex[:16]}")
    n = len(people)
    pairs = (n - 1) * (n - 2) / 2 if n > 2 else 1.0
    btw = {v: raw_btw.get(str(v), 0.0) / pairs for v in G.nodes}
    total = sum(raw_rank.values()) or 1.0
    rank = {v: raw_rank.get(str(v), 0.0) / total for v in G.nodes}
    groups: dict[Hashable, object] = {v: raw_part.get(str(v), ("alone", str(v))) for v in G.nodes}
    return NetworkMeasures(btw, rank, _renumber(groups), f"gds {version} on {store.url}")


def _renumber(part: Mapping[Any, Any]) -> dict[Hashable, int]:
    """Communities numbered by size (largest 0), ties by their smallest member: equal partitions, equal maps."""
    members: dict[Any, list[Hashable]] = {}
    for v, c in part.items():
        members.setdefault(c, []).append(v)
    order = sorted(members.values(), key=lambda ms: (-len(ms), min(str(m) for m in ms)))
    return {v: i for i, ms in enumerate(order) for v in ms}
