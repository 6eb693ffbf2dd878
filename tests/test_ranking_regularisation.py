"""Document score regularisation and the long-query ("document as query") mode, on small graphs with known answers.

Regularisation (Diaz 2005) mixes each retrieved document's relevance with the mean relevance of its most similar
retrieved documents; the tests check the known-answer flip it is for (a single lucky match among off-topic work
loses to steady on-topic work), that every term stays explained by its evidence record, and that neighbours come
only from what the viewer may see and what was not excluded.
"""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date

import pytest

from search.ranking import DEFAULT_CONFIG, LONG_QUERY, THOROUGH_CONFIG, RankingConfig, find_experts
from tests import search_fixtures
from tests.search_fixtures import FakeEmbedder, OrgBuilder, procurement_org

fake_embedder = search_fixtures.fake_embedder

Q = "supplier risk audits"
# alpha 1, c 0: a person's score is the mean of their documents' votes, so one lucky document can win; no feedback
BASE = replace(
    DEFAULT_CONFIG,
    today=date(2026, 1, 1),
    norm_alpha=1.0,
    norm_c=0.0,
    prf_k=0,
    long_query_words=0,
    reg_k=0,
    reg_min_similarity=None,
)
REG = replace(BASE, reg_k=3, reg_lambda=0.9)


def lucky_org() -> OrgBuilder:
    """lucky: one document that matches the query best, but reads like the canteen notes around it; topic: three
    documents on supplier risk that match less well each; noise: canteen notes that mention audits."""
    org = OrgBuilder().person("topic", "Topic").person("lucky", "Lucky").person("noise", "Noise")
    org.doc("l.md", "Audit checklist", ["Supplier risk audits, canteen menus and parking rota."], authors=["lucky"])
    for i, text in enumerate(
        [
            "Supplier risk register upkeep, scoring, review and ranking of vendors.",
            "Supplier risk scoring, register review, vendor ranking and upkeep.",
            "Vendor ranking, register upkeep, supplier risk scoring and review.",
        ]
    ):
        org.doc(f"t{i}.md", f"Topic {i}", [text], authors=["topic"])
    for i in range(4):
        org.doc(f"n{i}.md", f"Note {i}", [f"Canteen menus and parking rota audits, week {i}."], authors=["noise"])
    return org


@pytest.fixture
def lucky_store(tmp_path, fake_embedder):
    store = lucky_org().build(tmp_path / "lucky.db", fake_embedder)
    try:
        yield store
    finally:
        store.close()


def ids(results):
    return [r.person_id for r in results]


def test_regularisation_known_answer(lucky_store, fake_embedder):
    plain = find_experts(lucky_store, fake_embedder, Q, config=BASE)
    assert ids(plain)[0] == "lucky"  # its one document is the best single match
    reg = find_experts(lucky_store, fake_embedder, Q, config=REG)
    assert ids(reg)[0] == "topic"  # its neighbours are canteen notes: a weak signal once regularised
    lucky = next(r for r in reg if r.person_id == "lucky")
    (ev,) = lucky.evidence
    assert ev.relevance < ev.direct_relevance  # pulled down by its neighbours
    assert all(not e.neighbours for r in plain for e in r.evidence)  # off: no neighbour records


def test_regularised_evidence_explains_every_term(lucky_store, fake_embedder):
    results = find_experts(lucky_store, fake_embedder, Q, config=REG, limit=50)
    docs = {e.node_id: e for r in results for e in r.evidence if e.kind == "document"}
    assert len(docs) == 8  # every retrieved document, each with a record
    for r in results:
        assert math.isclose(sum(e.contribution for e in r.evidence), r.score, rel_tol=1e-9)
    for did, e in docs.items():
        assert len(e.neighbours) == 3 and did not in e.neighbours and len(set(e.neighbours)) == 3
        assert set(e.neighbours) <= set(docs)
        mean = sum(docs[n].direct_relevance for n in e.neighbours) / 3
        assert math.isclose(e.neighbour_relevance, mean, rel_tol=1e-6)
        assert math.isclose(e.relevance, 0.1 * e.direct_relevance + 0.9 * mean, rel_tol=1e-6)
        assert e.contribution > 0
    # the evidence record round-trips to JSON with the new fields
    d = results[0].evidence[0].to_dict()
    assert {"direct_relevance", "neighbour_relevance", "neighbours"} <= set(d)


def test_more_neighbours_than_documents_uses_all_others(tmp_path, fake_embedder):
    org = OrgBuilder().person("a", "A").person("b", "B")
    org.doc("a.md", "A", ["Supplier risk audits."], authors=["a"])
    org.doc("b.md", "B", ["Supplier risk scoring."], authors=["b"])
    store = org.build(tmp_path / "two.db", fake_embedder)
    res = find_experts(store, fake_embedder, Q, config=replace(REG, reg_k=40), limit=5)
    for r in res:
        (e,) = r.evidence
        assert len(e.neighbours) == 1 and math.isclose(
            e.relevance, 0.1 * e.direct_relevance + 0.9 * e.neighbour_relevance, rel_tol=1e-6
        )
    store.close()


