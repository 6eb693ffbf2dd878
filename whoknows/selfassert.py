"""People own their profile: a person confirms, hides or adds a topic about themselves, and that statement is a
source of its own in the graph, with provenance, like any ingested record.

Why a source in the graph (and not a side file): search, profiles, risk and spread all read the graph, and
``search.expertise`` reads these statements from the same read model (a confirmed topic counts as strong
evidence, a hidden one is never shown for that person, an added one is listed as self-declared). Why one source
per person and topic, named ``self-topic:<person_id>#<topic_id>``: it is in no ingest feed's ledger, so a
re-ingest of the directory or the documents never sweeps it; retracting it (:func:`retract_topic`) is one
``retract_source``, which removes the statement and, for an added topic nothing else mentions, the topic node;
and the person leaving the directory deletes their node and, with it, their statements.

The graph holds the current statement (``(Person)-[:SELF_TOPIC {state, at, by, via}]->(Topic)``); every change,
retractions included, is also appended to a JSON-lines log that administrators read (who changed what, when,
through which sign-in). Only the person may change their own topics; :func:`check_may_change` says so.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from graph.schema import Label, RelType
from graph.store import Facts, GraphStore, Node, Rel
from ingest.mapping import topic_id as topic_id_for
from whoknows.errors import ConfigError, NotFoundError, WhoKnowsError

STATES = ("confirmed", "hidden", "added")
SOURCE_PREFIX = "self-topic:"
MAX_TOPIC_CHARS = 80


class NotYoursError(WhoKnowsError):
    """Someone tried to change another person's profile."""


@dataclass(frozen=True, slots=True)
class TopicClaim:
    """What a person says about one topic, as the graph holds it now."""

    person: str  # person node id
    topic_id: str
    name: str
    state: str  # confirmed | hidden | added
    at: str
    by: str  # who made the change: the signed-in e-mail, or "local demo as <person>"
    via: str  # "signed-in" | "local demo"


@dataclass(frozen=True, slots=True)
class Change:
    """One line of the change log: what happened to whose topic, who did it, when and how."""

    person: str
    topic_id: str
    name: str
    action: str  # confirmed | hidden | added | retracted
    at: str
    by: str
    via: str


def claim_source(person: str, topic_id: str) -> str:
    """The provenance source of a person's statement about a topic (one per person and topic)."""
    return f"{SOURCE_PREFIX}{person.removeprefix('person:')}#{topic_id}"


def check_may_change(person: str, viewer_id: str | None) -> None:
    """Only the person changes their own topics (signed in as them, or picked as the viewer in the local demo)."""
    if viewer_id is None or viewer_id != person:
        raise NotYoursError("only the person themselves may confirm, hide or add topics on their profile")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def topic_claims(store: GraphStore, person: str) -> dict[str, TopicClaim]:
    """The person's statements by topic id (empty when they made none)."""
    view = store.get_node(person)
    if view is None:
        return {}
    rels = [r for r in view.outgoing if r.type == RelType.SELF_TOPIC]
    names = store.get_nodes(sorted({r.end for r in rels}))
    out = {}
    for r in rels:
        state = str(r.props.get("state") or "")
        if state not in STATES:
            continue
        topic = names.get(r.end)
        name = str(topic.props.get("name") or r.end) if topic is not None else r.end
        out[r.end] = TopicClaim(person, r.end, name, state, str(r.props.get("at") or ""),
                                str(r.props.get("by") or ""), str(r.props.get("via") or ""))  # fmt: skip
    return out


def all_claims(store: GraphStore) -> list[TopicClaim]:
    """Every statement in the store (for administrators and the search read model's tests)."""
    rels = list(store.iter_rels(RelType.SELF_TOPIC))
    names = store.get_nodes(sorted({r.end for r in rels}))
    out = []
    for r in rels:
        state = str(r.props.get("state") or "")
        if state in STATES:
            topic = names.get(r.end)
            out.append(TopicClaim(r.start, r.end, str(topic.props.get("name") or r.end) if topic else r.end, state,
                                  str(r.props.get("at") or ""), str(r.props.get("by") or ""),
                                  str(r.props.get("via") or "")))  # fmt: skip
    return sorted(out, key=lambda c: (c.person, c.topic_id))


def person_text(text: str, *, lines: bool, limit: int, what: str, example: str) -> str:
    """Text a person typed, as stored: whitespace tidied (one line, or each line), not empty, at most ``limit``
    characters; a ConfigError that names what was expected otherwise."""
    parts = str(text).strip().splitlines() if lines else [str(text)]
    out = "\n".join(" ".join(p.split()) for p in parts).strip()
    if not out:
        raise ConfigError(f"{what} is empty; write one, e.g. {example!r}")
    if len(out) > limit:
        raise ConfigError(f"{what} has at most {limit} characters; this one has {len(out)}")
    return out


def clean_topic_name(name: str) -> str:
    """A topic a person types: one line, trimmed, at most :data:`MAX_TOPIC_CHARS` characters, not empty."""
    return person_text(name, lines=False, limit=MAX_TOPIC_CHARS, what="a topic name",
                       example="supplier risk assessment")  # fmt: skip


