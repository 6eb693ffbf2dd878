"""The person projection: tie kinds, weights, attributes, and reading a real embedded store."""

from __future__ import annotations

import csv
from pathlib import Path

import networkx as nx
import pytest

from graph.analytics.projection import build_person_graph, project_store
from graph.sqlite_store import SQLiteStore
from graph.store import Node, Rel

DAVIS = Path(__file__).resolve().parents[2] / "shared" / "data" / "org-networks" / "davis_southern_women"


def test_kinds_and_weights():
    people = [{"id": p, "department": "D", "name": p.upper()} for p in "abcd"]
    G = build_person_graph(
        people,
        reports_to=[("b", "a")],
        documents={"doc1": ["a", "b", "c"], "doc2": ["a", "b"]},
        communities={"cop": ["a", "b", "c", "d"]},
        interactions=[("c", "d", 2.5), ("d", "c", 1.0), ("d", "zz", 1.0)],
    )
    ab = G["a"]["b"]
    assert ab["reports_to"] == 1.0
    assert ab["coauthor"] == pytest.approx(0.5 + 1.0)  # 1/(3-1) from doc1, 1/(2-1) from doc2
    assert ab["community"] == pytest.approx(1 / 3)
    assert ab["weight"] == pytest.approx(1 + 1.5 + 1 / 3)
    assert G["c"]["d"]["interacted"] == pytest.approx(3.5)
    assert G.graph["unknown_endpoints"] == 1
    assert G.nodes["a"]["name"] == "A" and G.nodes["a"]["opted_out"] is False


def test_large_groups_are_skipped():
    people = [{"id": str(i)} for i in range(10)]
    G = build_person_graph(people, communities={"big": [str(i) for i in range(10)]}, max_group_size=5)
    assert G.number_of_edges() == 0 and G.graph["skipped_groups"] == 1


def test_davis_southern_women_files_as_community_memberships():
    if not DAVIS.exists():
        pytest.skip("shared Davis data not present")
    with open(DAVIS / "southern_women.nodes.tsv") as fh:
        nodes = {r["node_id"]: r for r in csv.DictReader(fh, delimiter="\t")}
    with open(DAVIS / "southern_women.edges.tsv") as fh:
        edges = [(r["source"], r["target"]) for r in csv.DictReader(fh, delimiter="\t")]
    assert len(edges) == 89
    women = {i: r["name"] for i, r in nodes.items() if r["type"] == "False"}
    events: dict[str, list[str]] = {}
    for a, b in edges:
        w, e = (a, b) if a in women else (b, a)
        events.setdefault(e, []).append(women[w])
    G = build_person_graph([{"id": n} for n in women.values()], communities=events)
    # Same structure as networkx's copy of the data, with Newman's 1/(n-1) weights.
    B = nx.davis_southern_women_graph()
    nx_women = [v for v, d in B.nodes(data=True) if d["bipartite"] == 0]
    # Same order in both copies (the file spells MYRA as MYRNA, as Davis's original table does).
    same = dict(zip(nx_women, (women[str(i)] for i in range(18)), strict=True))
    assert all(a.split()[0].upper()[:3] == b[:3] for a, b in same.items())
    ref = nx.relabel_nodes(nx.bipartite.collaboration_weighted_projected_graph(B, nx_women), same)
    assert set(map(frozenset, G.edges)) == set(map(frozenset, ref.edges))
    for u, v, d in ref.edges(data=True):
        assert G[u][v]["weight"] == pytest.approx(d["weight"])


def test_project_store_reads_people_and_ties(tmp_path):
    store = SQLiteStore(tmp_path / "s.db")
    store.setup_schema()
    people = [
        Node("person:a", "Person", {"person_id": "a", "name": "Ann", "department": "Ops", "opted_out": False}),
        Node("person:b", "Person", {"person_id": "b", "name": "Bo", "department": "Fin", "opted_out": True}),
        Node("person:c", "Person", {"person_id": "c", "name": "Cy", "department": "Fin", "active": False}),
        Node("doc:1", "Document", {"key": "k", "title": "T"}),
        Node("community:x", "Community", {"community_id": "x", "name": "X", "text": "X."}),
    ]
    rels = [
        Rel("REPORTS_TO", "person:a", "person:b"),
        Rel("AUTHORED", "person:a", "doc:1"),
        Rel("REVIEWED", "person:b", "doc:1", {"as": "SME"}),
        Rel("MEMBER_OF", "person:a", "community:x", {"role": "member"}, key="member"),
        Rel("MEMBER_OF", "person:c", "community:x", {"role": "leader"}, key="leader"),
        Rel("INTERACTED", "person:b", "person:a", {"count": 3, "weight": 2.0}),
    ]
    with store.transaction():
        store.upsert_nodes(people, source="test")
        store.upsert_rels(rels, source="test")
    G = project_store(store)
    assert set(G) == {"person:a", "person:b"}  # inactive people left out
    ab = G["person:a"]["person:b"]
    assert ab["reports_to"] == 1 and ab["coauthor"] == 1 and ab["interacted"] == 2.0
    assert G.nodes["person:b"]["opted_out"] is True and G.nodes["person:a"]["department"] == "Ops"
    assert "person:c" in project_store(store, include_inactive=True)
    store.close()
