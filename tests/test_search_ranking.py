"""Expert ranking on small graphs with known answers: order, evidence completeness, opt-out, permissions, filters."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from datetime import date

import pytest

from search.evidence import why_line
from search.permissions import load_viewer
from search.ranking import DEFAULT_CONFIG, find_experts
from tests import search_fixtures
from tests.search_fixtures import FakeEmbedder, procurement_org
from whoknows.errors import NotFoundError, SearchError

fake_embedder = search_fixtures.fake_embedder
org_store = search_fixtures.org_store

Q = "supplier risk audits"
CFG = replace(DEFAULT_CONFIG, today=date(2026, 1, 1))


def names(results):
    return [r.person_id for r in results]


def test_known_answer_order(org_store, fake_embedder):
    results = find_experts(org_store, fake_embedder, Q, config=CFG)
    ids = names(results)
    assert ids[0] == "alice"  # first author of both supplier-risk documents
    assert "carol" in ids  # SME reviewer + CoP leader
    assert "frank" in ids  # passed the supplier risk course
    assert ids.index("alice") < ids.index("bob")  # bob co-wrote one supplier doc; the rest is pasta


def test_contributions_sum_to_score_and_every_term_has_a_record(org_store, fake_embedder):
    results = find_experts(org_store, fake_embedder, Q, config=CFG, limit=50)
    assert results
    for r in results:
        assert math.isclose(sum(e.contribution for e in r.evidence), r.score, rel_tol=1e-9)
        assert all(e.contribution > 0 and e.weight > 0 for e in r.evidence)
    alice = next(r for r in results if r.person_id == "alice")
    assert {e.title for e in alice.evidence if e.kind == "document"} == {
        "Tier-2 supplier audits",
        "Supplier risk register",
    }
    assert {e.relation for e in alice.evidence} >= {"first author", "member"}
    carol = next(r for r in results if r.person_id == "carol")
    assert {(e.kind, e.relation) for e in carol.evidence} == {("document", "reviewed as SME"), ("community", "leader")}
    assert "leads Procurement CoP" in carol.why and "SME reviewer of 1" in carol.why
    assert "Wrote 2 documents on supplier risk audits" in alice.why
    json.dumps([r.to_dict() for r in results])  # JSON-able


def test_opted_out_and_inactive_people_never_appear(org_store, fake_embedder):
    ids = names(find_experts(org_store, fake_embedder, Q, config=CFG, limit=50))
    assert "dave" not in ids and "erin" not in ids
    ids = names(find_experts(org_store, fake_embedder, "supplier risk audits handbook", config=CFG, limit=50))
    assert "dave" not in ids


def test_prolific_people_do_not_win_on_volume(tmp_path, fake_embedder):
    from tests.search_fixtures import OrgBuilder

    org = OrgBuilder().person("focus", "Focused").person("volume", "Prolific")
    org.doc("f.md", "Supplier risk", ["Supplier risk audits in depth."], authors=["focus"])
    org.doc(
        "v.md", "Supplier", ["Supplier risk audits, briefly mentioned among many other things."], authors=["volume"]
    )
    for i in range(30):
        org.doc(f"v{i}.md", f"Note {i}", [f"Quarterly note {i} about canteen menus and parking."], authors=["volume"])
    store = org.build(tmp_path / "v.db", fake_embedder)
    assert names(find_experts(store, fake_embedder, Q, config=CFG))[0] == "focus"
    store.close()


def restricted_org(with_secret: bool):
    org = procurement_org()
    org.person("gina", "Gina Gray", department="Legal", title="Counsel")
    if with_secret:
        org.doc("secret.md", "Supplier risk audit findings (restricted)", ["Supplier risk audits: confidential "
                "findings on supplier risk."], authors=["gina", "bob"], visibility="restricted",
                allowed=["person:alice", "group:Legal"])  # fmt: skip
    return org


def test_restricted_document_is_invisible_and_does_not_change_ranking(tmp_path):
    emb = FakeEmbedder()
    with_secret = restricted_org(True).build(tmp_path / "a.db", emb)
    without = restricted_org(False).build(tmp_path / "b.db", emb)
    # frank (Finance) may not see it: no evidence from it, and the same ranking and scores as if it did not exist
    seen = find_experts(with_secret, emb, Q, viewer="frank", config=CFG, limit=50)
    base = find_experts(without, emb, Q, viewer="frank", config=CFG, limit=50)
    assert all("restricted" not in e.title for r in seen for e in r.evidence)
    assert "gina" not in names(seen)
    assert names(seen) == names(base)
    # dense scores are identical; BM25 idf sees corpus statistics, so allow a tiny drift in the lexical part
    for a, b in zip(seen, base, strict=True):
        assert math.isclose(a.score, b.score, rel_tol=0.05)
    # anonymous callers see no restricted document either
    assert "gina" not in names(find_experts(with_secret, emb, Q, config=CFG, limit=50))
    # alice is named in `allowed`; gina's department is an allowed group
    for viewer in ("alice", "gina"):
        res = find_experts(with_secret, emb, Q, viewer=viewer, config=CFG, limit=50)
        assert "gina" in names(res)
        assert any("restricted" in e.title for r in res for e in r.evidence)
    with_secret.close()
    without.close()


def test_viewer_groups_from_department_and_communities(org_store):
    alice = load_viewer(org_store, "alice")
    assert {"procurement", "procurement-cop", "procurement cop"} <= alice.groups
    assert alice.can_see({"visibility": "restricted", "allowed": ["group:Procurement CoP"]})
    assert alice.can_see({"visibility": "restricted", "allowed": ["group:procurement"]})
    assert not alice.can_see({"visibility": "restricted", "allowed": ["group:Legal", "person:bob"]})
    assert alice.can_see({"visibility": "restricted", "allowed": ["person:alice"]})
    assert not alice.can_see({"visibility": "secret-ish"})  # unknown visibility fails closed
    with pytest.raises(NotFoundError, match="not a person"):
        load_viewer(org_store, "nobody")


def test_filters(org_store, fake_embedder):
    by_dept = find_experts(org_store, fake_embedder, Q, filters={"department": "procurement"}, config=CFG)
    assert set(names(by_dept)) == {"alice", "carol"}
    leaders = find_experts(org_store, fake_embedder, Q, filters={"role": "leader"}, config=CFG)
    assert names(leaders) == ["carol"]
    by_title = find_experts(org_store, fake_embedder, Q, filters={"role": "analyst"}, config=CFG)
    assert names(by_title) == ["frank"]
    by_loc = find_experts(org_store, fake_embedder, Q, filters={"location": "Lyon"}, config=CFG)
    assert set(names(by_loc)) == {"alice", "frank"}
    with pytest.raises(SearchError, match="expected one of: department, location, role"):
        find_experts(org_store, fake_embedder, Q, filters={"team": "x"})
    with pytest.raises(SearchError, match="empty"):
        find_experts(org_store, fake_embedder, "   ")


def test_time_decay_prefers_recent_work(tmp_path, fake_embedder):
    from tests.search_fixtures import OrgBuilder

    org = OrgBuilder().person("old", "Old").person("new", "New")
    org.doc("o.md", "Supplier risk audits", ["Supplier risk audits."], authors=["old"], date="2010-01-01")
    org.doc("n.md", "Supplier risk audits", ["Supplier risk audits."], authors=["new"], date="2025-06-01")
    store = org.build(tmp_path / "t.db", fake_embedder)
    res = find_experts(store, fake_embedder, Q, config=CFG)
    assert names(res) == ["new", "old"]
    no_decay = find_experts(store, fake_embedder, Q, config=replace(CFG, half_life_years=None))
    assert math.isclose(no_decay[0].score, no_decay[1].score)
    store.close()


def test_lexical_only_and_exclude_and_candidates(org_store, fake_embedder):
    res = find_experts(org_store, None, Q, config=CFG)
    assert names(res)[0] == "alice"
    audits = next(e.node_id for r in res for e in r.evidence if e.title == "Tier-2 supplier audits")
    res = find_experts(org_store, fake_embedder, Q, config=CFG, exclude={audits}, limit=50)
    assert all(e.node_id != audits for r in res for e in r.evidence)
    bob = [r for r in res if r.person_id == "bob"]  # his only supplier document is excluded
    assert not bob or {e.title for e in bob[0].evidence} == {"Fresh pasta"}
    res = find_experts(org_store, fake_embedder, Q, config=CFG, candidates={"person:bob", "person:frank"})
    assert set(names(res)) == {"bob", "frank"}


def test_coauthor_propagation_is_recorded_as_evidence(org_store, fake_embedder):
    cfg = replace(CFG, coauthor_beta=0.5)
    res = find_experts(org_store, fake_embedder, Q, config=cfg, limit=50)
    bob = next(r for r in res if r.person_id == "bob")
    assert any(e.kind == "coauthor" and e.node_id == "person:alice" for e in bob.evidence)
    for r in res:
        assert math.isclose(sum(e.contribution for e in r.evidence), r.score, rel_tol=1e-9)


def test_why_line_without_evidence():
    assert why_line("x", []) == "No direct evidence"


def test_rrf_fusion_runs(org_store, fake_embedder):
    res = find_experts(org_store, fake_embedder, Q, config=replace(CFG, fusion="rrf"))
    assert names(res)[0] == "alice"
    with pytest.raises(SearchError, match="combsum, rrf"):
        find_experts(org_store, fake_embedder, Q, config=replace(CFG, fusion="nope"))


def test_normalisation_pruning_is_exact(tmp_path, fake_embedder):
    from tests.search_fixtures import OrgBuilder

    org = OrgBuilder()
    for p in range(40):
        org.person(f"p{p}", f"P{p}")
    for d in range(120):
        words = "supplier risk audits" if d % 3 == 0 else "canteen menus parking"
        org.doc(f"d{d}.md", f"Doc {d}", [f"{words} note {d % 7}"], authors=[f"p{d % 40}", f"p{(d * 7) % 40}"])
    store = org.build(tmp_path / "p.db", fake_embedder)
    cfg = replace(CFG, norm_alpha=0.5, norm_c=1.0)
    full = find_experts(store, fake_embedder, Q, config=cfg, limit=40)
    for k in (1, 3, 10):
        top = find_experts(store, fake_embedder, Q, config=cfg, limit=k)
        assert [(r.node_id, r.score) for r in top] == [(r.node_id, r.score) for r in full[:k]]
    store.close()


def test_pseudo_relevance_feedback_uses_stored_vectors(org_store, fake_embedder):
    cfg = replace(CFG, prf_k=3, prf_weight=1.0)
    res = find_experts(org_store, fake_embedder, Q, config=cfg, limit=50)
    assert names(res)[0] == "alice"
    for r in res:
        assert math.isclose(sum(e.contribution for e in r.evidence), r.score, rel_tol=1e-9)
    base = find_experts(org_store, fake_embedder, Q, config=CFG, limit=50)
    assert [r.score for r in res] != [r.score for r in base]  # the feedback vector was found and used
