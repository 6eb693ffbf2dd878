"""The shared frame every page runs inside: who the viewer is (OIDC sign-in or the local-demo picker), whether
they are an admin, the banner, and the context pages read.

``app.py`` calls :func:`establish` once per script run and keeps the result in ``st.session_state`` (the only
place per-session state lives); pages call :func:`context`.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from search.permissions import ANONYMOUS, Viewer, load_viewer
from whoknows.errors import WhoKnowsError
from whoknows.webapp import contact, resources, settings
from whoknows.webapp.directory import PersonRow
from whoknows.webapp.optout import pending_people
from whoknows.webapp.text import md

#: Page files, relative to app.py (what st.Page, st.page_link and AppTest.switch_page take).
PAGE_FILES = {
    "search": "pages/find_expert.py",
    "profile": "pages/profile.py",
    "document": "pages/document.py",
    "map": "pages/network_map.py",
    "spread": "pages/spread_idea.py",
    "risk": "pages/knowledge_risk.py",
    "data": "pages/data.py",
}

ENTRYPOINT = "app.py"
ICON = Path(__file__).with_name("assets") / "favicon.png"
ADMIN_PAGES = frozenset({"data"})
_CTX_KEY = "_whoknows_ctx"
VIEWER_KEY = "viewer_pick"  # the picker widget
VIEWER_STATE = "viewer"  # the chosen viewer, kept outside the widget so it survives page switches
ANYONE = ""  # the picker's value for "anyone inside the organisation"


@dataclass(frozen=True, slots=True)
class AppContext:
    """What every page needs to know about this session."""

    url: str
    viewer_row: PersonRow | None
    auth: bool  # sign-in configured
    signed_in_email: str | None
    admin: bool
    optout_file: Path
    chat_link: str | None = None  # the organisation's chat deep-link template (whoknows/webapp/contact.py)

    @property
    def viewer_id(self) -> str | None:
        return self.viewer_row.node_id if self.viewer_row else None

    def viewer(self) -> Viewer:
        """The permission viewer for search and profiles (anonymous internal caller without one)."""
        if self.viewer_row is None:
            return ANONYMOUS
        return load_viewer(resources.store(self.url), self.viewer_row.node_id)

    def sees_private(self, node_id: str) -> bool:
        """Whether this viewer may see a person's private learning records (failed and waived completions,
        scores): the person themselves, and signed-in administrators. In the local demo everyone is an admin
        for the Data page, but the picked viewer's rules apply here, so the privacy can be shown."""
        return node_id == self.viewer_id or (self.auth and self.admin)

    def opted_out_pending(self) -> frozenset[str]:
        """People whose opt-out request waits for an admin: the app leaves them out already."""
        return pending_people(self.optout_file)


GOTO_PARAM = "goto"


def context() -> AppContext:
    """The session's context, set by app.py before it runs the page.

    When it is missing, Streamlit ran a page file without the entrypoint: a ``pages/`` folder beside the
    entrypoint makes Streamlit serve the first request of a fresh server the pre-``st.navigation`` way, so a
    deep link such as ``/data`` would skip the frame (sign-in, admin check). The page is then sent through
    app.py with ``?goto=<page>``, which establishes the viewer and switches to the page under its rules.
    """
    ctx = st.session_state.get(_CTX_KEY)
    if isinstance(ctx, AppContext):
        return ctx
    caller = Path(inspect.stack()[1].filename)
    key = next((k for k, f in PAGE_FILES.items() if Path(f).name == caller.name), None)
    if key is None:
        raise WhoKnowsError("this page runs inside the WhoKnows app: start it with 'streamlit run app.py'")
    params = {k: st.query_params[k] for k in st.query_params}
    st.switch_page(ENTRYPOINT, query_params={**params, GOTO_PARAM: key})
    raise AssertionError("unreachable: st.switch_page does not return")  # pragma: no cover


def follow_goto(ctx: AppContext) -> None:
    """In app.py after ``st.navigation``: finish a deep link that :func:`context` redirected (admins only for
    admin pages; anything else lands on the default page)."""
    key = st.query_params.get(GOTO_PARAM)
    if key is None:
        return
    params = {k: st.query_params[k] for k in st.query_params if k != GOTO_PARAM}
    if key in PAGE_FILES and (key not in ADMIN_PAGES or ctx.admin):
        st.switch_page(PAGE_FILES[key], query_params=params)
    del st.query_params[GOTO_PARAM]


def _sign_in_page() -> None:
    st.title("WhoKnows")
    st.write("Sign in with your organisation account to find the people who know.")
    if st.button("Sign in", type="primary"):
        st.login()


def _viewer_changed() -> None:
    st.session_state[VIEWER_STATE] = st.session_state[VIEWER_KEY]


def establish(url: str) -> AppContext | None:
    """Work out the viewer and draw the banner and sidebar controls; None when the user must sign in first."""
    auth = settings.auth_configured(st.secrets)
    admins = settings.admin_emails(st.secrets)
    people = resources.directory(url)
    optout_file = settings.optout_requests_path(url)
    chat = contact.chat_template(st.secrets)
    if auth:
        if not st.user.is_logged_in:
            return None
        email = str(st.user.get("email") or "")
        row = people.person_for_email(email)
        with st.sidebar:
            st.caption(f"Signed in as {md(st.user.get('name') or email)}")
            if row is None:
                st.warning(f"{md(email)} is not in the people directory, so you see only internal and public evidence.")
            if st.button("Sign out"):
                st.logout()
        ctx = AppContext(url, row, True, email, email.lower() in admins, optout_file, chat)
    else:
        st.info(
            "Local demo: sign-in is not configured (no [auth] section in .streamlit/secrets.toml), so everyone "
            "is an admin here. Pick a viewer in the sidebar to see the app as that person, with their permissions.",
            icon=":material/info:",
        )
        visible = people.visible_people()
        # "" (not None) stands for "anyone": a select box whose value is None shows its placeholder ("Choose an
        # option"), which is what the re-seeded picker showed after a page change when nobody was picked
        options: list[str] = [ANYONE, *(p.node_id for p in visible)]
        if st.session_state.get(VIEWER_STATE) in options:
            st.session_state[VIEWER_KEY] = st.session_state[VIEWER_STATE]  # re-seed the widget on every run
        with st.sidebar:
            pick = st.selectbox(
                "View as",
                options,
                format_func=lambda nid: people.by_id[nid].label if nid else "anyone inside the organisation",
                key=VIEWER_KEY,
                on_change=_viewer_changed,
                help="Restricted documents are shown only to the people and groups they name.",
            )
        st.session_state[VIEWER_STATE] = pick or ANYONE
        row = people.by_id.get(pick) if pick else None
        ctx = AppContext(url, row, False, None, True, optout_file, chat)
    st.session_state[_CTX_KEY] = ctx
    return ctx


def sign_in_navigation() -> None:
    """When sign-in is configured and nobody is signed in: a single page that offers to sign in."""
    st.navigation([st.Page(_sign_in_page, title="Sign in", icon=":material/login:")]).run()


def person_link(node_id: str, name: str, *, key_hint: str = "") -> None:
    """A link to someone's profile page."""
    st.page_link(
        PAGE_FILES["profile"],
        label=md(name),
        icon=":material/account_circle:",
        query_params={"person": node_id.removeprefix("person:")},
    )
