"""The in-memory search read model (search/index.py): same answers as reading through the store, rebuilt on writes."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from graph.store import Facts, Node, Rel
from search.documents import search_documents
from search.index import IndexedGraphView, graph_view, search_index
from search.ranking import DEFAULT_CONFIG, find_experts
from search.retrieval import GraphView
from tests import search_fixtures
from tests.search_fixtures import FakeEmbedder, procurement_org

fake_embedder = search_fixtures.fake_embedder
org_store = search_fixtures.org_store

CFG = replace(DEFAULT_CONFIG, today=date(2026, 1, 1))
QUERIES = ("supplier risk audits", "fresh pasta", "sourcing practice", "audit checklist")


def _org_with_secret():
    org = procurement_org()
    org.person("gina", "Gina Gray", department="Procurement")
    org.doc("secret.md", "Supplier risk audit findings", ["Supplier risk audits: confidential findings."],
            authors=["gina", "bob"], visibility="restricted", allowed=["group:Procurement"])  # fmt: skip
    return org


def _dump(results):
    return [(r.node_id, r.score, [e.to_dict() for e in r.evidence], r.why) for r in results]


def test_indexed_view_gives_identical_results_and_evidence(tmp_path):
    emb = FakeEmbedder()
    store = _org_with_secret().build(tmp_path / "s.db", emb)
    assert isinstance(graph_view(store), IndexedGraphView)
    for q in QUERIES:
        for viewer in (None, "alice", "frank", "gina"):
            for cfg in (CFG, replace(CFG, coauthor_beta=0.5), replace(CFG, norm_alpha=0.0)):
                fast = find_experts(store, emb, q, viewer=viewer, config=cfg, limit=50)
                slow = find_experts(store, emb, q, viewer=viewer, config=cfg, limit=50, graph=GraphView(store))
                assert _dump(fast) == _dump(slow), (q, viewer, cfg)
                # passages are read for the returned people only, but every document evidence still has one
                assert all(e.passage for r in fast for e in r.evidence if e.kind == "document")
            for flt in ({"role": "leader"}, {"role": "manager"}, {"department": "procurement"}):
                fast = find_experts(store, emb, q, viewer=viewer, filters=flt, config=CFG)
                slow = find_experts(store, emb, q, viewer=viewer, filters=flt, config=CFG, graph=GraphView(store))
                assert _dump(fast) == _dump(slow), (q, viewer, flt)
    # the restricted document stays invisible to a viewer outside the group, visible inside it
    frank = find_experts(store, emb, "supplier risk audits", viewer="frank", config=CFG, limit=50)
    assert all("findings" not in e.title for r in frank for e in r.evidence)
    alice = find_experts(store, emb, "supplier risk audits", viewer="alice", config=CFG, limit=50)
    assert any("findings" in e.title for r in alice for e in r.evidence)
    store.close()


def test_index_is_reused_then_rebuilt_after_a_write(org_store, fake_embedder):
    first = search_index(org_store)
    assert first is not None and search_index(org_store) is first
    before = {r.person_id for r in find_experts(org_store, fake_embedder, "supplier risk audits", config=CFG)}
    assert "zoe" not in before
    did = "doc:feedfeedfeedfeed"
    facts = Facts("docs#zoe", [
        Node("person:zoe", "Person", {"person_id": "zoe", "name": "Zoe Z", "active": True, "opted_out": False}),
        Node(did, "Document", {"key": "zoe.md", "title": "Supplier risk audits at scale", "visibility": "public",
                               "allowed": [], "date": None, "n_chunks": 1}),
        Node("chunk:feedfeedfeedfeed:0", "Chunk", {"n": 0, "text": "Supplier risk audits at scale.", "doc_id": did}),
    ], [Rel("AUTHORED", "person:zoe", did, {"position": 0}),
        Rel("HAS_CHUNK", did, "chunk:feedfeedfeedfeed:0", {"n": 0})])  # fmt: skip
    with org_store.transaction():
        org_store.write([facts])
    from search.embedder import embed_store

    embed_store(org_store, fake_embedder, progress=False)
    second = search_index(org_store)
    assert second is not first and "person:zoe" in second.nodes
    after = {r.person_id for r in find_experts(org_store, fake_embedder, "supplier risk audits", config=CFG)}
    assert "zoe" in after


def test_store_without_data_version_reads_through(org_store, fake_embedder):
    class Plain:  # only the protocol's calls, no data_version(): no read model, same answers
        def __init__(self, inner):
            self._inner = inner

        def __getattr__(self, name):
            if name == "data_version":
                raise AttributeError(name)
            return getattr(self._inner, name)

    plain = Plain(org_store)
    gv = graph_view(plain)
    assert type(gv) is GraphView
    a = find_experts(plain, fake_embedder, "supplier risk audits", config=CFG)
    b = find_experts(org_store, fake_embedder, "supplier risk audits", config=CFG)
    assert _dump(a) == _dump(b)
    da = search_documents(plain, fake_embedder, "supplier risk audits")
    db = search_documents(org_store, fake_embedder, "supplier risk audits")
    assert [d.to_dict() for d in da] == [d.to_dict() for d in db]
