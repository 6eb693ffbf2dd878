"""People directory readers: SCIM 2.0 User resources (RFC 7643) and the documented people CSV.

Both yield :class:`~ingest.records.PersonRecord` with references left unresolved (a manager is a
:class:`~ingest.records.PersonRef`); identity resolution is the pipeline's job. ``active=false`` is kept
(deactivated people still authored documents); opting out is carried through so every view can honour it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, BinaryIO

from ingest.detect import SCIM_GROUP_SCHEMA, SCIM_LIST_RESPONSE, SCIM_USER_SCHEMA
from ingest.guard import each_record
from ingest.jsonio import iter_json_items
from ingest.records import PersonRecord, PersonRef, Where
from ingest.refs import parse_person_ref
from ingest.report import Notice, Rejection
from ingest.textio import iter_csv_rows
from ingest.values import BadValue, DuplicateIds, parse_bool, reject, split_list

__all__ = [
    "ENTERPRISE_USER_SCHEMA",
    "PEOPLE_CSV_OPTIONAL",
    "PEOPLE_CSV_REQUIRED",
    "SCIM_GROUP_SCHEMA",
    "SCIM_LIST_RESPONSE",
    "SCIM_USER_SCHEMA",
    "WHOKNOWS_USER_SCHEMA",
    "read_people_csv",
    "read_scim_users",
]

ENTERPRISE_USER_SCHEMA = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
WHOKNOWS_USER_SCHEMA = "urn:whoknows:params:scim:schemas:extension:2.0:User"
SCIM_CONTAINERS = ("Resources", "resources")

PEOPLE_CSV_REQUIRED = ("person_id",)
PEOPLE_CSV_OPTIONAL = (
    "name",
    "email",
    "user_name",
    "employee_number",
    "external_id",
    "department",
    "title",
    "location",
    "manager",
    "active",
    "opted_out",
    "phone",
    "chat",
    "photo",
)


def _str(value: Any) -> str | None:
    """A SCIM string attribute: trimmed, None when absent or empty; numbers (some exports) as text."""
    if type(value) is str:
        return value.strip() or None
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return str(value)
    return None


def _name(res: dict[str, Any]) -> str | None:
    name = _str(res.get("displayName"))
    if name:
        return name
    parts = res.get("name")
    if isinstance(parts, dict):
        formatted = _str(parts.get("formatted"))
        if formatted:
            return formatted
        given = " ".join(p for p in (_str(parts.get("givenName")), _str(parts.get("familyName"))) if p)
        if given:
            return given
    return None


def _emails(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    primary: list[str] = []
    other: list[str] = []
    for entry in value:
        if isinstance(entry, str):
            address = entry
            is_primary = False
        elif isinstance(entry, dict):
            raw_address = entry.get("value")
            address = raw_address if isinstance(raw_address, str) else ""
            is_primary = entry.get("primary") is True
        else:
            continue
        address = address.strip().lower()
        if address:
            (primary if is_primary else other).append(address)
    return tuple(dict.fromkeys(primary + other))


def _multi(value: Any, *, lower: bool = False) -> tuple[tuple[str, str], ...]:
    """A SCIM multi-valued attribute (``phoneNumbers``, ``ims``, ``photos``) as (type, value) pairs, the
    ``primary`` entry first; plain strings accepted. Contact fields: the app links them (docs/app.md)."""
    if not isinstance(value, list):
        return ()
    primary: list[tuple[str, str]] = []
    other: list[tuple[str, str]] = []
    for entry in value:
        if isinstance(entry, str):
            kind, text, is_primary = "", entry, False
        elif isinstance(entry, dict):
            kind = (_str(entry.get("type")) or "").lower()
            text = _str(entry.get("value")) or ""
            is_primary = entry.get("primary") is True
        else:
            continue
        text = text.strip().lower() if lower else text.strip()
        if text:
            (primary if is_primary else other).append((kind, text))
    return tuple(dict.fromkeys(primary + other))


def _photo(value: Any) -> str | None:
    """The person's picture URL: a ``photo`` entry before a ``thumbnail``, the primary one first."""
    pairs = _multi(value)
    return next((v for k, v in pairs if k != "thumbnail"), None) or next((v for _, v in pairs), None)


def _chat(cell: str) -> tuple[tuple[str, str], ...]:
    """The people CSV's ``chat`` cell: ``;``-separated handles, each optionally ``type:handle``
    (``teams:ada@example.org; slack:U0123``)."""
    out = []
    for part in split_list(cell):
        kind, sep, handle = part.partition(":")
        out.append((kind.strip().lower(), handle.strip()) if sep and handle.strip() else ("", part))
    return tuple(out)


def _locality(value: Any) -> str | None:
    if not isinstance(value, list):
        return None
    addresses = [a for a in value if isinstance(a, dict)]
    addresses.sort(key=lambda a: a.get("primary") is not True)
    for address in addresses:
        loc = _str(address.get("locality"))
        if loc:
            return loc
    return None


def _manager(value: Any) -> PersonRef | None:
    if isinstance(value, dict):
        ident = _str(value.get("value"))
        return PersonRef("id", ident) if ident else None
    ident = _str(value)
    return PersonRef("id", ident) if ident else None


