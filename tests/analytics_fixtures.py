"""Shared helpers for the analytics tests: a person graph written into a real SQLite store as people and
interactions, the shape an organisation's directory and e-mail export take after an ingest."""

from __future__ import annotations

from pathlib import Path

import networkx as nx

from graph.sqlite_store import SQLiteStore
from graph.store import Node, Rel


def store_from_graph(path: Path, G: nx.Graph) -> Path:
    """Write ``G``'s people (name, department) and ties (INTERACTED with the tie's ``weight``) into a new store."""
    store = SQLiteStore(path)
    store.setup_schema()
    nodes = [Node(f"person:{v}", "Person", {"person_id": str(v), "name": d["name"], "department": d["department"]})
             for v, d in G.nodes(data=True)]  # fmt: skip
    rels = [Rel("INTERACTED", f"person:{u}", f"person:{v}", {"weight": d["weight"]}) for u, v, d in G.edges(data=True)]
    with store.transaction():
        store.upsert_nodes(nodes, source="t")
        store.upsert_rels(rels, source="t")
    store.close()
    return path
