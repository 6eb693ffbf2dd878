"""The one "knows about" API (search/expertise.py): calibrated scores, match levels, honest why-lines, viewers.

Tests with the real model check what a person sees (a nonsense query is "no strong match", the why-line names a
matched document and does not echo the query); tests with the fake embedder check the mechanics (permissions,
named people, opt-out, document types are not topics, profile topics agree with the experts of a topic).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from graph.sqlite_store import SQLiteStore
from search import calibration
from search.expertise import (
    STRONG,
    TopicAssertions,
    experts_for_topic,
    format_score,
    is_document_type,
    knows_about,
    overall_match,
    person_topics,
    score_people,
    subject_topics,
)
from search.terms import content_terms, shared_phrase
from tests.search_fixtures import OrgBuilder, fake_embedder, procurement_org, real_embedder  # noqa: F401
from whoknows.errors import ConfigError, NotFoundError, SearchError


def _tagged_org() -> OrgBuilder:
    """procurement_org plus topic tags (a subject and a document type) on alice's audit document, and a
    restricted document of greta's that only the Legal group may see."""
    org = procurement_org()
    org.person("greta", "Greta Grey", department="Legal", title="Counsel")
    org.person("hugo", "Hugo Hart", department="Kitchen", title="Cook")
    org.doc("retention.md", "Records retention schedule", ["Records retention schedules: how long to keep invoices "
            "and contracts before deleting them."], authors=["greta"], visibility="restricted",
            allowed=["group:Legal"])  # fmt: skip
    from graph.store import Facts, Node, Rel

    did = next(n.id for f in org.facts for n in f.nodes if n.label == "Document" and n.props["key"] == "audits.md")
    org.facts.append(
        Facts(
            "tags#audits",
            [Node("topic:supplier-risk", "Topic", {"name": "supplier risk"}), Node("topic:checklist", "Topic",
                                                                                   {"name": "checklist"})],
            [Rel("ABOUT", did, "topic:supplier-risk", {}), Rel("ABOUT", did, "topic:checklist", {})],
        )
    )  # fmt: skip
    return org


@pytest.fixture
def tagged_store(tmp_path: Path, fake_embedder: Any) -> Iterator[SQLiteStore]:  # noqa: F811
    store = _tagged_org().build(tmp_path / "tagged.db", fake_embedder)
    try:
        yield store
    finally:
        store.close()


@pytest.fixture(scope="module")
def real_store(tmp_path_factory: pytest.TempPathFactory, real_embedder: Any) -> Iterator[SQLiteStore]:  # noqa: F811
    store = _tagged_org().build(tmp_path_factory.mktemp("real") / "org.db", real_embedder)
    try:
        yield store
    finally:
        store.close()


# -- terms ------------------------------------------------------------------------------------------------


def test_content_terms_drop_stop_words_and_match_word_forms() -> None:
    assert content_terms("How long do we keep the records?") == ["long", "keep", "record"]
    assert content_terms("the of and") == []
    assert shared_phrase("records retention schedule", ["Our records retention schedules", "records retention"]) == (
        "records retention"
    )
    assert shared_phrase("xqzv blorft", ["records"]) is None


# -- calibration ------------------------------------------------------------------------------------------


