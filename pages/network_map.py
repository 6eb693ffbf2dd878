"""Network map (leaders): the organisation's interaction network, coloured by department or community, sized
by betweenness, with the department tie matrix and silo (E-I) figures; click a person to open their profile."""

from __future__ import annotations

import streamlit as st

from whoknows.webapp import frame

ctx = frame.context()
st.title("Network map")
frame.library_missing("The network map", "graph.analytics", ImportError("not landed yet"))
