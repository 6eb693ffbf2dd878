"""Neo4j's own Cypher front end checks every statement of graph/cypher.py (marker ``cypher_lint``).

The statements are exported from Python to JSON and linted by tests/cypher_lint/lint.mjs with the pinned
``@neo4j-cypher/language-support`` (semantic analysis compiled from Neo4j's Java front end), with our labels,
relationship types and a declared procedure list (tests/cypher_lint/registry.json). Errors and deprecation
warnings fail. The guard test proves the lint rejects known-bad Cypher, so it cannot silently pass everything.
Needs ``npm ci --prefix tests/cypher_lint`` (CI runs it).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from graph import cypher
from graph.neo4j_store import CYPHER5_ONLY, statements
from graph.schema import Label, RelType

pytestmark = [pytest.mark.cypher_lint, pytest.mark.slow]

LINT_DIR = Path(__file__).parent / "cypher_lint"
LANGUAGES = ("CYPHER 5", "CYPHER 25")


def _lint(items: list[dict[str, str]], tmp_path: Path) -> dict[tuple[str, str], list[dict[str, str]]]:
    node = shutil.which("node")
    assert node, "node is not on PATH; the Cypher lint needs Node.js 18+"
    assert (LINT_DIR / "node_modules" / "@neo4j-cypher" / "language-support").is_dir(), (
        "the Cypher linter is not installed; run: npm ci --prefix tests/cypher_lint"
    )
    payload = {
        "labels": [label.value for label in Label] + list(cypher.INTERNAL_LABELS),
        "relationshipTypes": [t.value for t in RelType],
        "statements": items,
    }
    path = tmp_path / "statements.json"
    path.write_text(json.dumps(payload))
    proc = subprocess.run([node, str(LINT_DIR / "lint.mjs"), str(path)], capture_output=True, text=True, timeout=120)
    assert proc.returncode in (0, 1), f"lint.mjs failed: {proc.stderr[-2000:]}"
    return {(r["name"], r["language"]): r["problems"] for r in json.loads(proc.stdout)}


def _exported() -> list[dict[str, str]]:
    """One instance of every constant (a template filled for its first label or type) under each language the
    store may run it under. Instances differ only in a declared label or type, and the front end takes about
    0.35 s a statement, so linting all 127 instances twice would triple the time for no extra check."""
    items = []
    seen: set[str] = set()
    for name, query in statements():
        base = name.split("[", 1)[0]
        if base in seen:
            continue
        seen.add(base)
        languages = ("CYPHER 5",) if base in CYPHER5_ONLY else LANGUAGES
        items += [{"name": name, "query": query, "language": lang} for lang in languages]
    return items


def test_every_cypher_constant_is_exported() -> None:
    exported = {name.split("[", 1)[0] for name, _ in statements()}
    constants = {n for n in dir(cypher) if n.isupper() and isinstance(getattr(cypher, n), str)}
    names = {"NODE", "LEDGER", "FEED", "PENDING", "RUN", "VECTOR_CACHE", "FULLTEXT_INDEX", "VECTOR_INDEX_PREFIX"}
    assert constants - names == exported
    assert len(statements()) > 60  # templates filled for every label and type


def test_every_statement_passes_neo4j_front_end(tmp_path: Path) -> None:
    results = _lint(_exported(), tmp_path)
    bad = {f"{name} ({lang})": problems for (name, lang), problems in results.items() if problems}
    assert not bad, json.dumps(bad, indent=1)
    assert len(results) == len(_exported()) > 90


KNOWN_BAD = [
    ("syntax", "MATCH (n:_Node {id: $id}) RETURN n LIMIT", "CYPHER 5", "Invalid input"),
    ("undefined", "MATCH (n:_Node) RETURN m.id AS id", "CYPHER 5", "Variable `m` not defined"),
    # removed in Cypher 25 (replaced by db.create.setNodeVectorProperty): not in the declared procedures
    (
        "removed",
        "MATCH (n:Chunk) CALL db.create.setVectorProperty(n, '_vector', $v) YIELD node RETURN node",
        "CYPHER 25",
        "db.create.setVectorProperty is not present",
    ),
    # deprecated in Cypher 25 from Neo4j 2026.04: a warning, which fails the build like an error
    ("deprecated_procedure", cypher.SEARCH_VECTOR_PROCEDURE, "CYPHER 25", "deprecated"),
    ("deprecated_function", "MATCH (n:_Node) RETURN id(n) AS x", "CYPHER 5", "deprecated"),
    ("unknown_label", "MATCH (n:Robot) RETURN n.id AS id", "CYPHER 5", "Label Robot is not present"),
    ("unknown_function", "RETURN nosuchfn(1) AS x", "CYPHER 25", "Function nosuchfn is not present"),
]


@pytest.fixture(scope="module")
def known_bad_results(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], list[dict[str, str]]]:
    items = [{"name": name, "query": q, "language": lang} for name, q, lang, _ in KNOWN_BAD]
    return _lint(items, tmp_path_factory.mktemp("bad"))


@pytest.mark.parametrize(("name", "query", "language", "expected"), KNOWN_BAD, ids=[b[0] for b in KNOWN_BAD])
def test_lint_rejects_known_bad_cypher(
    name: str, query: str, language: str, expected: str, known_bad_results: dict[tuple[str, str], list[dict[str, str]]]
) -> None:
    problems = known_bad_results[(name, language)]
    assert problems, f"the lint accepted known-bad Cypher: {query}"
    assert any(expected in p["message"] for p in problems), problems
