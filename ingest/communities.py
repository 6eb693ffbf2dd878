"""Communities of practice readers: the communities CSV, the memberships CSV, and SCIM 2.0 Groups.

A SCIM Group is a community; its ``members`` are its members, and our extension
(``urn:whoknows:params:scim:schemas:extension:2.0:Group``) adds a description, topics, and the people who
lead, facilitate or are subject-matter experts, which an identity provider has no attribute for.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, BinaryIO

from ingest.detect import SCIM_GROUP_SCHEMA, SCIM_USER_SCHEMA
from ingest.guard import each_record
from ingest.jsonio import iter_json_items
from ingest.records import CommunityRecord, MembershipRecord, PersonRef, Where
from ingest.refs import parse_person_ref, slug
from ingest.report import Notice, Rejection
from ingest.textio import iter_csv_rows
from ingest.values import BadValue, DuplicateIds, memo, parse_date, reject, split_list

ROLES: tuple[str, ...] = ("member", "leader", "facilitator", "sme")
WHOKNOWS_GROUP_SCHEMA = "urn:whoknows:params:scim:schemas:extension:2.0:Group"
#: extension attribute -> role it gives
ROLE_LISTS: tuple[tuple[str, str], ...] = (("leaders", "leader"), ("facilitators", "facilitator"), ("smes", "sme"))

MEMBERSHIPS_CSV_REQUIRED = ("person", "community", "role")
MEMBERSHIPS_CSV_OPTIONAL = ("since", "community_id")
COMMUNITIES_CSV_REQUIRED = ("name",)
COMMUNITIES_CSV_OPTIONAL = ("community_id", "description", "topics", "url")
SCIM_CONTAINERS = ("Resources", "resources")


def read_memberships_csv(
    fp: BinaryIO, name: str, *, notices: list[Notice] | None = None, dups: DuplicateIds | None = None
) -> Iterator[MembershipRecord | Rejection]:
    """person, community, role required; since (ISO date) and community_id (default: slug of community).
    ``dups`` (optional): the caller's duplicate table, which it then reports (a reader of one part of a file)."""
    own_dups = dups is None
    dups = DuplicateIds() if dups is None else dups
    roles = ", ".join(ROLES)
    refs: dict[str, Any] = {}
    slugs: dict[str, Any] = {}
    dates: dict[str, Any] = {}

    def one(where: Where, row: dict[str, str]) -> MembershipRecord | Rejection | None:
        person = memo(refs, row["person"], parse_person_ref)
        if person is None:
            return Rejection(where, "person", "empty person", "a person reference (person_id, e-mail or kind:value)")
        community = row["community"]
        if not community:
            return Rejection(where, "community", "empty community", "the community's name")
        role = row["role"].lower()
        if role not in ROLES:
            return Rejection(where, "role", f"unknown role {row['role']!r}", f"one of {roles}")
        since = None
        if row.get("since"):
            try:
                since = memo(dates, row["since"], parse_date)
            except BadValue as exc:
                return reject(where, "since", exc)
        cid = row.get("community_id") or memo(slugs, community, slug)
        rec = MembershipRecord(where, person, cid, community, role, since)
        return dups.admit(f"{cid}|{person.kind}:{person.value}|{role}", rec, where, "membership")

    rows = iter_csv_rows(fp, name, required=MEMBERSHIPS_CSV_REQUIRED, optional=MEMBERSHIPS_CSV_OPTIONAL)
    records = each_record(rows, one)
    yield from records
    if own_dups:
        dups.note(notices, name, "membership")


def read_communities_csv(
    fp: BinaryIO, name: str, *, notices: list[Notice] | None = None
) -> Iterator[CommunityRecord | Rejection]:
    """name required; community_id (default: slug of name), description, topics (';') optional."""
    dups = DuplicateIds()

    def one(where: Where, row: dict[str, str]) -> CommunityRecord | Rejection | None:
        cname = row["name"]
        if not cname:
            return Rejection(where, "name", "empty name", "the community's name")
        cid = row.get("community_id") or slug(cname)
        rec = CommunityRecord(where, cid, cname, row.get("description") or "", split_list(row.get("topics") or ""),
                              row.get("url") or None)  # fmt: skip
        return dups.admit(cid, rec, where, "community_id")

    rows = iter_csv_rows(fp, name, required=COMMUNITIES_CSV_REQUIRED, optional=COMMUNITIES_CSV_OPTIONAL)
    records = each_record(rows, one)
    yield from records
    dups.note(notices, name, "community")


