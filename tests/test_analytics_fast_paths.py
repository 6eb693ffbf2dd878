"""The networker report's fast paths pinned to the simple ones: the triangle list (every triangle once, in any
chunking) against enumeration, brokerage counted from triangles against brute-force Gould-Fernandez, Burt's
measures from triangles against networkx, the adjacency against networkx's, and the report's vectorised
per-person numbers (cross-boundary ties, the shares its sentences state) against counts read off the graph.

The small graphs of the other tests fit in one chunk of triangles; here the chunk is shrunk to a few wedges so
that the chunk boundaries are crossed, and the graphs have hubs (preferential attachment), as large
organisations do."""

from __future__ import annotations

import itertools
import random

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp

from graph.analytics import _triangles
from graph.analytics._matrix import adjacency, binary, group_index
from graph.analytics._triangles import TriangleList
from graph.analytics.brokerage import ROLES, brokerage_legs, brokerage_roles, mixed_brokerage
from graph.analytics.centrality import betweenness_matrix, constraint, effective_size
from graph.analytics.communities import canonical_order, communities, igraph_available
from graph.analytics.networkers import _Ranks, networker_report
from graph.analytics.projection import build_person_graph
from tests.test_analytics_brokerage import brute


def _hubby(n: int, seed: int, *, directed: bool = False) -> nx.Graph:
    """Preferential attachment (a few hubs) plus random ties, so there are many triangles through hubs."""
    G = nx.barabasi_albert_graph(n, 3, seed=seed)
    rnd = random.Random(seed)
    G.add_edges_from((rnd.randrange(n), rnd.randrange(n)) for _ in range(n))
    G.remove_edges_from(nx.selfloop_edges(G))
    if not directed:
        return G
    D = nx.DiGraph()
    D.add_nodes_from(G)
    for u, v in G.edges():
        r = rnd.random()
        D.add_edges_from([(u, v)] if r < 0.4 else [(v, u)] if r < 0.8 else [(u, v), (v, u)])
    # networkx's per-node Burt measures call a node without out-arcs isolated (NaN); ours do not
    D.add_edges_from((v, next(iter(D.pred[v]))) for v in list(D) if not D.succ[v])
    return D


def _triangles_by_enumeration(G: nx.Graph) -> set[frozenset]:
    H = nx.Graph(G.to_undirected() if G.is_directed() else G)
    H.remove_edges_from(nx.selfloop_edges(H))
    return {
        frozenset(c)
        for c in itertools.combinations(H, 3)
        if all(H.has_edge(a, b) for a, b in itertools.combinations(c, 2))
    }


GRAPHS = {
    "hubs": _hubby(40, 1),
    "hubs-directed": _hubby(35, 2, directed=True),
    "random": nx.gnp_random_graph(30, 0.25, seed=3),
    "complete": nx.complete_graph(7),
    "no-triangles": nx.path_graph(6),
    "empty": nx.empty_graph(4),
}


@pytest.mark.parametrize("chunk", [1, 5, None])
@pytest.mark.parametrize("name", list(GRAPHS))
def test_triangle_list_lists_every_triangle_once(name, chunk):
    G = GRAPHS[name]
    nodes, A = adjacency(G)
    tri = TriangleList(binary(A))
    listed = []
    for t in tri.chunks(chunk):
        listed += [frozenset((nodes[x], nodes[y], nodes[z])) for x, y, z in zip(t.x, t.y, t.z, strict=True)]
        # the tie ids name the triangle's ties, lower end first
        assert (tri.lo[t.xy] == t.x).all() and (tri.hi[t.xy] == t.y).all()
        assert (tri.lo[t.yz] == t.y).all() and (tri.hi[t.yz] == t.z).all()
        assert (tri.lo[t.xz] == t.x).all() and (tri.hi[t.xz] == t.z).all()
    assert len(listed) == len(set(listed))  # once each
    assert set(listed) == _triangles_by_enumeration(G)
    undirected = {frozenset(e) for e in G.edges() if e[0] != e[1]}
    assert len(tri) == len(undirected)  # every tie once
    assert {frozenset((nodes[a], nodes[b])) for a, b in zip(tri.lo, tri.hi, strict=True)} == undirected


