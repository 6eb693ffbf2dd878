"""Opt-out of expertise profiling, requested from the app.

Why a request file and not a store write: ``opted_out`` is a property of the person record, owned by the
people directory (CSV ``opted_out`` column, SCIM ``optOut``); a write into the store would be overwritten by
the next directory ingest, and the app opens the store read-only anyway. So the app appends the request to a
JSON-lines file an admin applies in the directory export (the Data page lists pending requests), and until then
the app itself honours it: a person with a pending request is left out of search results, maps and seed lists.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from whoknows.selfassert import append_json_line


@dataclass(frozen=True, slots=True)
class OptOutRequest:
    person: str  # person node id
    email: str | None
    requested_at: str
    via: str  # "signed-in" | "local demo"


def record_request(path: Path, person: str, *, email: str | None, via: str) -> OptOutRequest:
    req = OptOutRequest(person, email, datetime.now(UTC).isoformat(timespec="seconds"), via)
    append_json_line(path, asdict(req), "the opt-out request", "WHOKNOWS_OPTOUT_FILE")
    return req


def read_requests(path: Path) -> list[OptOutRequest]:
    if not path.is_file():
        return []
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            d = json.loads(line)
            out.append(
                OptOutRequest(str(d["person"]), d.get("email"), str(d.get("requested_at", "")), str(d.get("via", "")))
            )
        except (ValueError, KeyError, TypeError):
            continue  # a torn line from a concurrent append is skipped, the rest still count
    return out


def pending_people(path: Path) -> frozenset[str]:
    return frozenset(r.person for r in read_requests(path))
