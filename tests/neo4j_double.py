"""A recording double of the ``neo4j`` driver that holds the store to each statement's own text.

Why: no Neo4j server runs in CI, and ArcadeDB (the Bolt server the contract suite uses) has no full-text or
vector index, so the Neo4j store's search path never ran there; a wrong keyword in it (``_read(query, query=...)``)
made every full-text search on a real Neo4j raise ``TypeError``. This double runs the store's real code and checks,
for every statement it sends:

- the parameters passed are exactly the statement's ``$parameters`` (none missing, none extra);
- every key the store reads from a result record is a column the statement RETURNs (or YIELDs, for a bare CALL);
- the answer the test scripted for the statement has exactly those columns, so a scripted answer cannot invent
  a column the statement does not return.

It is a double of the driver, not of Neo4j: what a statement *means* is checked by Neo4j's own front end
(tests/test_neo4j_cypher_lint.py) and by a real Bolt server (tests/contract); this checks the seam between the
statements and the Python that sends them and reads their results.
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from graph import cypher
from graph.neo4j_store import Neo4jStore, statements, vector_index_name
from graph.schema import TEXT_LABELS

DIMS = 8  # the vector dimensions of the double's store (the contract suite's)
PARAM_RE = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
_CLAUSE_END_RE = re.compile(r"\s(ORDER BY|SKIP|LIMIT)\s")


def statement_parameters(statement: str) -> frozenset[str]:
    """The ``$name`` parameters a statement uses (the statements keep no ``$`` inside string literals)."""
    return frozenset(PARAM_RE.findall(statement))


def _split_top_level(text: str) -> list[str]:
    items: list[str] = []
    depth = 0
    start = 0
    quote = ""
    for i, ch in enumerate(text):
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "'\"`":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "," and depth == 0:
            items.append(text[start:i])
            start = i + 1
    items.append(text[start:])
    return [item.strip() for item in items if item.strip()]


def _top_level_positions(text: str, word: str) -> list[int]:
    """Offsets of ``word`` (a whole word, upper case as graph/cypher.py writes clauses) outside brackets."""
    out = []
    depth = 0
    quote = ""
    for i, ch in enumerate(text):
        if quote:
            if ch == quote:
                quote = ""
            continue
        if ch in "'\"`":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif (
            depth == 0
            and text.startswith(word, i)
            and (i == 0 or not text[i - 1].isalnum())
            and (i + len(word) == len(text) or not text[i + len(word)].isalnum())
        ):
            out.append(i)
    return out


def returned_columns(statement: str) -> tuple[str, ...]:
    """The columns a statement's result records have: its last top-level RETURN's items (their ``AS`` names),
    else a bare ``CALL ... YIELD``'s names; () for a statement that returns nothing."""
    for clause in ("RETURN", "YIELD"):
        positions = _top_level_positions(statement, clause)
        if not positions:
            continue
        body = statement[positions[-1] + len(clause) :]
        if clause == "YIELD" and _top_level_positions(body, "WHERE"):
            body = body[: _top_level_positions(body, "WHERE")[0]]
        end = _CLAUSE_END_RE.search(body)
        if end:
            body = body[: end.start()]
        columns = []
        for item in _split_top_level(body.removeprefix(" DISTINCT")):
            alias = _top_level_positions(item, "AS")
            name = item[alias[-1] + 2 :].strip() if alias else item
            columns.append(name.strip("`"))
        return tuple(columns)
    return ()


class StatementMisuse(AssertionError):
    """The store sent a statement with the wrong parameters, or read a column it does not return."""


class Record(Mapping[str, Any]):
    """A result record that refuses a key its statement does not return (a driver Record raises KeyError)."""

    def __init__(self, statement_name: str, columns: tuple[str, ...], values: Mapping[str, Any]) -> None:
        self._name = statement_name
        self._columns = columns
        self._values = dict(values)
        self.read: set[str] = set()

    def __getitem__(self, key: str) -> Any:
        if key not in self._columns:
            raise StatementMisuse(f"{self._name}: the store read {key!r}; the statement returns {self._columns}")
        self.read.add(key)
        return self._values[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._columns)

    def __len__(self) -> int:
        return len(self._columns)


@dataclass
class Call:
    """One statement the store sent."""

    name: str
    statement: str
    parameters: dict[str, Any]
    write: bool | None  # None: inside an explicit transaction (its access mode is the transaction's)
    records: list[Record] = field(default_factory=list)
    methods: tuple[str, ...] = ()  # the functions of graph/neo4j_store.py on the stack when it was sent


