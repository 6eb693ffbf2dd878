"""Generate the demo organisation: real-format exports plus the planted truth.

Why it is built this way:
- Determinism: every random choice comes from a ``random.Random`` seeded from ``(seed, section)``; nothing reads
  the clock or the global generator, and all dates count back from a fixed anchor date. The same seed and
  sizes give byte-identical files, so a demo store, a screenshot or a failing test can be reproduced exactly.
  Each section has its own generator so that, for instance, changing the document templates does not reshuffle
  who reports to whom.
- Planted truth: experts are chosen first and everything else (documents, completions, community roles) is
  drawn from them, so the truth is known by construction rather than inferred afterwards. It goes to
  ``truth.json`` beside, not inside, the ``data`` folder an ingest reads.
- Realism where the product is judged: heavy-tailed authorship and course activity, communities of very
  different sizes, departments that mostly talk among themselves and a few planted people who bridge them,
  and a handful of malformed records so the ingest report has something true to say.
"""

from __future__ import annotations

import random
import uuid
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from ingest.refs import slug
from whoknows.demo import content, formats
from whoknows.demo.content import DEPARTMENTS, EXECUTIVE, TOPICS, Department, Topic
from whoknows.errors import ConfigError

SCIM_USER = "urn:ietf:params:scim:schemas:core:2.0:User"
SCIM_GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
SCIM_LIST = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
SCIM_ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
WK_USER = "urn:whoknows:params:scim:schemas:extension:2.0:User"
WK_GROUP = "urn:whoknows:params:scim:schemas:extension:2.0:Group"

VERB_IRIS = {
    "completed": "http://adlnet.gov/expapi/verbs/completed",
    "passed": "http://adlnet.gov/expapi/verbs/passed",
    "failed": "http://adlnet.gov/expapi/verbs/failed",
    "satisfied": "https://w3id.org/xapi/adl/verbs/satisfied",
    "waived": "https://w3id.org/xapi/adl/verbs/waived",
    "voided": "http://adlnet.gov/expapi/verbs/voided",
    "launched": "http://adlnet.gov/expapi/verbs/launched",
    "initialized": "http://adlnet.gov/expapi/verbs/initialized",
}

MIN_PEOPLE, MAX_PEOPLE = 300, 5000
MIN_DOCUMENTS, MAX_DOCUMENTS = 300, 50000
#: The document root the ingest sees is ``data/``; the manifest sits at that root (the pipeline reads
#: manifests at the root of a document folder) and names files relative to it.
MANIFEST_NAME = "manifest.csv"
MANIFEST_COLUMNS = ("path", "title", "authors", "reviewers", "community", "tags", "visibility", "allowed", "date")


@dataclass(slots=True)
class Person:
    pid: str
    given: str
    family: str
    email: str
    user_name: str
    employee_number: str
    department: str
    title: str
    location: str
    manager: str | None
    level: str  # ceo | head | manager | ic
    active: bool = True
    opted_out: bool = False

    @property
    def name(self) -> str:
        return f"{self.given} {self.family}"


@dataclass(slots=True)
class DemoTruth:
    """What the generator planted, for tests of ranking, analytics and the ingest report.

    ``topics`` maps a topic key to its name, department, community, course id, graded experts (``primary``,
    ``secondary``: person ids) and the number of documents written on it. ``queries`` are paraphrased needs
    with the people who should be found (grade 2 primary, 1 secondary; opted-out and inactive people left out).
    ``malformed`` lists each planted bad record: file, where, what is wrong, and whether the reader rejects it
    (``"rejected"``) or the pipeline reports it as an unresolved reference (``"unresolved"``).
    """

    seed: int
    anchor_date: str
    people: int
    documents: int
    departments: dict[str, int] = field(default_factory=dict)
    topics: dict[str, dict[str, Any]] = field(default_factory=dict)
    single_expert_topics: list[str] = field(default_factory=list)
    networkers: list[str] = field(default_factory=list)
    opted_out: list[str] = field(default_factory=list)
    inactive: list[str] = field(default_factory=list)
    hidden_experts: list[str] = field(default_factory=list)
    communities: dict[str, dict[str, Any]] = field(default_factory=dict)
    queries: list[dict[str, Any]] = field(default_factory=list)
    malformed: list[dict[str, Any]] = field(default_factory=list)
    files: dict[str, int] = field(default_factory=dict)
    voided_statements: list[str] = field(default_factory=list)
    document_topics: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _rng(seed: int, section: str) -> random.Random:
    # str seeds are hashed with SHA-512 by random.seed (version 2): stable across runs and platforms
    return random.Random(f"whoknows-demo:{seed}:{section}")


def _ascii_local(text: str) -> str:
    return "".join(ch for ch in slug(text) if ch.isalnum())


