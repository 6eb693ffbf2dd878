"""The store contract: behaviour every backend (embedded SQLite, Neo4j over Bolt) must show.

Only protocol methods are used here, so the same tests check any backend.
"""

from __future__ import annotations

import numpy as np
import pytest

from graph.store import CAPABILITIES, FullTextSearch, GraphStore, Node, PendingRel, Rel, VectorSearch
from tests.contract.conftest import require
from whoknows.errors import SchemaError, StoreError


def _people(store: GraphStore, source: str = "s1") -> None:
    with store.transaction():
        store.upsert_nodes(
            [
                Node("person:a", "Person", {"name": "Ada", "department": "Ops"}),
                Node("person:b", "Person", {"name": "Bo", "department": "Ops"}),
                Node("dept:ops", "Department", {"name": "Ops"}),
            ],
            source=source,
        )
        store.upsert_rels(
            [
                Rel("IN_DEPARTMENT", "person:a", "dept:ops"),
                Rel("IN_DEPARTMENT", "person:b", "dept:ops"),
                Rel("REPORTS_TO", "person:a", "person:b"),
            ],
            source=source,
        )


def test_upsert_and_read_back(store: GraphStore) -> None:
    _people(store)
    view = store.get_node("person:a")
    assert view is not None
    assert view.node.label == "Person"
    assert view.node.props == {"name": "Ada", "department": "Ops"}
    assert view.node.sources == ("s1",)
    assert {(r.type, r.end) for r in view.outgoing} == {("IN_DEPARTMENT", "dept:ops"), ("REPORTS_TO", "person:b")}
    assert [r.start for r in store.get_node("person:b").incoming] == ["person:a"]
    counts = store.counts()
    assert counts["Person"] == 2 and counts["Department"] == 1 and counts["IN_DEPARTMENT"] == 2
    assert counts["Document"] == 0 and counts["pending"] == 0


def test_get_missing_node_is_none(store: GraphStore) -> None:
    assert store.get_node("person:nobody") is None
    assert store.get_nodes(["person:nobody"]) == {}


def test_upsert_is_idempotent(store: GraphStore) -> None:
    _people(store)
    first = store.content_hash()
    _people(store)
    assert store.content_hash() == first
    assert store.counts()["REPORTS_TO"] == 1


def test_props_merge_and_none_deletes(store: GraphStore) -> None:
    with store.transaction():
        store.upsert_nodes([Node("course:x", "Course", {"title": "X", "description": "long"})], source="cat")
        store.upsert_nodes([Node("course:x", "Course", {"title": "X2", "description": None})], source="lrs")
    node = store.get_nodes(["course:x"])["course:x"]
    assert node.props == {"title": "X2"}


def test_relationship_props_merge_and_none_deletes(store: GraphStore) -> None:
    _people(store)
    rel = Rel("REPORTS_TO", "person:a", "person:b", {"since": "2024", "note": "acting"})
    store.upsert_rels([rel], source="hr")
    store.upsert_rels([Rel("REPORTS_TO", "person:a", "person:b", {"note": None, "level": 2})], source="hr2")
    view = store.get_node("person:a")
    assert view is not None
    (stored,) = [r for r in view.outgoing if r.id == rel.id]
    assert stored.props == {"since": "2024", "level": 2}
    assert set(stored.sources) == {"s1", "hr", "hr2"}
    new = Rel("IN_DEPARTMENT", "person:a", "dept:ops", {"from": None}, key="second")
    store.upsert_rels([new], source="hr")
    assert [r.props for r in store.iter_rels("IN_DEPARTMENT") if r.id == new.id] == [{}]  # a new row keeps no null


