"""Centrality and structural holes on canonical graphs with known answers, and equality with networkx."""

from __future__ import annotations

import csv
import random
from pathlib import Path

import networkx as nx
import pytest

from graph.analytics.centrality import (
    betweenness,
    betweenness_error_bound,
    constraint,
    coreness,
    degree_strength,
    effective_size,
)

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "org-networks"
KRACK = DATA / "krackhardt_hightech"


def _weighted(G: nx.Graph, seed: int = 0) -> nx.Graph:
    rnd = random.Random(seed)
    for u, v in G.edges:
        G[u][v]["weight"] = rnd.uniform(0.1, 3.0)
    return G


def _krack(name: str) -> nx.DiGraph:
    if not KRACK.exists():
        pytest.skip("shared Krackhardt data not present")
    G = nx.DiGraph()
    with open(KRACK / f"ht_{name}.nodes.tsv") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            G.add_node(int(row["node_id"]), department=row["dept"])
    with open(KRACK / f"ht_{name}.edges.tsv") as fh:
        G.add_edges_from((int(r["source"]), int(r["target"])) for r in csv.DictReader(fh, delimiter="\t"))
    return G


def test_kite_betweenness_known_values():
    # Krackhardt (1990): Heather (node 7) is the broker between the clique and the tail.
    bc = betweenness(nx.krackhardt_kite_graph())
    assert bc[7] == pytest.approx(14 / 36)
    assert bc[8] == pytest.approx(8 / 36)
    assert bc[9] == 0.0
    assert max(bc, key=bc.get) == 7


def test_kite_degree_strength():
    ds = degree_strength(nx.krackhardt_kite_graph(), weight=None)
    assert ds[3]["degree"] == 6  # Diane has the most ties
    assert ds[9]["degree"] == 1
    assert ds[3]["strength"] == 6


@pytest.mark.parametrize(
    "G",
    [
        nx.krackhardt_kite_graph(),
        nx.davis_southern_women_graph(),
        nx.gnp_random_graph(50, 0.1, seed=2, directed=True),
        nx.path_graph(5),
    ],
    ids=["kite", "davis", "random-directed", "path"],
)
def test_betweenness_equals_networkx_exact_and_sampled(G):
    exact, ref = betweenness(G), nx.betweenness_centrality(G)
    assert all(exact[v] == pytest.approx(ref[v], abs=1e-12) for v in G)
    k = min(7, len(G) - 1)
    sampled, ref_s = betweenness(G, k=k, seed=5), nx.betweenness_centrality(G, k=k, seed=5)
    assert all(sampled[v] == pytest.approx(ref_s[v], abs=1e-12) for v in G)


def test_betweenness_error_bound_shrinks_with_pivots():
    assert betweenness_error_bound(500) == pytest.approx(0.0607, abs=1e-3)
    assert betweenness_error_bound(2000) < betweenness_error_bound(500)


@pytest.mark.parametrize("weight", [None, "weight"])
@pytest.mark.parametrize(
    "G",
    [
        nx.krackhardt_kite_graph(),
        nx.davis_southern_women_graph(),
        nx.gnp_random_graph(40, 0.15, seed=1, directed=True),
        nx.star_graph(4),
    ],
    ids=["kite", "davis", "random-directed", "star"],
)
def test_constraint_and_effective_size_equal_networkx(G, weight):
    G = _weighted(G.copy())
    c, c_ref = constraint(G, weight=weight), nx.constraint(G, nodes=list(G), weight=weight)
    e, e_ref = effective_size(G, weight=weight), nx.effective_size(G, nodes=list(G), weight=weight)
    for v in G:
        assert c[v] == pytest.approx(c_ref[v], abs=1e-12)
        assert e[v] == pytest.approx(e_ref[v], abs=1e-12)


def test_constraint_star_known_values():
    c = constraint(nx.star_graph(4))
    assert c[0] == pytest.approx(0.25)  # four independent contacts: 4 * (1/4)^2
    assert c[1] == pytest.approx(1.0)  # one contact holds everything
    e = effective_size(nx.star_graph(4))
    assert e[0] == pytest.approx(4.0)


def test_isolated_node_is_nan():
    G = nx.Graph()
    G.add_edge(1, 2)
    G.add_node(3)
    assert constraint(G)[3] != constraint(G)[3]
    assert effective_size(G)[3] != effective_size(G)[3]


@pytest.mark.parametrize("network", ["advice", "friends", "reports"])
def test_krackhardt_hightech_real_data_equals_networkx(network):
    G = _krack(network)
    assert G.number_of_nodes() == 21
    ours = constraint(G)
    for v, val in ours.items():
        if G.out_degree(v) == 0 and G.in_degree(v) > 0:
            # networkx's per-node path returns NaN for people with only incoming ties (it tests G[v], the
            # out-neighbours); Burt's mutual-weight definition gives them a constraint, as we do.
            assert val == val
            continue
        assert val == pytest.approx(nx.constraint(G, nodes=[v])[v], abs=1e-12, nan_ok=True)
    ref = nx.betweenness_centrality(G)
    assert all(betweenness(G)[v] == pytest.approx(ref[v], abs=1e-12) for v in G)
    assert coreness(G) == nx.core_number(nx.Graph(G))


def test_krackhardt_reports_to_tree_has_the_president_on_top():
    G = _krack("reports")
    assert G.number_of_edges() == 20
    bc = betweenness(G.to_undirected())
    # the reporting tree's centre is its root's direct report chain: the top node of the tree
    root = next(v for v in G if G.out_degree(v) == 0)
    assert root == 6
    assert bc[root] > 0.3


def test_coreness_equals_networkx():
    G = nx.gnp_random_graph(200, 0.05, seed=3)
    assert coreness(G) == nx.core_number(G)
