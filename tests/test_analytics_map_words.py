"""The map in words: communities named by what dominates them, stability over runs, E-I by tie strength beside
the tie count, one silo verdict with its reason, the top brokers; and ``whoknows map``."""

from __future__ import annotations

import json

import networkx as nx
import pytest
from analytics_fixtures import store_from_graph
from click.testing import CliRunner

from graph.analytics.map_words import (
    community_stability,
    ei_by_strength,
    ei_caption,
    name_communities,
    silo_verdict,
    top_brokers,
)
from graph.analytics.maps import map_with_networkers
from graph.sqlite_store import SQLiteStore


def siloed() -> nx.Graph:
    """Two departments of 10 with strong ties inside, and many faint ties across (a shared big community)."""
    G = nx.Graph()
    for d in ("Finance", "Legal"):
        for i in range(10):
            G.add_node(f"{d}{i}", department=d, name=f"{d} {i}", opted_out=False, cops=(f"{d} CoP",), tags=("tax",))
    for d in ("Finance", "Legal"):
        for i in range(10):
            for j in range(i + 1, 10):
                G.add_edge(f"{d}{i}", f"{d}{j}", weight=1.0)
    for i in range(10):
        for j in range(10):
            G.add_edge(f"Finance{i}", f"Legal{j}", weight=0.02)  # faint: a 50-person community shared
    return G


def test_ei_by_strength_sees_the_silo_the_tie_count_hides():
    from graph.analytics.maps import ei_index

    G = siloed()
    dept = nx.get_node_attributes(G, "department")
    counts = ei_index(G)
    strength = ei_by_strength(G, dept)
    assert counts["Finance"]["ei"] > 0.3  # 100 faint ties out, 45 strong ones in: "open" by counting
    assert strength["Finance"]["ei_strength"] == pytest.approx((2 - 45) / 47)  # 2.0 out, 45.0 in
    assert strength["Finance"]["ei_expected"] == pytest.approx(2 * 10 / 19 - 1)
    verdict = silo_verdict({g: {**counts[g], **strength[g]} for g in counts}, None)
    assert verdict["verdict"] == "silos" and verdict["silos"] == ["Finance", "Legal"]
    assert verdict["sentence"].startswith("The organisation works in silos: 2 of 2 departments keep most")


def test_the_e_i_caption_says_what_counting_ties_changes_on_this_network():
    from graph.analytics.maps import ei_index

    G = siloed()
    counts, strength = ei_index(G), ei_by_strength(G, nx.get_node_attributes(G, "department"))
    both = {g: {**counts[g], **strength[g]} for g in counts}
    assert "Counting ties instead of strength, 2 of the 2 red departments look open" in ei_caption(both)
    same = {"A": {"ei": -0.2, "ei_strength": -0.3}, "B": {"ei": 0.4, "ei_strength": 0.2}}  # e-mail: counts agree
    assert ei_caption(same).endswith("Counting ties instead of strength gives the same verdict here; both counts "
                                     "are in the table.")  # fmt: skip
    one = {"A": {"ei": 0.1, "ei_strength": -0.3}, "B": {"ei": -0.4, "ei_strength": -0.2}}
    assert "1 of the 2 red departments looks open: its ties out" in ei_caption(one)


def test_verdicts_for_open_and_mixed_organisations():
    open_ei = {"A": {"ei_strength": 0.4}, "B": {"ei_strength": 0.1}}
    stab = {"nmi_mean": 0.2, "nmi_min": 0.15, "nmi_max": 0.25, "runs": 5}
    v = silo_verdict(open_ei, stab)
    assert v["verdict"] == "no silos" and "cut across departments (NMI 0.20, 0.15-0.25 over 5 runs)" in v["sentence"]
    v = silo_verdict({"A": {"ei_strength": -0.3}, "B": {"ei_strength": 0.2}, "C": {"ei_strength": 0.5}}, None)
    assert v["verdict"] == "some silos" and v["sentence"] == (
        "1 of 3 departments are silos, keeping most of their tie strength inside (A -0.30)."
    )
    assert silo_verdict({}, None)["verdict"] == "unknown"


