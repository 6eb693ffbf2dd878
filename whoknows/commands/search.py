"""``whoknows search "..."`` (experts, with evidence and why) and ``whoknows docs "..."`` (knowledge assets).

Thin layer over :func:`search.ranking.find_experts` and :func:`search.documents.search_documents`: it opens the
store read-only, loads the embedder, and prints a readable table or ``--json``.
"""

from __future__ import annotations

import json
import sys
import textwrap
from typing import Any

import click

from whoknows.commands.options import open_cli_store, store_option

EMBED_HELP = "Embedding backend: onnx (int8, default) or torch (fp32 reference); none = lexical search only."


def _embedder(backend: str) -> Any:
    if backend == "none":
        return None
    from search.embedder import load_embedder

    return load_embedder(backend)


def _short(text: str | None, n: int) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= n else text[: n - 1] + "…"


@click.command("search")
@click.argument("query")
@store_option
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 500), help="How many people.")
@click.option("--department", default=None, help="Only people in this department (exact name, any case).")
@click.option("--location", default=None, help="Only people at this location (exact, any case).")
@click.option("--role", default=None, help="A CoP role (member, leader, facilitator, sme) or part of a job title.")
@click.option("--viewer", default=None, metavar="PERSON_ID", help="Apply this person's document permissions.")
@click.option("--embedder", "backend", default="onnx", show_default=True,
              type=click.Choice(["onnx", "torch", "none"]), help=EMBED_HELP)  # fmt: skip
@click.option("--evidence", "n_evidence", default=3, show_default=True, help="Evidence lines shown per person.")
@click.option("--thorough", is_flag=True, help="Use 2,000 items per retrieval method (long queries; slower).")
@click.option("--json", "as_json", is_flag=True, help="Print results (with all evidence) as JSON.")
def search(
    query: str,
    store_url: str | None,
    limit: int,
    department: str | None,
    location: str | None,
    role: str | None,
    viewer: str | None,
    backend: str,
    n_evidence: int,
    thorough: bool,
    as_json: bool,
) -> None:
    """Find the people who know about QUERY, ranked, each with the evidence behind the ranking."""
    from search.ranking import DEFAULT_CONFIG, THOROUGH_CONFIG, find_experts

    store = open_cli_store(store_url, read_only=True)
    try:
        results = find_experts(
            store, _embedder(backend), query, viewer=viewer, limit=limit,
            filters={"department": department, "location": location, "role": role},
            config=THOROUGH_CONFIG if thorough else DEFAULT_CONFIG,
        )  # fmt: skip
    finally:
        store.close()
    if as_json:
        click.echo(json.dumps({"query": query, "results": [r.to_dict() for r in results]}, indent=2, default=str))
        return
    if not results:
        click.echo("No one found. Try other words, fewer filters, or check that the store is ingested and embedded.")
        return
    width = 100
    for i, r in enumerate(results, start=1):
        where = ", ".join(x for x in (r.title, r.department, r.location) if x)
        click.secho(f"{i:>2}. {r.name}  [{r.person_id}]  score {r.score:.3f}", bold=True)
        if where:
            click.echo(f"    {where}")
        for line in textwrap.wrap(r.why, width=width - 4):
            click.echo(f"    {line}")
        for e in r.evidence[:n_evidence]:
            click.echo(f"      +{e.contribution:.3f}  {e.relation:<16} {_short(e.title, 60)}")
            if e.passage:
                click.echo(f'               "{_short(e.passage, 80)}"')
        if len(r.evidence) > n_evidence:
            click.echo(f"      ... {len(r.evidence) - n_evidence} more evidence records (--json shows all)")
    sys.stdout.flush()


@click.command("docs")
@click.argument("query")
@store_option
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 500), help="How many documents.")
@click.option("--viewer", default=None, metavar="PERSON_ID", help="Apply this person's document permissions.")
@click.option("--embedder", "backend", default="onnx", show_default=True,
              type=click.Choice(["onnx", "torch", "none"]), help=EMBED_HELP)  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Print results as JSON.")
