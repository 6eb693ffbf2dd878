"""The one net under every reader: whatever a value, a line or a file throws becomes a rejection, and the run
goes on (DESIGN.md principle 2: nothing lost, nothing invented).

Readers check what they know can be wrong and say so precisely (the field, the value, what was expected). This
module catches what nobody foresaw: an ``OverflowError`` from a date at the edge of the calendar, a
``RecursionError`` from JSON nested 100,000 deep, a ``MemoryError`` from one absurd value. Two levels:

* :func:`each_record`: a reader's per-record work runs under it, so an exception costs that one record (a
  rejection with its file and line) and the next record is read;
* :func:`each_item` around a reader as a whole: an exception that escapes the reader itself (its line source
  broke) ends that file with a *fatal* rejection (records read before it stand, the file is not swept or
  marked done), and the run goes on with the next input.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

from ingest.records import Where
from ingest.report import Rejection

T = TypeVar("T")
UNEXPECTED_EXPECTED = "a value the reader can read (this record was skipped; the rest of the file was read)"
_MAX_MESSAGE = 200


def describe(exc: BaseException) -> str:
    """``"OverflowError: date value out of range"``, cut to a readable length (an exception may quote a huge
    value)."""
    text = str(exc).replace("\n", " ")
    if len(text) > _MAX_MESSAGE:
        text = text[: _MAX_MESSAGE - 1] + "…"
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def unexpected(where: Where, exc: BaseException, field: str | None = None) -> Rejection:
    """The rejection of one record that raised ``exc``."""
    return Rejection(where, field, f"could not be read ({describe(exc)})", UNEXPECTED_EXPECTED)


def each_record(
    items: Iterable[tuple[Where, Any] | Rejection], work: Callable[[Where, Any], T | Rejection | None]
) -> Iterator[T | Rejection]:
    """``work(where, payload)`` for each ``(where, payload)`` of ``items``; rejections pass through, None
    results are dropped, and an exception from ``work`` is the rejection of that record only."""
    for item in items:
        if type(item) is Rejection:
            yield item
            continue
        where, payload = item  # type: ignore[misc]
        try:
            out = work(where, payload)
        except Exception as exc:  # any exception from one record costs that record, never the run
            yield unexpected(where, exc)
            continue
        if out is not None:
            yield out


def each_item(items: Iterable[T], name: str) -> Iterator[T | Rejection]:
    """Pass a reader's output through; if the reader itself raises, end with a fatal rejection of file ``name``
    instead of letting the exception stop the whole run."""
    it = iter(items)
    while True:
        try:
            item = next(it)
        except StopIteration:
            return
        except Exception as exc:  # a reader that broke: this file stops here, the run goes on
            yield Rejection(
                Where(name),
                None,
                f"reading stopped here ({describe(exc)}); the records before it were kept",
                "a file the reader can read to its end; fix or remove what the message names and re-run",
                fatal=True,
            )
            return
        yield item


__all__ = ["describe", "each_item", "each_record", "unexpected"]
