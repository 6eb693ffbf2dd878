"""The network map as ECharts options (``st.echarts_chart``): thousands of people drawn on a 2-D canvas at
positions computed on the server, coloured by a group (department or community), sized by betweenness, with
ties as one line series; plus the department tie matrix and the E-I bars.

Why ECharts on a canvas and not plotly: measured in the bench's headless Chromium at 2,000 people
(bench/app.py, docs/app.md), plotly's ``Scattergl`` page took about 2 s warm, ``Scatter`` (SVG) 1.7 s, and the
same page without the map 1 s; with the map on ECharts' 2-D canvas the page took about as long as without
it. WebGL is software-rendered on machines without a GPU, and an SVG node per marker costs layout time;
a canvas draws 2,000 circles and 2,500 lines in milliseconds. Streamlit ships ECharts in its own front end
(``st.echarts_chart``, Streamlit >= 1.67), so nothing is added to the install. With all three charts on
ECharts the page no longer loads plotly.js (4.7 MB of JavaScript) at all.

What is sent is kept small: coordinates rounded to 4 decimals (0.07 px on the 700 px map), marker size as one
number per person mapped to pixels by a ``visualMap``, name and title once per person (the group is the
series name), ties as ``[x, y]`` pairs separated by ``null`` in a single series. A click selects a marker
(``selectedMode: single``); the selection comes back as (series index, data index), which
:func:`selected_person` turns into the person id through :attr:`MapView.people`, so no id rides in the chart.

Privacy: people who opted out (or asked to) are not drawn, and groups with fewer than ``min_group`` drawn
people are left out entirely, so no cluster of the map is a handful of identifiable people.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Collection, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import networkx as nx

from whoknows.errors import ConfigError
from whoknows.webapp.settings import MIN_GROUP_SIZE

Renderer = Literal["canvas", "svg"]
RENDERERS: tuple[Renderer, ...] = ("canvas", "svg")

PALETTE = (
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac",
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
)  # fmt: skip

#: The map's plotting square in pixels (a square keeps the layout's proportions), its offset in the chart,
#: and the axis range around the layout's [-1, 1] coordinates (room for the largest marker).
PLOT_PX = 700
PLOT_LEFT = 8
PLOT_TOP = 8
AXIS = 1.04
MAP_HEIGHT = PLOT_TOP + PLOT_PX + 8
MARKER_PX = (5.0, 22.0)  # smallest and largest marker diameter
DECIMALS = 4


@dataclass(frozen=True, slots=True)
class MapStats:
    drawn: int
    edges_drawn: int
    edges_total: int
    hidden_people: int  # opted out or in a group too small to show
    hidden_groups: int


@dataclass(frozen=True, slots=True)
class MapView:
    """An ECharts option plus what a click resolves to: ``people[series][index]`` is the person id of that
    marker (series 0, the ties, has none)."""

    option: dict[str, Any]
    people: list[list[str]] = field(default_factory=list)
    stats: MapStats = MapStats(0, 0, 0, 0, 0)


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


def check_renderer(renderer: str) -> Renderer:
    for known in RENDERERS:
        if renderer == known:
            return known
    raise ConfigError(f"unknown map renderer {renderer!r}; expected one of: {', '.join(RENDERERS)}")


def map_option(
    G: nx.Graph,
    pos: Mapping[Hashable, tuple[float, float]],
    groups: Mapping[Hashable, Any],
    *,
    size_by: Mapping[Hashable, float] | None = None,
    hide: Collection[Hashable] = (),
    min_group: int = MIN_GROUP_SIZE,
    max_edges: int = 2_500,
    group_label: str = "department",
    size_label: str = "betweenness",
    head_counts: Mapping[str, int] | None = None,
) -> MapView:
    """The map as an ECharts option, with the person behind every marker and what was drawn and hidden.

    ``pos`` should be scaled to [-1, 1] (as :func:`graph.analytics.maps.layout` returns it). Ties are thinned
    to the ``max_edges`` strongest: past a few thousand lines they only add grey (docs/app.md). ``head_counts``:
    each group's members (active people, opted-out ones included) for the legend, so a department has the same
    number here as on every other page; the people drawn can be fewer (opted out).
    """
    nodes, hidden_groups = drawable(G, groups, hide=hide, min_group=min_group)
    keep = {v for v in nodes if v in pos}
    xy = {v: (round(float(pos[v][0]), DECIMALS), round(float(pos[v][1]), DECIMALS)) for v in keep}
    edges = [(u, v, float(d.get("weight", 1.0))) for u, v, d in G.edges(data=True) if u in keep and v in keep]
    total = len(edges)
    if len(edges) > max_edges:
        edges = sorted(edges, key=lambda e: -e[2])[:max_edges]
    ties: list[list[float] | None] = []
    for u, v, _ in edges:
        ties += [list(xy[u]), list(xy[v]), None]
    sizes = dict(size_by or {})
    top = max((sizes.get(v, 0.0) for v in keep), default=0.0) or 1.0
    by_group: dict[str, list[Hashable]] = {}
    for v in nodes:
        if v in keep:
            by_group.setdefault(str(groups.get(v)), []).append(v)
    series: list[dict[str, Any]] = [
        {
            "type": "line", "name": "ties", "data": ties, "silent": True, "showSymbol": False, "connectNulls": False,
            "lineStyle": {"width": 0.4, "color": "rgba(120,120,120,0.3)"}, "z": 1, "tooltip": {"show": False},
        }
    ]  # fmt: skip
    people: list[list[str]] = [[]]
    names: list[str] = []
    for i, (g, members) in enumerate(sorted(by_group.items(), key=lambda kv: (-len(kv[1]), kv[0]))):
        # the group's head count (the same on every page) when given, else the people drawn
        name = f"{g} ({(head_counts or {}).get(g, len(members))})"
        names.append(name)
        data = [
            [*xy[v], round(math.sqrt(max(sizes.get(v, 0.0), 0.0) / top), 3),
             str(G.nodes[v].get("name") or v), str(G.nodes[v].get("title") or "")]
            for v in members
        ]  # fmt: skip
        series.append(
            {
                "type": "scatter", "name": name, "data": data, "selectedMode": "single", "z": 2,
                "encode": {"x": 0, "y": 1},
                "itemStyle": {"color": PALETTE[i % len(PALETTE)], "borderColor": "#fff", "borderWidth": 0.5,
                              "opacity": 1},
                "emphasis": {"scale": 1.4},
                "select": {"itemStyle": {"borderColor": "#000", "borderWidth": 2}},
            }
        )  # fmt: skip
        people.append([str(v) for v in members])
    axis = {"type": "value", "show": False, "min": -AXIS, "max": AXIS}
    option: dict[str, Any] = {
        "animation": False,
        "tooltip": {"trigger": "item", "formatter": "{@[3]}<br>{@[4]}<br>{a}"},
        "title": {"text": group_label, "left": PLOT_LEFT + PLOT_PX + 16, "top": 0, "textStyle": {"fontSize": 13}},
        "legend": {
            "type": "scroll", "orient": "vertical", "left": PLOT_LEFT + PLOT_PX + 16, "top": PLOT_TOP + 22,
            "data": names, "textStyle": {"width": 180, "overflow": "truncate"},
        },
        "grid": {"left": PLOT_LEFT, "top": PLOT_TOP, "width": PLOT_PX, "height": PLOT_PX, "containLabel": False},
        "xAxis": axis,
        "yAxis": dict(axis),
        "dataZoom": [
            {"type": "inside", "xAxisIndex": 0, "filterMode": "none"},
            {"type": "inside", "yAxisIndex": 0, "filterMode": "none"},
        ],
        "visualMap": {
            "show": False, "type": "continuous", "dimension": 2, "min": 0, "max": 1,
            "seriesIndex": list(range(1, len(series))), "inRange": {"symbolSize": list(MARKER_PX)},
        },
        "series": series,
    }  # fmt: skip
    option["graphic"] = size_legend(top, size_label)
    option["media"] = narrow_layout(len(option["graphic"]))
    stats = MapStats(len(keep), len(edges), total, G.number_of_nodes() - len(keep), hidden_groups)
    return MapView(option, people, stats)


#: Below this chart width the group legend does not fit right of the 700 px plot (it would be drawn off the canvas,
#: as it was on a phone): the narrow layout puts it under the plot instead.
NARROW_PX = PLOT_LEFT + PLOT_PX + 200
NARROW_LEGEND_PX = 110


def narrow_layout(n_graphic: int) -> list[dict[str, Any]]:
    """An ECharts ``media`` rule for narrow screens: the plot fills the width above a horizontal, scrollable group
    legend, and the marker-size key (placed for the wide layout) is hidden. ECharts applies it whenever the chart
    is narrower than :data:`NARROW_PX` (``media`` beside a plain option is its base option); the wide layout, and
    :func:`marker_pixel`, are unchanged."""
    return [
        {
            "query": {"maxWidth": NARROW_PX},
            "option": {
                "title": {"show": False},
                "legend": {"orient": "horizontal", "left": PLOT_LEFT, "right": PLOT_LEFT, "top": None,
                           "bottom": 8, "textStyle": {"width": 140, "overflow": "truncate"}},
                "grid": {"left": PLOT_LEFT, "right": PLOT_LEFT, "top": PLOT_TOP, "width": None, "height": None,
                         "bottom": NARROW_LEGEND_PX},
                "graphic": [{"invisible": True} for _ in range(n_graphic)],
            },
        }
    ]  # fmt: skip


def size_legend(top: float, label: str) -> list[dict[str, Any]]:
    """Three reference markers under the group legend: what a small, a middle and a large marker mean. A marker's
    area grows with the value (its diameter with the square root), as in :func:`map_option`."""
    left, bottom = PLOT_LEFT + PLOT_PX + 16, 16
    items: list[dict[str, Any]] = [
        {"type": "text", "left": left, "bottom": bottom + 64, "silent": True,
         "style": {"text": f"marker size: {label}", "fontSize": 12, "fill": "#333"}},
    ]  # fmt: skip
    lo, hi = MARKER_PX
    x = left
    for share in (0.0, 0.25, 1.0):
        d = lo + (hi - lo) * math.sqrt(share)
        items.append(
            {"type": "circle", "left": x, "bottom": bottom + 24 + (hi - d) / 2, "silent": True,
             "shape": {"r": d / 2}, "style": {"fill": "#bab0ac", "stroke": "#fff"}}
        )  # fmt: skip
        items.append(
            {"type": "text", "left": x, "bottom": bottom, "silent": True,
             "style": {"text": f"{share * top:.3g}", "fontSize": 11, "fill": "#333"}}
        )  # fmt: skip
        x += int(hi) + 36
    return items


def marker_pixel(x: float, y: float) -> tuple[float, float]:
    """Where the marker at layout position (x, y) is drawn, in pixels from the chart's top-left corner."""
    span = 2 * AXIS
    return PLOT_LEFT + (x + AXIS) / span * PLOT_PX, PLOT_TOP + (AXIS - y) / span * PLOT_PX


