"""The networker report: Cross's labels with reasons, opt-out, topic networkers."""

from __future__ import annotations

import networkx as nx
import pytest

from graph.analytics.networkers import networker_report, topic_networkers


def _org() -> nx.Graph:
    """Two departments of 8 (each a dense cluster), one bridge person, one loosely tied specialist."""
    G = nx.Graph()
    fin = [f"f{i}" for i in range(8)]
    ops = [f"o{i}" for i in range(8)]
    for grp, dept in ((fin, "Finance"), (ops, "Operations")):
        for v in grp:
            G.add_node(v, department=dept, name=v.upper(), opted_out=False)
        for i, u in enumerate(grp):
            for v in grp[i + 1 : i + 4]:
                G.add_edge(u, v, weight=1.0)
    G.add_node("bridge", department="Finance", name="Bea Bridge", opted_out=False)
    for v in ("f0", "f4", "o0", "o4", "o6"):
        G.add_edge("bridge", v, weight=1.0)
    G.add_node("spec", department="Operations", name="Sam Spec", opted_out=False)
    G.add_edge("spec", "o7", weight=1.0)
    G.add_node("quiet", department="Finance", name="Quinn", opted_out=True)
    for v in ("f1", "f5", "f6", "f7", "f3"):
        G.add_edge("quiet", v, weight=1.0)
    return G


def test_boundary_spanner_label_with_reasons_in_words():
    G = _org()
    rep = networker_report(G, seed=0)
    labels = {lab["label"]: lab for lab in rep["people"]["bridge"]["labels"]}
    assert "boundary spanner" in labels
    text = labels["boundary spanner"]["reasons"][0]
    assert text.startswith("bridges Finance with Operations: 3 of 5 ties cross departments; constraint ")
    assert "lower than" in text and "% of people" in text


def test_central_connector_and_peripheral_specialist():
    G = _org()
    hub = "o1"
    for v in ("f2", "f3", "o5", "o6", "f6"):
        G.add_edge(hub, v, weight=1.0)
    expertise = {"spec": 0.9, "f0": 0.2, "o1": 0.3, "f3": 0.1, "o4": 0.05}
    rep = networker_report(G, seed=0, expertise=expertise)
    hub_labels = [lab["label"] for lab in rep["people"][hub]["labels"]]
    assert "central connector" in hub_labels
    spec = {lab["label"]: lab for lab in rep["people"]["spec"]["labels"]}
    assert "peripheral specialist" in spec
    assert spec["peripheral specialist"]["reasons"][1].startswith("ties to 1 person,")
    assert rep["summary"]["peripheral specialist"] == 1


def test_opted_out_people_have_no_row_and_no_label():
    rep = networker_report(_org(), seed=0)
    assert "quiet" not in rep["people"]
    assert rep["method"]["opted_out_hidden"] == 1
    # but they still shape others' measures: f1's degree counts the tie to them
    assert rep["people"]["f1"]["degree"] == 5  # f0, f2, f3, f4 and the opted-out person


def test_report_measures_match_the_single_functions():
    from graph.analytics.centrality import betweenness, constraint

    G = _org()
    rep = networker_report(G, seed=0)
    bc, con = betweenness(G), constraint(G, weight="weight")
    for v, row in rep["people"].items():
        assert row["betweenness"] == pytest.approx(bc[v])
        assert row["constraint"] == pytest.approx(con[v])


def test_sampled_betweenness_is_reported_with_its_error_bound():
    rep = networker_report(_org(), seed=0, betweenness_k=5)
    assert rep["method"]["betweenness"] == "sampled, 5 pivots"
    assert rep["method"]["betweenness_error_95"] == pytest.approx(0.607, abs=0.01)


def test_topic_networkers_rank_knowers_who_bridge():
    G = _org()
    expertise = {"bridge": 0.5, "spec": 1.0, "f3": 0.5, "quiet": 5.0}
    rows = topic_networkers(G, expertise, k=3)
    assert rows[0]["person"] == "bridge"  # knows the topic and reaches both departments
    assert all(r["person"] != "quiet" for r in rows)  # opted out
    assert rows[0]["reasons"][1] == "reaches 2 of 2 target groups within 2 hops"


def test_broker_links_communities_and_names_them():
    G = _org()
    comm = {v: ("A" if G.nodes[v]["department"] == "Finance" else "B") for v in G}
    comm["bridge"] = "C"
    for v in ("f2", "o2"):  # a third community of three, held together by the bridge
        comm[v] = "C"
    rep = networker_report(G, seed=0, communities=comm, community_names={"A": "Finance team", "B": "Ops team",
                                                                         "C": "the liaison group"})  # fmt: skip
    labels = {lab["label"]: lab for lab in rep["people"]["bridge"]["labels"]}
    assert "broker" in labels
    assert labels["broker"]["reasons"][0].startswith("links the liaison group with ")
    assert "Finance team" in labels["broker"]["reasons"][0] and "Ops team" in labels["broker"]["reasons"][0]


def test_one_vocabulary_and_no_peripheral_connector():
    """Every label is one of Cross's four; the community position never says "peripheral" (Guimerà-Amaral's R2
    is a well-connected person whose ties stay in one community) and is never a label."""
    from graph.analytics.networkers import LABELS

    G = _org()
    hub = "o1"
    for v in ("f2", "f3", "o5", "o6", "f6"):
        G.add_edge(hub, v, weight=1.0)
    rep = networker_report(G, seed=0, expertise={"spec": 0.9, "o1": 0.9, "f0": 0.1})
    for v, row in rep["people"].items():
        names = {lab["label"] for lab in row["labels"]}
        assert names <= set(LABELS)
        assert not ({"central connector", "peripheral specialist"} <= names), v
        assert "peripheral" not in row["community_position"] and "role" not in row


def test_shares_in_words_never_pass_100_percent() -> None:
    """The best-connected of 2,000 people is above 1,999 of them (99.95%): "more than 99%", never "100%"."""
    from graph.analytics.networkers import _pct

    assert _pct(1999 / 2000) == "99%" and _pct(0.5) == "50%" and _pct(0.0) == "0%" and _pct(0.29) == "29%"


def test_specialist_reasons_count_the_topics_not_named():
    from graph.analytics.networkers import specialist_reasons

    four = specialist_reasons(["a", "b", "c", "d"], 3, 0.9, 2)
    assert four[0] == "knows about a, b, c and 1 more topic"
    assert specialist_reasons(["a", "b", "c", "d", "e"], 3, 0.9, 2)[0] == "knows about a, b, c and 2 more topics"
    assert specialist_reasons(["a"], 3, 0.5, 2) == []  # more ties than a quarter of people: not peripheral
