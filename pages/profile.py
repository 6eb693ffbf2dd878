"""Person profile: topics with confidence and evidence, communities and roles, courses, collaborators, the ego
network and their network role in words; on your own profile, the opt-out control."""

from __future__ import annotations

import streamlit as st

from search.expertise import format_score
from whoknows.errors import WhoKnowsError
from whoknows.webapp import frame, resources, settings, yours
from whoknows.webapp.contact import photo_bytes, safe_url
from whoknows.webapp.ego import ego_figure, ego_graph
from whoknows.webapp.optout import record_request
from whoknows.webapp.profile import load_profile
from whoknows.webapp.queries import network_role
from whoknows.webapp.sources import community_url, course_url, document_url
from whoknows.webapp.text import md, md_join

ctx = frame.context()
people = resources.directory(ctx.url)
store = resources.store(ctx.url)

requested = st.query_params.get("person")
node_id = f"person:{requested}" if requested else ctx.viewer_id
options = [p.node_id for p in people.visible_people()]
if ctx.viewer_id and ctx.viewer_id not in options:
    options.insert(0, ctx.viewer_id)
if node_id is not None and node_id in people.by_id and node_id not in options:
    st.title("Person profile")
    st.info("This person is not shown in WhoKnows: they opted out of expertise profiling or have left.")
    st.stop()
if node_id is None or node_id not in people.by_id:
    if requested:
        st.warning(f"There is no person {md(requested)} in the directory; pick someone below.")
    node_id = None
pick = st.selectbox(
    "Person",
    options,
    index=options.index(node_id) if node_id in options else None,
    format_func=lambda nid: people.by_id[nid].label,
    placeholder="Choose a person…",
    key=f"profile_pick_{node_id}",
)
if pick is None:
    st.title("Person profile")
    st.info("Search for an expert, click a node on the network map, or choose a person above.")
    st.stop()
if pick != node_id:
    st.query_params["person"] = pick.removeprefix("person:")
    st.rerun()

try:
    prof = load_profile(store, pick, ctx.viewer(), private=ctx.sees_private(pick), embedder=resources.embedder())
except WhoKnowsError as exc:
    st.error(md(exc))
    st.stop()

own = ctx.viewer_id == prof.node_id
pending_optout = prof.node_id in ctx.opted_out_pending()
photo = photo_bytes(prof.photo)
remote = safe_url(prof.photo, ("https",)) if prof.photo and settings.remote_photos(st.secrets) else None
image = photo or remote
if image:
    pic, head = st.columns([1, 9], vertical_alignment="center")
    pic.image(image, width=88, caption=None)
else:
    head = st.container()
with head:
    st.title(md(prof.name))
    st.markdown(md_join((prof.title, prof.department, prof.location), " · "))
if not prof.visible and not own:
    st.info("This person is not shown in WhoKnows: they opted out of expertise profiling or have left.")
    st.stop()
if pending_optout and not own:
    st.info("This person asked to opt out of expertise profiling; their profile is no longer shown.")
    st.stop()
contact_line = prof.contact.markdown(ctx.chat_link)
st.markdown(f"**Contact:** {contact_line}" if contact_line else "**Contact:** the directory gives no contact details.")
if prof.manager:
    frame.person_link(prof.manager[0], f"Reports to {prof.manager[1]}")

if own:
    with st.container(border=True):
        st.subheader("Your expertise profile")
        if prof.opted_out:
            st.success("You have opted out: you do not appear in search results, maps or seed lists.")
        elif pending_optout:
            st.info(
                "Your opt-out request is recorded. An administrator applies it in the people directory; until then "
                "WhoKnows already leaves you out of search results, maps and seed lists."
            )
        else:
            st.write("WhoKnows shows you in search results, network maps and seed lists, with the evidence below.")
            if st.button("Opt out of expertise profiling", key="optout"):
                try:
                    record_request(ctx.optout_file, prof.node_id, email=ctx.signed_in_email,
                                   via="signed-in" if ctx.auth else "local demo")  # fmt: skip
                except WhoKnowsError as exc:
                    st.error(md(exc))
                else:
                    st.rerun()

