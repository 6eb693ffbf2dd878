"""Network map (leaders): the organisation's person network, coloured by department or community, sized by
betweenness, with the department tie matrix and silo (E-I) figures; click a person to open their profile."""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from whoknows.webapp import frame
from whoknows.webapp.netmap import position_key, selected_person
from whoknows.webapp.queries import map_view, network_map_data, networkers, person_graph

ctx = frame.context()
st.title("Network map")

try:
    G = person_graph(ctx.url)
    data = network_map_data(ctx.url)
    report = networkers(ctx.url)
except ImportError as exc:
    frame.library_missing("The network map", "graph.analytics", exc)
    st.stop()

pts = data["points"]
colour = st.segmented_control(
    "Colour by", ["department", "community"], default="department", key="map_colour", required=True
)
fig, stats = map_view(ctx.url, colour or "department", ctx.opted_out_pending())
event = st.plotly_chart(
    fig,
    key="network_map",
    on_select="rerun",
    selection_mode="points",
    config={"scrollZoom": True, "displaylogo": False},
)
st.caption(
    f"{stats.drawn} people and {stats.edges_drawn} of {stats.edges_total} ties drawn (strongest first); "
    f"{stats.hidden_people} people not drawn (opted out, or in {stats.hidden_groups} group(s) smaller than 5). "
    f"Marker size: betweenness ({report['method']['betweenness']}). Layout: {pts['method']}, computed on the server. "
    "Click a person to open their profile."
)
picked = selected_person(
    event, {position_key(float(x), float(y)): str(v) for v, x, y in zip(pts["nodes"], pts["x"], pts["y"], strict=True)}
)
if picked:
    st.switch_page(frame.PAGE_FILES["profile"], query_params={"person": picked.removeprefix("person:")})

comm = data["communities"]
c1, c2, c3 = st.columns(3)
c1.metric("Communities found", comm["count"], help=f"{comm['shown']} with at least 5 people; method {comm['method']}")
c2.metric("Modularity", f"{comm['modularity']:.2f}")
nmi = comm.get("nmi_vs_departments")
c3.metric(
    "NMI communities vs departments",
    f"{nmi:.2f}" if nmi is not None else "n/a",
    help="1: communities are exactly the departments (silos); near 0: people cluster across departments.",
)

left, right = st.columns(2)
with left:
    st.subheader("Ties between departments")
    ties = data["department_ties"]
    if ties["groups"]:
        heat = go.Figure(
            go.Heatmap(
                z=ties["matrix"], x=ties["groups"], y=ties["groups"], colorscale="Blues",
                hovertemplate="%{y} – %{x}: %{z:.0f} ties<extra></extra>",
            )
        )  # fmt: skip
        heat.update_layout(height=460, margin={"l": 0, "r": 0, "t": 10, "b": 0})
        st.plotly_chart(heat, key="tie_matrix")
    if ties["hidden_groups"]:
        st.caption(f"{ties['hidden_groups']} department(s) with fewer than 5 people are not shown.")
with right:
    st.subheader("Silos: E-I index per department")
    ei = data["ei_index"]
    rows = sorted(ei.items(), key=lambda kv: kv[1]["ei"])
    bar = go.Figure(
        go.Bar(
            x=[r["ei"] for _, r in rows], y=[str(g) for g, _ in rows], orientation="h",
            marker_color=["#e15759" if r["ei"] < 0 else "#4e79a7" for _, r in rows],
            hovertemplate="%{y}: E-I %{x:.2f}<extra></extra>",
        )
    )  # fmt: skip
    bar.update_layout(height=460, margin={"l": 0, "r": 0, "t": 10, "b": 0}, xaxis={"range": [-1, 1]})
    st.plotly_chart(bar, key="ei_chart")
    st.caption("E-I = (external − internal ties) / all ties: −1 every tie stays inside (a silo), +1 every tie leaves.")
