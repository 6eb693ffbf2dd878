"""``whoknows doctor``: check a store (above all a Neo4j server) and say what to fix (graph/doctor.py)."""

from __future__ import annotations

import json
import sys

import click

from graph.doctor import diagnose
from whoknows.commands.options import open_cli_store, store_option

_MARK = {"ok": "ok  ", "warn": "warn", "fail": "FAIL"}


@click.command()
@store_option
@click.option("--json", "as_json", is_flag=True, help='Print {"store": ..., "checks": [...]} as JSON.')
def doctor(store_url: str | None, as_json: bool) -> None:
    """Check that the store can serve WhoKnows: connection, and for Neo4j the server version, constraints, the
    full-text and vector indexes and their embedding dimensions. Reads only. Exit code 1 if any check fails."""
    store = open_cli_store(store_url, read_only=True)
    try:
        checks = diagnose(store)
    finally:
        store.close()
    failed = any(c.status == "fail" for c in checks)
    if as_json:
        click.echo(
            json.dumps({"store": store.url, "ok": not failed, "checks": [c.to_dict() for c in checks]}, indent=2)
        )
    else:
        click.echo(f"store: {store.url}")
        for c in checks:
            click.echo(f"[{_MARK[c.status]}] {c.name}: {c.detail}")
            if c.fix:
                click.echo(f"       fix: {c.fix}")
        click.echo("all checks passed" if not failed else "some checks failed: fix them in the order shown")
    if failed:
        sys.exit(1)
