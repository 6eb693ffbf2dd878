"""The parts of the app where a person acts on what WhoKnows says about them or for them: their own topics
(confirm, hide, add), the questions they asked the experts and which answers helped, and asking the people a
search found. Streamlit code; the rules live in :mod:`whoknows.selfassert` and :mod:`whoknows.questions`.

Every change goes through :func:`whoknows.webapp.resources.writable_store` and then clears the cached answers
that read it (:func:`whoknows.webapp.queries.forget_after_a_change`), so search and profiles show it at once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import streamlit as st

from search.expertise import subject_topics
from whoknows.errors import WhoKnowsError
from whoknows.questions import Asked, answered_by, ask, draft_email, mark_helpful, questions_asked_by
from whoknows.selfassert import check_may_change, retract_topic, set_topic, topic_changes, topic_claims
from whoknows.webapp import resources, settings
from whoknows.webapp.contact import mailto
from whoknows.webapp.frame import AppContext
from whoknows.webapp.queries import forget_after_a_change
from whoknows.webapp.text import md

ASK_DEFAULT = 3  # people preselected when asking the experts
_ASKED_KEY = "_asked_question"  # the question just recorded on the search page: its e-mail draft stays shown
_ASK_FAILED_KEY = "_ask_failed"  # why recording the question failed (set by the form's callback, shown once)


def who_changed(ctx: AppContext) -> tuple[str, str]:
    """(by, via) for the change log: the signed-in address, or the picked viewer in the local demo."""
    if ctx.auth:
        return ctx.signed_in_email or "signed-in user", "signed-in"
    return f"local demo as {ctx.viewer_row.name if ctx.viewer_row else 'nobody'}", "local demo"


def topics_editor(ctx: AppContext, person: str, shown: Mapping[str, str]) -> None:
    """On one's own profile: confirm, hide or add topics. ``shown``: the topics the profile lists now (id -> name);
    hidden ones come back from the person's statements so they can be shown again."""
    store = resources.store(ctx.url)
    claims = topic_claims(store, person)
    names = dict(shown)
    names.update({tid: c.name for tid, c in claims.items()})
    states = {tid: c.state for tid, c in claims.items()}
    listed = sorted(names, key=lambda t: names[t].lower())
    st.markdown(
        "**Your topics.** Confirm what WhoKnows found, hide what you do not want to be asked about, add what it "
        "missed. Search and your profile use your choices at once, and you can undo any of them."
    )
    with st.form("own_topics", border=False):
        confirmed = st.multiselect(
            "Topics you confirm", listed, default=[t for t in listed if states.get(t) == "confirmed"],
            format_func=lambda t: names[t], key="own_confirmed",
            help="A confirmed topic counts as strong evidence: search names you for it.",
        )  # fmt: skip
        hidden = st.multiselect(
            "Topics to hide", listed, default=[t for t in listed if states.get(t) == "hidden"],
            format_func=lambda t: names[t], key="own_hidden",
            help="A hidden topic is never shown on your profile, and search never names you for it.",
        )  # fmt: skip
        added_now = [t for t in listed if states.get(t) == "added"]
        known = {t.node_id: t.name for t in subject_topics(store)}  # the organisation's topics: pick one if it fits
        label = {**known, **names}  # topic id -> the name to show
        addable = sorted(set(known) | set(added_now), key=lambda t: str(label.get(t) or t).lower())
        added = st.multiselect(
            "Topics you add (pick one, or type a new one and press Enter)", addable, default=added_now,
            format_func=lambda t: label.get(t, t), accept_new_options=True, key="own_added",
            help="Listed on your profile as added by you; search weighs it by the evidence behind it.",
        )  # fmt: skip
        saved = st.form_submit_button("Save my topics")
    if not saved:
        return
    try:
        check_may_change(person, ctx.viewer_id)
        changes = topic_changes(states, confirmed=confirmed, hidden=hidden, added=added)
        by, via = who_changed(ctx)
        writer = resources.writable_store(ctx.url)
        log = settings.profile_log_path(ctx.url)
        for state, topic in changes:
            if state == "retract":
                retract_topic(writer, person, topic, by=by, via=via, log=log)
            else:
                set_topic(writer, person, topic, state, by=by, via=via, log=log)
    except WhoKnowsError as exc:
        st.error(md(exc))
        return
    forget_after_a_change()
    st.toast(f"Saved: {len(changes)} change(s) to your topics." if changes else "Nothing changed.")
    st.rerun()


def answered_list(ctx: AppContext, person: str) -> None:
    """Questions this person answered helpfully (evidence anyone inside the organisation may read)."""
    answers = answered_by(resources.store(ctx.url), person)
    if not answers:
        return
    st.subheader(f"Helpful answers ({len(answers)})")
    people = resources.directory(ctx.url)
    for a in answers[:10]:
        asker = people.name(a.asked_by) if a.asked_by else "someone"
        st.markdown(f"- “{md(a.text[:200])}” — asked by {md(asker)}, marked helpful {md(a.at[:10])}")


