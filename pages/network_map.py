"""Network map (leaders): the organisation's person network, coloured by department or community, sized by
betweenness, with the department tie matrix and silo (E-I) figures; click a person to open their profile."""

from __future__ import annotations

import os

import streamlit as st

from whoknows.webapp import frame, state
from whoknows.webapp.netmap import MAP_HEIGHT, check_renderer, ei_option, selected_person, tie_matrix_option
from whoknows.webapp.queries import map_view, network_map_data, networkers

ctx = frame.context()
st.title("Network map")

try:
    data = network_map_data(ctx.url)
    report = networkers(ctx.url)
except ImportError as exc:
    frame.library_missing("The network map", "graph.analytics", exc)
    st.stop()

COLOURINGS = ["department", "community"]
colour = (
    st.segmented_control(
        "Colour by",
        COLOURINGS,
        default=COLOURINGS[state.choice("colour", COLOURINGS) or 0],
        key="map_colour",
        required=True,
    )
    or "department"
)
state.publish({"colour": colour}, {"colour": "department"})  # the URL says what the map shows
view = map_view(ctx.url, colour, ctx.opted_out_pending())
stats = view.stats
event = st.echarts_chart(
    view.option,
    key=f"network_map_{colour}",  # one selection per colouring: indices never meet another option's series
    on_select="rerun",
    height=MAP_HEIGHT,
    theme=None,  # Streamlit's theme colours every visualMap; here the visualMap only sizes the markers
    renderer=check_renderer(os.environ.get("WHOKNOWS_MAP_RENDERER", "canvas")),  # type: ignore[arg-type]
    alt=f"Network map of {stats.drawn} people coloured by {colour}",
)
st.caption(
    f"{stats.drawn} people and {stats.edges_drawn} of {stats.edges_total} ties drawn (strongest first); "
    f"{stats.hidden_people} people not drawn (opted out, or in {stats.hidden_groups} group(s) smaller than 5). "
    f"Marker size: betweenness ({report['method']['betweenness']}). Layout: {data['points']['method']}, computed "
    "on the server. Scroll to zoom, drag to pan, click a legend entry to hide a group, click a person to open "
    "their profile."
)
picked = selected_person(event, view.people)
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
        st.echarts_chart(
            tie_matrix_option(ties["groups"], ties["matrix"]), key="tie_matrix", height=460,
            alt="Ties between every pair of departments",
        )  # fmt: skip
    if ties["hidden_groups"]:
        st.caption(f"{ties['hidden_groups']} department(s) with fewer than 5 people are not shown.")
with right:
    st.subheader("Silos: E-I index per department")
    ei = data["ei_index"]
    rows = sorted(((str(g), r["ei"]) for g, r in ei.items()), key=lambda gr: gr[1])
    st.echarts_chart(ei_option(rows), key="ei_chart", height=460, alt="E-I index per department")
    st.caption("E-I = (external − internal ties) / all ties: −1 every tie stays inside (a silo), +1 every tie leaves.")
