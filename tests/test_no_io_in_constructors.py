"""Constructors touch no database and no disk (DESIGN.md, principle 5): building an object is free and cannot
fail on I/O; the reads happen in the function that uses them, where a reader of the code sees them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from graph.neo4j_store import Neo4jStore
from graph.sqlite_store import SQLiteStore
from ingest import pipeline
from ingest.committer import BackgroundCommitter
from ingest.identity import IdentityIndex
from ingest.mapping import Mapper


class NoStore:
    """A store that fails on any use: a constructor handed it must not call it."""

    url = "no-store"

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"a constructor used the store: .{name}")


def test_ingest_run_state_reads_nothing_when_built() -> None:
    with BackgroundCommitter(threaded=False) as committer:
        run = pipeline._Run(NoStore(), False, committer, Mapper(IdentityIndex()))  # type: ignore[arg-type]
    assert run.mapper.community_by_name == {}


def test_the_mapper_is_read_from_the_store_by_a_function(tmp_path: Path) -> None:
    from graph.store import Node

    store = SQLiteStore(tmp_path / "s.db")
    store.setup_schema()
    store.upsert_nodes([Node("community:km", "Community", {"name": "KM Guild", "community_id": "km"})], source="s")
    store.upsert_nodes([Node("course:1", "Course", {"title": "KM 101"}), Node("course:2", "Course")], source="s")
    mapper = pipeline.mapper_from_store(store)
    assert mapper.community_by_name == {"km guild": "community:km", "km": "community:km"}
    assert mapper.course_titles == {"course:1"}
    store.close()


def test_store_constructors_connect_to_nothing(tmp_path: Path) -> None:
    missing = tmp_path / "no" / "such" / "folder" / "s.db"
    SQLiteStore(missing)
    assert not missing.parent.exists()
    store = Neo4jStore("bolt://127.0.0.1:1", user="u", password="p")  # nothing listens on port 1
    assert store._driver is None
