"""Shared pieces of the Streamlit app that are not pages.

Most modules here are plain Python (view models: library results in, what a page shows out) so they are
unit-tested without Streamlit; only :mod:`whoknows.webapp.resources` and :mod:`whoknows.webapp.frame` import
Streamlit (cached loaders, the banner, the viewer picker, session context).
"""
