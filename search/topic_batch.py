"""Who knows each of many topics, in one pass: the numbers :func:`search.expertise.experts_for_topic` gives, for
every topic at once.

Why a batched path: the Knowledge risk page and ``whoknows risk`` ask "who knows about T?" for every subject
topic (132 on the demo organisation). One :func:`~search.expertise.experts_for_topic` call per topic read each
candidate's documents, sliced their passage vectors, scored the reference sample and wrote why-lines again for
every topic: 13-15 s of the CLI's first run. Here everything that does not depend on the topic is done once
(who wrote or reviewed what, the passage matrix, the term sets), the topic vectors meet the passage matrix and
the reference sample in one matrix product each, and no why-line is written (the counts need none). What stays
per topic is the retrieval that decides *who is considered* (:func:`search.expertise._proposed`), so the people
scored are exactly those ``who_knows`` scores, and each person's features and calibrated score are computed by
the same functions (:func:`search.expertise._features`, the frozen calibration). What people say about
themselves applies as in ``who_knows`` (:func:`search.expertise._said`: a confirmed topic the text matches makes
a strong match, a hidden one leaves the person out, helpful answers are evidence). A test pins the answer to
``experts_for_topic`` (tests/test_topic_batch.py).

Without vectors of the embedder's model in the store (lexical-only search) there is nothing to batch: the answer
is ``None`` and callers ask per topic.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from graph.store import GraphStore
from search import calibration, terms
from search.embedder import Embedder
from search.expertise import (
    _LEVEL_RANK,
    STRONG,
    TopicRef,
    _doc_chunks,
    _embed_cached,
    _features,
    _person_documents,
    _proposed,
    _reference,
    _said,
    _term_cache,
)
from search.index import graph_view
from search.permissions import Viewer, load_viewer, person_visible
from search.ranking import DEFAULT_CONFIG
from search.retrieval import GraphView, unit_item_vectors


def _reference_stats(ref: Any, Q: np.ndarray, cal: calibration.Calibration) -> tuple[np.ndarray, np.ndarray]:
    """:func:`search.expertise._query_reference` for every row of ``Q`` at once (mean and spread of each topic's
    similarity to the reference sample's documents, each by its best passage, shrunk towards the prior)."""
    T = Q.shape[0]
    n = 0
    mu_s = np.zeros(T)
    var_s = np.zeros(T)
    if len(ref.doc_index):
        cos = ref.matrix @ Q.T  # rows: sample passages; columns: topics
        best = np.full((ref.n_docs, T), -np.inf)
        np.maximum.at(best, ref.doc_index, cos)
        best = best[np.isfinite(best[:, 0])]
        n = best.shape[0]
        if n:
            mu_s, var_s = best.mean(axis=0), best.var(axis=0)
    k = cal.prior_n
    mu = (n * mu_s + k * cal.prior_mu) / (n + k)
    var = (n * (var_s + (mu_s - mu) ** 2) + k * (cal.prior_sd**2 + (cal.prior_mu - mu) ** 2)) / (n + k)
    return mu, np.maximum(np.sqrt(var), cal.sd_floor)


def topic_scores(
    store: GraphStore,
    topics: Sequence[TopicRef],
    *,
    embedder: Embedder,
    viewer: str | Viewer | None = None,
    graph: GraphView | None = None,
    min_match: str = STRONG,
    progress: Callable[[int, int, str], None] | None = None,
) -> dict[str, dict[str, float]] | None:
    """``{topic name: {person node id: calibrated score}}`` of the people whose match on each topic's name is at
    least ``min_match``, as :func:`search.expertise.who_knows` scores them; ``None`` when the store has no vectors
    of ``embedder``'s model (ask per topic then). ``progress(done, total, topic)`` after each topic's retrieval."""
    cal = calibration.load()
    gv = graph or graph_view(store)
    who = load_viewer(store, viewer)
    model = embedder.name
    ref = _reference(store, gv, model)
    if ref.matrix.shape[0] == 0 or not topics:
        return None if topics else {}
    names = [t.name for t in topics]
    raw = [_embed_cached(embedder, n) for n in names]
    rows = [np.asarray(v, dtype=np.float32).ravel() for v in raw]
    Q = np.stack([q / (np.linalg.norm(q) or 1.0) for q in rows]).astype(np.float32)  # as _doc_evidence scales q
    mu, sd = _reference_stats(ref, Q, cal)

    # who is considered for each topic: whom its retrieval proposes and whose own statements bear on it (per
    # topic, as who_knows does); people who hid a topic the text matches are never named for it
    proposed: list[list[str]] = []
    said: list[Any] = []
    for i, name in enumerate(names):
        said.append(_said(store, gv, who, name, raw[i], embedder, (), cal))
        proposed.append(list(dict.fromkeys(_proposed(store, gv, who, name, raw[i], model, DEFAULT_CONFIG, ())
                                           + said[i].extra)))  # fmt: skip
        if progress is not None:
            progress(i + 1, len(names), name)
    everyone = list(dict.fromkeys(p for ps in proposed for p in ps))
    props = {p: n.props for p, n in gv.nodes(everyone).items()}
    visible = {p for p in everyone if p in props and person_visible(props[p])}
    docs_of = _person_documents(gv, who, [p for p in everyone if p in visible], ())
    all_docs = sorted({d for ds in docs_of.values() for d, _ in ds})

    # every passage of those documents against every topic: one matrix product
    chunks_of = _doc_chunks(gv, all_docs)
    chunk_ids = [c for d in all_docs for c in chunks_of.get(d, ())]
    found, C = unit_item_vectors(store, gv, model, chunk_ids) if chunk_ids else ([], None)
    row = {c: r for r, c in enumerate(found)}
    S = (C @ Q.T) if C is not None and len(found) else np.zeros((0, len(names)), dtype=np.float32)
    # each document's best passage per topic (ties: the larger passage id, as _doc_evidence breaks them)
    doc_rows = {d: sorted(((row[c], c) for c in chunks_of.get(d, ()) if c in row), key=lambda x: x[1], reverse=True)
                for d in all_docs}  # fmt: skip
    best_chunk: dict[str, list[str | None]] = {}
    best_sim: dict[str, np.ndarray] = {}
    for d, rs in doc_rows.items():
        if not rs:
            best_sim[d] = np.zeros(len(names))
            best_chunk[d] = [None] * len(names)
            continue
        sub = S[[r for r, _ in rs]]
        arg = sub.argmax(axis=0)
        best_sim[d] = sub[arg, np.arange(len(names))].astype(np.float64)
        best_chunk[d] = [rs[a][1] for a in arg]

    # content words of the titles and of the best passages (the shared, query-independent term cache)
    cache = _term_cache(gv)
    doc_nodes = gv.nodes(all_docs)
    qterms = [terms.content_terms(n) for n in names]
    want = {c for t, q in enumerate(qterms) if q for d in all_docs if (c := best_chunk[d][t]) is not None}
    for cid, node in gv.nodes([c for c in want if c not in cache]).items():
        cache[cid] = terms.term_set([str(node.props.get("text") or "")])
    for d in all_docs:
        if d not in cache:
            cache[d] = terms.term_set([str(doc_nodes[d].props.get("title") or "")] if d in doc_nodes else [])

    dense = cal.model(True)
    floor = _LEVEL_RANK[min_match]
    out: dict[str, dict[str, float]] = {}
    empty: frozenset[str] = frozenset()
    for t, name in enumerate(names):
        qt = qterms[t]
        weight = {w: ref.idf(w) for w in qt}
        total = sum(weight.values())
        mu_t, sd_t = float(mu[t]), float(sd[t])
        shares: dict[str, tuple[float, float]] = {}
        scores: dict[str, float] = {}
        confirmed, hidden = said[t].confirmed, said[t].hidden
        for p in proposed[t]:
            if p not in visible or p in hidden or p in scores:
                continue
            ds = docs_of.get(p, [])
            if not ds:
                score = 0.0
            else:
                order = sorted((d for d, _ in ds), key=lambda d: (-best_sim[d][t], d))
                b = order[0]
                if b not in shares:
                    if qt:
                        title = cache[b]
                        c = best_chunk[b][t]
                        passage = cache.get(c, empty) if c is not None else empty
                        hit = [w in title or w in passage for w in qt]
                        share = sum(hit) / len(qt)
                        wsum = sum(w for (_, w), h in zip(weight.items(), hit, strict=True) if h)
                        shares[b] = (share, wsum / total if total > 0 else 0.0)
                    else:
                        shares[b] = (0.0, 0.0)
                share, wshare = shares[b]
                feats = _features([float(best_sim[d][t]) for d in order], mu_t, sd_t, share, wshare, cal.top_k,
                                  words=len(name.split()))  # fmt: skip
                score = dense(feats)
            if p in confirmed:  # a confirmed topic the text matches: a strong match (_with_claims)
                scores[p] = max(score, cal.strong)
            elif _LEVEL_RANK[cal.level(score)] <= floor:
                scores[p] = score
        out[name] = scores
    return out


__all__ = ["topic_scores"]