_STORE_FILE = "graph/neo4j_store.py"


def _store_methods() -> tuple[str, ...]:
    """Names of the graph/neo4j_store.py functions on the caller's stack (innermost first)."""
    out = []
    frame = sys._getframe(1)
    while frame is not None:
        if frame.f_code.co_filename.replace("\\", "/").endswith(_STORE_FILE):
            out.append(frame.f_code.co_name)
        frame = frame.f_back  # type: ignore[assignment]
    return tuple(out)


Answer = Callable[[str, Mapping[str, Any]], Sequence[Mapping[str, Any]]]


class RecordingDriver:
    """Stands in for ``neo4j.Driver``: answers each statement from ``answer(name, parameters)`` and records it.

    ``names`` maps a statement text to its name (``graph.neo4j_store.statements()``); a statement the store sends
    that is not in it fails, so nothing bypasses graph/cypher.py.
    """

    def __init__(self, names: Mapping[str, str], answer: Answer) -> None:
        self.names = dict(names)
        self.answer = answer
        self.calls: list[Call] = []

    # -- what the store calls ------------------------------------------------------------------------------
    def verify_connectivity(self) -> None:
        return None

    def close(self) -> None:
        return None

    def execute_query(
        self,
        statement: str,
        parameters: Mapping[str, Any] | None = None,
        *,
        database_: str | None = None,
        routing_: Any = None,
        **kwargs: Any,
    ) -> tuple[list[Record], None, None]:
        params = {**(parameters or {}), **kwargs}
        write = None if routing_ is None else str(getattr(routing_, "value", routing_)).lower().startswith("w")
        return self.run(statement, params, write), None, None

    def session(self, **config: Any) -> RecordingSession:
        return RecordingSession(self)

    # -- the check ------------------------------------------------------------------------------------------
    def run(self, statement: str, params: Mapping[str, Any], write: bool | None) -> list[Record]:
        name = self.names.get(statement)
        if name is None:
            raise StatementMisuse(f"the store sent a statement that is not in graph/cypher.py: {statement[:120]!r}")
        wanted = statement_parameters(statement)
        given = set(params)
        if given != wanted:
            raise StatementMisuse(
                f"{name}: parameters {sorted(given)} passed, the statement uses {sorted(wanted)}"
                f" (missing {sorted(wanted - given)}, extra {sorted(given - wanted)})"
            )
        columns = returned_columns(statement)
        failure = getattr(self.answer, "errors", {}).get(base_name(name))
        if failure is not None:
            self.calls.append(Call(name, statement, dict(params), write, [], _store_methods()))
            raise failure
        rows = list(self.answer(name, params))
        for row in rows:
            if set(row) != set(columns):
                raise StatementMisuse(f"{name}: the scripted answer has {sorted(row)}; the statement returns {columns}")
        call = Call(
            name, statement, dict(params), write, [Record(name, columns, row) for row in rows], _store_methods()
        )
        self.calls.append(call)
        return list(call.records)


class RecordingTransaction:
    def __init__(self, driver: RecordingDriver) -> None:
        self.driver = driver
        self.state = "open"

    def run(self, statement: str, parameters: Mapping[str, Any] | None = None, **kwargs: Any) -> list[Record]:
        return self.driver.run(statement, {**(parameters or {}), **kwargs}, None)

    def commit(self) -> None:
        self.state = "committed"

    def rollback(self) -> None:
        self.state = "rolled back"


class RecordingSession:
    def __init__(self, driver: RecordingDriver) -> None:
        self.driver = driver

    def __enter__(self) -> RecordingSession:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def close(self) -> None:
        return None

    def begin_transaction(self) -> RecordingTransaction:
        return RecordingTransaction(self.driver)

    def run(self, statement: str, parameters: Mapping[str, Any] | None = None, **kwargs: Any) -> list[Record]:
        return self.driver.run(statement, {**(parameters or {}), **kwargs}, False)


# -- a scripted server and a store that talks to it ------------------------------------------------------------
def base_name(name: str) -> str:
    return name.split("[", 1)[0]


def _indexes_online() -> list[dict[str, Any]]:
    rows = [{"name": cypher.FULLTEXT_INDEX, "type": "FULLTEXT", "state": "ONLINE", "options": {}}]
    rows += [
        {
            "name": vector_index_name(t.value),
            "type": "VECTOR",
            "state": "ONLINE",
            "options": {"indexConfig": {"vector.dimensions": DIMS, "vector.similarity_function": "cosine"}},
        }
        for t in TEXT_LABELS
    ]
    return rows


