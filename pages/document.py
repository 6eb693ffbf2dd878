"""Documents: find a knowledge asset by what it is about, and open one: who wrote and reviewed it, where it
belongs, its source (the declared URL, else a permission-checked download of the stored file)."""

from __future__ import annotations

import streamlit as st

from whoknows.errors import WhoKnowsError
from whoknows.webapp import frame, resources, state
from whoknows.webapp.queries import search_docs
from whoknows.webapp.sources import SourceUnavailableError, document_url, stored_file
from whoknows.webapp.text import md, md_join

ctx = frame.context()
store = resources.store(ctx.url)
people = resources.directory(ctx.url)
viewer = ctx.viewer()

requested = st.query_params.get("doc")
if not requested:
    st.title("Documents")
    query = state.text_input("What is the document about?", key="dq", name="q",
                             placeholder="e.g. after action review template")  # fmt: skip
    query = (query or "").strip()
    if not query:
        st.caption("Knowledge assets ranked by their best matching passage, trimmed to what you may see.")
        st.stop()
    try:
        with st.spinner("Searching…"):
            hits = search_docs(ctx.url, query, ctx.viewer_id)
    except WhoKnowsError as exc:
        st.error(md(exc))
        st.stop()
    if not hits:
        st.info("No document matched. Try other words.")
        st.stop()
    for h in hits:
        with st.container(border=True):
            link = document_url(h["doc_id"], {"url": h.get("url")})
            st.markdown(
                f"**[{md(h['title'])}](<{link}>)**  \n"
                + md_join([h.get("date"), h.get("community"), ", ".join(h.get("authors") or [])], " · ")
                + f"\n\n> {md(h['passage'][:400])}"
            )
    st.stop()

node_id = f"doc:{requested}"
view = store.get_node(node_id)
if view is None or view.node.label != "Document":
    st.title("Document")
    st.warning("There is no such document in WhoKnows (it may have been removed by a later ingest).")
    st.stop()
props = view.node.props
if not viewer.can_see(props):
    st.title("Document")
    st.info("This document is restricted, and you are not among the people and groups it is shared with.")
    st.stop()

st.title(md(props.get("title") or node_id))
st.markdown(
    md_join([props.get("format"), props.get("date"), f"{props.get('visibility') or 'internal'} document",
             props.get("community")], " · ")
)  # fmt: skip
url = document_url(node_id, props)
if not url.startswith("document?"):
    st.link_button("Open the source", url, icon=":material/open_in_new:")
    st.caption(f"Source: {md(url)}")
else:
    try:
        f = stored_file(store, view.node, viewer, resources.runs(ctx.url, 200))
    except (SourceUnavailableError, WhoKnowsError) as exc:
        st.caption(f"No source link was given for this document, and {md(exc)}.")
    else:  # on_click="ignore": no rerun, which would register the deferred file anew and race the browser's fetch
        st.download_button(
            f"Download {f.name}", data=f.path.read_bytes, file_name=f.name, mime=f.mime,
            icon=":material/download:", key="download", on_click="ignore",
        )  # fmt: skip
        st.caption(f"The file as it was ingested ({f.size:,} bytes); no source link was given for it.")

authors = [(r.start, int(r.props.get("position") or 0)) for r in view.incoming if r.type == "AUTHORED"]
reviewers = [r.start for r in view.incoming if r.type == "REVIEWED"]
hidden = ctx.opted_out_pending()
left, right = st.columns(2)
with left:
    st.subheader("Written by")
    shown = [p for p, _ in sorted(authors, key=lambda a: a[1]) if p in people.by_id and people.by_id[p].visible]
    for p in shown:
        if p not in hidden:
            frame.person_link(p, people.name(p))
    if len(shown) < len(authors):
        st.caption("Authors who opted out or left are not named.")
with right:
    st.subheader("Reviewed by")
    rev = [p for p in reviewers if p in people.by_id and people.by_id[p].visible and p not in hidden]
    for p in rev:
        frame.person_link(p, people.name(p))
    if not reviewers:
        st.caption("No subject-matter expert review recorded.")
if props.get("tags"):
    st.markdown("**Topics:** " + md_join(props.get("tags") or ()))
