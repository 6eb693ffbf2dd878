"""Ask the experts: a question sent from a search to the people it found, recorded in the graph, and an answer
the asker marks as helpful becoming evidence for the person who gave it.

No outside service: the message itself is an e-mail draft (a ``mailto:`` link with the question and why each
person was chosen) that the asker sends from their own mail program; WhoKnows records only the question, whom it
was put to, and later which answers helped. Why in the graph: a helpful answer is evidence like a document a
person wrote, so search reads it from the same place. The question is a ``Question`` node (its ``text`` is
indexed and embedded like a passage, so a later search on the same subject finds it), held by the source
``question:<id>``; each helpful answer is ``(Person)-[:ANSWERED {helpful, at, marked_by, note}]->(Question)``
held by its own source ``answer:<id>#<person_id>``, so un-marking it retracts exactly that. Neither source is in
an ingest feed's ledger, so a re-ingest leaves them alone.

Who sees what: a question is internal (everyone inside the organisation may read it, as evidence on the
answerer's card); the page that records it says so before anything is saved. Only the asker marks answers.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from graph.schema import Label, RelType
from graph.store import Facts, GraphStore, Node, Rel
from whoknows.errors import ConfigError, NotFoundError
from whoknows.selfassert import NotYoursError, person_text

MAX_QUESTION_CHARS = 2000
MAX_NOTE_CHARS = 500
SUBJECT_CHARS = 70


@dataclass(frozen=True, slots=True)
class Asked:
    """One person a question was put to, and why they were chosen (the search's one-line why)."""

    person: str  # person node id
    name: str
    why: str


@dataclass(slots=True)
class Question:
    node_id: str
    text: str
    asked_by: str | None  # person node id of the asker (None: nobody in the directory)
    asked_at: str
    asked: list[Asked] = field(default_factory=list)
    helpful: dict[str, str] = field(default_factory=dict)  # answerer node id -> when it was marked helpful
    query: str | None = None  # the search it came from


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def question_source(node_id: str) -> str:
    return f"question:{node_id.removeprefix('question:')}"


def answer_source(node_id: str, person: str) -> str:
    return f"answer:{node_id.removeprefix('question:')}#{person.removeprefix('person:')}"


def clean_question(text: str) -> str:
    """The question as recorded: whitespace tidied, not empty, at most :data:`MAX_QUESTION_CHARS` characters."""
    return person_text(text, lines=True, limit=MAX_QUESTION_CHARS, what="the question",
                       example="How do we check a supplier's tier-two suppliers?")  # fmt: skip


def ask(
    store: GraphStore,
    text: str,
    asked: Sequence[Asked],
    *,
    asked_by: str | None,
    query: str | None = None,
    embedder: Any = None,
) -> Question:
    """Record a question put to ``asked`` (at least one person). With an ``embedder`` its text is embedded at
    once, so semantic search finds it before the next ingest (which would embed it anyway)."""
    body = clean_question(text)
    if not asked:
        raise ConfigError("choose at least one person to ask")
    people = store.get_nodes(sorted({a.person for a in asked} | ({asked_by} if asked_by else set())))
    missing = [a.person for a in asked if a.person not in people]
    if missing:
        raise NotFoundError(f"not in the directory: {', '.join(missing)}")
    nid = f"question:{uuid.uuid4().hex[:16]}"
    at = _now()
    props = {
        "question_id": nid.removeprefix("question:"),
        "text": body,
        "title": body if len(body) <= 120 else body[:119].rsplit(" ", 1)[0] + " …",
        "asked_by": asked_by,
        "asked_at": at,
        "asked": [a.person for a in asked],
        "why": [a.why for a in asked],
        "query": query,
        "visibility": "internal",
    }
    with store.transaction():
        store.write([Facts(question_source(nid), [Node(nid, Label.QUESTION, props)], [])])
    if embedder is not None:
        from search.embedder import embed_store  # the store's own text hashing and vector cache, as ingest does

        embed_store(store, embedder, progress=False, labels=[Label.QUESTION.value])
    return Question(nid, body, asked_by, at, list(asked), {}, query)


def _question(node_id: str, props: Mapping[str, Any], answers: Sequence[Any], names: Mapping[str, str]) -> Question:
    asked = [Asked(p, names.get(p, p), w) for p, w in zip(props.get("asked") or (), props.get("why") or (),
                                                           strict=False)]  # fmt: skip
    helpful = {r.start: str(r.props.get("at") or "") for r in answers
               if r.type == RelType.ANSWERED and r.props.get("helpful")}  # fmt: skip
    return Question(node_id, str(props.get("text") or ""), props.get("asked_by"), str(props.get("asked_at") or ""),
                    asked, helpful, props.get("query"))  # fmt: skip


def load_question(store: GraphStore, node_id: str) -> Question:
    view = store.get_node(node_id)
    if view is None or view.node.label != Label.QUESTION:
        raise NotFoundError(f"no question {node_id!r} in the store")
    props = view.node.props
    ids = sorted(set(props.get("asked") or ()))
    names = {k: str(v.props.get("name") or k) for k, v in store.get_nodes(ids).items()}
    return _question(node_id, props, view.incoming, names)


def questions_asked_by(store: GraphStore, person: str) -> list[Question]:
    """The questions a person asked, newest first, with the helpful answers marked so far."""
    mine = [n for n in store.iter_nodes(Label.QUESTION) if n.props.get("asked_by") == person]
    return sorted((load_question(store, n.id) for n in mine), key=lambda q: q.asked_at, reverse=True)


@dataclass(frozen=True, slots=True)
class Answered:
    """A question someone answered helpfully, as their profile lists it."""

    question: str
    text: str
    at: str
    asked_by: str | None


def answered_by(store: GraphStore, person: str) -> list[Answered]:
    """The questions ``person`` answered helpfully (marked by the asker), newest first."""
    view = store.get_node(person)
    if view is None:
        return []
    rels = [r for r in view.outgoing if r.type == RelType.ANSWERED and r.props.get("helpful")]
    nodes = store.get_nodes(sorted({r.end for r in rels}))
    out = [Answered(r.end, str(nodes[r.end].props.get("text") or ""), str(r.props.get("at") or ""),
                    nodes[r.end].props.get("asked_by")) for r in rels if r.end in nodes]  # fmt: skip
    return sorted(out, key=lambda a: a.at, reverse=True)


def mark_helpful(
    store: GraphStore, question: str, answerer: str, *, marked_by: str | None, helpful: bool = True, note: str = ""
) -> None:
    """The asker says ``answerer``'s answer helped (or, ``helpful=False``, takes that back). Only the asker may,
    and only for someone the question was put to: evidence nobody can check is no evidence."""
    q = load_question(store, question)
    if marked_by is None or marked_by != q.asked_by:
        raise NotYoursError("only the person who asked the question marks its answers as helpful")
    if answerer not in {a.person for a in q.asked}:
        raise NotFoundError(f"{answerer} was not asked this question")
    source = answer_source(question, answerer)
    with store.transaction():
        store.retract_source(source)
        if helpful:
            props = {"helpful": True, "at": _now(), "marked_by": marked_by, "note": " ".join(note.split())[
                :MAX_NOTE_CHARS]}  # fmt: skip
            store.write([Facts(source, [], [Rel(RelType.ANSWERED, answerer, question, props)])])


def draft_email(
    question: str, asked: Sequence[Asked], emails: Mapping[str, str], *, asker_name: str | None = None
) -> tuple[list[str], str, str]:
    """(to, subject, body) of the e-mail the asker sends: the question, and why each person was chosen, so the
    people asked can see it is not a mass mailing. People without an address are named in the body only."""
    text = clean_question(question)
    first = text.splitlines()[0]
    subject = "Question: " + (first if len(first) <= SUBJECT_CHARS else first[: SUBJECT_CHARS - 1].rsplit(" ", 1)[0]
                              + " …")  # fmt: skip
    lines = ["Hello,", "", "I have a question I hope you can help with:", "", text, "", "Why I am asking you:"]
    for a in asked:
        lines.append(f"- {a.name}: {a.why}" if a.why else f"- {a.name}")
    lines += ["", "WhoKnows suggested you from what you wrote, reviewed, lead or completed; a short answer or a "
              "pointer to the right document is plenty.", "", "Thank you" + (f",\n{asker_name}" if asker_name
                                                                                  else "")]  # fmt: skip
    to = [emails[a.person] for a in asked if emails.get(a.person)]
    return to, subject, "\n".join(lines)
