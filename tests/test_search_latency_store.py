"""The embedded store's in-memory search structures (graph/sqlite_search.py) against the paths they replace.

The in-memory FTS5 copy must return exactly what FTS5's SQL returns (ids, labels, bit-identical BM25 scores,
order), and the int8 first pass exactly the rows a full float32 scan returns; both are compared with
``SQLiteStore.reference_search = True`` (the previous code path) on corpora built to hit the edge cases: stemming
variants, diacritics, repeated and tied texts, words FTS5 splits, label filters, limits below and above the
number of matches, writes between searches.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from graph.sqlite_search import Int8Scan, TextIndex, exact_scores
from graph.sqlite_store import SQLiteStore
from graph.store import Facts, Node, Rel
from search.ranking import DEFAULT_CONFIG, find_experts
from tests.search_fixtures import FakeEmbedder, procurement_org

VOCAB = [
    "supplier",
    "suppliers",
    "audit",
    "audits",
    "auditing",
    "audited",
    "risk",
    "risky",
    "negotiation",
    "negotiate",
    "utilities",
    "utility",
    "tender",
    "café",
    "naïve",
    "résumé",
    "Zürich",
    "straße",
    "2024",
    "q3",
    "co-op",
    "e-mail",
    "the",
    "and",
    "of",
    "for",
    "with",
    "team",
    "review",
    "reviewed",
]
QUERIES = (
    "supplier risk audits",
    "audit audits auditing",  # three phrases, one stem: FTS5 counts each phrase
    "Supplier SUPPLIER supplier",  # one word after lower-casing
    "cafe naive resume zurich",  # diacritics removed on both sides
    "café résumé",
    "strasse straße",
    "2024 q3",
    "co-op e-mail",
    "the and of",  # words in most rows: idf floored at 1e-6
    "foo_bar supplier",  # 'foo_bar' is two FTS5 tokens: a phrase query, answered by FTS5 itself
    "zzzz qqqq",
    "negotiation",
    "a",  # no word of two letters: no search
)


def _corpus_store(path: Path, n_docs: int = 120, seed: int = 3) -> SQLiteStore:
    rng = random.Random(seed)
    store = SQLiteStore(path)
    store.setup_schema()
    facts = []
    for d in range(n_docs):
        did = f"doc:{d:04d}"
        nodes = [Node(did, "Document", {"title": f"doc {d}", "visibility": "internal"})]
        rels = []
        for n in range(3):
            if d % 17 == 0:  # repeated texts: tied scores
                text = "Supplier risk audits, audits and audit reviews."
            else:
                text = " ".join(rng.choice(VOCAB) for _ in range(rng.randint(3, 40))) + "."
            cid = f"chunk:{d:04d}:{n}"
            nodes.append(Node(cid, "Chunk", {"n": n, "text": text, "doc_id": did}))
            rels.append(Rel("HAS_CHUNK", did, cid, {"n": n}))
        facts.append(Facts(f"docs#{d}", nodes, rels))
    for c in range(8):
        text = f"Course {c}: " + " ".join(rng.choice(VOCAB) for _ in range(12))
        facts.append(Facts(f"lms#{c}", [Node(f"course:k{c}", "Course", {"title": f"C{c}", "text": text})]))
        text = f"Community {c}: " + " ".join(rng.choice(VOCAB) for _ in range(12))
        facts.append(Facts(f"cop#{c}", [Node(f"community:c{c}", "Community", {"name": f"CoP{c}", "text": text})]))
    with store.transaction():
        store.write(facts)
    return store


def _reference(store: SQLiteStore) -> SQLiteStore:
    ref = SQLiteStore(store.path, read_only=True)
    ref.reference_search = True
    return ref


def _assert_text_same(store: SQLiteStore, ref: SQLiteStore) -> int:
    compared = 0
    for q in QUERIES:
        for labels in (None, ["Chunk"], ["Course", "Community"], ["Community"]):
            for limit in (1, 7, 50, 10_000):
                fast = store.search_text(q, labels=labels, limit=limit)
                slow = ref.search_text(q, labels=labels, limit=limit)
                assert fast == slow, (q, labels, limit)  # Hit equality: ids, labels and scores bit for bit
                compared += bool(slow)
    return compared


def test_text_index_returns_exactly_what_fts5_returns(tmp_path):
    store = _corpus_store(tmp_path / "t.db")
    ref = _reference(store)
    assert _assert_text_same(store, ref) > 100  # most combinations match something
    assert store._tindex is not None  # the in-memory copy answered
    # ties (the repeated text) come back in FTS5's order at every cut
    hits = store.search_text("supplier risk audits", labels=["Chunk"], limit=200)
    assert len({h.score for h in hits}) < len(hits)


def test_text_index_follows_writes(tmp_path):
    store = _corpus_store(tmp_path / "w.db", n_docs=30)
    ref = _reference(store)
    assert store.search_text("pangolin") == []
    with store.transaction():
        store.write([Facts("docs#new", [Node("chunk:new:0", "Chunk", {"n": 0, "text": "Pangolin supplier audits"})])])
    assert [h.id for h in store.search_text("pangolin")] == ["chunk:new:0"]
    # an edited text replaces the old one in the index
    with store.transaction():
        store.write([Facts("docs#new", [Node("chunk:new:0", "Chunk", {"n": 0, "text": "Armadillo notes"})])])
    assert store.search_text("pangolin") == []
    assert [h.id for h in store.search_text("armadillo")] == ["chunk:new:0"]
    _assert_text_same(store, ref)
    # a retracted source leaves the index too
    store.retract_source("docs#new")
    assert store.search_text("armadillo") == []
    _assert_text_same(store, ref)


def test_text_index_on_an_empty_store(tmp_path):
    store = SQLiteStore(tmp_path / "e.db")
    store.setup_schema()
    assert store.search_text("supplier risk") == []
    assert store.search_text("supplier", labels=["Chunk"], limit=5) == []


def test_text_index_build_reads_fts5_postings(tmp_path):
    store = _corpus_store(tmp_path / "b.db", n_docs=10)
    idx = TextIndex.build(store.conn, store.data_version(), ["Chunk", "Community", "Course"])
    assert idx.n_row == store.counts()["Chunk"] + 16
    assert set(idx.terms) >= {"supplier", "audit", "cafe", "naiv"}  # porter stems, diacritics removed
    assert "audits" not in idx.terms and "café" not in idx.terms


def _vector_store(path: Path, n: int, dim: int, seed: int = 5) -> tuple[SQLiteStore, list[str], np.ndarray]:
    """Clustered unit vectors with exact duplicates (ties), most as chunks, some as courses."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(12, dim))
    vecs = centres[rng.integers(0, 12, n)] + rng.normal(scale=0.6, size=(n, dim))
    vecs[1::50] = vecs[0]  # tied rows
    vecs = (vecs / np.linalg.norm(vecs, axis=1, keepdims=True)).astype(np.float32)
    store = SQLiteStore(path)
    store.setup_schema()
    ids = [f"chunk:{i:05d}" if i % 10 else f"course:{i:05d}" for i in range(n)]
    nodes = [Node(nid, "Chunk" if nid.startswith("chunk") else "Course", {"text": f"text {i}"}) for i, nid in
             enumerate(ids)]  # fmt: skip
    with store.transaction():
        store.write([Facts("v", nodes)])
    from graph.sqlite_store import text_hash

    store.set_vectors("m", [(nid, text_hash(f"text {i}"), vecs[i]) for i, nid in enumerate(ids)])
    return store, ids, vecs


