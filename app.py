"""WhoKnows web app: the router and shared frame.

Run it with ``streamlit run app.py -- --store var/whoknows.db`` (or set WHOKNOWS_STORE; the default is
var/whoknows.db). This file only decides who the viewer is and which pages they may open; every page lives in
``pages/`` and holds UI only, calling the library (search/, graph/analytics/) through the cached loaders in
``whoknows/webapp``.
"""

from __future__ import annotations

import importlib
import sys

import streamlit as st

from whoknows.errors import WhoKnowsError
from whoknows.webapp import frame, queries, settings

# Why pandas is imported here: plotly (and Streamlit's elements) use pandas only "if it is already imported" (found in
# sys.modules). When one session imported it for the first time while another drew a chart, the other session found
# a half-initialised module ("partially initialized module 'pandas' has no attribute 'Series'") and its page failed.
# Imported whole once, before any page runs, it never is half-initialised when a page looks.
importlib.import_module("pandas")


def main() -> None:
    # a local icon: a ":material/...:" page icon makes the browser fetch the favicon from fonts.gstatic.com
    st.set_page_config(page_title="WhoKnows", page_icon=str(frame.ICON), layout="wide")
    url = settings.store_url(sys.argv[1:])
    try:
        settings.check_store_exists(url)
        ctx = frame.establish(url)
    except WhoKnowsError as exc:
        st.title("WhoKnows")
        st.error(str(exc))
        st.stop()
    if ctx is None:
        frame.sign_in_navigation()
        return
    queries.start_warm_up(url)  # the map's network measures, computed in the background once per server
    p = frame.PAGE_FILES
    # One flat list: Streamlit draws sectioned navigation as <ul><div><header/><li/></div></ul>, which is not a
    # valid list for screen readers (axe-core "list"/"listitem", serious); a flat list is <ul><li/></ul>.
    pages = [
        st.Page(p["search"], title="Find an expert", icon=":material/person_search:", default=True),
        st.Page(p["profile"], title="Person profile", icon=":material/account_circle:"),
        st.Page(p["document"], title="Documents", icon=":material/description:"),
        st.Page(p["map"], title="Network map", icon=":material/hub:"),
        st.Page(p["spread"], title="Spread an idea", icon=":material/campaign:"),
        st.Page(p["risk"], title="Knowledge leadership and risk", icon=":material/health_and_safety:"),
    ]
    if ctx.admin:
        pages.append(st.Page(p["data"], title="Data", icon=":material/database:"))
    page = st.navigation(pages)
    frame.follow_goto(ctx)
    page.run()


main()
