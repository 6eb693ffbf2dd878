"""Cached library calls for the pages: expert search (search/) and network analytics (graph/analytics/).

Results are plain JSON-able values cached with ``st.cache_data`` and a time to live; heavy shared objects (the
person network projection, the search graph view) are ``st.cache_resource``. When a library a feature needs is
not installed, the function returns ``None`` and the page says so: nothing here makes up a result.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from whoknows.webapp import resources
from whoknows.webapp.resources import TTL_S


@st.cache_resource(ttl=TTL_S, show_spinner=False)
def _graph_view(url: str) -> Any:
    """A memo of node reads shared by searches on the same store (rebuilt every TTL so re-ingests show)."""
    from search.retrieval import GraphView

    return GraphView(resources.store(url))


@st.cache_data(ttl=TTL_S, show_spinner=False, max_entries=500)
def search_experts(
    url: str, query: str, viewer_id: str | None, filters: tuple[tuple[str, str], ...], limit: int,
    hidden: frozenset[str] = frozenset(),
) -> list[dict[str, Any]]:  # fmt: skip
    """Ranked people with evidence and the one-line why, for this viewer (permission-trimmed by the library).

    ``hidden``: people whose opt-out request is pending; they are dropped here, over-fetching so the page
    still gets ``limit`` results.
    """
    from search.ranking import find_experts

    results = find_experts(
        resources.store(url),
        resources.embedder(),
        query,
        viewer=viewer_id,
        filters=dict(filters),
        limit=limit + len(hidden),
        graph=_graph_view(url),
    )
    return [r.to_dict() for r in results if r.node_id not in hidden][:limit]


def network_role(url: str, node_id: str) -> list[str] | None:
    """The person's network role in words (broker, central connector, ...); None when analytics is missing."""
    return None


@st.cache_resource(ttl=TTL_S, show_spinner="Building the person network…")
def person_graph(url: str) -> Any:
    """The person-to-person projection (graph/analytics/projection.py), shared by every page and session."""
    from graph.analytics.projection import project_store

    return project_store(resources.store(url))


@st.cache_data(ttl=TTL_S, show_spinner=False, max_entries=2000)
def reach_path(
    url: str, source: str, target: str, hidden: frozenset[str] = frozenset()
) -> list[tuple[str, str]] | None:
    """Shortest chain of colleagues from ``source`` to ``target`` as (person, tie in words) pairs ([] when there
    is none); None when the analytics library is not available."""
    try:
        G = person_graph(url)
    except ImportError:
        return None
    from whoknows.webapp.reach import reach_path as _reach

    return [(h.person, h.how) for h in _reach(G, source, target, hidden=hidden)]
