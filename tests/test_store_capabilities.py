"""Search asks for a store's capabilities by type (graph/store.py) and takes the documented path for each.

A store without a :class:`~graph.store.ReadModel` (the Neo4j store) is searched through the store on every
query and finds vectors by text hash: the same results as with the read model, only slower. A store without a
search capability fails with an error that says what to fix. The Neo4j side runs over Bolt in
tests/test_neo4j_store.py (ArcadeDB has no search index) and tests/contract (every backend declares by type).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from graph.sqlite_store import SQLiteStore
from graph.store import (
    CapabilityError,
    FullTextSearch,
    ReadModel,
    VectorSearch,
    full_text,
    read_model,
    vector_search,
)
from search.index import graph_view, search_index
from search.ranking import DEFAULT_CONFIG, find_experts
from search.retrieval import GraphView, item_vectors, unit_item_vectors
from tests.search_fixtures import FakeEmbedder, procurement_org

CFG = replace(DEFAULT_CONFIG, today=date(2026, 1, 1))


class WithoutReadModel(SQLiteStore):
    """The embedded store declaring what the Neo4j store declares: search, no read model."""

    def capabilities(self) -> frozenset[type]:
        return frozenset({FullTextSearch, VectorSearch})


class WithoutSearch(SQLiteStore):
    def capabilities(self) -> frozenset[type]:
        return frozenset()

    def missing_capability(self, kind: type) -> str:
        return f"switched off for this test ({kind.__name__})"


def test_accessors_return_the_store_typed_as_the_capability(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "s.db")
    assert full_text(store) is store and vector_search(store) is store and read_model(store) is store
    assert read_model(WithoutReadModel(tmp_path / "t.db")) is None


def test_a_store_without_search_fails_with_what_to_fix(tmp_path: Path) -> None:
    store = WithoutSearch(tmp_path / "s.db")
    with pytest.raises(CapabilityError, match=r"offers no FullTextSearch: switched off .*whoknows doctor --store"):
        full_text(store)
    with pytest.raises(CapabilityError, match="offers no VectorSearch"):
        vector_search(store)


def test_without_a_read_model_search_reads_through_the_store_with_the_same_results(tmp_path: Path) -> None:
    emb = FakeEmbedder()
    path = tmp_path / "s.db"
    procurement_org().build(path, emb).close()
    fast, slow = SQLiteStore(path), WithoutReadModel(path)
    assert search_index(fast) is not None and search_index(slow) is None
    assert type(graph_view(slow)) is GraphView
    for query in ("supplier risk audits", "fresh pasta", "sourcing practice"):
        a = find_experts(fast, emb, query, config=CFG, limit=20)
        b = find_experts(slow, emb, query, config=CFG, limit=20)
        assert [(r.node_id, round(r.score, 9), r.why) for r in a] == [(r.node_id, round(r.score, 9), r.why) for r in b]
    chunks = [n.id for n in fast.iter_nodes("Chunk")]
    by_id = item_vectors(fast, GraphView(fast), emb.name, chunks)
    by_hash = item_vectors(slow, GraphView(slow), emb.name, chunks)
    assert by_id.keys() == by_hash.keys() and len(by_id) == len(chunks)
    assert all(np.array_equal(by_id[c], by_hash[c]) for c in by_id)
    ids_a, unit_a = unit_item_vectors(fast, GraphView(fast), emb.name, chunks)
    ids_b, unit_b = unit_item_vectors(slow, GraphView(slow), emb.name, chunks)
    assert ids_a == ids_b and np.allclose(unit_a, unit_b, atol=1e-6)
    fast.close()
    slow.close()


def test_read_model_protocol_is_structural(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "s.db")
    assert isinstance(store, ReadModel) and isinstance(store, FullTextSearch) and isinstance(store, VectorSearch)
