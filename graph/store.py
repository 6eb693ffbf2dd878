"""The graph store protocol: the one interface the rest of the product talks to.

It is shaped around what callers need (ingest writes batches with provenance and retracts what a source
record contributed; search asks for lexical and vector hits; analytics iterates nodes and relationships to
build a networkx projection), not around SQL, so the embedded SQLite store and the Neo4j store can both
implement it and pass the same contract suite (``tests/contract``).

Provenance model: every node and relationship carries the set of *sources* (strings such as
``people:/data/users.json#u123``) that asserted it. Upserting adds a source; :meth:`GraphStore.retract_source`
removes one, and a node or relationship with no sources left is deleted (with its relationships, as Cypher's
``DETACH DELETE`` would). Shared nodes such as a Department therefore live as long as any record mentions them.

Ids are deterministic strings chosen by ingest; relationship ids are derived from (type, start, end, key) by
:func:`rel_id`, so asserting the same fact twice never duplicates it.

Capabilities: what not every store can do is a protocol of its own (:class:`FullTextSearch`,
:class:`VectorSearch`, :class:`ReadModel`), and each store says which it offers *now* from ``capabilities()`` (a
Neo4j server without its search indexes offers no search). Callers ask by type, through one accessor per
capability: ``read_model(store)`` is the store typed as a ``ReadModel`` or None (then the caller takes its
documented slower path); ``full_text(store)`` and ``vector_search(store)`` are the store typed as that
capability or a :class:`CapabilityError` that says what to fix. Nothing probes a store with ``getattr``.
(One accessor per capability rather than one generic ``capability(store, Kind)``: mypy does not let a
protocol class be passed where ``type[T]`` is expected.)
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import numpy as np

from whoknows.errors import StoreError

# Node, Rel and Facts are built by the hundred thousand per ingest: plain slotted dataclasses (a frozen one costs
# 3-4x more to build). Treat them as immutable all the same.


def rel_id(rel_type: str, start: str, end: str, key: str = "") -> str:
    """Deterministic relationship id: the same fact always gets the same id."""
    digest = hashlib.blake2b(f"{rel_type}\x1f{start}\x1f{end}\x1f{key}".encode(), digest_size=12)
    return f"r:{digest.hexdigest()}"


def rel_id_and_key(rel_type: str, start: str, end: str, key: str = "") -> tuple[str, int]:
    """:func:`rel_id` and its first 64 bits as a signed integer (a backend's row key), from one hash."""
    digest = hashlib.blake2b(f"{rel_type}\x1f{start}\x1f{end}\x1f{key}".encode(), digest_size=12).digest()
    return "r:" + digest.hex(), int.from_bytes(digest[:8], "big", signed=True)


@dataclass(slots=True)
class Node:
    """A node to write: ``id`` is deterministic, ``label`` from :mod:`graph.schema`, ``props`` JSON-able."""

    id: str
    label: str
    props: Mapping[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class Rel:
    """A relationship to write. ``key`` tells apart parallel facts (e.g. two completions of one course)."""

    type: str
    start: str
    end: str
    props: Mapping[str, Any] = field(default_factory=dict)
    key: str = ""

    @property
    def id(self) -> str:
        return rel_id(self.type, self.start, self.end, self.key)


@dataclass(slots=True)
class Facts:
    """What one source record asserts: its nodes and relationships, written together by :meth:`GraphStore.write`.

    Batching many records' facts into one call is what makes ingest fast: the backend issues a handful of
    batched statements instead of a few per record.
    """

    source: str
    nodes: Sequence[Node] = ()
    rels: Sequence[Rel] = ()


@dataclass(frozen=True, slots=True)
class StoredNode:
    """A node as read back, with its sources."""

    id: str
    label: str
    props: dict[str, Any]
    sources: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class StoredRel:
    """A relationship as read back, with its sources."""

    id: str
    type: str
    start: str
    end: str
    props: dict[str, Any]
    sources: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class NodeView:
    """A node with all its relationships: what a profile page or an evidence trail needs in one read."""

    node: StoredNode
    outgoing: tuple[StoredRel, ...]
    incoming: tuple[StoredRel, ...]


@dataclass(frozen=True, slots=True)
class Hit:
    """A search hit: a text-bearing node and its score (higher is better; scales differ per method)."""

    id: str
    label: str
    score: float


@dataclass(frozen=True, slots=True)
class PendingRel:
    """A relationship whose person end did not resolve yet; kept until the directory catches up.

    ``ref`` is the unresolved reference (``email:alice@x.org``, ``employee_number:42``, ...); ``side`` says
    which end of ``rel`` it replaces (``start`` or ``end``); ``source`` is the record that asserted it.
    """

    source: str
    side: str
    ref: str
    rel: Rel

    @property
    def id(self) -> str:
        return rel_id("PENDING", self.source, self.ref, self.rel.id)


@dataclass(frozen=True, slots=True)
class TextToEmbed:
    """A text-bearing node whose current text has no vector for the active model yet."""

    id: str
    label: str
    text: str
    text_hash: str


@dataclass(frozen=True, slots=True)
class RetractStats:
    nodes_deleted: int = 0
    rels_deleted: int = 0
    pending_deleted: int = 0


@runtime_checkable
class GraphStore(Protocol):
    """What every backend implements. All writes happen inside :meth:`transaction`."""

    url: str

    # -- lifecycle -------------------------------------------------------------------------------
    def setup_schema(self) -> None:
        """Create tables/constraints/indexes if missing. Idempotent."""

    def close(self) -> None: ...

    def transaction(self) -> AbstractContextManager[None]:
        """Group writes atomically: all land or none do. Nested use joins the outer transaction."""

    # -- writes ----------------------------------------------------------------------------------
    def upsert_nodes(self, nodes: Iterable[Node], *, source: str) -> int:
        """Create or update nodes (props are replaced), adding ``source`` to their sources."""

    def upsert_rels(self, rels: Iterable[Rel], *, source: str) -> int:
        """Create or update relationships; both ends must exist (else :class:`StoreError`)."""

    def write(self, facts: Sequence[Facts]) -> tuple[int, int]:
        """Upsert the nodes and relationships of many sources at once (all nodes before any relationship).

        Returns (nodes written, relationships written). Relationship ends must exist after the nodes are in.
        """

    def prepare_write(self, facts: Sequence[Facts], ledger: tuple[str, Mapping[str, str]] | None = None) -> Any:
        """The part of :meth:`write` that needs no database (validation, merging, encoding parameters).

        Why it is separate: ingest runs it on its parsing thread and hands the result to
        :meth:`write_prepared` on its commit thread, so consecutive batches overlap. The result is opaque and
        only valid for the store that made it. ``ledger`` (feed, {source: content hash}) is recorded as by
        :meth:`record_ledger`, first, in the same write: its encoding then also happens off the commit thread.
        """

    def write_prepared(self, prepared: Any) -> tuple[int, int]:
        """Run a write made by :meth:`prepare_write`; ``write(f)`` is ``write_prepared(prepare_write(f))``."""

    def retract_source(self, source: str) -> RetractStats:
        """Remove ``source`` from everything it asserted; delete what no source holds any more."""

    def retract_sources(self, sources: Sequence[str]) -> RetractStats:
        """:meth:`retract_source` for many sources in one pass (feed sweeps, edits of many records)."""

    def add_pending(self, pending: Iterable[PendingRel]) -> int: ...

    def pending(self) -> list[PendingRel]: ...

    def delete_pending(self, ids: Iterable[str]) -> int: ...

    # -- source ledger: what each ingested record looked like last time ----------------------------
    def ledger(self, feed: str) -> dict[str, str]:
        """``{source: content_hash}`` of the records last ingested from ``feed``."""

    def ledger_lookup(self, sources: Sequence[str]) -> dict[str, str]:
        """``{source: content_hash}`` for those of ``sources`` that any feed recorded."""

    def record_ledger(self, feed: str, entries: Mapping[str, str]) -> None: ...

    def forget_ledger(self, sources: Iterable[str]) -> None: ...

    def feed_state(self, feed: str) -> str | None:
        """The file-level hash recorded for ``feed`` by the last complete ingest, if any."""

    def set_feed_state(self, feed: str, file_hash: str) -> None: ...

    # -- reads -----------------------------------------------------------------------------------
    def get_node(self, node_id: str) -> NodeView | None: ...

    def get_nodes(self, node_ids: Sequence[str]) -> dict[str, StoredNode]: ...

    def iter_nodes(self, label: str | None = None) -> Iterator[StoredNode]: ...

    def iter_rels(self, rel_type: str | None = None) -> Iterator[StoredRel]: ...

    def counts(self) -> dict[str, int]:
        """Node counts per label and relationship counts per type (zeros included), plus ``pending``."""

    def content_hash(self) -> str:
        """A digest of every node, relationship, source and pending relationship: equal digests, equal graphs."""

    # -- vectors (stored by every backend; searched only by a VectorSearch) ------------------------
    def texts_to_embed(self, model: str, *, labels: Sequence[str] | None = None) -> Iterator[TextToEmbed]:
        """Text-bearing nodes with no vector for ``model`` and their current text (cached vectors reused)."""

    def cached_vectors(self, model: str, text_hashes: Sequence[str]) -> dict[str, np.ndarray]: ...

    def set_vectors(self, model: str, items: Iterable[tuple[str, str, np.ndarray]]) -> int:
        """Store ``(node_id, text_hash, vector)`` triples for ``model``; vectors are cached by text hash."""

    # -- runs ------------------------------------------------------------------------------------
    def record_run(self, run: Mapping[str, Any]) -> None:
        """Keep an ingest report (a JSON-able mapping with at least ``run_id`` and ``started``)."""

    def runs(self, limit: int = 20) -> list[dict[str, Any]]:
        """Most recent ingest reports first."""

    # -- capabilities ----------------------------------------------------------------------------
    def capabilities(self) -> frozenset[type]:
        """The capability protocols (:class:`FullTextSearch`, :class:`VectorSearch`, :class:`ReadModel`) this
        store offers now. A server-backed store may ask its server (once; cached until its schema changes).

        A method, not a property: ``isinstance(store, GraphStore)`` reads every member of the protocol, and a
        property that asks the server would connect."""

    def missing_capability(self, kind: type) -> str:
        """Why ``kind`` is not in :meth:`capabilities`, in words that say what to fix (for error messages)."""


@runtime_checkable
class FullTextSearch(Protocol):
    """Lexical search. Embedded store: SQLite FTS5 (porter). Neo4j: the full-text index ``wk_text``."""

    url: str

    def search_text(self, query: str, *, labels: Sequence[str] | None = None, limit: int = 50) -> list[Hit]:
        """BM25 lexical search over the ``text`` of text-bearing nodes (:data:`graph.schema.TEXT_LABELS`)."""


@runtime_checkable
class VectorSearch(Protocol):
    """Nearest-neighbour search over stored vectors. Embedded store: exact (numpy). Neo4j: the vector indexes
    ``wk_vector_<label>`` (HNSW, approximate). Scores are cosine similarities on both."""

    url: str

    def search_vector(
        self, model: str, vector: np.ndarray, *, labels: Sequence[str] | None = None, limit: int = 50
    ) -> list[Hit]:
        """Cosine nearest neighbours of ``vector`` among nodes embedded with ``model``."""


@runtime_checkable
class ReadModel(Protocol):
    """A store that can say cheaply when its data changed and serve stored vectors from memory.

    Search keys its in-memory read model (search/index.py) by ``data_version()`` and takes feedback and
    regularisation vectors from ``node_vectors`` / ``unit_vectors``. Without it, search reads through the
    store on every query (correct; a round trip per neighbourhood) and finds vectors by text hash
    (``cached_vectors``). The embedded store has it; the Neo4j store does not (a server cannot tell a client
    cheaply that nothing changed).
    """

    url: str

    def data_version(self) -> Any:
        """A token that changes whenever the data may have changed (compared with ``==``)."""

    def node_vectors(self, model: str, node_ids: Sequence[str]) -> dict[str, np.ndarray]:
        """The stored ``model`` vectors of these nodes' current texts, by node id (stale ones left out)."""

    def unit_vectors(self, model: str, node_ids: Sequence[str]) -> tuple[list[str], np.ndarray]:
        """Those of ``node_ids`` with a current ``model`` vector, and those vectors at unit length (one row each)."""


CAPABILITIES: tuple[type, ...] = (FullTextSearch, VectorSearch, ReadModel)


class CapabilityError(StoreError):
    """The store cannot do what was asked: it lacks a capability (full-text or vector search, ...)."""


def _missing(store: GraphStore, kind: type) -> CapabilityError:
    return CapabilityError(
        f"the store at {store.url} offers no {kind.__name__}: {store.missing_capability(kind)}; "
        f"'whoknows doctor --store {store.url}' checks the store and says what to fix"
    )


def read_model(store: GraphStore) -> ReadModel | None:
    """``store`` as a :class:`ReadModel` if it offers one now, else None (the caller reads through the store)."""
    return store if ReadModel in store.capabilities() and isinstance(store, ReadModel) else None


def full_text(store: GraphStore) -> FullTextSearch:
    """``store`` as a :class:`FullTextSearch`, or :class:`CapabilityError` naming what is missing and the fix."""
    if FullTextSearch in store.capabilities() and isinstance(store, FullTextSearch):
        return store
    raise _missing(store, FullTextSearch)


def vector_search(store: GraphStore) -> VectorSearch:
    """``store`` as a :class:`VectorSearch`, or :class:`CapabilityError` naming what is missing and the fix."""
    if VectorSearch in store.capabilities() and isinstance(store, VectorSearch):
        return store
    raise _missing(store, VectorSearch)
