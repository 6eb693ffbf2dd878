"""Identity resolution: every way a source names a person leads to one Person node.

Directories, LMSs and documents name people differently (SCIM id, e-mail, employee number, xAPI
``mbox_sha1sum`` or ``account``). The index maps each alias to the canonical node id ``person:{person_id}``.
It is rebuilt from the store at the start of a run and extended as people records are written, so a reference
made before the directory arrives is kept pending and attaches once the directory catches up.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from typing import Any

from graph.store import GraphStore
from ingest.records import PersonRecord, PersonRef


def person_node_id(person_id: str) -> str:
    return f"person:{person_id}"


def mbox_sha1(email: str) -> str:
    """xAPI ``mbox_sha1sum``: SHA-1 of the full ``mailto:`` IRI."""
    return hashlib.sha1(f"mailto:{email.lower()}".encode()).hexdigest()


def _aliases(
    person_id: str,
    emails: Iterable[str],
    user_name: str | None,
    employee_number: str | None,
    external_id: str | None,
) -> list[tuple[str, str]]:
    out = [("id", person_id)]
    for email in emails:
        out.append(("email", email.lower()))
        out.append(("mbox_sha1sum", mbox_sha1(email)))
    for kind, value in (("user_name", user_name), ("employee_number", employee_number), ("external_id", external_id)):
        if value:
            out.append((kind, value))
            out.append(("account_name", value))
    out.append(("account_name", person_id))
    return out


def aliases_of(node_id: str, props: Mapping[str, Any]) -> set[str]:
    """Every ``kind:value`` reference that names the person with these Person props (what a document's
    ``allowed`` may hold for someone who was not in the directory when it was ingested: ``ref:email:x@y``)."""
    pairs = _aliases(
        str(props.get("person_id") or node_id.removeprefix("person:")),
        props.get("emails") or [],
        props.get("user_name"),
        props.get("employee_number"),
        props.get("external_id"),
    )
    return {f"{kind}:{value}" for kind, value in pairs}


def ref_alias(ref: str) -> str:
    """The alias a stored ``kind:value`` reference is matched against (an xAPI account by its name, as
    :meth:`IdentityIndex.resolve` does; an e-mail lower-cased)."""
    kind, _, value = ref.partition(":")
    if kind == "account":
        return f"account_name:{value.rsplit('|', 1)[-1]}"
    return f"email:{value.lower()}" if kind == "email" else ref


class IdentityIndex:
    """Alias -> person node id. Ambiguous aliases (two people share an e-mail) resolve to nobody."""

    def __init__(self) -> None:
        self._map: dict[tuple[str, str], str] = {}
        self._ambiguous: set[tuple[str, str]] = set()

    @classmethod
    def from_store(cls, store: GraphStore) -> IdentityIndex:
        index = cls()
        for node in store.iter_nodes("Person"):
            p = node.props
            index._add(
                node.id,
                _aliases(
                    str(p.get("person_id", node.id.removeprefix("person:"))),
                    p.get("emails") or [],
                    p.get("user_name"),
                    p.get("employee_number"),
                    p.get("external_id"),
                ),
            )
        return index

    def add_record(self, record: PersonRecord) -> str:
        node_id = person_node_id(record.person_id)
        self._add(
            node_id,
            _aliases(record.person_id, record.emails, record.user_name, record.employee_number, record.external_id),
        )
        return node_id

    def _add(self, node_id: str, aliases: list[tuple[str, str]]) -> None:
        for alias in aliases:
            if alias in self._ambiguous:
                continue
            current = self._map.get(alias)
            if current is None:
                self._map[alias] = node_id
            elif current != node_id and alias[0] not in ("account_name",):
                # an id-like alias claimed by two people must not silently pick one of them
                del self._map[alias]
                self._ambiguous.add(alias)

    def resolve(self, ref: PersonRef) -> str | None:
        """The person node id ``ref`` names, or None if it names nobody (yet) or is ambiguous."""
        kind, value = ref.kind, ref.value
        if kind == "email":
            return self._map.get(("email", value.lower()))
        if kind == "account":
            # xAPI account: "<homePage>|<name>"; LMS account names are usually the user name or employee number
            name = value.rsplit("|", 1)[-1]
            return self._map.get(("account_name", name))
        return self._map.get((kind, value))

    def __len__(self) -> int:
        return len({v for v in self._map.values()})
