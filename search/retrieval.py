"""Lexical + dense retrieval over text-bearing nodes (chunks, courses, communities), fused into one list.

Everything goes through the store protocol's search capabilities (graph/store.py: ``FullTextSearch`` = BM25,
``VectorSearch`` = cosine), so the Neo4j backend serves the same calls; a store that lacks one fails with a
:class:`~graph.store.CapabilityError` that says what to fix. Why fuse scores rather than ranks by default: expert
ranking sums evidence over many documents, so it needs scores that say *how* relevant each item is, not only its rank;
reciprocal-rank fusion (Cormack et al. 2009) is kept as an option and measured against it in bench/relevance.py
(docs/search.md). Both lists are permission-trimmed *before* normalisation, so a document the viewer may not see cannot
shift the scores of the ones they can.
"""

from __future__ import annotations

import hashlib
import heapq
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from graph.schema import Label
from graph.store import (
    GraphStore,
    Hit,
    NodeView,
    StoredNode,
    full_text,
    read_model,
    vector_search,
)
from whoknows.errors import SearchError

FUSIONS = ("combsum", "rrf")
RRF_K = 60


class GraphView:
    """Memoised reads for one search: each node and neighbourhood is fetched from the store at most once."""

    def __init__(self, store: GraphStore) -> None:
        self.store = store
        self._nodes: dict[str, StoredNode | None] = {}
        self._views: dict[str, NodeView | None] = {}

    def nodes(self, ids: Iterable[str]) -> dict[str, StoredNode]:
        ids = list(dict.fromkeys(ids))
        missing = [i for i in ids if i not in self._nodes]
        if missing:
            got = self.store.get_nodes(missing)
            for i in missing:
                self._nodes[i] = got.get(i)
        return {i: n for i in ids if (n := self._nodes.get(i)) is not None}

    def view(self, node_id: str) -> NodeView | None:
        if node_id not in self._views:
            self.prefetch([node_id])
        return self._views[node_id]

    def prefetch(self, node_ids: Iterable[str]) -> None:
        """Load the neighbourhoods not read yet, one ``get_node`` each (a round trip each on a server; a store
        with a :class:`~graph.store.ReadModel` is read through :class:`search.index.IndexedGraphView` instead)."""
        missing = [i for i in dict.fromkeys(node_ids) if i not in self._views]
        for i in missing:
            v = self.store.get_node(i)
            self._views[i] = v
            if v is not None:
                self._nodes.setdefault(i, v.node)

    def doc_of(self, chunk_ids: Sequence[str]) -> dict[str, str]:
        """Chunk node id -> its Document node id (from the chunk's ``doc_id`` prop)."""
        return {cid: str(n.props["doc_id"]) for cid, n in self.nodes(chunk_ids).items() if n.props.get("doc_id")}


@dataclass(slots=True)
class Retrieved:
    """One retrieved item with its fused score and the per-method evidence behind it."""

    id: str
    label: str
    score: float
    dense: float | None = None
    lexical: float | None = None
    dense_rank: int | None = None
    lexical_rank: int | None = None