def _ids(value: Any) -> tuple[list[str], list[Any]]:
    """User ids from a list of strings or ``{"value": id}`` objects; the bad entries separately."""
    good: list[str] = []
    bad: list[Any] = []
    if value is None:
        return good, bad
    if not isinstance(value, list):
        return good, [value]
    for entry in value:
        ident = entry.get("value") if isinstance(entry, dict) else entry
        if isinstance(ident, str) and ident.strip():
            good.append(ident.strip())
        else:
            bad.append(entry)
    return good, bad


def scim_group(res: dict[str, Any], where: Where) -> list[CommunityRecord | MembershipRecord | Rejection]:
    """One SCIM Group: its CommunityRecord first, then one MembershipRecord per (member, role)."""
    schemas = res.get("schemas")
    if isinstance(schemas, list) and SCIM_USER_SCHEMA in schemas and SCIM_GROUP_SCHEMA not in schemas:
        return [Rejection(where, "schemas", "this resource is a SCIM User", f"a Group resource ({SCIM_GROUP_SCHEMA})")]
    gid = res.get("id")
    if not isinstance(gid, str) or not gid.strip():
        return [Rejection(where, "id", "missing or empty 'id'", "the SCIM Group id (a non-empty string)")]
    gid = gid.strip()
    where = Where(where.file, where.line, gid)
    gname = res.get("displayName")
    if not isinstance(gname, str) or not gname.strip():
        return [Rejection(where, "displayName", "missing or empty displayName", "the community's name")]
    gname = gname.strip()
    ext = res.get(WHOKNOWS_GROUP_SCHEMA)
    ext = ext if isinstance(ext, dict) else {}
    topics_raw = ext.get("topics")
    if isinstance(topics_raw, list):
        topics = tuple(dict.fromkeys(t.strip() for t in topics_raw if isinstance(t, str) and t.strip()))
    else:
        topics = split_list(topics_raw) if isinstance(topics_raw, str) else ()
    desc = ext.get("description")
    url = ext.get("url")
    out: list[CommunityRecord | MembershipRecord | Rejection] = [
        CommunityRecord(where, gid, gname, desc.strip() if isinstance(desc, str) else "", topics,
                        url.strip() or None if isinstance(url, str) else None)
    ]  # fmt: skip
    roles: dict[str, list[str]] = {}  # user id -> roles in order
    members = res.get("members")
    if members is not None and not isinstance(members, list):
        out.append(Rejection(where, "members", "members is not a list", "a list of {value: user id}"))
        members = []
    for i, member in enumerate(members or []):
        if isinstance(member, dict) and member.get("type") == "Group":
            out.append(
                Rejection(
                    where,
                    f"members[{i}]",
                    f"nested group {member.get('value')!r} is not expanded",
                    "User members (list the group's people directly)",
                )
            )
            continue
        ident = member.get("value") if isinstance(member, dict) else None
        if not isinstance(ident, str) or not ident.strip():
            out.append(Rejection(where, f"members[{i}].value", "missing member id", "the member's SCIM User id"))
            continue
        roles.setdefault(ident.strip(), [])
    for attr, role in ROLE_LISTS:
        good, bad = _ids(ext.get(attr))
        for entry in bad:
            out.append(
                Rejection(where, f"{WHOKNOWS_GROUP_SCHEMA}:{attr}", f"bad entry {entry!r}", "a list of user ids")
            )
        for ident in good:
            have = roles.setdefault(ident, [])
            if role not in have:
                have.append(role)
    for ident, have in roles.items():
        for role in have or ["member"]:
            out.append(MembershipRecord(where, PersonRef("id", ident), gid, gname, role))
    return out


def read_scim_groups(
    fp: BinaryIO, name: str, *, notices: list[Notice] | None = None
) -> Iterator[CommunityRecord | MembershipRecord | Rejection]:
    """SCIM 2.0 Groups (a JSON list, a ListResponse, one resource, or NDJSON) as communities and memberships.

    Members get role ``member`` unless the extension's ``leaders``/``facilitators``/``smes`` name them; those
    lists also add people missing from ``members``.
    """
    dups = DuplicateIds()

    def one(where: Where, res: dict[str, Any]) -> list[CommunityRecord | MembershipRecord | Rejection]:
        records = scim_group(res, where)
        head = records[0]
        if isinstance(head, CommunityRecord):
            # the whole group is the unit of duplication: the same id with other members is a conflict
            members = tuple((r.person, r.role) for r in records if isinstance(r, MembershipRecord))
            content = hash((head.community_id, head.name, head.description, head.topics, members))
            out = dups.admit(head.community_id, head, head.where, "group id", content=content)
            if out is None:
                return []
            if isinstance(out, Rejection):
                return [out]
        return records

    for item in each_record(iter_json_items(fp, name, containers=SCIM_CONTAINERS), one):
        if type(item) is Rejection:
            yield item
        else:
            yield from item  # type: ignore[misc]
    dups.note(notices, name, "group")
