"""The demo organisation generator: deterministic bytes, realistic sizes, standard formats, and a planted
truth that the files themselves bear out (checked from the files, not from the generator's internals)."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import statistics
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pytest
import yaml

from whoknows.demo import generate_demo
from whoknows.demo.generator import SCIM_ENTERPRISE, WK_GROUP, WK_USER
from whoknows.errors import ConfigError

SMALL = {"people": 320, "documents": 400}
# generating the default organisation takes a few seconds (more on a loaded CI machine)
pytestmark = pytest.mark.slow


def _digest(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    """The default organisation (600 people, 2,000 documents), generated once for the module."""
    out = tmp_path_factory.mktemp("demo")
    truth = generate_demo(out)
    return out, truth


@pytest.fixture(scope="module")
def doc_meta(demo: tuple[Path, Any]) -> dict[str, dict[str, Any]]:
    """Every document's metadata, parsed once from the files (front matter and manifest)."""
    out, truth = demo
    bad_docs = {m["file"] for m in truth.malformed if m["file"].startswith("documents/")}
    return _documents(out / "data", bad_docs)


def _front_matter(text: str) -> dict[str, Any]:
    assert text.startswith("---\n")
    block = text[4 : text.index("\n---\n", 4)]
    return yaml.load(block, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def _documents(data: Path, bad: set[str]) -> dict[str, dict[str, Any]]:
    """Every document's metadata from front matter or the manifest, keyed by path relative to data/."""
    meta: dict[str, dict[str, Any]] = {}
    with (data / "manifest.csv").open(newline="", encoding="utf-8") as fp:
        for row in csv.DictReader(fp):
            meta[row["path"]] = {
                "authors": row["authors"].split(";"),
                "reviewers": [r for r in row["reviewers"].split(";") if r],
                "visibility": row["visibility"],
                "allowed": [a for a in row["allowed"].split(";") if a],
                "date": row["date"],
            }
    for path in sorted((data / "documents").rglob("*.md")):
        rel = path.relative_to(data).as_posix()
        if rel in bad:
            continue
        meta[rel] = _front_matter(path.read_text(encoding="utf-8"))
    return meta


# -- determinism ------------------------------------------------------------------------------------------
def test_same_seed_gives_identical_bytes_and_another_seed_differs(tmp_path: Path) -> None:
    a = generate_demo(tmp_path / "a", seed=11, **SMALL)
    b = generate_demo(tmp_path / "b", seed=11, **SMALL)
    generate_demo(tmp_path / "c", seed=12, **SMALL)
    da, db, dc = _digest(tmp_path / "a"), _digest(tmp_path / "b"), _digest(tmp_path / "c")
    assert da == db
    assert a.to_dict() == b.to_dict()
    assert len(da) > SMALL["documents"]  # every document file is compared, not just the structured exports
    for name in ("data/people.json", "data/statements.ndjson", "data/interactions.csv", "truth.json"):
        assert da[name] != dc[name], name


def test_output_does_not_depend_on_string_hashing(tmp_path: Path) -> None:
    """Two processes with different PYTHONHASHSEED (set iteration order) still write the same bytes."""
    code = (
        "import sys; from pathlib import Path; from whoknows.demo import generate_demo; "
        "generate_demo(Path(sys.argv[1]), seed=5, people=320, documents=300)"
    )
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        subprocess.run([sys.executable, "-c", code, str(tmp_path / hash_seed)], check=True, env=env)
    assert _digest(tmp_path / "1") == _digest(tmp_path / "2")


def test_regenerating_smaller_leaves_no_stale_documents(tmp_path: Path) -> None:
    generate_demo(tmp_path, seed=3, people=320, documents=500)
    truth = generate_demo(tmp_path, seed=3, people=320, documents=300)
    files = [p for p in (tmp_path / "data" / "documents").rglob("*") if p.is_file()]
    assert len(files) == truth.documents == 300


@pytest.mark.parametrize(("people", "documents"), [(10, 2000), (600, 5), (100_000, 2000)])
def test_out_of_range_sizes_are_refused_with_the_valid_range(tmp_path: Path, people: int, documents: int) -> None:
    with pytest.raises(ConfigError, match="expected"):
        generate_demo(tmp_path, people=people, documents=documents)


# -- sizes and formats ------------------------------------------------------------------------------------
def test_sizes_are_within_the_realistic_ranges(demo: tuple[Path, Any]) -> None:
    out, truth = demo
    data = out / "data"
    users = json.loads((data / "people.json").read_text())["Resources"]
    people = [u for u in users if "id" in u]
    assert 400 <= len(people) <= 1000 and len(people) == truth.people == 600
    depts = Counter(u[SCIM_ENTERPRISE]["department"] for u in people)
    assert 10 <= len(depts) <= 13, depts  # the listed departments plus the small executive office
    assert {"Finance", "Knowledge Management office", "Legal & Compliance", "Customer Service"} <= set(depts)
    locations = {u["addresses"][0]["locality"] for u in people}
    assert len(locations) >= 5
    inactive = [u for u in people if u["active"] is False]
    assert 3 <= len(inactive) <= 30
    groups = json.loads((data / "communities.json").read_text())["Resources"]
    assert 12 <= len(groups) <= 20
    sizes = sorted(len(g["members"]) for g in groups)
    assert sizes[-1] >= 3 * statistics.median(sizes)  # heavy-tailed community sizes
    docs = [p for p in (data / "documents").rglob("*") if p.is_file()]
    assert len(docs) == 2000
    exts = Counter(p.suffix for p in docs)
    assert exts[".md"] > 1500 and exts[".html"] > 50 and exts[".txt"] > 50 and exts[".pdf"] == 1
    n_interactions = sum(1 for _ in (data / "interactions.csv").open()) - 1
    assert 2000 <= n_interactions <= 10000
    n_statements = sum(1 for _ in (data / "statements.ndjson").open())
    assert n_statements >= 2000
    assert not (data / "truth.json").exists() and (out / "truth.json").exists()


def test_every_file_parses_with_standard_tools(demo: tuple[Path, Any], doc_meta: dict[str, dict[str, Any]]) -> None:
    out, truth = demo
    data = out / "data"
    bad_lines = {(m["file"], m.get("line")) for m in truth.malformed}
    for name in ("people.json", "communities.json"):
        doc = json.loads((data / name).read_text(encoding="utf-8"))
        assert doc["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:ListResponse"]
        assert doc["totalResults"] == len(doc["Resources"])
    unparseable = []
    for number, line in enumerate((data / "statements.ndjson").read_text().splitlines(), start=1):
        try:
            json.loads(line)
        except json.JSONDecodeError:
            unparseable.append(number)
    assert [("statements.ndjson", n) for n in unparseable] == [
        (m["file"], m["line"]) for m in truth.malformed if m["problem"] == "truncated JSON line"
    ]
    for name, header in (
        ("courses.csv", ["course_id", "title", "description", "code", "topics"]),
        ("memberships.csv", ["person", "community", "role", "since"]),
        ("interactions.csv", ["sender", "recipient", "timestamp", "weight", "channel"]),
    ):
        rows = list(csv.reader(io.StringIO((data / name).read_text(encoding="utf-8"))))
        assert rows[0] == header
        short = [i + 1 for i, r in enumerate(rows) if len(r) != len(header)]
        assert all((name, n) in bad_lines for n in short), (name, short)
    bad_docs = {m["file"] for m in truth.malformed if m["file"].startswith("documents/")}
    meta = doc_meta
    assert len(meta) == 2000 - len(bad_docs)
    for rel, md in meta.items():
        assert (data / rel).is_file(), rel
        assert md["authors"] and all("@" in a for a in md["authors"]), rel
        assert md["visibility"] in ("public", "internal", "restricted")
        if md["visibility"] == "restricted":
            assert md["allowed"], rel
    # the planted bad date really is unparseable for a YAML loader
    (bad_md,) = [f for f in bad_docs if f.endswith(".md")]
    with pytest.raises(ValueError):
        _front_matter((data / bad_md).read_text())


def test_documents_are_short_specific_and_mostly_one_heading(demo: tuple[Path, Any]) -> None:
    out, truth = demo
    data = out / "data"
    topics = truth.topics
    counts = []
    for rel, key in list(truth.document_topics.items())[::7]:
        text = (data / rel).read_text(encoding="utf-8")
        body = text.split("\n---\n", 1)[1] if rel.endswith(".md") else text
        words = len(body.split())
        counts.append(words)
        assert 100 <= words <= 420, (rel, words)  # html carries a little markup around 120-350 words
        assert body.count("\n## ") <= 1, rel  # at most one section break: one or two 256-token chunks
        # the document speaks the topic's language: its name or one of its synonyms appears
        t = topics[key]["name"].lower()
        assert t in body.lower() or any(s.lower() in body.lower() for s in _synonyms(key)), rel
    assert 120 <= statistics.median(counts) <= 300


def _synonyms(key: str) -> tuple[str, ...]:
    from whoknows.demo.content import TOPICS

    topic = next(t for t in TOPICS if t.key == key)
    return (*topic.synonyms, *topic.terms, *topic.methods)


# -- learning ---------------------------------------------------------------------------------------------
def test_km_curriculum_and_catalogue_match_the_statements(demo: tuple[Path, Any]) -> None:
    out, truth = demo
    data = out / "data"
    with (data / "courses.csv").open(newline="", encoding="utf-8") as fp:
        courses = list(csv.DictReader(fp))
    by_code = {c["code"]: c for c in courses}
    expected = {
        "KM 100": "Introduction to the Performing and Learning Framework",
        "KM 101": "Knowledge Capture with Individuals",
        "KM 102": "Knowledge Capture with Teams",
        "KM 103": "Knowledge Assets",
        "KM 104": "Communities of Practice",
        "KM 105": "Creating a Knowledge Enabled Organization",
    }
    for code, title in expected.items():
        assert by_code[code]["title"] == title
        assert len(by_code[code]["description"].split()) >= 20
    domain = [c for c in courses if not c["code"].startswith(("KM ", "GEN "))]
    assert 20 <= len(domain) <= 30
    assert all(c["topics"] for c in domain)
    catalogue = {c["course_id"] for c in courses}
    users = json.loads((data / "people.json").read_text())["Resources"]
    user_names = {u["userName"] for u in users}
    emails = {e["value"] for u in users for e in u["emails"]}
    verbs: Counter[str] = Counter()
    ids_seen: set[str] = set()
    per_person: Counter[str] = Counter()
    km_by_dept: dict[str, set[str]] = defaultdict(set)
    dept_of = {e["value"]: u.get(SCIM_ENTERPRISE, {}).get("department") for u in users for e in u["emails"]}
    dept_of |= {u["userName"]: u.get(SCIM_ENTERPRISE, {}).get("department") for u in users}
    for line in (data / "statements.ndjson").read_text().splitlines():
        try:
            s = json.loads(line)
        except json.JSONDecodeError:
            continue
        verb = s["verb"]["id"].rsplit("/", 1)[-1]
        verbs[verb] += 1
        if verb == "voided":
            assert s["object"]["objectType"] == "StatementRef"
            assert s["object"]["id"] in ids_seen  # an LRS voids statements it already holds
            assert s["object"]["id"] in truth.voided_statements
            continue
        ids_seen.add(s["id"])
        assert s["object"]["id"] in catalogue  # the catalogue's course_id is the xAPI activity id
        actor = s["actor"]
        who = actor["account"]["name"] if "account" in actor else actor["mbox"].removeprefix("mailto:")
        assert who in user_names or who in emails or who.endswith("partner.example.com")
        if verb in ("completed", "passed", "satisfied") and who in dept_of:
            per_person[who] += 1
            if "/km-10" in s["object"]["id"]:
                km_by_dept[dept_of[who]].add(who)
    assert {"completed", "passed", "failed", "satisfied", "waived", "voided", "launched", "initialized"} <= set(verbs)
    assert verbs["voided"] == len(truth.voided_statements) >= 3
    # heavy tail: the most active learners complete several times what the median learner does
    counts = sorted(per_person.values())
    assert counts[-1] >= 4 * statistics.median(counts)
    # KM curriculum uptake varies by department: the KM office takes it, engineering mostly does not
    sizes = Counter(u.get(SCIM_ENTERPRISE, {}).get("department") for u in users if "id" in u)
    km_share = {d: len(km_by_dept[d]) / sizes[d] for d in sizes}
    assert km_share["Knowledge Management office"] > 0.7 > 0.4 > km_share["Engineering"]


# -- the planted truth ------------------------------------------------------------------------------------
def test_truth_file_matches_the_returned_truth(demo: tuple[Path, Any]) -> None:
    out, truth = demo
    assert json.loads((out / "truth.json").read_text()) == json.loads(json.dumps(truth.to_dict()))


def test_planted_experts_are_borne_out_by_the_documents(
    demo: tuple[Path, Any], doc_meta: dict[str, dict[str, Any]]
) -> None:
    out, truth = demo
    data = out / "data"
    users = {u["id"]: u for u in json.loads((data / "people.json").read_text())["Resources"] if "id" in u}
    email_to_id = {e["value"]: pid for pid, u in users.items() for e in u["emails"]}
    meta = doc_meta
    authors_by_topic: dict[str, Counter[str]] = defaultdict(Counter)
    for rel, key in truth.document_topics.items():
        for email in meta[rel]["authors"]:
            authors_by_topic[key][email_to_id[email]] += 1
    assert 25 <= len(truth.topics) <= 35
    for key, t in truth.topics.items():
        experts = set(t["primary"]) | set(t["secondary"])
        assert experts <= set(users), key
        # every primary expert wrote on the topic, and only the topic's experts did
        assert set(t["primary"]) <= set(authors_by_topic[key]), key
        assert set(authors_by_topic[key]) <= experts, key
        # the topic's queries are paraphrases, not the topic's name
        qs = [q for q in truth.queries if q["topic"] == key]
        assert 2 <= len(qs) <= 3
        for q in qs:
            assert t["name"].lower() not in q["query"].lower()
            assert q["relevant"] and set(q["relevant"]) <= experts
            assert not set(q["relevant"]) & (set(truth.opted_out) | set(truth.inactive))
    assert 3 <= len(truth.single_expert_topics) <= 6
    for key in truth.single_expert_topics:
        t = truth.topics[key]
        assert len(t["primary"]) == 1 and not t["secondary"]
        assert list(authors_by_topic[key]) == t["primary"], key
        assert t["documents"] >= 3
    # reviewers are the topic's SMEs
    for rel, key in truth.document_topics.items():
        for email in meta[rel].get("reviewers") or []:
            assert email_to_id[email] in truth.topics[key]["primary"], rel


def test_heavy_tailed_authorship(doc_meta: dict[str, dict[str, Any]]) -> None:
    per_author = Counter(a for md in doc_meta.values() for a in md["authors"])
    counts = sorted(per_author.values(), reverse=True)
    top = counts[: max(1, len(counts) // 10)]
    assert sum(top) / sum(counts) > 0.30
    assert statistics.median(counts) <= 10


def test_opt_outs_hierarchy_and_communities(demo: tuple[Path, Any]) -> None:
    out, truth = demo
    data = out / "data"
    users = [u for u in json.loads((data / "people.json").read_text())["Resources"] if "id" in u]
    ids = {u["id"] for u in users}
    opted = sorted(u["id"] for u in users if u.get(WK_USER, {}).get("optOut") is True)
    assert opted == truth.opted_out and 3 <= len(opted) <= 10
    assert set(truth.hidden_experts) <= set(opted)
    bad_refs = [u["id"] for u in users if u[SCIM_ENTERPRISE].get("manager", {}).get("value", u["id"]) not in ids]
    assert bad_refs == [m["record"] for m in truth.malformed if m.get("field") == "manager"]
    managers = Counter(u[SCIM_ENTERPRISE]["manager"]["value"] for u in users if "manager" in u[SCIM_ENTERPRISE])
    assert sum(1 for u in users if "manager" not in u[SCIM_ENTERPRISE]) == 1  # one chief executive
    assert len(managers) >= 40  # heads and managers with reports: a real hierarchy
    assert len({u["userName"] for u in users}) == len(users)
    assert len({u["emails"][0]["value"] for u in users}) == len(users)
    groups = json.loads((data / "communities.json").read_text())["Resources"]
    for g in groups:
        ext = g[WK_GROUP]
        members = {m["value"] for m in g["members"]}
        assert g["id"].startswith("cop-") and ext["description"] and ext["topics"]
        assert ext["leaders"] and ext["facilitators"]
        assert set(ext["leaders"]) | set(ext["facilitators"]) | set(ext["smes"]) <= members <= ids


def test_planted_networkers_bridge_departments(demo: tuple[Path, Any]) -> None:
    out, truth = demo
    data = out / "data"
    users = [u for u in json.loads((data / "people.json").read_text())["Resources"] if "id" in u]
    by_email = {u["emails"][0]["value"]: u for u in users}
    reach: dict[str, set[str]] = defaultdict(set)
    same = cross = 0
    with (data / "interactions.csv").open(newline="") as fp:
        for row in csv.DictReader(fp):
            a, b = by_email[row["sender"]], by_email[row["recipient"]]
            da, db = a[SCIM_ENTERPRISE]["department"], b[SCIM_ENTERPRISE]["department"]
            if da == db:
                same += 1
                continue
            cross += 1
            reach[a["id"]].add(db)
            reach[b["id"]].add(da)
    assert same > 2 * cross  # mostly within departments
    assert len(truth.networkers) >= 4
    for pid in truth.networkers:
        assert len(reach[pid]) >= 8, pid
    # the chief executive talks to every head of department: a bridge by hierarchy, not a planted networker
    ceo = next(u["id"] for u in users if "manager" not in u[SCIM_ENTERPRISE])
    others = sorted(len(reach[u["id"]]) for u in users if u["id"] not in {*truth.networkers, ceo})
    # everyone else reaches few other departments (the networkers' own contacts pick up one each)
    assert others[int(len(others) * 0.95)] <= 3 and others[-1] < min(len(reach[p]) for p in truth.networkers)
