"""The embedded default store: one SQLite file in WAL mode, zero setup.

Why SQLite: it ships with Python, is ACID, and in WAL mode one writer and many readers in other processes
work at the same time (the app reads while an ingest writes). FTS5 gives BM25 lexical search; embeddings are
float32 blobs searched exactly with numpy (a 100k x 384 matrix product is a few milliseconds), which also
means recall is exact. See docs/store.md for the measurements and the alternatives we rejected.

Layout: ``nodes`` and ``rels`` hold JSON props; ``node_sources`` / ``rel_sources`` hold provenance (one row per
source that asserted a fact, sources interned as integers in ``sources``, which also keeps the ingest ledger)
so retraction is reference counting. A source's integer id and a relationship's row id are 64-bit hashes of
their string ids (:func:`key64`), so provenance rows are written without looking anything up. ``text_fts``
indexes the ``text`` prop of text-bearing nodes; ``vectors`` holds each node's vector per model and
``vector_cache`` vectors by text hash, so an unchanged text is never embedded twice.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path
from typing import Any

import numpy as np
import orjson

from graph.schema import TEXT_LABELS, Label, RelType, check_label, check_rel_type, check_text_labels
from graph.sqlite_search import FtsTokenizer, Int8Scan, TextIndex, exact_scores, query_words
from graph.store import (
    CAPABILITIES,
    Facts,
    Hit,
    Node,
    NodeView,
    PendingRel,
    Rel,
    RetractStats,
    StoredNode,
    StoredRel,
    TextToEmbed,
    rel_id_and_key,
)
from whoknows.errors import StoreError, StoreUnavailableError

SCHEMA_VERSION = 4
UPGRADABLE_VERSIONS = frozenset({3})  # opened by this release, these are upgraded in place
_BATCH = 500  # max host parameters per IN (...) list; SQLite's default limit is 32766, keep statements small
_TEXT_LABEL_VALUES = frozenset(label.value for label in TEXT_LABELS)
_LABEL_VALUES = frozenset(label.value for label in Label)
_TYPE_VALUES = frozenset(t.value for t in RelType)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS nodes (
    rid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    label TEXT NOT NULL,
    props TEXT NOT NULL,
    text_hash TEXT
);
CREATE INDEX IF NOT EXISTS nodes_label ON nodes(label);
CREATE TABLE IF NOT EXISTS sources (
    rid INTEGER PRIMARY KEY, sid INTEGER NOT NULL UNIQUE, name TEXT NOT NULL, feed TEXT, hash TEXT
);
CREATE TABLE IF NOT EXISTS node_sources (
    sid INTEGER NOT NULL, node_id TEXT NOT NULL, PRIMARY KEY (sid, node_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS node_sources_node ON node_sources(node_id);
CREATE TABLE IF NOT EXISTS rels (
    rid INTEGER PRIMARY KEY,
    key INTEGER NOT NULL UNIQUE,
    id TEXT NOT NULL,
    type TEXT NOT NULL,
    start TEXT NOT NULL,
    end TEXT NOT NULL,
    props TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS rels_start ON rels(start, type);
CREATE INDEX IF NOT EXISTS rels_end ON rels(end, type);
CREATE INDEX IF NOT EXISTS rels_type ON rels(type);
CREATE TABLE IF NOT EXISTS rel_sources (
    sid INTEGER NOT NULL, rel_key INTEGER NOT NULL, PRIMARY KEY (sid, rel_key)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS rel_sources_rel ON rel_sources(rel_key);
CREATE TABLE IF NOT EXISTS pending (
    id TEXT PRIMARY KEY, source TEXT NOT NULL, side TEXT NOT NULL, ref TEXT NOT NULL, rel TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS pending_source ON pending(source);
CREATE TABLE IF NOT EXISTS feeds (feed TEXT PRIMARY KEY, file_hash TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS vectors (
    model TEXT NOT NULL, node_id TEXT NOT NULL, text_hash TEXT NOT NULL, vec BLOB NOT NULL,
    PRIMARY KEY (model, node_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS vector_cache (
    model TEXT NOT NULL, text_hash TEXT NOT NULL, vec BLOB NOT NULL, PRIMARY KEY (model, text_hash)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS runs (run_id TEXT PRIMARY KEY, started TEXT NOT NULL, report TEXT NOT NULL);
CREATE VIRTUAL TABLE IF NOT EXISTS text_fts USING fts5(text, tokenize='porter unicode61 remove_diacritics 2');
"""


def text_hash(text: str) -> str:
    """Content hash of a text: the key under which its vector is cached."""
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()


def _version_of(conn: sqlite3.Connection) -> int | None:
    """The schema version a store file was written with; None for a file without the meta table (new)."""
    if not conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='meta'").fetchone():
        return None
    row = conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
    return int(row[0]) if row else None


def key64(name: str) -> int:
    """A string id's 64-bit row key (signed, as SQLite stores integers).

    Why hashes instead of looked-up row ids: an ingest writes hundreds of thousands of provenance rows; when
    the writer can compute each source's and relationship's row id itself, those rows go in without a lookup
    in a large random-key index per row, and the tables need no second unique index on the string. Two ids
    collide with probability about n^2 / 2^65 (3e-8 for a million sources).
    """
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "big", signed=True)


def rel_key(rel_id_: str) -> int:
    """The row key of a relationship id: its digest's first 64 bits (``rel_id`` already hashed it)."""
    if rel_id_.startswith("r:") and len(rel_id_) >= 18:
        try:
            v = int(rel_id_[2:18], 16)
        except ValueError:
            return key64(rel_id_)
        return v - ((v >> 63) << 64)
    return key64(rel_id_)


def _chunks(seq: Sequence[Any], size: int = _BATCH) -> Iterator[Sequence[Any]]:
    for i in range(0, len(seq), size):
        yield seq[i : i + size]


def _dumps(props: Mapping[str, Any]) -> str:
    return orjson.dumps(props, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS, default=str).decode()


_loads = orjson.loads


def _dumps_rows(rows: Any) -> str:
    """A batch of rows as one JSON array, the single parameter of a set-based statement (see ``write``)."""
    return orjson.dumps(rows, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS, default=str).decode()


