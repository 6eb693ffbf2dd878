"""The ingest report: per source, records read / accepted / rejected, and every rejection with its reason.

A rejection names the file, the line or record, the field, what was wrong and what was expected, so the
person fixing the export does not have to guess. Rejections never stop good records from landing.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from ingest.records import Where


@dataclass(frozen=True, slots=True)
class Rejection:
    """A record (or a whole file) that could not be ingested.

    ``field`` is None when the problem is not one field's (truncated JSON, unreadable PDF, empty file).
    ``fatal`` marks a problem that stopped the reader before the end of the file: the pipeline then does not
    retract records it did not get to see.
    """

    where: Where
    field: str | None
    reason: str
    expected: str
    fatal: bool = False

    def __str__(self) -> str:
        fld = f" field {self.field!r}:" if self.field else ""
        return f"{self.where}:{fld} {self.reason} (expected {self.expected})"


@dataclass(frozen=True, slots=True)
class Notice:
    """Something worth telling that is not a rejection: an unresolved person kept pending, a skipped file."""

    where: Where
    message: str


@dataclass(slots=True)
class SourceReport:
    """What one input (file or document folder) gave."""

    path: str
    kind: str
    read: int = 0
    accepted: int = 0
    rejected: int = 0
    unchanged: int = 0
    retracted: int = 0
    skipped_unchanged_file: bool = False
    rejections: list[Rejection] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)

    def reject(self, rejection: Rejection) -> None:
        self.rejected += 1
        self.rejections.append(rejection)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["rejections"] = [{**asdict(r), "where": asdict(r.where), "message": str(r)} for r in self.rejections]
        d["notices"] = [{"where": asdict(n.where), "message": n.message} for n in self.notices]
        return d


def counts_in_words(source: dict[str, Any]) -> str:
    """A source's counts as a sentence whose numbers add up: ``read`` counts the good records and ``rejected``
    the bad ones (a rejected file of a document folder is one record), so the records seen are their sum, and
    the good ones are accepted (new or changed) or unchanged. Interactions are accepted as ties (one per sender
    and recipient), so their ties are said as such."""
    read, rejected = int(source.get("read", 0)), int(source.get("rejected", 0))
    accepted, unchanged = int(source.get("accepted", 0)), int(source.get("unchanged", 0))
    retracted = int(source.get("retracted", 0))
    seen = f"{read + rejected:,} record{'s' if read + rejected != 1 else ''}"
    if source.get("kind") == "interactions":
        good = f"{read:,} accepted as {accepted + unchanged:,} ties ({unchanged:,} unchanged)"
    else:
        good = f"{accepted:,} accepted, {unchanged:,} unchanged"
    return f"{seen}: {good}, {rejected:,} rejected; {retracted:,} retracted"
