"""``whoknows migrate --from STORE --to STORE``: copy a whole graph between backends through the store protocol.

Why through the protocol: the same code moves the embedded file to Neo4j when an organisation outgrows one
machine, and back again (for a laptop demo of production data), and it is checked by the same contract as the
backends. What is copied: nodes and relationships with their provenance (every source that asserted them),
pending relationships, ingest run reports, and with ``--model`` the vectors of that embedding model. Then the
copy is verified: counts per label and type, and a digest of every node's and relationship's id, label/type,
ends and properties, must be equal on both sides, or the command fails.

Not copied: the ingest ledger and feed states. The protocol cannot list feeds, so the first ingest into the
target re-reads every record (changing nothing: writes are idempotent) and records the ledger again.

Relationship keys: a relationship's id is derived from (type, start, end, key) and the key is not stored, so it
is recovered by finding the candidate (empty, or one of the relationship's property values) whose derived id
equals the stored id. A relationship whose key cannot be recovered stops the copy, naming it.
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

import click

from graph.store import Facts, GraphStore, Node, Rel, StoredRel, rel_id
from whoknows.errors import StoreError

BATCH = 5000


@dataclass
class MigrationReport:
    source: str
    target: str
    nodes: int = 0
    rels: int = 0
    pending: int = 0
    runs: int = 0
    vectors: dict[str, int] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    digest: str = ""
    seconds: float = 0.0
    not_copied: tuple[str, ...] = ("ingest ledger and feed states (re-recorded by the next ingest)",)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def recover_key(rel: StoredRel) -> str:
    """The key whose derived id is ``rel.id``: empty, or one of the relationship's property values."""
    candidates: list[str] = [""]
    for value in rel.props.values():
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            candidates.append(str(value))
    for key in candidates:
        if rel_id(rel.type, rel.start, rel.end, key) == rel.id:
            return key
    raise StoreError(
        f"cannot recover the key of relationship {rel.id} ({rel.type} {rel.start}->{rel.end}): no candidate "
        "(empty or one of its property values) derives its id; the copy would change its identity"
    )


def _present(props: dict[str, Any]) -> dict[str, Any]:
    # Neo4j cannot hold a null property (absent is its null); the embedded store keeps nulls written on insert.
    return {k: v for k, v in props.items() if v is not None}


def graph_digest(store: GraphStore) -> str:
    """A backend-independent digest of the graph: ids, labels/types, ends and non-null properties (not
    provenance). A null property and an absent one count as the same, as they read the same with ``.get``."""
    h = hashlib.blake2b(digest_size=20)
    for n in sorted(store.iter_nodes(), key=lambda n: n.id):  # sorted here: backends collate differently
        h.update(json.dumps([n.id, n.label, _present(n.props)], sort_keys=True, default=str).encode())
    for r in sorted(store.iter_rels(), key=lambda r: r.id):
        h.update(json.dumps([r.id, r.type, r.start, r.end, _present(r.props)], sort_keys=True, default=str).encode())
    return h.hexdigest()


