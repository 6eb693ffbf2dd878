"""Cached library calls for the pages: expert search (search/) and network analytics (graph/analytics/).

Results are plain JSON-able values cached with ``st.cache_data`` and a time to live; heavy shared objects (the
person network projection, the search graph view) are ``st.cache_resource``. When a library a feature needs is
not installed, the function returns ``None`` and the page says so: nothing here makes up a result.
"""

from __future__ import annotations

import os
from typing import Any

import streamlit as st

from whoknows.webapp import resources
from whoknows.webapp.resources import TTL_S


@st.cache_data(ttl=TTL_S, show_spinner=False, max_entries=500)
def search_experts(
    url: str, query: str, viewer_id: str | None, filters: tuple[tuple[str, str], ...], limit: int,
    hidden: frozenset[str] = frozenset(),
) -> dict[str, Any]:  # fmt: skip
    """Who knows about ``query`` for this viewer (search/expertise.py: calibrated score, strong / weak / none,
    honest why, permission-trimmed by the library): ``{"match": overall, "people": [PersonMatch.to_dict()]}``.

    ``hidden``: people whose opt-out request is pending; they are dropped here, over-fetching so the page
    still gets ``limit`` results.
    """
    from search.expertise import knows_about, overall_match

    matches = knows_about(
        resources.store(url),
        query,
        embedder=resources.embedder(),
        viewer=viewer_id,
        filters=dict(filters),
        limit=limit + len(hidden),
    )  # the library keeps the store's read model per data version, so a re-ingest shows at once
    kept = [m for m in matches if m.node_id not in hidden][:limit]
    return {"match": overall_match(kept), "people": [m.to_dict() for m in kept]}


@st.cache_data(ttl=TTL_S, show_spinner=False, max_entries=200)
def search_docs(url: str, query: str, viewer_id: str | None, limit: int = 10) -> list[dict[str, Any]]:
    """Knowledge assets for a query with their best passage, permission-trimmed for the viewer (search/documents)."""
    from search.documents import search_documents

    hits = search_documents(resources.store(url), resources.embedder(), query, viewer=viewer_id, limit=limit)
    return [h.to_dict() for h in hits]


@st.cache_resource(ttl=TTL_S, show_spinner="Building the person network…")
def person_graph(url: str) -> Any:
    """The person-to-person projection (graph/analytics/projection.py), shared by every page and session."""
    from graph.analytics.projection import project_store

    return project_store(resources.store(url))


@st.cache_data(ttl=TTL_S, show_spinner=False, max_entries=2000)
def reach_path(url: str, source: str, target: str, hidden: frozenset[str] = frozenset()) -> list[tuple[str, str]]:
    """Shortest chain of colleagues from ``source`` to ``target`` as (person, tie in words) pairs ([] when there
    is none)."""
    G = person_graph(url)
    from whoknows.webapp.reach import reach_path as _reach

    return [(h.person, h.how) for h in _reach(G, source, target, hidden=hidden)]


@st.cache_resource(show_spinner=False)
def _analytics_cache() -> Any:
    """One cache of network measures per process, keyed by the network's version (whoknows/webapp/precompute)."""
    from whoknows.webapp.precompute import AnalyticsCache

    return AnalyticsCache(max_items=4)


@st.cache_resource(show_spinner=False)
def _warm_ups() -> dict[str, Any]:
    """Store URL -> the process computing its network measures in the background (one per server process)."""
    return {}


def start_warm_up(url: str) -> None:
    """At app start, with ``WHOKNOWS_WARM_UP=1``: compute the network measures in a separate process while
    people use other pages, so the first map finds them on disk. Once per server process.

    Off by default: on the shared 2-core bench machine, busy with other work, it did not make the first map
    faster (8.9 s with it, 7.5 s without, one run each at load 4 to 6; docs/app.md), because the process
    competes for the same cores and repeats the projection. On a machine with an idle core it is worth turning
    on; ``python -m whoknows.webapp.precompute --store ...`` after an ingest is the dependable way."""
    runs = _warm_ups()
    if url in runs or os.environ.get("WHOKNOWS_WARM_UP", "0") != "1":
        return
    from whoknows.webapp import settings
    from whoknows.webapp.precompute import warm_up

    runs.setdefault(url, warm_up(url, settings.network_cache_dir(url)))


@st.cache_resource(ttl=TTL_S, show_spinner="Measuring the network…")
def network_analytics(url: str) -> Any:
    """Networker report and map data for the store's current person network: computed once per version of the
    network (kept on disk beside the store), so a TTL expiry or a restart costs the projection, not the measures.
    When the start-up warm-up is still running it is waited for (it started earlier, so it finishes sooner)."""
    from whoknows.webapp import settings
    from whoknows.webapp.precompute import wait_for

    G = person_graph(url)
    proc = _warm_ups().get(url)
    if proc is not None and proc.poll() is None:
        wait_for(proc)
    return _analytics_cache().get(G, directory=settings.network_cache_dir(url))


def networkers(url: str) -> dict[str, Any]:
    """Every person's network measures and labels with reasons (graph/analytics/networkers.py)."""
    return network_analytics(url).report


def network_role(url: str, node_id: str) -> list[str]:
    """The person's network role in words (central connector, broker, ... with the reasons), [] when they hold
    no particular position."""
    report = networkers(url)
    row = report["people"].get(node_id)
    if row is None:
        return []
    lines = [f"**{lab['label'].capitalize()}**: " + "; ".join(lab["reasons"]) for lab in row.get("labels", ())]
    if row.get("community_position"):
        lines.append(
            f"Within their community: {row['community_position']} (ties to {row['degree']} people, "
            f"{row['cross_department_ties']} across departments)"
        )
    return lines


