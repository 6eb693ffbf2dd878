"""``whoknows doctor``: what it finds on each kind of store, and that every gap comes with its fix.

Neo4j answers come from the recording driver double (tests/neo4j_double.py: the statements' own parameters
and columns are enforced) for the cases no server here can show (indexes ONLINE, wrong dimensions), and from
the ArcadeDB Bolt server for a real server without Neo4j's search indexes.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from graph.doctor import diagnose
from graph.neo4j_store import Neo4jStore
from graph.sqlite_store import SQLiteStore
from graph.store import Node
from tests.neo4j_double import Server, double_store
from tests.test_neo4j_bolt_server import BoltServer, arcadedb_bolt  # noqa: F401 (session fixture)
from whoknows.cli import main


def _status(checks: list, name: str) -> str:
    return next(c.status for c in checks if c.name == name)


def test_embedded_store_passes_and_offers_every_capability(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "s.db")
    store.setup_schema()
    store.upsert_nodes([Node("person:a", "Person", {"name": "A"})], source="s")
    store.close()
    res = CliRunner().invoke(main, ["doctor", "--store", str(tmp_path / "s.db")])
    assert res.exit_code == 0, res.output
    assert "[ok  ] connection" in res.output and "1 nodes" in res.output
    assert "offers FullTextSearch, VectorSearch, ReadModel" in res.output


def test_neo4j_with_everything_in_place_passes() -> None:
    store, _ = double_store(Server("2025.10.0"))
    checks = diagnose(store, model_dimensions=store.vector_dimensions)
    assert [c.status for c in checks[:-1]] == ["ok"] * (len(checks) - 1), checks
    assert "db.index.vector.queryNodes" in checks[1].detail  # 2025.10 predates the SEARCH clause
    # the one warning: no read model on Neo4j, search reads through the server (the documented slower path)
    assert checks[-1].status == "warn" and "no ReadModel" in checks[-1].detail


def test_neo4j_gaps_each_come_with_a_fix() -> None:
    server = Server(
        "5.26.0",
        indexes=[
            {
                "name": "wk_vector_chunk",
                "type": "VECTOR",
                "state": "ONLINE",
                "options": {"indexConfig": {"vector.dimensions": 768}},
            },
            {
                "name": "wk_vector_course",
                "type": "VECTOR",
                "state": "POPULATING",
                "options": {"indexConfig": {"vector.dimensions": 8}},
            },
        ],
        constraints=["wk_person_id"],
    )
    store, _ = double_store(server)
    checks = {c.name: c for c in diagnose(store)}
    assert checks["constraints"].status == "fail" and "run a write command" in checks["constraints"].fix
    assert checks["full-text index"].status == "fail" and "wk_text is missing" in checks["full-text index"].detail
    chunk = checks["vector index wk_vector_chunk"]
    assert chunk.status == "fail" and "?vector_dimensions=768" in chunk.fix
    assert checks["vector index wk_vector_course"].status == "warn"
    assert checks["vector index wk_vector_community"].status == "fail"
    dims = checks["embedding dimensions"]  # the double's store takes 8-dimensional vectors, the model makes 384
    assert dims.status == "fail" and "?vector_dimensions=384" in dims.fix
    assert checks["capabilities"].status == "warn" and "no FullTextSearch" in checks["capabilities"].detail


def test_unreachable_neo4j_fails_at_the_connection_with_the_reason() -> None:
    checks = diagnose(Neo4jStore("bolt://127.0.0.1:1", user="u", password="p"))
    assert [(c.name, c.status) for c in checks] == [("connection", "fail")]
    assert "cannot reach Neo4j" in checks[0].detail


@pytest.mark.bolt
def test_doctor_over_bolt_names_what_arcadedb_lacks(arcadedb_bolt: BoltServer) -> None:  # noqa: F811
    url = arcadedb_bolt.url.replace("bolt://", f"bolt://{arcadedb_bolt.user}:{arcadedb_bolt.password}@")
    url += f"/{arcadedb_bolt.database}?vector_dimensions=384"
    store = Neo4jStore(
        arcadedb_bolt.url,
        user=arcadedb_bolt.user,
        password=arcadedb_bolt.password,
        database=arcadedb_bolt.database,
    )
    store.setup_schema()
    store.close()
    res = CliRunner().invoke(main, ["doctor", "--store", url, "--json"])
    assert res.exit_code == 1, res.output
    out = json.loads(res.output)
    checks = {c["name"]: c for c in out["checks"]}
    assert checks["server version"]["status"] == "ok" and "5.26" in checks["server version"]["detail"]
    assert checks["constraints"]["status"] == "ok"
    assert checks["full-text index"]["status"] == "fail"
    assert checks["embedding dimensions"]["status"] == "ok"
