"""Neo4j's search procedures answered beside a real Bolt server that lacks them (ArcadeDB), for the contract suite.

Why: ArcadeDB runs the store's Cypher over Bolt but has no full-text or vector index (``CREATE FULLTEXT INDEX``
is refused), so without this the contract's search tests never ran over Bolt: the store's search code (query
building, parameters, reading the results, label filtering, the score mapping, capability detection) was
checked only against a real Neo4j nobody here has. No Neo4j 5.11+ can be installed from PyPI, npm or Debian
(docs/neo4j.md, "What was tried").

What this is, plainly: a wrapper around the real driver that passes every statement to ArcadeDB except the
ones that need Neo4j's indexes. For those it plays the index, not the statement:

- ``CREATE FULLTEXT INDEX`` / ``CREATE VECTOR INDEX`` / ``DROP INDEX`` / ``SHOW INDEXES`` / ``db.awaitIndexes``
  keep a catalogue of the indexes the store asked for (ONLINE at once, with their options);
- ``db.index.fulltext.queryNodes`` and ``db.index.vector.queryNodes`` (and the SEARCH clause) are answered by
  computing what the index yields, ``(node, score)`` pairs, from the nodes in the Bolt server (read in the same
  transaction): BM25 from SQLite FTS5 with the porter stemmer (Lucene's English analyzer stems too; the scores
  are not Lucene's) and exact cosine mapped to Neo4j's ``(1 + cos) / 2`` (Neo4j's HNSW is approximate). The
  rest of the statement (``WHERE``, ``RETURN``, ``LIMIT``) then runs on ArcadeDB unchanged, the procedure call
  replaced by ``UNWIND`` over those pairs.

Every statement, passed on or answered, is checked against its ``$parameters`` as the recording double does
(tests/neo4j_double.py). It proves the store's code and the non-procedure part of its statements over a real
Bolt server; it proves nothing about Neo4j's indexes, which only a real Neo4j (marker ``neo4j``) can.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from graph import cypher
from graph.neo4j_store import statements
from graph.schema import TEXT_LABELS
from tests.neo4j_double import StatementMisuse, base_name, statement_parameters

Runner = Callable[[str, Mapping[str, Any]], list[Any]]

_HITS_PREFIX = (
    "UNWIND $wk_hits AS hit MATCH (node:_Node {id: hit.id}) WITH node, hit.score AS score ORDER BY score DESC"
)
_INDEX_STATEMENTS = {"CREATE_FULLTEXT_INDEX", "CREATE_VECTOR_INDEX", "DROP_INDEX", "SHOW_SEARCH_INDEXES"}
_SEARCH_STATEMENTS = {"SEARCH_FULLTEXT", "SEARCH_VECTOR_PROCEDURE", "SEARCH_VECTOR_CLAUSE"}


class _Row(dict):  # type: ignore[type-arg]
    """A record of an answered statement (the store reads records by key and with dict())."""


class SearchSidecar:
    """The index catalogue and the answers (one per driver)."""

    def __init__(self, vector_dimensions: int) -> None:
        self.names = {text: name for name, text in statements(vector_dimensions)}
        self.indexes: dict[str, dict[str, Any]] = {}
        self.answered: list[str] = []  # names of the statements answered here, in order

    def handles(self, statement: str) -> str | None:
        name = self.names.get(statement)
        if name is None:
            return None
        base = base_name(name)
        if base in _INDEX_STATEMENTS | _SEARCH_STATEMENTS or base == "AWAIT_INDEXES":
            if base == "AWAIT_INDEXES" and not self.indexes:
                return None
            return name
        return None

    def check(self, statement: str, params: Mapping[str, Any]) -> None:
        name = self.names.get(statement, statement[:60])
        wanted = statement_parameters(statement)
        if set(params) != wanted:
            raise StatementMisuse(f"{name}: parameters {sorted(params)} passed, the statement uses {sorted(wanted)}")

    def answer(self, name: str, statement: str, params: Mapping[str, Any], run: Runner) -> list[Any]:
        self.answered.append(name)
        base = base_name(name)
        if base == "CREATE_FULLTEXT_INDEX":
            self.indexes.setdefault(cypher.FULLTEXT_INDEX, {"type": "FULLTEXT", "options": {}})
            return []
        if base == "CREATE_VECTOR_INDEX":
            index = re.search(r"CREATE VECTOR INDEX (\w+) IF NOT EXISTS FOR \(n:(\w+)\)", statement)
            dims = re.search(r"`vector.dimensions`: (\d+)", statement)
            assert index and dims
            config = {"vector.dimensions": int(dims.group(1)), "vector.similarity_function": "cosine"}
            self.indexes.setdefault(
                index.group(1), {"type": "VECTOR", "label": index.group(2), "options": {"indexConfig": config}}
            )
            return []
        if base == "DROP_INDEX":
            self.indexes.pop(name[len("DROP_INDEX[") : -1], None)
            return []
        if base == "AWAIT_INDEXES":
            return []
        if base == "SHOW_SEARCH_INDEXES":
            return [
                _Row(name=n, type=i["type"], state="ONLINE", options=i["options"])
                for n, i in sorted(self.indexes.items())
            ]
        if base == "SEARCH_FULLTEXT":
            hits = self._fulltext(str(params["query"]), run)
            rest = statement.split("YIELD node, score ", 1)[1]
        elif base == "SEARCH_VECTOR_PROCEDURE":
            label = self.indexes[str(params["index"])]["label"]
            hits = self._vector(label, params["vector"], int(params["k"]), run)
            rest = statement.split("YIELD node, score ", 1)[1]
        else:  # SEARCH_VECTOR_CLAUSE[label]
            label = name[len("SEARCH_VECTOR_CLAUSE[") : -1]
            hits = self._vector(label, params["vector"], int(params["k"]), run)
            rest = statement.split("SCORE AS score WITH node, score ", 1)[1]
        return run(f"{_HITS_PREFIX} {rest}", {**params, "wk_hits": hits})

    # -- what the indexes would yield --------------------------------------------------------------------------
    @staticmethod
    def _fulltext(query: str, run: Runner) -> list[dict[str, Any]]:
        db = sqlite3.connect(":memory:")
        db.execute("CREATE VIRTUAL TABLE t USING fts5(id UNINDEXED, text, tokenize='porter unicode61')")
        for label in TEXT_LABELS:
            rows = run(f"MATCH (n:{label.value}) WHERE n.text IS NOT NULL RETURN n.id AS id, n.text AS text", {})
            db.executemany("INSERT INTO t VALUES (?, ?)", [(r["id"], r["text"]) for r in rows])
        found = db.execute("SELECT id, -bm25(t) FROM t WHERE t MATCH ? ORDER BY bm25(t), id", (query,)).fetchall()
        db.close()
        return [{"id": i, "score": float(s)} for i, s in found]

    @staticmethod
    def _vector(label: str, vector: Any, k: int, run: Runner) -> list[dict[str, Any]]:
        rows = run(f"MATCH (n:{label}) WHERE n._vector IS NOT NULL RETURN n.id AS id, n._vector AS v", {})
        if not rows:
            return []
        ids = [r["id"] for r in rows]
        mat = np.asarray([r["v"] for r in rows], dtype=np.float64)
        q = np.asarray(vector, dtype=np.float64)
        cos = mat @ q / np.maximum(np.linalg.norm(mat, axis=1) * np.linalg.norm(q), 1e-12)
        order = np.lexsort((np.array(ids), -cos))[:k]
        return [{"id": ids[i], "score": float((1.0 + cos[i]) / 2.0)} for i in order]


class SidecarTransaction:
    def __init__(self, tx: Any, sidecar: SearchSidecar) -> None:
        self._tx = tx
        self._sidecar = sidecar

    def _run(self, statement: str, params: Mapping[str, Any]) -> list[Any]:
        return list(self._tx.run(statement, dict(params)))

    def run(self, statement: str, parameters: Mapping[str, Any] | None = None, **kwargs: Any) -> list[Any]:
        params = {**(parameters or {}), **kwargs}
        self._sidecar.check(statement, params)
        name = self._sidecar.handles(statement)
        if name is not None:
            return self._sidecar.answer(name, statement, params, self._run)
        return self._run(statement, params)

    def commit(self) -> None:
        self._tx.commit()

    def rollback(self) -> None:
        self._tx.rollback()


class SidecarSession:
    def __init__(self, session: Any, sidecar: SearchSidecar) -> None:
        self._session = session
        self._sidecar = sidecar

    def __enter__(self) -> SidecarSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self._session.close()

    def close(self) -> None:
        self._session.close()

    def begin_transaction(self) -> SidecarTransaction:
        return SidecarTransaction(self._session.begin_transaction(), self._sidecar)

    def run(self, statement: str, parameters: Mapping[str, Any] | None = None, **kwargs: Any) -> Any:
        params = {**(parameters or {}), **kwargs}
        self._sidecar.check(statement, params)
        name = self._sidecar.handles(statement)
        if name is not None:
            return self._sidecar.answer(name, statement, params, lambda s, p: list(self._session.run(s, dict(p))))
        return self._session.run(statement, params)


class SidecarDriver:
    """The real driver, with the search statements answered by a :class:`SearchSidecar`."""

    def __init__(self, driver: Any, vector_dimensions: int) -> None:
        self._driver = driver
        self.sidecar = SearchSidecar(vector_dimensions)

    def verify_connectivity(self) -> None:
        self._driver.verify_connectivity()

    def close(self) -> None:
        self._driver.close()

    def session(self, **config: Any) -> SidecarSession:
        return SidecarSession(self._driver.session(**config), self.sidecar)

    def execute_query(self, statement: str, parameters: Mapping[str, Any] | None = None, **kwargs: Any) -> Any:
        config = {k: v for k, v in kwargs.items() if k.endswith("_")}
        params = {**(parameters or {}), **{k: v for k, v in kwargs.items() if not k.endswith("_")}}
        self.sidecar.check(statement, params)
        name = self.sidecar.handles(statement)
        if name is None:
            return self._driver.execute_query(statement, params, **config)

        def run(s: str, p: Mapping[str, Any]) -> list[Any]:
            return list(self._driver.execute_query(s, dict(p), database_=config.get("database_"))[0])

        return self.sidecar.answer(name, statement, params, run), None, None
