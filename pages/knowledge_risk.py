"""Knowledge leadership and risk: KM curriculum completion by department, communities' health, SME coverage,
single-expert topics and peripheral specialists."""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from whoknows.webapp import frame, resources
from whoknows.webapp.curriculum import curriculum_completion

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
            y=[d.department for d in report.departments],
            colorscale="Blues", zmin=0, zmax=1,
            hovertemplate="%{y}<br>%{x}: %{z:.0%}<extra></extra>",
        )
    )  # fmt: skip
    fig.update_layout(height=max(260, 28 * len(report.departments)), margin={"l": 0, "r": 0, "t": 10, "b": 0})
    st.plotly_chart(fig, key="km_heatmap")