# Set-based write statements: ?1 is a JSON array of rows (see SQLiteStore.write). Node rows are
# [id, label, props, text_hash]; relationship rows [key, id, type, start, end, props]; provenance rows [sid, key].
_MISSING_NODES = "SELECT value FROM json_each(?1) WHERE NOT EXISTS (SELECT 1 FROM nodes WHERE nodes.id = value)"
_NEW_SOURCES = "INSERT OR IGNORE INTO sources(sid, name) SELECT value->>0, value->>1 FROM json_each(?1)"
_UPDATE_NODES = """
UPDATE nodes SET label = j.value->>1, props = json_patch(nodes.props, j.value->'$[2]'),
    text_hash = coalesce(j.value->>3, nodes.text_hash)
FROM json_each(?1) AS j WHERE nodes.id = j.value->>0
"""
_INSERT_NODES = """
INSERT OR IGNORE INTO nodes(id, label, props, text_hash)
SELECT value->>0, value->>1, json_patch('{}', value->'$[2]'), value->>3 FROM json_each(?1)
"""
_NODE_SOURCES = "INSERT OR IGNORE INTO node_sources(sid, node_id) SELECT value->>0, value->>1 FROM json_each(?1)"
_UPDATE_RELS = """
UPDATE rels SET props = json_patch(rels.props, j.value->'$[5]') FROM json_each(?1) AS j WHERE rels.key = j.value->>0
"""
_INSERT_RELS = """
INSERT OR IGNORE INTO rels(key, id, type, start, "end", props)
SELECT value->>0, value->>1, value->>2, value->>3, value->>4, json_patch('{}', value->'$[5]') FROM json_each(?1)
"""
_UPSERT_RELS = """
INSERT INTO rels(key, id, type, start, "end", props)
SELECT value->>0, value->>1, value->>2, value->>3, value->>4, value->>5 FROM json_each(?1) WHERE true
ON CONFLICT(key) DO UPDATE SET props = json_patch(rels.props, excluded.props)
"""
_REL_SOURCES = "INSERT OR IGNORE INTO rel_sources(sid, rel_key) SELECT value->>0, value->>1 FROM json_each(?1)"
_RECORD_LEDGER = """
INSERT INTO sources(sid, name, feed, hash) SELECT value->>0, value->>1, ?2, value->>2 FROM json_each(?1) WHERE true
ON CONFLICT(sid) DO UPDATE SET feed = excluded.feed, hash = excluded.hash
"""


def fts_query(query: str) -> str | None:
    """Turn free text into an FTS5 query: every word quoted (no operator injection), OR-ed for BM25."""
    words = query_words(query)
    return " OR ".join(f'"{w}"' for w in words) if words else None


@dataclass(slots=True)
class _PreparedWrite:
    """A write with its rows encoded (see SQLiteStore.prepare_write); None where a table gets no rows."""

    nodes: int
    rels: int
    ends_json: str | None  # relationship ends that are not among the batch's nodes: they must exist already
    sources: list[tuple[str, int]]
    nodes_json: str | None
    node_srcs_json: str | None
    texts: dict[str, tuple[str, str]]  # node id -> (text, text hash) for text-bearing nodes
    rels_plain_json: str | None  # relationships whose props hold no null: one upsert
    rels_nulls_json: str | None
    rel_srcs_json: str | None
    ledger: tuple[str, str, list[int]] | None = None  # (feed, rows as JSON, their source keys): see record_ledger


class _VectorIndex:
    """An in-memory matrix of one model's vectors, rebuilt when the database changes; its int8 first pass
    (graph/sqlite_search.py) is built on first use when there are enough rows for it to pay."""

    def __init__(self, version: tuple[int, int], ids: list[str], labels: np.ndarray, matrix: np.ndarray):
        self.version = version
        self.ids = ids
        self.labels = labels
        self.matrix = matrix
        self.masks: dict[tuple[str, ...], np.ndarray] = {}  # label set -> row mask, computed once per build
        self.scan: Int8Scan | None = None
        self.scan_checked = False  # built (or found unusable) once per version
        self._rows: dict[str, int] | None = None

    def rows(self) -> dict[str, int]:
        """Node id -> row of ``matrix``, built on first use."""
        if self._rows is None:
            self._rows = {nid: i for i, nid in enumerate(self.ids)}
        return self._rows

    def mask(self, label_values: Sequence[str]) -> np.ndarray:
        key = tuple(sorted(label_values))
        m = self.masks.get(key)
        if m is None:
            m = self.masks[key] = np.isin(self.labels, key)
        return m