def scim_user(res: dict[str, Any], where: Where) -> PersonRecord | Rejection:
    """One SCIM User resource as a PersonRecord, or the rejection saying which attribute was wrong."""
    schemas = res.get("schemas")
    if isinstance(schemas, list) and SCIM_GROUP_SCHEMA in schemas and SCIM_USER_SCHEMA not in schemas:
        return Rejection(where, "schemas", "this resource is a SCIM Group", f"a User resource ({SCIM_USER_SCHEMA})")
    pid = _str(res.get("id"))
    if not pid:
        return Rejection(where, "id", "missing or empty 'id'", "the SCIM resource id (a non-empty string)")
    where = Where(where.file, where.line, pid)
    name = _name(res)
    if not name:
        return Rejection(
            where,
            "displayName",
            "no name: displayName, name.formatted and name.givenName/familyName are all missing",
            "displayName, name.formatted, or name.givenName and name.familyName",
        )
    try:
        active = parse_bool(res.get("active"), True)
    except BadValue as exc:
        return reject(where, "active", exc)
    enterprise = res.get(ENTERPRISE_USER_SCHEMA)
    enterprise = enterprise if isinstance(enterprise, dict) else {}
    ours = res.get(WHOKNOWS_USER_SCHEMA)
    ours = ours if isinstance(ours, dict) else {}
    try:
        opted_out = parse_bool(ours.get("optOut"), False)
    except BadValue as exc:
        return reject(where, f"{WHOKNOWS_USER_SCHEMA}:optOut", exc)
    return PersonRecord(
        where=where,
        person_id=pid,
        name=name,
        emails=_emails(res.get("emails")),
        user_name=_str(res.get("userName")),
        employee_number=_str(enterprise.get("employeeNumber")),
        external_id=_str(res.get("externalId")),
        department=_str(enterprise.get("department")),
        title=_str(res.get("title")),
        location=_str(ours.get("location")) or _locality(res.get("addresses")),
        manager=_manager(enterprise.get("manager")),
        active=active,
        opted_out=opted_out,
        phones=tuple(v for _, v in _multi(res.get("phoneNumbers"))),
        ims=_multi(res.get("ims")),
        photo=_photo(res.get("photos")),
    )


def read_scim_users(
    fp: BinaryIO, name: str, *, notices: list[Notice] | None = None
) -> Iterator[PersonRecord | Rejection]:
    """SCIM 2.0 Users: a JSON list, a ListResponse, one resource, or NDJSON (one resource or page per line).

    ``notices`` (optional) receives a note about skipped identical duplicates.
    """
    dups = DuplicateIds()

    def one(where: Where, res: dict[str, Any]) -> PersonRecord | Rejection | None:
        rec = scim_user(res, where)
        return rec if isinstance(rec, Rejection) else dups.admit(rec.person_id, rec, rec.where, "id")

    records = each_record(iter_json_items(fp, name, containers=SCIM_CONTAINERS), one)
    yield from records
    dups.note(notices, name, "user")


def person_row(where: Where, row: dict[str, str]) -> PersonRecord | Rejection:
    """One people-CSV row as a PersonRecord, or the rejection naming the column."""
    pid = row["person_id"]
    if not pid:
        return Rejection(where, "person_id", "empty person_id", "a stable, non-empty person id")
    get = row.get
    emails = tuple(e.lower() for e in split_list(get("email") or ""))
    # no name (a directory export without the column, or an empty cell): shown by what identifies them
    name = get("name") or (emails[0] if emails else pid)
    try:
        active = parse_bool(get("active"), True)
    except BadValue as exc:
        return reject(where, "active", exc)
    try:
        opted_out = parse_bool(get("opted_out"), False)
    except BadValue as exc:
        return reject(where, "opted_out", exc)
    manager_cell = get("manager")
    return PersonRecord(
        where=where,
        person_id=pid,
        name=name,
        emails=emails,
        user_name=get("user_name") or None,
        employee_number=get("employee_number") or None,
        external_id=get("external_id") or None,
        department=get("department") or None,
        title=get("title") or None,
        location=get("location") or None,
        manager=parse_person_ref(manager_cell) if manager_cell else None,
        active=active,
        opted_out=opted_out,
        phones=split_list(get("phone") or ""),
        ims=_chat(get("chat") or ""),
        photo=get("photo") or None,
    )


def read_people_csv(
    fp: BinaryIO, name: str, *, notices: list[Notice] | None = None
) -> Iterator[PersonRecord | Rejection]:
    """The people CSV/TSV contract (docs/formats-structured.md): person_id required; a person without a name
    is shown by their e-mail or id (counted in one notice)."""
    dups = DuplicateIds()
    unnamed = 0

    def one(where: Where, row: dict[str, str]) -> PersonRecord | Rejection | None:
        nonlocal unnamed
        rec = person_row(where, row)
        if isinstance(rec, Rejection):
            return rec
        unnamed += not row.get("name")
        return dups.admit(rec.person_id, rec, rec.where, "person_id")

    rows = iter_csv_rows(fp, name, required=PEOPLE_CSV_REQUIRED, optional=PEOPLE_CSV_OPTIONAL)
    records = each_record(rows, one)
    yield from records
    dups.note(notices, name, "person")
    if unnamed and notices is not None:
        notices.append(Notice(Where(name), f"{unnamed} person(s) without a name: shown by their e-mail or id"))