def _restricted(with_secret: bool) -> OrgBuilder:
    org = procurement_org()
    org.person("gina", "Gina Gray", department="Legal", title="Counsel")
    if with_secret:
        org.doc("secret.md", "Supplier risk audit findings (restricted)", ["Supplier risk audits: confidential "
                "findings on supplier risk."], authors=["gina", "bob"], visibility="restricted",
                allowed=["group:Legal"])  # fmt: skip
    return org


def test_restricted_document_is_never_a_neighbour_and_does_not_change_ranking(tmp_path):
    emb = FakeEmbedder()
    cfg = replace(REG, reg_k=2)
    with_secret = _restricted(True).build(tmp_path / "a.db", emb)
    without = _restricted(False).build(tmp_path / "b.db", emb)
    secret_id = next(n.id for n in with_secret.iter_nodes("Document") if n.props.get("key") == "secret.md")
    seen = find_experts(with_secret, emb, Q, viewer="frank", config=cfg, limit=50)
    base = find_experts(without, emb, Q, viewer="frank", config=cfg, limit=50)
    assert all(secret_id != e.node_id and secret_id not in e.neighbours for r in seen for e in r.evidence)
    assert ids(seen) == ids(base)
    for a, b in zip(seen, base, strict=True):
        assert math.isclose(a.score, b.score, rel_tol=0.05)  # BM25 idf sees the whole index (docs/search.md)
    # a viewer who may see it gets it as evidence and as a neighbour of the other supplier documents
    legal = find_experts(with_secret, emb, Q, viewer="gina", config=cfg, limit=50)
    assert any(secret_id in e.neighbours for r in legal for e in r.evidence)
    with_secret.close()
    without.close()


def test_excluded_document_is_never_a_neighbour(lucky_store, fake_embedder):
    lucky_doc = next(n.id for n in lucky_store.iter_nodes("Document") if n.props.get("key") == "l.md")
    res = find_experts(lucky_store, fake_embedder, Q, config=REG, limit=50, exclude={lucky_doc})
    assert "lucky" not in ids(res)
    assert all(lucky_doc not in e.neighbours and e.node_id != lucky_doc for r in res for e in r.evidence)


def test_lexical_only_search_is_not_regularised(lucky_store):
    res = find_experts(lucky_store, None, Q, config=REG, limit=50)
    assert res and all(not e.neighbours and e.relevance == e.direct_relevance for r in res for e in r.evidence)


def test_long_query_switch():
    short = "supplier risk audits"
    long = " ".join(["supplier risk audits for tier-2 suppliers"] * 4)  # 24 words: a pasted paragraph
    assert DEFAULT_CONFIG.for_query(short) is DEFAULT_CONFIG
    cfg = DEFAULT_CONFIG.for_query(long)
    assert {k: getattr(cfg, k) for k in LONG_QUERY} == LONG_QUERY
    assert cfg.long_query_words == 0 and cfg.for_query(long) is cfg
    assert cfg.dense_weight == DEFAULT_CONFIG.dense_weight  # everything else is the base config's
    assert THOROUGH_CONFIG.for_query(short) is THOROUGH_CONFIG
    assert {k: getattr(THOROUGH_CONFIG, k) for k in LONG_QUERY} == LONG_QUERY
    off = replace(DEFAULT_CONFIG, long_query_words=0)
    assert off.for_query(long) is off
    custom = RankingConfig(long_query_words=3, long_query={"depth": 77})
    assert custom.for_query(short).depth == 77 and custom.for_query("two words").depth == custom.depth


def test_find_experts_applies_the_long_query_mode(lucky_store, fake_embedder):
    long = "supplier risk audits " * 7  # 21 words
    cfg = replace(DEFAULT_CONFIG, today=date(2026, 1, 1))
    res_long = find_experts(lucky_store, fake_embedder, long, config=cfg, limit=50)
    # the long mode: up to 40 neighbours, no similarity floor, so every other retrieved document (7 here)
    assert {len(e.neighbours) for r in res_long for e in r.evidence} == {7}
    res_short = find_experts(lucky_store, fake_embedder, Q, config=cfg, limit=50)
    assert all(len(e.neighbours) <= DEFAULT_CONFIG.reg_k for r in res_short for e in r.evidence)
    assert any(e.neighbours for r in res_short for e in r.evidence)  # typed queries are regularised too
    # turning the switch off ranks the long query like any other
    off = find_experts(lucky_store, fake_embedder, long, config=replace(cfg, long_query_words=0), limit=50)
    assert all(len(e.neighbours) <= DEFAULT_CONFIG.reg_k for r in off for e in r.evidence)


def test_typed_default_regularises_with_close_neighbours_only():
    assert DEFAULT_CONFIG.reg_k > 0 and DEFAULT_CONFIG.reg_lambda > 0 and DEFAULT_CONFIG.reg_min_similarity
    assert THOROUGH_CONFIG.reg_min_similarity is None and THOROUGH_CONFIG.reg_k == LONG_QUERY["reg_k"]
