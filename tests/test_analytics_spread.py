"""Diffusion and seed selection checked against exact answers computed by enumerating every live-edge world."""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pytest

from graph.analytics.spread import (
    Constraints,
    celf,
    from_arcs,
    imm,
    influence_graph,
    max_coverage,
    reach_by_group,
    rr_sets,
    simulate,
)
from graph.analytics.spread_plan import plan_spread
from whoknows.errors import AnalyticsError

# A small directed graph with two clusters joined by one arc; probabilities chosen so the optimum is clear.
ARCS = [(0, 1, 0.6), (0, 2, 0.5), (1, 2, 0.3), (2, 3, 0.4), (3, 4, 0.7), (4, 5, 0.5), (5, 6, 0.5), (4, 6, 0.2)]
N = 7


def _ig():
    src, dst, p = zip(*ARCS, strict=True)
    return from_arcs(list(range(N)), np.array(src), np.array(dst), np.array(p))


def exact_spread(seeds: set[int]) -> float:
    """Expected IC spread by enumerating all 2^m live-edge worlds (Kempe et al. 2003's equivalence)."""
    total = 0.0
    for live in itertools.product([0, 1], repeat=len(ARCS)):
        prob = 1.0
        G = nx.DiGraph()
        G.add_nodes_from(range(N))
        for (u, v, p), on in zip(ARCS, live, strict=True):
            prob *= p if on else 1 - p
            if on:
                G.add_edge(u, v)
        reached = set(seeds)
        for s in seeds:
            reached |= nx.descendants(G, s)
        total += prob * len(reached)
    return total


def exact_greedy(k: int) -> set[int]:
    chosen: set[int] = set()
    for _ in range(k):
        chosen.add(max((v for v in range(N) if v not in chosen), key=lambda v: exact_spread(chosen | {v})))
    return chosen


def test_monte_carlo_interval_covers_exact_expectation():
    ig = _ig()
    for seeds in ({0}, {0, 4}, {3}):
        est = simulate(ig, seeds, n_sim=20_000, seed=11)
        truth = exact_spread(seeds)
        assert est.ci_low <= truth <= est.ci_high, (seeds, truth, est)
        assert est.ci_high - est.ci_low < 0.1


def test_rr_set_estimate_is_unbiased():
    ig = _ig()
    rr = rr_sets(ig, 40_000, seed=3)
    # sigma(S) = n * P(a random RR set meets S) (Borgs et al. 2014)
    hit = sum(bool({0, 4} & set(rr.nodes[rr.ptr[i] : rr.ptr[i + 1]].tolist())) for i in range(rr.count))
    assert N * hit / rr.count == pytest.approx(exact_spread({0, 4}), rel=0.03)


@pytest.mark.parametrize("k", [1, 2])
def test_imm_matches_exact_greedy_and_beats_random(k):
    ig = _ig()
    sel = imm(ig, k, eps=0.1, seed=2)
    greedy = exact_greedy(k)
    assert exact_spread(set(sel.seeds)) == pytest.approx(exact_spread(greedy), rel=1e-9)
    rng = np.random.default_rng(0)
    random_mean = np.mean([exact_spread(set(rng.choice(N, k, replace=False).tolist())) for _ in range(20)])
    assert exact_spread(set(sel.seeds)) > random_mean


def test_celf_what_if_picks_the_greedy_choice():
    ig = _ig()
    picks = celf(ig, 1, n_sim=4000, seed=1)
    assert {picks[0][0]} == exact_greedy(1)
    assert picks[0][1] == pytest.approx(exact_spread(exact_greedy(1)), rel=0.05)


def test_constraints_exclude_must_include_and_group_cap():
    ig = _ig()
    best = imm(ig, 1, eps=0.1, seed=2).seeds[0]
    sel = imm(ig, 2, eps=0.1, seed=2, exclude=[best], must_include=[6])
    assert best not in sel.seeds and 6 in sel.seeds and len(sel.seeds) == 2
    groups = {v: "left" if v < 3 else "right" for v in range(N)}
    capped = imm(ig, 3, eps=0.1, seed=2, groups=groups, max_per_group=1)
    assert len(capped.seeds) == 2  # only two groups, one seed each
    assert {groups[v] for v in capped.seeds} == {"left", "right"}
    with pytest.raises(AnalyticsError):
        imm(ig, 1, exclude=[0], must_include=[0])


def test_max_coverage_is_greedy_on_hand_sets():
    from graph.analytics.spread import RRSets

    sets = [[0, 1], [1, 2], [1], [3], [3, 4]]
    ptr = np.cumsum([0] + [len(s) for s in sets])
    rr = RRSets(ptr=ptr, nodes=np.array(list(itertools.chain(*sets))))
    seeds, covered = max_coverage(rr, 5, Constraints(k=2))
    assert seeds == [1, 3] and covered == 5


def test_lt_model_on_a_chain_is_deterministic():
    # LT with in-weight 1 on every arc of a chain: a seed activates everyone downstream, always.
    G = nx.DiGraph([(0, 1), (1, 2), (2, 3)])
    ig = influence_graph(G, model="lt", weight=None)
    assert simulate(ig, [0], model="lt", n_sim=200, seed=0).mean == 4.0
    assert imm(ig, 1, model="lt", seed=0).seeds == [0]


def test_weighted_cascade_probabilities_are_one_over_indegree():
    G = nx.DiGraph([(0, 2), (1, 2), (3, 2), (2, 4)])
    ig = influence_graph(G, model="wc", weight=None)
    p = {(ig.nodes[u], ig.nodes[v]): float(q) for u, v, q in zip(ig.src, ig.dst, ig.p, strict=True)}
    assert p[(0, 2)] == pytest.approx(1 / 3) and p[(2, 4)] == pytest.approx(1.0)


def test_reach_by_group_and_plan_spread_respect_opt_out_and_small_groups():
    G = nx.relabel_nodes(nx.karate_club_graph(), {i: f"p{i}" for i in range(34)})
    for v, d in G.nodes(data=True):
        d["department"] = d["club"]
        d["opted_out"] = v == "p0"
    G.nodes["p33"]["department"] = "tiny"
    plan = plan_spread(G, 3, model="ic", weight=None, p0=0.2, n_sim=500, seed=1)
    seeds = [s["person"] for s in plan["seeds"]]
    assert "p0" not in seeds and len(seeds) == 3
    assert "tiny" not in plan["reach_by_department"] and plan["hidden_departments"] == 1
    low, high = plan["expected_reach"]["ci95"]
    assert low <= plan["expected_reach"]["mean"] <= high
    with pytest.raises(AnalyticsError, match="opted out"):
        plan_spread(G, 2, must_include=["p0"], n_sim=10)
    est = simulate(influence_graph(G, weight=None), ["p1"], n_sim=200, seed=0)
    per = reach_by_group(est, {v: G.nodes[v]["department"] for v in G})
    assert sum(r["expected_reached"] for r in per.values()) == pytest.approx(est.mean)
