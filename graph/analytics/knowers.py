"""Who knows about an idea or a topic, for spread and risk: the one seam the analytics read expertise through.

The analytics have no notion of "knows about" of their own: they take the product's calibrated expertise
(:mod:`search.expertise`, issue #13), whose rule is the same on every page: a person *knows about X* when their
match on X is ``strong``. Search, profiles, risk and spread therefore agree on who knows what.

* :func:`idea_knowers`: people with a strong match on the idea's text (:func:`search.expertise.who_knows`);
* :func:`topic_experts`: for every subject topic, the people with a strong match on it
  (:func:`search.expertise.experts_for_topic`'s numbers, computed for all topics in one pass by
  :func:`search.topic_batch.topic_scores`); "the only expert on T" is the one strong match.

The expertise API already leaves out people who left (inactive) and people who opted out, and counts only the
documents ``viewer`` may read (``None``: the common view every viewer shares). It needs the embedding model: the
calibration differs without it, so the CLI loads the same model the app uses (``embedder`` argument).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

STRONG = "strong"


@dataclass(frozen=True, slots=True)
class Knower:
    """A person who knows about an idea: node id, calibrated score (0-1) and the evidence in one line."""

    person: str
    score: float
    why: str


def idea_knowers(store: Any, idea: str, *, embedder: Any, viewer: Any = None, graph: Any = None) -> list[Knower]:
    """People who know about ``idea`` (strong matches), best first, with their why-line; [] when nobody does."""
    from search.expertise import who_knows

    if not (idea or "").strip():
        return []
    matches = who_knows(store, idea, embedder=embedder, viewer=viewer, min_match=STRONG, graph=graph)
    return [Knower(m.node_id, float(m.score), m.why) for m in matches if m.match == STRONG]


def topic_experts(
    store: Any,
    *,
    embedder: Any,
    viewer: Any = None,
    graph: Any = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> dict[str, dict[str, float]]:
    """``{topic name: {person node id: calibrated score}}`` for every subject topic, strong matches only (a topic
    nobody knows maps to ``{}``). ``progress(done, total, topic)`` is called after each topic."""
    from search.expertise import experts_for_topic, subject_topics
    from search.index import graph_view
    from search.topic_batch import topic_scores

    gv = graph if graph is not None else graph_view(store)
    topics = subject_topics(store, graph=gv)
    batched = topic_scores(store, topics, embedder=embedder, viewer=viewer, graph=gv, min_match=STRONG,
                           progress=progress) if embedder is not None else None  # fmt: skip
    if batched is not None:
        return batched
    out: dict[str, dict[str, float]] = {}
    for i, t in enumerate(topics, start=1):
        found = experts_for_topic(store, t, embedder=embedder, viewer=viewer, graph=gv)
        out[t.name] = {m.node_id: float(m.score) for m in found if m.match == STRONG}
        if progress is not None:
            progress(i, len(topics), t.name)
    return out


#: the relationships the calibrated expertise reads evidence from (search/expertise.py): documents people wrote
#: or reviewed, questions they answered helpfully, topics they stated on their profile
EVIDENCE_RELATIONSHIPS: tuple[str, ...] = ("AUTHORED", "REVIEWED", "ANSWERED", "SELF_TOPIC")


def no_evidence(store: Any) -> str | None:
    """Why nobody can be known to know about anything in ``store`` (no authored or reviewed documents, helpful
    answers or stated topics at all: e.g. an e-mail network alone), or None when there is evidence to read. The
    answers that find nobody say this instead of implying that the idea or topic is unknown in the organisation."""
    counts = store.counts()
    if any(counts.get(r, 0) for r in EVIDENCE_RELATIONSHIPS):
        return None
    return (
        "the store holds no documents with authors or reviewers, no helpful answers and no topics people stated, "
        "so nobody's expertise is known"
    )


def load_embedder() -> Any:
    """The embedding model the app uses, once per process (one place, so the CLI's calibration is the app's)."""
    from search.embedder import default_embedder

    return default_embedder()


__all__ = ["EVIDENCE_RELATIONSHIPS", "Knower", "idea_knowers", "load_embedder", "no_evidence", "topic_experts"]
