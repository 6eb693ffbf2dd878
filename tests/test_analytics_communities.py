"""Communities and NMI: known NMI values, Louvain recovering planted groups, reproducibility by seed."""

from __future__ import annotations

import math

import networkx as nx
import pytest

from graph.analytics.communities import (
    communities,
    igraph_available,
    leiden_available,
    modularity,
    mutual_information,
    nmi,
)


def _lab(xs):
    return dict(enumerate(xs))


def test_nmi_identical_and_relabelled_is_one():
    assert nmi(_lab([0, 0, 1, 1, 2]), _lab(["x", "x", "y", "y", "z"])) == pytest.approx(1.0)


def test_nmi_independent_is_zero():
    assert nmi(_lab([0, 0, 1, 1]), _lab([0, 1, 0, 1])) == pytest.approx(0.0)


def test_nmi_known_value():
    # I = (2/3) ln 2, H(A) = ln 2, H(B) = ln 3: NMI = I / ((H(A) + H(B)) / 2) = 0.5158 (sklearn agrees).
    a, b = _lab([0, 0, 0, 1, 1, 1]), _lab([0, 0, 1, 1, 2, 2])
    mi, ha, hb = mutual_information(a, b)
    assert (ha, hb) == (pytest.approx(math.log(2)), pytest.approx(math.log(3)))
    assert mi == pytest.approx(2 / 3 * math.log(2))
    assert nmi(a, b) == pytest.approx(0.5158037429793889)
    assert nmi(a, b, average="max") == pytest.approx(mi / math.log(3))


def test_nmi_single_clusters():
    assert nmi(_lab([1, 1, 1]), _lab([2, 2, 2])) == 1.0
    assert nmi(_lab([1, 1, 1]), _lab([1, 2, 3])) == 0.0


def _two_cliques() -> tuple[nx.Graph, dict]:
    G = nx.disjoint_union(nx.complete_graph(6), nx.complete_graph(6))
    G.add_edge(0, 6)
    truth = {v: v // 6 for v in G}
    return G, truth


def test_louvain_recovers_two_cliques_and_is_seeded():
    G, truth = _two_cliques()
    part = communities(G, seed=3)
    assert nmi(part, truth) == pytest.approx(1.0)
    assert communities(G, seed=3) == part
    assert modularity(G, part) > 0.4


@pytest.mark.skipif(not leiden_available(), reason="leidenalg not installed")
def test_leiden_recovers_two_cliques():
    G, truth = _two_cliques()
    assert nmi(communities(G, seed=1, method="leiden"), truth) == pytest.approx(1.0)


def test_davis_southern_women_projection_splits_in_two():
    # Davis et al. (1941) and Breiger (1974): the 18 women form two overlapping groups; the projection's
    # communities must agree with the bipartite graph's own "club" attribute far better than chance.
    B = nx.davis_southern_women_graph()
    women = [v for v, d in B.nodes(data=True) if d["bipartite"] == 0]
    P = nx.bipartite.weighted_projected_graph(B, women)
    part = communities(P, seed=0)
    first = {w: int(i < 9) for i, w in enumerate(women)}  # Davis's two groups are the first and last nine
    assert nmi(part, first) > 0.3


@pytest.mark.skipif(not igraph_available(), reason="python-igraph not installed")
def test_igraph_louvain_recovers_two_cliques_and_is_seeded():
    G, truth = _two_cliques()
    part = communities(G, seed=4, method="louvain_igraph")
    assert nmi(part, truth) == pytest.approx(1.0)
    assert communities(G, seed=4, method="louvain_igraph") == part


def test_unknown_method_names_the_valid_ones():
    from whoknows.errors import AnalyticsError

    with pytest.raises(AnalyticsError, match="louvain, louvain_igraph, leiden, auto"):
        communities(nx.path_graph(3), method="girvan")
