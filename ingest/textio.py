"""Shared low-level reading: decoding bytes to text and CSV rows with line numbers.

Readers take binary file objects so that encoding problems are found and reported here (with the line and
byte where decoding failed) instead of surfacing as a ``UnicodeDecodeError`` deep inside a parser.
"""

from __future__ import annotations

import csv
from collections import deque
from collections.abc import Iterator
from typing import Any, BinaryIO

from ingest.limits import current
from ingest.records import Where
from ingest.report import Rejection

UTF8_BOM = b"\xef\xbb\xbf"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
UTF8_HINT = "UTF-8 text; re-export the file as UTF-8 (for example: iconv -f latin1 -t utf-8)"


class TooLong(bytes):
    """What :func:`bounded_lines` yields in place of a line longer than its limit: empty bytes that remember
    the line's ``size``. The line itself is skipped without being held in memory."""

    size: int

    def __new__(cls, size: int) -> TooLong:
        self = super().__new__(cls, b"")
        self.size = size
        return self


def bounded_lines(fp: BinaryIO, limit: int) -> Iterator[bytes]:
    """The lines of a binary file, each at most ``limit`` bytes held at a time: a longer line is read past in
    slices and yielded as a :class:`TooLong`, so one 2 GB line costs no more memory than a short one."""
    readline = fp.readline
    while True:
        raw = readline(limit + 1)
        if not raw:
            return
        if len(raw) > limit and raw[-1:] != b"\n":
            size = len(raw)
            while True:
                more = readline(1 << 20)
                size += len(more)
                if not more or more[-1:] == b"\n":
                    break
            yield TooLong(size)
            continue
        yield raw


class BoundedReader:
    """A binary file object whose iteration yields :func:`bounded_lines`; everything else is the file's."""

    def __init__(self, fp: BinaryIO, limit: int) -> None:
        self._fp = fp
        self.limit = limit

    def __iter__(self) -> Iterator[bytes]:
        return bounded_lines(self._fp, self.limit)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._fp, name)


def bounded(fp: BinaryIO) -> BinaryIO:
    """``fp`` reading lines of at most the current ``line_bytes`` limit (ingest/limits.py)."""
    if isinstance(fp, BoundedReader):
        return fp
    return BoundedReader(fp, current().line_bytes)  # type: ignore[return-value]


def too_long(where: Where, size: int) -> Rejection:
    limits = current()
    return Rejection(
        where,
        None,
        f"line is {size:,} bytes, longer than the limit of {limits.line_bytes:,}; skipped",
        f"lines (records) under the limit; {limits.hint('line_bytes')}",
    )


def utf16_codec(head: bytes) -> str | None:
    """The codec of a UTF-16 file from its first bytes: ``utf-16`` with a byte-order mark, ``utf-16-le`` /
    ``utf-16-be`` without one when NUL bytes sit between most ASCII characters; None for anything else."""
    if head.startswith(UTF16_BOMS):
        return "utf-16"
    sample = head[:4096]
    if len(sample) < 8 or sample.count(b"\x00") * 3 < len(sample):
        return None
    odd = sample[1::2].count(b"\x00")
    even = sample[0::2].count(b"\x00")
    return "utf-16-le" if odd > 2 * even else "utf-16-be" if even > 2 * odd else None


def is_utf16(head: bytes) -> bool:
    return utf16_codec(head) is not None


