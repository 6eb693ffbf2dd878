"""Typed records that readers yield and the pipeline writes.

Records are plain slotted dataclasses, not frozen ones: building a frozen dataclass costs 3-4x more and
readers build hundreds of thousands of them per file; treat them as immutable all the same. ``PersonRef`` stays
frozen because it is hashed.

Readers never touch the store: they take a file object and yield these records, or a
:class:`ingest.report.Rejection` for each bad one, so good records keep flowing past bad ones.
Person references stay unresolved here (:class:`PersonRef`); identity resolution happens in the pipeline,
which knows the whole directory.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

RefKind = Literal["id", "email", "employee_number", "external_id", "user_name", "mbox_sha1sum", "account"]
REF_KINDS: tuple[str, ...] = (
    "id",
    "email",
    "employee_number",
    "external_id",
    "user_name",
    "mbox_sha1sum",
    "account",
)


@dataclass(frozen=True, slots=True)
class PersonRef:
    """A reference to a person as a source spells it: ``kind`` says which identifier ``value`` is.

    ``email`` values are lower-cased; ``account`` values are ``"<homePage>|<name>"`` (xAPI account).
    """

    kind: str
    value: str

    def __str__(self) -> str:
        return f"{self.kind}:{self.value}"


@dataclass(slots=True)
class Where:
    """Where a record came from: file name, 1-based line (text formats) and/or record index or id."""

    file: str
    line: int | None = None
    record: str | None = None

    def __str__(self) -> str:
        parts = [self.file]
        if self.line is not None:
            parts.append(f"line {self.line}")
        if self.record is not None:
            parts.append(f"record {self.record}")
        return ", ".join(parts)


@dataclass(slots=True)
class PersonRecord:
    """One person from the directory. ``person_id`` is the stable id (SCIM ``id`` or CSV ``person_id``)."""

    where: Where
    person_id: str
    name: str
    emails: tuple[str, ...] = ()
    user_name: str | None = None
    employee_number: str | None = None
    external_id: str | None = None
    department: str | None = None
    title: str | None = None
    location: str | None = None
    manager: PersonRef | None = None
    active: bool = True
    opted_out: bool = False
    # contact (SCIM phoneNumbers / ims / photos, CSV phone / chat / photo): shown as links by the app
    phones: tuple[str, ...] = ()
    ims: tuple[tuple[str, str], ...] = ()  # (type, handle), e.g. ("teams", "ada@example.org")
    photo: str | None = None


@dataclass(slots=True)
class CourseRecord:
    """A course in the catalogue."""

    where: Where
    course_id: str
    title: str
    description: str = ""
    code: str | None = None
    topics: tuple[str, ...] = ()
    url: str | None = None  # where the course lives (the catalogue's page); the app links it


@dataclass(slots=True)
class CompletionRecord:
    """A learner's result on a course (xAPI statement or CSV row).

    ``record_id`` is the xAPI statement id, or for CSV a hash of (person, course, status, at).
    ``course_title`` comes from the xAPI activity definition when there is no catalogue entry.
    """

    where: Where
    record_id: str
    person: PersonRef
    course_id: str
    status: str  # one of graph.schema.COMPLETION_STATUSES
    at: datetime
    score: float | None = None  # scaled 0..1 when known
    course_title: str | None = None
    course_description: str | None = None


@dataclass(slots=True)
class VoidRecord:
    """An xAPI ``voided`` statement: it retracts the statement ``target_id``."""

    where: Where
    record_id: str
    target_id: str


@dataclass(slots=True)
class CommunityRecord:
    """A community of practice."""

    where: Where
    community_id: str
    name: str
    description: str = ""
    topics: tuple[str, ...] = ()
    url: str | None = None  # the community's own page (site, channel); the app links it


@dataclass(slots=True)
class MembershipRecord:
    """A person's role in a community: member, leader, facilitator or sme."""

    where: Where
    person: PersonRef
    community_id: str
    community_name: str
    role: str  # one of graph.schema.ROLES
    since: date | None = None


@dataclass(slots=True)
class InteractionRecord:
    """One interaction (e-mail, chat, meeting) from a sender to a recipient."""

    where: Where
    sender: PersonRef
    recipient: PersonRef
    at: datetime | None = None
    weight: float = 1.0
    channel: str | None = None


@dataclass(slots=True)
class DocumentRecord:
    """A knowledge asset with its extracted text and metadata.

    ``doc_key`` is the stable identity (path relative to the ingested root, or a URL); ``content_hash``
    covers text and metadata so an edit of either replaces the document's chunks and contributions.
    ``allowed`` lists who may see a ``restricted`` document: person refs and/or ``group:<name>`` entries.
    ``date`` is the first day of the period the source gave and ``date_precision`` how much of it it gave:
    ``day`` (2019-05-14), ``month`` (2019-05) or ``year`` (2019, common in bibliographic data).
    """

    where: Where
    doc_key: str
    title: str
    text: str
    format: str  # markdown | text | html | pdf | docx
    content_hash: str
    authors: tuple[PersonRef, ...] = ()
    reviewers: tuple[PersonRef, ...] = ()
    community: str | None = None
    tags: tuple[str, ...] = ()
    visibility: str = "internal"  # one of graph.schema.VISIBILITIES
    allowed: tuple[str, ...] = ()
    date: date | None = None
    url: str | None = None
    extra: dict[str, str] = field(default_factory=dict)
    date_precision: str = "day"  # day | month | year


Record = (
    PersonRecord
    | CourseRecord
    | CompletionRecord
    | VoidRecord
    | CommunityRecord
    | MembershipRecord
    | InteractionRecord
    | DocumentRecord
)
