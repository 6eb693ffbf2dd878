"""A real Bolt server for the Neo4j backend's tests: ArcadeDB (``arcadedb-embedded`` from PyPI) with its Bolt plugin.

Why ArcadeDB: no Neo4j server can be installed here and there is no container engine, but ArcadeDB installs from
PyPI with its own Java runtime, speaks Bolt (the official ``neo4j`` driver connects to it unchanged), reports
Neo4j 5.26 compatibility from ``dbms.components()``, runs Cypher, enforces uniqueness constraints and rolls
transactions back. It is not Neo4j: it has no Neo4j vector or full-text indexes, so the store reports those
capabilities missing there and the search contract tests skip with that reason (see docs/neo4j.md).

The server runs in a child process (its JVM lives there, not in pytest's process), listens on loopback ports
chosen free at start, and stops when the parent closes the child's stdin, so a crashed test run cannot leave it
behind: the child sees end-of-file and shuts down.

This module also holds the tests of the launcher itself, and :func:`arcadedb_bolt` is the session fixture the
contract suite and tests/test_neo4j_*.py use (marker ``bolt``).
"""

from __future__ import annotations

import atexit
import importlib.util
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import types
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

DATABASE = "whoknows"
USER = "root"
PASSWORD = "whoknows-test-password"  # a throwaway server on loopback; not a secret
START_TIMEOUT_S = 120.0

# Runs in the child: start ArcadeDB with the Bolt plugin on loopback, create the database, say READY, then wait
# for the parent to close stdin and stop the server.
_SERVE = r"""
import sys
from arcadedb_embedded.server import ArcadeDBServer
root, bolt_port, http_port, password, database = sys.argv[1:6]
server = ArcadeDBServer(root_path=root, root_password=password, jvm_kwargs={"heap_size": "1g"}, config={
    "host": "127.0.0.1",
    "http_port": int(http_port),
    "server_plugins": "Bolt:com.arcadedb.bolt.BoltProtocolPlugin",
    "bolt_port": int(bolt_port),
})
server.start()
try:
    server.create_database(database)
    print("READY", flush=True)
    sys.stdin.read()
finally:
    server.stop()
"""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class BoltServer:
    """A running ArcadeDB Bolt server: where to connect and how to stop it."""

    url: str
    user: str
    password: str
    database: str
    process: subprocess.Popen[str]
    root: Path
    log: Path

    def stop(self, timeout_s: float = 30.0) -> None:
        if self.process.poll() is None:
            assert self.process.stdin is not None
            self.process.stdin.close()
            try:
                self.process.wait(timeout_s)
            except subprocess.TimeoutExpired:  # pragma: no cover - only when the JVM hangs on shutdown
                self.process.terminate()
                self.process.wait(10)
        shutil.rmtree(self.root, ignore_errors=True)


def arcadedb_available() -> bool:
    return importlib.util.find_spec("arcadedb_embedded") is not None


def start_arcadedb(timeout_s: float = START_TIMEOUT_S) -> BoltServer:
    """Start ArcadeDB with Bolt on a free loopback port; raise RuntimeError with the server log if it fails."""
    root = Path(tempfile.mkdtemp(prefix="whoknows-arcadedb-"))
    log = root / "server.log"
    bolt_port, http_port = _free_port(), _free_port()
    with log.open("w") as log_file:
        proc = subprocess.Popen(
            [sys.executable, "-c", _SERVE, str(root / "db"), str(bolt_port), str(http_port), PASSWORD, DATABASE],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log_file,
            text=True,
        )
    assert proc.stdout is not None
    deadline = time.monotonic() + timeout_s
    line = ""
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if "READY" in line or proc.poll() is not None:
            break
    if "READY" not in line:
        proc.kill()
        proc.wait(10)
        tail = log.read_text(errors="replace")[-3000:]
        shutil.rmtree(root, ignore_errors=True)
        raise RuntimeError(f"ArcadeDB Bolt server did not start within {timeout_s:.0f}s; its log ends:\n{tail}")
    return BoltServer(f"bolt://127.0.0.1:{bolt_port}", USER, PASSWORD, DATABASE, proc, root, log)