def test_communities_are_named_by_what_dominates_them():
    comm = {f"f{i}": 0 for i in range(10)} | {f"m{i}": 1 for i in range(6)} | {f"x{i}": 2 for i in range(3)}
    dept = {f"f{i}": "Finance" for i in range(9)} | {"f9": "Legal"}
    dept |= {"m0": "A", "m1": "B", "m2": "C", "m3": "D", "m4": "E", "m5": "F"}
    cops = {f"m{i}": ["Safety First"] for i in range(4)}
    tags = {"f0": ["tax", "FAQ"], "f1": ["tax", "vat", "checklist"], "f2": ["checklist"], "f3": ["checklist"]}
    named = name_communities(comm, dept, cops=cops, tags=tags)  # document types are not what people know about
    assert set(named) == {0, 1}  # the 3-person community is too small to describe
    assert (
        named[0]["name"] == "Finance"
        and named[0]["description"] == "90% Finance; 10% Legal; 20% wrote or reviewed about tax"
    )
    assert named[1]["name"] == "Safety First (community of practice)"
    twice = name_communities({"a": 0, "b": 0, "c": 0, "d": 0, "e": 0, "f": 1, "g": 1, "h": 1, "i": 1, "j": 1},
                             dict.fromkeys("abcdefghij", "Ops"))  # fmt: skip
    assert [r["name"] for r in twice.values()] == ["Ops", "Ops (2)"]


def test_stability_over_runs_and_the_map_figures():
    G = siloed()
    dept = nx.get_node_attributes(G, "department")
    stab = community_stability(G, dept, runs=4, seed=0)
    assert stab["runs"] == 4 and len(stab["nmi_vs_departments"]) == 4
    assert stab["nmi_min"] <= stab["nmi_mean"] <= stab["nmi_max"] and stab["nmi_mean"] > 0.9
    report, data = map_with_networkers(G, runs=4)
    comm = data["communities"]
    assert comm["stability"]["runs"] == 4 and {r["name"] for r in comm["named"].values()} == {"Finance", "Legal"}
    assert data["silos"]["verdict"] == "silos" and "follow department lines" in data["silos"]["sentence"]
    assert data["department_strength"]["matrix"][0][1] == pytest.approx(2.0)  # 100 faint ties of 0.02
    assert data["department_ties"]["matrix"][0][1] == 100
    json.dumps({k: v for k, v in data.items() if k != "points"}, allow_nan=False)
    assert data["brokers"] == top_brokers(report)


def test_top_brokers_come_from_the_labels():
    report = {"people": {
        "a": {"name": "A", "department": "X", "betweenness": 0.1,
              "labels": [{"label": "broker", "reasons": ["links X with Y"]}]},
        "b": {"name": "B", "department": "Y", "betweenness": 0.3,
              "labels": [{"label": "boundary spanner", "reasons": ["bridges Y with X"]},
                         {"label": "central connector", "reasons": ["ties to 9 people"]}]},
        "c": {"name": "C", "department": "Y", "betweenness": 0.9, "labels": [{"label": "central connector",
                                                                             "reasons": ["x"]}]},
    }}  # fmt: skip
    rows = top_brokers(report)
    assert [r["person"] for r in rows] == ["b", "a"] and rows[0]["labels"] == ["boundary spanner"]
    assert rows[0]["why"] == "bridges Y with X"


@pytest.fixture
def map_store(tmp_path):
    return str(store_from_graph(tmp_path / "m.db", siloed()))


def test_whoknows_map_json_and_text(map_store):
    from whoknows.cli import main

    out = CliRunner().invoke(main, ["map", "--store", map_store, "--json", "--runs", "3"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert "points" not in data and data["silos"]["verdict"] == "silos"
    assert data["communities"]["stability"]["runs"] == 3
    text = CliRunner().invoke(main, ["map", "--store", map_store, "--runs", "2"])
    assert text.exit_code == 0, text.output
    assert text.output.startswith("The organisation works in silos: 2 of 2 departments")
    assert "Finance (10 people): 100% Finance" in text.output and "Tie strength between departments" in text.output


def test_whoknows_map_on_an_empty_store_is_one_error_line(tmp_path):
    from whoknows.cli import main

    path = tmp_path / "e.db"
    s = SQLiteStore(path)
    s.setup_schema()
    s.close()
    res = CliRunner().invoke(main, ["map", "--store", str(path)])
    assert res.exit_code == 1 and res.output.count("\n") == 1 and "no (active) people" in res.output