def test_prepared_write_equals_write(store: GraphStore) -> None:
    from graph.store import Facts

    facts = [
        Facts("s1", [Node("person:a", "Person", {"name": "Ada"}), Node("dept:ops", "Department", {"name": "Ops"})]),
        Facts("s2", [Node("dept:ops", "Department", {"size": 3})], [Rel("IN_DEPARTMENT", "person:a", "dept:ops")]),
    ]
    prepared = store.prepare_write(facts)  # needs no database: made before the transaction that runs it
    with store.transaction():
        assert store.write_prepared(prepared) == (2, 1)
    view = store.get_node("dept:ops")
    assert view is not None
    assert view.node.props == {"name": "Ops", "size": 3}
    assert view.node.sources == ("s1", "s2")
    assert [r.sources for r in view.incoming] == [("s2",)]


def test_prepared_write_records_its_ledger_in_the_same_write(store: GraphStore) -> None:
    from graph.store import Facts

    facts = [
        Facts("feed#1", [Node("person:a", "Person", {"name": "Ada"})]),
        Facts("feed#2", [Node("dept:x", "Department")]),
    ]
    prepared = store.prepare_write(facts, ("feed", {"feed#1": "h1", "feed#2": "h2"}))
    with store.transaction():
        assert store.write_prepared(prepared) == (2, 0)
    assert store.ledger("feed") == {"feed#1": "h1", "feed#2": "h2"}
    view = store.get_node("person:a")
    assert view is not None and view.node.sources == ("feed#1",)
    with store.transaction():  # a ledger alone, without facts, is a write too
        store.write_prepared(store.prepare_write([], ("feed", {"feed#3": "h3"})))
    assert store.ledger("feed")["feed#3"] == "h3"
    store.retract_sources(["feed#1"])
    assert store.get_node("person:a") is None


def test_relationship_to_missing_node_fails_and_rolls_back(store: GraphStore) -> None:
    with pytest.raises(StoreError, match="do not exist"), store.transaction():
        store.upsert_nodes([Node("person:c", "Person", {"name": "Cy"})], source="s")
        store.upsert_rels([Rel("REPORTS_TO", "person:c", "person:ghost")], source="s")
    assert store.get_node("person:c") is None


def test_transaction_rolls_back_on_error(store: GraphStore) -> None:
    with pytest.raises(RuntimeError), store.transaction():
        store.upsert_nodes([Node("person:z", "Person", {"name": "Z"})], source="s")
        raise RuntimeError("boom")
    assert store.get_node("person:z") is None


def test_unknown_label_and_type_are_rejected(store: GraphStore) -> None:
    with pytest.raises(SchemaError, match="expected one of"):
        store.upsert_nodes([Node("x", "Robot", {})], source="s")
    _people(store)
    with pytest.raises(SchemaError, match="REPORTS_TO"):
        store.upsert_rels([Rel("LIKES", "person:a", "person:b")], source="s")


def test_retract_source_reference_counts(store: GraphStore) -> None:
    _people(store, source="s1")
    with store.transaction():
        store.upsert_nodes(
            [Node("person:c", "Person", {"name": "Cy"}), Node("dept:ops", "Department", {"name": "Ops"})], source="s2"
        )
        store.upsert_rels([Rel("IN_DEPARTMENT", "person:c", "dept:ops")], source="s2")
    stats = store.retract_source("s1")
    assert stats.nodes_deleted == 2  # Ada and Bo; Ops is still held by s2
    assert store.get_node("person:a") is None
    ops = store.get_node("dept:ops")
    assert ops is not None and ops.node.sources == ("s2",)
    assert [r.start for r in ops.incoming] == ["person:c"]
    assert store.counts()["REPORTS_TO"] == 0


def test_retract_deletes_relationships_of_deleted_nodes(store: GraphStore) -> None:
    _people(store, source="s1")
    with store.transaction():
        store.upsert_nodes([Node("doc:1", "Document", {"title": "T"})], source="d1")
        store.upsert_rels([Rel("AUTHORED", "person:a", "doc:1")], source="d1")
    store.retract_source("s1")
    assert store.counts()["AUTHORED"] == 0
    assert store.get_node("doc:1") is not None


