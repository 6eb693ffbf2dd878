"""``whoknows doctor``: check that a store can serve WhoKnows, and say what to fix.

Why: a Neo4j server can be reachable and still unable to search (no full-text or vector index, an index built
for another embedding size, constraints missing because nothing was ever written), and each of those shows up
much later as an error in the middle of a search. The doctor reads (never writes) what the store has and turns
every gap into one line with the fix. For the embedded store it checks that the file opens and says which
capabilities it offers (all of them).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from graph.neo4j_store import MIN_VERSION, SEARCH_CLAUSE_VERSION, Neo4jStore
from graph.store import CAPABILITIES, GraphStore
from whoknows.errors import StoreError

#: Vectors of the bundled model (all-MiniLM-L6-v2) have this many dimensions; the vector indexes must match.
MODEL_DIMENSIONS = 384
MODEL_NAME = "all-MiniLM-L6-v2"


@dataclass(frozen=True, slots=True)
class Check:
    """One finding: ``status`` is ``ok``, ``warn`` (works, but worth knowing) or ``fail`` (fix before use)."""

    name: str
    status: str
    detail: str
    fix: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _version(v: tuple[int, ...]) -> str:
    return ".".join(str(x) for x in v)


def diagnose(store: GraphStore, *, model_dimensions: int = MODEL_DIMENSIONS) -> list[Check]:
    """Every check for ``store``, in the order a person would fix them; stops after a failed connection."""
    try:
        counts = store.counts()
    except StoreError as exc:
        return [Check("connection", "fail", str(exc), "fix the connection first (the message says how)")]
    nodes = sum(v for k, v in counts.items() if k[:1].isupper() and not k.isupper())
    checks = [Check("connection", "ok", f"{store.url}: {nodes:,} nodes")]
    if isinstance(store, Neo4jStore):
        checks += _neo4j(store, model_dimensions)
    caps = store.capabilities()
    offered = ", ".join(k.__name__ for k in CAPABILITIES if k in caps) or "none"
    lacking = [k for k in CAPABILITIES if k not in caps]
    checks.append(
        Check(
            "capabilities",
            "ok" if not lacking else "warn",
            f"offers {offered}" + "".join(f"; no {k.__name__}: {store.missing_capability(k)}" for k in lacking),
        )
    )
    return checks


def _neo4j(store: Neo4jStore, model_dimensions: int) -> list[Check]:
    report = store.schema_report()
    out: list[Check] = []
    clause = (
        "vector search uses Cypher 25's SEARCH clause"
        if report.version >= SEARCH_CLAUSE_VERSION
        else f"vector search uses db.index.vector.queryNodes (the SEARCH clause from {_version(SEARCH_CLAUSE_VERSION)})"
    )
    out.append(
        Check(
            "server version",
            "ok" if report.version >= MIN_VERSION else "fail",
            f"{report.server}; {clause}",
            "" if report.version >= MIN_VERSION else f"upgrade to Neo4j {_version(MIN_VERSION)} or newer",
        )
    )
    missing = report.missing_constraints
    out.append(
        Check(
            "constraints",
            "fail" if missing else "ok",
            f"{report.expected_constraints - len(missing)} of {report.expected_constraints} uniqueness constraints"
            + (f"; missing {', '.join(missing[:4])}{', ...' if len(missing) > 4 else ''}" if missing else ""),
            "run a write command once (whoknows ingest, whoknows demo or whoknows migrate): it creates them"
            if missing
            else "",
        )
    )
    indexes = report.search_indexes
    refused = store.unsupported
    fulltext = indexes.get("wk_text")
    if fulltext is None:
        out.append(
            Check(
                "full-text index",
                "fail",
                "wk_text is missing"
                + (f" (the server refused it: {refused['fulltext']})" if "fulltext" in refused else ""),
                "run a write command once (whoknows ingest): it creates the index; Neo4j 5.11+ has full-text indexes",
            )
        )
    else:
        state = fulltext.get("state")
        out.append(
            Check(
                "full-text index",
                "ok" if state == "ONLINE" else "warn",
                f"wk_text is {state}",
                "" if state == "ONLINE" else "wait until it is ONLINE (SHOW INDEXES shows its progress)",
            )
        )
    for name in report.vector_index_names:
        index = indexes.get(name)
        if index is None:
            out.append(
                Check(
                    f"vector index {name}",
                    "fail",
                    "missing" + (f" (the server refused it: {refused['vector']})" if "vector" in refused else ""),
                    "run a write command once (whoknows ingest): it creates the index; Neo4j 5.11+ has vector indexes",
                )
            )
            continue
        config = (index.get("options") or {}).get("indexConfig") or {}
        dims = config.get("vector.dimensions")
        state = index.get("state")
        if dims is not None and int(dims) != report.vector_dimensions:
            out.append(
                Check(
                    f"vector index {name}",
                    "fail",
                    f"{dims} dimensions; the store is configured for {report.vector_dimensions}",
                    f"use ?vector_dimensions={dims} in the store URL, or DROP INDEX {name} and run a write command",
                )
            )
        else:
            out.append(
                Check(
                    f"vector index {name}",
                    "ok" if state == "ONLINE" else "warn",
                    f"{state}, {dims} dimensions, {config.get('vector.similarity_function', '?')} similarity",
                    "" if state == "ONLINE" else "wait until it is ONLINE (SHOW INDEXES shows its progress)",
                )
            )
    ok = report.vector_dimensions == model_dimensions
    out.append(
        Check(
            "embedding dimensions",
            "ok" if ok else "fail",
            f"the store takes {report.vector_dimensions}-dimensional vectors; {MODEL_NAME} makes {model_dimensions}",
            ""
            if ok
            else f"use ?vector_dimensions={model_dimensions} in the store URL (and recreate the vector indexes)",
        )
    )
    return out
