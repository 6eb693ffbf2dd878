"""``whoknows migrate``: a whole graph copied embedded -> Neo4j (over Bolt, ArcadeDB) -> embedded, verified.

The round trip must give back the very graph it started from (content_hash of the embedded store, which covers
nodes, relationships, provenance and pending relationships), which proves nothing was lost or changed on the
way through the Neo4j backend, including relationship keys and multi-source provenance.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner

from graph.neo4j_store import Neo4jStore
from graph.sqlite_store import SQLiteStore
from graph.store import Facts, Node, PendingRel, Rel, StoredRel, rel_id
from tests.test_neo4j_bolt_server import BoltServer, arcadedb_bolt  # noqa: F401 (session fixture)
from whoknows.commands.migrate import migrate, migrate_store, recover_key
from whoknows.errors import StoreError


def _fill(store: SQLiteStore) -> None:
    store.setup_schema()
    with store.transaction():
        store.write(
            [
                Facts(
                    "people#1",
                    nodes=[
                        Node("person:a", "Person", {"name": "Ada", "emails": ["a@x.org"], "active": True}),
                        Node("dept:ops", "Department", {"name": "Ops"}),
                    ],
                    rels=[Rel("IN_DEPARTMENT", "person:a", "dept:ops")],
                ),
                Facts(
                    "people#2",
                    nodes=[Node("person:b", "Person", {"name": "Bo"}), Node("dept:ops", "Department", {"name": "Ops"})],
                    rels=[Rel("IN_DEPARTMENT", "person:b", "dept:ops"), Rel("REPORTS_TO", "person:b", "person:a")],
                ),
                Facts(
                    "lrs#1",
                    nodes=[Node("course:km", "Course", {"title": "KM", "text": "KM basics"})],
                    rels=[
                        Rel("COMPLETED", "person:a", "course:km", {"status": "failed", "record_id": "s1"}, key="s1"),
                        Rel("COMPLETED", "person:a", "course:km", {"status": "passed", "record_id": "s2"}, key="s2"),
                        Rel("MEMBER_OF", "person:a", "course:km", {"role": "leader"}, key="leader"),
                    ],
                ),
            ]
        )
    store.add_pending([PendingRel("lrs#9", "start", "email:c@x.org", Rel("COMPLETED", "?", "course:km"))])
    store.record_run({"run_id": "r1", "started": "2026-01-01T00:00:00Z", "sources": [{"path": "x"}]})
    todo = list(store.texts_to_embed("m"))
    store.set_vectors("m", [(t.id, t.text_hash, np.ones(384, dtype=np.float32)) for t in todo])


@pytest.fixture
def neo(arcadedb_bolt: BoltServer) -> Any:  # noqa: F811
    store = Neo4jStore(
        arcadedb_bolt.url, user=arcadedb_bolt.user, password=arcadedb_bolt.password, database=arcadedb_bolt.database
    )
    store.clear()
    yield store
    store.close()


def test_recover_key_from_derived_id() -> None:
    rid = rel_id("COMPLETED", "person:a", "course:km", "st-9")
    rel = StoredRel(rid, "COMPLETED", "person:a", "course:km", {"record_id": "st-9", "score": 0.5})
    assert recover_key(rel) == "st-9"
    assert recover_key(StoredRel(rel_id("ABOUT", "a", "b"), "ABOUT", "a", "b", {})) == ""
    with pytest.raises(StoreError, match="cannot recover the key"):
        recover_key(StoredRel("r:bogus", "ABOUT", "a", "b", {"x": "y"}))


@pytest.mark.bolt
def test_round_trip_embedded_neo4j_embedded_is_lossless(tmp_path: Path, neo: Neo4jStore) -> None:
    original = SQLiteStore(tmp_path / "a.db")
    _fill(original)
    there = migrate_store(original, neo, models=["m"])
    assert (there.nodes, there.rels, there.pending, there.runs, there.vectors) == (4, 6, 1, 1, {"m": 1})
    assert neo.get_node("dept:ops").node.sources == ("people#1", "people#2")
    back = SQLiteStore(tmp_path / "b.db")
    again = migrate_store(neo, back, models=["m"])
    assert again.digest == there.digest
    assert back.content_hash() == original.content_hash()
    assert back.runs() == original.runs()
    assert list(back.texts_to_embed("m")) == []


@pytest.mark.bolt
def test_null_properties_migrate_as_absent(tmp_path: Path, neo: Neo4jStore) -> None:
    """Neo4j holds no null properties, and neither does the embedded store: a null written is an absent key on
    both sides, so the copy verifies."""
    original = SQLiteStore(tmp_path / "a.db")
    original.setup_schema()
    with original.transaction():
        original.upsert_nodes([Node("doc:1", "Document", {"title": "T", "url": None})], source="d")
    assert original.get_nodes(["doc:1"])["doc:1"].props == {"title": "T"}
    migrate_store(original, neo)
    assert neo.get_nodes(["doc:1"])["doc:1"].props == {"title": "T"}


@pytest.mark.bolt
def test_migrate_refuses_a_non_empty_target_unless_replace(tmp_path: Path, neo: Neo4jStore) -> None:
    original = SQLiteStore(tmp_path / "a.db")
    _fill(original)
    migrate_store(original, neo)
    with pytest.raises(StoreError, match=r"not empty.*--replace"):
        migrate_store(original, neo)
    assert migrate_store(original, neo, replace=True).nodes == 4


def test_cli_copies_between_embedded_files_and_reports_json(tmp_path: Path) -> None:
    original = SQLiteStore(tmp_path / "a.db")
    _fill(original)
    original.close()
    result = CliRunner().invoke(
        migrate, ["--from", str(tmp_path / "a.db"), "--to", str(tmp_path / "c.db"), "--model", "m", "--json"]
    )
    assert result.exit_code == 0, result.output
    assert '"nodes": 4' in result.output and '"m": 1' in result.output
    assert SQLiteStore(tmp_path / "c.db").content_hash() == SQLiteStore(tmp_path / "a.db").content_hash()