def _iso(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


class _Builder:
    def __init__(self, out_dir: Path, seed: int, n_people: int, n_documents: int) -> None:
        self.out = out_dir
        self.data = out_dir / "data"
        self.seed = seed
        self.n_people = n_people
        self.n_documents = n_documents
        self.anchor = datetime.fromisoformat(content.ANCHOR_DATE + "T17:00:00")
        self.people: list[Person] = []
        self.by_id: dict[str, Person] = {}
        self.primary: dict[str, list[str]] = {}
        self.secondary: dict[str, list[str]] = {}
        self.topic_of: dict[str, str] = {}
        self.single: list[str] = []
        self.networkers: list[str] = []
        self.hidden_experts: list[str] = []
        self.course_ids: dict[str, str] = {}  # topic key -> course IRI
        self.doc_counts: Counter[str] = Counter()
        self.doc_topics: dict[str, str] = {}
        self.community_truth: dict[str, dict[str, Any]] = {}
        self.malformed: list[dict[str, Any]] = []
        self.files: dict[str, int] = {}
        self.voided: list[str] = []

    # -- people ------------------------------------------------------------------------------------------
    def build_people(self) -> None:
        rng = _rng(self.seed, "people")
        names = [(g, f) for g in content.GIVEN_NAMES for f in content.FAMILY_NAMES]
        rng.shuffle(names)
        rest = self.n_people - 4
        total_w = sum(d.weight for d in DEPARTMENTS)
        raw = [rest * d.weight / total_w for d in DEPARTMENTS]
        sizes = [max(8, int(x)) for x in raw]
        order = sorted(range(len(raw)), key=lambda i: raw[i] - int(raw[i]), reverse=True)
        i = 0
        while sum(sizes) < rest:
            sizes[order[i % len(order)]] += 1
            i += 1
        while sum(sizes) > rest:
            j = max(range(len(sizes)), key=lambda k: sizes[k])
            sizes[j] -= 1
        used_emails: set[str] = set()

        def make(dept: Department, level: str, title: str, manager: str | None) -> Person:
            given, family = names[len(self.people)]
            local = f"{_ascii_local(given)}.{_ascii_local(family)}"
            base, k = local, 2
            while local in used_emails:
                local, k = f"{base}{k}", k + 1
            used_emails.add(local)
            n = len(self.people) + 1
            loc_weights = [3 if i == 0 else 1 for i in range(len(dept.locations))]
            p = Person(
                pid=f"u{n:04d}",
                given=given,
                family=family,
                email=f"{local}@{content.EMAIL_DOMAIN}",
                user_name=local,
                employee_number=f"E{100000 + n * 7}",
                department=dept.name,
                title=title,
                location=rng.choices(dept.locations, loc_weights)[0],
                manager=manager,
                level=level,
            )
            self.people.append(p)
            self.by_id[p.pid] = p
            return p

        ceo = make(EXECUTIVE, "ceo", EXECUTIVE.head_title, None)
        make(EXECUTIVE, "manager", "Chief of Staff", ceo.pid)
        make(EXECUTIVE, "ic", "Executive Assistant", ceo.pid)
        make(EXECUTIVE, "ic", "Strategy Analyst", ceo.pid)
        for dept, size in zip(DEPARTMENTS, sizes, strict=True):
            head = make(dept, "head", dept.head_title, ceo.pid)
            n_managers = max(1, round((size - 1) / 9))
            managers = [
                make(dept, "manager", dept.manager_titles[k % len(dept.manager_titles)], head.pid)
                for k in range(n_managers)
            ]
            for _ in range(size - 1 - n_managers):
                title = rng.choice(dept.ic_titles)
                if rng.random() < 0.25:
                    title = f"Senior {title}"
                make(dept, "ic", title, rng.choice(managers).pid)

    def dept_members(self, name: str) -> list[Person]:
        return [p for p in self.people if p.department == name]

    # -- experts -----------------------------------------------------------------------------------------
    def plant_experts(self) -> None:
        rng = _rng(self.seed, "experts")
        taken: set[str] = set()
        self.single = sorted(rng.sample([t.key for t in TOPICS], 4))

        def candidates(dept: str) -> list[Person]:
            pool = [p for p in self.dept_members(dept) if p.level in ("manager", "ic") and p.pid not in taken]
            rng.shuffle(pool)
            return pool

        for topic in TOPICS:
            home = candidates(topic.department)
            others = [d.name for d in DEPARTMENTS if d.name != topic.department]
            n_primary = 1 if topic.key in self.single else rng.choice((2, 2, 3))
            n_secondary = 0 if topic.key in self.single else rng.randint(2, 5)
            chosen: list[Person] = []
            while len(chosen) < n_primary + n_secondary:
                # primary experts come from the topic's home department; a few secondary ones from elsewhere
                if home and (len(chosen) < n_primary or rng.random() < 0.8):
                    person = home.pop()
                else:
                    pool = candidates(rng.choice(others)) or [p for d in others for p in candidates(d)]
                    if not pool:
                        raise ConfigError("too few people to plant experts for every topic; use more people")
                    person = pool[0]
                taken.add(person.pid)
                chosen.append(person)
            self.primary[topic.key] = [p.pid for p in chosen[:n_primary]]
            self.secondary[topic.key] = [p.pid for p in chosen[n_primary:]]
            for p in chosen:
                self.topic_of[p.pid] = topic.key

        # opt-outs: a few people, one of them a secondary expert whose evidence search must hide
        non_experts = [p for p in self.people if p.pid not in self.topic_of and p.level == "ic"]
        rng.shuffle(non_experts)
        multi = [k for k in sorted(self.secondary) if k not in self.single and self.secondary[k]]
        hidden = self.by_id[self.secondary[rng.choice(multi)][-1]]
        hidden.opted_out = True
        self.hidden_experts = [hidden.pid]
        for p in non_experts[:4]:
            p.opted_out = True
        n_inactive = max(3, self.n_people // 80)
        for p in non_experts[4 : 4 + n_inactive]:
            p.active = False
        # networkers: active, not opted out, spread over departments
        pool = [
            p
            for p in non_experts[4 + n_inactive :]
            if p.department not in ("Executive Office",) and p.level in ("ic", "manager")
        ]
        chosen_depts: set[str] = set()
        for p in pool:
            if p.department not in chosen_depts:
                self.networkers.append(p.pid)
                chosen_depts.add(p.department)
            if len(self.networkers) == 6:
                break
        self.networkers.sort()

    def visible(self, pid: str) -> bool:
        p = self.by_id[pid]
        return p.active and not p.opted_out

    # -- people.json -------------------------------------------------------------------------------------
    def write_people(self) -> None:
        rng = _rng(self.seed, "people-file")
        resources: list[dict[str, Any]] = []
        bad_manager_pid = rng.choice([p.pid for p in self.people if p.level == "ic" and p.pid not in self.topic_of])
        for p in self.people:
            user: dict[str, Any] = {
                "schemas": [SCIM_USER, SCIM_ENTERPRISE],
                "id": p.pid,
                "externalId": p.employee_number,
                "userName": p.user_name,
                "displayName": p.name,
                "name": {"givenName": p.given, "familyName": p.family, "formatted": p.name},
                "emails": [{"value": p.email, "type": "work", "primary": True}],
                "title": p.title,
                "addresses": [{"type": "work", "locality": p.location}],
                "active": p.active,
                SCIM_ENTERPRISE: {"employeeNumber": p.employee_number, "department": p.department},
                "meta": {"resourceType": "User", "location": f"https://idp.example.org/scim/v2/Users/{p.pid}"},
            }
            manager = "u9999" if p.pid == bad_manager_pid else p.manager
            if manager:
                mgr_name = self.by_id[manager].name if manager in self.by_id else "Unknown Manager"
                user[SCIM_ENTERPRISE]["manager"] = {"value": manager, "displayName": mgr_name}
            if p.opted_out:
                user["schemas"].append(WK_USER)
                user[WK_USER] = {"optOut": True}
            resources.append(user)
        no_id_at = rng.randrange(len(resources) // 3, 2 * len(resources) // 3)
        resources.insert(
            no_id_at,
            {
                "schemas": [SCIM_USER],
                "userName": "temp.contractor",
                "displayName": "Temporary Contractor",
                "emails": [{"value": "temp.contractor@contractors.example.net", "primary": True}],
                "active": True,
            },
        )
        self.malformed += [
            {
                "file": "people.json",
                "record": f"Resources[{no_id_at}]",
                "index": no_id_at,
                "problem": "SCIM User without an id",
                "field": "id",
                "outcome": "rejected",
            },
            {
                "file": "people.json",
                "record": bad_manager_pid,
                "problem": "manager reference u9999 names nobody in the directory",
                "field": "manager",
                "outcome": "unresolved",
            },
        ]
        doc = {
            "schemas": [SCIM_LIST],
            "totalResults": len(resources),
            "startIndex": 1,
            "itemsPerPage": len(resources),
            "Resources": resources,
        }
        formats.write_json(self.data / "people.json", doc)
        self.files["people.json"] = len(resources)

    # -- courses and statements --------------------------------------------------------------------------
    def courses(self) -> list[dict[str, str]]:
        rows: list[dict[str, str]] = []
        for km in content.KM_CURRICULUM:
            rows.append(
                {
                    "course_id": content.COURSE_IRI + km.slug,
                    "title": km.title,
                    "description": km.description,
                    "code": km.code,
                    "topics": "knowledge management",
                    "kind": "km",
                }
            )
        prefixes = {
            "Finance": "FIN",
            "Operations": "OPS",
            "Engineering": "ENG",
            "Customer Service": "CS",
            "HR / People": "HR",
            "Legal & Compliance": "LEG",
            "Sales": "SAL",
            "Procurement": "PRO",
            "IT": "IT",
            "Knowledge Management office": "KM",
            "Health & Safety": "HS",
        }
        numbers: Counter[str] = Counter()
        for topic in TOPICS:
            if not topic.course:
                continue
            prefix = prefixes[topic.department]
            numbers[prefix] += 1
            cid = content.COURSE_IRI + slug(topic.course)
            self.course_ids[topic.key] = cid
            desc = (
                f"{topic.course} covers {topic.name}: {', '.join(topic.terms[:4])}. "
                f"Participants practise {topic.methods[0]} and {topic.methods[1]} on realistic cases, "
                f"and learn to prevent {topic.problems[0]}. {topic.tips[0]}"
            )
            rows.append(
                {
                    "course_id": cid,
                    "title": topic.course,
                    "description": desc,
                    "code": f"{prefix} {200 + numbers[prefix]}",
                    "topics": f"{topic.name};{topic.synonyms[0]}",
                    "kind": topic.key,
                }
            )
        for k, (cslug, title, desc) in enumerate(content.GENERAL_COURSES, start=1):
            rows.append(
                {
                    "course_id": content.COURSE_IRI + cslug,
                    "title": title,
                    "description": desc,
                    "code": f"GEN {100 + k}",
                    "topics": "",
                    "kind": "general",
                }
            )
        return rows

    def write_courses(self, rows: list[dict[str, str]]) -> None:
        cols = ("course_id", "title", "description", "code", "topics")
        formats.write_csv(self.data / "courses.csv", cols, ([r[c] for c in cols] for r in rows))
        self.files["courses.csv"] = len(rows)

    def write_statements(self, courses: list[dict[str, str]]) -> None:
        rng = _rng(self.seed, "statements")
        km = [c for c in courses if c["kind"] == "km"]
        general = [c for c in courses if c["kind"] == "general"]
        domain = [c for c in courses if c["kind"] not in ("km", "general")]
        dept_rate = {d.name: d.km_rate for d in (*DEPARTMENTS, EXECUTIVE)}
        span = 3 * 365
        stmts: list[tuple[datetime, dict[str, Any]]] = []

        def when(lo: int = 0, hi: int = span) -> datetime:
            days = rng.randint(lo, hi)
            secs = rng.randint(8 * 3600, 18 * 3600)
            return (self.anchor - timedelta(days=days)).replace(hour=0, minute=0) + timedelta(seconds=secs)

        def actor(p: Person) -> dict[str, Any]:
            if rng.random() < 0.2:
                return {
                    "objectType": "Agent",
                    "name": p.name,
                    "account": {"homePage": content.LMS_HOME_PAGE, "name": p.user_name},
                }
            return {"objectType": "Agent", "name": p.name, "mbox": f"mailto:{p.email}"}

        def statement(p: Person, course: dict[str, str], verb: str, at: datetime, score: float | None) -> None:
            s: dict[str, Any] = {
                "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                "actor": actor(p),
                "verb": {"id": VERB_IRIS[verb], "display": {"en-US": verb}},
                "object": {
                    "objectType": "Activity",
                    "id": course["course_id"],
                    "definition": {
                        "name": {"en-US": course["title"]},
                        "type": "http://adlnet.gov/expapi/activities/course",
                    },
                },
            }
            if verb in ("passed", "failed", "completed"):
                result: dict[str, Any] = {}
                if score is not None:
                    result["score"] = {"scaled": round(score, 2)}
                if verb != "completed":
                    result["success"] = verb == "passed"
                result["completion"] = True
                s["result"] = result
            s["timestamp"] = _iso(at)
            stmts.append((at, s))

        def take(p: Person, course: dict[str, str], *, strong: bool, assessed: bool) -> None:
            at = when()
            if not assessed:
                verb = "satisfied" if rng.random() < 0.08 else "completed"
                statement(p, course, verb, at, None)
                return
            if not strong and rng.random() < 0.12:
                statement(p, course, "failed", at, rng.uniform(0.3, 0.69))
                if rng.random() < 0.7:
                    later = min(at + timedelta(days=rng.randint(3, 60)), self.anchor)
                    statement(p, course, "passed", later, rng.uniform(0.7, 0.9))
                return
            score = rng.uniform(0.85, 1.0) if strong else rng.uniform(0.7, 0.97)
            statement(p, course, "passed", at, score)

        # heavy-tailed engagement: a few people take many courses, many take few
        for p in self.people:
            if p.level == "ceo":
                statement(p, general[1], "waived", when(), None)
            for course in general[:2]:
                if rng.random() < 0.9:
                    take(p, course, strong=False, assessed=True)
            if rng.random() < dept_rate[p.department]:
                for k, course in enumerate(km):
                    if k and rng.random() > 0.8 ** (k if p.department != "Knowledge Management office" else 0.2):
                        break
                    take(p, course, strong=False, assessed=False)
            topic = self.topic_of.get(p.pid)
            if topic and topic in self.course_ids:
                is_primary = p.pid in self.primary[topic]
                if rng.random() < (0.9 if is_primary else 0.7):
                    course = next(c for c in domain if c["kind"] == topic)
                    take(p, course, strong=True, assessed=True)
            n_extra = min(int(rng.paretovariate(1.4)) - 1, 12)
            own = [c for c in domain if next(t for t in TOPICS if t.key == c["kind"]).department == p.department]
            for _ in range(n_extra):
                pool = own if own and rng.random() < 0.6 else domain + general[2:]
                take(p, rng.choice(pool), strong=False, assessed=rng.random() < 0.8)
        stmts.sort(key=lambda x: (x[0], x[1]["id"]))
        lines = [formats.json_line(s) for _, s in stmts]
        completions = [s for _, s in stmts if s["verb"]["id"] != VERB_IRIS["waived"]]

        # launched/initialized lifecycle statements, which carry no result and are not completions
        for _ in range(12):
            s = dict(rng.choice(completions))
            for verb in ("launched", "initialized"):
                lines.insert(
                    rng.randrange(len(lines)),
                    formats.json_line(
                        {
                            "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                            "actor": s["actor"],
                            "verb": {"id": VERB_IRIS[verb], "display": {"en-US": verb}},
                            "object": s["object"],
                            "timestamp": s["timestamp"],
                        }
                    ),
                )
        # a few voided statements, appended after the ones they retract as an LRS would
        admin = {"objectType": "Agent", "name": "LMS Administrator", "mbox": "mailto:lms.admin@example.org"}
        voided: list[str] = []
        for target in rng.sample(completions, 5):
            voided.append(target["id"])
            lines.append(
                formats.json_line(
                    {
                        "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                        "actor": admin,
                        "verb": {"id": VERB_IRIS["voided"], "display": {"en-US": "voided"}},
                        "object": {"objectType": "StatementRef", "id": target["id"]},
                        "timestamp": _iso(self.anchor - timedelta(days=rng.randint(0, 30))),
                    }
                )
            )
        # malformed statements at fixed (seeded) places; line numbers are 1-based after all inserts
        sample = rng.choice(completions)
        bad: list[tuple[str, str, str | None, str]] = []
        truncated = formats.json_line({**sample, "id": str(uuid.UUID(int=rng.getrandbits(128), version=4))})
        bad.append((truncated[: len(truncated) // 2], "truncated JSON line", None, "rejected"))
        bad_ts = {**sample, "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)), "timestamp": "31/04/2025 09:00"}
        bad.append((formats.json_line(bad_ts), "timestamp is not ISO 8601", "timestamp", "rejected"))
        liked = {
            **sample,
            "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "verb": {"id": "https://example.org/verbs/liked", "display": {"en-US": "liked"}},
        }
        bad.append((formats.json_line(liked), "unknown verb https://example.org/verbs/liked", "verb.id", "rejected"))
        stranger = {
            **sample,
            "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "actor": {
                "objectType": "Agent",
                "name": "Former Contractor",
                "mbox": "mailto:former.contractor@partner.example.com",
            },
        }
        bad.append(
            (
                formats.json_line(stranger),
                "actor former.contractor@partner.example.com is not in the directory",
                "actor",
                "unresolved",
            )
        )
        positions = sorted(rng.sample(range(10, len(lines)), len(bad)))
        for pos, (line, _, _, _) in zip(positions, bad, strict=True):
            lines.insert(pos, line)
        # after inserting in ascending order, each line sits exactly at its position
        for pos, (_, problem, fld, outcome) in zip(positions, bad, strict=True):
            self.malformed.append(
                {"file": "statements.ndjson", "line": pos + 1, "problem": problem, "field": fld, "outcome": outcome}
            )
        formats.write_lines(self.data / "statements.ndjson", lines)
        self.files["statements.ndjson"] = len(lines)
        self.voided = sorted(voided)

    # -- communities -------------------------------------------------------------------------------------
    def write_communities(self) -> None:
        rng = _rng(self.seed, "communities")
        names: list[str] = []
        for t in TOPICS:
            if t.community not in names:
                names.append(t.community)
        km_staff = [p.pid for p in self.dept_members("Knowledge Management office") if p.active]
        groups: list[dict[str, Any]] = []
        ranks = list(range(len(names)))
        rng.shuffle(ranks)
        eligible = [p for p in self.people if p.active]
        extra_rows: list[list[str]] = []
        for name, rank in zip(names, ranks, strict=True):
            topics = [t for t in TOPICS if t.community == name]
            depts = sorted({t.department for t in topics})
            primaries = [pid for t in topics for pid in self.primary[t.key]]
            secondaries = [pid for t in topics for pid in self.secondary[t.key]]
            leaders = [pid for pid in primaries if self.visible(pid)][: rng.choice((1, 2))]
            facilitators = [rng.choice(km_staff)]
            smes = [pid for pid in primaries if pid not in leaders]
            # heavy-tailed sizes: the biggest community is several times the median one
            size = int(10 + 160 / (rank + 1) ** 0.9 + rng.randint(0, 8))
            members = list(dict.fromkeys([*leaders, *facilitators, *smes, *secondaries]))
            pool = [p.pid for p in eligible if p.pid not in members]
            home = [pid for pid in pool if self.by_id[pid].department in depts]
            rng.shuffle(home)
            rng.shuffle(pool)
            for pid in home[: int(size * 0.7)]:
                members.append(pid)
            for pid in pool:
                if len(members) >= size:
                    break
                if pid not in members:
                    members.append(pid)
            gid = f"cop-{slug(name)}"
            desc = (
                f"The {name} community of practice brings together people working on "
                + "; ".join(t.name for t in topics)
                + f". Members share lessons on {topics[0].terms[0]} and {topics[-1].terms[1]}, "
                f"and ask the SMEs when they face {topics[0].problems[0]}."
            )
            groups.append(
                {
                    "schemas": [SCIM_GROUP, WK_GROUP],
                    "id": gid,
                    "displayName": name,
                    "members": [
                        {"value": pid, "display": self.by_id[pid].name, "type": "User"} for pid in sorted(members)
                    ],
                    WK_GROUP: {
                        "description": desc,
                        "topics": [t.name for t in topics],
                        "leaders": leaders,
                        "facilitators": facilitators,
                        "smes": smes,
                    },
                    "meta": {"resourceType": "Group"},
                }
            )
            self.community_truth[gid] = {
                "name": name,
                "topics": [t.key for t in topics],
                "leaders": leaders,
                "facilitators": facilitators,
                "smes": smes,
                "members": len(members),
            }
            if len(extra_rows) < 60 and rank % 4 == 0:
                outsiders = [p for p in eligible if p.pid not in members]
                rng.shuffle(outsiders)
                for p in outsiders[:20]:
                    since = (self.anchor - timedelta(days=rng.randint(10, 900))).date().isoformat()
                    role = "facilitator" if rng.random() < 0.05 else "member"
                    since_cell = since if rng.random() < 0.9 else ""
                    extra_rows.append([p.email, name, role, since_cell])
                    self.community_truth[gid]["csv_members"] = self.community_truth[gid].get("csv_members", 0) + 1
        formats.write_json(
            self.data / "communities.json",
            {
                "schemas": [SCIM_LIST],
                "totalResults": len(groups),
                "startIndex": 1,
                "itemsPerPage": len(groups),
                "Resources": groups,
            },
        )
        self.files["communities.json"] = len(groups)
        # memberships.csv with two malformed rows (line numbers count the header as line 1)
        bad_role = [self.people[rng.randrange(len(self.people))].email, names[0], "champion", "2025-03-01"]
        short = [self.people[rng.randrange(len(self.people))].email, names[1]]
        positions = sorted(rng.sample(range(1, len(extra_rows)), 2))
        extra_rows.insert(positions[0], bad_role)
        extra_rows.insert(positions[1], short)
        text = formats.csv_text(("person", "community", "role", "since"), extra_rows)
        formats.write_bytes(self.data / "memberships.csv", text.encode("utf-8"))
        self.files["memberships.csv"] = len(extra_rows)
        self.malformed += [
            {
                "file": "memberships.csv",
                "line": positions[0] + 2,
                "problem": "unknown role 'champion'",
                "field": "role",
                "outcome": "rejected",
            },
            {
                "file": "memberships.csv",
                "line": positions[1] + 2,
                "problem": "row has 2 cells but the header has 4",
                "field": None,
                "outcome": "rejected",
            },
        ]

    # -- interactions ------------------------------------------------------------------------------------
    def write_interactions(self) -> None:
        rng = _rng(self.seed, "interactions")
        active = [p for p in self.people if p.active]
        by_dept: dict[str, list[Person]] = defaultdict(list)
        for p in active:
            by_dept[p.department].append(p)
        depts = sorted(by_dept)
        channels = (("email", 1.0, 0.5), ("chat", 0.5, 0.35), ("meeting", 2.0, 0.15))
        rows: list[tuple[str, str, str, str, str]] = []

        def add(a: Person, b: Person, n: int) -> None:
            for _ in range(n):
                ch, w, _ = rng.choices(channels, [c[2] for c in channels])[0]
                at = self.anchor - timedelta(days=rng.randint(0, 364), seconds=rng.randint(0, 36000))
                s, r = (a, b) if rng.random() < 0.6 else (b, a)
                rows.append((_iso(at), s.email, r.email, f"{w:.1f}", ch))

        for p in active:
            peers = [q for q in by_dept[p.department] if q.pid != p.pid]
            if p.manager and p.manager in self.by_id and self.by_id[p.manager].active:
                add(p, self.by_id[p.manager], rng.randint(2, 4))
            for q in rng.sample(peers, min(len(peers), rng.randint(2, 4))):
                add(p, q, rng.randint(1, 2))
            if rng.random() < 0.06:  # occasional cross-department contact
                other = rng.choice([d for d in depts if d != p.department])
                add(p, rng.choice(by_dept[other]), 1)
        for pid in self.networkers:
            p = self.by_id[pid]
            for dept in depts:
                if dept == p.department:
                    continue
                for q in rng.sample(by_dept[dept], min(len(by_dept[dept]), rng.randint(3, 6))):
                    add(p, q, rng.randint(1, 3))
        rows.sort()
        formats.write_csv(
            self.data / "interactions.csv",
            ("sender", "recipient", "timestamp", "weight", "channel"),
            ((s, r, ts, w, ch) for ts, s, r, w, ch in rows),
        )
        self.files["interactions.csv"] = len(rows)

    # -- documents ---------------------------------------------------------------------------------------
    def write_documents(self) -> None:
        rng = _rng(self.seed, "documents")
        topic_by_key = {t.key: t for t in TOPICS}
        experts = sorted(self.topic_of)
        # heavy-tailed activity (Zipf over a random ranking, primary experts ranked ahead of secondary ones):
        # a few prolific authors write much of the knowledge base, most experts write a handful of assets.
        # Rank weights rather than sampled Pareto weights keep the tail's shape stable from seed to seed.
        ranking = sorted(
            experts,
            key=lambda pid: (rng.random() * (0.5 if pid in self.primary[self.topic_of[pid]] else 1.0), pid),
        )
        weights = [1.0 / (rank + 1) ** 0.85 for rank in range(len(ranking))]
        n_regular = self.n_documents - 1  # plus broken.pdf; the bad-date Markdown file is one of these
        plan: list[str] = []
        for pid in experts:  # everyone planted as an expert has written at least one asset on the topic
            plan += [pid] * (3 if self.topic_of[pid] in self.single else 1)
        plan += rng.choices(ranking, weights, k=max(0, n_regular - len(plan)))
        plan = plan[:n_regular]
        rng.shuffle(plan)
        manifest: list[list[str]] = []
        mixable = [t for t in TOPICS if t.key not in self.single]
        bad_date_index = rng.randrange(n_regular)
        for i, author in enumerate(plan):
            topic = topic_by_key[self.topic_of[author]]
            doc_type = rng.choice(content.DOC_TYPES)
            team = self.primary[topic.key] + self.secondary[topic.key]
            authors = [author]
            if topic.key not in self.single and rng.random() < 0.2:
                co = [pid for pid in team if pid != author]
                if co:
                    authors.append(rng.choice(co))
            reviewers: list[str] = []
            if topic.key not in self.single and rng.random() < 0.5:
                smes = [pid for pid in self.primary[topic.key] if pid not in authors]
                if smes:
                    reviewers.append(rng.choice(smes))
            other = rng.choice([t for t in mixable if t.key != topic.key]) if rng.random() < 0.2 else None
            title, body = self.compose(rng, topic, doc_type, other)
            day = (self.anchor - timedelta(days=rng.randint(0, 3 * 365))).date()
            vis_roll = rng.random()
            visibility = "public" if vis_roll < 0.15 else "restricted" if vis_roll > 0.95 else "internal"
            allowed: list[str] = []
            if visibility == "restricted":
                allowed = [f"group:{topic.community}", *(self.by_id[a].email for a in authors)]
            tags = [topic.name, *rng.sample(topic.synonyms, min(2, len(topic.synonyms))), doc_type]
            fmt_roll = rng.random()
            ext = ".md" if fmt_roll < 0.84 else ".html" if fmt_roll < 0.93 else ".txt"
            folder = slug(topic.department)
            stem = slug(title)[:60].rstrip("-")
            rel = f"documents/{folder}/{stem}-{i + 1:04d}{ext}"
            emails = [self.by_id[a].email for a in authors]
            rev_emails = [self.by_id[r].email for r in reviewers]
            date_text = day.isoformat()
            if ext == ".md":
                front: dict[str, Any] = {"title": title, "authors": emails}
                if rev_emails:
                    front["reviewers"] = rev_emails
                front["community"] = topic.community
                front["tags"] = tags
                front["visibility"] = visibility
                if allowed:
                    front["allowed"] = allowed
                if i == bad_date_index:
                    date_text = f"{day.year}-02-30"
                    self.malformed.append(
                        {
                            "file": rel,
                            "problem": f"front matter date {date_text} is not a calendar date",
                            "field": "date",
                            "outcome": "rejected",
                        }
                    )
                front["date"] = date_text
                text = formats.markdown_document(front, f"# {title}\n\n{body}")
            elif ext == ".html":
                text = formats.html_document(title, f"# {title}\n\n{body}")
            else:
                text = formats.text_document(title, body)
            if ext != ".md":
                manifest.append(
                    [
                        rel,
                        title,
                        ";".join(emails),
                        ";".join(rev_emails),
                        topic.community,
                        ";".join(tags),
                        visibility,
                        ";".join(allowed),
                        date_text,
                    ]
                )
            formats.write_bytes(self.data / rel, text.encode("utf-8"))
            if i != bad_date_index:
                for a in authors:
                    self.doc_counts[a] += 1
                self.doc_topics[rel] = topic.key
        broken = "documents/broken.pdf"
        formats.write_bytes(
            self.data / broken,
            b"This file was saved from an e-mail client with the wrong extension.\nIt is not a PDF.\n",
        )
        self.malformed.append(
            {
                "file": broken,
                "problem": "file named .pdf is not a PDF",
                "field": None,
                "outcome": "rejected",
            }
        )
        formats.write_csv(self.data / MANIFEST_NAME, MANIFEST_COLUMNS, manifest)
        self.files["documents"] = n_regular + 1
        self.files[MANIFEST_NAME] = len(manifest)

    def compose(self, rng: random.Random, topic: Topic, doc_type: str, other: Topic | None) -> tuple[str, str]:
        """Title and Markdown body for one knowledge asset, 120-350 words, mostly in the topic's own words."""
        site = rng.choice(content.SITES)
        slots = {
            "name": topic.name,
            "term": rng.choice(topic.terms),
            "method": rng.choice(topic.methods),
            "method2": rng.choice(topic.methods),
            "problem": rng.choice(topic.problems),
            "synonym": rng.choice(topic.synonyms),
            "dept": topic.department,
            "site": site,
            "community": topic.community,
            "tag": topic.synonyms[0],
            "n": str(rng.randint(2, 9)),
            "pct": str(rng.randrange(10, 65, 5)),
        }
        while slots["method2"] == slots["method"] and len(topic.methods) > 1:
            slots["method2"] = rng.choice(topic.methods)
        caps = {f"{k}_cap": v[:1].upper() + v[1:] for k, v in slots.items()}
        slots.update(caps)

        def fill(template: str) -> str:
            return template.format(**slots)

        def fresh(key: str) -> None:
            slots[key] = rng.choice(getattr(topic, key + "s"))
            slots[f"{key}_cap"] = slots[key][:1].upper() + slots[key][1:]

        title = fill(rng.choice(content.TITLE_TEMPLATES[doc_type]))
        tips = list(topic.tips)
        rng.shuffle(tips)
        mix = ""
        if other is not None:
            mix = rng.choice(content.MIXING_SENTENCES).format(
                other_name=other.name, other_tip=rng.choice(other.tips), other_synonym=rng.choice(other.synonyms)
            )
        parts: list[str] = []
        # at most one "##" heading per document: the chunker splits on headings, and the demo is embedded on a
        # CPU at ingest, so each asset should stay within one or two 256-token chunks
        if doc_type == "lessons learned":
            parts.append(fill(rng.choice(content.INTROS)) + " " + fill(rng.choice(content.CONTEXT_SENTENCES)))
            parts.append("**What we did.** " + fill(rng.choice(content.METHOD_SENTENCES)) + " " + " ".join(tips[:2]))
            parts.append("**What we would do differently.** " + " ".join(tips[2:4]))
            if mix:
                parts.append(mix)
            fresh("problem")
            parts += ["## Key takeaways", fill(rng.choice(content.OUTCOME_SENTENCES))]
        elif doc_type == "how-to guide":
            parts += [fill(rng.choice(content.INTROS)), "## Steps"]
            parts += [f"{k}. {tip}" for k, tip in enumerate(tips[:5], start=1)]
            parts.append("**Common pitfalls.** " + fill(rng.choice(content.CONTEXT_SENTENCES)))
            fresh("method")
            parts.append(fill(rng.choice(content.METHOD_SENTENCES)))
            if mix:
                parts.append(mix)
        elif doc_type == "after-action review":
            parts.append(
                f"**What was supposed to happen?** We planned to improve {slots['term']} using {slots['method']}."
            )
            parts.append("**What actually happened?** " + fill(rng.choice(content.CONTEXT_SENTENCES)))
            parts.append("**Why was there a difference?** " + " ".join(tips[:2]))
            parts.append("**What will we do next time?** " + " ".join(tips[2:4]))
            if mix:
                parts.append(mix)
        elif doc_type == "FAQ":
            parts.append(fill(rng.choice(content.INTROS)))
            questions = list(content.FAQ_QUESTIONS)
            rng.shuffle(questions)
            for q, tip in zip(questions[:4], tips[:4], strict=False):
                fresh("term")
                fresh("problem")
                parts.append(f"**Q: {fill(q)}** {tip}")
            if mix:
                parts.append(mix)
        else:  # checklist
            parts.append(fill(rng.choice(content.INTROS)))
            parts += [f"- [ ] {tip}" for tip in tips[:6]]
            if mix:
                parts.append(mix)
        fresh("term")
        parts.append(fill(rng.choice(content.EXTRA_SENTENCES)))
        parts.append(fill(rng.choice(content.CLOSINGS)))
        body = "\n\n".join(parts)
        # pad short documents with further, not yet used advice; cap long ones (1-2 chunks of 256 tokens)
        used = set(parts)
        extra = [t for t in tips if not any(t in part for part in used)]
        extra += [fill(t) for t in rng.sample(content.EXTRA_SENTENCES, len(content.EXTRA_SENTENCES))]
        while len(body.split()) < 130 and extra:
            sentence = extra.pop(0)
            if sentence not in body:
                body += "\n\n" + sentence
        if len(body.split()) > 350:
            body = " ".join(body.split(" ")[:340]).rstrip(",;:") + "."
        return title, body

    # -- truth -------------------------------------------------------------------------------------------
    def truth(self) -> DemoTruth:
        dept_sizes = Counter(p.department for p in self.people)
        topics: dict[str, dict[str, Any]] = {}
        topic_docs = Counter(self.doc_topics.values())
        queries: list[dict[str, Any]] = []
        for t in TOPICS:
            topics[t.key] = {
                "name": t.name,
                "department": t.department,
                "community": t.community,
                "community_id": f"cop-{slug(t.community)}",
                "course_id": self.course_ids.get(t.key),
                "primary": self.primary[t.key],
                "secondary": self.secondary[t.key],
                "documents": topic_docs[t.key],
                "authors": {pid: self.doc_counts[pid] for pid in self.primary[t.key] + self.secondary[t.key]},
            }
            relevant = {pid: 2 for pid in self.primary[t.key] if self.visible(pid)}
            relevant |= {pid: 1 for pid in self.secondary[t.key] if self.visible(pid)}
            for q in t.queries:
                queries.append({"query": q, "topic": t.key, "relevant": relevant})
        return DemoTruth(
            seed=self.seed,
            anchor_date=content.ANCHOR_DATE,
            people=len(self.people),
            documents=self.n_documents,
            departments=dict(sorted(dept_sizes.items())),
            topics=topics,
            single_expert_topics=self.single,
            networkers=self.networkers,
            opted_out=sorted(p.pid for p in self.people if p.opted_out),
            inactive=sorted(p.pid for p in self.people if not p.active),
            hidden_experts=self.hidden_experts,
            communities=self.community_truth,
            queries=queries,
            malformed=self.malformed,
            files=dict(sorted(self.files.items())),
            voided_statements=self.voided,
            document_topics=dict(sorted(self.doc_topics.items())),
        )


def generate_demo(out_dir: Path, *, seed: int = 7, people: int = 600, documents: int = 2000) -> DemoTruth:
    """Write the demo organisation under ``out_dir/data`` and its planted truth to ``out_dir/truth.json``.

    The same ``seed``, ``people`` and ``documents`` always give byte-identical files. Existing files the
    generator writes are overwritten; a previous run's ``data/documents`` folder is cleared first so that a
    smaller run does not leave stale documents behind.
    """
    if not MIN_PEOPLE <= people <= MAX_PEOPLE:
        raise ConfigError(f"people={people} is out of range; expected {MIN_PEOPLE} to {MAX_PEOPLE} (600 is typical)")
    if not MIN_DOCUMENTS <= documents <= MAX_DOCUMENTS:
        raise ConfigError(
            f"documents={documents} is out of range; expected {MIN_DOCUMENTS} to {MAX_DOCUMENTS} (2000 is typical)"
        )
    out_dir = Path(out_dir)
    docs = out_dir / "data" / "documents"
    if docs.exists():
        _clear_generated(docs)
    b = _Builder(out_dir, seed, people, documents)
    b.build_people()
    b.plant_experts()
    b.write_people()
    rows = b.courses()
    b.write_courses(rows)
    b.write_statements(rows)
    b.write_communities()
    b.write_interactions()
    b.write_documents()
    truth = b.truth()
    formats.write_json(out_dir / "truth.json", truth.to_dict())
    return truth


def _clear_generated(folder: Path) -> None:
    """Remove the files a previous run generated (only document-like files, never anything else)."""
    for path in sorted(folder.rglob("*"), reverse=True):
        if path.is_file() and path.suffix.lower() in (".md", ".html", ".txt", ".pdf"):
            path.unlink()
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()


def load_truth(path: Path) -> dict[str, Any]:
    """Read ``truth.json`` back (a plain dict, as tests and benchmarks use it)."""
    import json

    return json.loads(Path(path).read_text(encoding="utf-8"))
