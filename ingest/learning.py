"""Learning readers: xAPI statements (from an LRS export), the course catalogue CSV and the completions CSV.

xAPI statements become :class:`~ingest.records.CompletionRecord` for the five cmi5 result verbs and
:class:`~ingest.records.VoidRecord` for ``voided``. The other verbs an LMS or cmi5 player records
(launched, initialized, terminated, progressed, ...) say nothing about what a person knows: they are
skipped without a rejection, counted, and summarised in one :class:`~ingest.report.Notice` per file when the
caller passes a ``notices`` list, so a report can say "3,120 lifecycle statements skipped" instead of
flooding the rejections. Unknown verbs are rejected, naming the accepted ones, because a misspelt IRI would
otherwise silently drop completions.
"""

from __future__ import annotations

import hashlib
import json
import math
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from typing import Any, BinaryIO

from ingest.guard import each_record
from ingest.jsonio import iter_json_items
from ingest.records import CompletionRecord, CourseRecord, PersonRef, VoidRecord, Where
from ingest.refs import parse_person_ref
from ingest.report import Notice, Rejection
from ingest.textio import iter_csv_rows
from ingest.values import (
    DATETIME_EXPECTED,
    BadValue,
    DuplicateIds,
    memo,
    parse_datetime,
    parse_score,
    reject,
    split_list,
)

ADL = "http://adlnet.gov/expapi/verbs/"
ADL_W3ID = "https://w3id.org/xapi/adl/verbs/"
VOIDED_VERB = ADL + "voided"
#: verb IRI -> completion status
COMPLETION_VERBS: dict[str, str] = {
    ADL + "completed": "completed",
    ADL + "passed": "passed",
    ADL + "failed": "failed",
    ADL_W3ID + "satisfied": "satisfied",
    ADL_W3ID + "waived": "waived",
}
#: verbs that are known and deliberately not completions: skipped and counted, never rejected
# fmt: off
NON_COMPLETION_VERBS: frozenset[str] = frozenset(
    [ADL + v for v in ("launched", "initialized", "terminated", "abandoned", "attempted", "experienced",
                        "progressed", "answered", "interacted", "registered", "attended", "commented", "shared",
                        "asked", "resumed", "suspended", "exited", "scored", "imported", "mastered",
                        "preferred", "responded", "logged-in", "logged-out")]
    + [ADL_W3ID + v for v in ("abandoned", "logged-in", "logged-out")]
    + ["https://w3id.org/xapi/video/verbs/" + v for v in ("played", "paused", "seeked", "completed")]
)
# fmt: on
XAPI_CONTAINERS = ("statements",)
ACCEPTED_VERBS_TEXT = ", ".join([*COMPLETION_VERBS, VOIDED_VERB])
XAPI_ID_NAMESPACE = uuid.UUID("6f1c2a4e-9b55-4c59-a0c7-6e5f0c7d2b11")

COURSES_CSV_REQUIRED = ("course_id", "title")
COURSES_CSV_OPTIONAL = ("description", "code", "topics", "url")
COMPLETIONS_CSV_REQUIRED = ("person", "course_id", "status", "at")
COMPLETIONS_CSV_OPTIONAL = ("score", "course_title")
COMPLETION_STATUSES = tuple(COMPLETION_VERBS.values())


# -- xAPI ------------------------------------------------------------------------------------------------
def lang_text(value: Any) -> str | None:
    """Text of an xAPI language map: en-US, then en, then any en-*, then the first entry."""
    if isinstance(value, str):
        return value.strip() or None
    if not isinstance(value, dict) or not value:
        return None
    for key in ("en-US", "en", "en-GB"):
        text = value.get(key)
        if isinstance(text, str) and text.strip():
            return text.strip()
    for key, text in value.items():
        if isinstance(key, str) and key.lower().startswith("en") and isinstance(text, str) and text.strip():
            return text.strip()
    for text in value.values():
        if isinstance(text, str) and text.strip():
            return text.strip()
    return None