@pytest.fixture
def small_chunks(monkeypatch):
    """Chunks of a few wedges, so that every count is summed over many chunks."""
    monkeypatch.setattr(_triangles, "CHUNK_WEDGES", 3)


def _groups(nodes: list, seed: int) -> dict:
    rnd = random.Random(seed)
    return {v: rnd.randrange(4) for v in nodes if rnd.random() < 0.85}


@pytest.mark.parametrize("directed", [False, True])
@pytest.mark.parametrize("seed", range(3))
def test_brokerage_on_graphs_with_hubs_equals_enumeration(small_chunks, seed, directed):
    G = _hubby(30, seed, directed=directed)
    groups = _groups(list(G), seed)
    if directed:
        expected = brute(set(G.edges()), set(), groups, list(G))
    else:
        expected = brute(set(), {frozenset(e) for e in G.edges()}, groups, list(G))
    assert brokerage_roles(G, groups) == expected


def _mixed_person_graph(seed: int, n: int = 30) -> tuple[nx.Graph, list, set]:
    """A person graph whose ties are interactions (with direction, one or both ways), shared documents and a
    community (without), and hub authors, so that triangles mix every kind of tie."""
    rnd = random.Random(seed)
    ids = [f"p{i}" for i in range(n)]
    people = [{"id": p, "department": f"D{rnd.randrange(3)}" if rnd.random() < 0.9 else None} for p in ids]
    hubs = ids[:3]
    inter = [(rnd.choice(ids), rnd.choice(hubs + ids), 1.0) for _ in range(90)]
    inter += [(b, a, 1.0) for a, b, _ in inter[:15]]  # some both ways
    docs = {f"d{j}": [rnd.choice(hubs), *rnd.sample(ids, 2)] for j in range(18)}
    G = build_person_graph(people, interactions=inter, documents=docs, communities={"c": ids[5:9]})
    und = {frozenset((u, v)) for u, v, d in G.edges(data=True) if d.get("coauthor") or d.get("community")}
    arcs = {(u, v) for u, v, _ in inter if u != v and frozenset((u, v)) not in und}
    return G, arcs, und


@pytest.mark.parametrize("seed", range(3))
def test_brokerage_on_a_mixed_person_graph_equals_enumeration_for_each_partition(small_chunks, seed):
    G, arcs, und = _mixed_person_graph(seed)
    by_dept = {v: G.nodes[v].get("department") for v in G}
    by_dept = {v: d for v, d in by_dept.items() if d is not None}
    other = _groups(list(G), seed)
    nodes, D, U = brokerage_legs(G)
    assert D.nnz and U.nnz  # both kinds of tie are there
    tables = mixed_brokerage(D, U, [group_index(nodes, by_dept)[0], group_index(nodes, other)[0]])
    for table, groups in zip(tables, (by_dept, other), strict=True):
        expected = brute(arcs, und, groups, list(G))
        assert {v: dict(zip(ROLES, map(int, table[i]), strict=True)) for i, v in enumerate(nodes)} == expected
    assert brokerage_roles(G, by_dept) == brute(arcs, und, by_dept, list(G))


@pytest.mark.parametrize("weight", [None, "weight"])
@pytest.mark.parametrize("name", ["hubs", "hubs-directed", "complete"])
def test_burt_measures_from_triangles_equal_networkx(small_chunks, name, weight):
    G = GRAPHS[name].copy()
    rnd = random.Random(7)
    for u, v in G.edges():
        G[u][v]["weight"] = rnd.choice([1.0, 2.0, 0.5, 3.0])
    c, c_ref = constraint(G, weight=weight), nx.constraint(G, nodes=list(G), weight=weight)
    e, e_ref = effective_size(G, weight=weight), nx.effective_size(G, nodes=list(G), weight=weight)
    for v in G:
        assert c[v] == pytest.approx(c_ref[v], abs=1e-12)
        assert e[v] == pytest.approx(e_ref[v], abs=1e-12)