class Server:
    """Scripted answers by statement name (templates by their constant's name); unscripted statements answer
    no rows. The server version decides the vector search statement (procedure before 2026.01); the search
    indexes default to all present and ONLINE, and the constraints to all present."""

    def __init__(
        self,
        version: str = "5.26.0",
        answers: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
        indexes: Sequence[Mapping[str, Any]] | None = None,
        constraints: Sequence[str] | None = None,
        errors: Mapping[str, Exception] | None = None,
    ) -> None:
        self.version = version
        self.errors = dict(errors or {})  # statement name -> the driver exception the server answers with
        self.answers = dict(answers or {})
        self.indexes = list(indexes) if indexes is not None else _indexes_online()
        self.constraints = constraints

    def __call__(self, name: str, params: Mapping[str, Any]) -> Sequence[Mapping[str, Any]]:
        base = base_name(name)
        if name in self.answers or base in self.answers:
            return self.answers.get(name, self.answers.get(base, []))
        if base == "SERVER_COMPONENTS":
            return [{"name": "Neo4j Kernel", "versions": [self.version], "edition": "community"}]
        if base == "SHOW_SEARCH_INDEXES":
            return self.indexes
        aggregate = _AGGREGATE_RE.search(_TEXTS.get(name, ""))
        if aggregate:  # RETURN count(...) AS x: one row, even of 0
            return [{aggregate.group(1): 0}]
        if base == "SHOW_ID_CONSTRAINTS":
            names = self.constraints if self.constraints is not None else sorted(_all_constraints())
            return [{"name": n} for n in names]
        return self.answers.get(name, self.answers.get(base, []))


_TEXTS = {name: text for name, text in statements(DIMS)}
_AGGREGATE_RE = re.compile(r"RETURN count\([^)]*\) AS (\w+)$")


def _all_constraints() -> set[str]:
    return Neo4jStore("bolt://x.invalid")._expected_constraints()


def double_store(server: Server) -> tuple[Neo4jStore, RecordingDriver]:
    """A Neo4jStore whose driver is a :class:`RecordingDriver` answering as ``server``."""
    store = Neo4jStore("neo4j://double.invalid:7687", vector_dimensions=DIMS)
    driver = RecordingDriver({text: name for name, text in statements(DIMS)}, server)
    store._driver = driver  # the one seam: the store builds its driver lazily, here it gets the double
    return store, driver


# -- every statement through every method that sends it ----------------------------------------------------------
def statement_constants() -> frozenset[str]:
    """The statement constants of graph/cypher.py (templates once, by their constant's name)."""
    return frozenset(base_name(name) for name in _TEXTS)


def statement_uses(path: str = "graph/neo4j_store.py") -> set[tuple[str, str]]:
    """(function, statement constant) for every ``cypher.NAME`` a function of the store module refers to."""
    from pathlib import Path

    constants = statement_constants()
    tree = ast.parse((Path(__file__).resolve().parents[1] / path).read_text(encoding="utf-8"))
    uses: set[tuple[str, str]] = set()
    for func in ast.walk(tree):
        if not isinstance(func, ast.FunctionDef):
            continue
        for node in ast.walk(func):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id == "cypher"
                and node.attr in constants
            ):
                uses.add((func.name, node.attr))
    return uses


