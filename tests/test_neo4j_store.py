"""The Neo4j backend's own behaviour beyond the shared contract (tests/contract runs that over Bolt too).

Tests without a marker need no server: URL parsing, template filling, value checks, errors for unreachable
servers and old versions. Tests marked ``bolt`` run against the ArcadeDB Bolt server of
tests/test_neo4j_bolt_server.py; ``neo4j`` against NEO4J_URI when set.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from typing import Any

import pytest

from graph import cypher
from graph.neo4j_store import (
    Neo4jAuthError,
    Neo4jIndexMissingError,
    Neo4jStore,
    Neo4jUnavailableError,
    Neo4jVersionError,
    fill,
    from_url,
    lucene_query,
    parse_version,
)
from graph.store import CapabilityError, Facts, FullTextSearch, Node, Rel, VectorSearch, read_model
from search.retrieval import retrieve
from tests.test_neo4j_bolt_server import BoltServer, arcadedb_bolt  # noqa: F401 (session fixture)
from whoknows.errors import ConfigError, SchemaError, StoreError, StoreUnavailableError


# -- configuration, no server ---------------------------------------------------------------------------------
def test_from_url_takes_credentials_database_and_dimensions_from_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NEO4J_DATABASE", raising=False)
    s = from_url("neo4j+s://ada:p%40ss@db.example.org:7687/people?vector_dimensions=768")
    assert (s.uri, s.user, s.password, s.database, s.vector_dimensions) == (
        "neo4j+s://db.example.org:7687",
        "ada",
        "p@ss",
        "people",
        768,
    )
    assert s.url == "neo4j+s://db.example.org:7687/people"


def test_from_url_falls_back_to_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEO4J_USERNAME", "svc")
    monkeypatch.setenv("NEO4J_PASSWORD", "secret")
    monkeypatch.setenv("NEO4J_DATABASE", "whoknows")
    monkeypatch.delenv("NEO4J_VECTOR_DIMENSIONS", raising=False)
    s = from_url("bolt://localhost")
    assert (s.uri, s.user, s.password, s.database, s.vector_dimensions) == (
        "bolt://localhost",
        "svc",
        "secret",
        "whoknows",
        384,
    )


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://localhost:7474", "expected a scheme among"),
        ("bolt://", "has no host"),
        ("bolt://h?vector_dimensions=big", "must be an integer"),
        ("bolt://h?dims=3", "unknown Neo4j URL option"),
        ("bolt://h?vector_dimensions=0", "from 1 to 4096"),
    ],
)
def test_from_url_rejects_bad_urls(url: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        from_url(url)


def test_constructor_touches_no_server() -> None:
    store = from_url("bolt://127.0.0.1:9")  # nothing listens on port 9; constructing must not notice
    assert store._driver is None and store.url == "bolt://127.0.0.1:9"


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_unreachable_server_is_a_clear_store_unavailable_error() -> None:
    store = Neo4jStore(
        f"bolt://127.0.0.1:{_closed_port()}",
        user="neo4j",
        password="x",
        driver_config={"connection_timeout": 2.0, "max_transaction_retry_time": 0.5},
    )
    with pytest.raises(Neo4jUnavailableError, match="cannot reach Neo4j") as info:
        store.counts()
    assert isinstance(info.value, StoreUnavailableError)
    store.close()


class _FakeDriver:
    """Answers dbms.components() with a fixed version: the version check is about our code, not a server."""

    def __init__(self, version: str) -> None:
        self.version = version

    def verify_connectivity(self) -> None:
        return None

    def execute_query(self, query: str, *args: Any, **kwargs: Any) -> tuple[list[dict[str, Any]], None, None]:
        assert query == cypher.SERVER_COMPONENTS
        return [{"name": "Neo4j Kernel", "versions": [self.version], "edition": "community"}], None, None

    def close(self) -> None:
        return None


@pytest.mark.parametrize("version", ["4.4.30", "5.10.0"])
def test_servers_older_than_5_11_are_refused(version: str) -> None:
    store = Neo4jStore("bolt://example.invalid")
    store._driver = _FakeDriver(version)
    with pytest.raises(Neo4jVersionError, match=f"version {version}; WhoKnows needs Neo4j 5.11"):
        store.open()


@pytest.mark.parametrize(
    ("version", "clause"),
    [("5.11.0", False), ("5.26.1", False), ("2025.10.1", False), ("2026.01.0", True), ("2026.04.1-aura", True)],
)
def test_search_clause_is_chosen_by_server_version(version: str, clause: bool) -> None:
    store = Neo4jStore("bolt://example.invalid")
    store._driver = _FakeDriver(version)
    assert store.uses_search_clause is clause


def test_parse_version() -> None:
    assert parse_version("5.26.0") == (5, 26, 0)
    assert parse_version("2025.10.1") == (2025, 10, 1)
    assert parse_version("5.11.0-aura") == (5, 11, 0)


def test_templates_accept_only_schema_labels_and_types() -> None:
    assert "MERGE (n:Person:_Node {id: row.id})" in fill(cypher.UPSERT_NODES, label="Person")
    with pytest.raises(SchemaError, match="expected one of"):
        fill(cypher.UPSERT_NODES, label="Person) DETACH DELETE n //")
    with pytest.raises(SchemaError, match="REPORTS_TO"):
        fill(cypher.UPSERT_RELS, rel_type="KNOWS]->() DELETE r //")
    with pytest.raises(SchemaError, match="wk_"):
        fill(cypher.DROP_INDEX, name="x; DROP")
    with pytest.raises(ConfigError, match="from 1 to 4096"):
        fill(cypher.CREATE_VECTOR_INDEX, name="wk_vector_chunk", label="Chunk", dimensions="384")


def test_lucene_query_quotes_every_word() -> None:
    assert lucene_query('kubernetes" OR NEAR( title:ab*') == '"kubernetes" OR "or" OR "near" OR "title" OR "ab"'
    assert lucene_query(" ?? ") is None


def test_values_neo4j_cannot_hold_are_refused_before_the_server() -> None:
    store = Neo4jStore("bolt://example.invalid")  # never connects: the check comes first
    with pytest.raises(SchemaError, match="'meta' of node doc:1 is dict"):
        store.upsert_nodes([Node("doc:1", "Document", {"meta": {"a": 1}})], source="s")
    with pytest.raises(SchemaError, match="reserved"):
        store.upsert_nodes([Node("doc:1", "Document", {"_sources": ["x"]})], source="s")
    with pytest.raises(SchemaError, match="list of strings or of numbers"):
        store.upsert_nodes([Node("doc:1", "Document", {"tags": ["a", 1]})], source="s")


# -- against a real Bolt server (ArcadeDB) --------------------------------------------------------------------
@pytest.fixture
def bolt_store(arcadedb_bolt: BoltServer) -> Any:  # noqa: F811
    store = Neo4jStore(
        arcadedb_bolt.url, user=arcadedb_bolt.user, password=arcadedb_bolt.password, database=arcadedb_bolt.database
    )
    store.clear()
    store.setup_schema()
    yield store
    store.close()


@pytest.mark.bolt
def test_bad_credentials_are_a_clear_auth_error(arcadedb_bolt: BoltServer) -> None:  # noqa: F811
    store = Neo4jStore(arcadedb_bolt.url, user="root", password="wrong", database=arcadedb_bolt.database)
    with pytest.raises(Neo4jAuthError, match="refused the credentials"):
        store.counts()
    store.close()


@pytest.mark.bolt
def test_arcadedb_lacks_search_indexes_and_says_why(bolt_store: Neo4jStore) -> None:
    assert bolt_store.capabilities() == frozenset()
    assert "fulltext" in bolt_store.unsupported and "vector" in bolt_store.unsupported
    bolt_store.upsert_nodes([Node("chunk:1", "Chunk", {"text": "supplier audits"})], source="s")
    with pytest.raises(Neo4jIndexMissingError, match="no full-text index wk_text"):
        bolt_store.search_text("audits")
    with pytest.raises(Neo4jIndexMissingError, match="no vector indexes"):
        bolt_store.search_vector("m", [0.0] * 384)
    # search asks for the capability by type and gets an error that says what to fix
    with pytest.raises(CapabilityError, match=r"offers no FullTextSearch: the server has no full-text index"):
        retrieve(bolt_store, "audits", None, None)
    assert read_model(bolt_store) is None  # the documented slower path: search reads through the server


@pytest.mark.bolt
def test_transaction_is_isolated_until_commit(bolt_store: Neo4jStore, arcadedb_bolt: BoltServer) -> None:  # noqa: F811
    other = Neo4jStore(
        arcadedb_bolt.url, user=arcadedb_bolt.user, password=arcadedb_bolt.password, database=arcadedb_bolt.database
    )
    seen_inside: list[Any] = []
    with bolt_store.transaction():
        bolt_store.upsert_nodes([Node("person:t", "Person", {"name": "T"})], source="s")
        seen_inside.append(bolt_store.get_node("person:t"))  # the open transaction sees its own write
        seen_inside.append(other.get_node("person:t"))  # another connection does not, yet
    assert seen_inside[0] is not None and seen_inside[1] is None
    assert other.get_node("person:t") is not None
    other.close()


@pytest.mark.bolt
def test_threads_get_their_own_transactions(bolt_store: Neo4jStore) -> None:
    errors: list[BaseException] = []

    def work(i: int) -> None:
        try:
            with bolt_store.transaction():
                bolt_store.upsert_nodes([Node(f"person:th{i}", "Person", {"name": str(i)})], source=f"t{i}")
                time.sleep(0.05)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert bolt_store.counts()["Person"] == 4


@pytest.mark.bolt
def test_provenance_is_a_sources_list_and_internal_props_stay_hidden(bolt_store: Neo4jStore) -> None:
    with bolt_store.transaction():
        bolt_store.upsert_nodes([Node("chunk:1", "Chunk", {"text": "a"}), Node("doc:1", "Document", {})], source="b")
        bolt_store.upsert_nodes([Node("chunk:1", "Chunk", {"text": "a"})], source="a")
        bolt_store.upsert_rels([Rel("HAS_CHUNK", "doc:1", "chunk:1", {"n": 0})], source="a")
    raw = bolt_store._read("MATCH (n:_Node {id: 'chunk:1'}) RETURN n._sources AS s, n._text_hash AS h")[0]
    assert sorted(raw["s"]) == ["a", "b"] and raw["h"]
    view = bolt_store.get_node("chunk:1")
    assert view is not None and view.node.props == {"text": "a"} and view.node.sources == ("a", "b")
    assert view.incoming[0].props == {"n": 0} and view.incoming[0].sources == ("a",)


@pytest.mark.bolt
def test_vectors_are_stored_cached_and_invalidated_without_an_index(bolt_store: Neo4jStore) -> None:
    import numpy as np

    bolt_store.upsert_nodes([Node("chunk:1", "Chunk", {"text": "alpha"})], source="s")
    todo = list(bolt_store.texts_to_embed("m"))
    assert [t.id for t in todo] == ["chunk:1"]
    vec = np.arange(384, dtype=np.float32)
    bolt_store.set_vectors("m", [("chunk:1", todo[0].text_hash, vec)])
    assert list(bolt_store.texts_to_embed("m")) == []
    assert np.array_equal(bolt_store.cached_vectors("m", [todo[0].text_hash])[todo[0].text_hash], vec)
    bolt_store.upsert_nodes([Node("chunk:1", "Chunk", {"text": "beta"})], source="s")
    assert [t.text for t in bolt_store.texts_to_embed("m")] == ["beta"]
    assert bolt_store._read("MATCH (n:Chunk) RETURN n._vector AS v")[0]["v"] is None  # stale vector left the index


@pytest.mark.bolt
def test_iter_streams_in_id_order(bolt_store: Neo4jStore) -> None:
    n = 600
    bolt_store.fetch_size = 100  # six round trips
    with bolt_store.transaction():
        bolt_store.upsert_nodes([Node(f"topic:{i:05d}", "Topic", {"name": str(i)}) for i in range(n)], source="s")
    it = bolt_store.iter_nodes("Topic")
    first = next(it)  # streamed: the first record arrives before the rest are fetched
    rest = list(it)
    assert first.id == "topic:00000" and len(rest) == n - 1 and rest[-1].id == f"topic:{n - 1:05d}"


@pytest.mark.bolt
def test_failed_write_rolls_back_whole_batch(bolt_store: Neo4jStore) -> None:
    with pytest.raises(StoreError, match="do not exist"):
        bolt_store.write(
            [Facts("s", nodes=[Node("person:x", "Person", {})], rels=[Rel("REPORTS_TO", "person:x", "person:nobody")])]
        )
    assert bolt_store.get_node("person:x") is None


# -- a real Neo4j ---------------------------------------------------------------------------------------------
@pytest.mark.neo4j
def test_real_neo4j_has_search_capabilities() -> None:
    url = os.environ.get("NEO4J_URI")
    if not url:
        pytest.skip("NEO4J_URI is not set")
    store = from_url(url)
    store.setup_schema()
    assert {FullTextSearch, VectorSearch} <= store.capabilities(), store.unsupported
    store.close()


@pytest.mark.bolt
def test_server_error_inside_transaction_rolls_back_and_is_a_store_error(bolt_store: Neo4jStore) -> None:
    bolt_store.upsert_nodes([Node("topic:x", "Topic", {})], source="a")
    with pytest.raises(StoreError, match="uniqueness constraint"), bolt_store.transaction():
        bolt_store.upsert_nodes([Node("topic:y", "Topic", {})], source="a")
        bolt_store._write("CREATE (n:Topic:_Node {id: 'topic:x'})")  # the server refuses a duplicate id
    assert bolt_store.get_node("topic:y") is None and bolt_store.counts()["Topic"] == 1


@pytest.mark.bolt
def test_writes_refuse_to_run_before_the_constraints_exist(arcadedb_bolt: BoltServer) -> None:  # noqa: F811
    fresh = Neo4jStore(
        arcadedb_bolt.url, user=arcadedb_bolt.user, password=arcadedb_bolt.password, database=arcadedb_bolt.database
    )
    present = {r["name"] for r in fresh._read(cypher.SHOW_ID_CONSTRAINTS)}
    assert present >= fresh._expected_constraints() or not present  # set up by an earlier test, or not at all
    fresh._expected_constraints = lambda: present | {"wk_missing_id"}  # type: ignore[method-assign]
    with pytest.raises(Neo4jIndexMissingError, match="run setup_schema"):
        fresh.upsert_nodes([Node("topic:z", "Topic", {})], source="s")
    fresh.close()


def test_open_store_maps_neo4j_urls_to_this_backend_without_connecting() -> None:
    from graph.open import open_store
    from graph.store import GraphStore

    for url in ("neo4j://localhost:7687", "neo4j+s://x.databases.neo4j.io", "bolt://127.0.0.1:9", "bolt+s://h:7687"):
        store = open_store(url)
        assert isinstance(store, Neo4jStore) and isinstance(store, GraphStore)
        assert store._driver is None