def test_shipped_calibration_is_monotone_in_similarity() -> None:
    """More similar evidence never lowers the score: raising any one of a person's document similarities (which
    moves c1..c3 and zm3 together) or the lexical share never lowers it, over a grid of realistic cases; and the
    thresholds are ordered."""
    from search.expertise import _features

    cal = calibration.load()
    assert 0.5 <= cal.weak < cal.strong < 1
    for mu, sd in ((0.05, 0.05), (0.15, 0.08), (0.2, 0.12), (0.2, 0.2), (0.2, 0.25)):  # a small org: up to 0.25
        for sims in ([0.3], [0.5, 0.2], [0.6, 0.5, 0.4, 0.1], [0.7, 0.7, 0.7]):
            base = cal.dense(_features(sims, mu, sd, 0.3, 0.3, cal.top_k))
            for i in range(len(sims)):
                up = sorted([*sims[:i], min(1.0, sims[i] + 0.05), *sims[i + 1 :]], reverse=True)
                assert cal.dense(_features(up, mu, sd, 0.3, 0.3, cal.top_k)) >= base - 1e-12, (sims, i)
            assert cal.dense(_features(sims, mu, sd, 0.6, 0.6, cal.top_k)) >= base
            # a passing mention: the words of a best document far from the query do not count, near ones do
            far = cal.dense(_features([0.33], mu, sd, 1.0, 1.0, cal.top_k))  # "This overlaps with X: ..."
            assert far == cal.dense(_features([0.33], mu, sd, 0.0, 0.0, cal.top_k))
            near = _features([cal.lex_floor], mu, sd, 1.0, 1.0, cal.top_k)
            assert near["lexg"] == 1.0 and cal.dense(near) > far


def test_a_strong_match_needs_close_evidence_that_also_stands_out() -> None:
    """The shipped gate: evidence that stands out from the query's background but is far from the query (a
    gibberish query: everything is far, one document less far by chance) is not strong; evidence close to the
    query that does not stand out (a broad query every document is close to) is not strong unless it is very
    close; evidence that is both is strong; and very close evidence is strong whatever the background."""
    from search.expertise import _features

    cal = calibration.load()
    assert isinstance(cal.dense, calibration.GateModel)
    lift = cal.dense.lift
    assert lift is not None

    def level(sims: list[float], mu: float, sd: float) -> str:
        return cal.level(cal.dense(_features(sims, mu, sd, 0.0, 0.0, cal.top_k)))

    assert level([0.25, 0.25, 0.24], 0.02, 0.03) != "strong"  # stands out 7 sd, but 0.25 is far from the query
    assert level([0.5, 0.5, 0.5], 0.45, 0.05) != "strong"  # close, but so is everything
    assert level([0.6, 0.58, 0.55], 0.15, 0.08) == "strong"  # close and standing out
    # very close evidence: strong even where the whole (small, on-topic) organisation is close to the query ...
    very_close = next(c / 100 for c in range(40, 100) if cal.dense.absolute.linear({"c1": c / 100, "lexg": 0}) >= lift)
    assert level([very_close, 0.0, 0.0], 0.45, 0.15) == "strong"
    # ... and among such people, the one whose evidence also stands out more scores higher
    one = cal.dense(_features([very_close], 0.45, 0.15, 0.0, 0.0, cal.top_k))
    three = cal.dense(_features([very_close] * 3, 0.45, 0.15, 0.0, 0.0, cal.top_k))
    assert three > one


def test_a_gate_model_reads_back_from_its_json_form() -> None:
    shipped = calibration.load()
    again = calibration.from_dict(shipped.raw)
    assert again.dense == shipped.dense and again.strong == shipped.strong
    broken = {**shipped.raw, "dense": {"kind": "gate", "absolute": shipped.raw["dense"]["absolute"]}}
    with pytest.raises(ConfigError, match=r"refit with bench/calibration\.py"):
        calibration.from_dict(broken)


def test_format_score_has_sensible_precision() -> None:
    assert format_score(0.92421) == "0.9"
    assert "%" not in format_score(0.5)


# -- mechanics (fake embedder) ----------------------------------------------------------------------------


def test_named_person_scores_the_same_alone_and_in_a_ranking(tagged_store: SQLiteStore, fake_embedder: Any) -> None:  # noqa: F811
    ranked = {m.node_id: m for m in knows_about(tagged_store, "supplier risk audits", embedder=fake_embedder, limit=5)}
    alone = score_people(tagged_store, "supplier risk audits", ["alice"], embedder=fake_embedder)
    assert alone[0].score == pytest.approx(ranked["person:alice"].score)
    assert alone[0].features == ranked["person:alice"].features


