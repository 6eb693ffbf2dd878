"""Person references and stable slugs, shared by every reader.

A CSV cell or front-matter entry naming a person is read the same way everywhere: ``kind:value`` with a
known kind, else an e-mail address if it has an ``@``, else the directory's ``person_id``.
"""

from __future__ import annotations

import re
import unicodedata

from ingest.records import REF_KINDS, PersonRef

_SLUG_RE = re.compile(r"[^a-z0-9]+")


def parse_person_ref(text: str) -> PersonRef | None:
    """Read a person reference; None for an empty cell. ``mailto:`` prefixes are accepted."""
    value = text.strip()
    if not value:
        return None
    if value.lower().startswith("mailto:"):
        return PersonRef("email", value[7:].strip().lower())
    kind, sep, rest = value.partition(":")
    if sep and kind.strip().lower() in REF_KINDS and rest.strip():
        kind = kind.strip().lower()
        rest = rest.strip()
        return PersonRef(kind, rest.lower() if kind == "email" else rest)
    if "@" in value:
        return PersonRef("email", value.lower())
    return PersonRef("id", value)


def slug(text: str) -> str:
    """A stable, readable id fragment: ``"Contract Negotiation & Utilities"`` -> ``contract-negotiation-utilities``."""
    norm = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return _SLUG_RE.sub("-", norm).strip("-") or "x"
