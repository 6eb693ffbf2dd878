"""The real ingest pipeline on the Neo4j backend over Bolt gives the same graph as on the embedded store.

The smallest demo organisation (300 people, 300 documents: about 4,800 records) is ingested into both; totals,
counts per label and type, and the backend-independent graph digest of ``whoknows migrate`` must be equal,
and a re-run must change nothing.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from graph.neo4j_store import Neo4jStore
from graph.sqlite_store import SQLiteStore
from tests.test_neo4j_bolt_server import BoltServer, arcadedb_bolt  # noqa: F401 (session fixture)
from whoknows.commands.migrate import graph_digest


@pytest.mark.bolt
@pytest.mark.slow
def test_demo_ingest_over_bolt_equals_embedded(tmp_path: Path, arcadedb_bolt: BoltServer) -> None:  # noqa: F811
    from ingest.pipeline import ingest_paths
    from whoknows.demo import generate_demo

    generate_demo(tmp_path / "demo", seed=3, people=300, documents=300)
    data = tmp_path / "demo" / "data"
    neo = Neo4jStore(
        arcadedb_bolt.url, user=arcadedb_bolt.user, password=arcadedb_bolt.password, database=arcadedb_bolt.database
    )
    neo.clear()
    embedded = SQLiteStore(tmp_path / "e.db")
    over_bolt = ingest_paths(neo, [data]).to_dict()["totals"]
    local = ingest_paths(embedded, [data]).to_dict()["totals"]
    assert over_bolt == local and local["accepted"] > 4000
    assert neo.counts() == embedded.counts()
    assert graph_digest(neo) == graph_digest(embedded)
    again = ingest_paths(neo, [data]).to_dict()["totals"]
    assert again["accepted"] == 0 and again["retracted"] == 0
    assert graph_digest(neo) == graph_digest(embedded)
    neo.clear()
    neo.close()
