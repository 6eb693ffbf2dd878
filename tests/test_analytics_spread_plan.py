"""The product's spread answer: baselines side by side, added reach, saturation and shortfall warnings, who may be
a seed given the idea text, and clear errors for networks with nothing to spread along."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from graph.analytics.spread import from_arcs, imm, influence_graph, rr_reach, rr_sets, simulate
from graph.analytics.spread_plan import plan_spread
from whoknows.errors import AnalyticsError


def stars(n_stars: int = 6, leaves: int = 15) -> nx.Graph:
    """Hubs in a ring, each with its own leaves; department = the star. Under the weighted cascade a hub reaches
    its leaves for sure (their only contact) while a leaf reaches its hub with chance 1/(hub's ties)."""
    G = nx.Graph()
    for s in range(n_stars):
        hub = f"h{s}"
        G.add_node(hub, name=f"Hub {s}", department=f"D{s % 2}", opted_out=False)
        for j in range(leaves):
            leaf = f"l{s}_{j}"
            G.add_node(leaf, name=f"Leaf {s}.{j}", department=f"D{s % 2}", opted_out=False)
            G.add_edge(hub, leaf, weight=1.0)
        G.add_edge(hub, f"h{(s + 1) % n_stars}", weight=1.0)
    return G


def test_chosen_seeds_beat_random_and_are_shown_beside_both_baselines():
    G = stars()
    plan = plan_spread(G, 3, n_sim=1000, seed=0)
    assert {s["person"] for s in plan["seeds"]} <= {f"h{i}" for i in range(6)}
    rnd, top = plan["baselines"]["random"], plan["baselines"]["best_connected"]
    assert plan["expected_reach"]["mean"] > 2 * rnd["mean"]  # hubs carry the idea to their leaves for sure
    assert plan["lift_vs_random"] == pytest.approx(plan["expected_reach"]["mean"] / rnd["mean"])
    assert rnd["sets"] == 10 and rnd["range"][0] <= rnd["mean"] <= rnd["range"][1]
    assert len(top["people"]) == 3 and set(top["people"]) <= {f"h{i}" for i in range(6)}
    assert not plan["saturated"] and plan["warnings"] == []
    assert plan["method"]["model"] == "wc"  # the default


def test_added_reach_per_seed_adds_up_to_the_estimate():
    G = stars()
    plan = plan_spread(G, 4, n_sim=4000, seed=1)
    gains = [s["added_reach"] for s in plan["seeds"]]
    assert all(g > 0 for g in gains) and gains == sorted(gains, reverse=True)  # greedy: diminishing returns
    assert sum(gains) == pytest.approx(plan["method"]["rr_estimate"])
    assert sum(gains) == pytest.approx(plan["expected_reach"]["mean"], rel=0.05)


def test_rr_reach_is_an_unbiased_estimate_for_any_set():
    G = stars(4, 6)
    ig = influence_graph(G, model="wc")
    rr = rr_sets(ig, 60_000, seed=2)
    idx = ig.index()
    for seeds in (["l0_0", "l1_1"], ["h0"], ["h0", "l2_3", "l3_4"]):
        est, half = rr_reach(rr, ig.n, [idx[v] for v in seeds])
        mc = simulate(ig, seeds, model="wc", n_sim=40_000, seed=3)
        assert abs(est - mc.mean) < 2 * half + (mc.ci_high - mc.ci_low), seeds


def test_saturating_model_is_flagged():
    G = nx.complete_graph(30)
    nx.set_node_attributes(G, "D", "department")
    plan = plan_spread(G, 3, model="ic", p0=0.5, weight=None, n_sim=500, seed=0)
    assert plan["saturated"] and plan["baselines"]["random"]["mean"] > 15
    assert any("any 3 people reach most of the organisation" in w for w in plan["warnings"])
    assert "weighted cascade" in plan["warnings"][0]


def test_weak_lift_is_said():
    G = nx.cycle_graph(40)  # every person alike: no choice beats random
    nx.set_node_attributes(G, "D", "department")
    plan = plan_spread(G, 2, n_sim=2000, seed=0)
    assert plan["lift_vs_random"] < 1.2
    assert any("matters little" in w for w in plan["warnings"])


def test_a_cap_that_cannot_be_met_says_so():
    G = stars()  # two departments
    plan = plan_spread(G, 5, max_per_department=2, n_sim=200, seed=0)
    assert len(plan["seeds"]) == 4 and plan["requested_k"] == 5
    assert plan["shortfall"] == (
        "Asked for 5 people, but only 4 can be chosen: at most 2 per department across 2 departments."
    )
    assert plan["warnings"][0] == plan["shortfall"]
    assert len(plan["baselines"]["best_connected"]["people"]) == 4  # compared like for like


def test_baselines_keep_the_department_cap_the_seeds_keep():
    """With at most 1 per department, the best-connected baseline is not the 3 biggest hubs of one department
    (a choice the user ruled out) and no random set has two people of one department."""
    G = stars()
    for v in list(G):  # the hubs of department D0 get extra ties: unconstrained, they would be the 3 best-connected
        if v in ("h0", "h2", "h4"):
            for j in range(5):
                G.add_edge(v, f"l{(int(v[1]) + 1) % 6}_{j}", weight=1.0)
    free = plan_spread(G, 3, n_sim=200, seed=0)
    assert {G.nodes[v]["department"] for v in free["baselines"]["best_connected"]["people"]} == {"D0"}
    assert free["baselines"]["best_connected"].get("rule") is None
    plan = plan_spread(G, 3, max_per_department=1, n_sim=200, seed=0)
    top = plan["baselines"]["best_connected"]
    depts = [G.nodes[v]["department"] for v in top["people"]]
    assert len(depts) == len(set(depts)) == 2  # two departments: two people, one each
    assert top["rule"] == "at most 1 per department, as the seeds"
    assert plan["baselines"]["random"]["rule"] == top["rule"]


def test_idea_knowers_are_preferred_when_enough_can_be_asked():
    G = stars()
    knowers = {"l0_0": 3.0, "l1_0": 2.0, "l2_0": 1.0, "l3_0": 1.0}
    plan = plan_spread(G, 2, knowers=knowers, n_sim=200, seed=0)
    assert plan["knowers"]["case"] == "knowers"
    assert {s["person"] for s in plan["seeds"]} <= set(knowers)
    assert all(s["knows_idea"] for s in plan["seeds"])
    assert "among the 4 people who know about the idea" in plan["knowers"]["sentence"]


def test_too_few_knowers_are_all_seeds_and_the_rest_come_from_everyone():
    G = stars()
    G.nodes["l1_0"]["opted_out"] = True
    plan = plan_spread(G, 3, knowers={"l0_0": 1.0, "l1_0": 5.0}, n_sim=200, seed=0)
    seeds = [s["person"] for s in plan["seeds"]]
    assert plan["knowers"]["case"] == "few_knowers" and "l0_0" in seeds and "l1_0" not in seeds
    assert sum(s.startswith("h") for s in seeds) == 2
    assert plan["knowers"]["sentence"].startswith(
        "Only 1 person who knows about the idea can be asked (not counting 1 opted out or left out): they are a seed;"
    )


def test_nobody_knows_about_the_idea():
    G = stars()
    plan = plan_spread(G, 2, knowers={}, n_sim=200, seed=0)
    assert plan["knowers"]["case"] == "no_knowers" and "Nobody who can be asked" in plan["knowers"]["sentence"]
    with pytest.raises(AnalyticsError, match="nobody who can be asked is known to know about this idea"):
        plan_spread(G, 2, knowers={}, knowers_mode="only", n_sim=200)
    ignored = plan_spread(G, 2, knowers={"l0_0": 1.0}, knowers_mode="ignore", n_sim=200, seed=0)
    assert ignored["knowers"]["case"] == "network" and "was not used" in ignored["knowers"]["sentence"]


def test_only_knowers_may_give_fewer_seeds_and_says_why():
    G = stars()
    plan = plan_spread(G, 3, knowers={"l0_0": 1.0, "l2_0": 1.0}, knowers_mode="only", n_sim=200, seed=0)
    assert {s["person"] for s in plan["seeds"]} == {"l0_0", "l2_0"}
    assert "only 2 people are eligible (those who know about the idea)" in plan["shortfall"]


def test_networks_with_nothing_to_spread_along_are_errors():
    with pytest.raises(AnalyticsError, match="no \\(active\\) people"):
        plan_spread(nx.Graph(), 1)
    G = nx.empty_graph(5)
    with pytest.raises(AnalyticsError, match="no ties between the 5 people"):
        plan_spread(G, 1)
    with pytest.raises(AnalyticsError, match="p0 must be a probability"):
        plan_spread(stars(), 1, model="ic", p0=0.0)


def test_imm_records_gains_and_its_rr_sets():
    src, dst = np.array([0, 0, 1]), np.array([1, 2, 3])
    ig = from_arcs([0, 1, 2, 3], src, dst, np.array([1.0, 1.0, 1.0]))
    sel = imm(ig, 2, seed=0)
    assert sel.seeds[0] == 0 and sel.gains[0] == pytest.approx(4.0)
    assert sel.rr is not None and sum(sel.gains) == pytest.approx(sel.estimated_spread)


def test_poorly_placed_knowers_are_compared_with_a_choice_from_everyone():
    G = stars()
    knowers = {f"l{s}_{j}": 1.0 for s in range(6) for j in range(3)}  # leaves only
    plan = plan_spread(G, 2, knowers=knowers, n_sim=1000, seed=0)
    anyone = plan["baselines"]["anyone"]
    assert set(anyone["people"]) <= {f"h{i}" for i in range(6)}
    assert anyone["mean"] > 2 * plan["expected_reach"]["mean"]
    assert any(
        w.startswith("The people who know about the idea are not placed to spread it far") for w in plan["warnings"]
    )
    assert "anyone" not in plan_spread(G, 2, knowers=knowers, knowers_mode="ignore", n_sim=100)["baselines"]
