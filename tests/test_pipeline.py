"""End-to-end ingest behaviour on small real-format inputs: idempotency, edits, retraction, identity
catch-up, voiding, and bad input never stopping good records."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from graph.sqlite_store import SQLiteStore
from ingest.pipeline import ingest_paths, plan_inputs

PEOPLE = """person_id,name,email,department,title,location,manager
u1,Ada Lovelace,ada@example.org,Engineering,Head of Engineering,London,
u2,Bo Diddley,bo@example.org,Engineering,Engineer,London,u1
u3,Cy Twombly,cy@example.org,Finance,Analyst,Paris,ada@example.org
"""

COURSES = """course_id,title,description,code,topics
km100,Introduction to the Performing and Learning Framework,Why knowledge management matters,KM 100,knowledge management
km104,Communities of Practice,Launching and leading communities of practice,KM 104,communities of practice
"""

COMPLETIONS = """person,course_id,status,at,score
ada@example.org,km100,passed,2026-01-10,0.9
bo@example.org,km100,completed,2026-02-11,
u3,km104,failed,2026-03-12,45
"""

MEMBERSHIPS = """person,community,role,since
ada@example.org,Contract Management,leader,2024-05-01
cy@example.org,Contract Management,member,2025-01-01
"""

DOC_A = """---
title: Negotiating supply contracts with utilities
authors: [ada@example.org]
reviewers: [cy@example.org]
community: Contract Management
tags: [contract negotiation, utilities]
visibility: internal
date: 2025-06-01
---
# Negotiating with utilities

