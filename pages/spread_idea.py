"""Spread an idea (change agents): idea text, budget k and constraints -> seed people with reasons, expected
reach with its interval, and reach by department."""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from whoknows.errors import WhoKnowsError
from whoknows.webapp import frame, resources, state
from whoknows.webapp.queries import spread_plan
from whoknows.webapp.spreadview import department_rows
from whoknows.webapp.text import chart_text, md

ctx = frame.context()
people = resources.directory(ctx.url)
st.title("Spread an idea")
st.write(
    "Name an idea and how many people you can brief first. WhoKnows picks the people who, together, are expected "
    "to carry it furthest through the organisation's network, across departments."
)
with st.form("spread_form"):  # first values from the URL, so a reload or a shared link shows the same plan
    idea = st.text_area("The idea", value=state.param("idea") or "", key="idea",
                        placeholder="e.g. a checklist for renegotiating utility contracts")  # fmt: skip
    c1, c2, c3 = st.columns([1, 1, 2])
    k = c1.number_input("Budget: people to brief", min_value=1, max_value=30, value=state.number("k", 5, 1, 30),
                        step=1, key="k")  # fmt: skip
    max_per = c2.number_input("At most per department (0: no limit)", min_value=0, max_value=30,
                              value=state.number("max", 2, 0, 30), key="max_per")  # fmt: skip
    only_knowers = c3.toggle(
        "Only people who know about the idea", value=state.flag("knowers"), key="only_knowers",
        help="Restrict seeds to the 50 people expert search ranks highest for the idea.",
    )  # fmt: skip
    exclude = st.multiselect(
        "Leave out", [p.node_id for p in people.visible_people()], format_func=lambda n: people.by_id[n].label,
        key="exclude", placeholder="people who should not be asked",
    )  # fmt: skip
    submitted = st.form_submit_button("Find seed people", type="primary")

idea = (idea or "").strip()
state.publish({"idea": idea, "k": int(k), "max": int(max_per), "knowers": bool(only_knowers)}, {"k": 5, "max": 2})
if not idea:
    st.caption("Describe the idea in a sentence or two, then press Find seed people.")
    st.stop()

try:
    with st.spinner("Choosing seeds and simulating the spread…"):
        plan = spread_plan(
            ctx.url, idea, int(k), int(max_per) or None, tuple(sorted(exclude)), bool(only_knowers),
            ctx.opted_out_pending(),
        )  # fmt: skip
except ImportError as exc:
    frame.library_missing("Spreading an idea", "graph.analytics.spread", exc)
    st.stop()
except WhoKnowsError as exc:
    st.error(md(exc))
    st.stop()

reach = plan["expected_reach"]
lo, hi = reach["ci95"]
c1, c2, c3 = st.columns(3)
c1.metric("Expected reach", f"{reach['mean']:.0f} people", help=f"{reach['n_sim']} simulated cascades")
c2.metric("95% interval", f"{lo:.0f} – {hi:.0f}")
c3.metric("Share of the organisation", f"{reach['mean'] / max(plan['people'], 1):.0%}")

st.subheader(f"Seed people ({len(plan['seeds'])})")
for i, s in enumerate(plan["seeds"], start=1):
    with st.container(border=True, key=f"seed_{i}"):
        left, right = st.columns([4, 1])
        left.markdown(f"**{i}. {md(s['name'])}** · {md(s.get('department') or 'no department')}")
        with right:
            frame.person_link(s["person"], "Profile")
        for r in s.get("reasons") or ():
            st.markdown(f"- {md(r)}")

st.subheader("Reach by department")
rows = department_rows(plan["reach_by_department"])
if rows:
    bar = go.Figure(
        go.Bar(
            x=[r["share"] for r in rows], y=[chart_text(r["department"]) for r in rows], orientation="h",
            text=[f"{r['expected reached']:.0f} of {r['members']}" for r in rows], textposition="auto",
            hovertemplate="%{y}: %{x:.0%}<extra></extra>", marker_color="#4e79a7",
        )
    )  # fmt: skip
    bar.update_layout(
        height=max(260, 30 * len(rows)), margin={"l": 0, "r": 0, "t": 10, "b": 0},
        xaxis={"tickformat": ".0%", "range": [0, 1]}, yaxis={"autorange": "reversed"},
    )  # fmt: skip
    st.plotly_chart(bar, key="reach_by_department")
if plan["hidden_departments"]:
    st.caption(f"{plan['hidden_departments']} department(s) with fewer than 5 people are not shown.")
m = plan["method"]
st.caption(
    f"Seeds: {m['selection']}; diffusion model {m['model']} with edge probability {m['edge_probabilities']} "
    f"(an assumption about how ideas pass along ties). {plan['knowers']} people know about the idea."
)
