"""Shared low-level reading: decoding bytes to text and CSV rows with line numbers.

Readers take binary file objects so that encoding problems are found and reported here (with the line and
byte where decoding failed) instead of surfacing as a ``UnicodeDecodeError`` deep inside a parser.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import BinaryIO

from ingest.records import Where
from ingest.report import Rejection

UTF8_BOM = b"\xef\xbb\xbf"


def decode(data: bytes, name: str) -> tuple[str | None, Rejection | None]:
    """Decode UTF-8 (a BOM is accepted); on failure say where and suggest the fix."""
    if data.startswith(UTF8_BOM):
        data = data[len(UTF8_BOM) :]
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        return None, Rejection(
            Where(name, line=line),
            None,
            f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})",
            "UTF-8 text; re-export the file as UTF-8 (for example: iconv -f latin1 -t utf-8)",
            fatal=True,
        )


def read_text(fp: BinaryIO, name: str) -> tuple[str | None, Rejection | None]:
    """Read a whole binary file object as UTF-8 text."""
    return decode(fp.read(), name)


def iter_text_lines(fp: BinaryIO, name: str) -> Iterator[tuple[int, str] | Rejection]:
    """Yield ``(line_number, line)`` for each line; a line that is not UTF-8 is rejected and skipped.
    A file part (:class:`ingest.split.PartReader`) numbers its own lines as they are numbered in the file."""
    numbered = getattr(fp, "numbered_lines", None)
    for number, raw in numbered() if numbered is not None else enumerate(fp, start=1):
        if number == 1 and raw.startswith(UTF8_BOM):
            raw = raw[len(UTF8_BOM) :]
        try:
            yield number, raw.decode("utf-8").rstrip("\r\n")
        except UnicodeDecodeError as exc:
            yield Rejection(
                Where(name, line=number),
                None,
                f"not valid UTF-8 (byte 0x{raw[exc.start]:02x} at column {exc.start + 1})",
                "UTF-8 text; re-export the file as UTF-8",
            )


def sniff_delimiter(header_line: str) -> str:
    """Tab if the header has tabs and no commas outside quotes, else comma."""
    return "\t" if header_line.count("\t") > header_line.count(",") else ","


def ends_inside_quotes(line: str, delimiter: str | None, inside: bool = False) -> bool:
    """Whether ``line`` leaves a quoted CSV value open, reading as the csv module does: a quote opens a value
    only at the start of a field, so the stray quote in ``17" monitor`` is a literal character."""
    at_start = not inside
    i, n = 0, len(line)
    while i < n:
        c = line[i]
        if inside:
            if c == '"':
                if i + 1 < n and line[i + 1] == '"':
                    i += 2
                    continue
                inside = False
        elif c == '"' and at_start:
            inside = True
        at_start = not inside and (c == delimiter if delimiter else c in " \t,")
        i += 1
    return inside


def iter_logical_lines(fp: BinaryIO, name: str, delimiter: str | None = None) -> Iterator[tuple[int, str] | Rejection]:
    """Like :func:`iter_text_lines`, but a quoted CSV value that spans lines (RFC 4180) is joined into one
    logical line numbered by its first physical line. ``delimiter`` None means: sniff it from the first
    non-blank line (the header). Only a line with an odd number of quotes can leave a value open, so the
    common case costs one ``str.count`` per line."""
    pending: list[str] = []
    start = 0
    for item in iter_text_lines(fp, name):
        if isinstance(item, Rejection):
            yield item
            continue
        number, line = item
        if delimiter is None and line.strip():
            delimiter = sniff_delimiter(line)
        if pending:
            pending.append(line)
            if '"' in line and not ends_inside_quotes(line, delimiter, inside=True):
                yield start, "\n".join(pending)
                pending = []
            continue
        if line.count('"') % 2 and ends_inside_quotes(line, delimiter):
            pending, start = [line], number
            continue
        yield number, line
    if pending:
        yield Rejection(
            Where(name, line=start),
            None,
            "a quoted value is never closed (an opening '\"' without its closing one up to the end of the file)",
            "every opening '\"' closed; write a literal quote inside a quoted value as '\"\"'",
        )


def split_csv_line(line: str, delimiter: str) -> list[str]:
    """Cells of one logical CSV line; lines without quotes take the fast ``str.split`` path."""
    if '"' not in line:
        return line.split(delimiter)
    return next(csv.reader([line], delimiter=delimiter))


def iter_csv_rows(
    fp: BinaryIO,
    name: str,
    *,
    required: tuple[str, ...],
    optional: tuple[str, ...] = (),
) -> Iterator[tuple[Where, dict[str, str]] | Rejection]:
    """Yield ``(where, row)`` for each data row of a CSV/TSV file with a header.

    Header names are matched case-insensitively with surrounding spaces removed. A missing required column
    is a fatal rejection (nothing can be read); unknown extra columns are reported once and ignored; a row
    with more or fewer cells than the header is rejected with its line number. Undecodable lines are
    rejected one by one so the rest of the file still lands. Quoted values may span lines (RFC 4180).
    """
    header: list[str] | None = None
    delimiter = ","
    known = set(required) | set(optional)
    any_rows = False
    width = 0
    for item in iter_logical_lines(fp, name):
        if isinstance(item, Rejection):
            yield item
            continue
        number, line = item
        if header is None:
            if not line.strip():
                continue
            delimiter = sniff_delimiter(line)
            header = [h.strip().lower() for h in split_csv_line(line, delimiter)]
            width = len(header)
            missing = [c for c in required if c not in header]
            if missing:
                yield Rejection(
                    Where(name, line=number),
                    ", ".join(missing),
                    f"header lacks required column(s) {', '.join(missing)}; found {', '.join(header)}",
                    f"a header with columns {', '.join(required)}"
                    + (f" (optional: {', '.join(optional)})" if optional else ""),
                    fatal=True,
                )
                return
            extra = [c for c in header if c not in known]
            if extra:
                yield Rejection(
                    Where(name, line=number),
                    ", ".join(extra),
                    f"unknown column(s) {', '.join(extra)} ignored",
                    f"only {', '.join((*required, *optional))}",
                )
            continue
        if not line or line.isspace():
            continue
        any_rows = True
        try:
            cells = split_csv_line(line, delimiter)
        except csv.Error as exc:  # pragma: no cover - csv rarely raises on one line
            yield Rejection(Where(name, line=number), None, f"unparseable CSV: {exc}", "a CSV row")
            continue
        if len(cells) != width:
            yield Rejection(
                Where(name, line=number),
                None,
                f"row has {len(cells)} cells but the header has {width}",
                f"{width} cells ({', '.join(header)}); quote values that contain '{delimiter}'",
            )
            continue
        yield Where(name, line=number), dict(zip(header, map(str.strip, cells), strict=True))
    if header is None:
        yield Rejection(Where(name), None, "file is empty", "a header line and data rows", fatal=True)
    elif not any_rows:
        yield Rejection(Where(name), None, "file has a header but no data rows", "at least one data row")