@pytest.mark.parametrize("dim", [64, 384])
def test_int8_first_pass_returns_the_exact_top_rows(tmp_path, dim):
    store, ids, vecs = _vector_store(tmp_path / f"v{dim}.db", 3000, dim)
    store.int8_min_rows = 1000
    ref = _reference(store)
    rng = np.random.default_rng(1)
    queries = [vecs[0], -vecs[7], *rng.normal(size=(4, dim)).astype(np.float32)]
    for q in queries:
        for labels in (None, ["Chunk"], ["Course"], ["Community"]):
            for limit in (1, 10, 300, 5000):
                fast = store.search_vector("m", q, labels=labels, limit=limit)
                slow = ref.search_vector("m", q, labels=labels, limit=limit)
                assert [h.id for h in fast] == [h.id for h in slow], (labels, limit)
                assert all(abs(a.score - b.score) <= 1e-6 for a, b in zip(fast, slow, strict=True))
        # and against an independent exact search (float64 scores, ties by node id)
        qn = (q / np.linalg.norm(q)).astype(np.float32)
        s64 = exact_scores(vecs, np.arange(len(vecs)), qn)
        exact = np.lexsort((np.array(ids), -s64))[:10]
        assert [h.id for h in store.search_vector("m", q, limit=10)] == [ids[i] for i in exact]
    assert store._vindex["m"].scan is not None  # the int8 pass answered


def test_int8_error_bound_holds_on_every_row():
    rng = np.random.default_rng(2)
    m = rng.normal(size=(4000, 384)).astype(np.float32)
    m[::7] *= np.float32(0.01)  # rows of very different magnitudes get their own scale
    m /= np.linalg.norm(m, axis=1, keepdims=True)
    scan = Int8Scan(m)
    assert scan.verify(m[0]) and scan.verify(-m[1])
    for _ in range(5):
        q = rng.normal(size=384).astype(np.float32)
        q /= np.linalg.norm(q)
        approx, bound = scan.approx(q)
        error = np.abs(m.astype(np.float64) @ q.astype(np.float64) - approx)
        assert np.all(error <= bound - 4e-5)  # holds without most of the float32 rounding allowance too
        assert np.median(bound) < 0.05  # and is tight enough to skip most rows
        rows, scores = scan.top(q, 25, None)
        exact = (m.astype(np.float64) @ q.astype(np.float64)).astype(np.float32)
        assert list(rows) == list(np.lexsort((np.arange(len(m)), -exact))[:25])
        assert np.array_equal(scores, exact[rows])


