"""People own their profile, and ask the experts, on a real SQLite store: statements about one's own topics
and helpful answers are sources with provenance that survive a re-ingest, can be retracted, are logged for
administrators, and are what search's expertise reads (confirmed = strong, hidden = never shown)."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_app_support import build_small_store, write_small_org

from graph.schema import Label, RelType
from graph.sqlite_store import SQLiteStore
from ingest.pipeline import ingest_paths
from whoknows.errors import ConfigError, NotFoundError
from whoknows.questions import (
    Asked,
    answer_source,
    answered_by,
    ask,
    draft_email,
    load_question,
    mark_helpful,
    question_source,
    questions_asked_by,
)
from whoknows.selfassert import (
    NotYoursError,
    all_claims,
    assertions,
    check_may_change,
    claim_source,
    read_changes,
    retract_topic,
    set_topic,
    topic_changes,
    topic_claims,
)

BO, CY, ADA = "person:u2", "person:u3", "person:u1"
K8S = "topic:kubernetes"


@pytest.fixture
def store(tmp_path: Path) -> SQLiteStore:
    path = build_small_store(tmp_path)
    return SQLiteStore(path)


def test_confirm_hide_add_and_retract(store: SQLiteStore, tmp_path: Path) -> None:
    log = tmp_path / "changes.jsonl"
    set_topic(store, BO, K8S, "confirmed", by="bo@example.org", via="signed-in", log=log)
    set_topic(store, BO, "knowledge management", "hidden", by="bo@example.org", via="signed-in", log=log)
    added = set_topic(store, BO, "  Incident   command ", "added", by="bo@example.org", via="signed-in", log=log)
    assert added.topic_id == "topic:incident-command" and added.name == "Incident command"
    claims = topic_claims(store, BO)
    assert {t: c.state for t, c in claims.items()} == {
        K8S: "confirmed", "topic:knowledge-management": "hidden", "topic:incident-command": "added"
    }  # fmt: skip
    a = assertions(store, BO)
    assert a.confirmed == {K8S} and a.hidden == {"topic:knowledge-management"} and a.added == {"topic:incident-command"}
    # provenance: each statement is a source of its own; the added topic's node is held by its statement
    view = store.get_node("topic:incident-command")
    assert view is not None and view.node.sources == (claim_source(BO, "topic:incident-command"),)
    rel = next(r for r in store.get_node(BO).outgoing if r.type == RelType.SELF_TOPIC and r.end == K8S)  # type: ignore[union-attr]
    assert rel.sources == (claim_source(BO, K8S),) and rel.props["by"] == "bo@example.org"
    # a later statement replaces the earlier one
    set_topic(store, BO, K8S, "hidden", by="bo@example.org", via="signed-in", log=log)
    assert topic_claims(store, BO)[K8S].state == "hidden"
    # retracting removes the statement, and an added topic nothing else mentions
    assert retract_topic(store, BO, "topic:incident-command", by="bo@example.org", via="signed-in", log=log)
    assert store.get_node("topic:incident-command") is None
    assert not retract_topic(store, BO, "topic:incident-command", by="bo@example.org", via="signed-in", log=log)
    changes = read_changes(log)
    assert [c.action for c in changes][::-1] == ["confirmed", "hidden", "added", "hidden", "retracted"]
    assert all(c.by == "bo@example.org" and c.person == BO for c in changes)
    assert [c.person for c in all_claims(store)] == [BO, BO]


def test_statements_survive_a_reingest(store: SQLiteStore, tmp_path: Path) -> None:
    set_topic(store, BO, K8S, "confirmed", by="bo", via="local demo")
    set_topic(store, BO, "chaos engineering", "added", by="bo", via="local demo")
    org = tmp_path / "org"
    (org / "docs" / "k8s.md").write_text(  # an edited document: its old facts are retracted and rewritten
        "---\ntitle: Kubernetes incident response\nauthors: [bo@example.org]\ntags: [kubernetes]\n---\nNew text.\n",
        encoding="utf-8",
    )
    run = ingest_paths(store, [write_small_org(org)])
    assert run.ok
    assert {t: c.state for t, c in topic_claims(store, BO).items()} == {
        K8S: "confirmed", "topic:chaos-engineering": "added"
    }  # fmt: skip


def test_only_the_person_changes_their_topics_and_bad_input_is_refused(store: SQLiteStore) -> None:
    with pytest.raises(NotYoursError):
        check_may_change(BO, CY)
    with pytest.raises(NotYoursError):
        check_may_change(BO, None)
    check_may_change(BO, BO)
    with pytest.raises(ConfigError, match="expected one of: confirmed, hidden, added"):
        set_topic(store, BO, K8S, "loved", by="bo", via="x")
    with pytest.raises(NotFoundError, match="no topic 'quantum knitting'"):
        set_topic(store, BO, "quantum knitting", "confirmed", by="bo", via="x")
    with pytest.raises(ConfigError, match="at most 80"):
        set_topic(store, BO, "x" * 81, "added", by="bo", via="x")
    with pytest.raises(NotFoundError, match="no person"):
        set_topic(store, "person:nobody", K8S, "confirmed", by="bo", via="x")


def test_ask_mark_helpful_and_take_it_back(store: SQLiteStore) -> None:
    asked = [Asked(CY, "Cy Twombly", "Wrote 1 document on contract negotiation"), Asked(ADA, "Ada Lovelace", "")]
    q = ask(store, "  How do we   renegotiate a take-or-pay clause?\n", asked, asked_by=BO, query="take-or-pay")
    assert q.text == "How do we renegotiate a take-or-pay clause?"
    node = store.get_node(q.node_id)
    assert node is not None and node.node.label == Label.QUESTION and node.node.sources == (question_source(q.node_id),)
    assert [h.id for h in store.search_text("renegotiate take-or-pay", labels=["Question"])] == [q.node_id]
    assert [x.node_id for x in questions_asked_by(store, BO)] == [q.node_id]
    with pytest.raises(NotYoursError):
        mark_helpful(store, q.node_id, CY, marked_by=CY)  # only the asker marks answers
    with pytest.raises(NotFoundError, match="was not asked"):
        mark_helpful(store, q.node_id, "person:u8", marked_by=BO)
    mark_helpful(store, q.node_id, CY, marked_by=BO, note="pointed me to the tariff audit")
    assert load_question(store, q.node_id).helpful.keys() == {CY}
    (a,) = answered_by(store, CY)
    assert a.question == q.node_id and a.asked_by == BO
    rel = next(r for r in store.get_node(CY).outgoing if r.type == RelType.ANSWERED)  # type: ignore[union-attr]
    assert rel.sources == (answer_source(q.node_id, CY),) and rel.props["marked_by"] == BO
    mark_helpful(store, q.node_id, CY, marked_by=BO, helpful=False)
    assert answered_by(store, CY) == [] and load_question(store, q.node_id).helpful == {}
    with pytest.raises(ConfigError, match="the question is empty"):
        ask(store, "   ", asked, asked_by=BO)
    with pytest.raises(ConfigError, match="at least one person"):
        ask(store, "Why?", [], asked_by=BO)


def test_draft_email_says_why_each_person_was_chosen() -> None:
    asked = [Asked(CY, "Cy Twombly", "Wrote 1 document on contract negotiation"), Asked(ADA, "Ada Lovelace", "")]
    to, subject, body = draft_email(
        "How do we renegotiate a take-or-pay clause with the gas supplier before the renewal in March?",
        asked, {CY: "cy@example.org"}, asker_name="Bo Diddley",
    )  # fmt: skip
    assert to == ["cy@example.org"]  # Ada has no address here: named in the body only
    assert subject.startswith("Question: How do we renegotiate") and len(subject) <= len("Question: ") + 70
    assert "- Cy Twombly: Wrote 1 document on contract negotiation" in body and "- Ada Lovelace" in body
    assert body.endswith("Thank you,\nBo Diddley")


def test_choices_on_the_profile_become_the_fewest_changes() -> None:
    current = {K8S: "confirmed", "topic:km": "hidden", "topic:old": "added"}
    assert topic_changes(current, confirmed=[K8S], hidden=["topic:km"], added=["topic:old"]) == []
    changes = topic_changes(current, confirmed=["topic:km"], hidden=[], added=["Chaos  engineering", "topic:old"])
    assert changes == [("retract", K8S), ("added", "Chaos  engineering"), ("confirmed", "topic:km")]
    assert topic_changes({}, confirmed=[], hidden=[], added=["topic:km", " "]) == [("added", "topic:km")]
    with pytest.raises(ConfigError, match="both confirmed and hidden: topic:km"):
        topic_changes({}, confirmed=["topic:km"], hidden=["topic:km"], added=[])