def set_topic(
    store: GraphStore,
    person: str,
    topic: str,
    state: str,
    *,
    by: str,
    via: str,
    log: Path | None = None,
) -> TopicClaim:
    """Record that ``person`` confirms, hides or adds ``topic`` (a topic id ``topic:...`` or a name).

    Confirming or hiding needs a topic the graph already has; adding creates it when needed (its node is then
    held by this statement's source, so it goes when the statement is retracted and nothing else mentions it).
    A later statement about the same topic replaces the earlier one.
    """
    if state not in STATES:
        raise ConfigError(f"unknown topic statement {state!r}; expected one of: {', '.join(STATES)}")
    view = store.get_node(person)
    if view is None or view.node.label != Label.PERSON:
        raise NotFoundError(f"no person {person!r} in the store")
    if topic.startswith("topic:"):
        tid = topic
        existing = store.get_nodes([tid]).get(tid)
        if existing is None:
            raise NotFoundError(f"no topic {topic!r} in the store; add it by name instead")
        name = str(existing.props.get("name") or tid)
    else:
        name = clean_topic_name(topic)
        tid = topic_id_for(name)
        existing = store.get_nodes([tid]).get(tid)
        if existing is None and state != "added":
            raise NotFoundError(f"no topic {name!r} in the store to {state[:-2] if state != 'hidden' else 'hide'}")
        if existing is not None:
            name = str(existing.props.get("name") or name)
    at = _now()
    nodes = [Node(tid, Label.TOPIC, {"name": name})] if existing is None else []
    rel = Rel(RelType.SELF_TOPIC, person, tid, {"state": state, "at": at, "by": by, "via": via})
    source = claim_source(person, tid)
    with store.transaction():
        store.retract_source(source)  # the earlier statement about this topic, if any
        store.write([Facts(source, nodes, [rel])])
    claim = TopicClaim(person, tid, name, state, at, by, via)
    _log(log, Change(person, tid, name, state, at, by, via))
    return claim


def retract_topic(store: GraphStore, person: str, topic_id: str, *, by: str, via: str, log: Path | None = None) -> bool:
    """Withdraw the person's statement about a topic; False when there was none."""
    before = topic_claims(store, person).get(topic_id)
    if before is None:
        return False
    with store.transaction():
        store.retract_source(claim_source(person, topic_id))
    _log(log, Change(person, topic_id, before.name, "retracted", _now(), by, via))
    return True


def _log(path: Path | None, change: Change) -> None:
    if path is not None:
        append_json_line(path, asdict(change), "the change is saved, but its log line", "WHOKNOWS_PROFILE_LOG")


def append_json_line(path: Path, record: dict[str, Any], what: str, variable: str) -> None:
    """Append one JSON line (an append is one small write: concurrent writers do not tear each other's lines
    on a local file system); a ConfigError that says which variable points it elsewhere when it fails."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as fp:
            fp.write(json.dumps(record) + "\n")
    except OSError as exc:
        raise ConfigError(f"{what} could not be written to {path} ({exc}); set {variable} to a writable file") from exc


def read_changes(path: Path, *, person: str | None = None) -> list[Change]:
    """The change log, newest first (optionally one person's); torn or foreign lines are skipped."""
    if not path.is_file():
        return []
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            d: dict[str, Any] = json.loads(line)
            change = Change(**{k: str(d[k]) for k in Change.__dataclass_fields__})
        except (ValueError, KeyError, TypeError):
            continue
        if person is None or change.person == person:
            out.append(change)
    return out[::-1]  # appended in order: the file's last line is the newest


def states_by_topic(claims: Iterable[TopicClaim]) -> dict[str, frozenset[str]]:
    """``{"confirmed": {...}, "hidden": {...}, "added": {...}}``: the shape search.expertise's hook takes."""
    out: dict[str, set[str]] = {s: set() for s in STATES}
    for c in claims:
        out[c.state].add(c.topic_id)
    return {s: frozenset(v) for s, v in out.items()}


def assertions(store: GraphStore, person: str) -> Any:
    """The person's statements in the shape of ``search.expertise.AssertionSource`` (pass it as ``assertions=``
    to ``person_topics`` / ``experts_for_topic``; search's default source reads the same relationships)."""
    from search.expertise import TopicAssertions

    s = states_by_topic(topic_claims(store, person).values())
    return TopicAssertions(confirmed=s["confirmed"], hidden=s["hidden"], added=s["added"])


def topic_changes(
    current: dict[str, str], *, confirmed: Iterable[str], hidden: Iterable[str], added: Iterable[str]
) -> list[tuple[str, str]]:
    """What a person's choices on their profile mean for the graph: ``(state, topic)`` to state and
    ``("retract", topic_id)`` to withdraw, from the current statements (topic id -> state) and the topics now
    chosen as confirmed, hidden (topic ids) and added (ids of known topics, or new names). Nothing for what is
    unchanged; a topic both confirmed and hidden is a contradiction, refused with the topic named."""
    conf, hide = set(confirmed), set(hidden)
    both = sorted(conf & hide)
    if both:
        raise ConfigError(f"a topic cannot be both confirmed and hidden: {', '.join(both)}")
    add: dict[str, str] = {}  # topic id -> what to state it with (the id of a known topic, or the new name)
    for a in added:
        a = a.strip()
        if not a:
            continue
        tid = a if a.startswith("topic:") else topic_id_for(clean_topic_name(a))
        if tid not in conf and tid not in hide:
            add[tid] = a
    wanted = {**{t: "confirmed" for t in conf}, **{t: "hidden" for t in hide}, **dict.fromkeys(add, "added")}
    out: list[tuple[str, str]] = [("retract", t) for t in sorted(current) if t not in wanted]
    for tid, state in sorted(wanted.items()):
        if current.get(tid) != state:
            out.append((state, add.get(tid, tid) if state == "added" else tid))
    return out
