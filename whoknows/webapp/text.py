"""Ingested data shown as text, never as markup: the one place the app escapes what a source wrote.

Why: every Streamlit element that takes a string (``st.markdown``, ``st.write``, ``st.caption``, ``st.title``,
widget labels, ``st.page_link`` labels) renders it as GitHub-flavoured Markdown with Streamlit's extensions
(``:red[...]`` colours, ``:material/icon:`` icons, ``$...$`` maths, bare URLs turned into links). A document
title such as ``![x](http://host/p.png)`` would otherwise become an image fetched from an outside host (a
tracking pixel, and a request that leaves the machine), and ``[Click](http://phish)`` a link nobody declared.
Design principle 8: ingested text is shown as text; links come only from declared contact or source fields,
and those are built by :mod:`whoknows.webapp.contact` and :mod:`whoknows.webapp.sources` with checked schemes.

How: CommonMark lets any ASCII punctuation be backslash-escaped, and an escaped character is always literal,
so :func:`md` escapes every one of them (which also breaks Streamlit's directives: colours, icons, maths);
GFM's autolink literals (``http://``, ``www.``, e-mail addresses) are found in the text after escapes are
resolved, so their markers get an invisible word joiner (U+2060) instead; runs of whitespace, line breaks
included, become one space, so data cannot start a heading, a list, a quote or an indented code block. The
browser tests check the rendered page.
"""

from __future__ import annotations

import re
import string
from typing import Any

_PUNCT = frozenset(string.punctuation)
_SPACE = re.compile(r"\s+")
#: U+2060 WORD JOINER: invisible, and not a character of a URL or an e-mail address
WJ = "\u2060"
# what GFM's autolink literals start from (``http://``, ``www.``, ``a@b.c``): they are found in the parsed text,
# after escapes are resolved, so escaping does not stop them; a word joiner inside the marker does
_AUTOLINK = re.compile(r"(:)(//)|(www)(\.)|(@)", re.IGNORECASE)


def md(value: Any) -> str:
    """``value`` as Markdown that renders exactly as its text (``None`` as an empty string)."""
    if value is None:
        return ""
    text = _SPACE.sub(" ", str(value)).strip()
    text = _AUTOLINK.sub(_break, text)
    return "".join("\\" + ch if ch in _PUNCT else ch for ch in text)


def _break(m: re.Match[str]) -> str:
    if m.group(5):
        return WJ + "@"
    if m.group(1):
        return ":" + WJ + "//"
    return m.group(3) + WJ + "."


def md_join(values: Any, sep: str = ", ") -> str:
    """Several data values escaped and joined with a separator that is itself literal text."""
    return sep.join(md(v) for v in values if v is not None and str(v).strip())


def chart_text(value: Any) -> str:
    """``value`` for a plotly label or hover text: plotly draws a subset of HTML there (``<a href>``, ``<b>``,
    ``<br>``) and decodes entities, so ``&``, ``<`` and ``>`` become entities and the text shows as written."""
    if value is None:
        return ""
    return str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
