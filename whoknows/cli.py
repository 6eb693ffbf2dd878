"""The ``whoknows`` command line: a thin layer over the library.

Exit codes: 0 success; 1 a WhoKnows error (bad store, unreadable input, ...); 2 a usage error (click);
3 the ingest finished but some input could not be read at all (or, with ``--strict``, anything was rejected).
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from graph.store import GraphStore
from whoknows.commands import analytics, doctor, migrate, search
from whoknows.commands.options import open_cli_store, store_option
from whoknows.errors import WhoKnowsError


class _Group(click.Group):
    """Turns WhoKnows errors into one clear line and exit code 1 instead of a traceback; strips control
    characters and escape sequences from everything commands write (whoknows/terminal.py)."""

    def invoke(self, ctx: click.Context) -> Any:
        from whoknows.terminal import safe_streams

        with safe_streams():  # names and titles from the data are printed as text, never as terminal commands
            try:
                return super().invoke(ctx)
            except WhoKnowsError as exc:
                click.secho(f"error: {exc}", err=True, fg="red")
                sys.exit(1)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="whoknows")
def main() -> None:
    """WhoKnows: find the people who know, from the traces of their work.

    Ingest a people directory (SCIM/CSV), course completions (xAPI/CSV), communities of practice (CSV/SCIM
    Groups), interactions and documents into a knowledge graph; then search for experts, map the network and
    pick who can spread an idea.
    """
    os.environ.setdefault("HF_HUB_OFFLINE", "1")


def _print_run(run: dict[str, Any], *, max_rejections: int = 20) -> None:
    from ingest.report import counts_in_words

    sources = run["sources"]
    seen = sum(int(s["read"]) + int(s["rejected"]) for s in sources)
    rejected = sum(int(s["rejected"]) for s in sources)
    click.echo(
        f"run {run['run_id'][:8]}: {seen:,} records from {len(sources)} source(s), {rejected:,} rejected; "
        f"pending people links resolved {run['pending_resolved']}, still pending {run['pending_left']}; "
        f"embedded {run.get('embedded', 0)}"
    )
    for s in sources:
        flag = " (unchanged file, skipped)" if s["skipped_unchanged_file"] else ""
        click.echo(f"  {s['kind']:<12} {s['path']}: {counts_in_words(s)}{flag}")
    shown = 0
    for s in run["sources"]:
        for r in s["rejections"]:
            if shown < max_rejections:
                click.echo(f"    rejected: {r['message']}")
            shown += 1
        for n in s["notices"][:5]:
            click.echo(f"    note: {n['message']}")
    if shown > max_rejections:
        click.echo(f"    ... and {shown - max_rejections} more rejections (whoknows status --json shows all)")


def _step(text: str) -> None:
    """A progress line on stderr (stdout stays the report): long steps say what they do before they start."""
    click.echo(text, err=True)


def _default_embed(say: Callable[[str], None] | None = None) -> Callable[[GraphStore], int]:
    from search.embedder import default_embedder, embed_store

    def run(store: GraphStore) -> int:
        if say:
            say("embedding passages, courses and communities for semantic search (the bundled model, offline) …")
        t0 = time.perf_counter()
        n = embed_store(store, default_embedder(), progress=sys.stderr.isatty())
        if say:
            say(f"      embedded {n:,} texts in {time.perf_counter() - t0:.0f} s")
        return n

    return run


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@store_option
@click.option(
    "--kind",
    default="auto",
    show_default=True,
    help="What the inputs are when it cannot be detected: people, scim_users, courses, completions, xapi, "
    "communities, memberships, scim_groups, interactions, documents.",
)
@click.option("--embed/--no-embed", default=True, show_default=True, help="Embed new texts for semantic search.")
@click.option("--strict", is_flag=True, help="Exit with code 3 if any record was rejected.")
@click.option("--json", "as_json", is_flag=True, help="Print the run report as JSON.")
@click.option(
    "--limit",
    "limit_items",
    multiple=True,
    metavar="NAME=VALUE",
    help="Raise or lower one input limit for this run, e.g. --limit document_bytes=64M (docs/formats-documents.md, "
    "'Limits'; also WHOKNOWS_LIMIT_<NAME>).",
)
def ingest(
    paths: tuple[Path, ...],
    store_url: str | None,
    kind: str,
    embed: bool,
    strict: bool,
    as_json: bool,
    limit_items: tuple[str, ...],
) -> None:
    """Ingest files and folders (directory exports and document folders) into the store.

    Re-running with the same inputs changes nothing; edited records replace their old version; records gone
    from a snapshot file are retracted. Every rejection is reported with file, line, field and reason.
    """
    from ingest.limits import from_env, parse_assignments
    from ingest.pipeline import ingest_paths

    limits = from_env().replace(**parse_assignments(limit_items))
    store = open_cli_store(store_url)
    run = ingest_paths(
        store,
        list(paths),
        kind=kind,
        embed=_default_embed() if embed else None,
        progress=sys.stderr.isatty(),
        limits=limits,
    )
    report = run.to_dict()
    if as_json:
        click.echo(json.dumps(report, indent=2, default=str))
    else:
        _print_run(report)
    if not run.ok or (strict and report["totals"]["rejected"]):
        sys.exit(3)


@main.command()
@store_option
@click.option("--runs", "n_runs", default=5, show_default=True, help="How many recent runs to show.")
@click.option("--json", "as_json", is_flag=True, help='Print {"counts": {...}, "runs": [...], ...} as JSON.')
def status(store_url: str | None, n_runs: int, as_json: bool) -> None:
    """Show what the store holds: counts per label and type, recent ingest runs and their rejections."""
    store = open_cli_store(store_url, read_only=True)
    counts = store.counts()
    runs = store.runs(limit=n_runs)
    from ingest.pipeline import run_state

    for run in runs:
        run["status"] = run_state(run)  # finished | failed | running | interrupted | running or interrupted
    if as_json:
        click.echo(json.dumps({"store": store.url, "counts": counts, "runs": runs}, indent=2, default=str))
        return
    click.echo(f"store: {store.url}")
    click.echo(
        "nodes:         " + ", ".join(f"{k} {v}" for k, v in counts.items() if k[0].isupper() and not k.isupper())
    )
    click.echo("relationships: " + ", ".join(f"{k} {v}" for k, v in counts.items() if k.isupper()))
    click.echo(f"pending people links: {counts.get('pending', 0)}")
    if not runs:
        click.echo("no ingest runs yet")
    for run in runs:
        click.echo("")
        state = run["status"]
        click.echo(f"started {run['started']}, {state}" + (f" at {run['finished']}" if run.get("finished") else ""))
        if state == "interrupted":
            click.echo(
                "  INTERRUPTED: the ingest stopped before its end (killed, or the machine stopped). What it committed "
                "stays; run the same ingest again: finished files are skipped, the others are read again."
            )
        elif state == "failed":
            click.echo(f"  FAILED: {run.get('error') or 'see the log'}; run the same ingest again once it is fixed.")
        _print_run(run, max_rejections=10)


@main.command()
@store_option
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path),
    default=Path("var/demo"),
    show_default=True,
    help="Where to write the generated export files and truth.json.",
)
@click.option("--seed", default=7, show_default=True, help="Random seed: the same seed gives the same organisation.")
@click.option("--people", default=600, show_default=True, help="Number of people (400-1,000 is realistic).")
@click.option("--documents", default=2000, show_default=True, help="Number of knowledge assets.")
@click.option("--embed/--no-embed", default=True, show_default=True, help="Embed texts for semantic search.")
@click.option("--json", "as_json", is_flag=True, help="Print the run report as JSON.")
def demo(
    store_url: str | None, out_dir: Path, seed: int, people: int, documents: int, embed: bool, as_json: bool
) -> None:
    """Generate the demo organisation (deterministic) and ingest it into the store."""
    from ingest.pipeline import ingest_paths
    from whoknows.demo import generate_demo

    t0 = time.perf_counter()
    _step(f"generating the demo organisation ({people:,} people, {documents:,} documents) in {out_dir} …")
    truth = generate_demo(out_dir, seed=seed, people=people, documents=documents)
    _step(f"      written in {time.perf_counter() - t0:.0f} s")
    store = open_cli_store(store_url)
    t1 = time.perf_counter()
    _step(f"ingesting it into {store.url} (people, courses, communities, interactions, then documents) …")
    run = ingest_paths(
        store, [out_dir / "data"], embed=_default_embed(_step) if embed else None, progress=sys.stderr.isatty()
    )
    _step(f"      ingested in {time.perf_counter() - t1:.0f} s")
    report = run.to_dict()
    if as_json:
        click.echo(json.dumps(report, indent=2, default=str))
    else:
        click.echo(
            f"demo organisation written to {out_dir} (truth: {out_dir / 'truth.json'}), "
            f"{len(getattr(truth, 'topics', {}) or {})} planted topics"
        )
        _print_run(report, max_rejections=30)
        click.echo(f"\nstore: {store.url}\nnext: whoknows status --store {store.url}")


def _register_commands() -> None:
    """Commands that live beside their library code (search, analytics, migrate, doctor): part of the product,
    imported at the top of this module like any other (a broken one fails the CLI's import, loudly)."""
    for cmd in (
        search.search,
        search.docs,
        search.reviewers,
        analytics.networkers,
        analytics.spread,
        analytics.risk,
        analytics.map_,
        migrate.migrate,
        doctor.doctor,
    ):
        main.add_command(cmd)


_register_commands()

if __name__ == "__main__":  # pragma: no cover
    main()
