"""Gould-Fernandez brokerage with direction kept: one hand-built two-path per role, each undirected two-path
counted once, and agreement with brute-force enumeration on directed, undirected and mixed graphs."""

from __future__ import annotations

import random

import networkx as nx
import pytest

from graph.analytics.brokerage import ROLES, brokerage_roles
from graph.analytics.projection import build_person_graph


def _path(groups: dict[str, str]) -> dict[str, int]:
    G = nx.DiGraph([("a", "b"), ("b", "c")])
    return brokerage_roles(G, groups)["b"]


@pytest.mark.parametrize(
    ("groups", "role"),
    [
        ({"a": "X", "b": "X", "c": "X"}, "coordinator"),
        ({"a": "X", "b": "Y", "c": "X"}, "consultant"),
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


def test_an_undirected_two_path_is_counted_once():
    G = nx.Graph([("a", "b"), ("b", "c")])
    counts = brokerage_roles(G, {"a": "X", "b": "X", "c": "Y"})["b"]
    # without direction a->b->c and c->b->a are one two-path: neither a representative nor a gatekeeper
    assert counts == {r: (1 if r == "representative_or_gatekeeper" else 0) for r in ROLES}
    liaison = brokerage_roles(G, {"a": "X", "b": "Y", "c": "Z"})["b"]
    assert liaison["liaison"] == 1 and sum(liaison.values()) == 1


def test_projection_keeps_the_direction_of_interactions():
    """Ann writes to Bo (both Sales), Bo writes to Cy (Legal): Bo carries Sales's word out (representative);
    the same ties the other way round make Bo a gatekeeper; shared documents (no direction) count once."""
    people = [{"id": p, "department": d} for p, d in (("ann", "Sales"), ("bo", "Sales"), ("cy", "Legal"))]
    G = build_person_graph(people, interactions=[("ann", "bo", 3), ("bo", "cy", 1)])
    counts = brokerage_roles(G, {v: G.nodes[v]["department"] for v in G})
    assert counts["bo"]["representative"] == 1 and counts["bo"]["gatekeeper"] == 0
    G2 = build_person_graph(people, interactions=[("cy", "bo", 1), ("bo", "ann", 3)])  # the other way
    counts2 = brokerage_roles(G2, {v: G2.nodes[v]["department"] for v in G2})
    assert counts2["bo"]["gatekeeper"] == 1 and counts2["bo"]["representative"] == 0
    # a shared document has no direction: the same pair of ties through a co-authorship is counted once
    G3 = build_person_graph(people, documents={"d1": ["ann", "bo"], "d2": ["bo", "cy"]})
    counts3 = brokerage_roles(G3, {v: G3.nodes[v]["department"] for v in G3})
    assert counts3["bo"]["representative_or_gatekeeper"] == 1 and counts3["bo"]["representative"] == 0


def brute(directed: set[tuple], undirected: set[frozenset], groups: dict, nodes: list) -> dict:
    """Every two-path by enumeration: ordered over directed legs (at least one), once over two undirected ties."""
    arcs = set(directed) | {(a, b) for e in undirected for a, b in (tuple(e), tuple(e)[::-1])}
    tie = {frozenset(a) for a in arcs}
    out = {v: dict.fromkeys(ROLES, 0) for v in nodes}

    def grp(x):
        return groups.get(x, ("own", x))

    for a, b in arcs:
        for b2, c in arcs:
            if b2 != b or len({a, b, c}) < 3:
                continue
            ga, gb, gc = grp(a), grp(b), grp(c)
            both_u = frozenset((a, b)) in undirected and frozenset((b, c)) in undirected
            if both_u:
                if frozenset((a, c)) in tie or (str(a), str(c)) > (str(c), str(a)):
                    continue  # closed either way, or the same path seen from its other end
                if ga == gb == gc:
                    role = "coordinator"
                elif ga == gc:
                    role = "consultant"
                elif ga == gb or gb == gc:
                    role = "representative_or_gatekeeper"
                else:
                    role = "liaison"
            else:
                if (a, c) in arcs:
                    continue
                if ga == gb == gc:
                    role = "coordinator"
                elif ga == gc:
                    role = "consultant"
                elif ga == gb:
                    role = "representative"
                elif gb == gc:
                    role = "gatekeeper"
                else:
                    role = "liaison"
            out[b][role] += 1
    return out


def _groups(nodes: list, seed: int) -> dict:
    rnd = random.Random(seed)
    return {v: rnd.randrange(4) for v in nodes if rnd.random() < 0.9}


@pytest.mark.parametrize("seed", range(4))
def test_vectorised_counts_equal_enumeration_on_directed_and_undirected_graphs(seed):
    G = nx.gnp_random_graph(30, 0.15, seed=seed, directed=seed % 2 == 0)
    groups = _groups(list(G), seed)
    if G.is_directed():
        expected = brute({(u, v) for u, v in G.edges() if u != v}, set(), groups, list(G))
    else:
        expected = brute(set(), {frozenset(e) for e in G.edges() if e[0] != e[1]}, groups, list(G))
    assert brokerage_roles(G, groups) == expected


@pytest.mark.parametrize("seed", range(4))
def test_vectorised_counts_equal_enumeration_on_a_mixed_person_graph(seed):
    rnd = random.Random(seed)
    ids = [f"p{i}" for i in range(28)]
    people = [{"id": p, "department": f"D{rnd.randrange(3)}"} for p in ids]
    inter = [(rnd.choice(ids), rnd.choice(ids), 1.0) for _ in range(70)]
    docs = {f"d{j}": rnd.sample(ids, 2) for j in range(25)}
    G = build_person_graph(people, interactions=inter, documents=docs)
    und = {frozenset((u, v)) for u, v, d in G.edges(data=True) if d.get("coauthor")}
    arcs = {(u, v) for u, v, _ in inter if u != v and frozenset((u, v)) not in und}
    groups = {v: G.nodes[v]["department"] for v in G}
    got = brokerage_roles(G, groups)
    assert got == brute(arcs, und, groups, list(G))
    assert any(r["representative"] != r["gatekeeper"] for r in got.values())  # direction made a difference


@pytest.mark.parametrize("seed", range(2))
def test_reference_enumeration_agrees(seed):
    from graph.analytics.brokerage import enumerate_brokerage

    rnd = random.Random(seed)
    ids = [f"p{i}" for i in range(20)]
    people = [{"id": p, "department": f"D{rnd.randrange(3)}"} for p in ids]
    G = build_person_graph(people, interactions=[(rnd.choice(ids), rnd.choice(ids), 1.0) for _ in range(50)],
                           documents={f"d{j}": rnd.sample(ids, 2) for j in range(15)})  # fmt: skip
    groups = {v: G.nodes[v]["department"] for v in G}
    assert enumerate_brokerage(G, groups) == brokerage_roles(G, groups)
