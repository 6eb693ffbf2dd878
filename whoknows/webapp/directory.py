"""The people directory as the app needs it: pick lists (departments, locations, titles), viewer lookup by
e-mail, and names for ids. Built once per store from ``iter_nodes("Person")`` and cached by the app."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from graph.schema import ROLES, Label
from graph.store import GraphStore, StoredNode
from search.permissions import person_visible
from whoknows.webapp.contact import Contact


@dataclass(frozen=True, slots=True)
class PersonRow:
    """One person as listed in pickers and tables."""

    node_id: str
    person_id: str
    name: str
    department: str | None
    location: str | None
    title: str | None
    emails: tuple[str, ...]
    visible: bool  # active and not opted out: may appear in results, maps and seed lists
    contact: Contact = field(default_factory=Contact)

    @property
    def label(self) -> str:
        extra = ", ".join(x for x in (self.title, self.department) if x)
        return f"{self.name} ({extra})" if extra else self.name


@dataclass(frozen=True, slots=True)
class Directory:
    """Everyone in the store, sorted by name, with the lookups pages need."""

    people: tuple[PersonRow, ...]
    by_id: dict[str, PersonRow] = field(default_factory=dict)
    by_email: dict[str, str] = field(default_factory=dict)

    def name(self, node_id: str) -> str:
        row = self.by_id.get(node_id)
        return row.name if row else node_id.removeprefix("person:")

    def departments(self) -> list[str]:
        return sorted({p.department for p in self.people if p.department})

    def locations(self) -> list[str]:
        return sorted({p.location for p in self.people if p.location})

    def role_options(self) -> list[str]:
        """Community roles first (member, leader, ...), then the most common job titles."""
        titles = Counter(p.title for p in self.people if p.title)
        return [*ROLES, *(t for t, _ in titles.most_common(40))]

    def person_for_email(self, email: str | None) -> PersonRow | None:
        if not email:
            return None
        nid = self.by_email.get(email.strip().lower())
        return self.by_id.get(nid) if nid else None

    def visible_people(self) -> list[PersonRow]:
        return [p for p in self.people if p.visible]


def _row(node: StoredNode) -> PersonRow:
    p = node.props
    emails = tuple(str(e) for e in (p.get("emails") or ()) if e)
    return PersonRow(
        node_id=node.id,
        person_id=str(p.get("person_id") or node.id.removeprefix("person:")),
        name=str(p.get("name") or node.id),
        department=p.get("department") or None,
        location=p.get("location") or None,
        title=p.get("title") or None,
        emails=emails,
        visible=person_visible(p),
        contact=Contact.from_props(p),
    )


def build_directory(nodes: Iterable[StoredNode]) -> Directory:
    rows = sorted((_row(n) for n in nodes if n.label == Label.PERSON), key=lambda r: (r.name.lower(), r.node_id))
    by_id = {r.node_id: r for r in rows}
    by_email: dict[str, str] = {}
    ambiguous: set[str] = set()
    for r in rows:
        for e in r.emails:
            key = e.strip().lower()
            if key in by_email and by_email[key] != r.node_id:
                ambiguous.add(key)  # an address shared by two people identifies nobody (as in ingest)
            by_email[key] = r.node_id
    for key in ambiguous:
        del by_email[key]
    return Directory(tuple(rows), by_id, by_email)


def load_directory(store: GraphStore) -> Directory:
    return build_directory(store.iter_nodes(Label.PERSON))
