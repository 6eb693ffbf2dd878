"""Interaction reader: who wrote to, met or chatted with whom, as a CSV/TSV with a header or a bare edge list.

Two layouts are accepted, told apart by the first line that is not blank or a comment:

* a header naming a sender and a recipient column (``sender``/``recipient``, or the names network datasets
  use: ``source``/``target``, ``from``/``to``, ``src``/``dst``, ...), with optional timestamp, weight and
  channel columns; other columns (``Reciptype``, ``Topic`` in the Enron export) are attributes we do not
  use: they are ignored and mentioned once in a Notice, not rejected, because edge lists routinely carry them;
* a header-less SNAP-style edge list, ``u v`` or ``u v t`` per line, separated by spaces or tabs, with
  ``#`` (SNAP) or ``%`` (KONECT) comment lines; recognised when the first data line is all numbers.

Self-loops are kept: the reader does not decide what an analysis counts (analytics drop them).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Iterator
from typing import BinaryIO

from ingest.guard import each_record
from ingest.records import InteractionRecord, PersonRef, Where
from ingest.refs import parse_person_ref
from ingest.report import Notice, Rejection
from ingest.textio import UTF8_BOM, iter_logical_lines, split_csv_line
from ingest.values import BadValue, parse_number, parse_unix_or_iso, reject

SENDER_ALIASES = frozenset({"sender", "source", "from", "src", "u", "sender_id", "source_id", "from_id"})
RECIPIENT_ALIASES = frozenset(
    {"recipient", "target", "to", "dst", "v", "receiver", "recipient_id", "target_id", "to_id"}
)
TIMESTAMP_ALIASES = frozenset({"timestamp", "time", "t", "at", "date", "datetime", "ts", "sent_at"})
WEIGHT_ALIASES = frozenset({"weight", "w", "count"})
CHANNEL_ALIASES = frozenset({"channel", "medium"})
_CANONICAL = (
    ("sender", SENDER_ALIASES),
    ("recipient", RECIPIENT_ALIASES),
    ("timestamp", TIMESTAMP_ALIASES),
    ("weight", WEIGHT_ALIASES),
    ("channel", CHANNEL_ALIASES),
)
COMMENT_PREFIXES = ("#", "%")
_NUMERIC = re.compile(r"^[+-]?\d+(\.\d+)?$")
HEADER_EXPECTED = (
    "a header with sender and recipient columns (or source/target, from/to, src/dst; optional timestamp, "
    "weight, channel), or a header-less edge list of numeric ids 'u v' or 'u v t' per line"
)
ROW_WIDTH_HINT = "2 or 3 values per line: sender recipient [unix-seconds]"


def canonical_columns(header: list[str]) -> tuple[dict[str, int], list[str]]:
    """Map canonical column -> index from a header row; also the columns that were not understood."""
    found: dict[str, int] = {}
    unknown: list[str] = []
    for i, raw in enumerate(header):
        col = raw.strip().strip('"').strip().lower()
        for canonical, aliases in _CANONICAL:
            if col in aliases and canonical not in found:
                found[canonical] = i
                break
        else:
            unknown.append(raw.strip())
    return found, unknown


def _first_line(fp: BinaryIO) -> tuple[list[bytes], str]:
    head: list[bytes] = []
    for raw in fp:
        head.append(raw)
        text = raw[len(UTF8_BOM) :] if len(head) == 1 and raw.startswith(UTF8_BOM) else raw
        line = text.decode("utf-8", errors="replace").strip()
        if line and not line.startswith(COMMENT_PREFIXES):
            return head, line
    return head, ""


def read_interactions(
    fp: BinaryIO, name: str, *, notices: list[Notice] | None = None
) -> Iterator[InteractionRecord | Rejection]:
    """Interactions from a CSV/TSV with a header, or from a SNAP-style edge list (see the module doc).

    ``notices`` (optional) receives the layout that was recognised and the columns that were ignored.
    """
    head, first = _first_line(fp)
    if not first:
        yield Rejection(Where(name), None, "file is empty", HEADER_EXPECTED, fatal=True)
        return
    lines: Iterable[bytes] = itertools.chain(head, fp)
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    cells = split_csv_line(first, delimiter) if delimiter in first else first.split()
    columns, unknown = canonical_columns(cells)
    if "sender" in columns and "recipient" in columns:
        yield from _with_header(lines, name, delimiter if delimiter in first else None, columns, unknown, notices)
        return
    tokens = first.split()
    if 2 <= len(tokens) <= 3 and all(_NUMERIC.match(t) for t in tokens[:2]):
        if notices is not None:
            notices.append(Notice(Where(name), "read as a header-less edge list (sender recipient [timestamp])"))
        yield from _edge_list(lines, name)
        return
    missing = [c for c in ("sender", "recipient") if c not in columns]
    yield Rejection(
        Where(name, line=len(head)),
        ", ".join(missing),
        f"first line {first[:80]!r} is neither a header with {' and '.join(missing)} nor a numeric edge",
        HEADER_EXPECTED,
        fatal=True,
    )


def _with_header(
    lines: Iterable[bytes],
    name: str,
    delimiter: str | None,
    columns: dict[str, int],
    unknown: list[str],
    notices: list[Notice] | None,
) -> Iterator[InteractionRecord | Rejection]:
    si, ri = columns["sender"], columns["recipient"]
    ti, wi, ci = columns.get("timestamp"), columns.get("weight"), columns.get("channel")
    refs: dict[str, PersonRef | None] = {}  # exports repeat the same people: parse each spelling once

    def one(where: Where, cells: list[str]) -> InteractionRecord | Rejection:
        ends: list[PersonRef] = []
        for field, idx in (("sender", si), ("recipient", ri)):
            cell = cells[idx]
            ref = refs.get(cell)
            if ref is None:
                ref = parse_person_ref(cell)
                if ref is not None and len(refs) < 1_000_000:
                    refs[cell] = ref
            if ref is None:
                return Rejection(where, field, f"empty {field}", "a person reference (person_id, e-mail or kind:value)")
            ends.append(ref)
        at = None
        weight = 1.0
        try:
            field = "timestamp"
            if ti is not None and cells[ti].strip():
                at = parse_unix_or_iso(cells[ti])
            field = "weight"
            if wi is not None and cells[wi].strip():
                weight = parse_number(cells[wi])
                if not weight > 0:  # NaN is not positive either
                    raise BadValue(f"weight {cells[wi].strip()} is not positive", "a positive number")
        except BadValue as exc:
            return reject(where, field, exc)
        channel = (cells[ci].strip() or None) if ci is not None else None
        return InteractionRecord(where, ends[0], ends[1], at, weight, channel)

    records = each_record(_header_rows(lines, name, delimiter, unknown, notices), one)
    yield from records


def _header_rows(
    lines: Iterable[bytes], name: str, delimiter: str | None, unknown: list[str], notices: list[Notice] | None
) -> Iterator[tuple[Where, list[str]] | Rejection]:
    """The data rows of a file with a header, as (where, cells) with the header's width."""
    header_seen = False
    width = 0
    any_rows = False
    for item in iter_logical_lines(lines, name, delimiter):  # type: ignore[arg-type]
        if isinstance(item, Rejection):
            yield item
            continue
        number, line = item
        if not line or line.isspace() or line.startswith(COMMENT_PREFIXES):
            continue
        cells = split_csv_line(line, delimiter) if delimiter else line.split()
        if not header_seen:
            header_seen = True
            width = len(cells)
            if unknown and notices is not None:
                notices.append(Notice(Where(name, line=number), f"column(s) {', '.join(unknown)} ignored"))
            continue
        any_rows = True
        if len(cells) != width:
            yield Rejection(
                Where(name, line=number),
                None,
                f"row has {len(cells)} cells but the header has {width}",
                f"{width} cells; quote values that contain '{delimiter or ' '}'",
            )
            continue
        yield Where(name, line=number), cells
    if not any_rows:
        yield Rejection(Where(name), None, "file has a header but no data rows", "at least one data row")