def network_map_data(url: str) -> dict[str, Any]:
    """Positions, communities (with NMI against departments), department tie matrix and E-I per department."""
    return network_analytics(url).map_data


@st.cache_resource(ttl=TTL_S, show_spinner="Assessing knowledge risk…")
def risk_data(url: str) -> dict[str, Any]:
    """Bus factor per topic (single-expert topics), peripheral experts, cut-off departments, community health.

    Composed from graph/analytics/risk's pieces rather than ``risk_report``: that recomputes coreness and
    closeness for every topic (minutes on the demo organisation); here peripheral experts are measured once for
    all experts and reach by department only for the single-expert topics the page lists.
    """
    from graph.analytics.privacy import opted_out
    from graph.analytics.risk import (
        bus_factor,
        community_health_from_store,
        peripheral_experts,
        reach_by_department,
        topic_expertise_from_store,
    )

    store = resources.store(url)
    G = person_graph(url)
    expertise = topic_expertise_from_store(store)
    bus = bus_factor(expertise, hidden=opted_out(G))
    experts = {p for scores in expertise.values() for p, s in scores.items() if s > 0}
    periph = peripheral_experts(G, experts)
    topics: dict[str, dict[str, Any]] = {}
    for topic, info in bus.items():
        mine = [p for p, s in expertise[topic].items() if s > 0]
        cut_off: list[str] = []
        if info["bus_factor"] == 1:
            reach = reach_by_department(G, [p for p in mine if p in G])
            cut_off = sorted((str(g) for g, r in reach.items() if r["cut_off"]))
        topics[topic] = {
            **info,
            "peripheral_experts": {p: periph[p] for p in mine if p in periph},
            "cut_off_departments": cut_off,
        }
    return {
        "topics": topics,
        "single_expert_topics": sorted(t for t, b in bus.items() if b["bus_factor"] == 1),
        "topics_without_expert": sorted(t for t, b in bus.items() if b["bus_factor"] == 0),
        "communities": community_health_from_store(store),
    }


@st.cache_data(ttl=TTL_S, show_spinner=False, max_entries=500)
def idea_knowers(url: str, idea: str, viewer_id: str | None = None) -> list[dict[str, Any]]:
    """People who know about an idea (graph/analytics/knowers: the seam spread and risk read expertise through)."""
    from graph.analytics.knowers import idea_knowers as _knowers

    found = _knowers(resources.store(url), idea, embedder=resources.embedder(), viewer=viewer_id)
    return [{"person": k.person, "score": k.score, "why": k.why} for k in found]


@st.cache_data(ttl=TTL_S, show_spinner=False, max_entries=200)
def spread_plan(
    url: str, idea: str, k: int, max_per_department: int | None, exclude: tuple[str, ...], knowers_mode: str,
    hidden: frozenset[str] = frozenset(), model: str = "wc", p0: float = 0.1, viewer_id: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Seeds for an idea (graph/analytics/spread_plan.plan_spread: IMM under constraints, Monte-Carlo reach with a
    95% interval beside k random and the k best-connected people, each seed's added reach, reach per department),
    each seed with reasons from the networker report and the expertise seam."""
    from graph.analytics.spread_plan import plan_spread
    from whoknows.webapp.spreadview import seed_reasons

    G = person_graph(url)
    knowers = {r["person"]: r for r in idea_knowers(url, idea, viewer_id) if r["person"] not in hidden}
    excl = [v for v in {*exclude, *hidden} if v in G]
    plan = plan_spread(
        G, k, model=model, p0=p0, max_per_department=max_per_department, exclude=excl,
        knowers={v: r["score"] for v, r in knowers.items()}, knowers_mode=knowers_mode,
    )  # fmt: skip
    report = networkers(url)
    for s in plan["seeds"]:
        s["reasons"] = seed_reasons(report["people"].get(s["person"]), knowers.get(s["person"]))
    names = {v: G.nodes[v].get("name") or str(v) for v in plan["baselines"]["best_connected"]["people"]}
    plan["baselines"]["best_connected"]["names"] = [names[v] for v in plan["baselines"]["best_connected"]["people"]]
    return plan


def map_view(url: str, colour: str, hidden: frozenset[str] = frozenset()) -> Any:
    """The map (whoknows/webapp/netmap.MapView: ECharts option, person behind each marker, what was drawn),
    built once per network version, colouring and set of pending opt-outs, and served from the cache after.

    Caching is safe for click-to-profile because a click comes back as (series, index) and the person ids
    travel with the cached option in the same MapView, never re-derived from a newer network."""
    return _map_view(url, network_analytics(url).key, colour, hidden)


@st.cache_data(ttl=TTL_S, show_spinner=False, max_entries=32)
def _map_view(url: str, version: str, colour: str, hidden: frozenset[str]) -> Any:
    from whoknows.webapp.netmap import map_option

    data = network_map_data(url)
    pts = data["points"]
    pos = {v: (float(x), float(y)) for v, x, y in zip(pts["nodes"], pts["x"], pts["y"], strict=True)}
    if colour == "community":
        names = {c: row["name"] for c, row in data["communities"].get("named", {}).items()}
        groups = {
            v: (names.get(str(c), f"community {c}") if c is not None else None)
            for v, c in zip(pts["nodes"], pts["community"], strict=True)
        }
    else:
        groups = dict(zip(pts["nodes"], pts["department"], strict=True))
    betweenness = {v: row["betweenness"] for v, row in networkers(url)["people"].items()}
    return map_option(person_graph(url), pos, groups, size_by=betweenness, hide=hidden, group_label=colour)