role_col, comm_col = st.columns([1, 1])
with role_col:
    st.subheader("Network role")
    role = network_role(ctx.url, prof.node_id, tuple(t.name for t in prof.topics if t.match == "strong"))
    if not role:
        st.write("No particular network role: an ordinary position in the interaction network.")
    else:
        for line in role:
            st.markdown(f"- {md(line)}")
with comm_col:
    st.subheader("Communities and roles")
    if prof.communities:
        for c in prof.communities:
            url = community_url({"url": c.url})
            name = f"[{md(c.name)}](<{url}>)" if url else md(c.name)
            st.markdown(f"- **{name}**: {md_join(c.roles)}" + (f" (since {md(c.since)})" if c.since else ""))
    else:
        st.caption("No community memberships.")
    if prof.sme_of:
        st.caption("Subject-matter expert (SME) in " + md_join(c.name for c in prof.sme_of))
    if prof.leads:
        st.caption("Community-of-practice leader in " + md_join(c.name for c in prof.leads))

st.subheader("Topics")
if prof.topics:  # a list, not a table: the words are what a person reads and checks (and a screen reader too)
    their = {"confirmed": " · **confirmed by them**", "added": " · **added by them**"}
    st.markdown("\n".join(  # the calibrated score with one decimal and its level (never "92.42%": docs/search.md)
        f"- **{md(t.name)}**: {t.match} match {format_score(t.confidence)}{their.get(t.asserted or '', '')}"
        f" — {md('; '.join(t.evidence[:4]))}" for t in prof.topics
    ))  # fmt: skip
else:
    st.caption("No topics yet: nothing this person wrote or reviewed is close to a topic of the organisation.")
if own:
    with st.container(border=True, key="own_topics_box"):
        yours.topics_editor(ctx, prof.node_id, {t.node_id: t.name for t in prof.topics})
yours.answered_list(ctx, prof.node_id)
if own:
    yours.my_questions(ctx, prof.node_id)

docs_col, courses_col = st.columns(2)
with docs_col:
    st.subheader(f"Documents ({len(prof.documents)})")
    if prof.documents:
        st.dataframe(
            [{"title": d.title, "role": d.relation, "date": d.date, "community": d.community,
              "open": document_url(d.node_id, {"url": d.url})} for d in prof.documents],
            column_config={"open": st.column_config.LinkColumn("open", display_text="open", help="The source, "
                           "or the document's page with its stored file")},
            hide_index=True,
            width="stretch",
        )  # fmt: skip
with courses_col:
    st.subheader(f"Courses ({len(prof.courses)})")
    if prof.courses:
        private = ctx.sees_private(prof.node_id)
        course_props = store.get_nodes([c.node_id for c in prof.courses])
        st.dataframe(
            [{"course": c.title, "code": c.code, "status": c.status, "date": (c.at or "")[:10],
              **({"score": c.score} if private else {}),
              "open": course_url(course_props[c.node_id].props) if c.node_id in course_props else None}
             for c in prof.courses],
            column_config={"open": st.column_config.LinkColumn("open", display_text="open")},
            hide_index=True,
            width="stretch",
        )  # fmt: skip
    if ctx.sees_private(prof.node_id) and not own:
        st.caption("You see every learning record because you are an administrator; others see completed courses.")
    elif own:
        st.caption("Only you and administrators see failed or waived courses and scores; others see completed ones.")

net_col, coll_col = st.columns([3, 2])
with net_col:
    st.subheader("Ego network")
    g = ego_graph(store, prof.node_id, hide=ctx.opted_out_pending())
    if g.number_of_nodes() > 1:
        st.plotly_chart(ego_figure(g), key="ego_chart", config={"displayModeBar": False})
    else:
        st.caption("No recorded interactions.")
with coll_col:
    st.subheader("Works with")
    hidden = ctx.opted_out_pending()
    for collaborator in prof.collaborators:
        if collaborator.node_id in hidden:
            continue
        frame.person_link(collaborator.node_id, f"{collaborator.name} ({collaborator.department or 'no department'})")
        st.caption(md_join(collaborator.how, "; "))
