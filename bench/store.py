"""Store backends side by side: ingest throughput and query latency, embedded SQLite vs Neo4j backend over Bolt.

Baseline in the same process: the embedded store (graph/sqlite_store.py) on the same synthetic organisation.
The Bolt backend runs against ArcadeDB (arcadedb-embedded, the CI server; started here on loopback) and, when
NEO4J_URI is set (or --neo4j-url given), against that real Neo4j too (its WhoKnows data is deleted first!).

Measured per backend: upsert throughput (nodes/s, relationships/s in 1,000-row batches inside transactions,
100 records per source), get_node latency (median and p95 over random people), iter_rels throughput (the
projection path), and retract_sources time for 1% of the sources. ArcadeDB is not Neo4j: its figures say what
the protocol costs over Bolt with a generic Cypher engine, not what Neo4j would do.

Also, not timed: the statement contract (tests/neo4j_double.py) run once, counting the statement constants of
graph/cypher.py (``cypher_statements``) and those the store sent through the recording driver double with their
exact parameters and read by their returned columns (``cypher_statements_exercised``; the two must be equal;
``cypher_statement_variants`` counts templates filled per label and type), and ``mypy_errors`` from a run of
mypy with the project's settings (pyproject.toml; 0 is the target).

Usage: python bench/store.py [--people 2000 --extra-rels 2000 --lookups 200] [--no-servers]
Last line: one JSON object of the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from graph.neo4j_store import Neo4jStore, from_url
from graph.sqlite_store import SQLiteStore
from graph.store import Facts, GraphStore, Node, Rel

DEPARTMENTS = ["Finance", "Operations", "Engineering", "Sales", "Legal", "HR", "IT", "Procurement", "Service", "KM"]
RECORDS_PER_SOURCE = 100
BATCH = 1000


def synthetic(people: int, extra_rels: int, seed: int = 1) -> tuple[list[Facts], list[Facts]]:
    """Node facts and relationship facts of a synthetic organisation, grouped by source (one per 100 records)."""
    rng = random.Random(seed)
    node_facts: list[Facts] = []
    rel_facts: list[Facts] = []
    depts = [Node(f"dept:{d.lower()}", "Department", {"name": d}) for d in DEPARTMENTS]
    for start in range(0, people, RECORDS_PER_SOURCE):
        src = f"people.csv#{start // RECORDS_PER_SOURCE}"
        nodes = [
            Node(
                f"person:p{i}",
                "Person",
                {"name": f"Person {i}", "emails": [f"p{i}@example.org"], "department": DEPARTMENTS[i % 10]},
            )
            for i in range(start, min(start + RECORDS_PER_SOURCE, people))
        ]
        node_facts.append(Facts(src, nodes=[*nodes, *depts]))
        rels = [Rel("IN_DEPARTMENT", n.id, f"dept:{DEPARTMENTS[int(n.id[8:]) % 10].lower()}") for n in nodes]
        rels += [
            Rel("REPORTS_TO", n.id, f"person:p{rng.randrange(int(n.id[8:]))}") for n in nodes if n.id != "person:p0"
        ]
        rel_facts.append(Facts(src, rels=rels))
    for start in range(0, extra_rels, RECORDS_PER_SOURCE):
        rels = []
        for _ in range(min(RECORDS_PER_SOURCE, extra_rels - start)):
            a, b = rng.randrange(people), rng.randrange(people)
            rels.append(Rel("INTERACTED", f"person:p{a}", f"person:p{b}", {"count": rng.randrange(1, 9)}))
        rel_facts.append(Facts(f"interactions.csv#{start // RECORDS_PER_SOURCE}", rels=rels))
    return node_facts, rel_facts


def _groups(facts: list[Facts], attr: str) -> list[list[Facts]]:
    """Facts in groups of about BATCH nodes or relationships (what one write call carries)."""
    out: list[list[Facts]] = [[]]
    size = 0
    for f in facts:
        if size >= BATCH:
            out.append([])
            size = 0
        out[-1].append(f)
        size += len(getattr(f, attr))
    return out


def measure(store: GraphStore, node_facts: list[Facts], rel_facts: list[Facts], people: int, lookups: int) -> dict:
    store.setup_schema()
    n_nodes = len({n.id for f in node_facts for n in f.nodes})
    n_rels = len({r.id for f in rel_facts for r in f.rels})
    t = time.perf_counter()
    for group in _groups(node_facts, "nodes"):
        with store.transaction():
            store.write(group)
    node_s = time.perf_counter() - t
    t = time.perf_counter()
    for group in _groups(rel_facts, "rels"):
        with store.transaction():
            store.write(group)
    rel_s = time.perf_counter() - t
    rng = random.Random(2)
    lat = []
    for _ in range(lookups):
        nid = f"person:p{rng.randrange(people)}"
        t = time.perf_counter()
        view = store.get_node(nid)
        lat.append((time.perf_counter() - t) * 1000)
        assert view is not None
    t = time.perf_counter()
    n_iter = sum(1 for _ in store.iter_rels())
    iter_s = time.perf_counter() - t
    assert n_iter == n_rels, (n_iter, n_rels)
    sources = [f.source for f in rel_facts[: max(1, len(rel_facts) // 100)]]
    t = time.perf_counter()
    store.retract_sources(sources)
    retract_s = time.perf_counter() - t
    lat.sort()
    return {
        "nodes": n_nodes,
        "rels": n_rels,
        "nodes_per_s": round(n_nodes / node_s, 1),
        "rels_per_s": round(n_rels / rel_s, 1),
        "get_node_ms_median": round(statistics.median(lat), 3),
        "get_node_ms_p95": round(lat[int(0.95 * (len(lat) - 1))], 3),
        "iter_rels_per_s": round(n_iter / iter_s, 1),
        "retract_1pct_sources_s": round(retract_s, 3),
    }


def statement_contract() -> dict[str, int]:
    """Statements of graph/cypher.py, and how many the store sends through the recording driver double (which
    checks each one's parameters and the columns read): tests/test_neo4j_statements.py asserts the same."""
    from tests.neo4j_double import _TEXTS, base_name, exercise, statement_constants

    calls = exercise()
    return {
        "cypher_statements": len(statement_constants()),
        "cypher_statements_exercised": len({base_name(c.name) for c in calls} & statement_constants()),
        "cypher_statement_variants": len(_TEXTS),
        "cypher_statement_variants_exercised": len({c.name for c in calls} & set(_TEXTS)),
    }


def mypy_errors() -> int:
    """Errors of ``mypy`` with the project's settings (pyproject.toml [tool.mypy]); -1 if it could not run."""
    import re
    import subprocess

    root = Path(__file__).resolve().parents[1]
    proc = subprocess.run([sys.executable, "-m", "mypy"], cwd=root, capture_output=True, text=True, check=False)
    tail = proc.stdout.strip().splitlines()[-1:] or [""]
    if tail[0].startswith("Success"):
        return 0
    m = re.match(r"Found (\d+) errors?", tail[0])
    return int(m.group(1)) if m else -1


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--people", type=int, default=2000)
    ap.add_argument("--extra-rels", type=int, default=2000, help="INTERACTED relationships on top of the org chart")
    ap.add_argument("--lookups", type=int, default=200)
    ap.add_argument("--neo4j-url", default=os.environ.get("NEO4J_URI"), help="also bench this Neo4j (data erased)")
    ap.add_argument("--no-servers", action="store_true", help="only the statement contract and mypy counts")
    args = ap.parse_args()
    checks = {**statement_contract(), "mypy_errors": mypy_errors()}
    print(f"statement contract and types: {checks}")
    if args.no_servers:
        print(json.dumps(checks))
        return
    node_facts, rel_facts = synthetic(args.people, args.extra_rels)
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        sqlite = SQLiteStore(Path(tmp) / "bench.db")
        results["embedded"] = measure(sqlite, node_facts, rel_facts, args.people, args.lookups)
        sqlite.close()

    from tests.test_neo4j_bolt_server import start_arcadedb

    t = time.perf_counter()
    server = start_arcadedb()
    start_s = time.perf_counter() - t
    try:
        bolt = Neo4jStore(server.url, user=server.user, password=server.password, database=server.database)
        results["bolt_arcadedb"] = measure(bolt, node_facts, rel_facts, args.people, args.lookups)
        results["bolt_arcadedb"]["server_start_s"] = round(start_s, 1)
        bolt.close()
    finally:
        server.stop()
    if args.neo4j_url:
        neo = from_url(args.neo4j_url)
        neo.clear()
        results["neo4j"] = measure(neo, node_facts, rel_facts, args.people, args.lookups)
        neo.clear()
        neo.close()

    base = results["embedded"]
    print(f"{'figure':<26}" + "".join(f"{name:>18}" for name in results))
    for key in base:
        print(f"{key:<26}" + "".join(f"{results[name].get(key, ''):>18}" for name in results))
    ratios = {}
    for name in results:
        if name == "embedded":
            continue
        ratios[name] = {
            "ingest_nodes_x": round(results[name]["nodes_per_s"] / base["nodes_per_s"], 4),
            "ingest_rels_x": round(results[name]["rels_per_s"] / base["rels_per_s"], 4),
            "get_node_latency_x": round(results[name]["get_node_ms_median"] / base["get_node_ms_median"], 1),
            "iter_rels_x": round(results[name]["iter_rels_per_s"] / base["iter_rels_per_s"], 4),
        }
        print(f"{name} vs embedded: {ratios[name]}")
    print(json.dumps({"people": args.people, "extra_rels": args.extra_rels, **results, "ratios": ratios, **checks}))


if __name__ == "__main__":
    main()