def _chunked(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _is_empty(counts: dict[str, int]) -> bool:
    return not any(counts.values())


def migrate_store(
    source: GraphStore,
    target: GraphStore,
    *,
    models: Iterable[str] = (),
    replace: bool = False,
    batch: int = BATCH,
    log: Callable[[str], None] = lambda _msg: None,
) -> MigrationReport:
    """Copy ``source`` into ``target`` (which must be empty, or is emptied with ``replace`` where the backend
    supports it) and verify the copy. Returns what was copied; raises :class:`StoreError` if verification fails.
    """
    started = time.perf_counter()
    report = MigrationReport(source.url, target.url)
    target.setup_schema()
    if not _is_empty(target.counts()):
        from graph.neo4j_store import Neo4jStore

        # only a Neo4j database is emptied in place; an embedded target is a new file path instead
        if not replace or not isinstance(target, Neo4jStore):
            raise StoreError(
                f"target {target.url} is not empty; migrate into an empty store"
                + (" or pass --replace to empty it first" if isinstance(target, Neo4jStore) else " (a new file path)")
            )
        log(f"emptying {target.url}")
        target.clear()
    rel_sources: dict[str, tuple[str, ...]] = {}

    def sources_of_node(node_id: str) -> tuple[str, ...]:
        # The embedded store's projection omits sources; its get_node has them (and those of the node's
        # outgoing relationships, kept for the relationship pass).
        view = source.get_node(node_id)
        if view is None:  # pragma: no cover - deleted while migrating
            return ()
        for r in view.outgoing:
            rel_sources[r.id] = r.sources
        return view.node.sources

    log("copying nodes")
    for part in _chunked(source.iter_nodes(), batch):
        by_source: dict[str, list[Node]] = {}
        for n in part:
            for src in n.sources or sources_of_node(n.id):
                by_source.setdefault(src, []).append(Node(n.id, n.label, n.props))
        with target.transaction():
            target.write([Facts(src, nodes=nodes) for src, nodes in by_source.items()])
        report.nodes += len(part)
    log(f"copied {report.nodes} nodes; copying relationships")
    for part in _chunked(source.iter_rels(), batch):
        by_source_rels: dict[str, list[Rel]] = {}
        for r in part:
            srcs = r.sources or rel_sources.get(r.id)
            if not srcs:
                sources_of_node(r.start)
                srcs = rel_sources.get(r.id, ())
            if not srcs:
                raise StoreError(f"relationship {r.id} ({r.type} {r.start}->{r.end}) has no source to copy")
            rel = Rel(r.type, r.start, r.end, r.props, key=recover_key(r))
            for src in srcs:
                by_source_rels.setdefault(src, []).append(rel)
        with target.transaction():
            target.write([Facts(src, rels=rels) for src, rels in by_source_rels.items()])
        report.rels += len(part)
    log(f"copied {report.rels} relationships")
    pending = source.pending()
    if pending:
        report.pending = target.add_pending(pending)
    runs = source.runs(limit=1_000_000)
    for run in reversed(runs):
        target.record_run(run)
    report.runs = len(runs)
    for model in models:
        todo = list(target.texts_to_embed(model))
        vectors = source.cached_vectors(model, [t.text_hash for t in todo])
        report.vectors[model] = target.set_vectors(
            model, [(t.id, t.text_hash, vectors[t.text_hash]) for t in todo if t.text_hash in vectors]
        )
        log(f"copied {report.vectors[model]} vectors of {model}")
    log("verifying")
    source_counts, target_counts = source.counts(), target.counts()
    if source_counts != target_counts:
        diff = {
            k: (source_counts.get(k), target_counts.get(k))
            for k in source_counts
            if source_counts.get(k) != target_counts.get(k)
        }
        raise StoreError(f"copy verification failed: counts differ (source, target): {diff}")
    source_digest, target_digest = graph_digest(source), graph_digest(target)
    if source_digest != target_digest:
        raise StoreError("copy verification failed: the graphs have equal counts but different contents")
    report.counts = target_counts
    report.digest = target_digest
    report.seconds = round(time.perf_counter() - started, 3)
    return report


@click.command("migrate")
@click.option("--from", "source_url", required=True, metavar="STORE", help="Store to copy from (path or URL).")
@click.option("--to", "target_url", required=True, metavar="STORE", help="Store to copy into (empty).")
@click.option("--model", "models", multiple=True, help="Also copy the vectors of this embedding model (repeatable).")
@click.option("--replace", is_flag=True, help="Empty a non-empty Neo4j target first (deletes its WhoKnows data).")
@click.option("--batch", default=BATCH, show_default=True, help="Nodes or relationships per write transaction.")
@click.option("--json", "as_json", is_flag=True, help="Print the migration report as JSON.")
def migrate(
    source_url: str, target_url: str, models: tuple[str, ...], replace: bool, batch: int, as_json: bool
) -> None:
    """Copy a whole graph between backends (embedded file <-> Neo4j) and verify the copy by counts and digest.

    Example: whoknows migrate --from var/whoknows.db --to neo4j://localhost:7687 --model all-MiniLM-L6-v2
    """
    from graph.open import open_store

    source = open_store(source_url, read_only=True)
    target = open_store(target_url)
    try:
        report = migrate_store(
            source,
            target,
            models=models,
            replace=replace,
            batch=batch,
            log=lambda msg: click.echo(msg, err=True) if sys.stderr.isatty() else None,
        )
    finally:
        source.close()
        target.close()
    if as_json:
        click.echo(json.dumps(report.to_dict(), indent=2))
        return
    click.echo(
        f"copied {report.nodes} nodes, {report.rels} relationships, {report.pending} pending, {report.runs} runs"
        + "".join(f", {n} vectors of {m}" for m, n in report.vectors.items())
        + f" from {report.source} to {report.target} in {report.seconds:.1f}s; verified (digest {report.digest[:12]})"
    )
    for item in report.not_copied:
        click.echo(f"not copied: {item}")
