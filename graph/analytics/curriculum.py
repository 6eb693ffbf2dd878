"""KM curriculum completion by department, straight from the store: people's ``COMPLETED`` relationships to
courses whose ``code`` is in the KM 10x series ("KM 100" ... "KM 109"), or starts with a given prefix.

One reader for the app's Knowledge risk page and ``whoknows risk``, so both count the same people: the active
people of each department (the head count every page uses; opted-out people are counted, they are members).

A completion counts when its status says the learner got the credit (``completed``, ``passed``, ``satisfied``,
``waived``); ``failed`` does not. Departments with fewer active people than the minimum group size are folded
into one "smaller departments" row (left out if that is still too small; they still count in the total), so
no figure describes a handful of identifiable people.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from graph.analytics.privacy import MIN_GROUP_SIZE
from graph.schema import Label, RelType
from graph.store import GraphStore

KM_CODE = re.compile(r"^\s*KM\s*-?\s*10\d\s*$", re.IGNORECASE)
CREDIT_STATUSES = frozenset({"completed", "passed", "satisfied", "waived"})
SMALL_GROUPS = "smaller departments (combined)"


@dataclass(frozen=True, slots=True)
class KmCourse:
    node_id: str
    code: str
    title: str


@dataclass(frozen=True, slots=True)
class DepartmentCompletion:
    department: str
    people: int
    done: dict[str, int]  # course code -> people with credit
    all_done: int  # people with credit for every KM course

    def share(self, code: str) -> float:
        return self.done.get(code, 0) / self.people if self.people else 0.0

    @property
    def all_share(self) -> float:
        return self.all_done / self.people if self.people else 0.0


@dataclass(frozen=True, slots=True)
class CurriculumReport:
    courses: list[KmCourse]
    departments: list[DepartmentCompletion]
    total: DepartmentCompletion


def _code_key(code: str) -> str:
    return re.sub(r"\s+", " ", code.strip().upper())


def km_courses(store: GraphStore, *, prefix: str | None = None) -> list[KmCourse]:
    """The curriculum's courses: codes KM 100-109, or (``prefix``) codes starting with it, case and spaces aside."""
    want = _code_key(prefix) if prefix else None

    def wanted(code: str) -> bool:
        return _code_key(code).startswith(want) if want is not None else bool(KM_CODE.match(code))

    out = [
        KmCourse(n.id, _code_key(str(n.props["code"])), str(n.props.get("title") or n.id))
        for n in store.iter_nodes(Label.COURSE)
        if n.props.get("code") and wanted(str(n.props["code"]))
    ]
    return sorted(out, key=lambda c: c.code)


def describe(prefix: str | None) -> str:
    """The curriculum in words, for "no courses ..." sentences."""
    return f"courses whose code starts with {prefix!r}" if prefix else "KM 10x courses (codes KM 100 to KM 109)"


def curriculum_completion(
    store: GraphStore, *, min_group: int = MIN_GROUP_SIZE, prefix: str | None = None
) -> CurriculumReport:
    """Per department: active people, how many got credit for each KM course, and for all of them. No courses:
    no department rows (a share of nothing is not 0%)."""
    courses = km_courses(store, prefix=prefix)
    code_of = {c.node_id: c.code for c in courses}
    dept_of: dict[str, str] = {}
    for n in store.iter_nodes(Label.PERSON):
        if n.props.get("active", True) is not False:
            dept_of[n.id] = str(n.props.get("department") or "(no department)")
    credit: dict[str, set[str]] = defaultdict(set)
    for r in store.iter_rels(RelType.COMPLETED):
        if r.end in code_of and r.start in dept_of and str(r.props.get("status") or "") in CREDIT_STATUSES:
            credit[r.start].add(code_of[r.end])
    members: dict[str, list[str]] = defaultdict(list)
    for pid, d in dept_of.items():
        members[d].append(pid)
    small = [d for d, ps in members.items() if len(ps) < min_group]
    if small:
        merged = [p for d in small for p in members.pop(d)]
        if len(merged) >= min_group:  # still too few together: shown only in the all-departments total
            members[SMALL_GROUPS] = merged
    all_codes = {c.code for c in courses}

    def row(name: str, people: list[str]) -> DepartmentCompletion:
        done = {c.code: sum(1 for p in people if c.code in credit[p]) for c in courses}
        all_done = sum(1 for p in people if all_codes and all_codes <= credit[p])
        return DepartmentCompletion(name, len(people), done, all_done)

    rows = [row(d, ps) for d, ps in members.items()] if courses else []
    rows.sort(key=lambda r: (r.department == SMALL_GROUPS, -r.all_share, r.department))
    total = row("all departments", list(dept_of))
    return CurriculumReport(courses, rows, total)
