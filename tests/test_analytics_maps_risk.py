"""Map data (E-I, tie matrix, layout cache), knowledge risk and privacy thresholds."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from graph.analytics.maps import LayoutCache, department_tie_matrix, ei_index, graph_fingerprint, layout, network_map
from graph.analytics.privacy import hide_small_groups, small_groups
from graph.analytics.risk import (
    bus_factor,
    community_health,
)


def _two_depts() -> nx.Graph:
    G = nx.Graph()
    for i in range(5):
        G.add_node(f"a{i}", department="A")
        G.add_node(f"b{i}", department="B")
    G.add_node("c0", department="C")  # a department of one: always hidden
    for i in range(4):
        G.add_edge(f"a{i}", f"a{i + 1}")  # 4 internal ties in A
    G.add_edge("a0", "b0")
    G.add_edge("a1", "b1")  # 2 external ties from A
    G.add_edge("b0", "b1")
    G.add_edge("c0", "a0")
    return G


def test_ei_index_known_values_and_hiding():
    ei = ei_index(_two_depts())
    assert ei["A"]["internal"] == 4 and ei["A"]["external"] == 3
    assert ei["A"]["ei"] == pytest.approx((3 - 4) / 7)
    assert ei["B"]["ei"] == pytest.approx((2 - 1) / 3)
    assert "C" not in ei


def test_department_tie_matrix():
    m = department_tie_matrix(_two_depts())
    assert m["groups"] == ["A", "B"] and m["hidden_groups"] == 1
    assert m["matrix"] == [[4.0, 2.0], [2.0, 1.0]]


def test_hide_small_groups():
    kept, hidden = hide_small_groups({"A": 1, "B": 2, "C": 3}, {"A": 5, "B": 4})
    assert kept == {"A": 1} and hidden == 2
    assert small_groups({1: "x", 2: "x", 3: "y"}, min_group_size=2) == {"y"}


def test_layout_is_seeded_and_cached_by_fingerprint():
    G = nx.karate_club_graph()
    a, b = layout(G, seed=1, method="spring"), layout(G, seed=1, method="spring")
    assert np.allclose(a["x"], b["x"]) and np.abs(a["x"]).max() <= 1.0
    cache = LayoutCache()
    cache.get(G, seed=1, method="spring")
    cache.get(G.copy(), seed=1, method="spring")
    assert (cache.hits, cache.misses) == (1, 1)
    H = G.copy()
    H.add_edge(0, 9)
    assert graph_fingerprint(H) != graph_fingerprint(G)
    cache.get(H, seed=1, method="spring")
    assert cache.misses == 2


def test_network_map_hides_opted_out_points():
    G = nx.karate_club_graph()
    for v, d in G.nodes(data=True):
        d["department"] = d["club"]
        d["opted_out"] = v == 0
    m = network_map(G, seed=0, layout_method="spring")
    assert 0 not in m["points"]["nodes"] and len(m["points"]["x"]) == 33
    assert 0 < m["communities"]["nmi_vs_departments"] <= 1
    assert m["communities"]["modularity"] > 0.3


def test_bus_factor_and_opted_out_experts_unnamed():
    bus = bus_factor({"tax": {"a": 1.0}, "law": {"a": 1.0, "b": 2.0}, "art": {"c": 0.0}}, hidden={"b"})
    assert bus["tax"]["at_risk"] and bus["tax"]["bus_factor"] == 1
    assert bus["law"]["bus_factor"] == 2 and bus["law"]["experts"] == ["a"] and bus["law"]["experts_opted_out"] == 1
    assert bus["art"]["bus_factor"] == 0


def test_community_health_names_problems():
    m = [(f"p{i}", "cop1", "member") for i in range(5)] + [("p0", "cop1", "leader"), ("p9", "cop2", "member")]
    health = community_health(m, active={"p0": False}, documents={"cop1": 0})
    assert health["cop1"]["problems"] == [
        "no active leader or facilitator",
        "no subject-matter expert",
        "no knowledge assets",
    ]
    assert health["cop2"]["hidden"] is True and "active_leaders" not in health["cop2"]
