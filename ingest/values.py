"""Cell and field value parsers shared by the structured readers, and duplicate detection.

Every parser returns the parsed value or raises :class:`BadValue` carrying the reason and what would have
been valid, so a reader turns it into a :class:`~ingest.report.Rejection` naming the field in one place.
Parsers never see the file name: readers add the where.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from operator import attrgetter
from typing import Any, TypeVar

from ingest.records import Where
from ingest.report import Notice, Rejection

R = TypeVar("R")

TRUE_WORDS = frozenset({"true", "yes", "1", "y", "t"})
FALSE_WORDS = frozenset({"false", "no", "0", "n", "f"})
BOOL_EXPECTED = "true/false, yes/no or 1/0"
DATETIME_EXPECTED = "an ISO 8601 date-time such as 2026-01-10T09:30:00Z (or a date 2026-01-10)"
DATE_EXPECTED = "an ISO 8601 date such as 2026-01-10"
_NUMBER_RE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


class BadValue(ValueError):
    """A value that cannot be read; ``reason`` says what was wrong, ``expected`` what would be valid.

    Internal to the readers (it never leaves them: they turn it into a Rejection), so it is a ValueError
    and not part of the product's raised-error hierarchy.
    """

    def __init__(self, reason: str, expected: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.expected = expected


def reject(where: Where, field: str | None, exc: BadValue) -> Rejection:
    return Rejection(where, field, exc.reason, exc.expected)


def parse_bool(text: str | bool | None, default: bool) -> bool:
    """Booleans as exports spell them; empty means ``default``."""
    if text is True or text is False:
        return text
    if not text:
        return default
    word = str(text).strip().lower()
    if not word:
        return default
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise BadValue(f"{_shown(text)} is not a boolean", BOOL_EXPECTED)


def parse_datetime(text: str) -> datetime:
    """ISO 8601 date or date-time, returned timezone-aware in UTC. A value without an offset is taken as UTC
    (exports from LMSs and mail archives usually are), a bare date as midnight UTC."""
    value = text.strip()
    if not value:
        raise BadValue("empty date", DATETIME_EXPECTED)
    try:
        dt = datetime.fromisoformat(value)
    except ValueError:
        raise BadValue(f"{_shown(text)} is not an ISO 8601 date or date-time", DATETIME_EXPECTED) from None
    if dt.tzinfo is None:
        return dt.replace(tzinfo=UTC)
    try:
        return dt.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00:00+01:00 is before the first instant a datetime can hold in UTC
        raise BadValue(f"{_shown(text)} is outside the years 1-9999 once moved to UTC", DATETIME_EXPECTED) from None


def _shown(text: Any, limit: int = 80) -> str:
    """A value quoted for a message, cut when long (a rejection must not carry a 10 MB cell)."""
    if not isinstance(text, str):
        text = str(text)
    return repr(text) if len(text) <= limit else repr(text[:limit]) + f"... ({len(text):,} characters)"


def parse_date(text: str) -> date:
    """ISO 8601 calendar date (a date-time is accepted and cut to its UTC date)."""
    value = text.strip()
    try:
        return date.fromisoformat(value)
    except ValueError:
        pass
    try:
        return parse_datetime(value).date()
    except BadValue:
        raise BadValue(f"{_shown(text)} is not an ISO 8601 date", DATE_EXPECTED) from None


def parse_unix_or_iso(text: str) -> datetime:
    """Unix seconds (integer or decimal) or ISO 8601; digits-only values are read as unix seconds."""
    value = text.strip()
    if _NUMBER_RE.match(value):
        try:
            return datetime.fromtimestamp(float(value), tz=UTC)
        except (OverflowError, OSError, ValueError):
            reason = f"{_shown(text)} is out of range as unix seconds"
            raise BadValue(reason, "unix seconds or " + DATETIME_EXPECTED) from None
    try:
        return parse_datetime(value)
    except BadValue:
        raise BadValue(
            f"{_shown(text)} is neither unix seconds nor an ISO 8601 date-time", "unix seconds or " + DATETIME_EXPECTED
        ) from None


def parse_number(text: str) -> float:
    value = text.strip()
    if not _NUMBER_RE.match(value):
        raise BadValue(f"{_shown(text)} is not a number", "a decimal number such as 0.85")
    number = float(value)
    if number in (math.inf, -math.inf):  # "1e999": past the largest float
        raise BadValue(f"{_shown(text)} is too large to be a number", "a decimal number such as 0.85")
    return number


def parse_score(text: str) -> float:
    """A score as 0..1, or 0..100 (a percentage, scaled to 0..1)."""
    score = parse_number(text)
    if 0.0 <= score <= 1.0:
        return score
    if 1.0 < score <= 100.0:
        return score / 100.0
    raise BadValue(f"score {text.strip()} is outside 0..1 and 0..100", "a score between 0 and 1, or 0 and 100")


def split_list(text: str, sep: str = ";") -> tuple[str, ...]:
    """``"a; b;;a"`` -> ``("a", "b")``: trimmed, empty parts dropped, first occurrence kept."""
    if not text:
        return ()
    if sep not in text:  # the common single value
        one = text.strip()
        return (one,) if one else ()
    return tuple(dict.fromkeys(p.strip() for p in text.split(sep) if p.strip()))


# per record class (a dict, not functools.cache: typeshed's cache wants Hashable arguments and a class object
# does not type-check as one)
_CONTENT_GETTERS: dict[type, Callable[[object], tuple[Any, ...]]] = {}


def _content_getter(cls: type) -> Callable[[object], tuple[Any, ...]]:
    getter = _CONTENT_GETTERS.get(cls)
    if getter is None:
        getter = _CONTENT_GETTERS[cls] = attrgetter(*[s for s in cls.__slots__ if s != "where"])  # type: ignore[attr-defined]
    return getter


def content_key(record: object) -> int:
    """Hash of a record's content without its ``where`` (records are frozen, slotted dataclasses)."""
    return hash(_content_getter(type(record))(record))