def docs(query: str, store_url: str | None, limit: int, viewer: str | None, backend: str, as_json: bool) -> None:
    """Find documents (knowledge assets) about QUERY, each with its best matching passage."""
    from search.documents import search_documents

    store = open_cli_store(store_url, read_only=True)
    try:
        results = search_documents(store, _embedder(backend), query, viewer=viewer, limit=limit)
    finally:
        store.close()
    if as_json:
        click.echo(json.dumps({"query": query, "results": [r.to_dict() for r in results]}, indent=2, default=str))
        return
    if not results:
        click.echo("No documents found. Try other words, or check that the store is ingested and embedded.")
        return
    for i, d in enumerate(results, start=1):
        meta = ", ".join(x for x in (", ".join(d.authors[:3]), d.date, d.community) if x)
        click.secho(f"{i:>2}. {d.title}  score {d.score:.3f}", bold=True)
        if meta:
            click.echo(f"    {meta}")
        click.echo(f'    "{_short(d.passage, 160)}"')


@click.command("reviewers")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@store_option
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 500), help="How many people.")
@click.option("--viewer", default=None, metavar="PERSON_ID", help="Apply this person's document permissions.")
@click.option("--exclude", "exclude_people", multiple=True, metavar="PERSON_ID", help="Also leave out this person.")
@click.option("--embedder", "backend", default="onnx", show_default=True,
              type=click.Choice(["onnx", "torch", "none"]), help=EMBED_HELP)  # fmt: skip
@click.option("--evidence", "n_evidence", default=3, show_default=True, help="Evidence lines shown per person.")
@click.option("--json", "as_json", is_flag=True, help="Print results (with all evidence) as JSON.")
def reviewers(
    path: str,
    store_url: str | None,
    limit: int,
    viewer: str | None,
    exclude_people: tuple[str, ...],
    backend: str,
    n_evidence: int,
    as_json: bool,
) -> None:
    """Who could review the document at PATH: experts on its topic, never its own authors."""
    from pathlib import Path

    from ingest.documents import read_document
    from ingest.report import Rejection
    from search.permissions import person_node_id
    from search.reviewers import asset_from_record, find_reviewers

    file = Path(path)
    with file.open("rb") as fp:
        record = read_document(fp, file.name, doc_key=file.name)
    if isinstance(record, Rejection):  # say why the file cannot be read and what would be valid
        raise click.ClickException(f"{file}: {record.reason}; expected {record.expected}")
    store = open_cli_store(store_url, read_only=True)
    try:
        asset = asset_from_record(store, record)
        results = find_reviewers(
            store, _embedder(backend), asset, viewer=viewer, limit=limit,
            exclude_people=[person_node_id(p) for p in exclude_people],
        )  # fmt: skip
    finally:
        store.close()
    if as_json:
        payload = {
            "document": str(file),
            "authors_left_out": sorted(asset.authors),
            "same_documents_in_store": sorted(asset.documents),
            "results": [r.to_dict() for r in results],
        }
        click.echo(json.dumps(payload, indent=2, default=str))
        return
    if not results:
        click.echo("No one found. Check that the store is ingested and embedded.")
        return
    if asset.authors:
        click.echo(f"Leaving out the document's authors: {', '.join(sorted(asset.authors))}")
    for i, r in enumerate(results, start=1):
        where = ", ".join(x for x in (r.title, r.department, r.location) if x)
        click.secho(f"{i:>2}. {r.name}  [{r.person_id}]  score {r.score:.3f}", bold=True)
        if where:
            click.echo(f"    {where}")
        for e in r.evidence[:n_evidence]:
            click.echo(f"      +{e.contribution:.3f}  {e.relation:<16} {_short(e.title, 60)}")