def xapi_actor(actor: Any, where: Where) -> PersonRef | Rejection:
    """The learner as a PersonRef: mbox, mbox_sha1sum or account. Groups and openid cannot be resolved to
    one person of the directory, so they are rejected with the reason."""
    expected = "an Agent with mbox (mailto:...), mbox_sha1sum, or account {homePage, name}"
    if not isinstance(actor, dict):
        return Rejection(where, "actor", "missing or not an object", expected)
    if actor.get("objectType") == "Group":
        return Rejection(where, "actor", "actor is a Group; completions are recorded per person", expected)
    mbox = actor.get("mbox")
    if isinstance(mbox, str) and mbox.strip():
        ref = parse_person_ref(mbox)
        if ref is None or ref.kind != "email" or "@" not in ref.value or not mbox.lower().startswith("mailto:"):
            return Rejection(where, "actor.mbox", f"{mbox!r} is not a mailto: IRI", "mbox like mailto:ada@example.org")
        return ref
    sha = actor.get("mbox_sha1sum")
    if isinstance(sha, str) and sha.strip():
        return PersonRef("mbox_sha1sum", sha.strip().lower())
    account = actor.get("account")
    if isinstance(account, dict):
        home, acct = account.get("homePage"), account.get("name")
        if isinstance(home, str) and isinstance(acct, str) and home.strip() and acct.strip():
            return PersonRef("account", f"{home.strip()}|{acct.strip()}")
        return Rejection(where, "actor.account", "account lacks homePage or name", "account {homePage, name}")
    if actor.get("openid"):
        return Rejection(where, "actor.openid", "openid identifies no directory person", expected)
    return Rejection(where, "actor", "no inverse functional identifier", expected)


def xapi_score(result: Any, where: Where) -> float | Rejection | None:
    """``result.score.scaled``, else ``(raw - min) / (max - min)`` (min defaults to 0), as 0..1."""
    if not isinstance(result, dict) or not isinstance(result.get("score"), dict):
        return None
    score = result["score"]
    scaled = score.get("scaled")
    if scaled is not None:
        if isinstance(scaled, bool) or not isinstance(scaled, int | float) or not 0 <= scaled <= 1:  # NaN: False
            return Rejection(where, "result.score.scaled", f"{scaled!r} is outside 0..1", "a number from 0 to 1")
        return float(scaled)
    raw, top, low = score.get("raw"), score.get("max"), score.get("min", 0)
    if raw is None:
        return None
    nums = (raw, top, low)
    if any(isinstance(v, bool) or not isinstance(v, int | float) for v in nums):
        return Rejection(
            where, "result.score", f"cannot scale raw {raw!r} with min {low!r} and max {top!r}", "raw with max > min"
        )
    try:  # an integer of hundreds of digits has no float: OverflowError
        raw_f, top_f, low_f = (float(v) for v in nums)
    except OverflowError:
        return Rejection(
            where, "result.score", "raw, min or max is too large to be a number", "numbers such as raw 42, max 50"
        )
    if not all(math.isfinite(v) for v in (raw_f, top_f, low_f)) or top_f <= low_f:
        return Rejection(
            where, "result.score", f"cannot scale raw {raw!r} with min {low!r} and max {top!r}", "raw with max > min"
        )
    value = (raw_f - low_f) / (top_f - low_f)
    if not 0 <= value <= 1:
        return Rejection(where, "result.score.raw", f"raw {raw!r} is outside min..max", "min <= raw <= max")
    return float(value)


