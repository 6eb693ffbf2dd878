"""An in-memory read model of the graph for search, built once per store data version.

Why: ranking reads the neighbourhood of every retrieved document, course and community and of every candidate
person (authors, reviewers, members, completions, a person's documents for normalisation). Through the store
that is several SQL statements per node and dominated query latency at 10k people / 100k chunks (docs/search.md,
"Latency"). The graph changes rarely compared with how often it is searched, so search keeps a read model:
every node except chunks (their texts are large and only a handful are shown per query) with its
relationships, plus chunk -> document. It is built from the protocol's ``iter_nodes`` / ``iter_rels`` (so any
backend can serve it) and cached per store, keyed by the store's ``data_version()``, which only a store with the
:class:`~graph.store.ReadModel` capability offers; any other store gets no cache (each search then reads
through the store: correct, only slower; the Neo4j store is one).

:class:`IndexedGraphView` is a drop-in :class:`~search.retrieval.GraphView` that answers from the read model and
falls back to the store only for chunk nodes (passages, feedback texts), so ranking and evidence code is the
same whichever view serves it.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterable, Sequence
from typing import Any

from graph.schema import Label, RelType
from graph.store import GraphStore, NodeView, StoredNode, StoredRel, read_model
from search.associations import Associations
from search.retrieval import GraphView


class SearchIndex:
    """Immutable snapshot: nodes (no chunks) with their relationships, and chunk -> document id."""

    def __init__(self, version: Any, nodes: dict[str, StoredNode], views: dict[str, NodeView], doc_of: dict[str, str]):
        self.version = version
        self.nodes = nodes
        self.views = views
        self.doc_of = doc_of
        self._associations: Associations | None = None
        self._doc_chunks: dict[str, tuple[str, ...]] | None = None
        self._lock = threading.Lock()

    def associations(self) -> Associations:
        """The person-item association tables of this snapshot (search/associations.py), built on first use:
        array-wise ranking needs them, other readers of the read model (analytics, documents) do not."""
        with self._lock:
            if self._associations is None:
                self._associations = Associations.build(self)
            return self._associations

    def doc_chunks(self) -> dict[str, tuple[str, ...]]:
        """Document id -> its chunk ids (sorted), the inverse of ``doc_of``, built on first use: the calibrated
        expertise score (search/expertise.py) reads every passage of a candidate's documents."""
        with self._lock:
            if self._doc_chunks is None:
                inv: dict[str, list[str]] = {}
                for c, d in self.doc_of.items():
                    inv.setdefault(d, []).append(c)
                self._doc_chunks = {d: tuple(sorted(cs)) for d, cs in inv.items()}
            return self._doc_chunks

    @classmethod
    def build(cls, store: GraphStore, version: Any = None) -> SearchIndex:
        nodes: dict[str, StoredNode] = {}
        for label in Label:
            if label == Label.CHUNK:
                continue
            for n in store.iter_nodes(label.value):
                nodes[n.id] = n
        doc_of: dict[str, str] = {}
        for n in store.iter_nodes(Label.CHUNK.value):
            did = n.props.get("doc_id")
            if did:
                doc_of[n.id] = str(did)
        out: dict[str, list[StoredRel]] = {}
        inc: dict[str, list[StoredRel]] = {}
        for rtype in RelType:
            if rtype == RelType.HAS_CHUNK:  # chunk -> document comes from the chunk's doc_id, as GraphView does
                continue
            for r in store.iter_rels(rtype.value):
                out.setdefault(r.start, []).append(r)
                inc.setdefault(r.end, []).append(r)
        # same order as SQLiteStore.get_node: outgoing by (type, end, id), incoming by (type, start, id)
        views = {
            nid: NodeView(
                node,
                tuple(sorted(out.get(nid, ()), key=lambda r: (r.type, r.end, r.id))),
                tuple(sorted(inc.get(nid, ()), key=lambda r: (r.type, r.start, r.id))),
            )
            for nid, node in nodes.items()
        }
        return cls(version, nodes, views, doc_of)


_CACHE: weakref.WeakKeyDictionary[Any, SearchIndex] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def search_index(store: GraphStore) -> SearchIndex | None:
    """The store's read model, rebuilt when its ``data_version()`` changed; None for a store without the
    :class:`~graph.store.ReadModel` capability."""
    model_store = read_model(store)
    if model_store is None:
        return None
    version_of = model_store.data_version
    version = version_of()
    with _LOCK:
        try:
            idx = _CACHE.get(store)
        except TypeError:  # not weak-referenceable
            return None
        if idx is not None and idx.version == version:
            return idx
        idx = SearchIndex.build(store, version)
        # a write during the build would leave a stale snapshot under the new version: key it by the old one
        if version_of() == version:
            _CACHE[store] = idx
        return idx


class IndexedGraphView(GraphView):
    """A GraphView answered from a :class:`SearchIndex`; chunk nodes are read from the store (memoised)."""

    def __init__(self, store: GraphStore, index: SearchIndex) -> None:
        super().__init__(store)
        self.index = index

    def nodes(self, ids: Iterable[str]) -> dict[str, StoredNode]:
        known = self.index.nodes
        out: dict[str, StoredNode] = {}
        rest: list[str] = []
        for i in ids:  # one pass; the dict keeps first-seen order, as GraphView.nodes does
            n = known.get(i)
            if n is not None:
                out[i] = n
            elif i not in out:
                rest.append(i)
        if not rest:
            return out
        chunks = super().nodes(rest)
        return {i: n for i in dict.fromkeys(ids) if (n := known.get(i) or chunks.get(i)) is not None}

    def view(self, node_id: str) -> NodeView | None:
        v = self.index.views.get(node_id)
        return v if v is not None or node_id in self.index.nodes else super().view(node_id)

    def prefetch(self, node_ids: Iterable[str]) -> None:
        super().prefetch(i for i in node_ids if i not in self.index.nodes)

    def doc_of(self, chunk_ids: Sequence[str]) -> dict[str, str]:
        m = self.index.doc_of
        return {c: d for c in chunk_ids if (d := m.get(c)) is not None}


def graph_view(store: GraphStore) -> GraphView:
    """The fastest correct view for one search: indexed when the store reports a data version."""
    idx = search_index(store)
    return GraphView(store) if idx is None else IndexedGraphView(store, idx)