def test_retract_unknown_source_is_noop(store: GraphStore) -> None:
    _people(store)
    before = store.content_hash()
    stats = store.retract_source("nope")
    assert (stats.nodes_deleted, stats.rels_deleted) == (0, 0)
    assert store.content_hash() == before


def test_parallel_relationships_by_key(store: GraphStore) -> None:
    _people(store)
    with store.transaction():
        store.upsert_nodes([Node("course:km100", "Course", {"title": "KM 100"})], source="c")
        store.upsert_rels(
            [
                Rel("COMPLETED", "person:a", "course:km100", {"status": "failed"}, key="st1"),
                Rel("COMPLETED", "person:a", "course:km100", {"status": "passed"}, key="st2"),
            ],
            source="c",
        )
    assert sorted(r.props["status"] for r in store.iter_rels("COMPLETED")) == ["failed", "passed"]


def test_iter_nodes_and_rels_by_label_and_type(store: GraphStore) -> None:
    _people(store)
    assert [n.id for n in store.iter_nodes("Person")] == ["person:a", "person:b"]
    assert len(list(store.iter_nodes())) == 3
    assert [(r.start, r.end) for r in store.iter_rels("REPORTS_TO")] == [("person:a", "person:b")]
    assert len(list(store.iter_rels())) == 3


def test_pending_relationships(store: GraphStore) -> None:
    _people(store)
    p = PendingRel("s9", "end", "email:ghost@x.org", Rel("REPORTS_TO", "person:a", "?"))
    store.add_pending([p, p])
    assert store.pending() == [p]
    assert store.counts()["pending"] == 1
    store.retract_source("s9")
    assert store.pending() == []
    store.add_pending([p])
    store.delete_pending([p.id])
    assert store.pending() == []


def test_ledger_and_feed_state(store: GraphStore) -> None:
    store.record_ledger("feedA", {"feedA#1": "h1", "feedA#2": "h2"})
    store.record_ledger("feedB", {"feedB#1": "h3"})
    assert store.ledger("feedA") == {"feedA#1": "h1", "feedA#2": "h2"}
    assert store.ledger_lookup(["feedA#2", "feedB#1", "zzz"]) == {"feedA#2": "h2", "feedB#1": "h3"}
    store.forget_ledger(["feedA#1"])
    assert store.ledger("feedA") == {"feedA#2": "h2"}
    assert store.feed_state("feedA") is None
    store.set_feed_state("feedA", "abc")
    assert store.feed_state("feedA") == "abc"


def _texts(store: GraphStore) -> None:
    with store.transaction():
        store.upsert_nodes(
            [
                Node("chunk:1", "Chunk", {"text": "Negotiating supply contracts with electricity utilities"}),
                Node("chunk:2", "Chunk", {"text": "Kubernetes incident response runbook for on-call engineers"}),
                Node(
                    "course:1", "Course", {"title": "KM 104", "text": "Communities of practice: launching and leading"}
                ),
                Node("community:1", "Community", {"text": "Contract management community of practice"}),
            ],
            source="t",
        )


def test_search_text_bm25(store: GraphStore) -> None:
    require(store, FullTextSearch)
    _texts(store)
    hits = store.search_text("utilities contract negotiation")
    assert hits[0].id == "chunk:1"
    assert {h.id for h in hits} >= {"chunk:1", "community:1"}
    assert [h.id for h in store.search_text("contract", labels=["Community"])] == ["community:1"]
    assert store.search_text("  ?? ") == []
    assert store.search_text('kubernetes" OR NEAR(')[0].id == "chunk:2"  # operators are quoted, not run
    with pytest.raises(SchemaError, match="no searchable text"):
        store.search_text("x", labels=["Person"])


def test_search_text_follows_edits_and_retraction(store: GraphStore) -> None:
    require(store, FullTextSearch)
    _texts(store)
    with store.transaction():
        store.upsert_nodes([Node("chunk:1", "Chunk", {"text": "Tier-2 supplier audits"})], source="t")
    assert store.search_text("utilities") == []
    assert [h.id for h in store.search_text("supplier audits")] == ["chunk:1"]
    store.retract_source("t")
    assert store.search_text("supplier") == []