def _edge_list(lines: Iterable[bytes], name: str) -> Iterator[InteractionRecord | Rejection]:
    refs: dict[str, PersonRef] = {}

    def one(where: Where, tokens: list[str]) -> InteractionRecord | Rejection:
        u, v = tokens[0], tokens[1]
        su = refs.get(u) or PersonRef("id", u)
        sv = refs.get(v) or PersonRef("id", v)
        if len(refs) < 1_000_000:  # exports repeat the same people; the cap keeps huge id spaces streamable
            refs[u] = su
            refs[v] = sv
        at = None
        if len(tokens) == 3:
            try:
                at = parse_unix_or_iso(tokens[2])
            except BadValue as exc:
                return reject(where, "timestamp", exc)
        return InteractionRecord(where, su, sv, at)

    records = each_record(_edge_rows(lines, name), one)
    yield from records


def _edge_rows(lines: Iterable[bytes], name: str) -> Iterator[tuple[Where, list[str]] | Rejection]:
    for item in iter_logical_lines(lines, name):  # type: ignore[arg-type]
        if isinstance(item, Rejection):
            yield item
            continue
        number, line = item
        tokens = line.split()
        if not tokens or tokens[0].startswith(COMMENT_PREFIXES):
            continue
        n = len(tokens)
        if n != 2 and n != 3:
            yield Rejection(Where(name, line=number), None, f"line has {n} values", ROW_WIDTH_HINT)
            continue
        yield Where(name, line=number), tokens
