"""JSON and NDJSON reading shared by the SCIM and xAPI readers.

One entry point, :func:`iter_json_items`, hides the layouts exports come in: a JSON array, a wrapper object
holding the array (SCIM ``ListResponse.Resources``, LRS ``StatementResult.statements``), a single object,
or NDJSON (one object per line, also a sequence of wrapper pages). Readers only see ``(where, object)``
pairs and rejections.

Why it works this way:

* NDJSON is streamed line by line, so memory stays flat however large the export; a bad line is rejected
  on its own with its line number and the rest still lands.
* A JSON document has to be complete to mean anything, so a truncated or invalid one gives a *fatal*
  rejection carrying the line and column from :class:`json.JSONDecodeError`; items of a top-level array
  that parsed before the damage are still yielded (each with its line), so they are not lost.
* The layout is told from the first non-space byte (``[`` is a document; ``{`` is NDJSON when the first
  line is a complete object by itself and more follows, else a pretty-printed document), and a
  ``.ndjson``/``.jsonl`` name always means NDJSON.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterable, Iterator
from typing import Any, BinaryIO

from ingest.records import Where
from ingest.report import Rejection
from ingest.textio import UTF8_BOM, decode, iter_text_lines

NDJSON_SUFFIXES = (".ndjson", ".jsonl", ".ndjson.txt")
_WS = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()

JsonItem = tuple[Where, dict[str, Any]]


def _json_error(name: str, exc: json.JSONDecodeError, context: str) -> Rejection:
    truncated = exc.pos >= len(exc.doc.rstrip())
    reason = (
        f"{context} ends early (truncated?) at line {exc.lineno} column {exc.colno}: {exc.msg}"
        if truncated
        else f"{context} is not valid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
    )
    return Rejection(
        Where(name, line=exc.lineno),
        None,
        reason,
        "a complete JSON document (a list of objects, a wrapper object or one object), or NDJSON",
        fatal=True,
    )


def _not_object(where: Where, value: Any) -> Rejection:
    return Rejection(where, None, f"item is a JSON {type(value).__name__}, not an object", "a JSON object")


def _unwrap(obj: dict[str, Any], containers: tuple[str, ...]) -> list[Any] | None:
    for key in containers:
        inner = obj.get(key)
        if isinstance(inner, list):
            return inner
    return None


def _peek_head(fp: BinaryIO) -> tuple[list[bytes], bytes]:
    """Read lines up to and including the first non-blank one; return them and that line."""
    head: list[bytes] = []
    for raw in fp:
        head.append(raw)
        stripped = (raw[len(UTF8_BOM) :] if len(head) == 1 and raw.startswith(UTF8_BOM) else raw).strip()
        if stripped:
            return head, stripped
    return head, b""


def looks_like_ndjson(first_line: bytes, name: str) -> bool:
    """NDJSON if the name says so, or the first line is one complete object (or an object cut only inside,
    ending in ``}``: a damaged first NDJSON line must not turn the whole file into one broken document)."""
    if name.lower().endswith(NDJSON_SUFFIXES):
        return True
    if not first_line.startswith(b"{"):
        return False
    try:
        json.loads(first_line)
        return True
    except (json.JSONDecodeError, UnicodeDecodeError):
        return first_line.rstrip().endswith(b"}")


def iter_json_items(
    fp: BinaryIO, name: str, *, containers: tuple[str, ...] = ()
) -> Iterator[tuple[Where, dict[str, Any]] | Rejection]:
    """Yield ``(where, object)`` for each item of a JSON/NDJSON export, or a rejection.

    ``containers`` names the wrapper keys whose list holds the items (``("Resources",)`` for SCIM); an object
    without one of them is an item itself. ``where.line`` is the item's first line when known (NDJSON lines,
    top-level array items); ``where.record`` is the item's 1-based position in the file.
    """
    head, first = _peek_head(fp)
    if not first:
        yield Rejection(Where(name), None, "file is empty", "a JSON document or NDJSON lines", fatal=True)
        return
    lines: Iterable[bytes] = itertools.chain(head, fp)
    if looks_like_ndjson(first, name):
        yield from _iter_ndjson(lines, name, containers)
        return
    text, bad = decode(b"".join(lines), name)
    if bad is not None:
        yield bad
        return
    assert text is not None
    start = _WS.match(text).end()  # type: ignore[union-attr]
    if text[start] == "[":
        yield from _iter_array(text, start, name, containers)
        return
    if text[start] != "{":
        yield Rejection(
            Where(name, line=text.count("\n", 0, start) + 1),
            None,
            f"starts with {text[start]!r}, not JSON",
            "a JSON document starting with '[' or '{', or NDJSON (one object per line)",
            fatal=True,
        )
        return
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        yield _json_error(name, exc, "the JSON document")
        return
    inner = _unwrap(doc, containers)
    if inner is None:
        yield Where(name, line=text.count("\n", 0, start) + 1, record="1"), doc
        return
    if not inner:
        yield _no_items(name, containers)
    for index, item in enumerate(inner, start=1):
        where = Where(name, record=str(index))
        yield (where, item) if isinstance(item, dict) else _not_object(where, item)


def _no_items(name: str, containers: tuple[str, ...]) -> Rejection:
    keys = " or ".join(repr(c) for c in containers)
    return Rejection(Where(name), None, "the export holds no records", f"at least one item (in {keys})")


def _iter_ndjson(
    lines: Iterable[bytes], name: str, containers: tuple[str, ...]
) -> Iterator[tuple[Where, dict[str, Any]] | Rejection]:
    index = 0
    loads = json.loads
    for item in iter_text_lines(lines, name):  # type: ignore[arg-type]
        if isinstance(item, Rejection):
            yield item
            continue
        number, line = item
        if not line or line.isspace():
            continue
        try:
            obj = loads(line)
        except json.JSONDecodeError as exc:
            yield Rejection(
                Where(name, line=number),
                None,
                f"line is not valid JSON at column {exc.colno}: {exc.msg}",
                "one complete JSON object per line (NDJSON)",
            )
            continue
        if not isinstance(obj, dict):
            index += 1
            yield _not_object(Where(name, line=number, record=str(index)), obj)
            continue
        inner = _unwrap(obj, containers) if containers else None
        if inner is None:
            index += 1
            yield Where(name, line=number, record=str(index)), obj
            continue
        for sub in inner:  # a page of a paginated export on one line
            index += 1
            where = Where(name, line=number, record=str(index))
            yield (where, sub) if isinstance(sub, dict) else _not_object(where, sub)


def _iter_array(
    text: str, start: int, name: str, containers: tuple[str, ...]
) -> Iterator[tuple[Where, dict[str, Any]] | Rejection]:
    """Walk a top-level array item by item so each item gets its line and damage late in the file still lets
    the items before it through."""
    ws = _WS.match
    raw_decode = _DECODER.raw_decode
    n = len(text)
    i = ws(text, start + 1).end()  # type: ignore[union-attr]
    line = 1 + text.count("\n", 0, i)
    counted = i
    index = 0
    if i < n and text[i] == "]":
        if text[ws(text, i + 1).end() :].strip():  # type: ignore[union-attr]
            yield _trailing(name, text, ws(text, i + 1).end())  # type: ignore[union-attr]
        yield Rejection(Where(name), None, "the export holds no records", "at least one item in the JSON list")
        return
    while True:
        try:
            obj, end = raw_decode(text, i)
        except json.JSONDecodeError as exc:
            yield _json_error(name, exc, "the JSON list")
            return
        line += text.count("\n", counted, i)
        counted = i
        index += 1
        where = Where(name, line=line, record=str(index))
        if isinstance(obj, dict):
            inner = _unwrap(obj, containers) if containers else None
            if inner is None:
                yield where, obj
            else:
                for sub in inner:
                    yield (where, sub) if isinstance(sub, dict) else _not_object(where, sub)
        else:
            yield _not_object(where, obj)
        i = ws(text, end).end()  # type: ignore[union-attr]
        if i >= n:
            err = json.JSONDecodeError("list never closed with ']'", text, n)
            yield _json_error(name, err, "the JSON list")
            return
        c = text[i]
        if c == ",":
            i = ws(text, i + 1).end()  # type: ignore[union-attr]
            continue
        if c == "]":
            rest = ws(text, i + 1).end()  # type: ignore[union-attr]
            if rest < n:
                yield _trailing(name, text, rest)
            return
        err = json.JSONDecodeError("expected ',' or ']' after an item", text, i)
        yield _json_error(name, err, "the JSON list")
        return


def _trailing(name: str, text: str, pos: int) -> Rejection:
    err = json.JSONDecodeError("extra data after the end of the list", text, pos)
    return _json_error(name, err, "the JSON document")