def _fetch(search: Callable[[int], list[Hit]], depth: int, keep: Callable[[list[Hit]], list[Hit]] | None) -> list[Hit]:
    """Ask for more than ``depth`` and trim what the viewer may not see, until ``depth`` visible hits or the end."""
    limit = depth if keep is None else depth + max(20, depth // 2)
    while True:
        hits = search(limit)
        visible = hits if keep is None else keep(hits)
        if len(visible) >= depth or len(hits) < limit:
            return visible[:depth]
        limit *= 2


def retrieve(
    store: GraphStore,
    query: str,
    query_vector: np.ndarray | None,
    model: str | None,
    *,
    labels: Sequence[str] = (Label.CHUNK, Label.COURSE, Label.COMMUNITY),
    depth: int = 200,
    keep: Callable[[list[Hit]], list[Hit]] | None = None,
    fusion: str = "combsum",
    dense_weight: float = 0.5,
    minmax: bool = False,
    prf_k: int = 0,
    prf_weight: float = 0.0,
    prf_min_ratio: float = 0.0,
    graph: GraphView | None = None,
) -> list[Retrieved]:
    """Fused lexical + dense hits, best first. ``keep`` trims hits the caller may not use (permissions).

    combsum: ``dense_weight * cosine + (1 - dense_weight) * bm25 / max(bm25)``; a method that did not return an
    item contributes 0 for it; with ``minmax`` the cosine is min-max scaled over the retrieved list.
    rrf: ``sum 1 / (60 + rank)``, rescaled so the best possible item scores 1.

    ``prf_k`` > 0 adds dense pseudo-relevance feedback (Rocchio): the query vector is moved towards the mean
    vector of the ``prf_k`` best fused items, ``q' = q + prf_weight * mean``, and the dense list is searched
    again with it. It helps when a query names a broad field and the evidence is spread over many documents.
    Vectors come from ``store.cached_vectors`` keyed by the text hash both backends use.
    """
    if not query.strip():
        raise SearchError("the query is empty; type what you need, e.g. 'contract negotiation with utilities'")
    if fusion not in FUSIONS:
        raise SearchError(f"unknown fusion {fusion!r}; expected one of: {', '.join(FUSIONS)}")
    labels = [str(label) for label in labels]
    text_search = full_text(store)
    lexical = _fetch(lambda n: text_search.search_text(query, labels=labels, limit=n), depth, keep)
    dense: list[Hit] = []
    vectors = None
    if query_vector is not None and model is not None and dense_weight > 0:
        vectors = vector_search(store)
        dense = _fetch(lambda n: vectors.search_vector(model, query_vector, labels=labels, limit=n), depth, keep)
    if (
        prf_k > 0
        and prf_weight > 0
        and dense
        and vectors is not None
        and query_vector is not None
        and model is not None
    ):
        first = _best_ids(_fused_scores(dense, lexical, fusion, dense_weight, minmax), prf_k)
        # optionally only items close to the best one give feedback (in a tiny corpus the k-th item may be noise)
        top = first[0][1] if first else 0.0
        fb_ids = [i for i, score in first if score >= prf_min_ratio * top]
        feedback = _feedback_vector(store, graph or GraphView(store), model, fb_ids)
        if feedback is not None:
            q2 = np.asarray(query_vector, dtype=np.float32) + prf_weight * feedback
            q2 /= np.linalg.norm(q2) or 1.0
            dense = _fetch(lambda n: vectors.search_vector(model, q2, labels=labels, limit=n), depth, keep)
    return _fuse(dense, lexical, fusion, dense_weight, minmax)


def _text_hash(text: str) -> str:
    """The content hash the stores key cached vectors by (graph/sqlite_store.py and graph/neo4j_store.py)."""
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()


def item_vectors(store: GraphStore, gv: GraphView, model: str, ids: Sequence[str]) -> dict[str, np.ndarray]:
    """Stored vectors of text-bearing nodes (chunks, courses, communities) by node id, in ``ids`` order; items
    without one are left out. A store with a :class:`~graph.store.ReadModel` (the embedded store) is asked by
    node id (``node_vectors``); otherwise the texts are read and their vectors looked up by content hash (the
    protocol's ``cached_vectors``, the slower path). Both give the vectors of the items' current texts."""
    wanted = list(dict.fromkeys(ids))
    model_store = read_model(store)
    if model_store is not None:
        got = model_store.node_vectors(model, wanted)
        return {i: got[i] for i in wanted if i in got}
    texts = {i: n.props.get("text") for i, n in gv.nodes(wanted).items()}
    hashes = {i: _text_hash(t) for i, t in texts.items() if isinstance(t, str) and t}
    vecs = store.cached_vectors(model, list(dict.fromkeys(hashes.values())))
    return {i: vecs[hashes[i]] for i in wanted if i in hashes and hashes[i] in vecs}


def unit_item_vectors(store: GraphStore, gv: GraphView, model: str, ids: Sequence[str]) -> tuple[list[str], np.ndarray]:
    """The items of ``ids`` that have a vector, and their unit-length vectors as the rows of one float32 matrix.
    A store with a :class:`~graph.store.ReadModel` keeps its vectors in memory (``unit_vectors``, the embedded
    store's search matrix) and they are sliced from there: document regularisation asks for a few hundred per
    query, and reading them from the database was most of its cost. Otherwise :func:`item_vectors`, normalised."""
    model_store = read_model(store)
    if model_store is not None:
        found, mat = model_store.unit_vectors(model, ids)
        return list(found), mat
    vecs = item_vectors(store, gv, model, ids)
    found = list(vecs)
    if not found:
        return [], np.zeros((0, 0), dtype=np.float32)
    mat = np.stack([vecs[i] for i in found]).astype(np.float32)
    norms = np.linalg.norm(mat, axis=1, keepdims=True)
    return found, mat / np.where(norms == 0, 1, norms)


def _feedback_vector(store: GraphStore, gv: GraphView, model: str, ids: list[str]) -> np.ndarray | None:
    """Normalised mean vector of the feedback items (see :func:`item_vectors`)."""
    vecs = item_vectors(store, gv, model, ids)
    if not vecs:
        return None
    mean = np.mean(np.stack(list(vecs.values())), axis=0)
    return mean / (np.linalg.norm(mean) or 1.0)


def _fused_scores(
    dense: list[Hit], lexical: list[Hit], fusion: str, dense_weight: float, minmax: bool
) -> dict[str, float]:
    """Item id -> fused score (see :func:`retrieve`), without building result objects: the feedback round only
    needs the best few ids, and this is a per-query cost over ~500 items."""
    lex = {h.id: h.score for h in lexical}
    out: dict[str, float] = {}
    if fusion == "rrf":
        w_d, w_l = (dense_weight, 1 - dense_weight) if dense else (0.0, 1.0)
        best = w_d / (RRF_K + 1) + w_l / (RRF_K + 1)
        lex_rank = {h.id: rank for rank, h in enumerate(lexical)}
        for rank, h in enumerate(dense):
            s = w_d / (RRF_K + 1 + rank)
            lr = lex_rank.get(h.id)
            if lr is not None:
                s += w_l / (RRF_K + 1 + lr)
            out[h.id] = s / best
        for h in lexical:
            if h.id not in out:
                out[h.id] = (0.0 + w_l / (RRF_K + 1 + lex_rank[h.id])) / best
        return out
    top_lex = max(lex.values(), default=0.0)
    lo_d, hi_d = (min(h.score for h in dense), max(h.score for h in dense)) if dense else (0.0, 1.0)
    w_d = dense_weight if dense else 0.0
    w_l = 1 - w_d
    scaled = minmax and hi_d > lo_d  # per-query min-max of each list (Lee 1997): the depth-th item scores 0
    for h in dense:
        d = (h.score - lo_d) / (hi_d - lo_d) if scaled else (0.0 if minmax else max(h.score or 0.0, 0.0))
        lx = (lex.get(h.id) or 0.0) / top_lex if top_lex > 0 else 0.0
        out[h.id] = w_d * d + w_l * lx
    for h in lexical:
        if h.id not in out:
            lx = (h.score or 0.0) / top_lex if top_lex > 0 else 0.0
            out[h.id] = w_d * 0.0 + w_l * lx
    return out


def _fuse(dense: list[Hit], lexical: list[Hit], fusion: str, dense_weight: float, minmax: bool) -> list[Retrieved]:
    """The fused list, best first (ties by id), each item with its per-method scores and ranks."""
    scores = _fused_scores(dense, lexical, fusion, dense_weight, minmax)
    items: dict[str, Retrieved] = {}
    for rank, h in enumerate(dense):
        items[h.id] = Retrieved(h.id, h.label, scores[h.id], dense=h.score, dense_rank=rank)
    for rank, h in enumerate(lexical):
        r = items.get(h.id)
        if r is None:
            r = items[h.id] = Retrieved(h.id, h.label, scores[h.id])
        r.lexical, r.lexical_rank = h.score, rank
    return sorted(items.values(), key=lambda r: (-r.score, r.id))


def _best_ids(scores: dict[str, float], k: int) -> list[tuple[str, float]]:
    """The ``k`` best (id, score) pairs of :func:`_fused_scores`, in :func:`_fuse`'s order."""
    return heapq.nsmallest(k, scores.items(), key=lambda kv: (-kv[1], kv[0]))
