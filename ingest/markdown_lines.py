"""Reading one Markdown line: is it a heading, is it a front-matter ``key:`` line. In linear time.

The patterns these replace (``^\\s{0,3}(#{1,6})\\s+(.+?)\\s*#*\\s*$`` and ``^([A-Za-z_][\\w -]*?)\\s*:``) backtrack:
a lazy group followed by optional repeats tries every split of the line, so one line of 100,000 ``#`` took
196 s. Here each line is cut with string methods (each a single pass), and a line longer than the
``pattern_line_chars`` limit is no heading and no key at all: a heading of 10,000 characters is a paragraph.
"""

from __future__ import annotations

import re

from ingest.limits import current

_KEY_RE = re.compile(r"[A-Za-z_][\w -]*")  # used with fullmatch on a prefix: one greedy class, no backtracking


def markdown_heading(line: str, max_chars: int | None = None) -> tuple[int, str] | None:
    """``(level, text)`` for an ATX heading line (``## Title ##``), else None.

    Same result as ``^\\s{0,3}(#{1,6})\\s+(.+?)\\s*#*\\s*$`` with the text stripped: up to three leading
    spaces, one to six ``#``, whitespace, the text, then optional closing ``#`` and whitespace.
    """
    if len(line) > (current().pattern_line_chars if max_chars is None else max_chars):
        return None
    body = line.lstrip()
    if len(line) - len(body) > 3 or not body.startswith("#"):
        return None
    hashes = len(body) - len(body.lstrip("#"))
    if hashes > 6:
        return None
    rest = body[hashes:]
    if not rest or not rest[0].isspace():
        return None
    text = rest.strip()
    if not text:  # whitespace only: the pattern needs one character of it for the text
        return (hashes, "") if len(rest) >= 2 else None
    core = text.rstrip("#").rstrip()
    if not core:  # "# ###": the lazy group keeps one character
        core = text[0]
    return hashes, core.strip()


def front_matter_key(line: str, max_chars: int | None = None) -> str | None:
    """The key of a ``key: value`` front-matter line (``^([A-Za-z_][\\w -]*?)\\s*:``, key stripped), else None."""
    if len(line) > (current().pattern_line_chars if max_chars is None else max_chars):
        return None
    colon = line.find(":")
    if colon <= 0:
        return None
    key = line[:colon].rstrip()
    if not key or not _KEY_RE.fullmatch(key):
        return None
    return key.strip()


__all__ = ["front_matter_key", "markdown_heading"]