def decode(data: bytes, name: str) -> tuple[str | None, Rejection | None]:
    """Decode UTF-8 (a BOM is accepted) or UTF-16 with its byte-order mark; on failure say where and suggest
    the fix."""
    if data.startswith(UTF8_BOM):
        data = data[len(UTF8_BOM) :]
    elif data.startswith(UTF16_BOMS):
        try:
            return data.decode("utf-16"), None
        except UnicodeDecodeError as exc:
            return None, Rejection(Where(name), None, f"UTF-16 text broken at byte {exc.start}", UTF8_HINT, fatal=True)
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        return None, Rejection(
            Where(name, line=line),
            None,
            f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})",
            UTF8_HINT if not is_utf16(data) else "UTF-8 text; this looks like UTF-16: iconv -f utf-16 -t utf-8",
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
        if type(raw) is TooLong:
            yield too_long(Where(name, line=number), raw.size)
            continue
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
    common case costs one ``str.count`` per line.

    A quote that is never closed must not swallow the rest of the file: when a value stays open past the
    ``quoted_lines`` or ``cell_chars`` limit, or to the end of the file, the line that opened it is rejected
    and the lines after it are read again as lines of their own (each row kept or rejected on its merits).
    """
    limits = current()
    max_lines, max_chars = limits.quoted_lines, limits.cell_chars
    source = iter_text_lines(fp, name)
    replay: deque[tuple[int, str]] = deque()
    pending: list[tuple[int, str]] = []
    size = 0
    while True:
        item: tuple[int, str] | Rejection
        if replay:
            item = replay.popleft()
        else:
            got = next(source, None)
            if got is None:
                if not pending:
                    return
                yield _unclosed(name, pending[0][0], None)
                replay.extend(pending[1:])
                pending, size = [], 0
                continue
            item = got
        if isinstance(item, Rejection):
            yield item
            continue
        number, line = item
        if delimiter is None and line.strip():
            delimiter = sniff_delimiter(line)
        if pending:
            pending.append(item)
            size += len(line) + 1
            if '"' in line and not ends_inside_quotes(line, delimiter, inside=True):
                yield pending[0][0], "\n".join(text for _, text in pending)
                pending, size = [], 0
            elif len(pending) > max_lines or size > max_chars:
                yield _unclosed(name, pending[0][0], (len(pending), size))
                replay.extendleft(reversed(pending[1:]))  # before any lines still waiting to be read again
                pending, size = [], 0
            continue
        if line.count('"') % 2 and ends_inside_quotes(line, delimiter):
            pending, size = [item], len(line)
            continue
        yield number, line


def _unclosed(name: str, line: int, span: tuple[int, int] | None) -> Rejection:
    limits = current()
    if span is None:
        reason = (
            "a quoted value opened on this line is never closed (an opening '\"' without its closing one up to "
            "the end of the file); the lines after it were read on their own"
        )
    else:
        reason = (
            f"a quoted value opened on this line runs past {span[0]:,} lines / {span[1]:,} characters without "
            "closing; the lines after it were read on their own"
        )
    hint = "every opening '\"' closed; write a literal quote inside a quoted value as '\"\"'"
    if span is not None:
        hint += f"; a longer value needs a higher limit: {limits.hint('quoted_lines')}, {limits.hint('cell_chars')}"
    return Rejection(Where(name, line=line), None, reason, hint)


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
    cell_chars = current().cell_chars
    if cell_chars >= csv.field_size_limit():  # the csv module's own cap must not cut in first
        csv.field_size_limit(cell_chars + 1)
    fp = bounded(fp)
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
        if "\x00" in line:
            yield Rejection(
                Where(name, line=number),
                None,
                "row contains a NUL character (binary data, or a UTF-16 file read as UTF-8?)",
                "text cells without NUL characters; " + UTF8_HINT,
            )
            continue
        try:
            cells = split_csv_line(line, delimiter)
        except csv.Error as exc:  # a field over csv's own size limit
            yield Rejection(Where(name, line=number), None, f"unparseable CSV: {exc}", "a CSV row")
            continue
        if len(line) > cell_chars:
            long = next(((h, len(c)) for h, c in zip(header, cells, strict=False) if len(c) > cell_chars), None)
            if long is not None:
                yield Rejection(
                    Where(name, line=number),
                    long[0],
                    f"cell is {long[1]:,} characters, longer than the limit of {cell_chars:,}",
                    f"cells under the limit; {current().hint('cell_chars')}",
                )
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