def test_persons_are_always_returned_and_opted_out_never(tagged_store: SQLiteStore, fake_embedder: Any) -> None:  # noqa: F811
    out = knows_about(tagged_store, "supplier risk audits", embedder=fake_embedder, limit=1, persons=["hugo", "dave"])
    ids = [m.node_id for m in out]
    assert "person:hugo" in ids  # no evidence at all, still scored because named
    assert "person:dave" not in ids  # opted out: never, even by name
    hugo = next(m for m in out if m.node_id == "person:hugo")
    assert hugo.match != STRONG and hugo.why == "No documents of theirs close to this"
    with pytest.raises(NotFoundError):
        knows_about(tagged_store, "audits", embedder=fake_embedder, persons=["nobody"])
    with pytest.raises(SearchError):
        knows_about(tagged_store, "   ", embedder=fake_embedder)


def test_evidence_the_viewer_cannot_see_never_counts(tagged_store: SQLiteStore, fake_embedder: Any) -> None:  # noqa: F811
    q = "records retention schedules invoices contracts"
    anon = score_people(tagged_store, q, ["greta"], embedder=fake_embedder)[0]
    legal = score_people(tagged_store, q, ["greta"], embedder=fake_embedder, viewer="greta")[0]
    assert anon.evidence == () and anon.score < legal.score
    assert [e.title for e in legal.evidence] == ["Records retention schedule"]


def test_excluded_items_never_count(tagged_store: SQLiteStore, fake_embedder: Any) -> None:  # noqa: F811
    did = next(n.id for n in tagged_store.iter_nodes("Document") if n.props.get("key") == "risk.md")
    out = score_people(tagged_store, "supplier risk register", ["alice"], embedder=fake_embedder, exclude=[did])[0]
    assert did not in {e.node_id for e in out.evidence}


def test_document_types_are_not_topics(tagged_store: SQLiteStore, fake_embedder: Any) -> None:  # noqa: F811
    assert is_document_type("Checklist") and is_document_type("how-to guide") and is_document_type("FAQ")
    assert not is_document_type("after action reviews")  # a practice one can know, unlike the document type
    names = [t.name for t in subject_topics(tagged_store)]
    assert "supplier risk" in names and "checklist" not in names
    topics = person_topics(tagged_store, "alice", embedder=fake_embedder)
    assert all(t.topic.name != "checklist" for t in topics)


def test_hidden_topic_never_shows_and_confirmed_counts_as_strong(tagged_store: SQLiteStore, fake_embedder: Any) -> None:  # noqa: F811
    def hide(store: Any, person: str) -> TopicAssertions:
        return TopicAssertions(hidden=frozenset({"topic:supplier-risk"}) if person == "person:alice" else frozenset())

    def confirm(store: Any, person: str) -> TopicAssertions:
        return TopicAssertions(confirmed=frozenset({"topic:supplier-risk"}) if person == "person:bob" else frozenset())

    alice_topics = person_topics(tagged_store, "alice", embedder=fake_embedder, assertions=hide)
    assert all(t.topic.node_id != "topic:supplier-risk" for t in alice_topics)
    experts = experts_for_topic(tagged_store, "supplier risk", embedder=fake_embedder, assertions=hide)
    assert "person:alice" not in {m.node_id for m in experts}
    confirmed = experts_for_topic(tagged_store, "supplier risk", embedder=fake_embedder, assertions=confirm)
    bob = {m.node_id: m for m in confirmed}["person:bob"]
    assert bob.match == STRONG and bob.evidence[0].kind == "self-asserted"


# -- what a person sees (real model) -----------------------------------------------------------------------


@pytest.mark.slow
def test_nonsense_query_is_no_strong_match(real_store: SQLiteStore, real_embedder: Any) -> None:  # noqa: F811
    for q in ("xqzv blorft wuggle", "underwater basket weaving for penguins", "the", "🙂🙂"):
        out = knows_about(real_store, q, embedder=real_embedder, limit=5)
        assert overall_match(out) != STRONG, (q, [(m.name, m.score) for m in out])
        assert all("Wrote" not in m.why for m in out), [m.why for m in out]