# Held in sys.modules, not a module global: pytest imports this file once as a test module and the other test
# modules import it again as ``tests.test_neo4j_bolt_server``; both must share one server.
_SHARED = sys.modules.setdefault("_whoknows_arcadedb_server", types.ModuleType("_whoknows_arcadedb_server"))


def shared_arcadedb() -> BoltServer:
    """The process's one ArcadeDB server, started on first use and stopped when the process exits.

    Why not a plain session fixture: test modules import :func:`arcadedb_bolt`, and pytest makes each import
    its own fixture definition, which would start one server per module. A closed stdin stops the child even
    if this process dies without running atexit.
    """
    server: BoltServer | None = getattr(_SHARED, "server", None)
    if server is None:
        server = start_arcadedb()
        _SHARED.server = server  # type: ignore[attr-defined]
        atexit.register(server.stop)
    return server


@pytest.fixture(scope="session")
def arcadedb_bolt() -> BoltServer:
    """The ArcadeDB Bolt server for this test process (starting one takes a few seconds, so it is shared)."""
    if not arcadedb_available():
        message = "arcadedb-embedded is not installed: pip install arcadedb-embedded==26.10.2.post1"
        if os.environ.get("CI"):  # in CI a missing server must fail, not quietly skip the Bolt contract
            pytest.fail(message)
        pytest.skip(message)
    return shared_arcadedb()


# -- tests of the launcher itself --------------------------------------------------------------------------------


@pytest.mark.bolt
def test_arcadedb_speaks_bolt_and_claims_neo4j_5(arcadedb_bolt: BoltServer) -> None:
    from neo4j import GraphDatabase

    with GraphDatabase.driver(arcadedb_bolt.url, auth=(arcadedb_bolt.user, arcadedb_bolt.password)) as driver:
        records, _, _ = driver.execute_query(
            "CALL dbms.components() YIELD name, versions RETURN name, versions", database_=arcadedb_bolt.database
        )
    assert records[0]["name"] == "Neo4j Kernel"
    assert records[0]["versions"][0].startswith("5.")


def make_contract_store(backend: str, request: pytest.FixtureRequest) -> Any:
    """A Neo4j-backed store for the contract suite: ``bolt`` (ArcadeDB, started once per session, with Neo4j's
    search procedures answered beside it by tests/bolt_search.py) or ``neo4j``
    (the server at NEO4J_URI; its WhoKnows data is deleted before every test, so point it at a test database).

    The contract's vector test uses 8-dimensional vectors, so the store is configured for 8.
    """
    from graph.neo4j_store import Neo4jStore, from_url

    if backend == "bolt":
        from neo4j import GraphDatabase

        from tests.bolt_search import SidecarDriver

        server: BoltServer = request.getfixturevalue("arcadedb_bolt")
        store = Neo4jStore(
            server.url, user=server.user, password=server.password, database=server.database, vector_dimensions=8
        )
        # ArcadeDB has no Neo4j search index: those statements are answered beside it (tests/bolt_search.py)
        store._driver = SidecarDriver(GraphDatabase.driver(server.url, auth=(server.user, server.password)), 8)
    elif backend == "neo4j":
        url = os.environ.get("NEO4J_URI")
        if not url:
            pytest.skip("NEO4J_URI is not set: no real Neo4j to run the contract against")
        base = from_url(url)
        store = Neo4jStore(
            base.uri, user=base.user, password=base.password, database=base.database, vector_dimensions=8
        )
        store.open()
        store.drop_search_indexes()  # recreated by setup_schema with 8 dimensions
    else:  # pragma: no cover
        raise AssertionError(f"unknown backend {backend}")
    store.clear()
    return store
