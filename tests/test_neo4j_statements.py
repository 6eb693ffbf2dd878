"""The statement contract: the Neo4j store sends each statement of graph/cypher.py with exactly its parameters
and reads only the columns it returns (tests/neo4j_double.py), search included, with the indexes present.

No server: the driver is a recording double (why, and what it checks: its module docstring).
"""

from __future__ import annotations

import numpy as np
import pytest

from graph import cypher
from graph.neo4j_store import statements
from tests.neo4j_double import (
    DIMS,
    Server,
    StatementMisuse,
    base_name,
    double_store,
    exercise,
    returned_columns,
    statement_constants,
    statement_parameters,
    statement_uses,
)


# -- the double itself ------------------------------------------------------------------------------------------
def test_parameters_and_columns_are_read_from_the_statement_text() -> None:
    assert statement_parameters(cypher.SEARCH_FULLTEXT) == {"query", "labels", "limit"}
    assert returned_columns(cypher.SEARCH_FULLTEXT) == ("id", "labels", "score")
    assert returned_columns(cypher.LIST_RUNS) == ("report",)  # ORDER BY / LIMIT are not columns
    assert returned_columns(cypher.SERVER_COMPONENTS) == ("name", "versions", "edition")
    assert returned_columns(cypher.GET_NODE_VIEW) == ("id", "labels", "props", "outgoing", "incoming")
    assert returned_columns(cypher.AWAIT_INDEXES) == ()
    assert returned_columns(cypher.RECORD_RUN) == ()


def test_double_rejects_a_wrong_parameter_and_an_unreturned_column() -> None:
    store, _ = double_store(Server(answers={"FEED_STATE": [{"file_hash": "h"}]}))
    with pytest.raises(StatementMisuse, match=r"missing \['feed'\], extra \['name'\]"):
        store._read(cypher.FEED_STATE, name="x")
    record = store._read(cypher.FEED_STATE, feed="f")[0]
    assert record["file_hash"] == "h"
    with pytest.raises(StatementMisuse, match="returns"):
        record["hash"]
    with pytest.raises(StatementMisuse, match=r"not in graph/cypher\.py"):
        store._read("MATCH (n) RETURN n")


# -- search: the path no Bolt server in CI can run ---------------------------------------------------------------
def test_search_text_sends_the_lucene_query_as_the_query_parameter() -> None:
    hits = [{"id": "c1", "labels": ["Chunk", "_Node"], "score": 2.5}, {"id": "k1", "labels": ["Course"], "score": 1.0}]
    store, driver = double_store(Server(answers={"SEARCH_FULLTEXT": hits}))
    got = store.search_text("Contract negotiation", labels=["Chunk", "Course"], limit=7)
    assert [(h.id, h.label, h.score) for h in got] == [("c1", "Chunk", 2.5), ("k1", "Course", 1.0)]
    call = next(c for c in driver.calls if c.name == "SEARCH_FULLTEXT")
    assert call.parameters == {"query": '"contract" OR "negotiation"', "labels": ["Chunk", "Course"], "limit": 7}


@pytest.mark.parametrize(
    ("version", "statement"),
    [("5.26.0", "SEARCH_VECTOR_PROCEDURE"), ("2026.01.0", "SEARCH_VECTOR_CLAUSE")],
)
def test_search_vector_by_server_version(version: str, statement: str) -> None:
    answers = {statement: [{"id": "c1", "score": 0.9}]}
    store, driver = double_store(Server(version, answers))
    query = np.arange(DIMS, dtype=np.float32)
    got = store.search_vector("m", query, labels=["Chunk"], limit=3)
    assert [(h.id, h.label, round(h.score, 6)) for h in got] == [("c1", "Chunk", 0.8)]  # (1 + cos) / 2 -> cos
    call = next(c for c in driver.calls if base_name(c.name) == statement)
    assert call.parameters["vector"] == [float(x) for x in query]
    assert call.parameters["model"] == "m"
    assert call.parameters["k"] == 3 * 2 + 10


# -- every statement, through every method that sends it ----------------------------------------------------------
def test_every_statement_is_sent_with_its_parameters_and_read_by_its_columns() -> None:
    """The double checks each statement as it is sent (parameters) and read (columns); this checks that the
    scenario sends all of them: every constant of graph/cypher.py, every label and type a template is filled
    with, and each from every function of the store that refers to it."""
    calls = exercise()
    assert {base_name(c.name) for c in calls} == statement_constants()
    assert {c.name for c in calls} == {name for name, _ in statements(DIMS)}
    sent_by = {(method, base_name(c.name)) for c in calls for method in c.methods}
    assert statement_uses() - sent_by == set()


def test_statement_uses_are_found_in_the_store_source() -> None:
    uses = statement_uses()
    assert ("search_text", "SEARCH_FULLTEXT") in uses and ("retract_sources", "RETRACT_NODES") in uses
    assert {constant for _, constant in uses} == statement_constants()  # no statement is dead code
