"""Document metadata: the one normaliser for front matter, manifests and embedded file properties, and the
sidecar manifest reader (CSV or JSON) that gives metadata to files that cannot carry it (PDF, DOCX, text).

One normaliser means one contract: a date, a visibility or an author is read the same way whether it sits in
Markdown front matter or in a manifest row, and is rejected with the same message when it is wrong.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from datetime import date, datetime
from pathlib import PurePosixPath
from typing import Any, BinaryIO

from graph.schema import VISIBILITIES
from ingest.guard import each_record
from ingest.records import PersonRef, Where
from ingest.refs import parse_person_ref
from ingest.report import Rejection
from ingest.textio import decode, iter_csv_rows

META_KEYS: tuple[str, ...] = (
    "title",
    "authors",
    "reviewers",
    "community",
    "tags",
    "visibility",
    "allowed",
    "date",
    "url",
)
ALIASES: dict[str, str] = {
    "author": "authors",
    "reviewer": "reviewers",
    "smes": "reviewers",
    "sme": "reviewers",
    "tag": "tags",
    "keywords": "tags",
    "community_of_practice": "community",
}
LIST_KEYS = frozenset({"authors", "reviewers", "tags", "allowed"})
_NAMED_ADDR_RE = re.compile(r"^\s*(?P<name>[^<>]*?)\s*<(?P<ref>[^<>]+)>\s*$")


class MetaError(Exception):
    """Internal: one metadata field is invalid. Converted to a Rejection by the caller, never escapes."""

    def __init__(self, field: str, reason: str, expected: str) -> None:
        super().__init__(reason)
        self.field, self.reason, self.expected = field, reason, expected


def split_multi(value: Any, *, field: str) -> list[str]:
    """A multi-valued field: a YAML/JSON list, or a string separated by ';' (or ',' when there is no ';').

    ',' is only a separator when ';' is absent so that ``"Doe, Jane <jane@x.org>; bo@x.org"`` still works.
    """
    if value is None:
        return []
    if isinstance(value, list | tuple):
        items = []
        for v in value:
            if isinstance(v, dict | list | tuple):
                raise MetaError(field, f"list item {v!r} is not a plain value", "a list of strings")
            items.append(str(v).strip())
        return [v for v in items if v]
    if isinstance(value, dict):
        raise MetaError(field, f"got a mapping {value!r}", "a list or a ';'-separated string")
    text = str(value)
    sep = ";" if ";" in text else ","
    return [v.strip() for v in text.split(sep) if v.strip()]


def parse_named_ref(text: str) -> PersonRef | None:
    """A person reference, also in the ``Name <alice@x.org>`` form (the angle brackets hold the reference)."""
    m = _NAMED_ADDR_RE.match(text)
    return parse_person_ref(m.group("ref") if m else text)


def _looks_like_ref(text: str) -> bool:
    """True when an embedded author string identifies someone (an e-mail or ``kind:value``), not just a name."""
    m = _NAMED_ADDR_RE.match(text)
    inner = m.group("ref") if m else text
    ref = parse_person_ref(inner)
    return ref is not None and (ref.kind != "id" or inner.strip().lower().startswith("id:"))


def _scalar(value: Any, field: str) -> str:
    if isinstance(value, dict | list | tuple):
        raise MetaError(field, f"got {type(value).__name__} {value!r}", "a single value")
    return str(value).strip()


_YEAR_RE = re.compile(r"\d{4}")
_MONTH_RE = re.compile(r"(\d{4})-(\d{2})")
DATE_EXPECTED = "YYYY-MM-DD (2025-06-01), or as much of it as is known: YYYY-MM (2025-06) or YYYY (2025)"


def _parse_date(value: Any) -> str:
    """A document date as ISO text with the precision the source gave: ``2019-05-14``, ``2019-05`` or ``2019``
    (bibliographic data often knows only the year; keeping it beats dropping the document)."""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = str(value).strip()
    if _YEAR_RE.fullmatch(text) and text != "0000":
        return text
    m = _MONTH_RE.fullmatch(text)
    if m and text[:4] != "0000" and 1 <= int(m.group(2)) <= 12:
        return text
    for parse in (date.fromisoformat, lambda t: datetime.fromisoformat(t).date()):
        try:
            return parse(text).isoformat()
        except (ValueError, OverflowError):
            continue
    raise MetaError("date", f"{text[:80]!r} is not an ISO date", DATE_EXPECTED)


def date_and_precision(text: str) -> tuple[date, str]:
    """``"2019"`` -> (2019-01-01, "year"), ``"2019-05"`` -> (2019-05-01, "month"), a full date -> (it, "day")."""
    if len(text) == 4:
        return date(int(text), 1, 1), "year"
    if len(text) == 7:
        return date(int(text[:4]), int(text[5:]), 1), "month"
    return date.fromisoformat(text), "day"


def canonical_key(key: str) -> str:
    k = str(key).strip().lower().replace("-", "_").replace(" ", "_")
    return ALIASES.get(k, k)


def normalise_metadata(raw: Mapping[str, Any], *, embedded: bool = False) -> tuple[dict[str, Any], dict[str, str]]:
    """Validate and normalise document metadata into plain JSON-friendly values.

    Returns ``(meta, extra)``: ``meta`` has only the known keys that were given (title: str, authors/reviewers:
    lists of ``kind:value`` reference strings, community: str, tags: list, visibility: one of
    graph.schema.VISIBILITIES, allowed: list of reference strings or ``group:<name>``, date: ISO string,
    url: str); ``extra`` keeps unknown keys as strings. Raises :class:`MetaError` for the first bad field.

    ``embedded`` marks metadata from PDF/DOCX/HTML properties: their author strings are usually display names
    ("Jane Doe"), which would become person ids that never resolve, so only e-mail or ``kind:value`` authors
    are kept as references and the rest are kept in ``extra['embedded_authors']`` for people to read.
    """
    meta: dict[str, Any] = {}
    extra: dict[str, str] = {}
    for key, value in raw.items():
        k = canonical_key(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        if k == "title":
            meta["title"] = _scalar(value, "title")
        elif k in ("authors", "reviewers"):
            items = split_multi(value, field=k)
            if embedded:
                names = [i for i in items if not _looks_like_ref(i)]
                if names:
                    extra[f"embedded_{k}"] = "; ".join(names)
                items = [i for i in items if _looks_like_ref(i)]
            refs = []
            for item in items:
                ref = parse_named_ref(item)
                if ref is None:
                    raise MetaError(k, f"{item!r} is not a person reference", "alice@x.org, id:u123 or Name <a@x.org>")
                if str(ref) not in refs:
                    refs.append(str(ref))
            if refs:
                meta[k] = refs
        elif k == "community":
            meta["community"] = _scalar(value, "community")
        elif k == "tags":
            tags: list[str] = []
            for t in split_multi(value, field="tags"):
                if t not in tags:
                    tags.append(t)
            if tags:
                meta["tags"] = tags
        elif k == "visibility":
            vis = _scalar(value, "visibility").lower()
            if vis not in VISIBILITIES:
                raise MetaError(
                    "visibility",
                    f"unknown visibility {vis!r}",
                    f"one of {', '.join(VISIBILITIES)}",
                )
            meta["visibility"] = vis
        elif k == "allowed":
            allowed: list[str] = []
            for item in split_multi(value, field="allowed"):
                if item.lower().startswith("group:"):
                    group = item[6:].strip()
                    if not group:
                        raise MetaError("allowed", f"{item!r} names no group", "group:<name>, e.g. group:Finance")
                    entry = f"group:{group}"
                else:
                    ref = parse_named_ref(item)
                    if ref is None:  # pragma: no cover - split_multi drops blanks
                        continue
                    entry = str(ref)
                if entry not in allowed:
                    allowed.append(entry)
            if allowed:
                meta["allowed"] = allowed
        elif k == "date":
            meta["date"] = _parse_date(value)
        elif k == "url":
            url = _scalar(value, "url")
            if not re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://\S+$", url):
                raise MetaError("url", f"{url!r} is not an absolute URL", "an absolute URL such as https://wiki/x")
            meta["url"] = url
        else:
            extra[k] = value.isoformat() if isinstance(value, date) else _scalar_or_join(value)
    return meta, extra


def _scalar_or_join(value: Any) -> str:
    if isinstance(value, list | tuple):
        return "; ".join(str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True, default=str)
    return str(value).strip()


def normalise_path(raw: str) -> str | None:
    """A manifest path as the POSIX path relative to the document root, or None when it is absolute or
    escapes the root (a manifest must not point outside the folder it describes)."""
    text = raw.strip().replace("\\", "/")
    while text.startswith("./"):
        text = text[2:]
    p = PurePosixPath(text)
    if not text or p.is_absolute() or ".." in p.parts or re.match(r"^[A-Za-z]:", text):
        return None
    return p.as_posix()


def _row(where: Where, raw: Mapping[str, Any], seen: dict[str, Where]) -> tuple[str, dict[str, Any]] | Rejection:
    path_value = raw.get("path")
    if not isinstance(path_value, str) or not path_value.strip():
        return Rejection(where, "path", "no path given", "the file's path relative to the document folder")
    path = normalise_path(path_value)
    if path is None:
        return Rejection(
            where, "path", f"{path_value!r} is absolute or leaves the folder", "a relative path such as guides/a.pdf"
        )
    if path in seen:
        return Rejection(where, "path", f"{path} is listed again (first at {seen[path]})", "one entry per file")
    try:
        meta, _ = normalise_metadata({k: v for k, v in raw.items() if k != "path"})
    except MetaError as err:
        return Rejection(where, err.field, err.reason, err.expected)
    seen[path] = where
    return path, meta


MANIFEST_COLUMNS: tuple[str, ...] = ("path", *META_KEYS)


def read_manifest(fp: BinaryIO, name: str) -> Iterator[tuple[str, dict[str, Any]] | Rejection]:
    """Read a document manifest: CSV (header with ``path`` and optional metadata columns, multi-values
    separated by ';') or JSON (a list of objects with ``path``). JSON is recognised by the name ending in
    ``.json`` or by the content starting with ``[``.

    Yields ``(relative_path, metadata)`` where metadata is normalised (see :func:`normalise_metadata`) and
    holds only the fields the row gave, so the file's own metadata still fills the rest; bad rows are
    yielded as rejections and the good rows still come through.
    """
    data = fp.read()
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if name.lower().endswith(".json") or head in (b"[", b"{"):
        yield from _read_json_manifest(data, name)
        return
    import io

    seen: dict[str, Where] = {}
    rows = iter_csv_rows(io.BytesIO(data), name, required=("path",), optional=META_KEYS)

    def one(where: Where, row: dict[str, str]) -> tuple[str, dict[str, Any]] | Rejection:
        return _row(where, {k: v for k, v in row.items() if k in MANIFEST_COLUMNS}, seen)

    records = each_record(rows, one)
    yield from records


def _read_json_manifest(data: bytes, name: str) -> Iterator[tuple[str, dict[str, Any]] | Rejection]:
    text, rej = decode(data, name)
    if rej is not None:
        yield rej
        return
    assert text is not None
    if not text.strip():
        yield Rejection(Where(name), None, "file is empty", "a JSON list of objects with 'path'", fatal=True)
        return
    try:
        items = json.loads(text)
    except json.JSONDecodeError as exc:
        yield Rejection(
            Where(name, line=exc.lineno),
            None,
            f"not valid JSON: {exc.msg} at column {exc.colno}",
            "a JSON list of objects with 'path'",
            fatal=True,
        )
        return
    if isinstance(items, dict) and isinstance(items.get("documents"), list):
        items = items["documents"]
    if not isinstance(items, list):
        yield Rejection(
            Where(name), None, f"top level is a JSON {type(items).__name__}", "a JSON list of objects", fatal=True
        )
        return
    known = set(MANIFEST_COLUMNS) | set(ALIASES)
    seen: dict[str, Where] = {}

    def one(where: Where, obj: Any) -> list[tuple[str, dict[str, Any]] | Rejection]:
        if not isinstance(obj, dict):
            return [Rejection(where, None, f"entry is a JSON {type(obj).__name__}", "an object with 'path'")]
        out: list[tuple[str, dict[str, Any]] | Rejection] = []
        unknown = sorted(str(k) for k in obj if canonical_key(k) not in known)
        if unknown:
            out.append(
                Rejection(
                    where,
                    ", ".join(unknown),
                    f"unknown key(s) {', '.join(unknown)} ignored",
                    f"only {', '.join(MANIFEST_COLUMNS)}",
                )
            )
        out.append(_row(where, {k: v for k, v in obj.items() if canonical_key(k) in known}, seen))
        return out

    entries = ((Where(name, record=str(index)), obj) for index, obj in enumerate(items))
    for item in each_record(entries, one):
        if type(item) is Rejection:
            yield item
        else:
            yield from item  # type: ignore[misc]