@pytest.mark.slow
def test_in_scope_query_is_a_strong_match_with_an_honest_why(real_store: SQLiteStore, real_embedder: Any) -> None:  # noqa: F811
    q = "who can help us with supplier risk audits for our new vendors"
    out = knows_about(real_store, q, embedder=real_embedder, limit=3)
    assert overall_match(out) == STRONG
    top = out[0]
    assert top.node_id == "person:alice" and top.match == STRONG
    assert q not in top.why  # never the query echoed
    assert any(e.title in top.why for e in top.passing)  # names what matched
    n_passing = sum(1 for e in top.passing if e.relation != "reviewed as SME")
    assert f"Wrote {n_passing} document" in top.why  # counts only passing items
    assert "Supplier risk register" in {e.title for e in top.evidence}
    bob = score_people(real_store, q, ["bob"], embedder=real_embedder)[0]  # co-author of one audit document, and
    assert bob.score < top.score  # of pasta: fewer close documents


@pytest.mark.slow
def test_restricted_evidence_changes_the_answer_only_for_those_allowed(
    real_store: SQLiteStore,
    real_embedder: Any,  # noqa: F811
) -> None:
    q = "how long do we have to keep invoices and contracts"
    anon = {m.node_id: m for m in knows_about(real_store, q, embedder=real_embedder, limit=5, persons=["greta"])}
    legal = {m.node_id: m for m in knows_about(real_store, q, embedder=real_embedder, limit=5, viewer="greta")}
    assert anon["person:greta"].match != STRONG and anon["person:greta"].evidence == ()
    assert legal["person:greta"].match == STRONG


def test_a_strong_match_from_several_near_items_says_so_and_never_no_close_evidence() -> None:
    """The score reads a person's best three items, so a strong match can rest on items none of which passes on
    its own: the why-line names them and says they count together (a strong label over "No close evidence"
    contradicted itself on the 2,000-document demo: 'IC reconciliation')."""
    from search.expertise import NONE, STRONG, WEAK, MatchedItem, why_line

    def item(title: str, sim: float) -> MatchedItem:
        return MatchedItem("document", f"doc:{title}", title, "author", sim, 0.0, 0.3, False)

    items = [item("Close calendar", 0.45), item("Late accruals", 0.41), item("Variance notes", 0.37)]
    strong = why_line("IC reconciliation", STRONG, items, {})
    assert "No close evidence" not in strong
    assert strong.startswith("Together, not alone: 3 documents near this, none close on its own")
    assert "'Close calendar'" in strong and "'Variance notes'" in strong
    assert why_line("IC reconciliation", WEAK, items, {}) == "Weak match: closest is 'Close calendar'"
    assert why_line("IC reconciliation", NONE, items, {}) == "No close evidence: closest is 'Close calendar'"


def test_a_card_of_a_strong_match_resting_on_near_items_lists_them() -> None:
    """The app's card shows the items a strong match rests on when none passes alone (else it would show a strong
    label with no evidence); a weak match's card still lists only what passed."""
    from whoknows.webapp.cards import match_cards

    near = [{"kind": "document", "title": f"Doc {i}", "relation": "author", "similarity": s, "passes": False,
             "node_id": f"doc:{i}"} for i, s in enumerate((0.45, 0.41, 0.37, 0.30))]  # fmt: skip
    row = {"node_id": "person:a", "person_id": "a", "name": "A", "score": 0.95, "why": "Together, not alone: ...",
           "evidence": near}  # fmt: skip
    strong, weak = match_cards([{**row, "match": "strong"}, {**row, "match": "weak", "score": 0.6}])
    assert [d.title for d in strong.documents] == ["Doc 0", "Doc 1", "Doc 2"]
    assert weak.documents == []


