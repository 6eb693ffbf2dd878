"""Knowledge leadership and risk: KM curriculum completion by department, communities' health, SME coverage,
single-expert topics and peripheral specialists."""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from whoknows.webapp import frame, resources
from whoknows.webapp.curriculum import curriculum_completion
from whoknows.webapp.queries import risk_data
from whoknows.webapp.text import chart_text

ctx = frame.context()
store = resources.store(ctx.url)

st.title("Knowledge leadership and risk")

st.header("KM curriculum completion by department")
report = curriculum_completion(store)
if not report.courses:
    st.info("No KM 10x courses in the catalogue (courses whose code is KM 100 … KM 109).")
else:
    st.caption(
        f"{len(report.courses)} KM courses; across all departments {report.total.all_share:.0%} of "
        f"{report.total.people} active people completed the whole curriculum. Departments with fewer than "
        "5 people are combined."
    )
    rows = []
    for d in report.departments:
        row = {"department": d.department, "people": d.people}
        row.update({c.code: d.share(c.code) for c in report.courses})
        row["whole curriculum"] = d.all_share
        rows.append(row)
    pct = {c.code: st.column_config.ProgressColumn(c.code, help=c.title, min_value=0.0, max_value=1.0, format="percent")
           for c in report.courses}  # fmt: skip
    pct["whole curriculum"] = st.column_config.ProgressColumn(
        "whole curriculum", min_value=0.0, max_value=1.0, format="percent"
    )
    st.dataframe(rows, column_config=pct, hide_index=True, width="stretch")
    fig = go.Figure(
        go.Heatmap(
            z=[[d.share(c.code) for c in report.courses] for d in report.departments],
            x=[c.code for c in report.courses],
            y=[chart_text(d.department) for d in report.departments],
            colorscale="Blues", zmin=0, zmax=1,
            hovertemplate="%{y}<br>%{x}: %{z:.0%}<extra></extra>",
        )
    )  # fmt: skip
    fig.update_layout(height=max(260, 28 * len(report.departments)), margin={"l": 0, "r": 0, "t": 10, "b": 0})
    st.plotly_chart(fig, key="km_heatmap")

risk = risk_data(ctx.url)
people = resources.directory(ctx.url)
hidden = ctx.opted_out_pending()

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
small = [c for c in communities if c.get("hidden")]
if small:
    st.caption(f"{len(small)} communities with fewer than 5 members are not detailed.")

st.header("Single-expert topics")
topics = risk["topics"]
single = [t for t in risk["single_expert_topics"]]
st.caption(
    f"{len(single)} of {len(topics)} topics are known by one person only (bus factor 1); "
    f"{len(risk['topics_without_expert'])} have nobody who wrote or reviewed about them."
)
rows = []
for t in single:
    info = topics[t]
    experts = [e for e in info["experts"] if e not in hidden]
    rows.append({
        "topic": t,
        "the one expert": ", ".join(people.name(e) for e in experts) or "(opted out)",
        "departments cut off": ", ".join(map(str, info["cut_off_departments"])) or "none",
    })  # fmt: skip
if rows:
    st.dataframe(rows, hide_index=True, width="stretch")
    for t in single:
        for e in topics[t]["experts"]:
            if e not in hidden:
                frame.person_link(e, f"{people.name(e)} — the only expert on {t}")

st.header("Peripheral specialists")
st.caption("Experts the network reaches poorly (low k-core or closeness): their knowledge is at the edge.")
periph: dict[str, dict] = {}
for t, info in topics.items():
    for p, row in info["peripheral_experts"].items():
        if p in hidden:
            continue
        entry = periph.setdefault(p, {"topics": [], "reasons": row["reasons"]})
        entry["topics"].append(t)
if periph:
    st.dataframe(
        [{"person": people.name(p), "department": (people.by_id[p].department if p in people.by_id else None),
          "topics": ", ".join(sorted(v["topics"])), "why peripheral": "; ".join(v["reasons"])}
         for p, v in sorted(periph.items(), key=lambda kv: (-len(kv[1]["topics"]), people.name(kv[0])))],
        hide_index=True, width="stretch",
    )  # fmt: skip
else:
    st.caption("No expert sits at the edge of the network.")
