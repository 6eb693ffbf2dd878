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
    honest why, permission-trimmed by the library): ``{"match": overall, "strong": how many strong matches the
    search found in all, "people": [PersonMatch.to_dict()]}``.

    ``hidden``: people whose opt-out request is pending; they are dropped here, over-fetching so the page
    still gets ``limit`` results.
    """
    from search.expertise import answer, overall_match

    found = answer(
        resources.store(url),
        query,
        embedder=resources.embedder(),
        viewer=viewer_id,
        filters=dict(filters),
        limit=limit + len(hidden),
    )  # the library keeps the store's read model per data version, so a re-ingest shows at once
    kept = [m for m in found.matches if m.node_id not in hidden][:limit]
    dropped = sum(1 for m in found.matches if m.node_id in hidden and m.match == "strong")
    return {"match": overall_match(kept), "strong": found.strong - dropped, "order": found.order,
            "people": [m.to_dict() for m in kept]}  # fmt: skip


@st.cache_data(ttl=TTL_S, show_spinner=False, max_entries=200)
def search_docs(url: str, query: str, viewer_id: str | None, limit: int = 10) -> list[dict[str, Any]]:
    """Knowledge assets for a query with their best passage, permission-trimmed for the viewer (search/documents)."""
    from search.documents import search_documents

    hits = search_documents(resources.store(url), resources.embedder(), query, viewer=viewer_id, limit=limit)
    return [h.to_dict() for h in hits]


def forget_after_a_change() -> None:
    """After someone changed what the graph says about them (a topic, a question, a helpful answer), drop the
    cached answers that read it, so the next search shows the change at once (the library's own read model is
    kept per store data version, so it sees the write by itself; profiles are read fresh on every run)."""
    for fn in (search_experts, search_docs):
        fn.clear()


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


def network_role(url: str, node_id: str, topics_known: tuple[str, ...] = ()) -> list[str]:
    """The person's network role in words (central connector, broker, boundary spanner, peripheral specialist, with
    the reasons), [] when they hold no particular position.

    ``topics_known``: the topics the profile shows as strong matches. The shared networker report is computed
    without expertise (it is cached per version of the network, not of the documents), so "peripheral
    specialist" is decided here with the same rule and the same degree ranks as the risk page
    (graph/analytics/networkers.specialist_reasons), and the two pages agree. Plain text: the page escapes it.
    A network without people or ties has no roles: the one line says why."""
    from whoknows.errors import AnalyticsError

    try:
        report = networkers(url)
    except AnalyticsError as exc:
        return [f"No network role: {exc}"]
    row = report["people"].get(node_id)
    if row is None:
        return []
    lines = [f"{lab['label'].capitalize()}: " + "; ".join(lab["reasons"]) for lab in row.get("labels", ())]
    if topics_known and not any(lab["label"] == "peripheral specialist" for lab in row.get("labels", ())):
        from graph.analytics.networkers import _Ranks, specialist_reasons

        G = person_graph(url)
        ranks = _Ranks([d for _, d in G.degree()])
        reasons = specialist_reasons(list(topics_known), row["degree"], ranks.above(row["degree"]), row["coreness"])
        if reasons:
            lines.append("Peripheral specialist: " + "; ".join(reasons))
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
    """The knowledge-risk answer (graph/analytics/risk_summary.risk_from_store): the same function, the same
    numbers as ``whoknows risk``. Single-expert topics, peripheral specialists, network risk, KM curriculum and
    communities of practice, each section saying why it is empty when it is; the common view (viewer None)."""
    from graph.analytics.risk_summary import risk_from_store

    return risk_from_store(resources.store(url), embedder=resources.embedder())


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
    from graph.analytics.knowers import no_evidence
    from graph.analytics.spread_plan import plan_spread
    from whoknows.webapp.spreadview import seed_reasons

    G = person_graph(url)
    knowers = {r["person"]: r for r in idea_knowers(url, idea, viewer_id) if r["person"] not in hidden}
    excl = [v for v in {*exclude, *hidden} if v in G]
    plan = plan_spread(
        G, k, model=model, p0=p0, max_per_department=max_per_department, exclude=excl,
        knowers={v: r["score"] for v, r in knowers.items()}, knowers_mode=knowers_mode,
        knowers_note=no_evidence(resources.store(url)),
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
        named = data["communities"].get("named", {})
        names = {c: row["name"] for c, row in named.items()}
        counts = {row["name"]: row["size"] for row in named.values()}
        groups = {
            v: (names.get(str(c), f"community {c}") if c is not None else None)
            for v, c in zip(pts["nodes"], pts["community"], strict=True)
        }
    else:
        groups = dict(zip(pts["nodes"], pts["department"], strict=True))
        counts = dict(data.get("department_sizes", {}))
    betweenness = {v: row["betweenness"] for v, row in networkers(url)["people"].items()}
    return map_option(person_graph(url), pos, groups, size_by=betweenness, hide=hidden, group_label=colour,
                      head_counts=counts)  # fmt: skip
