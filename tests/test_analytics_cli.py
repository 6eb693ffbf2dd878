"""The analytics CLI commands on a small real store: they run, honour opt-out, and print JSON."""

from __future__ import annotations

import json

import click
import pytest
from click.testing import CliRunner

from graph.sqlite_store import SQLiteStore
from graph.store import Node, Rel
from whoknows.commands.analytics import networkers, risk, spread

pytestmark = pytest.mark.slow  # spread and risk ask the calibrated expertise, which needs the real embedding model


@pytest.fixture(scope="module")
def store_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("an") / "s.db"
    store = SQLiteStore(path)
    store.setup_schema()
    nodes, rels = [], []
    depts = ["Finance", "Operations", "Legal"]
    for i in range(18):
        nodes.append(
            Node(
                f"person:{i}",
                "Person",
                {"person_id": str(i), "name": f"Person {i}", "department": depts[i % 3], "opted_out": i == 4},
            )
        )
        if i:
            rels.append(Rel("REPORTS_TO", f"person:{i}", f"person:{(i - 1) // 3}"))
    nodes.append(Node("person:18", "Person", {"person_id": "18", "name": "Gone Person", "department": "Legal",
                                              "active": False}))  # fmt: skip
    nodes += [Node("topic:tax", "Topic", {"name": "utility contract negotiation"}),
              Node("topic:rail", "Topic", {"name": "rail freight scheduling"})]  # fmt: skip
    for d in range(6):
        nodes.append(Node(f"doc:{d}", "Document", {"key": f"k{d}", "title": f"Doc {d}"}))
        text = "utility contract negotiation tariffs" if d < 3 else "rail freight scheduling"
        nodes.append(Node(f"chunk:{d}:0", "Chunk", {"n": 0, "text": text, "doc_id": f"doc:{d}"}))
        rels.append(Rel("HAS_CHUNK", f"doc:{d}", f"chunk:{d}:0", {"n": 0}))
        rels.append(Rel("AUTHORED", f"person:{d}", f"doc:{d}", {"position": 0}))
        rels.append(Rel("AUTHORED", f"person:{d + 6}", f"doc:{d}", {"position": 1}))
        rels.append(Rel("AUTHORED", "person:18", f"doc:{d}", {"position": 2}))  # left the organisation
        rels.append(Rel("ABOUT", f"doc:{d}", "topic:tax" if d < 3 else "topic:rail"))
    nodes.append(Node("course:km101", "Course", {"course_id": "km101", "title": "KM basics", "code": "KM 101",
                                                 "text": "KM basics."}))  # fmt: skip
    rels += [Rel("COMPLETED", f"person:{i}", "course:km101", {"status": "completed"}, key=f"r{i}") for i in range(9)]
    nodes.append(Node("community:c1", "Community", {"community_id": "c1", "name": "Tax CoP", "text": "Tax CoP."}))
    rels += [Rel("MEMBER_OF", f"person:{i}", "community:c1", {"role": "member"}, key="member") for i in range(6)]
    with store.transaction():
        store.upsert_nodes(nodes, source="t")
        store.upsert_rels(rels, source="t")
    from search.embedder import default_embedder, embed_store

    embed_store(store, default_embedder(), progress=False)  # spread asks the calibrated expertise (real model)
    store.close()
    return str(path)


