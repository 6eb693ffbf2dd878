"""Network measures in the server (Neo4j GDS) or in Python (graph/analytics/server.py).

The Python path is checked against known answers on a small canonical graph (two cliques joined by a bridge).
The GDS path runs through the recording driver double (its statements' parameters and columns enforced), fed
the raw answers GDS gives for that graph, and must map them to the Python path's numbers; against a real Neo4j
with GDS (``NEO4J_URI``, marker ``neo4j``) both paths run on the same graph and must agree.
"""

from __future__ import annotations

import os
from pathlib import Path

import networkx as nx
import pytest
from neo4j.exceptions import ClientError

from graph.analytics.server import NetworkMeasures, network_measures, python_measures
from graph.sqlite_store import SQLiteStore
from tests.neo4j_double import Server, double_store


def two_cliques() -> nx.Graph:
    """Two 4-cliques (a0-a3, b0-b3) joined by the tie a3-b0: a3 and b0 are the only brokers."""
    G: nx.Graph[str] = nx.Graph()
    for side in "ab":
        people = [f"person:{side}{i}" for i in range(4)]
        G.add_edges_from((u, v, {"weight": 2.0}) for i, u in enumerate(people) for v in people[i + 1 :])
    G.add_edge("person:a3", "person:b0", weight=1.0)
    G.add_node("person:loner")
    return G


def test_python_path_known_answers() -> None:
    G = two_cliques()
    m = python_measures(G)
    assert m.computed_by == "python"
    # a3 lies on every shortest path between {a0, a1, a2} and the 4 b's: 12 of the 28 pairs of the 8 others
    n = G.number_of_nodes()
    assert m.betweenness["person:a3"] == pytest.approx(12 / ((n - 1) * (n - 2) / 2))
    assert m.betweenness == pytest.approx(nx.betweenness_centrality(G))
    assert m.pagerank == pytest.approx(nx.pagerank(G, weight="weight"))
    assert sum(m.pagerank.values()) == pytest.approx(1.0)
    groups = {frozenset(v for v in G if m.community[v] == c) for c in set(m.community.values())}
    assert groups == {
        frozenset({"person:loner"}),
        frozenset(f"person:a{i}" for i in range(4)),
        frozenset(f"person:b{i}" for i in range(4)),
    }


def test_embedded_store_and_no_store_take_the_python_path(tmp_path: Path) -> None:
    G = two_cliques()
    assert network_measures(G).computed_by == "python"
    assert network_measures(G, SQLiteStore(tmp_path / "s.db")).computed_by == "python"


def test_neo4j_without_gds_falls_back_to_python() -> None:
    store, driver = double_store(Server(errors={"GDS_VERSION": ClientError("There is no procedure gds.version")}))
    m = network_measures(two_cliques(), store)
    assert m.computed_by == "python"
    assert [c.name for c in driver.calls if c.name.startswith("GDS")] == ["GDS_VERSION"]


def _gds_answers(G: nx.Graph, reference: NetworkMeasures) -> dict[str, list[dict[str, object]]]:
    """What GDS streams for G: raw betweenness (pairs through the node), PageRank not normalised, any ids."""
    n = G.number_of_nodes()
    pairs = (n - 1) * (n - 2) / 2
    return {
        "GDS_VERSION": [{"version": "2.13.0"}],
        "GDS_PROJECT_TIES": [{"graph": "g", "nodes": n, "ties": G.number_of_edges()}],
        "GDS_BETWEENNESS": [{"id": v, "score": reference.betweenness[v] * pairs} for v in G],
        "GDS_PAGERANK": [{"id": v, "score": reference.pagerank[v] * 3.7} for v in G],
        "GDS_LOUVAIN": [{"id": v, "community": 100 + 7 * reference.community[v]} for v in G],
        "GDS_DROP": [{"graph": "g"}],
    }


def test_gds_path_sends_the_graph_and_maps_the_answers_to_the_python_scales() -> None:
    G = two_cliques()
    reference = python_measures(G)
    store, driver = double_store(Server(answers=_gds_answers(G, reference)))
    m = network_measures(G, store)
    assert m.computed_by.startswith("gds 2.13.0 on neo4j://")
    assert m.betweenness == pytest.approx(reference.betweenness)
    assert m.pagerank == pytest.approx(reference.pagerank)
    assert m.community == reference.community
    project = next(c for c in driver.calls if c.name == "GDS_PROJECT_TIES")
    ties = project.parameters["ties"]
    assert len([t for t in ties if t["target"] is not None]) == G.number_of_edges()
    assert {"source": "person:loner", "target": None, "weight": None} in ties  # counted, though it has no tie
    graph = project.parameters["graph"]
    assert [c.parameters["graph"] for c in driver.calls if c.name.startswith("GDS_") and c.name != "GDS_VERSION"] == [
        graph
    ] * 5
    assert driver.calls[-1].name == "GDS_DROP"  # the projection does not outlive the call


@pytest.mark.neo4j
def test_real_gds_agrees_with_the_python_path() -> None:
    url = os.environ.get("NEO4J_URI")
    if not url:
        pytest.skip("NEO4J_URI is not set")
    from graph.neo4j_store import from_url
    from graph.store import Node

    store = from_url(url)
    if store.gds_version() is None:
        pytest.skip(f"{url} has no Graph Data Science library")
    G = two_cliques()
    store.setup_schema()
    store.clear()
    store.upsert_nodes([Node(v, "Person", {"name": v}) for v in G], source="gds-test")
    gds, python = network_measures(G, store), python_measures(G)
    store.clear()
    store.close()
    assert gds.betweenness == pytest.approx(python.betweenness, abs=1e-9)
    assert gds.pagerank == pytest.approx(python.pagerank, abs=1e-3)  # both iterate to a tolerance
    assert gds.community == python.community


def test_networker_report_takes_the_servers_measures() -> None:
    """With GDS, the networker report uses the server's exact betweenness and communities and says so."""
    from graph.analytics.networkers import networker_report

    G = nx.connected_watts_strogatz_graph(60, 4, 0.1, seed=1)
    G = nx.relabel_nodes(G, {v: f"person:{v}" for v in G})
    nx.set_edge_attributes(G, 1.0, "weight")
    reference = python_measures(G)
    store, _ = double_store(Server(answers=_gds_answers(G, reference)))
    measures = network_measures(G, store)
    rep = networker_report(
        G, seed=0, communities=measures.community, betweenness=measures.betweenness, computed_by=measures.computed_by
    )
    plain = networker_report(G, seed=0, communities=reference.community)
    assert rep["method"]["betweenness"].startswith("exact (gds 2.13.0 on neo4j://")
    assert {v: r["betweenness"] for v, r in rep["people"].items()} == pytest.approx(
        {v: r["betweenness"] for v, r in plain["people"].items()}
    )