def my_questions(ctx: AppContext, person: str) -> None:
    """On one's own profile: the questions asked, and which of the people asked gave a helpful answer."""
    store = resources.store(ctx.url)
    asked = questions_asked_by(store, person)
    if not asked:
        return
    st.subheader(f"Your questions ({len(asked)})")
    st.caption("Mark who answered helpfully: their answer becomes evidence of what they know, with your name on it.")
    for i, q in enumerate(asked[:10]):
        with st.form(f"helpful_{q.node_id}", border=True):
            st.markdown(f"“{md(q.text)}” · asked {md(q.asked_at[:10])}")
            names = {a.person: a.name for a in q.asked}
            chosen = st.multiselect(
                "Helpful answers from", list(names), default=sorted(q.helpful), format_func=names.__getitem__,
                key=f"helpful_pick_{i}",
            )  # fmt: skip
            if not st.form_submit_button("Save"):
                continue
        try:
            writer = resources.writable_store(ctx.url)
            for a in q.asked:
                now, before = a.person in chosen, a.person in q.helpful
                if now != before:
                    mark_helpful(writer, q.node_id, a.person, marked_by=ctx.viewer_id, helpful=now)
        except WhoKnowsError as exc:
            st.error(md(exc))
            return
        forget_after_a_change()
        st.rerun()


def ask_the_experts(ctx: AppContext, query: str, results: Sequence[Mapping[str, Any]]) -> None:
    """Under a search: put a question to some of the people found, as an e-mail draft that says why each was
    chosen; the question is recorded so that a helpful answer can later count as evidence."""
    people = resources.directory(ctx.url)
    recorded = st.session_state.get(_ASKED_KEY)
    with st.expander("Ask these people", expanded=bool(recorded), icon=":material/forum:"):
        if recorded and recorded.get("query") == query:
            _recorded_note(recorded)
        if ctx.viewer_row is None:
            st.info("Asking is done in your name: sign in (or, in the local demo, pick yourself under View as).")
            return
        candidates = [str(r["node_id"]) for r in results if r["node_id"] != ctx.viewer_id]
        why = {str(r["node_id"]): str(r.get("why") or "") for r in results}
        emails = {nid: people.by_id[nid].contact.emails[0] for nid in candidates
                  if nid in people.by_id and people.by_id[nid].contact.emails}  # fmt: skip
        with st.form("ask_form", border=False):
            st.text_area("Your question", value=f"{query}?" if not query.endswith("?") else query, key="ask_q")
            st.multiselect(
                "Ask", candidates, default=[c for c in candidates if c in emails][:ASK_DEFAULT],
                format_func=people.name, key="ask_people",
            )  # fmt: skip
            st.caption(
                "The question, whom you asked and, later, whose answer helped are recorded for everyone inside the "
                "organisation to see as evidence; the e-mail itself goes from your own mail program."
            )
            st.form_submit_button("Record the question and draft the e-mail", on_click=_record_question,
                                  args=(ctx, query, why, emails))  # fmt: skip
        failed = st.session_state.pop(_ASK_FAILED_KEY, None)
        if failed:
            st.error(md(failed))


def _record_question(ctx: AppContext, query: str, why: Mapping[str, str], emails: Mapping[str, str]) -> None:
    """The form's submit callback: record the question and keep its e-mail draft for the page to show.

    Why a callback and not ``if submitted:`` in the page: Streamlit runs a callback before the rerun the click
    starts, so the question is recorded even when that rerun is cut short by another one (the URL state, a
    second click); a submit flag read in the page's body is True only in that one run, and a browser test lost
    the submission that way about once in six runs."""
    people = resources.directory(ctx.url)
    text = str(st.session_state.get("ask_q") or "")
    chosen = [str(p) for p in st.session_state.get("ask_people") or []]
    if ctx.viewer_row is None:  # the form is drawn only for a viewer; a session that lost its viewer says so
        st.session_state[_ASK_FAILED_KEY] = "Asking is done in your name: pick yourself under View as, or sign in."
        return
    try:
        asked = [Asked(p, people.name(p), why.get(p, "")) for p in chosen]
        to, subject, body = draft_email(text, asked, emails, asker_name=ctx.viewer_row.name)
        ask(resources.writable_store(ctx.url), text, asked, asked_by=ctx.viewer_id, query=query,
            embedder=resources.embedder())  # fmt: skip
    except WhoKnowsError as exc:
        st.session_state[_ASK_FAILED_KEY] = str(exc)
        return
    forget_after_a_change()
    st.session_state[_ASKED_KEY] = {"query": query, "to": to, "mailto": mailto(to, subject=subject, body=body)}


def _recorded_note(recorded: Mapping[str, Any]) -> None:
    st.success("Your question is recorded. Send the e-mail from your own mail program; when someone answers, "
               "mark their answer as helpful under *Your questions* on your profile.")  # fmt: skip
    st.link_button("Open the e-mail draft", recorded["mailto"], icon=":material/mail:", type="primary")
    st.caption(f"To: {md(', '.join(recorded['to']) or 'nobody with an e-mail address')}")