class DuplicateIds:
    """Remembers, per id, a hash of the content and where it was first seen, so a later record with the same
    id is told apart: identical content is skipped silently, different content is rejected naming both
    places. Memory is one small int per id (a hash of the id, not the id, packed with a 48-bit content hash
    and the line number), so a file of millions of records stays streamable."""

    __slots__ = ("_getter", "_seen", "_type", "identical")

    def __init__(self) -> None:
        self.identical = 0  # identical duplicates skipped so far (admit counts them)
        self._seen: dict[int, int | tuple[int, str]] = {}
        self._type: type | None = None
        self._getter: Callable[[object], tuple[Any, ...]] | None = None

    def check(self, key: str, record: object, where: Where, what: str, content: int | None = None) -> Rejection | bool:
        """True: first time, yield it. False: identical duplicate, skip it. Rejection: conflicting duplicate.
        ``content`` overrides the record's content hash (for a unit made of several records)."""
        k = hash(key)
        if content is None:
            if type(record) is not self._type:  # one reader yields one record type: look the getter up once
                self._type = type(record)
                self._getter = _content_getter(self._type)
            content = hash(self._getter(record))  # type: ignore[misc]
        h = content & 0xFFFFFFFFFFFF
        prev = self._seen.get(k)
        if prev is None:
            self._seen[k] = (h << 40) | where.line if where.line is not None else (h, str(where.record))
            return True
        if isinstance(prev, int):
            prev_h, first = prev >> 40, f"line {prev & 0xFFFFFFFFFF}"
        else:
            prev_h, first = prev[0], f"record {prev[1]}"
        if prev_h == h:
            return False
        return Rejection(
            where,
            what,
            f"duplicate {what} {key!r} with different content; the first one ({first}) was kept",
            f"each {what} once per file (remove or merge the duplicate)",
        )

    def admit(self, key: str, record: R, where: Where, what: str, content: int | None = None) -> R | Rejection | None:
        """What a reader yields for ``record``: the record the first time, a Rejection for a conflicting
        duplicate, None (counted in ``identical``) for an identical one."""
        ok = self.check(key, record, where, what, content)
        if ok is True:
            return record
        if ok is False:
            self.identical += 1
            return None
        return ok

    def note(self, notices: list[Notice] | None, name: str, what: str) -> None:
        """Tell the report how many identical duplicates were skipped (nothing when none were)."""
        note_identical(notices, name, what, self.identical)

    def ids(self) -> set[int]:
        """The (hashed) ids seen so far: two readers of two parts of one file compare them, because a
        duplicate across the parts is one neither reader can see (ingest.pipeline reads such a file again
        whole). Hashes are of this process's ``hash``, which forked readers share with their parent."""
        return set(self._seen)


def note_identical(notices: list[Notice] | None, name: str, what: str, count: int) -> None:
    """The notice for ``count`` identical duplicates skipped in file ``name`` (nothing when none were)."""
    if count and notices is not None:
        notices.append(Notice(Where(name), f"{count} identical duplicate {what}(s) skipped"))


CACHE_LIMIT = 200_000


def memo(cache: dict[str, Any], key: str, make: Callable[[str], Any]) -> Any:
    """``make(key)`` remembered in ``cache`` (one per reader call, bounded): exports repeat the same people,
    communities and dates on many rows, and parsing each spelling once is most of a reader's speed."""
    try:
        return cache[key]
    except KeyError:
        value = make(key)
        if len(cache) < CACHE_LIMIT:
            cache[key] = value
        return value
