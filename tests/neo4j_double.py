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

import re
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
        rows = list(self.answer(name, params))
        for row in rows:
            if set(row) != set(columns):
                raise StatementMisuse(f"{name}: the scripted answer has {sorted(row)}; the statement returns {columns}")
        call = Call(name, statement, dict(params), write, [Record(name, columns, row) for row in rows])
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
    ) -> None:
        self.version = version
        self.answers = dict(answers or {})
        self.indexes = list(indexes) if indexes is not None else _indexes_online()
        self.constraints = constraints

    def __call__(self, name: str, params: Mapping[str, Any]) -> Sequence[Mapping[str, Any]]:
        base = base_name(name)
        if base == "SERVER_COMPONENTS":
            return [{"name": "Neo4j Kernel", "versions": [self.version], "edition": "community"}]
        if base == "SHOW_SEARCH_INDEXES":
            return self.indexes
        if base.startswith("COUNT_") and base not in self.answers:  # an aggregate returns one row, even of 0
            return [{"count": 0}]
        if base == "SHOW_ID_CONSTRAINTS" and base not in self.answers:
            names = self.constraints if self.constraints is not None else sorted(_all_constraints())
            return [{"name": n} for n in names]
        return self.answers.get(name, self.answers.get(base, []))


def _all_constraints() -> set[str]:
    return Neo4jStore("bolt://x.invalid")._expected_constraints()


def double_store(server: Server) -> tuple[Neo4jStore, RecordingDriver]:
    """A Neo4jStore whose driver is a :class:`RecordingDriver` answering as ``server``."""
    store = Neo4jStore("neo4j://double.invalid:7687", vector_dimensions=DIMS)
    driver = RecordingDriver({text: name for name, text in statements(DIMS)}, server)
    store._driver = driver  # the one seam: the store builds its driver lazily, here it gets the double
    return store, driver
