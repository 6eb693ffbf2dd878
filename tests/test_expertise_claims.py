"""Search honours what people say about themselves (search/claims.py, search/expertise.py): on a real store with
the real model, written through the product's own writers (whoknows/selfassert.py, whoknows/questions.py).

- a confirmed topic makes the person a strong match for texts matching it (search, who knows, the topic's
  experts, their profile), and for nothing else;
- a hidden topic never names the person for texts matching it, yet they still appear for other texts;
- an added topic is weighed by the evidence behind it (no evidence: no match), and the why-line says so;
- a question whose answer the asker marked helpful is evidence of the answerer, like a document.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from graph.sqlite_store import SQLiteStore
from search import claims
from search.expertise import (
    NONE,
    STRONG,
    experts_for_topic,
    knows_about,
    person_topics,
    score_people,
    who_knows,
)
from tests.search_fixtures import real_embedder  # noqa: F401
from tests.test_expertise import _tagged_org
from whoknows.questions import Asked, ask, mark_helpful
from whoknows.selfassert import set_topic

pytestmark = pytest.mark.slow

AUDITS = "supplier risk audits for our tier-2 suppliers"
TOPIC = "topic:supplier-risk"


@pytest.fixture
def store(tmp_path: Path, real_embedder: Any) -> Iterator[SQLiteStore]:  # noqa: F811
    org = _tagged_org()
    org.doc("bikes.md", "Cycling to work", ["Bike storage, lockers and showers for people who cycle to the office."],
            authors=["alice"])  # fmt: skip
    s = org.build(tmp_path / "claims.db", real_embedder)
    try:
        yield s
    finally:
        s.close()


def _ids(matches: list[Any]) -> dict[str, Any]:
    return {m.node_id: m for m in matches}


def _say(store: SQLiteStore, person: str, topic: str, state: str) -> None:
    set_topic(store, f"person:{person}", topic, state, by=f"{person}@example.org", via="signed-in")


def test_a_confirmed_topic_is_strong_evidence_for_texts_that_match_it(store: SQLiteStore, real_embedder: Any) -> None:  # noqa: F811
    before = _ids(knows_about(store, AUDITS, embedder=real_embedder, limit=10))
    assert "person:hugo" not in before  # the cook has no evidence on supplier risk
    _say(store, "hugo", TOPIC, "confirmed")
    for found in (
        _ids(knows_about(store, AUDITS, embedder=real_embedder, limit=10)),
        _ids(who_knows(store, AUDITS, embedder=real_embedder)),
        _ids(experts_for_topic(store, "supplier risk", embedder=real_embedder)),
        _ids(knows_about(store, AUDITS, embedder=real_embedder, limit=10, order="score")),  # reviewers' order
    ):
        hugo = found["person:hugo"]
        assert hugo.match == STRONG and hugo.why.startswith("Topic 'supplier risk' confirmed by them")
        assert hugo.evidence[0].kind == "self-asserted" and hugo.evidence[0].relation == "confirmed by them"
    # within the limit: placed after the ranked strong matches, before the weaker ones
    top = knows_about(store, AUDITS, embedder=real_embedder, limit=2)
    assert "person:hugo" in {m.node_id for m in top} or all(m.match == STRONG for m in top)
    assert {t.topic.node_id: t.match for t in person_topics(store, "hugo", embedder=real_embedder)}[TOPIC] == STRONG
    # a text that matches none of his topics: no boost
    pasta = _ids(knows_about(store, "how to make fresh pasta with eggs", embedder=real_embedder, limit=10))
    assert "person:hugo" not in pasta or pasta["person:hugo"].match != STRONG


def test_a_hidden_topic_never_names_the_person_for_it_but_other_texts_still_do(
    store: SQLiteStore,
    real_embedder: Any,  # noqa: F811
) -> None:
    assert _ids(knows_about(store, AUDITS, embedder=real_embedder, limit=10))["person:alice"].match == STRONG
    _say(store, "alice", TOPIC, "hidden")
    assert "person:alice" not in _ids(knows_about(store, AUDITS, embedder=real_embedder, limit=10))
    assert "person:alice" not in _ids(knows_about(store, AUDITS, embedder=real_embedder, limit=10, persons=["alice"]))
    assert "person:alice" not in _ids(knows_about(store, AUDITS, embedder=None, limit=10))  # lexical search too
    assert "person:alice" not in _ids(who_knows(store, AUDITS, embedder=real_embedder, min_match=NONE))
    assert "person:alice" not in _ids(experts_for_topic(store, "supplier risk", embedder=real_embedder))
    assert "person:alice" not in _ids(score_people(store, AUDITS, ["alice", "bob"], embedder=real_embedder))
    assert TOPIC not in {t.topic.node_id for t in person_topics(store, "alice", embedder=real_embedder)}
    bikes = _ids(knows_about(store, "bike storage and showers at the office", embedder=real_embedder, limit=10))
    assert bikes["person:alice"].match == STRONG  # hiding a topic is not opting out


def test_an_added_topic_is_weighed_by_the_evidence_behind_it(store: SQLiteStore, real_embedder: Any) -> None:  # noqa: F811
    bob_before = score_people(store, AUDITS, ["bob"], embedder=real_embedder)[0]
    _say(store, "bob", TOPIC, "added")
    _say(store, "hugo", "supplier risk", "added")  # by name: the same topic
    after = _ids(knows_about(store, AUDITS, embedder=real_embedder, limit=10))
    bob, hugo = after["person:bob"], after["person:hugo"]
    assert bob.score == pytest.approx(bob_before.score) and bob.match == bob_before.match
    assert bob.why.endswith("; topic 'supplier risk' added by them")
    assert hugo.match == NONE and hugo.score == 0.0  # no evidence behind it
    assert hugo.why == "No documents of theirs close to this; topic 'supplier risk' added by them"
    assert "person:hugo" not in _ids(experts_for_topic(store, "supplier risk", embedder=real_embedder))
    listed = {t.topic.node_id: t for t in person_topics(store, "hugo", embedder=real_embedder)}
    assert listed[TOPIC].asserted == "added" and listed[TOPIC].match == NONE
    _say(store, "hugo", "chaos engineering", "added")  # a topic no document is tagged with: still listed
    assert "topic:chaos-engineering" in {t.topic.node_id for t in person_topics(store, "hugo", embedder=real_embedder)}


def test_a_helpful_answer_is_evidence_of_the_answerer(store: SQLiteStore, real_embedder: Any) -> None:  # noqa: F811
    q = ask(store, "How do we audit the risk of our tier-2 suppliers before renewing a contract?",
            [Asked("person:hugo", "Hugo Hart", "")], asked_by="person:frank", embedder=real_embedder)  # fmt: skip
    need = "auditing tier-2 supplier risk before a contract renewal"
    assert "person:hugo" not in _ids(knows_about(store, need, embedder=real_embedder, limit=10))  # asked only
    mark_helpful(store, q.node_id, "person:hugo", marked_by="person:frank")
    hugo = _ids(knows_about(store, need, embedder=real_embedder, limit=10))["person:hugo"]
    answer = hugo.evidence[0]
    assert answer.kind == "answer" and answer.passes and answer.node_id == q.node_id
    assert "nswered 1 question" in hugo.why and "Wrote" not in hugo.why
    assert hugo.score == score_people(store, need, ["hugo"], embedder=real_embedder)[0].score
    assert "person:hugo" in _ids(who_knows(store, need, embedder=real_embedder, min_match=hugo.match))
    off = _ids(knows_about(store, "how to make fresh pasta with eggs", embedder=real_embedder, limit=10))
    assert "person:hugo" not in off  # evidence for what it is about only
    mark_helpful(store, q.node_id, "person:hugo", marked_by="person:frank", helpful=False)
    assert "person:hugo" not in _ids(knows_about(store, need, embedder=real_embedder, limit=10))


def test_topic_matching_is_lexical_or_close_in_meaning(real_embedder: Any) -> None:  # noqa: F811
    from search.expertise import _embed_cached
    from search.longtext import query_vector

    names = {"t:sr": "supplier risk", "t:pasta": "fresh pasta", "t:dsar": "DSAR"}

    def match(text: str) -> set[str]:
        vec = query_vector(real_embedder, text)
        return claims.topic_matches(text, vec, names, lambda n: _embed_cached(real_embedder, n))

    assert match("supplier risk audits") == {"t:sr"}  # every word of the name
    assert match("dsar") == {"t:dsar"}  # the same name
    assert match("xqzv blorft wuggle") == set()
    assert claims.topic_matches("records of suppliers' risk", None, names, None) == {"t:sr"}  # word forms, no model


def test_the_answer_counts_every_strong_match_not_only_those_shown(store: SQLiteStore, real_embedder: Any) -> None:  # noqa: F811
    from click.testing import CliRunner

    from search.expertise import answer
    from whoknows.cli import main

    everyone = who_knows(store, AUDITS, embedder=real_embedder)  # what risk and spread count
    found = answer(store, AUDITS, embedder=real_embedder, limit=1)
    assert len(found.matches) == 1 and found.strong == len(everyone) >= 3 and found.match == STRONG
    out = CliRunner().invoke(main, ["search", AUDITS, "--store", str(store.path), "--limit", "1"]).output
    assert out.startswith(f"{len(everyone)} strong matches for “{AUDITS}”; showing 1 (--limit for more)"), out
    out = CliRunner().invoke(main, ["search", AUDITS, "--store", str(store.path), "--json", "--limit", "1"]).output
    assert '"strong_matches": ' + str(len(everyone)) in out
    out = CliRunner().invoke(main, ["search", "xqzv blorft wuggle", "--store", str(store.path)]).output
    assert out.startswith("No strong match for “xqzv blorft wuggle”"), out
    kinds = ("weak matches", "weak or no match", "no real match")
    assert out.splitlines()[1] in {f"Closest people ({k}):" for k in kinds}
