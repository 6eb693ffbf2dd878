"""The network map figure: thousands of people drawn with WebGL (plotly ``Scattergl``) at positions computed on
the server, coloured by a group (department or community), sized by betweenness, with ties as one line trace.

Why this shape: one ``Scattergl`` trace per group keeps the legend clickable and the browser on the GPU; ties
are a single trace with ``None`` breaks (one draw call), thinned to the strongest ``max_edges`` (2,500) when
there are more: measured in Chromium at 2,000 people, 15,000 lines cost about 3 s more to draw than 2,000
(bench/app.py), and past a few thousand they only add grey. Each marker carries its person id in
``customdata`` so a click (``st.plotly_chart(on_select="rerun")``) can open the profile.

Privacy: people who opted out (or asked to) are not drawn, and groups with fewer than ``min_group`` drawn
people are left out entirely, so no cluster of the map is a handful of identifiable people.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Collection, Hashable, Mapping
from dataclasses import dataclass
from typing import Any

import networkx as nx
import plotly.graph_objects as go

from whoknows.errors import ConfigError
from whoknows.webapp.settings import MIN_GROUP_SIZE

RENDERERS = ("webgl", "svg")

PALETTE = (
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac",
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class MapStats:
    drawn: int
    edges_drawn: int
    edges_total: int
    hidden_people: int  # opted out or in a group too small to show
    hidden_groups: int


def drawable(
    G: nx.Graph, groups: Mapping[Hashable, Any], *, hide: Collection[Hashable] = (), min_group: int = MIN_GROUP_SIZE
) -> tuple[list[Hashable], int]:
    """People to draw (visible, in a group of at least ``min_group`` visible people) and how many groups were hidden."""
    hide = set(hide)
    visible = [
        v for v, d in G.nodes(data=True)
        if v not in hide and not d.get("opted_out") and d.get("active", True) is not False
    ]  # fmt: skip
    sizes = Counter(str(groups.get(v)) for v in visible)
    small = {g for g, n in sizes.items() if n < min_group}
    return [v for v in visible if str(groups.get(v)) not in small], len(small)


def map_figure(
    G: nx.Graph,
    pos: Mapping[Hashable, tuple[float, float]],
    groups: Mapping[Hashable, Any],
    *,
    size_by: Mapping[Hashable, float] | None = None,
    hide: Collection[Hashable] = (),
    min_group: int = MIN_GROUP_SIZE,
    max_edges: int = 2_500,
    height: int = 720,
    group_label: str = "department",
    renderer: str = "webgl",
) -> tuple[go.Figure, MapStats]:
    """The map as a plotly figure plus what was drawn and hidden. ``renderer``: ``webgl`` (``Scattergl``) or
    ``svg`` (``Scatter``)."""
    if renderer not in RENDERERS:
        raise ConfigError(f"unknown map renderer {renderer!r}; expected one of: {', '.join(RENDERERS)}")
    trace = go.Scattergl if renderer == "webgl" else go.Scatter
    nodes, hidden_groups = drawable(G, groups, hide=hide, min_group=min_group)
    keep = {v for v in nodes if v in pos}
    edges = [(u, v, float(d.get("weight", 1.0))) for u, v, d in G.edges(data=True) if u in keep and v in keep]
    total = len(edges)
    if len(edges) > max_edges:
        edges = sorted(edges, key=lambda e: -e[2])[:max_edges]
    ex: list[float | None] = []
    ey: list[float | None] = []
    for u, v, _ in edges:
        ex += [pos[u][0], pos[v][0], None]
        ey += [pos[u][1], pos[v][1], None]
    fig = go.Figure()
    fig.add_trace(
        trace(x=ex, y=ey, mode="lines", line={"width": 0.4, "color": "rgba(120,120,120,0.25)"},
                     hoverinfo="skip", showlegend=False, name="ties")
    )  # fmt: skip
    sizes = dict(size_by or {})
    top = max((sizes.get(v, 0.0) for v in keep), default=0.0) or 1.0
    by_group: dict[str, list[Hashable]] = {}
    for v in nodes:
        if v in keep:
            by_group.setdefault(str(groups.get(v)), []).append(v)
    for i, (g, members) in enumerate(sorted(by_group.items(), key=lambda kv: (-len(kv[1]), kv[0]))):
        fig.add_trace(
            trace(
                x=[pos[v][0] for v in members],
                y=[pos[v][1] for v in members],
                mode="markers",
                name=f"{g} ({len(members)})",
                customdata=[str(v) for v in members],
                hovertext=[f"{G.nodes[v].get('name') or v}<br>{G.nodes[v].get('title') or ''}<br>{g}" for v in members],
                hoverinfo="text",
                marker={
                    "size": [5 + 17 * math.sqrt(max(sizes.get(v, 0.0), 0.0) / top) for v in members],
                    "color": PALETTE[i % len(PALETTE)],
                    "line": {"width": 0.5, "color": "white"},
                },
            )
        )
    fig.update_layout(
        height=height, margin={"l": 0, "r": 0, "t": 10, "b": 0}, dragmode="pan", clickmode="event+select",
        xaxis={"visible": False}, yaxis={"visible": False, "scaleanchor": "x"},
        legend={"title": group_label, "itemsizing": "constant"}, hovermode="closest", uirevision="map",
    )  # fmt: skip
    stats = MapStats(len(keep), len(edges), total, G.number_of_nodes() - len(keep), hidden_groups)
    return fig, stats


def selected_person(event: Any, at: Mapping[tuple[float, float], str] | None = None) -> str | None:
    """The person id of the clicked marker in a ``st.plotly_chart(on_select="rerun")`` event, if any.

    Tie lines end exactly on markers, so a click can select the line trace's vertex instead of the marker; such
    a point carries no person id, and ``at`` (rounded position -> person id) resolves it by its coordinates.
    """
    try:
        points = event["selection"]["points"]
    except (KeyError, TypeError):
        return None
    for p in points or ():
        cd = p.get("customdata")
        if isinstance(cd, list):
            cd = cd[0] if cd else None
        if isinstance(cd, str) and cd.startswith("person:"):
            return cd
    for p in points or ():
        x, y = p.get("x"), p.get("y")
        if at is not None and isinstance(x, int | float) and isinstance(y, int | float):
            hit = at.get(position_key(float(x), float(y)))
            if hit:
                return hit
    return None


def position_key(x: float, y: float) -> tuple[float, float]:
    return (round(x, 6), round(y, 6))
