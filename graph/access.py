"""Who may read which document, and the viewer-aware reads that everything derived from documents goes through.

The rule (docs/search.md, "Permissions"):

- ``public`` documents: everyone. ``internal``: every viewer, including an anonymous caller (``viewer=None``,
  e.g. the CLI without ``--viewer``), because WhoKnows runs inside the organisation.
- ``restricted``: only viewers named in ``allowed``, either as ``person:<id>`` or through a group
  ``group:<name>``. A viewer's groups are their department and every community of practice they belong to
  (any role); a group matches the department or community by name, community id or slug, case-insensitively.
  An anonymous caller sees no restricted document. An unknown visibility value is treated as restricted
  (fail closed).
- People with ``opted_out`` true or ``active`` false never appear in results (their documents stay searchable
  as knowledge assets, without their name attached through WhoKnows' ranking).

Everything derived from a document follows the document (docs/analytics.md, "Permissions"): its title, its
tags (the Topic nodes it is ABOUT), the co-author ties it makes between its people, and every count it adds to
(documents per community, a topic's experts, a person's documents). A viewer who may not read the document
learns none of it, not even that it exists. :func:`document_access` reads once which documents a viewer may
read; the store readers of the analytics (``project_store``, ``topic_expertise_from_store``,
``community_health_from_store``, ``topic_affinity_from_store``) take a ``viewer`` and keep only that.

Results computed once and shown to every viewer (the network map, the networker report, the risk page, the CLI's
``risk``/``networkers``/``spread``) use the **common view**, ``viewer=None``: the documents every viewer may read
(public and internal). A viewer who may read a restricted document then sees a network without that
document's ties: understated for them, never leaked to anyone else.

This module sits in ``graph/`` (not ``search/``) so that graph analytics and search apply one rule;
``search.permissions`` re-exports it.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from graph.schema import Label, RelType
from graph.store import GraphStore, StoredRel
from ingest.refs import slug
from whoknows.errors import NotFoundError

#: Document node ids start with this (ingest/mapping.document_id). An id with this prefix that was not read as
#: a readable document counts as unreadable (a document written after :func:`document_access` read the store).
DOCUMENT_ID_PREFIX = "doc:"


def person_node_id(person: str) -> str:
    """Accept ``person:<id>`` or a bare ``<id>`` (what ``--viewer`` takes) and return the node id."""
    person = person.strip()
    return person if person.startswith("person:") else f"person:{person}"


def _group_keys(name: str) -> set[str]:
    name = name.strip()
    return {name.lower(), slug(name)} if name else set()


class _AliasOwners:
    """How many people of the store each alias names, counted once (on the first ``ref:`` entry that a viewer's
    alias matches): an alias two people share names nobody, as in ingest's identity index."""

    def __init__(self, store: Any) -> None:
        self._store = store
        self._counts: Counter[str] | None = None

    def unique(self, alias: str) -> bool:
        if self._counts is None:
            from ingest.identity import aliases_of

            counts: Counter[str] = Counter()
            for node in self._store.iter_nodes(Label.PERSON.value):
                counts.update(aliases_of(node.id, node.props))
            self._counts = counts
        return self._counts[alias] == 1


@dataclass(frozen=True, slots=True)
class Viewer:
    """The person a search or a page runs for: their node id, the group names that grant them restricted
    documents, and the references that name them (``aliases``: ``email:x@y``, ``employee_number:42``...), which
    match an ``allowed`` entry written before they were in the directory (``ref:email:x@y``)."""

    node_id: str | None = None
    groups: frozenset[str] = field(default_factory=frozenset)
    aliases: frozenset[str] = field(default_factory=frozenset)
    owners: _AliasOwners | None = field(default=None, compare=False, hash=False, repr=False)

    @property
    def anonymous(self) -> bool:
        return self.node_id is None

    def can_see(self, doc_props: Mapping[str, Any]) -> bool:
        visibility = str(doc_props.get("visibility") or "internal").lower()
        if visibility in ("public", "internal"):
            return True
        if self.node_id is None:
            return False
        for entry in doc_props.get("allowed") or ():
            entry = str(entry)
            if entry.startswith("group:"):
                if _group_keys(entry[6:]) & self.groups:
                    return True
            elif entry.startswith("ref:"):  # named before they arrived: resolved now, against today's directory
                if self._named_by(entry[4:]):
                    return True
            elif person_node_id(entry) == self.node_id:
                return True
        return False

    def _named_by(self, ref: str) -> bool:
        from ingest.identity import ref_alias

        alias = ref_alias(ref)
        return alias in self.aliases and (self.owners is None or self.owners.unique(alias))


#: The anonymous caller, and the common view shared analytics are computed for.
ANONYMOUS = Viewer()


