"""The batched all-topics scorer (search/topic_batch.py) gives experts_for_topic's answer for every topic: the same
people at each level and the same calibrated scores, for the common view and for one person's view; a store
without the embedder's vectors answers None (callers ask per topic). On the app tests' demo store (400 people,
600 documents, built once per code version)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_app_support import demo_store_path

from graph.analytics.knowers import topic_experts
from graph.open import open_store
from graph.store import GraphStore
from search import calibration
from search.expertise import STRONG, WEAK, experts_for_topic, subject_topics
from search.index import graph_view
from search.topic_batch import topic_scores
from tests.search_fixtures import real_embedder  # noqa: F401
from whoknows.questions import Asked, ask, mark_helpful
from whoknows.selfassert import set_topic

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def store() -> Iterator[GraphStore]:
    s = open_store(str(demo_store_path()), read_only=True)
    yield s
    s.close()


def _per_topic(store: GraphStore, embedder: Any, viewer: Any, topics: list) -> dict[str, dict[str, float]]:
    gv = graph_view(store)
    return {
        t.name: {m.node_id: m.score for m in experts_for_topic(store, t, embedder=embedder, viewer=viewer, graph=gv)}
        for t in topics
    }


@pytest.mark.parametrize("viewer", [None, "first-person"])
def test_batched_scores_equal_experts_for_topic(store: GraphStore, real_embedder: Any, viewer: Any) -> None:  # noqa: F811
    gv = graph_view(store)
    if viewer == "first-person":
        viewer = sorted(n.props["person_id"] for n in store.iter_nodes("Person"))[0]
    topics = subject_topics(store, graph=gv)
    assert len(topics) > 20
    sample = topics[::4]  # every fourth topic keeps the per-topic reference affordable
    batched = topic_scores(store, sample, embedder=real_embedder, viewer=viewer, graph=gv, min_match=WEAK)
    assert batched is not None
    expected = _per_topic(store, real_embedder, viewer, sample)
    assert any(len(v) > 1 for v in expected.values())  # people to compare, not empty answers
    for name, want in expected.items():
        got = batched[name]
        assert got.keys() == want.keys(), name
        for p, s in want.items():
            assert got[p] == pytest.approx(s, abs=1e-5), (name, p)


def test_topic_experts_reads_the_batch_and_keeps_strong_matches_only(store: GraphStore, real_embedder: Any) -> None:  # noqa: F811
    gv = graph_view(store)
    topics = subject_topics(store, graph=gv)
    seen: list[int] = []
    experts = topic_experts(store, embedder=real_embedder, graph=gv, progress=lambda i, n, t: seen.append(i))
    assert seen == list(range(1, len(topics) + 1))  # progress once per topic
    weak = topic_scores(store, topics, embedder=real_embedder, graph=gv, min_match=WEAK)
    assert weak is not None
    cal = calibration.load()
    for name, people in weak.items():
        assert experts[name] == {p: s for p, s in people.items() if cal.level(s) == STRONG}, name
    assert any(len(v) < len(weak[t]) for t, v in experts.items())  # weak matches were dropped somewhere


class _OtherModel:
    """An embedder whose model has no vectors in the store (lexical search only)."""

    name = "no-such-model"

    def embed_query(self, text: str) -> Any:
        raise AssertionError("never asked: there is nothing to compare the vector with")


def test_a_store_without_the_models_vectors_answers_none(store: GraphStore) -> None:
    topics = subject_topics(store)[:3]
    assert topic_scores(store, topics, embedder=_OtherModel()) is None  # type: ignore[arg-type]
    assert topic_scores(store, [], embedder=_OtherModel()) == {}  # type: ignore[arg-type]


def test_what_people_say_about_themselves_counts_as_in_experts_for_topic(tmp_path: Path, real_embedder: Any) -> None:  # noqa: F811
    """On a copy of the demo: one expert hides a topic (never named for it), a non-expert confirms one (a strong
    match), a helpful answer makes its answerer considered; the batch agrees with experts_for_topic on each."""
    src = demo_store_path()
    for suffix in ("", "-wal", "-shm"):
        if (f := src.parent / (src.name + suffix)).is_file():
            shutil.copy(f, tmp_path / f.name)
    store = open_store(str(tmp_path / src.name))
    try:
        gv = graph_view(store)
        topics = subject_topics(store, graph=gv)
        base = topic_scores(store, topics, embedder=real_embedder, graph=gv)
        assert base is not None
        shared = next(t for t in topics if len(base[t.name]) >= 2)
        hider = sorted(base[shared.name])[0]
        lone = next(t for t in topics if t.name != shared.name and 0 < len(base[t.name]) < 3)
        people = sorted(n.id for n in store.iter_nodes("Person") if n.props.get("active", True) is not False)
        confirmer = next(p for p in people if p not in base[lone.name] and p != hider)
        set_topic(store, hider, shared.node_id, "hidden", by=hider, via="test")
        set_topic(store, confirmer, lone.node_id, "confirmed", by=confirmer, via="test")
        asker, answerer = people[-1], people[-2]
        q = ask(store, f"Who can explain {lone.name} to our team?", [Asked(answerer, "them", "test")], asked_by=asker,
                embedder=real_embedder)  # fmt: skip
        mark_helpful(store, q.node_id, answerer, marked_by=asker)
        gv = graph_view(store)
        sample = [shared, lone, *topics[::10]]
        batched = topic_scores(store, sample, embedder=real_embedder, graph=gv, min_match=WEAK)
        assert batched is not None
        assert hider not in batched[shared.name]
        assert batched[lone.name][confirmer] >= calibration.load().strong
        for name, want in _per_topic(store, real_embedder, None, sample).items():
            assert batched[name].keys() == want.keys(), name
            for p, s in want.items():
                assert batched[name][p] == pytest.approx(s, abs=1e-5), (name, p)
    finally:
        store.close()
