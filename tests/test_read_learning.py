"""Learning readers: xAPI statements (spec-style examples, cmi5 verbs), the courses CSV and the completions CSV."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from ingest.learning import (
    COMPLETION_VERBS,
    completion_record_id,
    read_completions_csv,
    read_courses_csv,
    read_xapi,
)
from ingest.records import CompletionRecord, PersonRef, VoidRecord
from tests.test_read_helpers import run, run_file

PASSED = "http://adlnet.gov/expapi/verbs/passed"


def _stmt(sid: str | None = "s1", verb: str = PASSED, **extra: object) -> dict:
    stmt = {
        "actor": {"objectType": "Agent", "mbox": "mailto:ada@example.org"},
        "verb": {"id": verb, "display": {"en-US": verb.rsplit("/", 1)[-1]}},
        "object": {"id": "https://lms.example.com/courses/km100", "objectType": "Activity"},
        "timestamp": "2026-04-01T10:00:00Z",
    }
    if sid is not None:
        stmt["id"] = sid
    stmt.update(extra)
    return stmt


def _ndjson(*stmts: dict) -> str:
    return "".join(json.dumps(s) + "\n" for s in stmts)


# -- xAPI ----------------------------------------------------------------------------------------------
def test_statement_result_fixture() -> None:
    records, rejections, notices = run_file(read_xapi, "xapi_statement_result.json")
    assert rejections == []
    done, passed, satisfied, void = records
    assert isinstance(done, CompletionRecord) and done.status == "completed"
    assert done.person == PersonRef("email", "user@example.com")
    assert done.course_id == "http://example.adlnet.gov/xapi/example/simplestatement"
    assert done.course_title == "simple statement" and done.course_description.startswith("A simple Experience")
    assert done.at == datetime(2015, 11, 18, 12, 17, tzinfo=UTC) and done.where.line == 3
    assert passed.person == PersonRef("account", "https://lms.example.com|jsmith")
    assert passed.score == 0.9  # raw 45 of max 50
    assert passed.at == datetime(2026, 2, 3, 14, 30, tzinfo=UTC)  # -05:00 converted to UTC
    assert passed.course_title == "Communities of Practice"  # en-GB when there is no en-US
    assert satisfied.person == PersonRef("mbox_sha1sum", "ebd31e95054c018b10727ccffd2ef2ec3a016ee9")
    assert satisfied.course_title == "Wissensmanagement"  # no English: the first language
    assert isinstance(void, VoidRecord) and void.target_id == done.record_id
    (skipped,) = notices
    assert "2 statement(s)" in skipped.message and "launched 1" in skipped.message


def test_ndjson_fixture_with_failed_waived_and_a_skipped_lifecycle_verb() -> None:
    records, rejections, notices = run_file(read_xapi, "xapi_statements.ndjson")
    assert rejections == []
    assert [(r.status, r.score, r.where.line) for r in records] == [("failed", 0.42, 1), ("waived", None, 2)]
    assert records[0].person == PersonRef("email", "ada@example.org")  # mbox lower-cased
    assert "terminated 1" in notices[0].message


def test_every_result_verb_maps_to_its_status() -> None:
    stmts = [_stmt(f"s{i}", verb) for i, verb in enumerate(COMPLETION_VERBS)]
    records, rejections, _ = run(read_xapi, json.dumps(stmts), "x.json")
    assert rejections == []
    assert [r.status for r in records] == ["completed", "passed", "failed", "satisfied", "waived"]


def test_unknown_verb_is_rejected_naming_the_accepted_ones() -> None:
    records, rejections, _ = run(read_xapi, _ndjson(_stmt("s1", "http://example.com/verbs/liked")), "x.ndjson")
    assert records == []
    (bad,) = rejections
    assert bad.field == "verb.id" and "liked" in bad.reason and PASSED in bad.expected
    assert "voided" in bad.expected and bad.where.record == "s1" and bad.where.line == 1


def test_group_openid_and_bad_mbox_actors_are_rejected_clearly() -> None:
    group = _stmt("g", actor={"objectType": "Group", "member": [{"mbox": "mailto:a@b.org"}]})
    openid = _stmt("o", actor={"openid": "https://openid.example.org/ada"})
    bad_mbox = _stmt("m", actor={"mbox": "ada@example.org"})
    no_ifi = _stmt("n", actor={"name": "Ada"})
    records, rejections, _ = run(read_xapi, _ndjson(group, openid, bad_mbox, no_ifi), "x.ndjson")
    assert records == []
    assert [r.field for r in rejections] == ["actor", "actor.openid", "actor.mbox", "actor"]
    assert "Group" in rejections[0].reason and "mbox" in rejections[0].expected


def test_bad_and_missing_timestamps_are_rejected_naming_field_and_format() -> None:
    bad = _stmt("b", timestamp="01/04/2026 10:00")
    missing = _stmt("m")
    del missing["timestamp"]
    stored = _stmt("s", stored="2026-04-03T08:00:00Z")
    del stored["timestamp"]
    records, rejections, _ = run(read_xapi, _ndjson(bad, missing, stored), "x.ndjson")
    assert [r.record_id for r in records] == ["s"]  # the LRS's stored time stands in for a missing timestamp
    assert records[0].at == datetime(2026, 4, 3, 8, tzinfo=UTC)
    assert [r.field for r in rejections] == ["timestamp", "timestamp"]
    assert "ISO 8601" in rejections[0].expected and "2026-01-10T09:30:00Z" in rejections[0].expected


def test_missing_statement_id_gets_a_deterministic_id_and_a_notice() -> None:
    data = _ndjson(_stmt(None))
    first, rej1, notices = run(read_xapi, data, "x.ndjson")
    again, rej2, _ = run(read_xapi, data, "x.ndjson")
    assert rej1 == rej2 == []
    assert first[0].record_id == again[0].record_id and len(first[0].record_id) == 36
    assert any(first[0].record_id in n.message for n in notices)
    other, _, _ = run(read_xapi, _ndjson(_stmt(None, timestamp="2026-04-02T10:00:00Z")), "x.ndjson")
    assert other[0].record_id != first[0].record_id


def test_scores_out_of_range_are_rejected() -> None:
    stmts = [
        _stmt("a", result={"score": {"scaled": 1.5}}),
        _stmt("b", result={"score": {"raw": 60, "max": 50}}),
        _stmt("c", result={"score": {"raw": 5, "max": 0}}),
        _stmt("d", result={"score": {"raw": 7, "min": 5, "max": 9}}),
    ]
    records, rejections, _ = run(read_xapi, json.dumps(stmts), "x.json")
    assert [(r.record_id, r.score) for r in records] == [("d", 0.5)]
    assert [r.field for r in rejections] == ["result.score.scaled", "result.score.raw", "result.score"]


def test_void_must_point_at_a_statement_and_object_must_be_an_activity() -> None:
    voided = "http://adlnet.gov/expapi/verbs/voided"
    stmts = [
        _stmt("v1", voided, object={"objectType": "Activity", "id": "x"}),
        _stmt("p1", object={"objectType": "Agent", "mbox": "mailto:x@y.org"}),
        _stmt("p2", object={"objectType": "Activity"}),
    ]
    records, rejections, _ = run(read_xapi, json.dumps(stmts), "x.json")
    assert records == []
    assert [r.field for r in rejections] == ["object", "object.objectType", "object.id"]


def test_duplicate_statement_ids() -> None:
    same = _stmt("s1")
    changed = _stmt("s1", timestamp="2026-05-01T00:00:00Z")
    records, rejections, notices = run(read_xapi, _ndjson(same, same, changed), "x.ndjson")
    assert len(records) == 1 and len(rejections) == 1
    assert rejections[0].where.line == 3 and "line 1" in rejections[0].reason
    assert any("identical duplicate" in n.message for n in notices)


def test_truncated_statement_list_is_fatal_after_the_good_statements() -> None:
    text = json.dumps([_stmt("s1"), _stmt("s2"), _stmt("s3")], indent=1)
    cut = text[: text.index('"s3"') + 2]
    records, rejections, _ = run(read_xapi, cut, "x.json")
    assert [r.record_id for r in records] == ["s1", "s2"]
    assert len(rejections) == 1 and rejections[0].fatal and "truncated" in rejections[0].reason


def test_empty_and_latin1_xapi_files() -> None:
    _, rejections, _ = run(read_xapi, b"", "x.json")
    assert rejections[0].fatal and "empty" in rejections[0].reason
    latin = json.dumps(
        [_stmt("s1", object={"id": "c", "definition": {"name": {"fr": "Sécurité"}}})], ensure_ascii=False
    )
    records, rejections, _ = run(read_xapi, latin.encode("latin-1"), "x.json")
    assert records == [] and rejections[0].fatal and "iconv" in rejections[0].expected


# -- courses CSV ---------------------------------------------------------------------------------------
def test_courses_csv_fixture_with_a_multiline_quoted_description() -> None:
    records, rejections, _ = run_file(read_courses_csv, "courses.csv")
    assert rejections == []
    km100, km104 = records
    assert km100.description == "Why knowledge management matters,\nand how to start"
    assert km100.topics == ("knowledge management", "onboarding") and km100.code == "KM 100"
    assert (km100.where.line, km104.where.line) == (2, 4)  # a record is numbered by its first line


def test_courses_csv_bad_cases() -> None:
    data = 'course_id,title\nc1,Intro\n,No id\nc2,\nc1,Other title\nc3,"never closed\n'
    records, rejections, _ = run(read_courses_csv, data)
    assert [r.course_id for r in records] == ["c1"]
    assert [(r.field, r.where.line) for r in rejections] == [
        ("course_id", 3),
        ("title", 4),
        ("course_id", 5),
        (None, 6),
    ]
    assert "line 2" in rejections[2].reason and "never closed" in rejections[3].reason
    _, rejections, _ = run(read_courses_csv, "id,name\nc1,Intro\n")
    assert rejections[0].fatal and rejections[0].field == "course_id, title"


# -- completions CSV -----------------------------------------------------------------------------------
def test_completions_csv_fixture() -> None:
    records, rejections, _ = run_file(read_completions_csv, "completions.csv")
    assert rejections == []
    ada, bo, cy = records
    assert (ada.person, ada.status, ada.score) == (PersonRef("email", "ada@example.org"), "passed", 0.9)
    assert ada.at == datetime(2026, 1, 10, tzinfo=UTC)
    assert bo.at == datetime(2026, 2, 11, 13, 30, tzinfo=UTC) and bo.score is None
    assert cy.person == PersonRef("employee_number", "E003") and cy.score == 0.45
    assert cy.course_title == "Communities of Practice"
    assert ada.record_id == completion_record_id("email:ada@example.org", "km100", "passed", ada.at)


def test_completion_id_is_deterministic_and_the_same_instant_spelt_differently_is_one_record() -> None:
    data = "person,course_id,status,at\nu1,c1,passed,2026-01-10\nu1,c1,passed,2026-01-10T00:00:00Z\n"
    records, rejections, notices = run(read_completions_csv, data)
    again, _, _ = run(read_completions_csv, data)
    assert rejections == [] and len(records) == 1 and records[0].record_id == again[0].record_id
    assert notices  # the identical second row was skipped and said so


def test_completions_csv_bad_values_name_the_field() -> None:
    data = (
        "person,course_id,status,at,score\n"
        "u1,c1,finished,2026-01-10,\n"
        "u1,c1,passed,10/01/2026,\n"
        "u1,c1,passed,2026-01-10,150\n"
        "u1,c1,passed,2026-01-10,-0.5\n"
        "u1,c1,passed,2026-01-10,high\n"
        ",c1,passed,2026-01-10,\n"
        "u1,c1,PASSED,2026-01-11,100\n"
    )
    records, rejections, _ = run(read_completions_csv, data)
    assert [(r.status, r.score) for r in records] == [("passed", 1.0)]
    assert [r.field for r in rejections] == ["status", "at", "score", "score", "score", "person"]
    assert "completed, passed, failed, satisfied, waived" in rejections[0].expected
    assert "ISO 8601" in rejections[1].expected and "0 and 100" in rejections[2].expected


def test_completions_csv_duplicate_with_other_score_is_rejected() -> None:
    data = "person,course_id,status,at,score\nu1,c1,passed,2026-01-10,0.8\nu1,c1,passed,2026-01-10,0.9\n"
    records, rejections, _ = run(read_completions_csv, data)
    assert [r.score for r in records] == [0.8]
    assert rejections[0].where.line == 3 and "line 2" in rejections[0].reason