def test_shown_key_orders_by_level_or_tilts_the_ranking() -> None:
    """By level (a text that reads like the organisation's writing): strong, weak, none, each in rank order. Else
    the fused order with no-match people last and a weak match WEAK_PLACES (2) places lower: a strong match goes
    ahead of a weak one ranked one place above it, not of one ranked two places above."""
    from search.expertise import NONE, STRONG, WEAK, WEAK_PLACES, shown_key

    rows = [("a", 0, WEAK), ("b", 1, STRONG), ("c", 2, NONE), ("d", 3, WEAK), ("e", 4, STRONG), ("f", 6, STRONG)]

    def order(by_level: bool) -> list[str]:
        return [n for n, r, lv in sorted(rows, key=lambda x: shown_key(x[2], x[1], by_level=by_level))]

    assert order(True) == ["b", "e", "f", "a", "d", "c"]
    assert WEAK_PLACES == 2
    assert order(False) == ["b", "a", "e", "d", "f", "c"]  # b (1) before a (0 + 2), e (4) before d (3 + 2)


@pytest.mark.slow
def test_the_order_shown_follows_the_texts_background(
    real_store: SQLiteStore,
    real_embedder: Any,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``answer`` orders by level when the text's background reaches TEMPLATE_BACKGROUND and by the tilted ranking
    otherwise, says which (``order``), and reports the background it used."""
    import search.expertise as E

    q = "supplier risk audits"
    monkeypatch.setattr(E, "TEMPLATE_BACKGROUND", -1.0)
    by_level = E.answer(real_store, q, embedder=real_embedder, limit=None)
    assert by_level.order == "level" and by_level.background is not None
    ranks = {"strong": 0, "weak": 1, "none": 2}
    assert [ranks[m.match] for m in by_level.matches] == sorted(ranks[m.match] for m in by_level.matches)
    monkeypatch.setattr(E, "TEMPLATE_BACKGROUND", 9.0)
    tilted = E.answer(real_store, q, embedder=real_embedder, limit=None)
    assert tilted.order == "ranking" and tilted.background == by_level.background
    inf = float("inf")
    keys = [E.shown_key(m.match, m.rank if m.rank is not None else inf, by_level=False) for m in tilted.matches]
    assert keys == sorted(keys)
    assert {m.node_id for m in tilted.matches} == {m.node_id for m in by_level.matches}
    lexical = E.answer(real_store, q, embedder=None, limit=None)  # no background without the model: by level
    assert lexical.order == "level" and lexical.background is None


def test_the_cli_prints_matches_in_the_order_given_with_no_match_people_folded_last(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Strong and weak matches as cards in the order the search gave (a weak match can come between strong
    ones: the ranking's order), people who are no match one line each under their own heading at the end."""
    from types import SimpleNamespace

    from whoknows.commands.search import print_matches

    def m(name: str, match: str, score: float) -> Any:
        return SimpleNamespace(name=name, person_id=name.lower(), match=match, score=score, why=f"why {name}",
                               title="", department="D", location="", evidence=())  # fmt: skip

    print_matches([m("Ann", "strong", 0.97), m("Bo", "weak", 0.8), m("Cy", "strong", 0.95), m("Di", "none", 0.2)],
                  "a query", 3, strong_total=2)  # fmt: skip
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "2 strong matches for “a query”"
    assert out.index(" 1. Ann  [ann]  strong match 1.0") < out.index(" 2. Bo  [bo]  weak match 0.8")
    assert out.index(" 2. Bo  [bo]  weak match 0.8") < out.index(" 3. Cy  [cy]  strong match 0.9")
    assert out.index("Closest other people (no real match):") < out.index(" 4. Di [di], D  no match 0.2: why Di")


def test_the_cli_and_the_app_say_when_a_weak_match_stands_above_a_strong_one() -> None:
    from search.expertise import weak_before_strong

    assert weak_before_strong(["strong", "weak", "strong"])
    assert not weak_before_strong(["strong", "strong", "weak", "none"])
    assert not weak_before_strong(["weak", "none"])
