"""Who knows about an idea or a topic, for spread and risk: the one seam the analytics read expertise through.

The analytics do not have their own notion of "knows about": they ask the product's expertise search and take
its answer. This module is the single place that asks, so that the day the calibrated expertise API lands
(issue #13: a score with the same meaning for every query and a threshold for "knows"), spread and risk switch
to it here and nowhere else.

Until then:

* :func:`idea_knowers` ranks people for the idea's text with :func:`search.ranking.find_experts` without the
  embedding model (lexical retrieval; the CLI must answer in seconds) and keeps those whose score is at least
  ``KNOWS_SHARE`` of the top person's, at most ``limit``: a relative cut, not a calibrated one, and said so in
  docs/analytics.md;
* :func:`topic_experts` counts, per topic, the documents a person authored (1) or reviewed (0.5) that are ABOUT
  it (:func:`graph.analytics.risk.topic_expertise_from_store`).

Both leave out people who are inactive (left the organisation): "the only expert" must be someone who is still
here. Opted-out people are kept (risk counts them without naming them; spread never seeds them).
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

#: provisional "knows about" cut until the calibrated API lands: a score at least this share of the top one
KNOWS_SHARE = 0.25


@dataclass(frozen=True, slots=True)
class Knower:
    """A person who knows about an idea: node id, score (higher: more evidence) and the evidence in one line."""

    person: str
    score: float
    why: str


def _inactive(store: Any) -> set[Hashable]:
    return {n.id for n in store.iter_nodes("Person") if n.props.get("active") is False}


def idea_knowers(store: Any, idea: str, *, viewer: str | None = None, limit: int = 50) -> list[Knower]:
    """People who know about ``idea``, best first, with the evidence line; [] when nobody does.

    ``viewer``: whose permissions apply to the evidence (None: an anonymous internal caller, as the CLI).
    """
    from search.ranking import find_experts

    idea = (idea or "").strip()
    if not idea:
        return []
    results = find_experts(store, None, idea, viewer=viewer, limit=max(limit * 4, 200))
    gone = _inactive(store)
    results = [r for r in results if r.node_id not in gone and r.score > 0]
    if not results:
        return []
    floor = KNOWS_SHARE * results[0].score
    return [Knower(r.node_id, float(r.score), r.why) for r in results if r.score >= floor][:limit]


def topic_experts(store: Any, *, viewer: str | None = None) -> dict[str, dict[str, float]]:
    """``{topic name: {person node id: score}}`` for every topic in the store (a topic nobody knows maps to {}),
    inactive people left out."""
    from graph.analytics.risk import topic_expertise_from_store

    del viewer  # permission trimming of topic expertise is issue #15's viewer-aware reader; accepted already
    gone = _inactive(store)
    return {t: {p: s for p, s in per.items() if p not in gone} for t, per in topic_expertise_from_store(store).items()}


__all__ = ["KNOWS_SHARE", "Knower", "idea_knowers", "topic_experts"]
