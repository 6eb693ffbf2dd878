"""Spread an idea (change agents): idea text, budget k and constraints -> seed people with reasons and each one's
added reach, expected reach beside k random and the k best-connected people, warnings, and reach by department."""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from whoknows.errors import WhoKnowsError
from whoknows.webapp import frame, resources, state
from whoknows.webapp.queries import spread_plan
from whoknows.webapp.spreadview import KNOWER_CHOICES, MODEL_CHOICES, comparison_rows, department_rows
from whoknows.webapp.text import chart_text, md, md_join

ctx = frame.context()
people = resources.directory(ctx.url)
st.title("Spread an idea")
st.write(
    "Name an idea and how many people you can brief first. WhoKnows picks the people who, together, are expected "
    "to carry it furthest through the organisation's network, and shows what the same number of random or "
    "best-connected people would reach, so you can see whether the choice matters."
)
KNOWER_KEYS, MODEL_KEYS = list(KNOWER_CHOICES), list(MODEL_CHOICES)
with st.form("spread_form"):  # first values from the URL, so a reload or a shared link shows the same plan
    idea = st.text_area("The idea", value=state.param("idea") or "", key="idea",
                        placeholder="e.g. a checklist for renegotiating utility contracts")  # fmt: skip
    c1, c2, c3 = st.columns([1, 1, 2])
    k = c1.number_input("Budget: people to brief", min_value=1, max_value=30, value=state.number("k", 5, 1, 30),
                        step=1, key="k")  # fmt: skip
    max_per = c2.number_input("At most per department (0: no limit)", min_value=0, max_value=30,
                              value=state.number("max", 2, 0, 30), key="max_per")  # fmt: skip
    knowers_mode = c3.radio(
        "Who can be a seed", KNOWER_KEYS, index=state.choice("seeds", KNOWER_KEYS) or 0,
        format_func=lambda m: KNOWER_CHOICES[m], key="knowers_mode",
        help="People who know about the idea come from expert search on its text.",
    )  # fmt: skip
    m1, m2 = st.columns([2, 1])
    model = m1.selectbox(
        "How ideas pass between people (model)", MODEL_KEYS, index=state.choice("model", MODEL_KEYS) or 0,
        format_func=lambda m: MODEL_CHOICES[m],
        key="model", help="An assumption, not an observation; docs/analytics.md explains each model.",
    )  # fmt: skip
    p0 = m2.number_input(
        "p0 (independent cascade only)", min_value=0.001, max_value=1.0, value=0.1, step=0.01, format="%.3f",
        key="p0", help="The chance that one unit of tie strength passes the idea on.",
    )  # fmt: skip
    exclude = st.multiselect(
        "Leave out", [p.node_id for p in people.visible_people()], format_func=lambda n: people.by_id[n].label,
        key="exclude", placeholder="people who should not be asked",
    )  # fmt: skip
    submitted = st.form_submit_button("Find seed people", type="primary")

idea = (idea or "").strip()
state.publish({"idea": idea, "k": int(k), "max": int(max_per), "seeds": knowers_mode, "model": model},
              {"k": 5, "max": 2, "seeds": KNOWER_KEYS[0], "model": MODEL_KEYS[0]})  # fmt: skip
if not idea:
    st.caption("Describe the idea in a sentence or two, then press Find seed people.")
    st.stop()

try:
    with st.spinner("Choosing seeds and simulating the spread…"):
        plan = spread_plan(
            ctx.url, idea, int(k), int(max_per) or None, tuple(sorted(exclude)), str(knowers_mode),
            ctx.opted_out_pending(), str(model), float(p0) if model == "ic" else 0.1, ctx.viewer_id,
        )  # fmt: skip
except WhoKnowsError as exc:
    st.error(md(exc))
    st.stop()

n = max(plan["people"], 1)
reach = plan["expected_reach"]
lo, hi = reach["ci95"]
rnd, top = plan["baselines"]["random"], plan["baselines"]["best_connected"]
c1, c2, c3 = st.columns(3)
c1.metric(
    "Expected reach", f"{reach['mean']:.0f} people", help=f"{reach['n_sim']} simulated cascades",
    delta=f"{plan['lift_vs_random']:.1f}x random people" if plan["lift_vs_random"] else None, delta_color="off",
)  # fmt: skip
c2.metric("95% interval", f"{lo:.0f} – {hi:.0f}", help=plan["method"]["interval"])
c3.metric("Share of the organisation", f"{reach['mean'] / n:.0%}", help=f"of {plan['people']} people")
for w in plan["warnings"]:
    st.warning(md(w))
st.info(md(plan["knowers"]["sentence"]))

st.subheader("Compared with other choices")
st.dataframe(comparison_rows(plan), hide_index=True, width="stretch")
st.caption(
    f"The same model for all three. Random people: {rnd['sets']} sets of {len(plan['seeds'])}, reaching "
    f"{rnd['range'][0]:.0f}–{rnd['range'][1]:.0f}; best-connected: the {len(top['people'])} people with the most "
    f"ties ({md_join(top.get('names', [])[:5])}{'…' if len(top['people']) > 5 else ''})"
    + (f"; both {md(top['rule'])}" if top.get("rule") else "")
    + f". Baselines {rnd['method']}."
)

st.subheader(f"Seed people ({len(plan['seeds'])})")
for i, s in enumerate(plan["seeds"], start=1):
    with st.container(border=True, key=f"seed_{i}"):
        left, right = st.columns([4, 1])
        left.markdown(
            f"**{i}. {md(s['name'])}** · {md(s.get('department') or 'no department')} · adds about "
            f"{s['added_reach']:.0f} people"
        )
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
    st.caption(
        f"{plan['hidden_departments']} department(s) with fewer than 5 people are not shown, so that no figure "
        f"describes a handful of people: {md_join(plan['hidden_department_names'])}."
    )
m = plan["method"]
st.caption(
    f"Seeds: {m['selection']}; {m['added_reach']}. An idea passes along a tie with probability "
    f"{m['edge_probabilities']}: an assumption about how ideas travel, and {m['interval']}."
)
