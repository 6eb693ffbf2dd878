"""Data (admins): what the store holds and every ingest run with each rejection and its reason."""

from __future__ import annotations

import streamlit as st

from whoknows.selfassert import read_changes
from whoknows.webapp import frame, resources, settings
from whoknows.webapp.optout import read_requests
from whoknows.webapp.runs import count_rows, notice_rows, rejection_rows, run_rows, source_rows
from whoknows.webapp.text import md

ctx = frame.context()
if not ctx.admin:  # app.py registers this page for admins only; this guards any other way in
    st.error("The Data page is for administrators.")
    st.stop()
st.title("Data")
st.caption(f"Store: {md(ctx.url)} (opened read-only by the app)")

counts = resources.counts(ctx.url)
nodes, rels = count_rows(counts)
c1, c2, c3, c4 = st.columns(4)
c1.metric("People", counts.get("Person", 0))
c2.metric("Documents", counts.get("Document", 0))
c3.metric("Passages", counts.get("Chunk", 0))
c4.metric("Pending people links", counts.get("pending", 0))
left, right = st.columns(2)
left.dataframe(nodes, hide_index=True, width="stretch")
right.dataframe(rels, hide_index=True, width="stretch")

st.header("Ingest runs")
runs = resources.runs(ctx.url, 20)
if not runs:
    st.info("No ingest has run into this store yet: `whoknows ingest --store STORE EXPORTS...` or `whoknows demo`.")
else:
    st.dataframe(run_rows(runs), hide_index=True, width="stretch")
    labels = [f"{r['started']} · {str(r['run_id'])[:8]}" for r in runs]
    pick = st.selectbox("Run", range(len(runs)), format_func=lambda i: labels[i], key="data_run")
    run = runs[pick]
    st.subheader("Sources")
    st.dataframe(source_rows(run), hide_index=True, width="stretch")
    rejections = rejection_rows(run)
    st.subheader(f"Rejections ({len(rejections)})")
    if rejections:
        st.dataframe(rejections, hide_index=True, width="stretch")
    else:
        st.success("Nothing was rejected in this run.")
    notices = notice_rows(run)
    if notices:
        with st.expander(f"Notices ({len(notices)})"):
            st.dataframe(notices, hide_index=True, width="stretch")

st.header("Opt-out requests")
requests = read_requests(ctx.optout_file)
if requests:
    st.write(
        f"{len(requests)} request(s) recorded in {md(ctx.optout_file)}. Apply them in the people directory "
        "(CSV column `opted_out`, SCIM `optOut`) and re-ingest; until then the app already leaves these people out."
    )
    rows = [{"person": r.person, "email": r.email, "requested": r.requested_at, "via": r.via} for r in requests]
    st.dataframe(rows, hide_index=True, width="stretch")
else:
    st.caption(f"No opt-out requests recorded (they would be in {md(ctx.optout_file)}).")

st.header("Changes people made to their own topics")
log = settings.profile_log_path(ctx.url)
changes = read_changes(log)
if changes:
    people = resources.directory(ctx.url)
    st.caption(
        f"{len(changes)} change(s), newest first, from {md(log)}. The graph holds each person's current statements "
        "(sources `self-topic:<person>#<topic>`); a re-ingest leaves them, the person can withdraw them."
    )
    st.dataframe(
        [{"when": c.at, "person": people.name(c.person), "topic": c.name, "change": c.action, "by": c.by,
          "via": c.via} for c in changes],
        hide_index=True, width="stretch", key="profile_changes",
    )  # fmt: skip
else:
    st.caption(f"Nobody has confirmed, hidden or added a topic yet (changes would be logged in {md(log)}).")