@pytest.mark.parametrize("directed", [False, True])
def test_adjacency_equals_networkx(directed):
    rnd = random.Random(5)
    G = nx.DiGraph() if directed else nx.Graph()
    G.add_nodes_from(["z", "a", 3, "m"])  # insertion order, mixed labels
    for _ in range(40):
        u, v = rnd.choice([*G, "b", "c"]), rnd.choice([*G, "b", "c"])
        G.add_edge(u, v, **({"weight": rnd.choice([0.5, 2.0, 4.0])} if rnd.random() < 0.7 else {}))
    assert any(u == v for u, v in G.edges())  # a self-loop, which adjacency drops
    for weight in (None, "weight"):
        nodes, A = adjacency(G, weight)
        ref = sp.csr_matrix(nx.to_scipy_sparse_array(G, nodelist=nodes, weight=weight))
        ref.setdiag(0)
        ref.eliminate_zeros()
        assert nodes == list(G)
        assert abs(A - ref).max() == 0
        assert A.has_sorted_indices
    H = G.subgraph(["c", 3, "z", "b"])  # a view, whose node and adjacency orders adjacency() must not assume
    nodes, A = adjacency(H, "weight")
    ref = sp.csr_matrix(nx.to_scipy_sparse_array(H, nodelist=nodes, weight="weight"))
    ref.setdiag(0)
    ref.eliminate_zeros()
    assert abs(A - ref).max() == 0


def test_shares_for_everyone_equal_the_shares_one_at_a_time():
    rnd = np.random.default_rng(3)
    values = np.concatenate([rnd.integers(0, 6, 50).astype(float), [np.nan, np.nan]])
    ranks = _Ranks(values.tolist())
    queries = np.concatenate([values, [-1.0, 2.5, 99.0]])
    below, above = ranks.below_all(queries), ranks.above_all(queries)
    for x, b, a in zip(queries.tolist(), below.tolist(), above.tolist(), strict=True):
        if x == x:
            assert b == ranks.below(x) and a == ranks.above(x)
    assert _Ranks([]).below_all(np.ones(2)).tolist() == [0.0, 0.0]


def test_report_cross_boundary_ties_equal_counts_read_off_the_graph():
    """The report counts every person's ties across departments and communities with matrix products; here they
    are counted tie by tie. People without a department (or community) are groups of their own: a tie to or
    from them crosses departments; a tie to someone without a community crosses no named community."""
    G, _, _ = _mixed_person_graph(4, n=40)
    dept = {v: G.nodes[v].get("department") for v in G}
    rnd = random.Random(4)
    comm = {v: rnd.choice(["x", "y", "z", None]) for v in G}
    rep = networker_report(G, seed=0, communities=comm, community_names={"x": "Ex", "y": "Why"})
    assert sum(d is None for d in dept.values()) >= 2
    checked = 0
    for v, row in rep["people"].items():
        nbrs = [u for u in G[v] if u != v]
        assert row["degree"] == len(nbrs)
        cross = sum(1 for u in nbrs if dept[v] is None or dept[u] != dept[v])
        cross_c = sum(1 for u in nbrs if comm[u] is not None and comm[u] != comm[v])
        assert row["cross_department_ties"] == cross
        assert row["cross_community_ties"] == cross_c
        checked += cross != cross_c
        for label in row["labels"]:
            if label["label"] == "boundary spanner" and row["department"] is not None:
                assert label["reasons"][0].split(": ")[1].startswith(f"{cross} of {len(nbrs)} ties cross departments")
    assert checked  # the two counts differ somewhere: each is tested on its own


def test_report_shares_in_sentences_equal_shares_read_off_the_graph():
    """ "ties to N people, more than X% of people": X is the share of people with strictly fewer ties."""
    G = _hubby(60, 9)
    nx.set_node_attributes(G, {v: f"D{v % 4}" for v in G}, "department")
    rep = networker_report(G, seed=0)
    degrees = [d for _, d in G.degree()]
    seen = 0
    for row in rep["people"].values():
        for label in row["labels"]:
            if label["label"] == "central connector":
                share = sum(d < row["degree"] for d in degrees) / len(degrees)
                assert f"more than {int(share * 100)}% of people" in label["reasons"][0]
                seen += 1
    assert seen


