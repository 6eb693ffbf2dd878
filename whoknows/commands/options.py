"""What every command shares: the ``--store`` option and opening the store it names.

Its own module (not whoknows/cli.py) so that the command modules and the CLI import it without importing each
other: whoknows/cli.py imports the commands at the top, plainly, and a broken command fails the CLI's import.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from graph.open import default_store_url, open_store
from graph.store import GraphStore
from whoknows.errors import WhoKnowsError

STORE_HELP = "Store: a file path (embedded, default var/whoknows.db or $WHOKNOWS_STORE) or a neo4j:// / bolt:// URL."


def store_option(f: Callable[..., Any]) -> Callable[..., Any]:
    """The ``--store`` option every command takes."""
    return click.option("--store", "store_url", default=None, metavar="STORE", help=STORE_HELP)(f)


def open_cli_store(store_url: str | None, *, read_only: bool = False) -> GraphStore:
    url = store_url or default_store_url()
    if read_only and "://" not in url and not Path(url).exists():
        raise WhoKnowsError(f"no store at {url}; create one with 'whoknows demo' or 'whoknows ingest PATH'")
    return open_store(url, read_only=read_only)
