"""Knowledge leadership and risk: the KM curriculum by department, topics only one person knows about, peripheral
specialists, departments and communities whose ties run through one or two people, and communities' health;
every section says why it is empty when it is (graph/analytics/risk_summary: the same answer as `whoknows risk`)."""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from whoknows.errors import WhoKnowsError
from whoknows.webapp import frame
from whoknows.webapp.queries import risk_data
from whoknows.webapp.text import chart_text, md

ctx = frame.context()
st.title("Knowledge leadership and risk")

try:
    risk = risk_data(ctx.url)
except WhoKnowsError as exc:
    st.error(md(exc))
    st.stop()
hidden = ctx.opted_out_pending()
why = risk["why_empty"]

st.header("KM curriculum completion by department")
cur = risk["curriculum"]
courses = cur["courses"]
if not courses:
    st.info(md(f"Nothing to measure: {why['curriculum']}."))
else:
    total = cur["total"]
    share = total["all_done"] / max(total["people"], 1)
    st.caption(
        f"{len(courses)} KM courses; across all departments {share:.0%} of {total['people']} active people "
        "completed the whole curriculum. Departments with fewer than 5 people are combined (or, if still fewer "
        "than 5 together, counted in this total only), so that no figure describes a handful of people."
    )

    def pct(d: dict, code: str) -> float:
        return d["done"].get(code, 0) / d["people"] if d["people"] else 0.0

    rows = []
    for d in cur["departments"]:
        row = {"department": d["department"], "people": d["people"]}
        row.update({c["code"]: pct(d, c["code"]) for c in courses})
        row["whole curriculum"] = d["all_done"] / d["people"] if d["people"] else 0.0
        rows.append(row)
    cols = {c["code"]: st.column_config.ProgressColumn(c["code"], help=c["title"], min_value=0.0, max_value=1.0,
                                                       format="percent") for c in courses}  # fmt: skip
    cols["whole curriculum"] = st.column_config.ProgressColumn(
        "whole curriculum", min_value=0.0, max_value=1.0, format="percent"
    )
    st.dataframe(rows, column_config=cols, hide_index=True, width="stretch")
    fig = go.Figure(
        go.Heatmap(
            z=[[pct(d, c["code"]) for c in courses] for d in cur["departments"]],
            x=[c["code"] for c in courses],
            y=[chart_text(d["department"]) for d in cur["departments"]],
            colorscale="Blues", zmin=0, zmax=1,
            hovertemplate="%{y}<br>%{x}: %{z:.0%}<extra></extra>",
        )
    )  # fmt: skip
    fig.update_layout(height=max(260, 28 * len(cur["departments"])), margin={"l": 0, "r": 0, "t": 10, "b": 0})
    st.plotly_chart(fig, key="km_heatmap")

st.header("Communities of practice: health and SME coverage")
communities = sorted(risk["communities"].values(), key=lambda c: (c.get("hidden", False), str(c["name"])))
shown = [c for c in communities if not c.get("hidden")]
if shown:
    st.dataframe(
        [
            {
                "community": c["name"], "members": c["members"], "active leaders": c["active_leaders"],
                "SMEs": c["smes"], "SME coverage": c["sme_share"], "documents": c["documents"],
                "problems": "; ".join(c["problems"]) or "none",
            }
            for c in shown
        ],
        column_config={"SME coverage": st.column_config.ProgressColumn(
            "SME coverage", help="SMEs per member", min_value=0.0, max_value=max(c["sme_share"] for c in shown) or 1.0,
            format="percent")},
        hide_index=True, width="stretch",
    )  # fmt: skip
    unhealthy = [c for c in shown if c["problems"]]
    st.caption(
        f"{len(unhealthy)} of {len(shown)} communities have a problem "
        "(no active leader, no SME or no knowledge assets)."
    )
elif not communities:
    st.info(md(f"Nothing to show: {why['communities']}."))
small = [c for c in communities if c.get("hidden")]
if small:
    st.caption(f"{len(small)} communities with fewer than 5 members are not detailed, so that no figure describes a "
               "handful of people.")  # fmt: skip

st.header("Single-expert topics")
topics = risk["topics"]
single = [r for r in risk["single_experts"] if r["person"] not in hidden]
if topics:  # with no topics the section's own line says why; "0 of 0 topics" would say nothing
    st.caption(
        f"{len(risk['single_experts'])} of {len(topics)} topics are known by one person only (bus factor 1); "
        f"{len(risk['topics_without_expert'])} have no strong match in anyone's evidence (a short name or an "
        "acronym can be too little text for the model). Who knows a topic: "
        f"{risk['method']['experts']}."
    )
if single:
    st.dataframe(
        [{"topic": r["topic"], "the one expert": r["name"], "department": r["department"],
          "far from them": ", ".join(r["far_departments"]) or "none"} for r in single],
        hide_index=True, width="stretch",
    )  # fmt: skip
    st.caption(f"Far from them: departments most of whose members are {risk['method']['far']}.")
    for r in single:
        if r["person"]:
            frame.person_link(r["person"], f"{r['name']} — the only expert on {r['topic']}")
else:
    st.info(md(f"None: {why.get('single_expert_topics', 'every topic has its only expert hidden')}."))

st.header("Peripheral specialists")
st.caption(
    "People who know about a topic but have few ties: their knowledge sits at the edge of the network (the same "
    "rule as the network role on their profile)."
)
periph = {p: v for p, v in risk["peripheral_specialists"].items() if p not in hidden}
if periph:
    st.dataframe(
        [{"person": v["name"], "department": v["department"], "topics": ", ".join(v["topics"]),
          "why peripheral": "; ".join(v["reasons"])}
         for _p, v in sorted(periph.items(), key=lambda kv: (-len(kv[1]["topics"]), kv[1]["name"]))],
        hide_index=True, width="stretch",
    )  # fmt: skip
else:
    st.info(md(f"None: {why['peripheral_specialists']}."))

st.header("Departments whose ties run through one or two people")
net = risk["network_risk"]
st.caption(f"At risk: {risk['method']['network_risk']}. If they left, the group would lose that share of its ties.")


def network_line(row: dict) -> str:
    """The row's sentence, unless a person it names asked to opt out: then the same figure without names."""
    if any(h["person"] in hidden for h in row["holders"]):
        who = "one person" if row["through"] == 1 else "two people"
        return f"{row['name']} ({row['members']} people): {row['share']:.0%} of its ties out run through {who}."
    return f"{row['name']} ({row['members']} people): {row['sentence']}."


at_risk = net["departments"]["at_risk"]
if at_risk:
    for row in at_risk:
        st.markdown(md(network_line(row)))
else:
    st.info(md(f"None: {why['network_risk']}."))
if net["communities"] is not None:
    st.subheader("Communities (as named on the network map)")
    for row in net["communities"]["at_risk"]:
        st.markdown(md(network_line(row)))
    if not net["communities"]["at_risk"]:
        st.info(md(f"None: {why.get('community_network_risk', 'no community is flagged')}."))
