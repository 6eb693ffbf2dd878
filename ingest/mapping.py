"""Records -> graph facts: the one place that decides node ids, labels and properties.

Ids are deterministic (the source's own ids, or a hash of a document's path), so re-running an ingest writes
the same facts again and nothing duplicates. A person reference that does not resolve yet becomes a
:class:`graph.store.PendingRel` instead of being dropped.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from graph.schema import Label, RelType
from graph.store import Facts, Node, PendingRel, Rel
from ingest.chunking import Chunk
from ingest.identity import IdentityIndex, person_node_id
from ingest.records import (
    CommunityRecord,
    CompletionRecord,
    CourseRecord,
    DocumentRecord,
    MembershipRecord,
    PersonRecord,
    PersonRef,
)
from ingest.refs import slug

UNRESOLVED_PREFIX = "?"


def unresolved_end(ref: PersonRef) -> str:
    """The placeholder end of a pending relationship: ``?email:ada@x.org``; resolution replaces it."""
    return f"{UNRESOLVED_PREFIX}{ref}"


def _short_hash(text: str, n: int = 16) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:n]


def _id_fragment(value: str) -> str:
    """A readable id fragment for short ids, a hash for long ones (IRIs, paths)."""
    s = slug(value)
    return s if len(s) <= 48 else f"{s[:24]}-{_short_hash(value, 12)}"


@functools.cache
def department_id(name: str) -> str:
    return f"dept:{slug(name)}"


@functools.cache
def course_id(course: str) -> str:
    return f"course:{_id_fragment(course)}"


@functools.cache
def community_node_id(community_id: str) -> str:
    return f"community:{_id_fragment(community_id)}"


@functools.cache
def topic_id(name: str) -> str:
    return f"topic:{slug(name)}"


@functools.cache
def document_id(doc_key: str) -> str:
    return f"doc:{_short_hash(doc_key)}"


_DATE_CHARS = {"year": 4, "month": 7, "day": 10}


def chunk_id(doc_node_id: str, n: int) -> str:
    return f"chunk:{doc_node_id.removeprefix('doc:')}:{n}"


@dataclass(slots=True)
class Mapped:
    """What one record contributes. ``shared`` holds the nodes many records of a feed assert alike (the Course
    a completion points at, the Community of a membership, a person's Department): the pipeline gives them one
    provenance source per feed and node instead of one per record (see ingest.pipeline, "shared nodes")."""

    facts: Facts
    pending: list[PendingRel] = field(default_factory=list)
    unresolved: list[PersonRef] = field(default_factory=list)
    shared: list[Node] = field(default_factory=list)
    #: people a restricted document's ``allowed`` names who are not in the directory yet (stored as ``ref:...``
    #: and matched when read, so they can read it from the day they arrive: graph.access.Viewer)
    unresolved_access: list[PersonRef] = field(default_factory=list)


@dataclass(slots=True)
class Mapper:
    """Maps records to facts using what the run knows: who is who, which communities exist by name."""

    identity: IdentityIndex
    community_by_name: dict[str, str] = field(default_factory=dict)
    course_titles: set[str] = field(default_factory=set)  # course node ids that already have a title

    # -- helpers -------------------------------------------------------------------------------------
    def _person_rel(
        self, source: str, ref: PersonRef, rel_type: str, other: str, props: dict, *, key: str = ""
    ) -> tuple[Rel | None, PendingRel | None]:
        """A (person)-[rel]->(other) relationship, or a pending one if the person does not resolve yet."""
        pid = self.identity.resolve(ref)
        rel = Rel(rel_type, pid or unresolved_end(ref), other, props, key)
        if pid is not None:
            return rel, None
        return None, PendingRel(source, "start", str(ref), rel)

    def _topics(self, owner: str, names: Sequence[str]) -> tuple[list[Node], list[Rel]]:
        nodes, rels = [], []
        for name in dict.fromkeys(n.strip() for n in names if n and n.strip()):
            tid = topic_id(name)
            nodes.append(Node(tid, Label.TOPIC, {"name": name}))
            rels.append(Rel(RelType.ABOUT, owner, tid))
        return nodes, rels

    def community_for(self, name_or_id: str) -> str:
        known = self.community_by_name.get(name_or_id.strip().lower())
        return known or community_node_id(slug(name_or_id))

    # -- records -------------------------------------------------------------------------------------
    def person(self, rec: PersonRecord, source: str) -> Mapped:
        pid = person_node_id(rec.person_id)
        props: dict[str, Any] = {
            "person_id": rec.person_id,
            "name": rec.name,
            "emails": list(rec.emails),
            "user_name": rec.user_name,
            "employee_number": rec.employee_number,
            "external_id": rec.external_id,
            "department": rec.department,
            "title": rec.title,
            "location": rec.location,
            "active": rec.active,
            "opted_out": rec.opted_out,
        }
        # contact fields only when declared: a directory without them writes the same props as before
        if rec.phones:
            props["phones"] = list(rec.phones)
        if rec.ims:
            props["ims"] = [list(pair) for pair in rec.ims]
        if rec.photo:
            props["photo"] = rec.photo
        nodes = [Node(pid, Label.PERSON, props)]
        rels: list[Rel] = []
        pending: list[PendingRel] = []
        unresolved: list[PersonRef] = []
        shared: list[Node] = []
        if rec.department:
            did = department_id(rec.department)
            shared.append(Node(did, Label.DEPARTMENT, {"name": rec.department}))
            rels.append(Rel(RelType.IN_DEPARTMENT, pid, did))
        if rec.manager is not None:
            mid = self.identity.resolve(rec.manager)
            rel = Rel(RelType.REPORTS_TO, pid, mid or unresolved_end(rec.manager))
            if mid is not None and mid != pid:
                rels.append(rel)
            elif mid is None:
                pending.append(PendingRel(source, "end", str(rec.manager), rel))
                unresolved.append(rec.manager)
        return Mapped(Facts(source, nodes, rels), pending, unresolved, shared)

    def course(self, rec: CourseRecord, source: str) -> Mapped:
        cid = course_id(rec.course_id)
        text = f"{rec.title}. {rec.description}".strip() if rec.description else rec.title
        props = {
            "course_id": rec.course_id,
            "title": rec.title,
            "code": rec.code,
            "description": rec.description,
            "text": text,
        }
        if rec.url:  # only when declared: a catalogue without urls writes the same props as before
            props["url"] = rec.url
        self.course_titles.add(cid)
        tnodes, trels = self._topics(cid, rec.topics)
        return Mapped(Facts(source, [Node(cid, Label.COURSE, props), *tnodes], trels))

    def completion(self, rec: CompletionRecord, source: str) -> Mapped:
        cid = course_id(rec.course_id)
        props: dict = {"course_id": rec.course_id}
        if cid not in self.course_titles and rec.course_title:
            # no catalogue entry: the statement's activity definition is the best title we have
            props["title"] = rec.course_title
            props["text"] = (
                f"{rec.course_title}. {rec.course_description}" if rec.course_description else rec.course_title
            )
            if rec.course_description:
                props["description"] = rec.course_description
        rel_props: dict = {"at": rec.at.isoformat(), "status": rec.status, "record_id": rec.record_id}
        if rec.score is not None:
            # no "score": None: a completion's relationship is keyed by its record, so no other source can hold a
            # score a None would have to delete, and a None-free row takes the store's one-statement upsert
            rel_props["score"] = rec.score
        rel, pend = self._person_rel(source, rec.person, RelType.COMPLETED, cid, rel_props, key=rec.record_id)
        return Mapped(
            Facts(source, (), [rel] if rel else []),
            [pend] if pend else [],
            [rec.person] if pend else [],
            [Node(cid, Label.COURSE, props)],
        )

    def community(self, rec: CommunityRecord, source: str) -> Mapped:
        cid = community_node_id(rec.community_id)
        self.community_by_name[rec.name.strip().lower()] = cid
        self.community_by_name[rec.community_id.strip().lower()] = cid
        text = f"{rec.name}. {rec.description}".strip() if rec.description else rec.name
        props = {"community_id": rec.community_id, "name": rec.name, "description": rec.description, "text": text}
        if rec.url:
            props["url"] = rec.url
        tnodes, trels = self._topics(cid, rec.topics)
        return Mapped(Facts(source, [Node(cid, Label.COMMUNITY, props), *tnodes], trels))

    def _membership_community(self, rec: MembershipRecord) -> tuple[str, bool]:
        """The community node a membership points at, and whether it was known by id or name already."""
        known = self.community_by_name.get(rec.community_id.strip().lower()) or self.community_by_name.get(
            rec.community_name.strip().lower()
        )
        return (known, True) if known else (community_node_id(rec.community_id), False)

    def membership(self, rec: MembershipRecord, source: str) -> Mapped:
        cid, known = self._membership_community(rec)
        if not known:
            self.community_by_name[rec.community_name.strip().lower()] = cid
        node = Node(cid, Label.COMMUNITY, {"community_id": rec.community_id, "name": rec.community_name})
        rel_props = {"role": rec.role, "since": rec.since.isoformat() if rec.since else None}
        rel, pend = self._person_rel(source, rec.person, RelType.MEMBER_OF, cid, rel_props, key=rec.role)
        return Mapped(
            Facts(source, (), [rel] if rel else []),
            [pend] if pend else [],
            [rec.person] if pend else [],
            [node],
        )

    def shared_ids(self, rec: object) -> tuple[str, ...]:
        """The ids of the nodes mapping ``rec`` would return as ``shared``, without mapping it.

        Why: a re-run skips unchanged records before mapping them, but must still know which shared nodes the
        file refers to, or their per-feed sources would look unused and be swept (a test keeps this in step
        with the mapping methods)."""
        match rec:
            case CompletionRecord():
                return (course_id(rec.course_id),)
            case MembershipRecord():
                return (self._membership_community(rec)[0],)
            case PersonRecord() if rec.department:
                return (department_id(rec.department),)
        return ()

    def document(self, rec: DocumentRecord, source: str, chunks: Sequence[Chunk]) -> Mapped:
        did = document_id(rec.doc_key)
        allowed = []
        waiting: list[PersonRef] = []
        for entry in rec.allowed:
            if entry.startswith("group:"):
                allowed.append(entry)
            else:
                from ingest.refs import parse_person_ref

                ref = parse_person_ref(entry)
                pid = self.identity.resolve(ref) if ref else None
                if pid is None and ref is not None:
                    waiting.append(ref)
                allowed.append(pid or f"ref:{ref}")
        props = {
            "key": rec.doc_key,
            "title": rec.title,
            "format": rec.format,
            "visibility": rec.visibility,
            "allowed": allowed,
            # as precise as the source: "2019", "2019-05" or "2019-05-14" (ISO 8601 reduced precision)
            "date": rec.date.isoformat()[: _DATE_CHARS[rec.date_precision]] if rec.date else None,
            "date_precision": rec.date_precision if rec.date else None,
            "url": rec.url,
            "tags": list(rec.tags),
            "community": rec.community,
            "content_hash": rec.content_hash,
            "n_chunks": len(chunks),
        }
        nodes = [Node(did, Label.DOCUMENT, props)]
        rels: list[Rel] = []
        pending: list[PendingRel] = []
        unresolved: list[PersonRef] = []
        for chunk in chunks:
            cid = chunk_id(did, chunk.n)
            nodes.append(
                Node(cid, Label.CHUNK, {"n": chunk.n, "text": chunk.text, "heading": chunk.heading, "doc_id": did})
            )
            rels.append(Rel(RelType.HAS_CHUNK, did, cid, {"n": chunk.n}))
        for position, ref in enumerate(rec.authors):
            rel, pend = self._person_rel(source, ref, RelType.AUTHORED, did, {"position": position})
            rels.extend([rel] if rel else [])
            if pend:
                pending.append(pend)
                unresolved.append(ref)
        for ref in rec.reviewers:
            rel, pend = self._person_rel(source, ref, RelType.REVIEWED, did, {"as": "SME"})
            rels.extend([rel] if rel else [])
            if pend:
                pending.append(pend)
                unresolved.append(ref)
        if rec.community:
            cid = self.community_for(rec.community)
            nodes.append(Node(cid, Label.COMMUNITY, {"name": rec.community}))
            rels.append(Rel(RelType.IN_COMMUNITY, did, cid))
        tnodes, trels = self._topics(did, rec.tags)
        nodes.extend(tnodes)
        rels.extend(trels)
        return Mapped(Facts(source, nodes, rels), pending, unresolved, unresolved_access=waiting)