def selected_person(event: Any, people: Sequence[Sequence[str]]) -> str | None:
    """The person id of the clicked marker in a ``st.echarts_chart(on_select="rerun")`` event, if any."""
    try:
        groups = event["selection"]["selected"]
    except (KeyError, TypeError):
        return None
    for g in groups or ():
        s, idx = g.get("series_index"), g.get("data_indices") or ()
        if isinstance(s, int) and 0 < s < len(people):
            for i in idx:
                if isinstance(i, int) and 0 <= i < len(people[s]):
                    return people[s][i]
    return None


def tie_matrix_option(
    groups: Sequence[str],
    matrix: Sequence[Sequence[float]],
    counts: Sequence[Sequence[float]] | None = None,
    *,
    unit: str = "ties",
) -> dict[str, Any]:
    """The department tie matrix as an ECharts heatmap with its number in every cell (first department top left,
    as a matrix reads). ``counts``: the number of ties behind each cell, for the tooltip when ``matrix`` is tie
    strength."""
    names = [str(g) for g in groups]
    digits = 0 if all(float(v).is_integer() for row in matrix for v in row) else 1
    data = [
        [names[j], names[i], round(float(v), digits)] + ([int(counts[i][j])] if counts is not None else [])
        for i, row in enumerate(matrix)
        for j, v in enumerate(row)
    ]
    top = max((float(v) for row in matrix for v in row), default=0.0)
    tip = f"{{@[1]}} – {{@[0]}}: {{@[2]}} {unit}" + (" ({@[3]} ties)" if counts is not None else "")
    return {
        "animation": False,
        "tooltip": {"trigger": "item", "formatter": tip},
        "grid": {"left": 8, "right": 8, "top": 8, "bottom": 8, "containLabel": True},
        "xAxis": {"type": "category", "data": names, "axisLabel": {"rotate": 40, "interval": 0}},
        "yAxis": {"type": "category", "data": names, "inverse": True, "axisLabel": {"interval": 0}},
        "visualMap": {
            "show": False, "min": 0, "max": top or 1, "dimension": 2,
            "inRange": {"color": ["#f7fbff", "#6baed6", "#08306b"]},
        },
        "series": [{"type": "heatmap", "name": unit, "data": data, "encode": {"x": 0, "y": 1, "value": 2},
                    "label": {"show": True, "fontSize": 10, "formatter": "{@[2]}", "color": "#111",
                              "textBorderColor": "#fff", "textBorderWidth": 2}}],
    }  # fmt: skip


def ei_option(rows: Sequence[tuple[str, float]]) -> dict[str, Any]:
    """E-I index per department as horizontal bars, silos (E-I < 0) in red, lowest first from the top."""
    return {
        "animation": False,
        "tooltip": {"trigger": "item", "formatter": "{b}: E-I {c}"},
        "grid": {"left": 8, "right": 16, "top": 8, "bottom": 8, "containLabel": True},
        "xAxis": {"type": "value", "min": -1, "max": 1},
        "yAxis": {"type": "category", "data": [str(g) for g, _ in rows], "inverse": True,
                  "axisLabel": {"interval": 0}},
        "series": [{
            "type": "bar", "name": "E-I",
            "data": [{"value": round(float(e), 2), "itemStyle": {"color": "#e15759" if e < 0 else "#4e79a7"}}
                     for _, e in rows],
        }],
    }  # fmt: skip
