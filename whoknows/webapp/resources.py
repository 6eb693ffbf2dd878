"""Cached loaders: the store and the embedding model once per process (``st.cache_resource``), query results
per argument set with a time to live (``st.cache_data``), so a re-ingest shows up within minutes without a
restart. Every function takes the store URL (a plain string) so cache keys stay cheap to hash.

Nothing here keeps module-level mutable state: Streamlit's caches own everything.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from graph.open import open_store
from graph.store import GraphStore
from whoknows.webapp.directory import Directory, load_directory

TTL_S = 300  # how long a query result may be served from cache (a re-ingest shows up within this)


@st.cache_resource(show_spinner="Opening the store…")
def store(url: str) -> GraphStore:
    """One read-only store per URL, shared by every session (the SQLite store serialises access itself)."""
    return open_store(url, read_only=True)


@st.cache_resource(show_spinner=False)
def writable_store(url: str) -> GraphStore:
    """The one writer the app has, for what people say about themselves (their topics, questions and helpful
    answers: whoknows/selfassert.py, whoknows/questions.py). Everything else reads through :func:`store`, which
    stays read-only; an ingest running at the same time simply makes a write wait its turn (SQLite's lock)."""
    writer = open_store(url, create=False)
    writer.setup_schema()  # idempotent: the store exists (the app checked); this readies the writer's statements
    return writer


@st.cache_resource(show_spinner="Loading the embedding model…")
def embedder() -> Any:
    """The product's embedder (bundled model, offline), loaded once per process."""
    from search import embedder as emb

    factory = getattr(emb, "default_embedder", None) or emb.load_embedder
    return factory()


@st.cache_resource(ttl=TTL_S, show_spinner=False)
def directory(url: str) -> Directory:
    """Everyone in the store, for pickers and e-mail lookups (a resource, not data: no copy per call)."""
    return load_directory(store(url))


@st.cache_data(ttl=TTL_S, show_spinner=False)
def counts(url: str) -> dict[str, int]:
    return store(url).counts()


@st.cache_data(ttl=60, show_spinner=False)
def runs(url: str, limit: int = 20) -> list[dict[str, Any]]:
    return store(url).runs(limit)
