"""Network map (leaders): the silo verdict in words, the organisation's person network coloured by department or
named community and sized by betweenness (with a size legend), the communities named by what dominates them and
their stability, the department tie matrix with its numbers, E-I per department and the top brokers; click a
person to open their profile."""

from __future__ import annotations

import os

import streamlit as st

from graph.analytics.map_words import ei_caption
from whoknows.errors import WhoKnowsError
from whoknows.webapp import frame, state
from whoknows.webapp.netmap import MAP_HEIGHT, check_renderer, ei_option, selected_person, tie_matrix_option
from whoknows.webapp.queries import map_view, network_map_data, networkers
from whoknows.webapp.text import md

ctx = frame.context()
st.title("Network map")

try:
    data = network_map_data(ctx.url)
    report = networkers(ctx.url)
except WhoKnowsError as exc:
    st.error(md(exc))
    st.stop()

silos = data["silos"]
(st.warning if silos["verdict"] in ("silos", "some silos") else st.info)(md(silos["sentence"]))

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
    renderer=check_renderer(os.environ.get("WHOKNOWS_MAP_RENDERER", "canvas")),
    alt=f"Network map of {stats.drawn} people coloured by {colour}",
)
hidden = data["hidden"]
st.caption(
    f"{stats.drawn} people and {stats.edges_drawn} of {stats.edges_total} ties drawn (strongest first); "
    f"{stats.hidden_people} people not drawn ({hidden['opted_out_people']} opted out; the others in "
    f"{stats.hidden_groups} group(s) smaller than 5, because {hidden['rule']}). Marker size: betweenness "
    f"({report['method']['betweenness']}), legend below the groups. Layout: {data['points']['method']}, computed "
    "on the server. Scroll to zoom, drag to pan, click a legend entry to hide a group, click a person to open "
    "their profile."
)
picked = selected_person(event, view.people)
if picked:
    st.switch_page(frame.PAGE_FILES["profile"], query_params={"person": picked.removeprefix("person:")})

comm = data["communities"]
stab = comm.get("stability") or {}
c1, c2, c3 = st.columns(3)
c1.metric("Communities found", comm["count"], help=f"{comm['shown']} with at least 5 people; method {comm['method']}")
c2.metric("Modularity", f"{comm['modularity']:.2f}")
nmi_mean = stab.get("nmi_mean", comm.get("nmi_vs_departments"))
c3.metric(
    "NMI communities vs departments",
    f"{nmi_mean:.2f}" if nmi_mean is not None else "n/a",
    help=(
        f"Mean over {stab.get('runs', 1)} runs of community detection (range {stab['nmi_min']:.2f}–"
        f"{stab['nmi_max']:.2f}; the runs agree with each other at NMI {stab['agreement_between_runs']:.2f}). "
        if stab.get("nmi_min") is not None
        else ""
    )
    + "1: the communities found are the departments; near 0: people cluster across departments. It says whether "
    "informal groups follow the org chart, not whether departments are closed: that is the E-I below.",
)

st.subheader("Communities, named by what dominates them")
named = comm.get("named") or {}
if named:
    st.dataframe(
        [{"community": row["name"], "people": row["size"], "made of": row["description"]} for row in named.values()],
        hide_index=True, width="stretch",
    )  # fmt: skip
if hidden["communities"]:
    st.caption(f"{hidden['communities']} communities with fewer than 5 people are not listed or coloured.")

left, right = st.columns(2)
with left:
    st.subheader("Ties between departments")
    strength, ties = data["department_strength"], data["department_ties"]
    if strength["groups"]:
        st.echarts_chart(
            tie_matrix_option(strength["groups"], strength["matrix"], ties["matrix"], unit="tie strength"),
            key="tie_matrix", height=460, alt="Tie strength between every pair of departments",
        )  # fmt: skip
        st.caption(
            "Tie strength summed over people: 1 per manager line, interactions by their count, a shared document "
            "1/(people on it − 1), a shared community 1/(members − 1). The diagonal is inside a department; the "
            "tooltip gives the number of ties."
        )
    if hidden["departments"]:
        st.caption(
            f"Not shown: {md(', '.join(hidden['departments']))} (fewer than 5 people, because {hidden['rule']})."
        )
with right:
    st.subheader("Silos: E-I index per department")
    ei = data["ei_index"]
    rows = sorted(((str(g), r.get("ei_strength", r["ei"])) for g, r in ei.items()), key=lambda gr: gr[1])
    st.echarts_chart(ei_option(rows), key="ei_chart", height=460, alt="E-I index by tie strength per department")
    st.caption(ei_caption(ei))
    with st.expander("E-I figures"):
        st.dataframe(
            [{"department": g, "people": r["members"], "E-I by strength": round(r.get("ei_strength", 0.0), 2),
              "E-I by ties": round(r["ei"], 2), "E-I if ties ignored departments": round(r.get("ei_expected", 0.0), 2)}
             for g, r in sorted(ei.items(), key=lambda gr: str(gr[0]))],
            hide_index=True, width="stretch",
        )  # fmt: skip

st.subheader("Top brokers")
brokers = data.get("brokers") or []
if brokers:
    st.caption("People who link communities (broker) or departments (boundary spanner), highest betweenness first.")
    for b in brokers:
        frame.person_link(b["person"], f"{b['name']} ({b['department'] or 'no department'}): {', '.join(b['labels'])}")
        st.caption(md(b["why"]))
else:
    st.caption(
        "Nobody is labelled broker or boundary spanner: no one has a quarter of their ties in other departments "
        "with low constraint, or high betweenness across communities."
    )
