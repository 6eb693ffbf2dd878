"""Who may see which document, and who may appear in results at all.

Rules (docs/search.md, "Permissions"):
- ``public`` documents: everyone. ``internal``: every viewer, including an anonymous caller (``viewer=None``,
  e.g. the CLI without ``--viewer``), because WhoKnows runs inside the organisation.
- ``restricted``: only viewers named in ``allowed``, either as ``person:<id>`` or through a group
  ``group:<name>``. A viewer's groups are their department and every community of practice they belong to
  (any role); a group matches the department or community by name, community id or slug, case-insensitively.
  An anonymous caller sees no restricted document. An unknown visibility value is treated as restricted
  (fail closed).
- People with ``opted_out`` true or ``active`` false never appear in results (their documents stay searchable
  as knowledge assets, without their name attached through WhoKnows' ranking).

A document the viewer may not see is dropped before any scoring, so it neither shows in their evidence nor
changes their ranking (retrieval over-fetches so the visible result depth stays the same).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from graph.schema import Label, RelType
from graph.store import GraphStore
from ingest.refs import slug
from whoknows.errors import NotFoundError


def person_node_id(person: str) -> str:
    """Accept ``person:<id>`` or a bare ``<id>`` (what ``--viewer`` takes) and return the node id."""
    person = person.strip()
    return person if person.startswith("person:") else f"person:{person}"


def _group_keys(name: str) -> set[str]:
    name = name.strip()
    return {name.lower(), slug(name)} if name else set()


@dataclass(frozen=True, slots=True)
class Viewer:
    """The person a search runs for: their node id and the group names that grant them restricted documents."""

    node_id: str | None = None
    groups: frozenset[str] = field(default_factory=frozenset)

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
            elif person_node_id(entry) == self.node_id:
                return True
        return False


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
    return Viewer(nid, frozenset(groups))


def person_visible(props: Mapping[str, Any]) -> bool:
    """People who opted out or left (inactive) never appear in results."""
    return not props.get("opted_out") and props.get("active", True) is not False