def test_small_matrices_are_scanned_in_float32(tmp_path):
    store, _, vecs = _vector_store(tmp_path / "s.db", 500, 64)
    store.search_vector("m", vecs[3], limit=5)
    assert store._vindex["m"].scan is None


def test_find_experts_same_with_permissions_and_opt_out(tmp_path):
    """Expert search through the fast paths gives the previous results, for viewers with and without access
    to a restricted document; opted-out and inactive people stay out."""
    emb = FakeEmbedder()
    org = procurement_org()
    org.person("gina", "Gina Gray", department="Procurement")
    org.doc("secret.md", "Supplier risk audit findings", ["Supplier risk audits: confidential findings."],
            authors=["gina", "bob"], visibility="restricted", allowed=["group:Procurement"])  # fmt: skip
    store = org.build(tmp_path / "o.db", emb)
    store.int8_min_rows = 1  # exercise the int8 pass on this small store
    ref = _reference(store)
    cfg = replace(DEFAULT_CONFIG, today=date(2026, 1, 1))
    for q in ("supplier risk audits", "fresh pasta", "sourcing practice", "audit checklist"):
        for viewer in (None, "alice", "frank", "gina"):
            fast = find_experts(store, emb, q, viewer=viewer, config=cfg, limit=50)
            slow = find_experts(ref, emb, q, viewer=viewer, config=cfg, limit=50)
            assert [r.node_id for r in fast] == [r.node_id for r in slow], (q, viewer)
            assert [r.score for r in fast] == pytest.approx([r.score for r in slow], rel=1e-6, abs=1e-9)
            assert not {"person:dave", "person:erin"} & {r.node_id for r in fast}
            titles = {e.title for r in fast for e in r.evidence}
            assert ("Supplier risk audit findings" in titles) <= (viewer in ("alice", "gina"))
    assert store._vindex[emb.name].scan is not None


def test_feedback_vectors_by_node_id_equal_the_content_hash_path(tmp_path):
    """The embedded store's ``node_vectors`` gives pseudo-relevance feedback the same vectors as reading the texts
    and looking their vectors up by content hash (the protocol path other backends use), including after an edit
    that leaves a stale vector behind."""
    from search.retrieval import GraphView, _feedback_vector

    emb = FakeEmbedder()
    store = procurement_org().build(tmp_path / "f.db", emb)
    ids = [h.id for h in store.search_text("supplier risk audits", limit=50)]
    with store.transaction():  # an edited text without a new vector: left out by both paths
        store.write([Facts("docs#edit", [Node(ids[0], "Chunk", {"text": "An edited passage nobody embedded."})])])

    class ProtocolOnly:  # the store seen through the protocol alone
        def __init__(self, inner: SQLiteStore) -> None:
            self.inner = inner

        def __getattr__(self, name: str):
            if name == "node_vectors":
                raise AttributeError(name)
            return getattr(self.inner, name)

    by_id = store.node_vectors(emb.name, ids)
    assert ids[0] not in by_id and len(by_id) == len(ids) - 1
    fast = _feedback_vector(store, GraphView(store), emb.name, ids)
    slow = _feedback_vector(ProtocolOnly(store), GraphView(store), emb.name, ids)  # type: ignore[arg-type]
    assert fast is not None and np.array_equal(fast, slow)


def test_text_index_built_while_another_connection_writes(tmp_path):
    """A reader builds its FTS5 copy from one snapshot: a commit by another connection in the middle changes
    nothing for that build, and the next search sees the new text."""
    writer = _corpus_store(tmp_path / "c.db", n_docs=20)
    reader = SQLiteStore(tmp_path / "c.db", read_only=True)
    assert reader.search_text("supplier", limit=3)
    reader.conn.execute("BEGIN")  # a search inside the reader's own read transaction uses that snapshot
    reader.conn.execute("SELECT count(*) FROM nodes").fetchone()
    with writer.transaction():
        writer.write([Facts("docs#x", [Node("chunk:x:0", "Chunk", {"n": 0, "text": "Okapi supplier audits"})])])
    assert reader.search_text("okapi") == []  # not in the snapshot
    reader.conn.execute("COMMIT")
    assert [h.id for h in reader.search_text("okapi")] == ["chunk:x:0"]
    assert not reader.conn.in_transaction


def test_search_inside_a_write_transaction_sees_its_writes(tmp_path):
    store = _corpus_store(tmp_path / "x.db", n_docs=10)
    assert store.search_text("supplier", limit=2)  # the in-memory copy is built
    with store.transaction():
        store.write([Facts("docs#y", [Node("chunk:y:0", "Chunk", {"n": 0, "text": "Quokka supplier notes"})])])
        assert [h.id for h in store.search_text("quokka")] == ["chunk:y:0"]
    assert [h.id for h in store.search_text("quokka")] == ["chunk:y:0"]
