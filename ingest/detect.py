"""Telling which structured export a file is, from its first JSON object or its CSV header.

The pipeline routes ``.json``/``.ndjson``/``.csv``/``.tsv`` files with these, so a folder of exports can be
ingested without naming each file's kind. Detection only looks at shape (SCIM schema URNs, the xAPI
actor/verb/object triple, a CSV's required columns, every line two or three numbers for a header-less edge
list); the readers still validate every record.
"""

from __future__ import annotations

import re
from pathlib import Path

from ingest.interactions import RECIPIENT_ALIASES, SENDER_ALIASES

SCIM_USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
SCIM_GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
SCIM_LIST_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:ListResponse"

# column sets a header must contain, most specific first (the first match wins)
_CSV_KINDS: tuple[tuple[str, frozenset[str]], ...] = (
    ("completions", frozenset({"person", "course_id", "status", "at"})),
    ("memberships", frozenset({"person", "community", "role"})),
    ("people", frozenset({"person_id"})),  # a directory export without names is still one (name optional)
    ("courses", frozenset({"course_id", "title"})),
)
# a communities file only needs "name", which many unrelated tables have: require every column to be ours
COMMUNITY_COLUMNS = frozenset({"name", "community_id", "description", "topics"})


def detect_json_kind(first_object: object) -> str | None:
    """``"scim_users"``, ``"scim_groups"`` or ``"xapi"`` for the first object of a JSON/NDJSON file (or a
    wrapper: SCIM ListResponse, LRS StatementResult); None when it is none of them (a file's first item may be
    any JSON value)."""
    if not isinstance(first_object, dict):
        return None
    schemas = first_object.get("schemas")
    schemas = [s for s in schemas if isinstance(s, str)] if isinstance(schemas, list) else []
    if SCIM_USER_SCHEMA in schemas:
        return "scim_users"
    if SCIM_GROUP_SCHEMA in schemas:
        return "scim_groups"
    for key in ("Resources", "resources", "statements"):
        inner = first_object.get(key)
        if isinstance(inner, list) and inner and isinstance(inner[0], dict):
            return detect_json_kind(inner[0])
    if all(k in first_object for k in ("actor", "verb", "object")):
        return "xapi"
    if SCIM_LIST_RESPONSE in schemas or not schemas:
        # a schema-less SCIM resource still has its tell-tale attributes
        if "userName" in first_object:
            return "scim_users"
        if "members" in first_object and "displayName" in first_object:
            return "scim_groups"
    return None


def detect_csv_kind(header: list[str]) -> str | None:
    """The CSV contract whose required columns ``header`` has (names compared case-insensitively):
    ``people``, ``courses``, ``completions``, ``memberships``, ``communities`` or ``interactions``."""
    cols = {h.strip().strip('"').strip().lower() for h in header}
    cols.discard("")
    for kind, required in _CSV_KINDS:
        if required <= cols:
            return kind
    if cols & SENDER_ALIASES and cols & RECIPIENT_ALIASES:
        return "interactions"
    if "name" in cols and cols <= COMMUNITY_COLUMNS:
        return "communities"
    return None


_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")
EDGE_LIST_SUFFIXES = frozenset({".txt", ".edges", ".edgelist", ".el", ".tsv", ".csv"})


def detect_edge_list(text: str, *, max_lines: int = 50) -> bool:
    """Whether ``text`` (the start of a file) is a header-less SNAP-style edge list: every data line among the
    first ``max_lines`` is ``u v`` or ``u v t`` of numbers (spaces or tabs), ``#`` / ``%`` lines are comments,
    and there are at least two such lines. Such a file named ``.txt`` is an interactions export, not a document
    (ingest/interactions.py reads it); prose never has every line made of two or three numbers.

    The last line is ignored when ``text`` was cut mid-line (no final newline) and there are others."""
    lines = text.splitlines()
    if len(lines) > 1 and not text.endswith(("\n", "\r")):
        lines = lines[:-1]
    data = [ln.split() for ln in (x.strip() for x in lines) if ln and not ln.startswith(("#", "%"))][:max_lines]
    return len(data) >= 2 and all(2 <= len(t) <= 3 and all(_NUMBER.match(x) for x in t) for t in data)


def looks_like_edge_list(path: Path) -> bool:
    """:func:`detect_edge_list` on the first 64 KiB of ``path`` (UTF-8, a BOM or undecodable bytes tolerated)."""
    if path.suffix.lower() not in EDGE_LIST_SUFFIXES:
        return False
    try:
        with path.open("rb") as fp:
            head = fp.read(65536)
    except OSError:
        return False
    return detect_edge_list(head.decode("utf-8", errors="replace").lstrip("\ufeff"))
