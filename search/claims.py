"""What people say about themselves, as search reads it: the topics they confirmed, hid or added on their profile
(``(Person)-[:SELF_TOPIC {state}]->(Topic)``, written by whoknows/selfassert.py) and the questions whose answer
the asker marked as helpful (``(Person)-[:ANSWERED {helpful}]->(Question)``, whoknows/questions.py), and which
of those topics a query is about.

Why a module of its own: search/expertise.py (the one "knows about") turns these into evidence; this module only
reads them from the same read model search uses (cached per store data version, so a statement counts at the
next search after it is saved) and decides whether a text *matches* a topic.

A text matches a topic when every content word of the topic's name is among the text's (lexical: "records
retention" in "records retention schedule"), or when the cosine of the text and the topic's name (bundled
model) is at least :data:`TOPIC_MATCH_COSINE`. That threshold was chosen by ``bench/topic_match.py`` on the
tuning half of the demo organisation's topics: the highest rate at which a paraphrased need matches a tag of its
own topic, with at most 5% of the tuning queries (needs, topic names, out-of-scope queries) matching a tag of
another topic (docs/search.md, "What people say about themselves", has the held-out figures). A false match is
costly both ways (a confirmed topic would name someone for the wrong need; a hidden one would remove them from
it), so precision was favoured over recall.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from graph.schema import Label, RelType
from graph.store import GraphStore
from search import terms
from search.index import IndexedGraphView
from search.retrieval import GraphView

STATES = ("confirmed", "hidden", "added")

#: cosine of a text and a topic's name at or above which the text is about the topic (bench/topic_match.py)
TOPIC_MATCH_COSINE = 0.525


@dataclass(frozen=True, slots=True)
class Claims:
    """Every statement in the store: person node id -> {topic node id: state}, the topics' names, and for each
    question with a helpful answer the people who gave one."""

    by_person: Mapping[str, Mapping[str, str]]
    names: Mapping[str, str]
    answered: Mapping[str, tuple[str, ...]]  # question node id -> answerers (helpful answers only)

    def of(self, person: str) -> Mapping[str, str]:
        return self.by_person.get(person, {})

    def answered_by(self, person: str) -> list[str]:
        return sorted(q for q, people in self.answered.items() if person in people)


_CACHE: weakref.WeakKeyDictionary[Any, Claims] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def _rels(store: GraphStore, gv: GraphView, rtype: RelType) -> Iterable[Any]:
    if isinstance(gv, IndexedGraphView):
        return (r for v in gv.index.views.values() for r in v.outgoing if r.type == rtype)
    return store.iter_rels(rtype.value)


def stored_claims(store: GraphStore, gv: GraphView) -> Claims:
    """The statements of the store (cached per read model; read afresh through a store without one)."""
    owner = gv.index if isinstance(gv, IndexedGraphView) else None
    if owner is not None:
        with _LOCK:
            cached = _CACHE.get(owner)
        if cached is not None:
            return cached
    by_person: dict[str, dict[str, str]] = {}
    for r in _rels(store, gv, RelType.SELF_TOPIC):
        state = str(r.props.get("state") or "")
        if state in STATES:
            by_person.setdefault(r.start, {})[r.end] = state
    answered: dict[str, list[str]] = {}
    for r in _rels(store, gv, RelType.ANSWERED):
        if r.props.get("helpful"):
            answered.setdefault(r.end, []).append(r.start)
    topic_ids = {t for m in by_person.values() for t in m}
    nodes = gv.nodes(sorted(topic_ids | set(answered)))
    names = {t: str(nodes[t].props.get("name") or t) for t in topic_ids if t in nodes}
    questions = {
        q: tuple(sorted(set(p))) for q, p in answered.items() if q in nodes and nodes[q].label == Label.QUESTION
    }
    out = Claims({p: dict(m) for p, m in by_person.items()}, names, questions)
    if owner is not None:
        with _LOCK:
            _CACHE[owner] = out
    return out


def topic_matches(
    text: str,
    qvec: np.ndarray | None,
    names: Mapping[str, str],
    name_vector: Callable[[str], np.ndarray] | None,
) -> set[str]:
    """The topic ids (of ``names``: id -> name) that ``text`` is about: the same name (case aside), every
    content word of the name in the text, or (with the text's vector and ``name_vector``) a cosine of at least
    :data:`TOPIC_MATCH_COSINE`."""
    if not names:
        return set()
    said = " ".join(text.split()).lower()
    qterms = set(terms.content_terms(text))
    q = None
    if qvec is not None and name_vector is not None:
        q = np.asarray(qvec, dtype=np.float32).ravel()
        q = q / (np.linalg.norm(q) or 1.0)
    out = set()
    for tid, name in names.items():
        nterms = set(terms.content_terms(name))
        if " ".join(name.split()).lower() == said or (nterms and nterms <= qterms):
            out.add(tid)
        elif q is not None and name_vector is not None:
            v = np.asarray(name_vector(name), dtype=np.float32).ravel()
            if float(v @ q) / (float(np.linalg.norm(v)) or 1.0) >= TOPIC_MATCH_COSINE:
                out.add(tid)
    return out
