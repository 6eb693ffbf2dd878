"""A person's profile from the store: who they are, what they wrote and reviewed, the courses they completed,
their communities and roles, their topics with a confidence and the evidence behind each, and the people they
work with. Evidence is permission-trimmed for the viewer exactly as search trims it (``Viewer.can_see``): a
document the viewer may not read is not listed, not counted, adds no topic and no co-author (graph/access.py).

Topics and their confidence come from the one notion of "knows about" (:func:`search.expertise.person_topics`):
the calibrated expertise score of the person on each subject topic of their visible evidence, the same number
search, the risk page and spread use (docs/search.md, "Calibrated expertise"); strong and weak matches are
listed, with the why-line and the documents that passed.

Privacy of learning records: only the person themselves and administrators (``private=True``) see failed and
waived completions, scores and the exact status; everyone else sees completed courses only (``passed``,
``satisfied`` and ``completed`` all read "completed", with no score). Course completions do not count in the
calibrated topic score (it reads documents), so what a viewer may not see changes no topic.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from graph.schema import Label, RelType
from graph.store import GraphStore, StoredRel
from search.permissions import Viewer, person_visible
from search.ranking import DEFAULT_CONFIG
from whoknows.errors import NotFoundError
from whoknows.webapp.contact import Contact

#: completion statuses everyone may see, all shown as "completed"; the rest only to the person and admins
PUBLIC_COMPLETIONS = frozenset({"completed", "passed", "satisfied"})


@dataclass(frozen=True, slots=True)
class DocumentLine:
    node_id: str
    title: str
    relation: str  # first author | co-author | reviewed as SME
    date: str | None
    community: str | None
    url: str | None


@dataclass(frozen=True, slots=True)
class CourseLine:
    node_id: str
    title: str
    code: str | None
    status: str
    at: str | None
    score: float | None


@dataclass(frozen=True, slots=True)
class CommunityLine:
    node_id: str
    name: str
    roles: tuple[str, ...]
    since: str | None
    url: str | None = None  # the community's declared page (checked when drawn)


@dataclass(frozen=True, slots=True)
class TopicLine:
    node_id: str
    name: str
    confidence: float  # the calibrated expertise score (search/expertise.py), 0-1; show with format_score
    evidence: tuple[str, ...]  # the why-line, then the titles of the documents that passed
    match: str = "strong"  # strong | weak (none is not listed)
    asserted: str | None = None  # confirmed | added (self-asserted topics)


@dataclass(frozen=True, slots=True)
class Collaborator:
    node_id: str
    name: str
    department: str | None
    weight: float
    how: tuple[str, ...]  # "interacted (email, chat)", "co-authored 2 documents", "manager", "reports to them"


@dataclass(slots=True)
class Profile:
    node_id: str
    person_id: str
    name: str
    title: str | None
    department: str | None
    location: str | None
    emails: tuple[str, ...]
    visible: bool
    opted_out: bool
    active: bool
    manager: tuple[str, str] | None = None  # (node id, name)
    documents: list[DocumentLine] = field(default_factory=list)
    courses: list[CourseLine] = field(default_factory=list)
    communities: list[CommunityLine] = field(default_factory=list)
    topics: list[TopicLine] = field(default_factory=list)
    collaborators: list[Collaborator] = field(default_factory=list)
    contact: Contact = field(default_factory=Contact)
    photo: str | None = None

    @property
    def sme_of(self) -> list[CommunityLine]:
        return [c for c in self.communities if "sme" in c.roles]

    @property
    def leads(self) -> list[CommunityLine]:
        return [c for c in self.communities if {"leader", "facilitator"} & set(c.roles)]


def _relation(rel: StoredRel) -> tuple[str, float]:
    cfg = DEFAULT_CONFIG
    if rel.type == RelType.AUTHORED:
        return ("first author", cfg.w_first_author) if rel.props.get("position") == 0 else ("co-author", cfg.w_author)
    return "reviewed as SME", cfg.w_reviewer


def load_profile(
    store: GraphStore,
    node_id: str,
    viewer: Viewer,
    *,
    private: bool = False,
    max_collaborators: int = 12,
    embedder: Any = None,
) -> Profile:
    """Everything the profile page shows for ``node_id``, trimmed to what ``viewer`` may see.

    ``private``: the viewer is this person or an administrator, and sees every completion with its status and
    score; otherwise completed courses only (module docstring). People who opted out or left are returned with
    ``visible`` False and no evidence, except to themselves.
    """
    view = store.get_node(node_id)
    if view is None or view.node.label != Label.PERSON:
        raise NotFoundError(f"no person {node_id!r} in the store; pick someone from search or the directory")
    p = view.node.props
    prof = Profile(
        node_id=node_id,
        person_id=str(p.get("person_id") or node_id.removeprefix("person:")),
        name=str(p.get("name") or node_id),
        title=p.get("title"),
        department=p.get("department"),
        location=p.get("location"),
        emails=tuple(p.get("emails") or ()),
        visible=person_visible(p),
        opted_out=bool(p.get("opted_out")),
        active=p.get("active", True) is not False,
        contact=Contact.from_props(p),
        photo=p.get("photo") if isinstance(p.get("photo"), str) else None,
    )
    if not prof.visible and viewer.node_id != node_id:
        return prof
    linked = [r.end for r in view.outgoing] + [r.start for r in view.incoming]
    nodes = store.get_nodes(sorted(set(linked)))
    for rel in view.outgoing:
        other = nodes.get(rel.end)
        if other is None:
            continue
        op = other.props
        if rel.type in (RelType.AUTHORED, RelType.REVIEWED):
            if not viewer.can_see(op):
                continue  # not listed, not counted: even "n documents you may not see" says they exist
            relation, _ = _relation(rel)
            title = str(op.get("title") or other.id)
            prof.documents.append(
                DocumentLine(other.id, title, relation, op.get("date"), op.get("community"), op.get("url"))
            )
        elif rel.type == RelType.COMPLETED:
            status = str(rel.props.get("status") or "completed")
            score = rel.props.get("score")
            if not private:
                if status not in PUBLIC_COMPLETIONS:
                    continue
                status, score = "completed", None
            title = str(op.get("title") or other.id)
            prof.courses.append(CourseLine(other.id, title, op.get("code"), status, rel.props.get("at"), score))
        elif rel.type == RelType.REPORTS_TO:
            prof.manager = (other.id, str(op.get("name") or other.id))
    roles: dict[str, list[StoredRel]] = defaultdict(list)
    for rel in view.outgoing:
        if rel.type == RelType.MEMBER_OF and rel.end in nodes:
            roles[rel.end].append(rel)
    for cid, rels in roles.items():
        name = str(nodes[cid].props.get("name") or cid)
        rnames = tuple(sorted({str(r.props.get("role") or "member") for r in rels}, key=_role_rank))
        since = min((str(r.props["since"]) for r in rels if r.props.get("since")), default=None)
        prof.communities.append(CommunityLine(cid, name, rnames, since, nodes[cid].props.get("url")))
    prof.documents.sort(key=lambda d: (d.date or "", d.title), reverse=True)
    prof.courses.sort(key=lambda c: (c.at or "", c.title), reverse=True)
    prof.communities.sort(key=lambda c: (_role_rank(c.roles[0]), c.name))
    prof.topics = _topics(store, node_id, viewer, embedder)
    prof.collaborators = _collaborators(store, node_id, view.outgoing, view.incoming, nodes, viewer, max_collaborators)
    return prof


def _role_rank(role: str) -> int:
    order = ("leader", "facilitator", "sme", "member")
    return order.index(role) if role in order else len(order)


def _topics(store: GraphStore, node_id: str, viewer: Viewer, embedder: Any) -> list[TopicLine]:
    """The person's topics from the one notion of "knows about" (search/expertise.person_topics): the subject
    topics of their visible evidence, each scored by the calibrated function search uses, so the profile agrees
    with search, the risk page and spread. Document types (FAQ, checklist, ...) are never topics. Without an
    embedder the lexical calibration applies (pass the app's embedder: the pages use the model)."""
    from search.expertise import person_topics
    from whoknows.selfassert import assertions  # what they said about their own topics (confirm, hide, add)

    out = []
    for t in person_topics(store, node_id, embedder=embedder, viewer=viewer, assertions=assertions):
        titles = [f"'{e.title}'" for e in t.evidence if e.passes and e.kind == "document"]
        out.append(TopicLine(t.topic.node_id, t.topic.name, t.score, (t.why, *titles), t.match, t.asserted))
    return out


def _collaborators(
    store: GraphStore,
    me: str,
    outgoing: tuple[StoredRel, ...],
    incoming: tuple[StoredRel, ...],
    nodes: dict[str, Any],
    viewer: Viewer,
    limit: int,
) -> list[Collaborator]:
    weight: dict[str, float] = defaultdict(float)
    how: dict[str, list[str]] = defaultdict(list)
    for rel in (*outgoing, *incoming):
        mine = rel.start == me
        other = rel.end if mine else rel.start
        if rel.type == RelType.INTERACTED:
            weight[other] += float(rel.props.get("weight") or rel.props.get("count") or 1.0)
            channels = ", ".join(rel.props.get("channels") or ())
            how[other].append(f"interacted ({channels})" if channels else "interacted")
        elif rel.type == RelType.REPORTS_TO:
            weight[other] += 1.0
            how[other].append("their manager" if mine else "reports to them")
    # co-authors of documents the viewer may see
    docs = [
        r.end for r in outgoing if r.type == RelType.AUTHORED and r.end in nodes and viewer.can_see(nodes[r.end].props)
    ]
    shared: dict[str, int] = defaultdict(int)
    for did in docs:
        v = store.get_node(did)
        for r in v.incoming if v else ():
            if r.type == RelType.AUTHORED and r.start != me:
                shared[r.start] += 1
    for other, n in shared.items():
        weight[other] += n
        how[other].append(f"co-authored {n} document{'s' if n != 1 else ''}")
    people = store.get_nodes(sorted(weight))
    out = []
    for other, w in weight.items():
        node = people.get(other)
        if node is None or node.label != Label.PERSON or not person_visible(node.props):
            continue
        out.append(
            Collaborator(other, str(node.props.get("name") or other), node.props.get("department"), w,
                         tuple(dict.fromkeys(how[other])))
        )  # fmt: skip
    out.sort(key=lambda c: (-c.weight, c.name))
    return out[:limit]
