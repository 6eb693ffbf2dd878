"""The knowledge-risk answer: network risk (ties that run through one or two people), single experts who are
active, the one peripheral-specialist rule, and sections that say why they are empty."""

from __future__ import annotations

import json

import networkx as nx
import pytest
from analytics_fixtures import store_from_graph
from click.testing import CliRunner

from graph.analytics.risk_summary import network_risk, risk_summary, working_graph


def two_teams(gateway_share: float = 0.9) -> nx.Graph:
    """Legal (6) talks to Sales (6) almost only through Lea; Sales's ties out are spread over everyone."""
    G = nx.Graph()
    for d, ids in (("Legal", [f"l{i}" for i in range(6)]), ("Sales", [f"s{i}" for i in range(6)])):
        for v in ids:
            G.add_node(v, department=d, name=v.upper(), opted_out=False)
        for i, u in enumerate(ids):
            for v in ids[i + 1 :]:
                G.add_edge(u, v, weight=1.0, interacted=1.0)
    for j in range(6):
        G.add_edge("l0", f"s{j}", weight=gateway_share * 10 / 6, interacted=1.0)
    G.add_edge("l1", "s0", weight=(1 - gateway_share) * 10, interacted=1.0)
    return G


def test_a_department_whose_ties_run_through_one_person_is_named_with_the_person():
    res = network_risk(two_teams(), nx.get_node_attributes(two_teams(), "department"))
    rows = {r["group"]: r for r in res["at_risk"]}
    assert set(rows) == {"Legal"} and res["checked"] == 2
    legal = rows["Legal"]
    assert legal["through"] == 1 and legal["share"] == pytest.approx(0.9)
    assert legal["holders"] == [{"person": "l0", "name": "L0", "share": pytest.approx(0.9), "department": None}]
    assert legal["sentence"].startswith("90% of its tie strength to the rest of the organisation runs through one "
                                        "person: L0 [l0] (90%)")  # fmt: skip
    # a detected community is named with the department of the person it runs through
    G = two_teams()
    comm = {v: "c-law" if v.startswith("l") else "c-sales" for v in G}
    by_comm = network_risk(G, comm, names={"c-law": "Legal team"}, departments=nx.get_node_attributes(G, "department"))
    row = next(r for r in by_comm["at_risk"] if r["group"] == "c-law")
    assert row["name"] == "Legal team" and row["holders"][0]["department"] == "Legal"
    assert "runs through one person: L0 [l0], Legal (90%)" in row["sentence"]


def test_two_people_and_opted_out_holders():
    G = two_teams(gateway_share=0.3)  # Lea 30%, Lou 70%: two people hold it all
    G.nodes["l1"]["opted_out"] = True
    res = network_risk(G, nx.get_node_attributes(G, "department"))
    legal = next(r for r in res["at_risk"] if r["group"] == "Legal")
    assert legal["through"] == 1 and legal["holders"][0]["person"] is None  # Lou (70%) opted out: not named
    assert "a person who opted out" in legal["sentence"] and "L1" not in legal["sentence"]
    spread_out = network_risk(G, nx.get_node_attributes(G, "department"), one_share=0.9, two_share=0.95)
    assert [r["through"] for r in spread_out["at_risk"]] == [2]


def test_single_experts_far_departments_and_specialists():
    G = two_teams()
    G.add_node("x", department="Sales", name="Xena", opted_out=False)
    G.add_edge("x", "s1", weight=0.01, community=0.01)  # only a shared community: not a working tie
    rep = risk_summary(
        G, {"contracts": {"l3": 0.97}, "pricing": {"s1": 0.96, "s2": 0.97}, "tax": {}, "zoning": {"x": 0.99}}
    )
    assert rep["single_expert_topics"] == ["contracts", "zoning"] and rep["topics_without_expert"] == ["tax"]
    row = next(r for r in rep["single_experts"] if r["topic"] == "contracts")
    assert row["person"] == "l3" and row["name"] == "L3" and row["department"] == "Legal"
    assert row["far_departments"] == []  # Sales is two working ties away through Lea
    assert set(rep["peripheral_specialists"]) == {"x"}  # one tie; the others have 5 or more
    assert rep["peripheral_specialists"]["x"]["reasons"][0] == "knows about zoning"
    assert "x" not in working_graph(G)["s1"]


def test_empty_sections_say_why():
    G = two_teams(gateway_share=0.2)
    G.remove_edge("l1", "s0")
    rep = risk_summary(G, {})
    why = rep["why_empty"]
    assert why["single_expert_topics"].startswith("there are no subject topics in the store")
    assert why["peripheral_specialists"] == "there are no subject topics in the store, so nobody can be a specialist"
    assert risk_summary(G, {"t": {}})["why_empty"]["peripheral_specialists"] == "nobody is a strong match on any topic"
    assert "network_risk" not in why  # Legal's ties out all run through Lea
    # communities: the same reasons in their own words
    flat = nx.complete_graph(12)
    nx.set_node_attributes(flat, {v: "A" if v < 6 else "B" for v in flat}, "department")
    comm = {v: "ab"[v % 2] for v in flat}
    rep = risk_summary(flat, {}, communities=comm, community_names={"a": "the a team", "b": "the b team"})
    assert rep["network_risk"]["communities"]["at_risk"] == []
    assert rep["why_empty"]["community_network_risk"].startswith(
        "no community's ties to the rest run through one or two people (the largest share one person holds is 17%, "
        "in the a team)"
    )
    tiny = risk_summary(flat, {}, communities=comm, min_group_size=7)["why_empty"]
    assert tiny["community_network_risk"] == "no community has 7 or more people"
    assert risk_summary(flat, {"t": {0: 1.0, 1: 1.0}})["why_empty"]["network_risk"].startswith(
        "no department's ties to the rest run through one or two people (the largest share one person holds is 17%"
    )


@pytest.mark.slow  # loads the embedding model
def test_cli_risk_with_people_and_interactions_only(tmp_path):
    from whoknows.cli import main

    path = store_from_graph(tmp_path / "pi.db", two_teams())
    res = CliRunner().invoke(main, ["risk", "--store", str(path), "--json"])
    assert res.exit_code == 0, res.output
    rep = json.loads(res.output)
    assert rep["curriculum"]["departments"] == [] and "no KM 10x courses" in rep["why_empty"]["curriculum"]
    assert rep["why_empty"]["communities"] == "no communities of practice in the store"
    assert [r["name"] for r in rep["network_risk"]["departments"]["at_risk"]] == ["Legal"]
    text = CliRunner().invoke(main, ["risk", "--store", str(path)]).output
    assert "none: there are no subject topics in the store" in text
    assert "Legal (6 people): 90% of its tie strength" in text and "L0 [person:l0]" in text
    assert "% completed" not in text  # no curriculum rows when there is no curriculum
    assert "\n  none\n" not in text  # every empty section says why
