"""The product's graph schema: the only labels and relationship types any backend accepts.

Labels and types come from here and never from input, so a backend may splice them into queries (Cypher
cannot take a label as a parameter) without opening an injection hole.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from whoknows.errors import SchemaError


class Label(StrEnum):
    """Node labels."""

    PERSON = "Person"
    DEPARTMENT = "Department"
    DOCUMENT = "Document"
    CHUNK = "Chunk"
    COURSE = "Course"
    COMMUNITY = "Community"
    TOPIC = "Topic"
    QUESTION = "Question"  # asked of the experts from a search (whoknows/questions.py)


class RelType(StrEnum):
    """Relationship types."""

    REPORTS_TO = "REPORTS_TO"  # (Person)->(Person)
    IN_DEPARTMENT = "IN_DEPARTMENT"  # (Person)->(Department)
    AUTHORED = "AUTHORED"  # (Person)->(Document)
    REVIEWED = "REVIEWED"  # (Person)->(Document) {as: "SME"}
    HAS_CHUNK = "HAS_CHUNK"  # (Document)->(Chunk) {n}
    COMPLETED = "COMPLETED"  # (Person)->(Course) {at, score, status, statement_id}
    MEMBER_OF = "MEMBER_OF"  # (Person)->(Community) {role, since}
    ABOUT = "ABOUT"  # (Document|Course|Community)->(Topic)
    IN_COMMUNITY = "IN_COMMUNITY"  # (Document)->(Community): the community a knowledge asset belongs to
    INTERACTED = "INTERACTED"  # (Person)->(Person) {weight, count, channel, first, last}
    SELF_TOPIC = "SELF_TOPIC"  # (Person)->(Topic) {state: confirmed|hidden|added, at, by, via}: on one's own topics
    ANSWERED = "ANSWERED"  # (Person)->(Question) {helpful, at, marked_by, note}: an answer the asker found helpful


#: Labels whose nodes carry a ``text`` property that lexical and vector search index.
TEXT_LABELS: tuple[Label, ...] = (Label.CHUNK, Label.COURSE, Label.COMMUNITY, Label.QUESTION)

ROLES: tuple[str, ...] = ("member", "leader", "facilitator", "sme")
COMPLETION_STATUSES: tuple[str, ...] = ("completed", "passed", "failed", "satisfied", "waived")
VISIBILITIES: tuple[str, ...] = ("public", "internal", "restricted")


def check_label(label: str) -> Label:
    """Return ``label`` as a :class:`Label`, or raise naming the allowed values."""
    try:
        return Label(label)
    except ValueError:
        allowed = ", ".join(v.value for v in Label)
        raise SchemaError(f"unknown node label {label!r}; expected one of: {allowed}") from None


def check_rel_type(rel_type: str) -> RelType:
    """Return ``rel_type`` as a :class:`RelType`, or raise naming the allowed values."""
    try:
        return RelType(rel_type)
    except ValueError:
        allowed = ", ".join(v.value for v in RelType)
        raise SchemaError(f"unknown relationship type {rel_type!r}; expected one of: {allowed}") from None


def check_text_labels(labels: Sequence[str] | None) -> list[str]:
    """The text-bearing labels to search (all of them for None), or raise naming the ones that carry text."""
    text_values = sorted(label.value for label in TEXT_LABELS)
    if labels is None:
        return text_values
    out = []
    for label in labels:
        value = check_label(label).value
        if value not in text_values:
            raise SchemaError(f"label {value!r} carries no searchable text; expected one of: {', '.join(text_values)}")
        out.append(value)
    return out
