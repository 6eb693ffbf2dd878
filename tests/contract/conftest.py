"""Backends the store contract runs against. Every backend must pass every test in this folder.

Add a backend by adding a param and a branch in ``_make``; a feature a backend lacks is skipped there with a
reason (via ``store.capabilities()``, graph/store.py's capability protocols), never faked.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from graph.sqlite_store import SQLiteStore
from graph.store import GraphStore
from tests.test_neo4j_bolt_server import arcadedb_bolt, make_contract_store  # noqa: F401 (session fixture)

BACKENDS = [
    "sqlite",
    # ArcadeDB over Bolt, Neo4j's search procedures answered beside it (tests/bolt_search.py): not Neo4j
    pytest.param("bolt", marks=pytest.mark.bolt, id="bolt-arcadedb+search-sidecar"),
    pytest.param("neo4j", marks=pytest.mark.neo4j),
]


def _make(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> GraphStore:
    if backend == "sqlite":
        return SQLiteStore(tmp_path / "contract.db")
    if backend in ("bolt", "neo4j"):  # Neo4j backend over Bolt: ArcadeDB in CI, a real Neo4j when NEO4J_URI is set
        return make_contract_store(backend, request)
    raise AssertionError(f"unknown backend {backend}")  # pragma: no cover


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[GraphStore]:
    s = _make(request.param, tmp_path, request)
    s.setup_schema()
    try:
        yield s
    finally:
        s.close()


def require(store: GraphStore, capability: type) -> None:
    """Skip when a backend lacks a capability (e.g. ArcadeDB over Bolt has no Neo4j vector index), saying why."""
    if capability not in store.capabilities():
        pytest.skip(f"{type(store).__name__} at {store.url}: {store.missing_capability(capability)}")
