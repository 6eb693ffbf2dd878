"""Gould-Fernandez brokerage: one hand-built two-path per role, and agreement with brute-force enumeration."""

from __future__ import annotations

import random

import networkx as nx
import pytest

from graph.analytics.brokerage import ROLES, brokerage_roles


def _path(groups: dict[str, str]) -> dict[str, int]:
    G = nx.DiGraph([("a", "b"), ("b", "c")])
    return brokerage_roles(G, groups)["b"]


@pytest.mark.parametrize(
    ("groups", "role"),
    [
        ({"a": "X", "b": "X", "c": "X"}, "coordinator"),
        ({"a": "X", "b": "Y", "c": "X"}, "itinerant"),
        ({"a": "X", "b": "X", "c": "Y"}, "representative"),
        ({"a": "X", "b": "Y", "c": "Y"}, "gatekeeper"),
        ({"a": "X", "b": "Y", "c": "Z"}, "liaison"),
    ],
)
def test_each_role_on_a_directed_two_path(groups, role):
    counts = _path(groups)
    assert counts == {r: (1 if r == role else 0) for r in ROLES}


def test_closed_two_path_is_not_brokerage():
    G = nx.DiGraph([("a", "b"), ("b", "c"), ("a", "c")])
    assert sum(brokerage_roles(G, {"a": 1, "b": 2, "c": 3})["b"].values()) == 0


def test_return_path_is_not_brokerage():
    G = nx.DiGraph([("a", "b"), ("b", "a")])
    assert sum(brokerage_roles(G, {"a": 1, "b": 1})["b"].values()) == 0


def test_undirected_counts_both_directions():
    G = nx.Graph([("a", "b"), ("b", "c")])
    counts = brokerage_roles(G, {"a": "X", "b": "X", "c": "Y"})["b"]
    # a->b->c is representative, c->b->a is gatekeeper
    assert counts["representative"] == 1 and counts["gatekeeper"] == 1


def _brute(G: nx.Graph, groups: dict) -> dict:
    D = G if G.is_directed() else G.to_directed()
    out = {v: dict.fromkeys(ROLES, 0) for v in D}
    for b in D:
        for a in D.predecessors(b):
            for c in D.successors(b):
                if len({a, b, c}) < 3 or D.has_edge(a, c):
                    continue
                ga, gb, gc = (groups.get(x, ("own", x)) for x in (a, b, c))
                if ga == gb == gc:
                    role = "coordinator"
                elif ga == gc:
                    role = "itinerant"
                elif ga == gb:
                    role = "representative"
                elif gb == gc:
                    role = "gatekeeper"
                else:
                    role = "liaison"
                out[b][role] += 1
    return out


@pytest.mark.parametrize("seed", range(4))
def test_vectorised_counts_equal_enumeration(seed):
    G = nx.gnp_random_graph(30, 0.15, seed=seed, directed=seed % 2 == 0)
    rnd = random.Random(seed)
    groups = {v: rnd.randrange(4) for v in G if rnd.random() < 0.9}
    assert brokerage_roles(G, groups) == _brute(G, groups)
