"""Expert results as the search page shows them: one card per person with the one-line why, then the evidence
grouped the way a reader checks it (passages, documents, courses, communities and roles), each line with what
it added to the score. Works on ``ExpertResult.to_dict()`` so cached results need no library objects."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from search.evidence import Evidence, why_line
from search.expertise import items_shown
from whoknows.webapp.profile import PUBLIC_COMPLETIONS
from whoknows.webapp.text import md

PASSAGE_CHARS = 280


@dataclass(frozen=True, slots=True)
class EvidenceLine:
    kind: str
    title: str
    relation: str
    share: float  # fraction of the person's score this line contributed (0..1)
    date: str | None = None
    node_id: str | None = None
    detail: str = ""  # shown instead of the share when set (calibrated evidence: "similarity 0.62")


@dataclass(slots=True)
class Card:
    rank: int
    node_id: str
    person_id: str
    name: str
    subtitle: str
    why: str
    score: float
    passages: list[tuple[str, str, str]] = field(default_factory=list)  # (document id, title, passage excerpt)
    documents: list[EvidenceLine] = field(default_factory=list)
    courses: list[EvidenceLine] = field(default_factory=list)
    communities: list[EvidenceLine] = field(default_factory=list)
    other: list[EvidenceLine] = field(default_factory=list)
    withheld: float = 0.0  # share of the score from evidence this viewer may not see (failed/waived courses)
    match: str = ""  # strong | weak | none (calibrated cards, match_cards)
    label: str = ""  # "strong match 0.9"

    @property
    def roles(self) -> list[str]:
        """Community roles other than plain membership ("leader of X"), the "roles" the issue asks to show."""
        return [f"{c.relation} of {c.title}" for c in self.communities if c.relation != "member"]


def excerpt(text: str, n: int = PASSAGE_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1].rsplit(" ", 1)[0] + " …"


def private_view(result: Mapping[str, Any], query: str) -> dict[str, Any]:
    """A search result as someone other than the person (or an administrator) may see it: course evidence
    says "completed" for completed, passed and satisfied courses; failed and waived completions are left out
    (their share of the score is shown as evidence the viewer may not see, so the shares still add up), and
    the one-line why is written again from what is left (the library's own ``why_line``)."""
    evidence = []
    changed = False
    for e in result.get("evidence") or ():
        if e.get("kind") == "course":
            if e.get("relation") not in PUBLIC_COMPLETIONS:
                changed = True
                continue
            if e.get("relation") != "completed":
                changed = True
                e = {**e, "relation": "completed"}
        evidence.append(e)
    if not changed:
        return dict(result)
    why = why_line(query, [Evidence(**e) for e in evidence])
    return {**result, "evidence": evidence, "why": why}


def expert_cards(results: Sequence[Mapping[str, Any]], *, max_passages: int = 2) -> list[Card]:
    cards = []
    for i, r in enumerate(results, start=1):
        total = float(r.get("score") or 0.0) or 1.0
        subtitle = " · ".join(str(x) for x in (r.get("title"), r.get("department"), r.get("location")) if x)
        card = Card(i, str(r["node_id"]), str(r["person_id"]), str(r["name"]), subtitle, str(r.get("why") or ""),
                    float(r.get("score") or 0.0))  # fmt: skip
        for e in r.get("evidence") or ():
            line = EvidenceLine(str(e["kind"]), str(e["title"]), str(e["relation"]),
                                float(e.get("contribution") or 0.0) / total, e.get("date"),
                                str(e["node_id"]) if e.get("node_id") else None)  # fmt: skip
            if e["kind"] == "document":
                card.documents.append(line)
                if e.get("passage") and len(card.passages) < max_passages:
                    card.passages.append((str(e.get("node_id") or ""), str(e["title"]), excerpt(str(e["passage"]))))
            elif e["kind"] == "course":
                card.courses.append(line)
            elif e["kind"] == "community":
                card.communities.append(line)
            else:
                card.other.append(line)
        card.withheld = max(0.0, 1.0 - sum(e.share for e in card.documents + card.courses + card.communities
                                                + card.other)) if card.score > 0 else 0.0  # fmt: skip
        cards.append(card)
    return cards


_LABEL = {"strong": "strong match", "weak": "weak match", "none": "no match"}


def match_cards(people: Sequence[Mapping[str, Any]], *, max_passages: int = 2) -> list[Card]:
    """Cards for calibrated matches (``PersonMatch.to_dict()``, search/expertise.py): the score shown is the
    calibrated one with one decimal and its label, the evidence lines are the documents that passed (each with
    its similarity to the query; for a strong match none of whose items passes alone, its three nearest), the
    quoted passages are theirs. Only documents count in the calibrated score,
    so no course completion (public or private) is shown here."""
    cards = []
    for i, r in enumerate(people, start=1):
        subtitle = " · ".join(str(x) for x in (r.get("title"), r.get("department"), r.get("location")) if x)
        score = float(r.get("score") or 0.0)
        match = str(r.get("match") or "none")
        card = Card(i, str(r["node_id"]), str(r["person_id"]), str(r["name"]), subtitle, str(r.get("why") or ""),
                    score, match=match, label=f"{_LABEL.get(match, match)} {score:.1f}")  # fmt: skip
        for e in items_shown(list(r.get("evidence") or ()), match, lambda e: bool(e.get("passes"))):
            sim = e.get("similarity")
            detail = f"similarity {sim:.2f}" if sim is not None else f"{float(e.get('share') or 0):.0%} of the words"
            detail = "their own statement" if e["kind"] == "self-asserted" else detail
            nid = str(e["node_id"]) if e.get("node_id") else None
            line = EvidenceLine(str(e["kind"]), str(e["title"]), str(e["relation"]), 0.0, e.get("date"), nid, detail)
            (card.documents if e["kind"] == "document" else card.other).append(line)
            if e.get("passage") and len(card.passages) < max_passages:
                card.passages.append((nid or "", str(e["title"]), excerpt(str(e["passage"]))))
        cards.append(card)
    return cards


def filters_key(department: str | None, location: str | None, role: str | None) -> tuple[tuple[str, str], ...]:
    """Filters as a hashable, order-stable tuple for the result cache (empty choices dropped)."""
    items = {"department": department, "location": location, "role": role}
    return tuple((k, v) for k, v in items.items() if v)


def card_markdown(
    card: Card, *, contact: str = "", links: Mapping[str, str] | None = None, subtitle_extra: str = ""
) -> str:
    """Rank, name, subtitle, contact line, the one-line why and the quoted passages as one markdown block.

    One block instead of one element each: the search round trip is dominated by drawing the cards, and every
    Streamlit element is a message and a React component of its own (13 per card before, 5 now). Every value
    from the data is escaped (:func:`whoknows.webapp.text.md`); ``contact`` is already Markdown built by
    :mod:`whoknows.webapp.contact`, and ``links`` maps a document id to its checked URL
    (:mod:`whoknows.webapp.sources`), so a passage's title links to its source.
    """
    parts = [
        f"**{card.rank}. {md(card.name)}**  \n{md(card.subtitle)}"
        + (f"  \n{card.label}" if card.label else "")  # our words, not data
    ]
    if contact:
        parts.append(contact)
    if card.why:
        parts.append(f"_{md(card.why)}_")
    for doc, title, passage in card.passages:  # the source under the quote, not in it: a link in a quote is
        parts.append(f"> {md(passage)}")  # drawn faded, below the 4.5:1 contrast text needs
        parts.append(f"— {title_markdown(title, (links or {}).get(doc))}")
    return "\n\n".join(parts)


def title_markdown(title: str, url: str | None) -> str:
    """A document title, as a link to its checked source URL when there is one."""
    return f"[{md(title)}](<{url}>)" if url else f"*{md(title)}*"


def evidence_markdown(card: Card, links: Mapping[str, str] | None = None) -> str:
    """The evidence grouped as a reader checks it, each line with its share of the score ("" when none)."""
    links = links or {}
    groups = [("Documents", card.documents), ("Courses", card.courses), ("Communities and roles", card.communities),
              ("Other", card.other)]  # fmt: skip
    return "\n".join(
        f"**{name}**\n\n"
        + "\n".join(
            f"- {_line_title(e, links)} — {md(e.relation)}"
            + (f" · {md(e.date[:10])}" if e.date else "")
            + (f" · {e.detail}" if e.detail else f" · {e.share:.0%} of the score")  # detail: our words and a number
            for e in lines
        )
        + "\n"
        for name, lines in groups
        if lines
    ) + (
        f"\n*{card.withheld:.0%} of the score comes from learning records only the person and administrators see.*\n"
        if card.withheld >= 0.005
        else ""
    )


def _line_title(e: EvidenceLine, links: Mapping[str, str]) -> str:
    url = links.get(e.node_id) if e.node_id else None
    return f"[{md(e.title)}](<{url}>)" if url else md(e.title)