def statement_id(stmt: dict[str, Any]) -> tuple[str, bool]:
    """The statement id, or a deterministic UUID (v5) of its canonical JSON when it has none; the flag says
    which, so the caller can tell the user."""
    sid = stmt.get("id")
    if isinstance(sid, str) and sid.strip():
        return sid.strip(), False
    canonical = json.dumps(stmt, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return str(uuid.uuid5(XAPI_ID_NAMESPACE, canonical)), True


def xapi_statement(
    stmt: dict[str, Any], where: Where, skipped: Counter[str]
) -> CompletionRecord | VoidRecord | Rejection | None:
    """One statement as a record; None (counted in ``skipped`` under the verb) for a lifecycle verb."""
    sid, generated = statement_id(stmt)
    where = Where(where.file, where.line, sid if not generated else f"#{where.record} (no id; generated {sid})")
    verb = stmt.get("verb")
    verb_id = verb.get("id") if isinstance(verb, dict) else None
    if not isinstance(verb_id, str) or not verb_id:
        return Rejection(where, "verb.id", "missing verb id", f"one of {ACCEPTED_VERBS_TEXT}")
    status = COMPLETION_VERBS.get(verb_id)
    obj = stmt.get("object")
    if not isinstance(obj, dict):
        return Rejection(where, "object", "missing or not an object", "an Activity {id, definition} or StatementRef")
    if status is None:
        if verb_id == VOIDED_VERB:
            target = obj.get("id")
            if obj.get("objectType") != "StatementRef" or not isinstance(target, str) or not target.strip():
                return Rejection(
                    where, "object", "a voiding statement must point at a statement", "{objectType: StatementRef, id}"
                )
            return VoidRecord(where, sid, target.strip())
        if verb_id in NON_COMPLETION_VERBS:
            skipped[verb_id.rsplit("/", 1)[-1]] += 1
            return None
        return Rejection(where, "verb.id", f"unknown verb {verb_id!r}", f"one of {ACCEPTED_VERBS_TEXT}")
    if obj.get("objectType", "Activity") != "Activity":
        return Rejection(
            where, "object.objectType", f"{obj.get('objectType')!r} is not a course", "an Activity (the course)"
        )
    course = obj.get("id")
    if not isinstance(course, str) or not course.strip():
        return Rejection(where, "object.id", "missing activity id", "the course's activity IRI")
    actor = xapi_actor(stmt.get("actor"), where)
    if isinstance(actor, Rejection):
        return actor
    field = "timestamp"
    stamp = stmt.get("timestamp")
    if stamp is None:  # the LRS sets timestamp = stored when the client gave none (xAPI 2.0, 4.2.2.1)
        field, stamp = "stored", stmt.get("stored")
    if not isinstance(stamp, str) or not stamp.strip():
        return Rejection(where, "timestamp", "missing timestamp", DATETIME_EXPECTED)
    try:
        at = parse_datetime(stamp)
    except BadValue as exc:
        return reject(where, field, exc)
    score = xapi_score(stmt.get("result"), where)
    if isinstance(score, Rejection):
        return score
    raw_definition = obj.get("definition")
    definition = raw_definition if isinstance(raw_definition, dict) else {}
    return CompletionRecord(
        where=where,
        record_id=sid,
        person=actor,
        course_id=course.strip(),
        status=status,
        at=at,
        score=score,
        course_title=lang_text(definition.get("name")),
        course_description=lang_text(definition.get("description")),
    )


def read_xapi(
    fp: BinaryIO, name: str, *, notices: list[Notice] | None = None
) -> Iterator[CompletionRecord | VoidRecord | Rejection]:
    """xAPI statements: a JSON list, an LRS StatementResult ``{"statements": [...], "more": ...}``, one
    statement, or NDJSON.

    ``notices`` (optional) receives one Notice summarising skipped lifecycle statements by verb, one per
    statement whose id had to be generated, and one for skipped identical duplicates.
    """
    skipped: Counter[str] = Counter()
    dups = DuplicateIds()

    def one(where: Where, stmt: dict[str, Any]) -> CompletionRecord | VoidRecord | Rejection | None:
        generated = not (isinstance(stmt.get("id"), str) and stmt["id"].strip())
        rec = xapi_statement(stmt, where, skipped)
        if rec is None or isinstance(rec, Rejection):
            return rec
        if notices is not None and generated:
            notices.append(Notice(rec.where, f"statement has no id; used the deterministic id {rec.record_id}"))
        return dups.admit(rec.record_id, rec, rec.where, "statement id")

    records: Iterator[CompletionRecord | VoidRecord | Rejection]
    records = each_record(iter_json_items(fp, name, containers=XAPI_CONTAINERS), one)
    yield from records
    if notices is not None and skipped:
        total = sum(skipped.values())
        parts = ", ".join(f"{verb} {n}" for verb, n in skipped.most_common())
        notices.append(Notice(Where(name), f"{total} statement(s) with non-completion verbs skipped ({parts})"))
    dups.note(notices, name, "statement")


# -- CSV ---------------------------------------------------------------------------------------------------
def read_courses_csv(
    fp: BinaryIO, name: str, *, notices: list[Notice] | None = None
) -> Iterator[CourseRecord | Rejection]:
    """The course catalogue CSV: course_id and title required; description, code, topics (';') optional."""
    dups = DuplicateIds()

    def one(where: Where, row: dict[str, str]) -> CourseRecord | Rejection | None:
        cid = row["course_id"]
        if not cid:
            return Rejection(where, "course_id", "empty course_id", "the course's stable id or activity IRI")
        if not row["title"]:
            return Rejection(where, "title", "empty title", "the course title")
        rec = CourseRecord(
            where,
            cid,
            row["title"],
            row.get("description") or "",
            row.get("code") or None,
            split_list(row.get("topics") or ""),
            row.get("url") or None,
        )
        return dups.admit(cid, rec, where, "course_id")

    records = each_record(iter_csv_rows(fp, name, required=COURSES_CSV_REQUIRED, optional=COURSES_CSV_OPTIONAL), one)
    yield from records
    dups.note(notices, name, "course")


def completion_record_id(person: str, course_id: str, status: str, at: datetime) -> str:
    """Deterministic id of a CSV completion, so a re-run updates the same record. The instant enters as its
    unix time, so the same moment written two ways (a date, or midnight UTC) is one record."""
    key = f"{person}\x1f{course_id}\x1f{status}\x1f{at.timestamp():.6f}"
    return "csv-" + hashlib.blake2b(key.encode(), digest_size=12).hexdigest()


def read_completions_csv(
    fp: BinaryIO, name: str, *, notices: list[Notice] | None = None, dups: DuplicateIds | None = None
) -> Iterator[CompletionRecord | Rejection]:
    """The completions CSV: person, course_id, status, at required; score, course_title optional.
    ``dups`` (optional): the caller's duplicate table, which it then reports (a reader of one part of a file)."""
    own_dups = dups is None
    dups = DuplicateIds() if dups is None else dups
    statuses = ", ".join(COMPLETION_STATUSES)
    refs: dict[str, Any] = {}

    def one(where: Where, row: dict[str, str]) -> CompletionRecord | Rejection | None:
        person = memo(refs, row["person"], parse_person_ref)
        if person is None:
            return Rejection(where, "person", "empty person", "a person reference (person_id, e-mail or kind:value)")
        cid = row["course_id"]
        if not cid:
            return Rejection(where, "course_id", "empty course_id", "the course's id from the catalogue")
        status = row["status"].lower()
        if status not in COMPLETION_STATUSES:
            return Rejection(where, "status", f"unknown status {row['status']!r}", f"one of {statuses}")
        try:
            at = parse_datetime(row["at"])
        except BadValue as exc:
            return reject(where, "at", exc)
        score = None
        if row.get("score"):
            try:
                score = parse_score(row["score"])
            except BadValue as exc:
                return reject(where, "score", exc)
        rid = completion_record_id(f"{person.kind}:{person.value}", cid, status, at)
        rec = CompletionRecord(where, rid, person, cid, status, at, score, row.get("course_title") or None)
        return dups.admit(rid, rec, where, "completion")

    rows = iter_csv_rows(fp, name, required=COMPLETIONS_CSV_REQUIRED, optional=COMPLETIONS_CSV_OPTIONAL)
    records = each_record(rows, one)
    yield from records
    if own_dups:
        dups.note(notices, name, "completion")


__all__ = [
    "ACCEPTED_VERBS_TEXT",
    "COMPLETION_VERBS",
    "NON_COMPLETION_VERBS",
    "VOIDED_VERB",
    "completion_record_id",
    "lang_text",
    "read_completions_csv",
    "read_courses_csv",
    "read_xapi",
]
