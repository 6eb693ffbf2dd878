"""Schema upgrade: a store written by WhoKnows with schema version 3 opens in this version with nothing lost.

Version 4 keys sources and relationships by 64-bit hashes of their ids (graph.sqlite_store.key64) so ingest can
write provenance without lookups; a version-3 file is rewritten in place on first open.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from graph.sqlite_store import SCHEMA_VERSION, SQLiteStore, key64, rel_key
from graph.store import Facts, Node, Rel, rel_id
from whoknows.errors import StoreError

# The version-3 layout, verbatim from the release that wrote it.
V3_SCHEMA = """
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


FACTS = [
    Facts("people:p.csv:1#p1", [Node("person:p1", "Person", {"name": "Ada"}), Node("dept:km", "Department", {})]),
    Facts("people:p.csv:1#p2", [Node("person:p2", "Person", {"name": "Bo"}), Node("dept:km", "Department", {})]),
    Facts(
        "completions:c.csv:2#x1",
        [Node("course:km101", "Course", {"course_id": "KM101"})],
        [Rel("COMPLETED", "person:p1", "course:km101", {"score": 0.9}, "x1")],
    ),
    Facts(
        "completions:c.csv:2#x2",
        [Node("course:km101", "Course", {"course_id": "KM101"})],
        [Rel("COMPLETED", "person:p2", "course:km101", {"score": 0.7}, "x2")],
    ),
    Facts("people:p.csv:1#p2", rels=[Rel("IN_DEPARTMENT", "person:p2", "dept:km")]),
]


def _write_v3(path: Path) -> None:
    """What version 3 stored for FACTS (autoincrement sids and rids, string-keyed joins), plus a ledger."""
    conn = sqlite3.connect(path)
    conn.executescript(V3_SCHEMA)
    conn.execute("INSERT INTO meta VALUES ('schema_version', '3')")
    for fact in FACTS:
        conn.execute("INSERT OR IGNORE INTO sources(name) VALUES (?)", (fact.source,))
        (sid,) = conn.execute("SELECT sid FROM sources WHERE name = ?", (fact.source,)).fetchone()
        for node in fact.nodes:
            conn.execute(
                "INSERT OR IGNORE INTO nodes(id, label, props) VALUES (?, ?, json(?))",
                (node.id, node.label, json.dumps(dict(node.props), sort_keys=True)),
            )
            conn.execute("INSERT OR IGNORE INTO node_sources VALUES (?, ?)", (sid, node.id))
        for rel in fact.rels:
            conn.execute(
                'INSERT OR IGNORE INTO rels(id, type, start, "end", props) VALUES (?, ?, ?, ?, json(?))',
                (rel.id, rel.type, rel.start, rel.end, json.dumps(dict(rel.props), sort_keys=True)),
            )
            conn.execute("INSERT OR IGNORE INTO rel_sources SELECT ?, rid FROM rels WHERE id = ?", (sid, rel.id))
    conn.execute("UPDATE sources SET feed = 'completions:c.csv:2', hash = 'h1' WHERE name = 'completions:c.csv:2#x1'")
    conn.commit()
    conn.close()


def test_version_3_store_is_upgraded_in_place_with_nothing_lost(tmp_path: Path) -> None:
    old = tmp_path / "v3.db"
    _write_v3(old)
    store = SQLiteStore(old)
    store.setup_schema()
    fresh = SQLiteStore(tmp_path / "v4.db")
    fresh.setup_schema()
    fresh.write(FACTS)
    fresh.record_ledger("completions:c.csv:2", {"completions:c.csv:2#x1": "h1"})

    assert store.content_hash() == fresh.content_hash()
    assert store.counts() == fresh.counts()
    assert store.ledger("completions:c.csv:2") == {"completions:c.csv:2#x1": "h1"}
    view = store.get_node("course:km101")
    assert view is not None
    assert view.node.sources == ("completions:c.csv:2#x1", "completions:c.csv:2#x2")
    assert {r.sources for r in view.incoming} == {("completions:c.csv:2#x1",), ("completions:c.csv:2#x2",)}
    with sqlite3.connect(old) as conn:
        assert conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == (str(SCHEMA_VERSION),)
        keys = dict(conn.execute("SELECT name, sid FROM sources"))
        assert keys == {name: key64(name) for name in keys}
        rel_keys = dict(conn.execute("SELECT id, key FROM rels"))
        assert rel_keys == {i: rel_key(i) for i in rel_keys}

    # the upgraded store keeps working: retraction by source, then new writes
    store.retract_sources(["completions:c.csv:2#x1", "completions:c.csv:2#x2"])
    assert store.get_node("course:km101") is None
    assert store.get_node("person:p1") is not None
    store.write(FACTS[2:3])
    assert store.get_node("course:km101") is not None
    assert rel_id("COMPLETED", "person:p1", "course:km101", "x1") in {r.id for r in store.iter_rels("COMPLETED")}


def _future_store(tmp_path: Path) -> Path:
    """A store file written by a release this one does not know (schema version 99)."""
    path = tmp_path / "future.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        conn.execute("INSERT INTO meta VALUES ('schema_version', '99')")
    return path


def test_unknown_schema_version_is_refused_with_what_to_do(tmp_path: Path) -> None:
    path = _future_store(tmp_path)
    with pytest.raises(StoreError, match=r"schema version 99.*new store file"):
        SQLiteStore(path).setup_schema()


def test_row_keys_are_stable_signed_64_bit_hashes() -> None:
    rid = rel_id("COMPLETED", "person:p1", "course:km101", "x1")
    assert rel_key(rid) == int(rid[2:18], 16) - (1 << 64 if int(rid[2:18], 16) >= 1 << 63 else 0)
    assert -(1 << 63) <= key64("people:p.csv:1#p1") < 1 << 63
    assert key64("a") == key64("a") != key64("b")
    assert rel_key("not-a-rel-id") == key64("not-a-rel-id")


def test_a_reader_opening_a_version_3_store_upgrades_it_first(tmp_path: Path) -> None:
    """The app opens stores read-only: a store from the previous release must still open, not fail in SQL."""
    old = tmp_path / "v3.db"
    _write_v3(old)
    reader = SQLiteStore(old, read_only=True)
    view = reader.get_node("course:km101")
    assert view is not None and view.node.sources == ("completions:c.csv:2#x1", "completions:c.csv:2#x2")
    assert reader.ledger("completions:c.csv:2") == {"completions:c.csv:2#x1": "h1"}
    with sqlite3.connect(old) as conn:
        assert conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == (str(SCHEMA_VERSION),)


def test_a_reader_refuses_a_store_from_a_newer_release(tmp_path: Path) -> None:
    path = _future_store(tmp_path)
    with pytest.raises(StoreError, match=r"schema version 99.*new store file"):
        SQLiteStore(path, read_only=True).counts()
