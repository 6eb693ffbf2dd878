"""The records behind a ranking: what each person did that matched the query, and what it added to the score.

Principle 1 of the design ("evidence for every claim"): a result's score is exactly the sum of its evidence
contributions (tests check it), and the one-line "why" is written from the same records, so what a person
reads is what the ranker used.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(slots=True)
class Evidence:
    """One scored association between a person and a retrieved item.

    ``relevance`` is how well the item matches the query (fused retrieval score, 0..1; for a long query, a
    document's score regularised with its neighbours', see below); ``weight`` is the association weight
    (relation, author position, course score, time decay); ``contribution`` is what it added to the person's
    score after the per-person normalisation.
    """

    kind: str  # document | course | community
    node_id: str
    title: str
    relation: (
        str  # authored | first author | reviewed as SME | leader | facilitator | sme | member | completed | passed ...
    )
    relevance: float
    weight: float
    contribution: float
    passage: str | None = None
    passage_id: str | None = None
    date: str | None = None
    # document score regularisation (long queries): ``relevance`` is then
    # ``(1 - lambda) * direct_relevance + lambda * neighbour_relevance``, where ``neighbour_relevance`` is the
    # mean direct relevance of ``neighbours`` (the most similar retrieved documents, most similar first)
    direct_relevance: float | None = None
    neighbour_relevance: float | None = None
    neighbours: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(slots=True)
class ExpertResult:
    """A ranked person with the evidence that put them there."""

    person_id: str
    node_id: str
    name: str
    score: float
    why: str
    title: str | None = None
    department: str | None = None
    location: str | None = None
    evidence: list[Evidence] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["evidence"] = [e.to_dict() for e in self.evidence]
        return d


def _quote(text: str, n: int = 60) -> str:
    text = " ".join(text.split())
    return f"'{text if len(text) <= n else text[: n - 1] + '…'}'"


def _topic(query: str) -> str:
    words = query.split()
    return f" on {' '.join(words)}" if 0 < len(words) <= 6 else " on this topic"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


_ROLE_VERB = {"leader": "leads", "facilitator": "facilitates", "sme": "SME in", "member": "member of"}


def why_line(query: str, evidence: list[Evidence]) -> str:
    """One line a person can check, e.g. "Wrote 3 documents on supplier risk, incl. 'Tier-2 supplier audits';
    SME reviewer of 2; leads the Procurement CoP; completed 'Negotiation basics'". Items are named in order of
    contribution."""
    ordered = sorted(evidence, key=lambda e: -e.contribution)
    parts: list[str] = []
    authored = [e for e in ordered if e.kind == "document" and e.relation in ("authored", "first author")]
    if authored:
        parts.append(f"Wrote {_plural(len(authored), 'document')}{_topic(query)}, incl. {_quote(authored[0].title)}")
    reviewed = [e for e in ordered if e.kind == "document" and e.relation == "reviewed as SME"]
    if reviewed:
        parts.append(
            f"SME reviewer of {len(reviewed)}" + (f" ({_quote(reviewed[0].title, 40)})" if not authored else "")
        )
    seen: set[str] = set()
    for e in ordered:
        if e.kind == "community" and e.node_id not in seen:
            seen.add(e.node_id)
            parts.append(f"{_ROLE_VERB.get(e.relation, e.relation)} {e.title}")
    courses = [e for e in ordered if e.kind == "course"]
    if courses:
        extra = f" (+{len(courses) - 1} more)" if len(courses) > 1 else ""
        parts.append(f"{courses[0].relation} {_quote(courses[0].title, 40)}{extra}")
    return "; ".join(parts[:5]) if parts else "No direct evidence"
