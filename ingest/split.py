"""Cutting a large CSV file into two parts that two reader processes read at once.

Why: one reader process bounded the ingest of a large file (about 60 us of Python per record against about
40 us of SQL on the committing thread), so the committing thread idled a third of the time while the second
core was shared between them. Two readers, each on one part, keep both cores busy.

A part must read exactly as the same lines read in the whole file: the same line numbers in rejections,
the same header (the second part is given the file's header lines first), and no quoted value cut in two.
The cut is placed at the first line start from the middle of the file at which the whole-file reader
(:func:`ingest.textio.iter_logical_lines`) is between logical lines; only lines that contain a quote can
change that state, so finding it costs a ``memchr`` over the first half plus a Python step per quoted line.
"""

from __future__ import annotations

import mmap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from ingest.limits import current
from ingest.textio import UTF8_BOM, TooLong, bounded_lines, ends_inside_quotes, sniff_delimiter

SPLIT_MIN_BYTES = 4 << 20  # below this a file reads in well under a second: not worth a second process
_COUNT_CHUNK = 16 << 20  # newlines are counted in slices of this size (a slice of an mmap is a copy)


@dataclass(frozen=True, slots=True)
class FilePart:
    """Bytes ``[start, end)`` of a file whose first line is line ``first_line``; ``head_end`` > 0 means the
    file's bytes ``[0, head_end)`` (its header lines) are read first, numbered from 1."""

    path: Path
    start: int
    end: int
    first_line: int
    head_end: int = 0

    @property
    def label(self) -> str:
        """How a progress bar names the part."""
        return f"second half, from line {self.first_line}" if self.start else "first half"


def plan_parts(path: Path, min_bytes: int = SPLIT_MIN_BYTES) -> tuple[FilePart, FilePart] | None:
    """Two parts of a CSV/TSV file that read as the whole file does, or None when the file should not be
    cut: smaller than ``min_bytes``, no header line, a header with quotes or invalid UTF-8, or no line
    boundary outside a quoted value after the middle."""
    size = path.stat().st_size
    if size < max(min_bytes, 1):
        return None
    with path.open("rb") as fp, mmap.mmap(fp.fileno(), 0, access=mmap.ACCESS_READ) as mm:
        head_end, header = _header(mm)
        if header is None or '"' in header:
            return None
        cut = _cut(mm, head_end, max(size // 2, head_end), sniff_delimiter(header))
        if cut is None or cut <= head_end or cut >= size:
            return None
        first_line = _count_newlines(mm, 0, cut) + 1
    return FilePart(path, 0, cut, 1), FilePart(path, cut, size, first_line, head_end)


def _header(mm: mmap.mmap) -> tuple[int, str | None]:
    """Where the header line ends (the first line that is not blank, as iter_csv_rows takes it), and its text."""
    pos, number = 0, 0
    while pos < len(mm):
        nl = mm.find(b"\n", pos)
        end = len(mm) if nl < 0 else nl + 1
        raw = mm[pos:end]
        number += 1
        if number == 1 and raw.startswith(UTF8_BOM):
            raw = raw[len(UTF8_BOM) :]
        pos = end
        try:
            line = raw.decode("utf-8").rstrip("\r\n")
        except UnicodeDecodeError:
            return pos, None
        if line.strip():
            return pos, line
    return pos, None


def _cut(mm: mmap.mmap, start: int, middle: int, delimiter: str) -> int | None:
    """The first line start at or after ``middle`` where no quoted value is open, reading from ``start``
    (just after the header) with the state machine of iter_logical_lines; None if a value stays open to the end."""
    limits = current()
    inside = False
    opened = 0  # where the open value's line starts
    size = len(mm)
    q = mm.find(b'"', start)
    while q >= 0:
        line_start = mm.rfind(b"\n", 0, q) + 1
        if line_start >= middle and not inside:
            break  # the state at ``middle`` is known and no value is open there
        nl = mm.find(b"\n", q)
        line_end = size if nl < 0 else nl + 1
        if inside and (line_end - opened > limits.cell_chars or mm[opened:line_end].count(b"\n") > limits.quoted_lines):
            return None  # the reader gives such a value up and reads its lines again: do not cut near it
        try:
            too_long = line_end - line_start > limits.line_bytes
            line = None if too_long else mm[line_start:line_end].decode("utf-8").rstrip("\r\n")
        except UnicodeDecodeError:  # the reader rejects and skips such a line: it changes nothing
            line = None
        if line is not None:
            if inside:
                inside = ends_inside_quotes(line, delimiter, inside=True)
            elif line.count('"') % 2 and ends_inside_quotes(line, delimiter):
                inside = True
                opened = line_start
        if not inside and line_end > middle:
            return line_end  # the value that was open at the middle closes on this line
        q = mm.find(b'"', line_end)
    if inside:
        return None
    if middle <= start or mm[middle - 1 : middle] == b"\n":
        return middle
    nl = mm.find(b"\n", middle)
    return size if nl < 0 else nl + 1


def _count_newlines(mm: mmap.mmap, start: int, end: int) -> int:
    return sum(mm[i : min(i + _COUNT_CHUNK, end)].count(b"\n") for i in range(start, end, _COUNT_CHUNK))


class PartReader:
    """A binary file opened on one :class:`FilePart`: :meth:`numbered_lines` yields ``(line number, raw line)``
    as enumerating the whole file would for those lines, which :func:`ingest.textio.iter_text_lines` uses in
    place of ``enumerate(fp, 1)``. ``tell`` and ``size`` count the part's own bytes (batch sizing uses them)."""

    def __init__(self, part: FilePart) -> None:
        self.part = part
        self.size = part.end - part.start + part.head_end
        self._fp: BinaryIO = part.path.open("rb")
        self._pos = 0

    def numbered_lines(self) -> Iterator[tuple[int, bytes]]:
        part, fp = self.part, self._fp
        limit = current().line_bytes
        if part.head_end:
            fp.seek(0)
            for number, raw in enumerate(bounded_lines(fp, limit), start=1):
                self._pos += raw.size if type(raw) is TooLong else len(raw)
                yield number, raw
                if self._pos >= part.head_end:
                    break
        fp.seek(part.start)
        left = part.end - part.start
        number = part.first_line
        for raw in bounded_lines(fp, limit):
            if left <= 0:
                break
            size = raw.size if type(raw) is TooLong else len(raw)
            left -= size
            self._pos += size
            yield number, raw
            number += 1

    def tell(self) -> int:
        return self._pos

    def close(self) -> None:
        self._fp.close()

    def __enter__(self) -> PartReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
