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
from collections.abc import Generator, Iterable, Iterator
from typing import Any, BinaryIO

from ingest.guard import describe
from ingest.limits import current
from ingest.records import Where
from ingest.report import Rejection
from ingest.textio import UTF8_BOM, TooLong, bounded, decode, iter_text_lines, too_long
from ingest.values import BadValue

NDJSON_SUFFIXES = (".ndjson", ".jsonl", ".ndjson.txt")
_WS = re.compile(r"[ \t\n\r]*")


def bounded_decoder() -> json.JSONDecoder:
    """A JSON decoder that refuses an integer of more digits than the ``json_int_digits`` limit (a number of
    hundreds of thousands of digits costs quadratic time to convert, and Python refuses past 4,300 digits)."""
    digits = current().json_int_digits

    def parse_int(text: str) -> int:
        n = len(text) - (text[:1] == "-")
        if n > digits:
            raise BadValue(
                f"an integer of {n:,} digits, more than the limit of {digits:,}",
                f"numbers of at most {digits:,} digits; {current().hint('json_int_digits')}",
            )
        return int(text)

    return json.JSONDecoder(parse_int=parse_int)


def check_depth(value: Any, limit: int) -> None:
    """Raise :class:`BadValue` when ``value`` nests lists/objects more than ``limit`` deep (the top is 1)."""
    stack = [(value, 1)]
    while stack:
        v, depth = stack.pop()
        if depth > limit:
            raise BadValue(
                f"JSON nested more than {limit} deep",
                f"objects nested at most {limit} deep; {current().hint('json_depth')}",
            )
        children = v.values() if isinstance(v, dict) else v
        stack.extend((c, depth + 1) for c in children if isinstance(c, dict | list))


def _over_limit(where: Where, exc: BaseException, *, fatal: bool = False) -> Rejection:
    """The rejection of a JSON value that parses but is beyond a limit (or beyond what Python can read)."""
    limits = current()
    if isinstance(exc, BadValue):
        return Rejection(where, None, exc.reason, exc.expected, fatal=fatal)
    if isinstance(exc, RecursionError):
        reason = "JSON nested too deep to read (over a thousand levels)"
        return Rejection(where, None, reason, f"objects nested at most {limits.json_depth} deep", fatal=fatal)
    return Rejection(where, None, f"JSON value cannot be read ({describe(exc)})", "ordinary JSON values", fatal=fatal)


def _deep(text: str, start: int, end: int, limit: int) -> bool:
    """Whether ``text[start:end]`` holds more brackets than ``limit``: only then can it nest deeper (C counts)."""
    return end - start > limit and text.count("[", start, end) + text.count("{", start, end) > limit


JsonItem = tuple[Where, dict[str, Any]]


def _json_error(name: str, exc: json.JSONDecodeError, context: str) -> Rejection:
    tail = exc.doc.rstrip()
    truncated = exc.pos >= len(tail) or not tail.endswith(("]", "}"))
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
    except (RecursionError, ValueError):  # a complete object, too deep or with too long a number: a line
        return True


def iter_json_items(
    fp: BinaryIO, name: str, *, containers: tuple[str, ...] = ()
) -> Iterator[tuple[Where, dict[str, Any]] | Rejection]:
    """Yield ``(where, object)`` for each item of a JSON/NDJSON export, or a rejection.

    ``containers`` names the wrapper keys whose list holds the items (``("Resources",)`` for SCIM); an object
    without one of them is an item itself. ``where.line`` is the item's first line when known (NDJSON lines,
    top-level array items); ``where.record`` is the item's 1-based position in the file. An item holding a
    NUL character or a string longer than the ``cell_chars`` limit is rejected naming the field, as a CSV row
    with the same value is (:func:`bad_string`).
    """
    cell_chars = current().cell_chars
    for item in _items(fp, name, containers):
        if not isinstance(item, Rejection):
            problem = bad_string(item[1], cell_chars)
            if problem is not None:
                field, reason, expected = problem
                item = Rejection(item[0], field, reason, expected)
        yield item