Index-linked tariffs, take-or-pay clauses and capacity charges decide most utility contracts.
Start with the load profile and the renewal calendar.
"""

DOC_B = """---
title: Kubernetes incident response
authors: [bo@example.org]
date: 2025-07-01
---
When a pod crash-loops, check the readiness probe first, then the resource limits.
"""


def _statement(sid: str, email: str, verb: str, course: str, ts: str = "2026-04-01T10:00:00Z") -> dict:
    verbs = {
        "completed": "http://adlnet.gov/expapi/verbs/completed",
        "passed": "http://adlnet.gov/expapi/verbs/passed",
    }
    return {
        "id": sid,
        "actor": {"objectType": "Agent", "mbox": f"mailto:{email}"},
        "verb": {"id": verbs[verb], "display": {"en-US": verb}},
        "object": {"id": course, "definition": {"name": {"en-US": "Data Privacy Basics"}}},
        "result": {"score": {"scaled": 0.8}, "success": True, "completion": True},
        "timestamp": ts,
    }


def _void(sid: str, target: str) -> dict:
    return {
        "id": sid,
        "actor": {"objectType": "Agent", "mbox": "mailto:admin@example.org"},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/voided", "display": {"en-US": "voided"}},
        "object": {"objectType": "StatementRef", "id": target},
        "timestamp": "2026-04-02T10:00:00Z",
    }


@pytest.fixture
def org(tmp_path: Path) -> Path:
    root = tmp_path / "org"
    (root / "docs").mkdir(parents=True)
    (root / "people.csv").write_text(PEOPLE)
    (root / "courses.csv").write_text(COURSES)
    (root / "completions.csv").write_text(COMPLETIONS)
    (root / "memberships.csv").write_text(MEMBERSHIPS)
    (root / "docs" / "utilities.md").write_text(DOC_A)
    (root / "docs" / "k8s.md").write_text(DOC_B)
    return root


@pytest.fixture
def store(tmp_path: Path) -> SQLiteStore:
    s = SQLiteStore(tmp_path / "store.db")
    s.setup_schema()
    return s


def test_plan_detects_every_kind(org: Path) -> None:
    inputs, unknown = plan_inputs([org])
    kinds = {(i.path.name, i.kind) for i in inputs}
    assert kinds == {
        ("people.csv", "people"),
        ("courses.csv", "courses"),
        ("completions.csv", "completions"),
        ("memberships.csv", "memberships"),
        ("org", "documents"),
    }
    assert inputs[0].kind == "people"  # directory first so references resolve
    assert unknown == []


def test_unknown_file_is_a_fatal_rejection_of_that_file_only(tmp_path: Path) -> None:
    f = tmp_path / "mystery.csv"
    f.write_text("a,b\n1,2\n")
    inputs, unknown = plan_inputs([f])
    assert inputs == [] and [r.path for r in unknown] == [str(f)]
    (rej,) = unknown[0].rejections
    assert rej.fatal and "cannot tell what this file holds" in rej.reason and "closest" not in rej.reason
    assert "header matches a documented contract" in rej.expected and "--kind" in rej.expected


def test_an_unrecognised_named_file_does_not_stop_the_others(store: SQLiteStore, tmp_path: Path) -> None:
    """A file whose kind cannot be told (random bytes, a people export with ``id`` for ``person_id``, a document
    given on its own) is one fatal rejection of that file; the other inputs of the run land, and the run is not
    ok (``whoknows ingest`` exits 3). It stopped the whole run before anything was written."""
    people = tmp_path / "people.csv"
    people.write_text("person_id,name,email\np1,Ann Lee,ann@example.org\n")
    blob = tmp_path / "weird.bin"
    blob.write_bytes(bytes(range(256)) * 4)
    near = tmp_path / "staff.csv"
    near.write_text("id,name,email,department\nx1,Bo Chan,bo@example.org,Finance\n")
    doc = tmp_path / "note.md"
    doc.write_text("# A note\n\nSome text.\n")
    run = ingest_paths(store, [people, blob, near, doc], embed=None)
    assert not run.ok
    assert store.get_node("person:p1") is not None  # the good file landed
    reasons = {Path(s.path).name: [r.reason for r in s.rejections] for s in run.sources if s.rejections}
    assert reasons["weird.bin"] == ["cannot tell what this file holds"]
    assert reasons["staff.csv"] == ["cannot tell what this file holds (closest: people, which also needs person_id)"]
    assert reasons["note.md"] == ["a document given on its own"]


def test_ingest_builds_the_graph(store: SQLiteStore, org: Path) -> None:
    run = ingest_paths(store, [org])
    assert run.ok, run.to_dict()
    c = store.counts()
    assert c["Person"] == 3 and c["Department"] == 2 and c["REPORTS_TO"] == 2
    assert c["Course"] == 2 and c["COMPLETED"] == 3
    assert c["Community"] == 1 and c["MEMBER_OF"] == 2
    assert c["Document"] == 2 and c["AUTHORED"] == 2 and c["REVIEWED"] == 1 and c["IN_COMMUNITY"] == 1
    assert c["Chunk"] >= 2 and c["pending"] == 0
    ada = store.get_node("person:u1")
    assert ada is not None and ada.node.props["department"] == "Engineering"
    assert {r.type for r in ada.outgoing} >= {"AUTHORED", "COMPLETED", "MEMBER_OF", "IN_DEPARTMENT"}
    hits = store.search_text("take-or-pay capacity charges", labels=["Chunk"])
    assert hits and store.get_nodes([hits[0].id])[hits[0].id].props["doc_id"].startswith("doc:")
    assert store.runs()[0]["run_id"] == run.run_id


def test_rerun_changes_nothing_and_skips_unchanged_files(store: SQLiteStore, org: Path) -> None:
    ingest_paths(store, [org])
    before = store.content_hash()
    run = ingest_paths(store, [org])
    assert store.content_hash() == before
    structured = [s for s in run.sources if s.kind != "documents"]
    assert all(s.skipped_unchanged_file for s in structured)
    docs = next(s for s in run.sources if s.kind == "documents")
    assert docs.unchanged == 2 and docs.accepted == 0
    assert run.totals["accepted"] == 0


def test_record_level_rerun_after_unrelated_change(store: SQLiteStore, org: Path) -> None:
    ingest_paths(store, [org])
    (org / "people.csv").write_text(PEOPLE + "u4,Di Prima,di@example.org,Finance,Analyst,Paris,u3\n")
    run = ingest_paths(store, [org])
    people = next(s for s in run.sources if s.kind == "people")
    assert (people.read, people.accepted, people.unchanged) == (4, 1, 3)
    assert store.counts()["Person"] == 4


def test_edited_document_replaces_chunks_and_contributions(store: SQLiteStore, org: Path) -> None:
    ingest_paths(store, [org])
    edited = DOC_A.replace("authors: [ada@example.org]", "authors: [bo@example.org]").replace(
        "Index-linked tariffs", "Demand response programmes"
    )
    (org / "docs" / "utilities.md").write_text(edited)
    run = ingest_paths(store, [org])
    docs = next(s for s in run.sources if s.kind == "documents")
    assert docs.accepted == 1 and docs.unchanged == 1
    assert store.search_text("tariffs index linked", labels=["Chunk"]) == []
    assert store.search_text("demand response programmes", labels=["Chunk"])
    authored = [(r.start, r.end) for r in store.iter_rels("AUTHORED")]
    assert len(authored) == 2 and {s for s, _ in authored} == {"person:u2"}


def test_deleted_records_and_files_are_retracted(store: SQLiteStore, org: Path) -> None:
    ingest_paths(store, [org])
    (org / "memberships.csv").write_text(MEMBERSHIPS.splitlines()[0] + "\n" + MEMBERSHIPS.splitlines()[1] + "\n")
    (org / "docs" / "k8s.md").unlink()
    run = ingest_paths(store, [org])
    assert store.counts()["MEMBER_OF"] == 1
    assert store.counts()["Document"] == 1
    assert next(s for s in run.sources if s.kind == "memberships").retracted == 1
    assert next(s for s in run.sources if s.kind == "documents").retracted == 1
    assert store.search_text("readiness probe crash loops") == []


def test_unresolved_person_is_kept_and_attaches_later(store: SQLiteStore, org: Path, tmp_path: Path) -> None:
    late = tmp_path / "late"
    late.mkdir()
    (late / "memberships.csv").write_text("person,community,role\nnew.hire@example.org,Contract Management,sme\n")
    run = ingest_paths(store, [late])
    assert store.counts()["pending"] == 1 and store.counts()["MEMBER_OF"] == 0
    notices = [n.message for s in run.sources for n in s.notices]
    assert any("new.hire@example.org" in m and "pending" in m for m in notices)
    (org / "people.csv").write_text(PEOPLE + "u9,New Hire,new.hire@example.org,Finance,Analyst,Paris,u3\n")
    run = ingest_paths(store, [org])
    assert run.pending_resolved == 1
    assert store.counts()["pending"] == 0
    rel = next(r for r in store.iter_rels("MEMBER_OF") if r.start == "person:u9")
    assert rel.props["role"] == "sme"


def test_xapi_voided_statement_retracts_its_target(store: SQLiteStore, org: Path, tmp_path: Path) -> None:
    ingest_paths(store, [org])
    lrs = tmp_path / "lrs"
    lrs.mkdir()
    course = "https://lms.example.org/courses/privacy"
    statements = [
        _statement("6f1c7d0e-0000-4000-8000-000000000001", "ada@example.org", "passed", course),
        _statement("6f1c7d0e-0000-4000-8000-000000000002", "bo@example.org", "completed", course),
    ]
    (lrs / "statements.ndjson").write_text("\n".join(json.dumps(s) for s in statements) + "\n")
    ingest_paths(store, [lrs])
    assert store.counts()["COMPLETED"] == 5
    privacy = [n for n in store.iter_nodes("Course") if n.props["course_id"] == course]
    assert privacy and privacy[0].props["title"] == "Data Privacy Basics"
    (lrs / "void.json").write_text(json.dumps([_void("6f1c7d0e-0000-4000-8000-0000000000ff", statements[0]["id"])]))
    ingest_paths(store, [lrs])
    assert store.counts()["COMPLETED"] == 4
    # an export that still carries the voided statement does not bring it back
    (lrs / "again.ndjson").write_text(json.dumps(statements[0]) + "\n")
    ingest_paths(store, [lrs])
    assert store.counts()["COMPLETED"] == 4


def test_bad_records_never_stop_good_ones(store: SQLiteStore, org: Path) -> None:
    (org / "people.csv").write_text(
        PEOPLE
        + ",No Id,e5@example.org,Finance,Analyst,Paris,\n"  # missing required person_id
        + "u6,Too,Many,Cells,Here,X,Y,Z\n"  # extra cells
        + "u7,Fine Person,f7@example.org,Finance,Analyst,Paris,u3\n"
    )
    (org / "completions.csv").write_text(COMPLETIONS + "ada@example.org,km104,finished,2026-01-01,\n")
    (org / "people.bin.json").write_bytes(b'[{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "id": "x", ')
    run = ingest_paths(store, [org])
    people = next(s for s in run.sources if s.kind == "people")
    assert people.accepted == 4 and people.rejected == 2
    messages = [r.reason + " " + r.expected for r in people.rejections]
    assert any(r.field == "person_id" for r in people.rejections), messages
    assert all(r.where.line for r in people.rejections)
    comp = next(s for s in run.sources if s.kind == "completions")
    assert comp.rejected == 1 and comp.rejections[0].field == "status"
    assert "passed" in comp.rejections[0].expected
    truncated = next(s for s in run.sources if s.path.endswith("people.bin.json"))
    assert truncated.rejected == 1 and truncated.rejections[0].fatal
    assert not run.ok
    assert store.counts()["Person"] == 4


def test_fatal_file_does_not_retract_what_it_could_not_read(store: SQLiteStore, org: Path) -> None:
    ingest_paths(store, [org])
    (org / "people.csv").write_bytes(PEOPLE.encode()[:60] + b"\xff\xfe broken \n")
    run = ingest_paths(store, [org])
    people = next(s for s in run.sources if s.kind == "people")
    assert people.rejected >= 1
    assert store.counts()["Person"] == 3  # nobody was retracted by a damaged export
    assert any("were kept" in n.message for n in people.notices)


def test_empty_file_is_reported(store: SQLiteStore, tmp_path: Path) -> None:
    f = tmp_path / "people.csv"
    f.write_text("")
    run = ingest_paths(store, [f], kind="people")
    assert run.sources[0].rejected == 1 and "empty" in run.sources[0].rejections[0].reason


def test_one_unreadable_document_does_not_fail_the_run(store: SQLiteStore, org: Path) -> None:
    (org / "docs" / "broken.pdf").write_bytes(b"%PDF-1.7\n this is not really a pdf")
    run = ingest_paths(store, [org])
    docs = next(s for s in run.sources if s.kind == "documents")
    assert docs.rejected == 1 and "broken.pdf" in docs.rejections[0].where.file
    assert docs.accepted == 2 and run.ok


SHARED_COMPLETIONS = """person,course_id,status,at,score
ada@example.org,km100,passed,2026-01-10,0.9
ada@example.org,ext-1,completed,2026-02-11,
bo@example.org,ext-1,passed,2026-03-12,0.7
"""


def test_shared_nodes_get_one_source_per_feed_and_go_when_no_record_refers_to_them(
    store: SQLiteStore, org: Path
) -> None:
    """A Course that completions assert alike has one provenance source per completions file, not one per
    completion; it stays while any row of the file refers to it and is retracted with the last one."""
    (org / "completions.csv").write_text(SHARED_COMPLETIONS)
    ingest_paths(store, [org])
    ext = store.get_node("course:ext-1")
    assert ext is not None and len(ext.node.sources) == 1 and ext.node.sources[0].endswith("@course:ext-1")
    km100 = store.get_node("course:km100")
    assert km100 is not None and len(km100.node.sources) == 2  # its catalogue row, and the completions file
    assert any(s.endswith("#km100") for s in km100.node.sources)
    person_feed = store.get_node("person:u1").node.sources[0].split("#")[0]
    assert store.get_node("dept:engineering").node.sources == (f"{person_feed}@dept:engineering",)

    # a record-level re-run (file touched, rows unchanged) keeps the shared node: the rows still refer to it
    (org / "completions.csv").write_text(SHARED_COMPLETIONS + "\n")
    run = ingest_paths(store, [org])
    completions = next(s for s in run.sources if s.kind == "completions")
    assert completions.unchanged == 3 and completions.retracted == 0
    assert store.get_node("course:ext-1") is not None

    lines = SHARED_COMPLETIONS.splitlines(keepends=True)
    (org / "completions.csv").write_text("".join(lines[:3]))  # one of the two ext-1 rows removed
    run = ingest_paths(store, [org])
    assert next(s for s in run.sources if s.kind == "completions").retracted == 1
    assert store.get_node("course:ext-1") is not None and store.counts()["COMPLETED"] == 2

    (org / "completions.csv").write_text("".join(lines[:2]))  # no row refers to ext-1 any more
    run = ingest_paths(store, [org])
    assert next(s for s in run.sources if s.kind == "completions").retracted == 1  # records, not shared nodes
    assert store.get_node("course:ext-1") is None
    assert store.get_node("course:km100") is not None and store.counts()["COMPLETED"] == 1


def test_shared_ids_follow_the_mapping(org: Path) -> None:
    """Mapper.shared_ids (used for rows a re-run skips) names exactly the nodes mapping puts in ``shared``."""
    from ingest.identity import IdentityIndex
    from ingest.mapping import Mapper
    from ingest.pipeline import _readers

    (org / "memberships.csv").write_text(MEMBERSHIPS + "bo@example.org,Brand New Community,member,\n")
    mapper = Mapper(IdentityIndex())
    checked = 0
    for kind in ("people", "completions", "memberships"):
        with (org / f"{kind}.csv").open("rb") as fp:
            for rec in _readers()[kind](fp, kind):
                expected = mapper.shared_ids(rec)
                mapped = getattr(mapper, {"people": "person", "completions": "completion"}.get(kind, "membership"))(
                    rec, "src"
                )
                assert tuple(n.id for n in mapped.shared) == expected and expected
                checked += 1
    assert checked == 3 + 3 + 3
