"""The analytics on the demo organisation, as a person meets them: one role vocabulary that never contradicts
itself, and one head count per department on every page and in the CLI."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from test_app_support import demo_store_path

from graph.analytics.networkers import LABELS, networker_report
from graph.analytics.projection import project_store
from graph.open import open_store

pytestmark = pytest.mark.slow  # the demo store is built (and embedded) once per code version


@pytest.fixture(scope="module")
def demo() -> Path:
    return demo_store_path()


@pytest.fixture(scope="module")
def report(demo: Path) -> dict:
    store = open_store(str(demo), read_only=True)
    try:
        G = project_store(store)
    finally:
        store.close()
    return networker_report(G, seed=0, expertise={v: 1.0 for v in list(G)[::7]})


def test_no_person_is_both_central_connector_and_peripheral(report: dict) -> None:
    """What a profile says about a person (labels, reasons, position in their community) calls them peripheral
    only when they are a peripheral specialist, and never a central connector at the same time."""
    connectors = 0
    for v, row in report["people"].items():
        names = {lab["label"] for lab in row["labels"]}
        assert names <= set(LABELS), (v, names)
        words = " ".join([*names, row["community_position"], *(r for lab in row["labels"] for r in lab["reasons"])])
        if "peripheral specialist" not in names:
            assert "peripheral" not in words, (v, words)
        connectors += "central connector" in names
        assert not {"central connector", "peripheral specialist"} <= names, v
    assert connectors >= 10  # the demo has central connectors to check


def test_directed_brokerage_counts_differ_where_interactions_have_direction(report: dict) -> None:
    rows = report["people"].values()
    assert any(r["brokerage_departments"]["representative"] != r["brokerage_departments"]["gatekeeper"] for r in rows)


def test_planted_networkers_are_brokers_not_just_the_well_connected(demo: Path, report: dict) -> None:
    """The demo generator plants people who bridge departments (truth.json): each is labelled broker or boundary
    spanner, and betweenness ranks them far above where their number of ties would."""
    import json

    truth = json.loads((demo.parent / "org" / "truth.json").read_text())
    planted = [f"person:{p}" for p in truth["networkers"]]
    people = report["people"]
    assert planted and all(p in people for p in planted)
    for p in planted:
        assert {"broker", "boundary spanner"} & {lab["label"] for lab in people[p]["labels"]}, p
    by_btw = sorted(people, key=lambda v: -people[v]["betweenness"])
    by_deg = sorted(people, key=lambda v: -people[v]["degree"])
    assert sum(by_btw.index(p) for p in planted) < sum(by_deg.index(p) for p in planted) / 2


def test_head_counts_agree_across_map_spread_risk_and_cli(demo: Path) -> None:
    """One definition of who is counted in a department (its active people, opted-out ones included) on the map
    (figures and legend), in spread's reach by department, in the risk page's curriculum and network risk, and
    in the CLI's JSON."""
    import json

    import networkx as nx
    from click.testing import CliRunner

    from graph.analytics.curriculum import curriculum_completion
    from graph.analytics.maps import network_map
    from graph.analytics.risk_summary import network_risk
    from graph.analytics.spread_plan import plan_spread
    from whoknows.cli import main
    from whoknows.webapp.netmap import map_option

    store = open_store(str(demo), read_only=True)
    try:
        G = project_store(store)
        cur = curriculum_completion(store)
    finally:
        store.close()
    truth = {str(g): n for g, n in Counter(nx.get_node_attributes(G, "department").values()).items()}
    shown = {g: n for g, n in truth.items() if n >= 5}
    mp = network_map(G, runs=1)
    assert mp["department_sizes"] == truth
    assert {str(g): r["members"] for g, r in mp["ei_index"].items()} == shown
    pos = {
        v: (float(x), float(y))
        for v, x, y in zip(mp["points"]["nodes"], mp["points"]["x"], mp["points"]["y"], strict=True)
    }
    view = map_option(G, pos, nx.get_node_attributes(G, "department"), head_counts=mp["department_sizes"])
    legend = {s["name"].rsplit(" (", 1)[0]: int(s["name"].rsplit(" (", 1)[1][:-1]) for s in view.option["series"][1:]}
    assert legend == {g: shown[g] for g in legend} and len(legend) >= 5
    plan = plan_spread(G, 3, n_sim=100)
    assert {str(g): r["members"] for g, r in plan["reach_by_department"].items()} == shown
    assert {d.department: d.people for d in cur.departments if d.department in shown} == {
        g: n for g, n in shown.items() if any(d.department == g for d in cur.departments)
    }
    assert cur.total.people == G.number_of_nodes()
    risk = network_risk(G, nx.get_node_attributes(G, "department"), one_share=0.0)
    assert {r["group"]: r["members"] for r in risk["at_risk"]} == shown
    cli = CliRunner().invoke(main, ["map", "--store", str(demo), "--json", "--runs", "1"])
    assert cli.exit_code == 0, cli.output
    assert json.loads(cli.output)["department_sizes"] == truth


def test_network_risk_finds_the_planted_bridges(demo: Path) -> None:
    """The departments flagged as depending on one or two people for their ties out are those the demo's planted
    bridges belong to, and the person named is the planted bridge."""
    import json

    import networkx as nx

    from graph.analytics.risk_summary import network_risk

    truth = json.loads((demo.parent / "org" / "truth.json").read_text())
    planted = {f"person:{p}" for p in truth["networkers"]}
    store = open_store(str(demo), read_only=True)
    try:
        G = project_store(store)
    finally:
        store.close()
    res = network_risk(G, nx.get_node_attributes(G, "department"))
    named = {h["person"] for r in res["at_risk"] for h in r["holders"]}
    assert named and named <= planted, (named, planted)