def test_vectors_cache_and_search(store: GraphStore) -> None:
    require(store, VectorSearch)
    _texts(store)
    todo = list(store.texts_to_embed("m1"))
    assert {t.id for t in todo} == {"chunk:1", "chunk:2", "course:1", "community:1"}
    rng = np.random.default_rng(0)
    vecs = {t.id: rng.normal(size=8).astype(np.float32) for t in todo}
    store.set_vectors("m1", [(t.id, t.text_hash, vecs[t.id]) for t in todo])
    assert list(store.texts_to_embed("m1")) == []
    hits = store.search_vector("m1", vecs["chunk:2"], limit=2)
    assert hits[0].id == "chunk:2" and hits[0].score == pytest.approx(1.0, abs=1e-5)
    assert [h.id for h in store.search_vector("m1", vecs["chunk:2"], labels=["Course"])] == ["course:1"]
    # a second node with the same text reuses the cached vector: nothing to embed
    with store.transaction():
        store.upsert_nodes(
            [Node("chunk:3", "Chunk", {"text": "Negotiating supply contracts with electricity utilities"})], source="u"
        )
    assert list(store.texts_to_embed("m1")) == []
    assert {h.id for h in store.search_vector("m1", vecs["chunk:1"], limit=2)} == {"chunk:1", "chunk:3"}
    # an edited text needs a new vector and its stale one is not served
    with store.transaction():
        store.upsert_nodes([Node("chunk:2", "Chunk", {"text": "Something else entirely"})], source="t")
    assert [t.id for t in store.texts_to_embed("m1")] == ["chunk:2"]
    assert "chunk:2" not in {h.id for h in store.search_vector("m1", vecs["chunk:2"], limit=10)}
    assert store.search_vector("other-model", vecs["chunk:1"]) == []


def test_runs_are_kept_newest_first(store: GraphStore) -> None:
    store.record_run({"run_id": "r1", "started": "2026-01-01T00:00:00Z", "sources": []})
    store.record_run({"run_id": "r2", "started": "2026-01-02T00:00:00Z", "sources": [{"path": "x"}]})
    runs = store.runs()
    assert [r["run_id"] for r in runs] == ["r2", "r1"]
    assert runs[0]["sources"] == [{"path": "x"}]
    assert [r["run_id"] for r in store.runs(limit=1)] == ["r2"]


def test_batches_larger_than_one_statement(store: GraphStore) -> None:
    n = 2500
    with store.transaction():
        store.upsert_nodes([Node(f"person:{i}", "Person", {"name": f"P{i}"}) for i in range(n)], source="big")
        store.upsert_rels([Rel("REPORTS_TO", f"person:{i}", "person:0") for i in range(1, n)], source="big")
    assert store.counts()["Person"] == n
    assert len(store.get_nodes([f"person:{i}" for i in range(0, n, 3)])) == len(range(0, n, 3))
    assert store.retract_sources(["big"]).nodes_deleted == n
    assert store.counts()["REPORTS_TO"] == 0


def test_none_properties_are_not_stored(store: GraphStore) -> None:
    """Neo4j cannot store nulls, so no backend does: a None value means 'no such property'."""
    with store.transaction():
        store.upsert_nodes([Node("person:n", "Person", {"name": "N", "title": None})], source="s")
    assert store.get_nodes(["person:n"])["person:n"].props == {"name": "N"}


def test_capabilities_are_declared_by_type(store: GraphStore) -> None:
    """Every backend declares its capabilities as protocol types, and says why one is missing."""
    assert store.capabilities() <= set(CAPABILITIES)
    for kind in store.capabilities():
        assert isinstance(store, kind)
    for kind in set(CAPABILITIES) - store.capabilities():
        assert store.missing_capability(kind)