def load_viewer(store: GraphStore, viewer: str | Viewer | None) -> Viewer:
    """Build a :class:`Viewer` from a person id: their department and community memberships are their groups."""
    if viewer is None:
        return ANONYMOUS
    if isinstance(viewer, Viewer):
        return viewer
    nid = person_node_id(viewer)
    view = store.get_node(nid)
    if view is None or view.node.label != Label.PERSON:
        raise NotFoundError(f"viewer {viewer!r} is not a person in the store; give a person_id from the directory")
    groups: set[str] = set()
    dept = view.node.props.get("department")
    if dept:
        groups |= _group_keys(str(dept))
    community_ids = [r.end for r in view.outgoing if r.type in (RelType.MEMBER_OF, RelType.IN_DEPARTMENT)]
    for node in store.get_nodes(community_ids).values():
        for key in ("name", "community_id"):
            if node.props.get(key):
                groups |= _group_keys(str(node.props[key]))
        groups.add(node.id.split(":", 1)[1].lower())
    from ingest.identity import aliases_of

    return Viewer(nid, frozenset(groups), frozenset(aliases_of(nid, view.node.props)), _AliasOwners(store))


def person_visible(props: Mapping[str, Any]) -> bool:
    """People who opted out or left (inactive) never appear in results."""
    return not props.get("opted_out") and props.get("active", True) is not False


# -- what one viewer may read --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DocumentAccess:
    """The store's documents split by one viewer's right to read them (a snapshot taken by
    :func:`document_access`).

    ``withheld`` exists so that callers can drop what derives from those documents; it must never be shown,
    counted or named to the viewer.
    """

    viewer: Viewer
    readable: frozenset[str]
    withheld: frozenset[str]

    def may_read(self, doc_id: str) -> bool:
        """Whether the viewer may read document ``doc_id``. An id not read as a document is unreadable (fail
        closed): use it where the id is known to be a document (the end of AUTHORED/REVIEWED, a chunk's
        ``doc_id``, the start of IN_COMMUNITY)."""
        return doc_id in self.readable

    def passes(self, node_id: str) -> bool:
        """For an id that may or may not be a document (the start of ABOUT: Document, Course or Community): False
        for a document the viewer may not read, True for anything that is not a document."""
        if node_id in self.readable:
            return True
        return node_id not in self.withheld and not node_id.startswith(DOCUMENT_ID_PREFIX)


def document_access(store: Any, viewer: str | Viewer | None = None) -> DocumentAccess:
    """Which documents ``viewer`` may read (``None``: the common view, public and internal documents only).

    One pass over the Document nodes; ``viewer`` may be a person id, ``person:<id>`` or a :class:`Viewer`.
    """
    who = load_viewer(store, viewer)
    readable: set[str] = set()
    withheld: set[str] = set()
    for node in store.iter_nodes(Label.DOCUMENT.value):
        (readable if who.can_see(node.props) else withheld).add(node.id)
    return DocumentAccess(who, frozenset(readable), frozenset(withheld))


def readable_document_rels(store: Any, access: DocumentAccess, rel_types: Iterable[str]) -> Iterator[StoredRel]:
    """Relationships of ``rel_types`` that end at a document the viewer may read (AUTHORED, REVIEWED: who wrote
    or reviewed what), in the store's order per type."""
    for rel_type in rel_types:
        for r in store.iter_rels(str(rel_type)):
            if access.may_read(r.end):
                yield r


def topics_in_view(store: Any, access: DocumentAccess) -> tuple[dict[str, str], dict[str, list[str]]]:
    """The topics the viewer may know of, and what is about each.

    Returns ``(names, about)``: ``names`` maps topic node id -> name for every topic with at least one source
    the viewer may see (a readable document, a course or a community): a tag used only on documents the viewer
    may not read is not a topic for them. ``about`` maps a source node id -> its topic ids (ABOUT relationships
    from sources that pass).
    """
    all_names = {n.id: str(n.props.get("name", n.id)) for n in store.iter_nodes(Label.TOPIC.value)}
    about: dict[str, list[str]] = defaultdict(list)
    seen: set[str] = set()
    for r in store.iter_rels(RelType.ABOUT.value):
        if r.end in all_names and access.passes(r.start):
            about[r.start].append(r.end)
            seen.add(r.end)
    return {t: all_names[t] for t in all_names if t in seen}, dict(about)


__all__ = [
    "ANONYMOUS",
    "DOCUMENT_ID_PREFIX",
    "DocumentAccess",
    "Viewer",
    "document_access",
    "load_viewer",
    "person_node_id",
    "person_visible",
    "readable_document_rels",
    "topics_in_view",
]