def _scripted() -> dict[str, list[dict[str, Any]]]:
    """Answers that drive every branch that sends a further statement (a node left without sources, a cached
    vector, a pending link...). Columns as the statements return them; the double checks that."""
    node = {"id": "person:a", "labels": ["Person", "_Node"], "props": {"name": "A", "_sources": ["s"]}}
    rel = {"id": "r:1", "type": "REPORTS_TO", "start": "person:a", "end": "person:b", "props": {"_sources": ["s"]}}
    pending_rel = '{"type": "REPORTS_TO", "start": "person:a", "end": "?", "props": {}, "key": ""}'
    return {
        "RETRACT_NODES": [{"id": "person:a"}],
        "LIST_PENDING": [{"id": "p1", "source": "s9", "side": "end", "ref": "email:x@y.org", "rel": pending_rel}],
        "LEDGER_OF_FEED": [{"source": "feed#1", "hash": "h1"}],
        "LEDGER_LOOKUP": [{"source": "feed#1", "hash": "h1"}],
        "FEED_STATE": [{"file_hash": "abc"}],
        "LIST_RUNS": [{"report": '{"run_id": "r1", "started": "2026-01-01"}'}],
        "GET_NODE_VIEW": [{**node, "outgoing": [rel], "incoming": []}],
        "GET_NODES": [node],
        "ITER_NODES": [node],
        "ITER_NODES_OF_LABEL": [node],
        "ITER_RELS": [rel],
        "ITER_RELS_OF_TYPE": [rel],
        "TEXTS_TO_EMBED[Chunk]": [
            {"id": "chunk:1", "text": "supplier audits", "text_hash": "h1"},
            {"id": "chunk:2", "text": "new text", "text_hash": "h2"},
        ],
        "CACHED_VECTORS": [{"text_hash": "h1", "vector": [0.5] * DIMS}],
        "SEARCH_FULLTEXT": [{"id": "chunk:1", "labels": ["Chunk", "_Node"], "score": 1.5}],
        "SEARCH_VECTOR_PROCEDURE": [{"id": "chunk:1", "score": 0.9}],
        "SEARCH_VECTOR_CLAUSE": [{"id": "chunk:1", "score": 0.9}],
        "GDS_VERSION": [{"version": "2.13.0"}],
        "GDS_PROJECT_TIES": [{"graph": "wk_g", "nodes": 3, "ties": 1}],
        "GDS_BETWEENNESS": [{"id": "person:a", "score": 0.0}],
        "GDS_PAGERANK": [{"id": "person:a", "score": 0.5}],
        "GDS_LOUVAIN": [{"id": "person:a", "community": 7}],
        "GDS_DROP": [{"graph": "wk_g"}],
    }


def exercise() -> list[Call]:
    """Call every public method of a Neo4jStore against the double, on a server before and after Neo4j 2026.01
    (the two vector search statements), plus a store that writes without having run its schema setup (it
    checks the constraints first). Returns every statement sent."""
    from graph.schema import Label, RelType
    from graph.store import Facts, Node, PendingRel, Rel

    calls: list[Call] = []
    for version in ("5.26.0", "2026.01.0"):
        store, driver = double_store(Server(version, _scripted(), indexes=[]))
        store.setup_schema()  # indexes reported missing at first: the store creates them and waits for them
        driver.answer = Server(version, _scripted())  # now ONLINE, as after AWAIT_INDEXES
        store._features = None
        people = [Node(f"person:{i}", "Person", {"name": f"P{i}"}) for i in range(2)]
        others = [
            Node(f"{label.value.lower()}:1", label.value, {"text": "t"}) for label in Label if label != Label.PERSON
        ]
        rels = [Rel(t.value, "person:0", "person:1") for t in RelType]
        store.write([Facts("s", nodes=[*people, *others], rels=rels)])
        store.write_prepared(store.prepare_write([], ledger=("feed", {"feed#2": "h2"})))
        store.retract_sources(["s"])
        store.add_pending([PendingRel("s9", "end", "email:x@y.org", Rel("REPORTS_TO", "person:0", "?"))])
        store.pending()
        store.delete_pending(["p1"])
        store.record_ledger("feed", {"feed#1": "h1"})
        store.ledger("feed")
        store.ledger_lookup(["feed#1"])
        store.forget_ledger(["feed#1"])
        store.set_feed_state("feed", "abc")
        store.feed_state("feed")
        store.get_node("person:a")
        store.get_nodes(["person:a"])
        for label in [None, *(lab.value for lab in Label)]:
            list(store.iter_nodes(label))
        for rtype in [None, *(t.value for t in RelType)]:
            list(store.iter_rels(rtype))
        store.counts()
        store.content_hash()
        store.search_text("supplier audits")
        list(store.texts_to_embed("m"))
        store.search_vector("m", [0.1] * DIMS)
        store.record_run({"run_id": "r1", "started": "2026-01-01"})
        store.runs()
        store.schema_report()
        store.gds_version()
        store.gds_measures([("person:a", "person:b", 2.0)], ["person:a", "person:b", "person:c"], graph="wk_g")
        store.drop_search_indexes()
        store.clear()
        calls += driver.calls
    fresh, driver = double_store(Server())
    fresh.upsert_nodes([Node("person:z", "Person")], source="s")  # no setup_schema: the constraints are checked
    return calls + driver.calls
