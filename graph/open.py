"""Open a store from a URL or path: the one place that maps ``--store`` values to backends."""

from __future__ import annotations

import os
from pathlib import Path

from graph.store import GraphStore
from whoknows.errors import ConfigError

DEFAULT_STORE = Path("var") / "whoknows.db"
NEO4J_SCHEMES = ("neo4j://", "neo4j+s://", "neo4j+ssc://", "bolt://", "bolt+s://", "bolt+ssc://")


def default_store_url() -> str:
    """``WHOKNOWS_STORE``, else ``NEO4J_URI`` when set, else the embedded file ``var/whoknows.db``."""
    return os.environ.get("WHOKNOWS_STORE") or os.environ.get("NEO4J_URI") or str(DEFAULT_STORE)


def open_store(url: str | Path | None = None, *, read_only: bool = False, create: bool = True) -> GraphStore:
    """Return a store for ``url``: a Neo4j URL, ``sqlite:///path``, or a file path (the embedded default).

    Nothing is connected here beyond what the backend does lazily; call ``setup_schema()`` before writing.
    """
    text = str(url) if url is not None else default_store_url()
    if text.startswith(NEO4J_SCHEMES):
        from graph.neo4j_store import from_url

        return from_url(text)
    if "://" in text and not text.startswith("sqlite:///"):
        scheme = text.split("://", 1)[0]
        raise ConfigError(
            f"unknown store URL scheme {scheme!r}; expected a file path, sqlite:///path, or one of "
            + ", ".join(s.rstrip(":/") for s in NEO4J_SCHEMES)
        )
    path = Path(text.removeprefix("sqlite:///")) if text.startswith("sqlite:///") else Path(text)
    if path.is_dir():
        raise ConfigError(f"store path {path} is a folder; give a file path such as {path / 'whoknows.db'}")
    if create and not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    from graph.sqlite_store import SQLiteStore

    return SQLiteStore(path, read_only=read_only)
