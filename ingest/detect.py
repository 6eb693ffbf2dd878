"""Telling which structured export a file is, from its first JSON object or its CSV header.

The pipeline routes ``.json``/``.ndjson``/``.csv``/``.tsv`` files with these, so a folder of exports can be
ingested without naming each file's kind. Detection only looks at shape (SCIM schema URNs, the xAPI
actor/verb/object triple, a CSV's required columns); the readers still validate every record.
"""

from __future__ import annotations

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
