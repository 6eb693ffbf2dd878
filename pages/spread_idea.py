"""Spread an idea (change agents): idea text, budget k and constraints -> seed people with reasons, expected
reach with its interval, and reach by department."""

from __future__ import annotations

import streamlit as st

from whoknows.webapp import frame

ctx = frame.context()
st.title("Spread an idea")
frame.library_missing("Spreading an idea", "graph.analytics", ImportError("not landed yet"))
