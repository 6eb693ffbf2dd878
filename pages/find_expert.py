"""Find an expert: a search box and filters; ranked people as cards with their calibrated match (strong / weak,
the same meaning for every query), the one-line why, the evidence that passed, how to reach them through people
the viewer already knows, and a link to each profile, in the order the search gives (by level for a pasted
document, else the ranking's order with people who are no match last). When nobody is a strong match the page
says so first and folds everyone; else people who are no match are folded under the strong and weak matches."""

from __future__ import annotations

import streamlit as st

from search.expertise import shown_query, weak_before_strong
from whoknows.errors import WhoKnowsError
from whoknows.webapp import frame, resources, state, yours
from whoknows.webapp.cards import Card, card_markdown, evidence_markdown, filters_key, match_cards
from whoknows.webapp.queries import reach_path, search_experts
from whoknows.webapp.reach import introduction
from whoknows.webapp.sources import evidence_links
from whoknows.webapp.text import md

ctx = frame.context()
people = resources.directory(ctx.url)

st.title("Find an expert")


@st.fragment
def search_and_results() -> None:
    """The form and the cards as a fragment: a search reruns this function only, not the whole app (frame,
    sidebar picker, navigation), which is most of the round trip once the search itself takes 0.05 s."""
    departments, locations, roles = people.departments(), people.locations(), people.role_options()
    with st.form("search_form", border=False):  # first values from the URL: a reload or a shared link restores them
        query = state.text_input(
            "What do you need to know about?", key="q", name="q", placeholder="e.g. contract negotiation with utilities"
        )
        c1, c2, c3, c4 = st.columns([2, 2, 2, 1])
        department = c1.selectbox("Department", departments, index=state.choice("dept", departments),
                                  placeholder="any", key="f_dept")  # fmt: skip
        location = c2.selectbox("Location", locations, index=state.choice("loc", locations), placeholder="any",
                                key="f_loc")  # fmt: skip
        role = c3.selectbox(
            "Role", roles, index=state.choice("role", roles), placeholder="any",
            help="A community-of-practice role (leader, sme, ...) or a job title.", key="f_role",
        )  # fmt: skip
        limit = c4.number_input("Show", min_value=1, max_value=50, value=state.number("n", 10, 1, 50), step=1,
                                key="f_limit")  # fmt: skip
        st.form_submit_button("Search", type="primary")

    query = (query or "").strip()
    state.publish({"q": query, "dept": department, "loc": location, "role": role, "n": int(limit)}, {"n": 10})
    if not query:
        st.caption(
            "Type a need in your own words; WhoKnows ranks people by what they wrote, reviewed, completed and lead."
        )
        return

    try:
        with st.spinner("Searching…"):
            hidden = ctx.opted_out_pending()
            results = search_experts(ctx.url, query, ctx.viewer_id, filters_key(department, location, role), int(limit),
                                     hidden)  # fmt: skip
    except WhoKnowsError as exc:
        st.error(md(exc))
        return

    people_found = results["people"]
    if not people_found:
        st.info("Nobody matched. Try other words, or remove a filter.")
        return

    shown = shown_query(query)  # a pasted document is shown shortened, never echoed whole
    n_strong = sum(1 for p in people_found if p.get("match") == "strong")
    total = max(int(results.get("strong") or 0), n_strong)
    found = f"{total} strong {'match' if total == 1 else 'matches'}" if total else f"{len(people_found)} people"
    st.caption(
        f"{found} for “{md(shown)}”"
        + (f"; showing {n_strong} (raise Show for more)" if total > n_strong else "")
        + (f", viewed as {md(ctx.viewer_row.name)}" if ctx.viewer_row else "")
    )
    # only documents count in the calibrated match, so no course completion (public or private) is on a card
    cards = match_cards(people_found)
    links = evidence_links(resources.store(ctx.url), (e.node_id for c in cards for e in c.documents if e.node_id))
    # in the order the search gives (search.expertise.shown_key): when someone is a strong match, strong and weak
    # matches as cards in that order and people who are no match folded; else everyone folded under a warning
    anyone = any(c.match == "strong" for c in cards)
    shown_cards = [c for c in cards if c.match != "none"] if anyone else []
    others = [c for c in cards if c.match == "none"] if anyone else cards
    if not anyone:
        st.warning(
            f"No strong match for “{md(shown)}”: nobody's evidence is close enough to say they know about it. "
            "The closest people are below, folded."
        )
    elif results.get("order") == "ranking" and weak_before_strong([c.match for c in shown_cards]):
        st.caption("In the order of all their evidence; the label says how close each person's own best work is.")
    for card in shown_cards:
        draw_card(card, hidden, links)
    if others:
        levels = {c.match for c in others}
        kind = "weak matches" if levels == {"weak"} else "no real match" if "weak" not in levels else "weak or no match"
        label = f"Closest people ({kind})" if not anyone else f"{len(others)} other people ({kind})"
        with st.expander(label, expanded=False):
            for card in others:
                draw_card(card, hidden, links)
    yours.ask_the_experts(ctx, query, [p for p in people_found if p.get("match") == "strong"] or people_found)


def draw_card(card: Card, hidden: frozenset[str], links: dict[str, str]) -> None:
    """One person: name, subtitle, match label and score, contact, why, quoted passages, profile link, evidence,
    how to reach them."""
    row = people.by_id.get(card.node_id)
    contact = row.contact.markdown(ctx.chat_link) if row else ""
    with st.container(border=True, key=f"card_{card.rank}"):
        st.markdown(card_markdown(card, contact=contact, links=links))
        frame.person_link(card.node_id, "Profile")
        evidence = evidence_markdown(card, links)
        if evidence:
            with st.expander("Evidence"):
                st.markdown(evidence)
        if ctx.viewer_id and ctx.viewer_id != card.node_id:
            path = reach_path(ctx.url, ctx.viewer_id, card.node_id, hidden)
            if not path:
                st.markdown("**How to reach them:** no chain of colleagues links you in the person network; "
                            "contact them directly.")  # fmt: skip
            else:
                st.markdown(f"**How to reach them:** {md(introduction(path, people.name))}")


search_and_results()