def _run(cmd: click.Command, args: list[str]) -> dict:
    result = CliRunner().invoke(cmd, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_networkers_json_hides_opted_out(store_path):
    rep = _run(networkers, ["--store", store_path, "--json"])
    assert "person:4" not in rep["people"] and len(rep["people"]) == 17


def test_spread_json_respects_budget_cap_and_opt_out(store_path):
    plan = _run(spread, ["utility contract", "--store", store_path, "-k", "3", "--max-per-department", "1",
                         "--exclude", "0", "--simulations", "200", "--json"])  # fmt: skip
    people = [s["person"] for s in plan["seeds"]]
    assert len(people) == 3 and "person:4" not in people and "person:0" not in people
    assert len({s["department"] for s in plan["seeds"]}) == 3
    assert plan["expected_reach"]["ci95"][0] <= plan["expected_reach"]["mean"]


def test_spread_experts_only_and_text_output(store_path):
    result = CliRunner().invoke(spread, ["rail freight", "--store", store_path, "-k", "2", "--experts-only",
                                         "--simulations", "100"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Brief these 2 people first" in result.output


def test_risk_json(store_path):
    rep = _run(risk, ["--store", store_path, "--json"])
    assert set(rep["topics"]) == {"utility contract negotiation", "rail freight scheduling"}
    experts = {p for t in rep["topics"].values() for p in t["experts"]}
    assert experts and "person:18" not in experts  # inactive people are never experts, let alone the only one
    assert all(row["person"] != "person:18" for row in rep["single_experts"])
    finance = next(d for d in rep["curriculum"]["departments"] if d["department"] == "Finance")
    assert finance["people"] == 6 and finance["done"]["KM 101"] == 3  # active people only: the head count
    assert rep["curriculum"]["total"]["people"] == 18
    assert set(rep["why_empty"]) <= {
        "single_expert_topics",
        "peripheral_specialists",
        "network_risk",
        "community_network_risk",
    }
    assert rep["communities"]["community:c1"]["problems"] == [
        "no active leader or facilitator",
        "no subject-matter expert",
        "no knowledge assets",
    ]


def test_spread_shows_baselines_and_uses_the_weighted_cascade_by_default(store_path):
    plan = _run(spread, ["utility contract negotiation", "--store", store_path, "-k", "2", "--simulations", "200",
                         "--json"])  # fmt: skip
    assert plan["method"]["model"] == "wc" and plan["method"]["p0"] is None
    assert {"random", "best_connected"} <= set(plan["baselines"]) and plan["lift_vs_random"] > 0
    assert all(s["added_reach"] >= 0 for s in plan["seeds"])
    assert plan["knowers"]["case"] in {"knowers", "few_knowers", "no_knowers"}
    text = CliRunner().invoke(spread, ["utility contract", "--store", store_path, "-k", "2", "--simulations", "200"])
    assert "people picked at random" in text.output and "best-connected" in text.output
    assert "adds " in text.output and "Assumption:" in text.output


def test_spread_model_and_p0_options(store_path):
    plan = _run(spread, ["x", "--store", store_path, "-k", "2", "--model", "ic", "--p0", "0.3", "--anyone",
                         "--simulations", "100", "--json"])  # fmt: skip
    assert plan["method"]["p0"] == 0.3 and "0.3" in plan["method"]["edge_probabilities"]
    assert plan["knowers"]["case"] == "network"
    bad = CliRunner().invoke(spread, ["x", "--store", store_path, "--p0", "0.3"])
    assert bad.exit_code == 2 and "--p0 applies to the independent cascade model only" in bad.output


def test_spread_experts_only_without_knowers_is_one_error_line(store_path):
    from whoknows.cli import main

    result = CliRunner().invoke(main, ["spread", "zzqx nothing matches", "--store", store_path, "--experts-only"])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        "error: nobody who can be asked is known to know about this idea; choose seeds from everyone instead "
        "(without --experts-only / 'only people who know about it')"
    ]


def test_spread_on_an_empty_store_is_one_error_line(tmp_path):
    from whoknows.cli import main

    path = tmp_path / "empty.db"
    empty = SQLiteStore(path)
    empty.setup_schema()
    empty.close()
    result = CliRunner().invoke(main, ["spread", "idea", "--store", str(path)])
    assert result.exit_code == 1 and len(result.output.strip().splitlines()) == 1
    assert "no (active) people" in result.output


@pytest.mark.parametrize("command", ["networkers", "map", "risk", "spread"])
def test_empty_store_is_one_error_line_for_every_analytics_command(tmp_path, command):
    from whoknows.cli import main

    path = tmp_path / "empty.db"
    empty = SQLiteStore(path)
    empty.setup_schema()
    empty.close()
    args = [command, *(["an idea"] if command == "spread" else []), "--store", str(path)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1 and result.output.count("\n") == 1, result.output
    assert result.output.startswith("error: the store has no (active) people: ingest a people directory first")


@pytest.mark.parametrize("command", ["networkers", "map", "spread"])
def test_people_without_ties_is_one_error_line(tmp_path, command):
    from whoknows.cli import main

    path = tmp_path / "loners.db"
    s = SQLiteStore(path)
    s.setup_schema()
    with s.transaction():
        s.upsert_nodes([Node(f"person:{i}", "Person", {"person_id": str(i), "name": f"P{i}"}) for i in range(5)],
                       source="t")  # fmt: skip
    s.close()
    args = [command, *(["an idea", "--anyone"] if command == "spread" else []), "--store", str(path)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1 and result.output.count("\n") == 1, result.output
    assert "no ties between the 5 people" in result.output


def test_an_email_network_alone_says_why_nobody_is_known_to_know(tmp_path):
    """People and e-mail only (no documents, answers or stated topics): spread and networkers say that nobody's
    expertise is known, instead of implying the idea is unknown in the organisation; with a department cap the
    baselines keep the cap and say so."""
    import networkx as nx
    from analytics_fixtures import store_from_graph

    from whoknows.cli import main

    G = nx.barbell_graph(6, 2)
    for v in G:
        G.nodes[v].update(name=f"P{v}", department="A" if v < 7 else "B")
    for u, v in G.edges:
        G.edges[u, v]["weight"] = 1.0
    path = str(store_from_graph(tmp_path / "mail.db", G))
    out = CliRunner().invoke(main, ["spread", "weekly huddles", "--store", path, "-k", "3", "--max-per-department",
                                    "1", "--simulations", "100"])  # fmt: skip
    assert out.exit_code == 0, out.output
    assert "Nobody who can be asked is known to know about the idea (the store holds no documents" in out.output
    assert "(random and best-connected people: at most 1 per department, as the seeds)" in out.output
    only = CliRunner().invoke(main, ["spread", "weekly huddles", "--store", path, "--experts-only"])
    assert only.exit_code == 1 and "(the store holds no documents with authors or reviewers" in only.output
    nw = CliRunner().invoke(main, ["networkers", "--store", path])
    assert nw.exit_code == 0, nw.output
    assert "none: the store holds no documents with authors or reviewers" in nw.output


def test_a_store_with_documents_is_not_said_to_have_no_evidence(store_path):
    from graph.analytics.knowers import no_evidence

    s = SQLiteStore(store_path)
    try:
        assert no_evidence(s) is None
    finally:
        s.close()


def test_map_prints_each_departments_strongest_partners_only(capsys):
    """A 9-department organisation: each row of the tie matrix names the 6 strongest partners, strongest first,
    and says how many more there are (the whole matrix is in --json)."""
    from whoknows.commands.analytics import MAP_PARTNERS, _print_map

    groups = [f"D{i}" for i in range(9)]
    strength = [[float(10 * (i == j) + (j + 1)) for j in range(9)] for i in range(9)]
    data = {
        "silos": {"sentence": "No silo.", "silos": []},
        "communities": {"count": 0, "shown": 0, "stability": None, "modularity": 0.0, "named": {}},
        "hidden": {"communities": 0, "departments": [], "rule": ""},
        "ei_index": {},
        "department_strength": {"groups": groups, "matrix": strength},
        "department_ties": {"matrix": [[1] * 9 for _ in range(9)]},
        "brokers": [],
    }
    _print_map(data)
    rows = [line for line in capsys.readouterr().out.splitlines() if " -> " in line]
    assert len(rows) == 9
    for row in rows:
        named = row.split(" -> ")[1].split("; ")[0].split(", ")
        assert len(named) == MAP_PARTNERS and row.endswith(f"; {9 - MAP_PARTNERS} more (--json for all)")
        values = [float(c.split(": ")[1].split(" ")[0]) for c in named]
        assert values == sorted(values, reverse=True)
    assert rows[0].startswith("  D0 -> D0: 11.0 (1), D8: 9.0 (1)")
