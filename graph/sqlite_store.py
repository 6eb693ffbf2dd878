"""The embedded default store: one SQLite file in WAL mode, zero setup.

Why SQLite: it ships with Python, is ACID, and in WAL mode one writer and many readers in other processes
work at the same time (the app reads while an ingest writes). FTS5 gives BM25 lexical search; embeddings are
float32 blobs searched exactly with numpy (a 100k x 384 matrix product is a few milliseconds), which also
means recall is exact. See docs/store.md for the measurements and the alternatives we rejected.

Layout: ``nodes`` and ``rels`` hold JSON props; ``node_sources`` / ``rel_sources`` hold provenance (one row per
source that asserted a fact, sources interned as integers in ``sources``, which also keeps the ingest ledger)
so retraction is reference counting; ``text_fts`` indexes the ``text`` prop of
text-bearing nodes; ``vectors`` holds each node's vector per model and ``vector_cache`` vectors by text hash,
so an unchanged text is never embedded twice.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import orjson

from graph.schema import TEXT_LABELS, Label, RelType, check_label, check_rel_type, check_text_labels
from graph.sqlite_search import FtsTokenizer, Int8Scan, TextIndex, exact_scores, query_words
from graph.store import (
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
)
from whoknows.errors import StoreError, StoreUnavailableError

SCHEMA_VERSION = 3
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
    sid INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, feed TEXT, hash TEXT
);
CREATE TABLE IF NOT EXISTS node_sources (
    sid INTEGER NOT NULL, node_id TEXT NOT NULL, PRIMARY KEY (sid, node_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS node_sources_node ON node_sources(node_id);
CREATE TABLE IF NOT EXISTS rels (
    rid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    type TEXT NOT NULL,
    start TEXT NOT NULL,
    end TEXT NOT NULL,
    props TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS rels_start ON rels(start, type);
CREATE INDEX IF NOT EXISTS rels_end ON rels(end, type);
CREATE INDEX IF NOT EXISTS rels_type ON rels(type);
CREATE TABLE IF NOT EXISTS rel_sources (
    sid INTEGER NOT NULL, rel_rid INTEGER NOT NULL, PRIMARY KEY (sid, rel_rid)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS rel_sources_rel ON rel_sources(rel_rid);
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


def _chunks(seq: Sequence[Any], size: int = _BATCH) -> Iterator[Sequence[Any]]:
    for i in range(0, len(seq), size):
        yield seq[i : i + size]


def _dumps(props: Mapping[str, Any]) -> str:
    return orjson.dumps(props, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS, default=str).decode()


_loads = orjson.loads


def fts_query(query: str) -> str | None:
    """Turn free text into an FTS5 query: every word quoted (no operator injection), OR-ed for BM25."""
    words = query_words(query)
    return " OR ".join(f'"{w}"' for w in words) if words else None


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
        self._tindex: TextIndex | None = None
        self._tokenizer: FtsTokenizer | None = None
        self._sids: dict[str, int] = {}  # source name -> interned id (never reused; cleared on rollback)

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
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise StoreUnavailableError(f"{self.path} is not a WhoKnows store (SQLite said: {exc})") from exc
        return conn

    def setup_schema(self) -> None:
        with self._lock:
            if self.read_only:
                raise StoreError("cannot set up the schema on a read-only store")
            self.conn.executescript(_SCHEMA)
            row = self.conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
            if row is None:
                self.conn.execute("INSERT INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
            elif int(row[0]) != SCHEMA_VERSION:
                raise StoreError(
                    f"store {self.path} has schema version {row[0]}; this WhoKnows expects {SCHEMA_VERSION}"
                )

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

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
            try:
                yield
            except BaseException:
                self._tx_depth = 0
                self._sids.clear()
                self.conn.execute("ROLLBACK")
                self._local_writes += 1
                raise
            else:
                self._tx_depth = 0
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
        node_rows: dict[str, tuple[str, str, dict[str, Any], str | None]] = {}
        node_srcs: list[tuple[str, str]] = []
        texts: dict[str, tuple[str, str]] = {}
        rel_rows: dict[str, tuple[str, str, str, str, str]] = {}
        rel_srcs: list[tuple[str, str]] = []
        ends: set[str] = set()
        for fact in facts:
            for node in fact.nodes:
                label = node.label if node.label in _LABEL_VALUES else check_label(node.label).value
                th = None
                if label in _TEXT_LABEL_VALUES:
                    text = node.props.get("text")
                    if isinstance(text, str) and text:
                        th = text_hash(text)
                        texts[node.id] = (text, th)
                prev = node_rows.get(node.id)
                props = {**prev[2], **node.props} if prev else dict(node.props)
                node_rows[node.id] = (node.id, label, props, th or (prev[3] if prev else None))
                node_srcs.append((fact.source, node.id))
            for rel in fact.rels:
                rtype = rel.type if rel.type in _TYPE_VALUES else check_rel_type(rel.type).value
                rid = rel.id
                rel_rows[rid] = (rid, rtype, rel.start, rel.end, _dumps(rel.props))
                rel_srcs.append((fact.source, rid))
                ends.add(rel.start)
                ends.add(rel.end)
        if not node_rows and not rel_rows:
            return (0, 0)
        with self._write() as c:
            if node_rows:
                old: dict[str, tuple[int, str | None]] = {}
                if texts:
                    for part in _chunks(list(texts)):
                        q = f"SELECT id, rid, text_hash FROM nodes WHERE id IN ({','.join('?' * len(part))})"
                        old.update({r[0]: (r[1], r[2]) for r in c.execute(q, part)})
                c.executemany(
                    # a new row keeps no null values (Neo4j cannot store them); an update merges, null deletes
                    "INSERT INTO nodes(id, label, props, text_hash) VALUES (?1, ?2, json_patch('{}', ?3), ?4) "
                    "ON CONFLICT(id) DO UPDATE SET label=excluded.label, props=json_patch(nodes.props, ?3), "
                    "text_hash=coalesce(excluded.text_hash, nodes.text_hash)",
                    [(r[0], r[1], _dumps(r[2]), r[3]) for r in node_rows.values()],
                )
                sids = self._intern(c, {src for src, _ in node_srcs})
                c.executemany(
                    "INSERT OR IGNORE INTO node_sources(sid, node_id) VALUES (?, ?)",
                    [(sids[src], nid) for src, nid in node_srcs],
                )
                changed = [(nid, t) for nid, t in texts.items() if old.get(nid, (None, None))[1] != t[1]]
                stale = [(old[nid][0],) for nid, _ in changed if nid in old]
                if stale:
                    c.executemany("DELETE FROM text_fts WHERE rowid = ?", stale)
                if changed:
                    c.executemany(
                        "INSERT INTO text_fts(rowid, text) SELECT rid, ? FROM nodes WHERE id = ?",
                        [(t[0], nid) for nid, t in changed],
                    )
            if rel_rows:
                missing = ends - node_rows.keys()
                missing -= self._existing(c, list(missing))
                if missing:
                    shown = ", ".join(sorted(missing)[:5])
                    raise StoreError(
                        f"cannot add relationships: {len(missing)} end node(s) do not exist ({shown}); "
                        "upsert nodes before the relationships that connect them"
                    )
                c.executemany(
                    "INSERT INTO rels(id, type, start, \"end\", props) VALUES (?1, ?2, ?3, ?4, json_patch('{}', ?5)) "
                    "ON CONFLICT(id) DO UPDATE SET props=json_patch(rels.props, ?5)",
                    list(rel_rows.values()),
                )
                sids = self._intern(c, {src for src, _ in rel_srcs})
                c.executemany(
                    "INSERT OR IGNORE INTO rel_sources(sid, rel_rid) SELECT ?, rid FROM rels WHERE id = ?",
                    [(sids[src], rid) for src, rid in rel_srcs],
                )
        return (len(node_rows), len(rel_rows))

    def _intern(self, c: sqlite3.Connection, names: Iterable[str]) -> dict[str, int]:
        """Source name -> integer id, creating ids as needed: provenance rows then hold 8-byte ints, not paths."""
        out: dict[str, int] = {}
        todo = []
        for name in names:
            sid = self._sids.get(name)
            if sid is None:
                todo.append(name)
            else:
                out[name] = sid
        if todo:
            c.executemany("INSERT OR IGNORE INTO sources(name) VALUES (?)", [(n,) for n in todo])
            for part in _chunks(todo):
                q = f"SELECT name, sid FROM sources WHERE name IN ({','.join('?' * len(part))})"
                for name, sid in c.execute(q, part):
                    out[name] = sid
                    self._sids[name] = sid
        return out

    @staticmethod
    def _existing(c: sqlite3.Connection, ids: Sequence[str]) -> set[str]:
        found: set[str] = set()
        for part in _chunks(ids):
            q = f"SELECT id FROM nodes WHERE id IN ({','.join('?' * len(part))})"
            found.update(r[0] for r in c.execute(q, part))
        return found

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
            c.executemany("INSERT OR IGNORE INTO _srcname VALUES (?)", [(s,) for s in sources])
            c.execute("INSERT OR IGNORE INTO _src SELECT sid FROM sources WHERE name IN (SELECT name FROM _srcname)")
            # relationships asserted by these sources
            c.execute("CREATE TEMP TABLE IF NOT EXISTS _rel (rid INTEGER PRIMARY KEY)")
            c.execute("DELETE FROM _rel")
            c.execute("INSERT OR IGNORE INTO _rel SELECT rel_rid FROM rel_sources WHERE sid IN (SELECT sid FROM _src)")
            c.execute("DELETE FROM rel_sources WHERE sid IN (SELECT sid FROM _src)")
            rels_deleted = c.execute(
                "DELETE FROM rels WHERE rid IN (SELECT rid FROM _rel) "
                "AND NOT EXISTS (SELECT 1 FROM rel_sources s WHERE s.rel_rid = rels.rid)"
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
                "INSERT OR IGNORE INTO _rel SELECT rid FROM rels WHERE start IN (SELECT id FROM _node) "
                'UNION SELECT rid FROM rels WHERE "end" IN (SELECT id FROM _node)'
            )
            c.execute("DELETE FROM rel_sources WHERE rel_rid IN (SELECT rid FROM _rel)")
            rels_deleted += c.execute("DELETE FROM rels WHERE rid IN (SELECT rid FROM _rel)").rowcount
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
        out: dict[str, str] = {}
        with self._lock:
            for part in _chunks(list(sources)):
                q = f"SELECT name, hash FROM sources WHERE hash IS NOT NULL AND name IN ({','.join('?' * len(part))})"
                out.update(self.conn.execute(q, part).fetchall())
        return out

    def record_ledger(self, feed: str, entries: Mapping[str, str]) -> None:
        if entries:
            with self._write() as c:
                c.executemany(
                    "INSERT INTO sources(name, feed, hash) VALUES (?, ?, ?) "
                    "ON CONFLICT(name) DO UPDATE SET feed=excluded.feed, hash=excluded.hash",
                    [(s, feed, h) for s, h in entries.items()],
                )

    def forget_ledger(self, sources: Iterable[str]) -> None:
        rows = [(s,) for s in sources]
        if rows:
            with self._write() as c:
                c.executemany("UPDATE sources SET feed = NULL, hash = NULL WHERE name = ?", rows)

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
                "SELECT r.id, s.name FROM rels r JOIN rel_sources rs ON rs.rel_rid = r.rid "
                "JOIN sources s ON s.sid = rs.sid "
                f"WHERE r.id IN ({','.join('?' * len(part))})"
            )
            for rid, src in self.conn.execute(q, part):
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
                "JOIN rels r ON r.rid = rs.rel_rid ORDER BY 1, 2"
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

    def cached_vectors(self, model: str, text_hashes: Sequence[str]) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {}
        with self._lock:
            for part in _chunks(list(dict.fromkeys(text_hashes))):
                q = (
                    "SELECT text_hash, vec FROM vector_cache WHERE model = ? "
                    f"AND text_hash IN ({','.join('?' * len(part))})"
                )
                for th, blob in self.conn.execute(q, (model, *part)):
                    out[th] = np.frombuffer(blob, dtype=np.float32)
        return out

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
        out: dict[str, np.ndarray] = {}
        with self._lock:
            for part in _chunks(list(dict.fromkeys(node_ids))):
                q = (
                    "SELECT v.node_id, v.vec FROM vectors v JOIN nodes n ON n.id = v.node_id "
                    f"AND n.text_hash = v.text_hash WHERE v.model = ? AND v.node_id IN ({','.join('?' * len(part))})"
                )
                for nid, blob in self.conn.execute(q, (model, *part)):
                    out[nid] = np.frombuffer(blob, dtype=np.float32)
        return out

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