@pytest.mark.parametrize("batch", [1, 3, 32])
@pytest.mark.parametrize("name", ["hubs", "hubs-directed", "no-triangles"])
def test_betweenness_batches_equal_networkx(name, batch):
    """The batched searches read only each level's rows: any batch size gives networkx's numbers."""
    G = GRAPHS[name]
    nodes, A = adjacency(G)
    exact = betweenness_matrix(binary(A), np.arange(len(nodes)), exact=True, batch=batch)
    ref = nx.betweenness_centrality(G)
    assert np.allclose(exact, [ref[v] for v in nodes], atol=1e-12)
    k = min(9, len(nodes) - 1)
    sources = np.asarray(random.Random(2).sample(range(len(nodes)), k))
    sampled = betweenness_matrix(binary(A), sources, exact=False, batch=batch)
    ref_s = nx.betweenness_centrality(G, k=k, seed=2)  # networkx draws the same pivots for this seed
    assert np.allclose(sampled, [ref_s[v] for v in nodes], atol=1e-12)


def _louvain_through_a_networkx_copy(G: nx.Graph, seed: int) -> list[set]:
    """igraph's Louvain fed as it was before the canonical edge list: through canonical_order's networkx copy."""
    import igraph as ig

    H = canonical_order(G)
    nodes = list(H.nodes)
    idx = {v: i for i, v in enumerate(nodes)}
    edges = [(idx[u], idx[v], float(d.get("weight", 1.0))) for u, v, d in H.edges(data=True) if u != v]
    g = ig.Graph(n=len(nodes), edges=[(a, b) for a, b, _ in edges])
    ig.set_random_number_generator(random.Random(seed))
    try:
        membership = g.community_multilevel(weights=[w for _, _, w in edges]).membership
    finally:
        ig.set_random_number_generator(random)
    groups: dict[int, set] = {}
    for i, c in enumerate(membership):
        groups.setdefault(c, set()).add(nodes[i])
    return sorted(groups.values(), key=lambda p: sorted(map(str, p)))


@pytest.mark.skipif(not igraph_available(), reason="python-igraph not installed")
@pytest.mark.parametrize("seed", range(3))
def test_igraph_louvain_on_the_canonical_edge_list_equals_the_networkx_copy(seed):
    rnd = random.Random(seed)
    G = nx.relabel_nodes(_hubby(120, seed), {i: f"person:{i}" for i in range(120)})
    G = nx.relabel_nodes(G, {"person:7": 7, "person:8": "zed"})  # mixed labels: natural-key order decides
    for u, v in G.edges():
        G[u][v]["weight"] = rnd.choice([0, 1, 2, 0.5, 3])  # a weight of 0 is still a tie
    G.add_edge("person:3", "person:3", weight=2)  # a self-loop plays no part
    shuffled = nx.Graph()
    shuffled.add_nodes_from(rnd.sample(list(G), len(G)))
    shuffled.add_edges_from(rnd.sample(list(G.edges(data=True)), G.number_of_edges()))
    part = communities(shuffled, seed=seed, method="louvain_igraph")
    got = {}
    for v, c in part.items():
        got.setdefault(c, set()).add(v)
    assert sorted(got.values(), key=lambda p: sorted(map(str, p))) == _louvain_through_a_networkx_copy(shuffled, seed)


def test_report_on_an_empty_organisation_and_on_people_without_ties():
    """No people, or people without a tie: an empty report and rows of zeros, not a numpy error."""
    empty = networker_report(nx.Graph(), seed=0)
    assert empty["people"] == {} and empty["method"]["people"] == 0 and empty["method"]["ties"] == 0
    alone = networker_report(nx.empty_graph(3), seed=0)
    assert {row["degree"] for row in alone["people"].values()} == {0}
    assert all(sum(row["brokerage_departments"].values()) == 0 for row in alone["people"].values())
