"""A person's ego network for the profile page: them, the people they interact with or report to/from, and the
ties among those people, read from the store's ``INTERACTED`` and ``REPORTS_TO`` relationships.

People who opted out or left are not drawn. The layout is a seeded spring layout (small graphs only: an ego
network is tens of people), so the same profile always looks the same.
"""

from __future__ import annotations

from collections.abc import Collection

import networkx as nx
import plotly.graph_objects as go

from graph.schema import Label, RelType
from graph.store import GraphStore
from search.permissions import person_visible
from whoknows.webapp.text import chart_text


def ego_graph(store: GraphStore, node_id: str, *, hide: Collection[str] = (), max_neighbours: int = 40) -> nx.Graph:
    """Undirected weighted graph of ``node_id`` and its strongest neighbours, with ties among them."""
    view = store.get_node(node_id)
    g: nx.Graph[str] = nx.Graph()
    if view is None:
        return g
    weight: dict[str, float] = {}
    for rel in (*view.outgoing, *view.incoming):
        if rel.type not in (RelType.INTERACTED, RelType.REPORTS_TO):
            continue
        other = rel.end if rel.start == node_id else rel.start
        w = float(rel.props.get("weight") or rel.props.get("count") or 1.0)
        weight[other] = weight.get(other, 0.0) + w
    nodes = store.get_nodes(sorted(weight))
    keep = [
        n for n in sorted(weight, key=lambda k: -weight[k])
        if n in nodes and nodes[n].label == Label.PERSON and person_visible(nodes[n].props) and n not in hide
    ][:max_neighbours]  # fmt: skip
    me = view.node
    g.add_node(node_id, name=str(me.props.get("name") or node_id), department=me.props.get("department"), ego=True)
    for n in keep:
        g.add_node(n, name=str(nodes[n].props.get("name") or n), department=nodes[n].props.get("department"), ego=False)
        g.add_edge(node_id, n, weight=weight[n])
    keep_set = set(keep)
    for n in keep:
        v = store.get_node(n)
        for rel in v.outgoing if v else ():
            if rel.type in (RelType.INTERACTED, RelType.REPORTS_TO) and rel.end in keep_set and rel.end != n:
                w = float(rel.props.get("weight") or rel.props.get("count") or 1.0)
                prev = g.get_edge_data(n, rel.end, {}).get("weight", 0.0)
                g.add_edge(n, rel.end, weight=prev + w)
    return g


def ego_figure(g: nx.Graph, *, height: int = 420) -> go.Figure:
    """Plotly drawing of an ego graph: the person in the middle, colleagues coloured by department."""
    fig = go.Figure()
    if g.number_of_nodes() == 0:
        return fig
    pos = nx.spring_layout(g, seed=7, weight="weight")
    ex: list[float | None] = []
    ey: list[float | None] = []
    for a, b in g.edges():
        ex += [pos[a][0], pos[b][0], None]
        ey += [pos[a][1], pos[b][1], None]
    fig.add_trace(go.Scatter(x=ex, y=ey, mode="lines", line={"width": 0.6, "color": "#bbb"}, hoverinfo="skip",
                             showlegend=False))  # fmt: skip
    depts = sorted({str(d.get("department") or "(none)") for _, d in g.nodes(data=True)})
    for dept in depts:
        ns = [n for n, d in g.nodes(data=True) if str(d.get("department") or "(none)") == dept]
        fig.add_trace(
            go.Scatter(
                x=[pos[n][0] for n in ns],
                y=[pos[n][1] for n in ns],
                mode="markers+text",
                text=[chart_text(g.nodes[n]["name"]) if g.nodes[n].get("ego") else "" for n in ns],
                textposition="top center",
                hovertext=[chart_text(g.nodes[n]["name"]) for n in ns],
                hoverinfo="text",
                customdata=ns,
                marker={
                    "size": [22 if g.nodes[n].get("ego") else 10 for n in ns],
                    "line": {"width": 1, "color": "#fff"},
                },
                name=chart_text(dept),
            )
        )
    fig.update_layout(
        height=height, margin={"l": 0, "r": 0, "t": 10, "b": 0},
        xaxis={"visible": False}, yaxis={"visible": False}, legend={"title": "department"},
    )  # fmt: skip
    return fig