def bad_string(obj: Any, cell_chars: int) -> tuple[str, str, str] | None:
    """``(field path, reason, expected)`` for the first key or string value of ``obj`` that holds a NUL
    character or is longer than ``cell_chars``, else None.

    Why here and not in each reader: a NUL is binary data (or a UTF-16 export read as UTF-8) and a 10 MB name
    is nobody's name; both used to be stored silently because the JSON readers took any string. The walk is
    iterative (no recursion on hostile nesting; depth is already bounded by ``json_depth``)."""
    stack: list[tuple[str, Any]] = [("", obj)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            if "\x00" in value:
                return path or "(value)", "value contains a NUL character (binary data?)", "text without NUL"
            if len(value) > cell_chars:
                return (
                    path or "(value)",
                    f"value is {len(value):,} characters, longer than the limit of {cell_chars:,}",
                    f"values under the limit; {current().hint('cell_chars')}",
                )
        elif isinstance(value, dict):
            for key, child in value.items():
                where = f"{path}.{key}" if path else str(key)
                if "\x00" in key or len(key) > cell_chars:
                    return where[:120], "a key holds a NUL character or is over-long", "ordinary object keys"
                stack.append((where, child))
        elif isinstance(value, list):
            stack.extend((f"{path}[{i}]", child) for i, child in enumerate(value))
    return None


def _items(fp: BinaryIO, name: str, containers: tuple[str, ...]) -> Iterator[tuple[Where, dict[str, Any]] | Rejection]:
    fp = bounded(fp)
    head, first = _peek_head(fp)
    if not first:
        yield Rejection(Where(name), None, "file is empty", "a JSON document or NDJSON lines", fatal=True)
        return
    lines: Iterable[bytes] = itertools.chain(head, fp)
    if looks_like_ndjson(first, name):
        yield from _iter_ndjson(lines, name, containers)
        return
    if any(type(raw) is TooLong for raw in head):
        yield too_long(Where(name, line=len(head)), next(r.size for r in head if type(r) is TooLong))
        return
    limits = current()
    start = b"".join(head)
    data = start + fp.read(max(limits.json_document_bytes - len(start), 0) + 1)
    if len(data) > limits.json_document_bytes:
        yield Rejection(
            Where(name),
            None,
            f"a JSON document (not NDJSON) of more than {limits.json_document_bytes:,} bytes is not read whole",
            f"NDJSON (one object per line, read as a stream), or {limits.hint('json_document_bytes')}",
            fatal=True,
        )
        return
    text, bad = decode(data, name)
    if bad is not None:
        yield bad
        return
    assert text is not None
    yield from _Walker(text, name, containers).document()


def _no_items(name: str, containers: tuple[str, ...]) -> Rejection:
    keys = " or ".join(repr(c) for c in containers)
    where_items = f" (in {keys})" if keys else ""
    return Rejection(Where(name), None, "the export holds no records", f"at least one item{where_items}")


def _iter_ndjson(
    lines: Iterable[bytes], name: str, containers: tuple[str, ...]
) -> Iterator[tuple[Where, dict[str, Any]] | Rejection]:
    index = 0
    problems = 0
    seen_lines = 0
    held: tuple[json.JSONDecodeError, int] | None = None  # a bad first line: fatal if it is the only line
    loads = bounded_decoder().decode
    max_depth = current().json_depth
    _cheap = max_depth  # a line shorter than the depth limit cannot nest deeper than it
    for item in iter_text_lines(lines, name):  # type: ignore[arg-type]
        if isinstance(item, Rejection):
            problems += 1
            yield item
            continue
        number, line = item
        if not line or line.isspace():
            continue
        seen_lines += 1
        if held is not None:
            yield _bad_line(name, *held)
            held = None
        try:
            obj = loads(line)
        except json.JSONDecodeError as exc:
            problems += 1
            if seen_lines == 1:
                held = (exc, number)
            else:
                yield _bad_line(name, exc, number)
            continue
        except (RecursionError, ValueError, BadValue) as exc:  # too deep for Python, or an integer too long
            problems += 1
            yield _over_limit(Where(name, line=number), exc)
            continue
        if len(line) > _cheap and (line.count("[") + line.count("{")) > max_depth:
            try:
                check_depth(obj, max_depth)
            except BadValue as exc:
                problems += 1
                yield _over_limit(Where(name, line=number), exc)
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
    if held is not None:  # the whole file is one broken line: a broken document, nothing else to read
        first_error, number = held
        yield _json_error(
            name, json.JSONDecodeError(first_error.msg, first_error.doc, first_error.pos), "the JSON document"
        )
    elif index == 0 and not problems:
        yield _no_items(name, containers)


def _bad_line(name: str, exc: json.JSONDecodeError, number: int) -> Rejection:
    return Rejection(
        Where(name, line=number),
        None,
        f"line is not valid JSON at column {exc.colno}: {exc.msg}",
        "one complete JSON object per line (NDJSON)",
    )


class _Walker:
    """Walks one JSON document item by item with :meth:`json.JSONDecoder.raw_decode`, so every item of the
    top-level list (or of the wrapper's list) gets its line, and damage late in the file still lets the items
    before it through. Values other than the items are decoded whole."""

    def __init__(self, text: str, name: str, containers: tuple[str, ...]) -> None:
        self.text = text
        self.name = name
        self.containers = containers
        self.n = len(text)
        self.decoder = bounded_decoder()
        self.max_depth = current().json_depth
        self.index = 0
        self.line = 1
        self.counted = 0

    def _ws(self, i: int) -> int:
        return _WS.match(self.text, i).end()  # type: ignore[union-attr]

    def _line_at(self, i: int) -> int:
        self.line += self.text.count("\n", self.counted, i)
        self.counted = i
        return self.line

    def _fail(self, msg: str, pos: int) -> Rejection:
        return _json_error(self.name, json.JSONDecodeError(msg, self.text, pos), "the JSON document")

    def document(self) -> Iterator[tuple[Where, dict[str, Any]] | Rejection]:
        text = self.text
        start = self._ws(0)
        end: int | None
        if text[start] == "[":
            end = yield from self._array(start, top=True)
        elif text[start] == "{":
            end = yield from self._object(start)
        else:
            yield Rejection(
                Where(self.name, line=text.count("\n", 0, start) + 1),
                None,
                f"starts with {text[start]!r}, not JSON",
                "a JSON document starting with '[' or '{', or NDJSON (one object per line)",
                fatal=True,
            )
            return
        if end is None:
            return
        rest = self._ws(end)
        if rest < self.n:
            yield self._fail("extra data after the end of the document", rest)

    def _item(self, where: Where, obj: Any) -> tuple[Where, dict[str, Any]] | Rejection:
        return (where, obj) if isinstance(obj, dict) else _not_object(where, obj)

    def _array(self, start: int, *, top: bool) -> Generator[tuple[Where, dict[str, Any]] | Rejection, None, int | None]:
        """Yield the items of the list at ``start``; return the index after it, or None after a fatal error."""
        text, n = self.text, self.n
        i = self._ws(start + 1)
        if i < n and text[i] == "]":
            yield _no_items(self.name, self.containers)
            return i + 1
        while True:
            try:
                obj, end = self.decoder.raw_decode(text, i)
                if _deep(text, i, end, self.max_depth):
                    check_depth(obj, self.max_depth)
            except json.JSONDecodeError as exc:
                yield _json_error(self.name, exc, "the JSON document")
                return None
            except (RecursionError, ValueError) as exc:  # an item beyond a limit: its end is not known, stop here
                yield _over_limit(Where(self.name, line=self._line_at(i), record=str(self.index + 1)), exc, fatal=True)
                return None
            self.index += 1
            where = Where(self.name, line=self._line_at(i), record=str(self.index))
            inner = _unwrap(obj, self.containers) if top and isinstance(obj, dict) and self.containers else None
            if inner is None:
                yield self._item(where, obj)
            else:  # a list of wrapper pages
                self.index -= 1
                for sub in inner:
                    self.index += 1
                    yield self._item(Where(self.name, line=where.line, record=str(self.index)), sub)
            i = self._ws(end)
            if i >= n:
                yield self._fail("list never closed with ']'", n)
                return None
            if text[i] == ",":
                i = self._ws(i + 1)
                continue
            if text[i] == "]":
                return i + 1
            yield self._fail("expected ',' or ']' after an item", i)
            return None

    def _object(self, start: int) -> Generator[tuple[Where, dict[str, Any]] | Rejection, None, int | None]:
        """A wrapper (its container list is walked item by item) or a single item (yielded whole)."""
        text, n = self.text, self.n
        line = self._line_at(start)
        found = False
        collected: dict[str, Any] = {}
        i = self._ws(start + 1)
        if i < n and text[i] == "}":
            yield Where(self.name, line=line, record="1"), {}
            return i + 1
        while True:
            if i >= n or text[i] != '"':
                yield self._fail("expected a quoted member name", i)
                return None
            try:
                key, i = self.decoder.raw_decode(text, i)
            except json.JSONDecodeError as exc:
                yield _json_error(self.name, exc, "the JSON document")
                return None
            i = self._ws(i)
            if i >= n or text[i] != ":":
                yield self._fail("expected ':' after a member name", i)
                return None
            i = self._ws(i + 1)
            if not found and key in self.containers and i < n and text[i] == "[":
                found = True
                end = yield from self._array(i, top=False)
                if end is None:
                    return None
                i = end
            else:
                value_start = i
                try:
                    collected[key], i = self.decoder.raw_decode(text, i)
                    if _deep(text, value_start, i, self.max_depth - 1):
                        check_depth(collected[key], self.max_depth - 1)
                except json.JSONDecodeError as exc:
                    yield _json_error(self.name, exc, "the JSON document")
                    return None
                except (RecursionError, ValueError) as exc:
                    yield _over_limit(Where(self.name, line=self._line_at(value_start)), exc, fatal=True)
                    return None
            i = self._ws(i)
            if i >= n:
                yield self._fail("object never closed with '}'", n)
                return None
            if text[i] == ",":
                i = self._ws(i + 1)
                continue
            if text[i] == "}":
                break
            yield self._fail("expected ',' or '}' after a member", i)
            return None
        if not found:
            self.index += 1
            yield Where(self.name, line=line, record=str(self.index)), collected
        return i + 1