class SQLiteStore:
    """The embedded graph store. Cheap to construct: the file is opened on first use.

    One instance is safe to share between threads (a lock serialises access to its connection); other
    processes open their own instance on the same file and read while this one writes (WAL).

    Search answers from in-memory read models of the FTS5 index and the vectors (graph/sqlite_search.py),
    rebuilt per data version; ``reference_search = True`` makes it run FTS5's SQL and a full float32 scan
    instead, the reference the fast paths are tested and benchmarked against (same results).
    """

    reference_search: bool = False
    int8_min_rows: int = Int8Scan.MIN_ROWS

    def __init__(self, path: str | Path, *, read_only: bool = False, timeout_s: float = 30.0) -> None:
        self.path = Path(path)
        self.url = str(self.path)
        self.read_only = read_only
        self.timeout_s = timeout_s
        self._conn: sqlite3.Connection | None = None
        self._lock = threading.RLock()
        self._tx_depth = 0
        self._local_writes = 0
        self._vindex: dict[str, _VectorIndex] = {}
        self._tx_sources: set[int] = set()  # sources the ledger wrote in this transaction: write() skips them
        self._tindex: TextIndex | None = None
        self._tokenizer: FtsTokenizer | None = None

    # -- lifecycle ---------------------------------------------------------------------------------
    @property
    def conn(self) -> sqlite3.Connection:
        if self._conn is None:
            self._conn = self._connect()
        return self._conn

    def _connect(self) -> sqlite3.Connection:
        if self.read_only:
            if not self.path.exists():
                raise StoreUnavailableError(
                    f"store file {self.path} does not exist; create it with 'whoknows ingest' or 'whoknows demo'"
                )
            uri = f"file:{self.path.resolve()}?mode=ro"
            conn = sqlite3.connect(uri, uri=True, timeout=self.timeout_s, check_same_thread=False)
        else:
            if not self.path.parent.exists():
                raise StoreUnavailableError(
                    f"folder {self.path.parent} for store file {self.path.name} does not exist; create it first"
                )
            try:
                conn = sqlite3.connect(self.path, timeout=self.timeout_s, check_same_thread=False)
            except sqlite3.Error as exc:  # pragma: no cover - depends on the file system
                raise StoreUnavailableError(f"cannot open store file {self.path}: {exc}") from exc
        conn.isolation_level = None  # we issue BEGIN/COMMIT ourselves
        try:
            if not self.read_only:
                conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute(f"PRAGMA busy_timeout={int(self.timeout_s * 1000)}")
            conn.execute("PRAGMA temp_store=MEMORY")
            conn.execute("PRAGMA cache_size=-524288")  # 512 MiB: random-key B-trees stay in memory while ingesting
            if not self.read_only:
                # checkpoint every 128 MiB of WAL instead of SQLite's 4 MiB: an ingest's random-key indexes dirty
                # the same pages batch after batch, and each checkpoint copies (and fsyncs) them all again;
                # the file is cut back to 64 MiB after a checkpoint
                conn.execute("PRAGMA wal_autocheckpoint=32768")
                conn.execute("PRAGMA journal_size_limit=67108864")
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise StoreUnavailableError(f"{self.path} is not a WhoKnows store (SQLite said: {exc})") from exc
        if self.read_only:
            conn = self._read_only_current(conn)
        return conn

    def _read_only_current(self, conn: sqlite3.Connection) -> sqlite3.Connection:
        """A reader (the app) opening a store written by an older release: upgrade it in place first, with a
        short-lived writable connection (the upgrade is atomic and keeps everything; see setup_schema), then
        read. A store this release cannot read is refused with what to do."""
        version = _version_of(conn)
        if version is None or version == SCHEMA_VERSION:
            return conn
        conn.close()
        if version in UPGRADABLE_VERSIONS:
            try:
                with SQLiteStore(self.path, timeout_s=self.timeout_s) as writer:
                    writer.setup_schema()
            except (sqlite3.Error, StoreUnavailableError) as exc:
                raise StoreError(
                    f"store {self.path} has schema version {version} and must be upgraded to {SCHEMA_VERSION} "
                    f"before it can be read, but it could not be opened for writing ({exc}); run "
                    f"'whoknows status --store {self.path}' as a user who may write the file"
                ) from exc
            return self._connect()
        raise self._unreadable(version)

    def setup_schema(self) -> None:
        with self._lock:
            if self.read_only:
                raise StoreError("cannot set up the schema on a read-only store")
            version = _version_of(self.conn)
            if version in UPGRADABLE_VERSIONS:
                self._migrate_from_v3()
                version = SCHEMA_VERSION
            if version is not None and version != SCHEMA_VERSION:
                raise self._unreadable(version)
            self.conn.executescript(_SCHEMA)
            if version is None:
                self.conn.execute("INSERT INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))

    def _unreadable(self, version: int) -> StoreError:
        """The one refusal for a store this release can neither read nor upgrade (readers and writers alike)."""
        return StoreError(
            f"store {self.path} has schema version {version}; this WhoKnows reads version {SCHEMA_VERSION} "
            f"(and upgrades {', '.join(map(str, sorted(UPGRADABLE_VERSIONS)))}); ingest your sources into a new "
            "store file"
        )

    def _migrate_from_v3(self) -> None:
        """Upgrade a version-3 store in place, in one transaction: sources and relationships get their 64-bit
        keys (:func:`key64`, :func:`rel_key`) and provenance rows are rewritten to use them. Nothing is lost:
        every node, relationship, source, ledger entry and provenance row is carried over."""
        c = self.conn
        c.create_function("key64", 1, key64, deterministic=True)
        c.create_function("rel_key", 1, rel_key, deterministic=True)
        c.execute("BEGIN IMMEDIATE")
        try:
            for index in ("node_sources_node", "rels_start", "rels_end", "rels_type", "rel_sources_rel"):
                c.execute(f"DROP INDEX IF EXISTS {index}")
            for table in ("sources", "node_sources", "rels", "rel_sources"):
                c.execute(f"ALTER TABLE {table} RENAME TO {table}_v3")
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    c.execute(statement)
            c.execute(
                "INSERT INTO sources(sid, name, feed, hash) SELECT key64(name), name, feed, hash FROM sources_v3 "
                "ORDER BY sid"
            )
            c.execute(
                "INSERT OR IGNORE INTO node_sources(sid, node_id) "
                "SELECT key64(s.name), ns.node_id FROM node_sources_v3 ns JOIN sources_v3 s ON s.sid = ns.sid"
            )
            c.execute(
                'INSERT INTO rels(rid, key, id, type, start, "end", props) '
                'SELECT rid, rel_key(id), id, type, start, "end", props FROM rels_v3 ORDER BY rid'
            )
            c.execute(
                "INSERT OR IGNORE INTO rel_sources(sid, rel_key) SELECT key64(s.name), rel_key(r.id) "
                "FROM rel_sources_v3 rs JOIN sources_v3 s ON s.sid = rs.sid JOIN rels_v3 r ON r.rid = rs.rel_rid"
            )
            for table in ("sources", "node_sources", "rels", "rel_sources"):
                c.execute(f"DROP TABLE {table}_v3")
            c.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION),))
        except BaseException:
            c.execute("ROLLBACK")
            raise
        c.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
            if self._tokenizer is not None:
                self._tokenizer.close()
                self._tokenizer = None

    def __enter__(self) -> SQLiteStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One atomic write transaction (``BEGIN IMMEDIATE``: the write lock is taken up front, so two
        writers queue instead of deadlocking). Nested calls join the outer transaction."""
        with self._lock:
            if self._tx_depth:
                self._tx_depth += 1
                try:
                    yield
                finally:
                    self._tx_depth -= 1
                return
            if self.read_only:
                raise StoreError("this store was opened read-only")
            try:
                self.conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                raise StoreError(f"cannot start a write transaction on {self.path}: {exc}") from exc
            self._tx_depth = 1
            self._tx_sources.clear()
            try:
                yield
            except BaseException:
                self._tx_depth = 0
                self._tx_sources.clear()
                self.conn.execute("ROLLBACK")
                self._local_writes += 1
                raise
            else:
                self._tx_depth = 0
                self._tx_sources.clear()
                self.conn.execute("COMMIT")
                self._local_writes += 1

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self.transaction():
            yield self.conn

    # -- writes ------------------------------------------------------------------------------------
    def upsert_nodes(self, nodes: Iterable[Node], *, source: str) -> int:
        return self.write([Facts(source, nodes=list(nodes))])[0]

    def upsert_rels(self, rels: Iterable[Rel], *, source: str) -> int:
        return self.write([Facts(source, rels=list(rels))])[1]

    def write(self, facts: Sequence[Facts]) -> tuple[int, int]:
        return self.write_prepared(self.prepare_write(facts))

    def prepare_write(
        self, facts: Sequence[Facts], ledger: tuple[str, Mapping[str, str]] | None = None
    ) -> _PreparedWrite:
        """Everything of a write that needs no database: validate labels and types, merge repeated nodes and
        relationships, compute keys, and encode each table's rows as one JSON array.

        Why split from :meth:`write_prepared`: the ingest runs this Python half on its parsing thread and the
        SQL half on its commit thread, so the two halves of consecutive batches overlap (ingest.committer).
        """
        node_rows: dict[str, list[Any]] = {}
        node_srcs: list[tuple[int, str]] = []
        texts: dict[str, tuple[str, str]] = {}
        rel_rows: dict[int, tuple[int, str, str, str, str, Mapping[str, Any]]] = {}
        rel_srcs: list[tuple[int, int]] = []
        ends: set[str] = set()
        sources: dict[str, int] = {}
        for fact in facts:
            src = fact.source
            sid = sources.get(src)
            if sid is None:
                sid = sources[src] = key64(src)
            for node in fact.nodes:
                nid = node.id
                node_srcs.append((sid, nid))
                label = node.label if node.label in _LABEL_VALUES else check_label(node.label).value
                prev = node_rows.get(nid)
                if prev is None:
                    prev = node_rows[nid] = [nid, label, dict(node.props), None]
                else:
                    prev[1] = label
                    if node.props:
                        prev[2].update(node.props)
                if label in _TEXT_LABEL_VALUES:
                    text = node.props.get("text")
                    if isinstance(text, str) and text:
                        prev[3] = th = text_hash(text)
                        texts[nid] = (text, th)
            for rel in fact.rels:
                rtype = rel.type if rel.type in _TYPE_VALUES else check_rel_type(rel.type).value
                rid, rk = rel_id_and_key(rtype, rel.start, rel.end, rel.key)
                prev_rel = rel_rows.get(rk)
                props = rel.props if prev_rel is None else {**prev_rel[5], **rel.props}
                rel_rows[rk] = (rk, rid, rtype, rel.start, rel.end, props)
                rel_srcs.append((sid, rk))
                ends.add(rel.start)
                ends.add(rel.end)
        ends.difference_update(node_rows)
        # a relationship whose props hold no null is written by one upsert; a null must delete the key from a
        # stored relationship, which needs the raw patch, so those few go through update-then-insert
        plain: list[tuple[int, str, str, str, str, Mapping[str, Any]]] = []
        with_nulls: list[tuple[int, str, str, str, str, Mapping[str, Any]]] = []
        for row in rel_rows.values():
            (with_nulls if None in row[5].values() else plain).append(row)
        plain.sort(key=itemgetter(0))
        with_nulls.sort(key=itemgetter(0))
        node_srcs.sort()
        rel_srcs.sort()
        ledger_rows = None
        if ledger is not None and ledger[1]:
            feed, entries = ledger
            rows = sorted((sources.get(src) or key64(src), src, h) for src, h in entries.items())
            ledger_rows = (feed, _dumps_rows(rows), [r[0] for r in rows])
        return _PreparedWrite(
            ledger=ledger_rows,
            nodes=len(node_rows),
            rels=len(rel_rows),
            ends_json=_dumps_rows(list(ends)) if ends else None,
            sources=list(sources.items()),
            nodes_json=_dumps_rows(list(node_rows.values())) if node_rows else None,
            node_srcs_json=_dumps_rows(node_srcs) if node_srcs else None,
            texts=texts,
            rels_plain_json=_dumps_rows(plain) if plain else None,
            rels_nulls_json=_dumps_rows(with_nulls) if with_nulls else None,
            rel_srcs_json=_dumps_rows(rel_srcs) if rel_srcs else None,
        )

    def write_prepared(self, prepared: _PreparedWrite) -> tuple[int, int]:
        """Run a prepared write: a handful of set-based statements, one per table.

        Why set-based: each statement's rows arrive as one JSON array (``json_each``), so the per-row work
        (B-tree inserts) runs inside SQLite's C code, not a Python loop, and provenance rows carry precomputed
        keys (:func:`key64`). While a statement runs SQLite releases the GIL, so the ingest's parsing thread
        keeps working meanwhile.
        """
        p = prepared
        if not p.nodes and not p.rels and p.ledger is None:
            return (0, 0)
        with self._write() as c:
            if p.ledger is not None:  # first: the facts' sources then exist with their hashes
                c.execute(_RECORD_LEDGER, (p.ledger[1], p.ledger[0]))
                self._tx_sources.update(p.ledger[2])
            if p.ends_json is not None:
                missing = [r[0] for r in c.execute(_MISSING_NODES, (p.ends_json,))]
                if missing:
                    shown = ", ".join(sorted(missing)[:5])
                    raise StoreError(
                        f"cannot add relationships: {len(missing)} end node(s) do not exist ({shown}); "
                        "upsert nodes before the relationships that connect them"
                    )
            new_sources = [(sid, name) for name, sid in p.sources if sid not in self._tx_sources]
            if new_sources:
                c.execute(_NEW_SOURCES, (_dumps_rows(new_sources),))
            if p.nodes_json is not None:
                old: dict[str, tuple[int, str | None]] = {}
                if p.texts:
                    for part in _chunks(list(p.texts)):
                        q = f"SELECT id, rid, text_hash FROM nodes WHERE id IN ({','.join('?' * len(part))})"
                        old.update({r[0]: (r[1], r[2]) for r in c.execute(q, part)})
                # existing nodes merge the patch (a null deletes a key); new ones keep no nulls (Neo4j has none)
                c.execute(_UPDATE_NODES, (p.nodes_json,))
                c.execute(_INSERT_NODES, (p.nodes_json,))
                c.execute(_NODE_SOURCES, (p.node_srcs_json,))
                changed = [(nid, t) for nid, t in p.texts.items() if old.get(nid, (None, None))[1] != t[1]]
                stale = [(old[nid][0],) for nid, _ in changed if nid in old]
                if stale:
                    c.executemany("DELETE FROM text_fts WHERE rowid = ?", stale)
                if changed:
                    c.executemany(
                        "INSERT INTO text_fts(rowid, text) SELECT rid, ? FROM nodes WHERE id = ?",
                        [(t[0], nid) for nid, t in changed],
                    )
            if p.rels_plain_json is not None:
                c.execute(_UPSERT_RELS, (p.rels_plain_json,))
            if p.rels_nulls_json is not None:
                c.execute(_UPDATE_RELS, (p.rels_nulls_json,))
                c.execute(_INSERT_RELS, (p.rels_nulls_json,))
            if p.rel_srcs_json is not None:
                c.execute(_REL_SOURCES, (p.rel_srcs_json,))
        return (p.nodes, p.rels)

    def retract_source(self, source: str) -> RetractStats:
        return self.retract_sources([source])

    def retract_sources(self, sources: Sequence[str]) -> RetractStats:
        """Retract many sources in one pass (what a feed sweep or an edit of many records needs)."""
        if not sources:
            return RetractStats()
        with self._write() as c:
            c.execute("CREATE TEMP TABLE IF NOT EXISTS _src (sid INTEGER PRIMARY KEY)")
            c.execute("DELETE FROM _src")
            c.execute("CREATE TEMP TABLE IF NOT EXISTS _srcname (name TEXT PRIMARY KEY) WITHOUT ROWID")
            c.execute("DELETE FROM _srcname")
            c.execute("INSERT OR IGNORE INTO _srcname SELECT value FROM json_each(?)", (_dumps_rows(list(sources)),))
            c.execute(
                "INSERT OR IGNORE INTO _src SELECT value FROM json_each(?)",
                (_dumps_rows([key64(name) for name in sources]),),
            )
            # relationships asserted by these sources
            c.execute("CREATE TEMP TABLE IF NOT EXISTS _rel (rid INTEGER PRIMARY KEY)")  # relationship keys
            c.execute("DELETE FROM _rel")
            c.execute("INSERT OR IGNORE INTO _rel SELECT rel_key FROM rel_sources WHERE sid IN (SELECT sid FROM _src)")
            c.execute("DELETE FROM rel_sources WHERE sid IN (SELECT sid FROM _src)")
            rels_deleted = c.execute(
                "DELETE FROM rels WHERE key IN (SELECT rid FROM _rel) "
                "AND NOT EXISTS (SELECT 1 FROM rel_sources s WHERE s.rel_key = rels.key)"
            ).rowcount
            # nodes asserted by these sources; those left without any source die with their relationships
            c.execute("CREATE TEMP TABLE IF NOT EXISTS _node (id TEXT PRIMARY KEY) WITHOUT ROWID")
            c.execute("DELETE FROM _node")
            c.execute(
                "INSERT OR IGNORE INTO _node SELECT node_id FROM node_sources WHERE sid IN (SELECT sid FROM _src)"
            )
            c.execute("DELETE FROM node_sources WHERE sid IN (SELECT sid FROM _src)")
            c.execute("DELETE FROM _node WHERE EXISTS (SELECT 1 FROM node_sources s WHERE s.node_id = _node.id)")
            c.execute("DELETE FROM _rel")
            c.execute(
                "INSERT OR IGNORE INTO _rel SELECT key FROM rels WHERE start IN (SELECT id FROM _node) "
                'UNION SELECT key FROM rels WHERE "end" IN (SELECT id FROM _node)'
            )
            c.execute("DELETE FROM rel_sources WHERE rel_key IN (SELECT rid FROM _rel)")
            rels_deleted += c.execute("DELETE FROM rels WHERE key IN (SELECT rid FROM _rel)").rowcount
            c.execute("DELETE FROM text_fts WHERE rowid IN (SELECT rid FROM nodes WHERE id IN (SELECT id FROM _node))")
            c.execute("DELETE FROM vectors WHERE node_id IN (SELECT id FROM _node)")
            nodes_deleted = c.execute("DELETE FROM nodes WHERE id IN (SELECT id FROM _node)").rowcount
            pending_deleted = c.execute("DELETE FROM pending WHERE source IN (SELECT name FROM _srcname)").rowcount
        return RetractStats(nodes_deleted, rels_deleted, pending_deleted)

    def add_pending(self, pending: Iterable[PendingRel]) -> int:
        rows = []
        for p in pending:
            check_rel_type(p.rel.type)
            rel = {
                "type": p.rel.type,
                "start": p.rel.start,
                "end": p.rel.end,
                "props": dict(p.rel.props),
                "key": p.rel.key,
            }
            rows.append((p.id, p.source, p.side, p.ref, _dumps(rel)))
        if rows:
            with self._write() as c:
                c.executemany("INSERT OR REPLACE INTO pending VALUES (?, ?, ?, ?, ?)", rows)
        return len(rows)

    def pending(self) -> list[PendingRel]:
        with self._lock:
            out = []
            for source, side, ref, rel_json in self.conn.execute(
                "SELECT source, side, ref, rel FROM pending ORDER BY id"
            ):
                r = _loads(rel_json)
                out.append(PendingRel(source, side, ref, Rel(r["type"], r["start"], r["end"], r["props"], r["key"])))
            return out

    def delete_pending(self, ids: Iterable[str]) -> int:
        rows = [(i,) for i in ids]
        if not rows:
            return 0
        with self._write() as c:
            c.executemany("DELETE FROM pending WHERE id = ?", rows)
        return len(rows)

    # -- ledger ------------------------------------------------------------------------------------
    def ledger(self, feed: str) -> dict[str, str]:
        with self._lock:
            return dict(
                self.conn.execute("SELECT name, hash FROM sources WHERE feed = ? AND hash IS NOT NULL", (feed,))
            )

    def ledger_lookup(self, sources: Sequence[str]) -> dict[str, str]:
        if not sources:
            return {}
        with self._lock:
            rows = self.conn.execute(
                "SELECT name, hash FROM sources WHERE hash IS NOT NULL AND sid IN (SELECT value FROM json_each(?))",
                (_dumps_rows([key64(s) for s in sources]),),
            ).fetchall()
        return dict(rows)

    def record_ledger(self, feed: str, entries: Mapping[str, str]) -> None:
        if entries:
            self.write_prepared(self.prepare_write((), (feed, entries)))

    def forget_ledger(self, sources: Iterable[str]) -> None:
        keys = [key64(s) for s in sources]
        if keys:
            with self._write() as c:
                c.execute(
                    "UPDATE sources SET feed = NULL, hash = NULL WHERE sid IN (SELECT value FROM json_each(?))",
                    (_dumps_rows(keys),),
                )

    def feed_state(self, feed: str) -> str | None:
        with self._lock:
            row = self.conn.execute("SELECT file_hash FROM feeds WHERE feed = ?", (feed,)).fetchone()
            return row[0] if row else None

    def set_feed_state(self, feed: str, file_hash: str) -> None:
        with self._write() as c:
            c.execute("INSERT OR REPLACE INTO feeds(feed, file_hash) VALUES (?, ?)", (feed, file_hash))

    # -- reads -------------------------------------------------------------------------------------
    def _node_sources(self, ids: Sequence[str]) -> dict[str, tuple[str, ...]]:
        out: dict[str, list[str]] = {}
        for part in _chunks(ids):
            q = (
                "SELECT ns.node_id, s.name FROM node_sources ns JOIN sources s ON s.sid = ns.sid "
                f"WHERE ns.node_id IN ({','.join('?' * len(part))})"
            )
            for nid, src in self.conn.execute(q, part):
                out.setdefault(nid, []).append(src)
        return {k: tuple(sorted(v)) for k, v in out.items()}

    def _rel_sources(self, ids: Sequence[str]) -> dict[str, tuple[str, ...]]:
        out: dict[str, list[str]] = {}
        for part in _chunks(ids):
            q = (
                "SELECT r.id, s.name FROM rels r JOIN rel_sources rs ON rs.rel_key = r.key "
                "JOIN sources s ON s.sid = rs.sid "
                f"WHERE r.key IN ({','.join('?' * len(part))})"
            )
            for rid, src in self.conn.execute(q, [rel_key(i) for i in part]):
                out.setdefault(rid, []).append(src)
        return {k: tuple(sorted(v)) for k, v in out.items()}

    def get_node(self, node_id: str) -> NodeView | None:
        with self._lock:
            row = self.conn.execute("SELECT id, label, props FROM nodes WHERE id = ?", (node_id,)).fetchone()
            if row is None:
                return None
            node = StoredNode(row[0], row[1], _loads(row[2]), self._node_sources([node_id]).get(node_id, ()))
            out_rows = self.conn.execute(
                'SELECT id, type, start, "end", props FROM rels WHERE start = ? ORDER BY type, "end", id', (node_id,)
            ).fetchall()
            in_rows = self.conn.execute(
                'SELECT id, type, start, "end", props FROM rels WHERE "end" = ? ORDER BY type, start, id', (node_id,)
            ).fetchall()
            srcs = self._rel_sources([r[0] for r in out_rows + in_rows])

            def mk(r: tuple[str, str, str, str, str]) -> StoredRel:
                return StoredRel(r[0], r[1], r[2], r[3], _loads(r[4]), srcs.get(r[0], ()))

            return NodeView(node, tuple(mk(r) for r in out_rows), tuple(mk(r) for r in in_rows))

    def get_nodes(self, node_ids: Sequence[str]) -> dict[str, StoredNode]:
        out: dict[str, StoredNode] = {}
        with self._lock:
            for part in _chunks(list(dict.fromkeys(node_ids))):
                q = f"SELECT id, label, props FROM nodes WHERE id IN ({','.join('?' * len(part))})"
                for nid, label, props in self.conn.execute(q, part):
                    out[nid] = StoredNode(nid, label, _loads(props))
        return out

    def iter_nodes(self, label: str | None = None) -> Iterator[StoredNode]:
        """All nodes (of one label), in id order. Sources are not loaded: projections do not need them."""
        with self._lock:
            if label is None:
                rows = self.conn.execute("SELECT id, label, props FROM nodes ORDER BY id").fetchall()
            else:
                check_label(label)
                rows = self.conn.execute(
                    "SELECT id, label, props FROM nodes WHERE label = ? ORDER BY id", (label,)
                ).fetchall()
        for nid, lab, props in rows:
            yield StoredNode(nid, lab, _loads(props))

    def iter_rels(self, rel_type: str | None = None) -> Iterator[StoredRel]:
        with self._lock:
            if rel_type is None:
                rows = self.conn.execute('SELECT id, type, start, "end", props FROM rels ORDER BY id').fetchall()
            else:
                check_rel_type(rel_type)
                rows = self.conn.execute(
                    'SELECT id, type, start, "end", props FROM rels WHERE type = ? ORDER BY id', (rel_type,)
                ).fetchall()
        for rid, rtype, start, end, props in rows:
            yield StoredRel(rid, rtype, start, end, _loads(props))

    def counts(self) -> dict[str, int]:
        with self._lock:
            out = {label.value: 0 for label in Label}
            out.update(dict(self.conn.execute("SELECT label, count(*) FROM nodes GROUP BY label").fetchall()))
            out.update({t.value: 0 for t in RelType})
            out.update(dict(self.conn.execute("SELECT type, count(*) FROM rels GROUP BY type").fetchall()))
            out["pending"] = self.conn.execute("SELECT count(*) FROM pending").fetchone()[0]
        return out

    def content_hash(self) -> str:
        """A hash of every node, relationship and source: equal hashes mean equal graphs (idempotency tests)."""
        h = hashlib.blake2b(digest_size=20)
        with self._lock:
            for row in self.conn.execute("SELECT id, label, props FROM nodes ORDER BY id"):
                h.update(repr(row).encode())
            for row in self.conn.execute('SELECT id, type, start, "end", props FROM rels ORDER BY id'):
                h.update(repr(row).encode())
            for row in self.conn.execute(
                "SELECT s.name, ns.node_id FROM node_sources ns JOIN sources s ON s.sid = ns.sid ORDER BY 1, 2"
            ):
                h.update(repr(row).encode())
            for row in self.conn.execute(
                "SELECT s.name, r.id FROM rel_sources rs JOIN sources s ON s.sid = rs.sid "
                "JOIN rels r ON r.key = rs.rel_key ORDER BY 1, 2"
            ):
                h.update(repr(row).encode())
            for row in self.conn.execute("SELECT id, rel FROM pending ORDER BY id"):
                h.update(repr(row).encode())
        return h.hexdigest()

    # -- search ------------------------------------------------------------------------------------
    def search_text(self, query: str, *, labels: Sequence[str] | None = None, limit: int = 50) -> list[Hit]:
        """BM25 over the FTS5 index: from its in-memory copy (same scores, same order), else FTS5's SQL."""
        label_values = self._text_labels(labels)
        words = query_words(query)
        if not words:
            return []
        # inside this instance's own write transaction the copy would miss the uncommitted writes: FTS5 sees them
        if not self.reference_search and not self._tx_depth:
            with self._lock:
                idx = self._text_index()
                phrases = self._fts_tokenizer().tokens(words)
            if all(len(p) == 1 for p in phrases):  # else a phrase query ("foo_bar"): FTS5 matches positions
                return [Hit(i, lab, s) for i, lab, s in idx.search([p[0] for p in phrases], label_values, limit)]
        match = " OR ".join(f'"{w}"' for w in words)
        with self._lock:
            if set(label_values) == _TEXT_LABEL_VALUES:
                # every text label: rank inside FTS5 and join only the top rows (about half the time of joining
                # every match to nodes before sorting; same results)
                sql = (
                    "SELECT n.id, n.label, -f.score FROM (SELECT rowid, rank AS score FROM text_fts "
                    "WHERE text_fts MATCH ? ORDER BY rank LIMIT ?) f JOIN nodes n ON n.rid = f.rowid ORDER BY f.score"
                )
                params: tuple[Any, ...] = (match, limit)
            else:
                marks = ",".join("?" * len(label_values))
                sql = (
                    "SELECT n.id, n.label, -bm25(text_fts) AS score FROM text_fts JOIN nodes n "
                    f"ON n.rid = text_fts.rowid WHERE text_fts MATCH ? AND n.label IN ({marks}) "
                    "ORDER BY bm25(text_fts) LIMIT ?"
                )
                params = (match, *label_values, limit)
            try:
                rows = self.conn.execute(sql, params).fetchall()
            except sqlite3.OperationalError as exc:  # pragma: no cover - every word is quoted
                raise StoreError(f"lexical search failed for {query!r}: {exc}") from exc
        return [Hit(r[0], r[1], float(r[2])) for r in rows]

    def _text_index(self) -> TextIndex:
        """The in-memory copy of the FTS5 index for the current data version (caller holds the lock)."""
        version = self._version()
        if self._tindex is None or self._tindex.version != version:
            self._tindex = None  # let the old copy go before building the new one
            # one read snapshot for the build's statements, so a commit by another process (an ingest while the
            # app searches) cannot land between them; a commit after ``version`` was read only causes a rebuild
            own = not self.conn.in_transaction
            if own:
                self.conn.execute("BEGIN")
            try:
                self._tindex = TextIndex.build(self.conn, version, sorted(_TEXT_LABEL_VALUES))
            finally:
                if own:
                    self.conn.execute("COMMIT")
        return self._tindex

    def _fts_tokenizer(self) -> FtsTokenizer:
        if self._tokenizer is None:
            row = self.conn.execute("SELECT sql FROM sqlite_master WHERE name = 'text_fts'").fetchone()
            if row is None:
                raise StoreError(f"store {self.path} has no full-text index; run 'whoknows ingest' to set it up")
            self._tokenizer = FtsTokenizer(row[0])
        return self._tokenizer

    @staticmethod
    def _text_labels(labels: Sequence[str] | None) -> list[str]:
        return check_text_labels(labels)

    def texts_to_embed(self, model: str, *, labels: Sequence[str] | None = None) -> Iterator[TextToEmbed]:
        """Nodes whose current text has no vector for ``model``. Vectors already cached for the same text
        (an unchanged chunk of an edited document) are attached here without re-embedding."""
        label_values = self._text_labels(labels)
        marks = ",".join("?" * len(label_values))
        with self._lock:
            sql = (
                "SELECT n.id, n.label, json_extract(n.props, '$.text'), n.text_hash FROM nodes n "
                "LEFT JOIN vectors v ON v.model = ? AND v.node_id = n.id "
                f"WHERE n.text_hash IS NOT NULL AND n.label IN ({marks}) "
                "AND (v.text_hash IS NULL OR v.text_hash != n.text_hash) ORDER BY n.id"
            )
            rows = self.conn.execute(sql, (model, *label_values)).fetchall()
            cached: dict[str, np.ndarray] = {}
            if rows:
                cached = self.cached_vectors(model, [r[3] for r in rows])
                if cached:
                    self.set_vectors(model, [(r[0], r[3], cached[r[3]]) for r in rows if r[3] in cached])
        for nid, label, text, th in rows:
            if th not in cached:
                yield TextToEmbed(nid, label, text, th)

    def _vectors_by_key(self, query: str, model: str, keys: Sequence[str]) -> dict[str, np.ndarray]:
        """Rows of ``query`` (``?`` the model, ``{}`` the IN list of keys; it selects key, blob) as float32
        vectors by key, reading the keys in chunks of at most _BATCH parameters."""
        out: dict[str, np.ndarray] = {}
        with self._lock:
            for part in _chunks(list(dict.fromkeys(keys))):
                for key, blob in self.conn.execute(query.format(",".join("?" * len(part))), (model, *part)):
                    out[key] = np.frombuffer(blob, dtype=np.float32)
        return out

    def cached_vectors(self, model: str, text_hashes: Sequence[str]) -> dict[str, np.ndarray]:
        return self._vectors_by_key(
            "SELECT text_hash, vec FROM vector_cache WHERE model = ? AND text_hash IN ({})", model, text_hashes
        )

    def set_vectors(self, model: str, items: Iterable[tuple[str, str, np.ndarray]]) -> int:
        rows = []
        for node_id, th, vec in items:
            arr = np.asarray(vec, dtype=np.float32)
            if arr.ndim != 1 or not np.all(np.isfinite(arr)):
                raise StoreError(f"vector for {node_id} must be a finite 1-D float array, got shape {arr.shape}")
            rows.append((model, node_id, th, arr.tobytes()))
        if rows:
            with self._write() as c:
                c.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?, ?, ?)", rows)
                c.executemany("INSERT OR IGNORE INTO vector_cache VALUES (?, ?, ?)", [(r[0], r[2], r[3]) for r in rows])
        return len(rows)

    def _version(self) -> tuple[int, int]:
        return (self.conn.execute("PRAGMA data_version").fetchone()[0], self._local_writes)

    def data_version(self) -> tuple[int, int]:
        """A cheap token that changes whenever this store's data may have changed (a write through this
        instance, or a commit by another connection): readers key in-memory read models by it (search/index.py)."""
        with self._lock:
            return self._version()

    def _vector_index(self, model: str) -> _VectorIndex:
        version = self._version()
        idx = self._vindex.get(model)
        if idx is not None and idx.version == version:
            return idx
        rows = self.conn.execute(
            "SELECT v.node_id, n.label, v.vec FROM vectors v JOIN nodes n ON n.id = v.node_id "
            "WHERE v.model = ? AND v.text_hash = n.text_hash ORDER BY v.node_id",
            (model,),
        ).fetchall()
        matrix: np.ndarray  # one float32 row of unit length per vector
        if rows:
            matrix = np.frombuffer(b"".join(r[2] for r in rows), dtype=np.float32).reshape(len(rows), -1)
            norms = np.linalg.norm(matrix, axis=1, keepdims=True)
            matrix = matrix / np.where(norms == 0, 1, norms)
        else:
            matrix = np.zeros((0, 0), dtype=np.float32)
        idx = _VectorIndex(version, [r[0] for r in rows], np.array([r[1] for r in rows], dtype=object), matrix)
        self._vindex[model] = idx
        return idx

    def search_vector(
        self, model: str, vector: np.ndarray, *, labels: Sequence[str] | None = None, limit: int = 50
    ) -> list[Hit]:
        """Exact cosine search: recall is 1.0 by construction (the int8 first pass only skips rows that provably
        cannot reach the top ``limit``). Scores are float64 dot products rounded to float32 in both paths
        (:func:`graph.sqlite_search.exact_scores`), so a row scores the same whichever path found it."""
        label_values = self._text_labels(labels)
        with self._lock:
            idx = self._vector_index(model)
            scan = None if self.reference_search else self._int8_scan(idx)
        if not idx.ids:
            return []
        q = np.asarray(vector, dtype=np.float32).ravel()
        if q.shape[0] != idx.matrix.shape[1]:
            raise StoreError(
                f"query vector has {q.shape[0]} dimensions; model {model} vectors have {idx.matrix.shape[1]}"
            )
        q = q / (np.linalg.norm(q) or 1.0)
        subset = len(label_values) < len(_TEXT_LABEL_VALUES)
        if scan is not None:
            rows, top_scores = scan.top(q, limit, idx.mask(label_values) if subset else None)
            return [Hit(idx.ids[i], str(idx.labels[i]), float(s)) for i, s in zip(rows, top_scores, strict=True)]
        scores = idx.matrix @ q
        if subset:
            scores = np.where(idx.mask(label_values), scores, -np.inf)
        k = min(limit, len(scores))
        kth = np.partition(scores, len(scores) - k)[len(scores) - k]
        # rows at the cut (within float32 rounding of it) stay in and are rescored exactly; then row order (node
        # id order) breaks ties, as in the int8 path
        top = np.flatnonzero(scores >= kth - 1e-5)
        top = top[np.isfinite(scores[top])]
        exact = exact_scores(idx.matrix, top, q)
        order = np.lexsort((top, -exact))[:k]
        return [Hit(idx.ids[top[i]], str(idx.labels[top[i]]), float(exact[i])) for i in order]

    def node_vectors(self, model: str, node_ids: Sequence[str]) -> dict[str, np.ndarray]:
        """The stored ``model`` vectors of these nodes' current texts (a vector embedded from an older text is
        left out), by node id: what search needs for pseudo-relevance feedback, without reading the texts."""
        return self._vectors_by_key(
            "SELECT v.node_id, v.vec FROM vectors v JOIN nodes n ON n.id = v.node_id "
            "AND n.text_hash = v.text_hash WHERE v.model = ? AND v.node_id IN ({})",
            model,
            node_ids,
        )

    def unit_vectors(self, model: str, node_ids: Sequence[str]) -> tuple[list[str], np.ndarray]:
        """Those of ``node_ids`` that have a ``model`` vector of their current text, and those vectors (unit
        length, float32, one row each, in ``node_ids`` order) sliced from the in-memory search matrix: the
        vectors :meth:`node_vectors` reads, without a database read per query."""
        with self._lock:
            idx = self._vector_index(model)
        rows = idx.rows()
        found = [i for i in dict.fromkeys(node_ids) if i in rows]
        return found, idx.matrix[np.array([rows[i] for i in found], dtype=np.int64)]

    def _int8_scan(self, idx: _VectorIndex) -> Int8Scan | None:
        """The int8 first pass of ``idx``, built once per version when the matrix is large enough and the integer
        kernels are exact on it (caller holds the lock); None means: scan in float32."""
        if not idx.scan_checked:
            idx.scan_checked = True
            if len(idx.ids) >= self.int8_min_rows and idx.matrix.size:
                scan = Int8Scan(idx.matrix)
                if scan.verify(idx.matrix[len(idx.ids) // 2]) and scan.verify(-idx.matrix[0]):
                    scan.drop_host_weights()
                    idx.scan = scan
        return idx.scan

    def capabilities(self) -> frozenset[type]:
        """Every capability protocol of graph/store.py: FTS5 full-text, exact vector search, the read model."""
        return frozenset(CAPABILITIES)

    def missing_capability(self, kind: type) -> str:
        return f"{kind.__name__} is not a capability of the store protocol (the embedded store offers all of them)"

    # -- runs --------------------------------------------------------------------------------------
    def record_run(self, run: Mapping[str, Any]) -> None:
        with self._write() as c:
            c.execute(
                "INSERT OR REPLACE INTO runs(run_id, started, report) VALUES (?, ?, ?)",
                (str(run["run_id"]), str(run["started"]), _dumps(run)),
            )

    def runs(self, limit: int = 20) -> list[dict[str, Any]]:
        with self._lock:
            rows = self.conn.execute("SELECT report FROM runs ORDER BY started DESC, run_id DESC LIMIT ?", (limit,))
            return [_loads(r[0]) for r in rows.fetchall()]
