"""People readers: SCIM 2.0 Users (RFC 7643 examples) and the people CSV, good and bad input."""

from __future__ import annotations

import json
import tracemalloc
from pathlib import Path

import pytest

from ingest.people import ENTERPRISE_USER_SCHEMA, SCIM_USER_SCHEMA, read_people_csv, read_scim_users
from ingest.records import PersonRecord, PersonRef
from tests.test_read_helpers import run, run_file

BABS = "2819c223-7f76-453a-919d-413861904646"


def _user(uid: str, name: str = "Ada", **extra: object) -> dict:
    return {"schemas": [SCIM_USER_SCHEMA], "id": uid, "userName": uid, "displayName": name, **extra}


# -- SCIM ----------------------------------------------------------------------------------------------
def test_scim_list_response_maps_core_enterprise_and_our_extension() -> None:
    records, rejections, _ = run_file(read_scim_users, "scim_users_list.json")
    assert rejections == []
    babs, john, kim = records
    assert babs.person_id == BABS and babs.name == "Babs Jensen"
    assert babs.emails == ("babs@jensen.org", "bjensen@example.com")  # primary first, lower-cased
    assert (babs.user_name, babs.external_id, babs.employee_number) == ("bjensen@example.com", "701984", "701984")
    assert (babs.department, babs.title, babs.location) == ("Tour Operations", "Tour Guide", "Hollywood")
    assert babs.manager == PersonRef("id", "26118915-6090-4610-87e4-49d8ca9f808d")
    assert babs.where.line == 7 and babs.where.record == BABS
    assert john.name == "John Smith" and john.opted_out and john.location == "Burbank"
    assert kim.active is False and kim.name == "Kim Jones"  # deactivated people are kept


def test_scim_ndjson_list_and_single_resource_give_the_same_people() -> None:
    ndjson, rej, _ = run_file(read_scim_users, "scim_users.ndjson")
    assert rej == [] and [r.where.line for r in ndjson] == [1, 2]
    assert ndjson[1].name == "Grace Hopper" and ndjson[0].manager == PersonRef("id", "u-101")
    resources = [json.loads(line) for line in (Path(__file__).parent / "fixtures/structured/scim_users.ndjson").open()]
    as_list, rej2, _ = run(read_scim_users, json.dumps(resources, indent=2), "users.json")
    single, rej3, _ = run(read_scim_users, json.dumps(resources[0], indent=2), "one.json")
    assert rej2 == rej3 == []
    strip = [(r.person_id, r.name, r.emails, r.manager) for r in ndjson]
    assert [(r.person_id, r.name, r.emails, r.manager) for r in as_list] == strip
    assert [(r.person_id, r.name, r.emails, r.manager) for r in single] == strip[:1]


def test_scim_missing_id_and_name_are_rejected_naming_the_field() -> None:
    data = json.dumps([{"schemas": [SCIM_USER_SCHEMA], "displayName": "No Id"}, {"id": "u2"}, _user("u3")])
    records, rejections, _ = run(read_scim_users, data, "users.json")
    assert [r.person_id for r in records] == ["u3"]
    assert [r.field for r in rejections] == ["id", "displayName"]
    assert rejections[1].where.record == "u2" and "givenName" in rejections[1].expected


def test_scim_bad_boolean_and_group_resource_are_rejected() -> None:
    ext = "urn:whoknows:params:scim:schemas:extension:2.0:User"
    data = json.dumps(
        [
            _user("u1", active="maybe"),
            _user("u2", **{ext: {"optOut": "perhaps"}}),
            {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "id": "g1", "displayName": "G"},
            _user("u4", active="false"),
        ]
    )
    records, rejections, _ = run(read_scim_users, data, "users.json")
    assert [(r.person_id, r.active) for r in records] == [("u4", False)]
    assert [r.field for r in rejections] == ["active", f"{ext}:optOut", "schemas"]
    assert "true/false" in rejections[0].expected


def test_scim_duplicate_ids_first_kept_conflict_rejected_identical_skipped() -> None:
    lines = [_user("u1", "Ada"), _user("u1", "Ada"), _user("u1", "Ada B."), _user("u2", "Bo")]
    data = "\n".join(json.dumps(x) for x in lines) + "\n"
    records, rejections, notices = run(read_scim_users, data, "users.ndjson")
    assert [(r.person_id, r.name) for r in records] == [("u1", "Ada"), ("u2", "Bo")]
    assert len(rejections) == 1
    assert rejections[0].where.line == 3 and "line 1" in rejections[0].reason
    assert any("1 identical duplicate" in n.message for n in notices)


def test_scim_empty_file_is_one_fatal_rejection() -> None:
    records, rejections, _ = run(read_scim_users, b"  \n\n", "users.json")
    assert records == [] and len(rejections) == 1 and rejections[0].fatal
    assert "empty" in rejections[0].reason


def test_scim_truncated_json_is_fatal_with_line_and_keeps_earlier_records() -> None:
    data = (Path(__file__).parent / "fixtures/structured/scim_users_list.json").read_bytes()
    cut = data[: data.index(b'"c75ad752')]
    records, rejections, _ = run(read_scim_users, cut, "users.json")
    assert [r.name for r in records] == ["Babs Jensen", "John Smith"]
    assert len(rejections) == 1 and rejections[0].fatal
    assert rejections[0].where.line == cut.count(b"\n") + 1
    assert "truncated" in rejections[0].reason and "column" in rejections[0].reason


def test_scim_invalid_json_in_the_middle_is_fatal_with_line_and_column() -> None:
    data = '[\n{"id": "u1", "displayName": "A"},\n{"id": "u2" "displayName": "B"}\n]\n'
    records, rejections, _ = run(read_scim_users, data, "users.json")
    assert [r.person_id for r in records] == ["u1"]
    (bad,) = rejections
    assert bad.fatal and bad.where.line == 3 and "column 13" in bad.reason


def test_scim_latin1_document_is_fatal_and_latin1_ndjson_line_is_rejected_alone() -> None:
    doc = json.dumps([_user("u1", "José")], ensure_ascii=False).encode("latin-1")
    records, rejections, _ = run(read_scim_users, doc, "users.json")
    assert records == [] and rejections[0].fatal and "UTF-8" in rejections[0].reason
    lines = [
        json.dumps(_user("u1", "Ann")).encode(),
        json.dumps(_user("u2", "José"), ensure_ascii=False).encode("latin-1"),
    ]
    lines.append(json.dumps(_user("u3", "Cy")).encode())
    records, rejections, _ = run(read_scim_users, b"\n".join(lines) + b"\n", "users.ndjson")
    assert [r.person_id for r in records] == ["u1", "u3"]
    assert len(rejections) == 1 and rejections[0].where.line == 2 and not rejections[0].fatal


def test_scim_bad_ndjson_line_is_rejected_and_reading_goes_on() -> None:
    data = json.dumps(_user("u1")) + "\n" + '{"id": "u2", "displayName": \n' + json.dumps(_user("u3")) + "\n"
    records, rejections, _ = run(read_scim_users, data, "users.ndjson")
    assert [r.person_id for r in records] == ["u1", "u3"]
    assert rejections[0].where.line == 2 and not rejections[0].fatal


def test_scim_enterprise_manager_as_plain_string_and_name_parts() -> None:
    res = {"schemas": [SCIM_USER_SCHEMA], "id": "u9", "name": {"givenName": "Grace", "familyName": "Hopper"}}
    res[ENTERPRISE_USER_SCHEMA] = {"manager": "u1", "department": "Navy"}
    (rec,), rej, _ = run(read_scim_users, json.dumps(res), "one.json")
    assert rej == [] and rec.name == "Grace Hopper" and rec.manager == PersonRef("id", "u1")


# -- people CSV ----------------------------------------------------------------------------------------
def test_people_csv_fixture() -> None:
    records, rejections, _ = run_file(read_people_csv, "people.csv")
    assert rejections == []
    ada, bo, cy = records
    assert ada.emails == ("ada@example.org", "ada.l@example.org") and ada.employee_number == "E001"
    assert ada.external_id == "ext-1" and ada.manager is None and ada.active and not ada.opted_out
    assert bo.emails == ("bo@example.org",) and bo.manager == PersonRef("id", "u1")
    assert cy.name == "Twombly, Cy" and cy.manager == PersonRef("email", "ada@example.org")
    assert cy.active is False and cy.opted_out is True
    assert [r.where.line for r in records] == [2, 3, 4]


def test_people_csv_tsv_with_only_required_columns() -> None:
    (rec,), rej, _ = run(read_people_csv, "Person_ID\tName\nu1\tAda Lovelace\n", "people.tsv")
    assert rej == [] and rec == PersonRecord(rec.where, "u1", "Ada Lovelace")


def test_people_csv_bad_boolean_names_the_field() -> None:
    data = "person_id,name,active,opted_out\nu1,Ada,sometimes,no\nu2,Bo,yes,maybe\nu3,Cy,,\n"
    records, rejections, _ = run(read_people_csv, data)
    assert [r.person_id for r in records] == ["u3"]
    assert [(r.field, r.where.line) for r in rejections] == [("active", 2), ("opted_out", 3)]
    assert "'sometimes' is not a boolean" in rejections[0].reason and "yes/no" in rejections[0].expected


def test_people_csv_missing_required_column_is_fatal() -> None:
    records, rejections, _ = run(read_people_csv, "name,email\nAda,a@b.org\n")
    assert records == [] and len(rejections) == 1
    assert rejections[0].fatal and rejections[0].field == "person_id" and "person_id" in rejections[0].expected


def test_people_csv_without_names_lands_shown_by_email_or_id() -> None:
    records, rejections, notices = run(read_people_csv, "person_id,email\nu1,A@b.org\nu2,\n")
    assert rejections == [] and [(r.person_id, r.name) for r in records] == [("u1", "a@b.org"), ("u2", "u2")]
    assert any("2 person(s) without a name" in n.message for n in notices)


def test_people_csv_extra_column_is_reported_and_rows_still_land() -> None:
    records, rejections, _ = run(read_people_csv, "person_id,name,shoe_size\nu1,Ada,38\n")
    assert [r.person_id for r in records] == ["u1"]
    assert rejections[0].field == "shoe_size" and not rejections[0].fatal


def test_people_csv_rows_with_too_many_or_too_few_cells_are_rejected_with_their_line() -> None:
    data = "person_id,name,department\nu1,Ada,Eng\nu2,Bo\nu3,Cy,Eng,extra\nu4,Di,Ops\n"
    records, rejections, _ = run(read_people_csv, data)
    assert [r.person_id for r in records] == ["u1", "u4"]
    assert [r.where.line for r in rejections] == [3, 4]
    assert "2 cells but the header has 3" in rejections[0].reason
    assert "4 cells" in rejections[1].reason


def test_people_csv_empty_and_header_only_and_blank_required_cells() -> None:
    _, rejections, _ = run(read_people_csv, b"")
    assert len(rejections) == 1 and rejections[0].fatal
    _, rejections, _ = run(read_people_csv, "person_id,name\n")
    assert len(rejections) == 1 and not rejections[0].fatal and "no data rows" in rejections[0].reason
    records, rejections, _ = run(read_people_csv, "person_id,name\n,Ada\nu2,\n")
    assert [r.field for r in rejections] == ["person_id"] and [r.name for r in records] == ["u2"]


def test_people_csv_latin1_line_is_rejected_and_the_rest_lands() -> None:
    data = b"person_id,name\nu1,Ada\n" + "u2,José\n".encode("latin-1") + b"u3,Cy\n"
    records, rejections, _ = run(read_people_csv, data)
    assert [r.person_id for r in records] == ["u1", "u3"]
    assert rejections[0].where.line == 3 and "UTF-8" in rejections[0].reason


def test_people_csv_duplicate_person_id_names_both_lines() -> None:
    data = "person_id,name\nu1,Ada\nu2,Bo\nu1,Ada\nu1,Adeline\n"
    records, rejections, notices = run(read_people_csv, data)
    assert [r.name for r in records] == ["Ada", "Bo"]
    (dup,) = rejections
    assert dup.where.line == 5 and "line 2" in dup.reason and dup.field == "person_id"
    assert notices and "identical" in notices[0].message


# -- streaming -----------------------------------------------------------------------------------------
def _peak_while_reading(reader, path: Path) -> tuple[int, int]:
    tracemalloc.start()
    try:
        count = 0
        with path.open("rb") as fp:
            for item in reader(fp, str(path)):
                assert isinstance(item, PersonRecord), item
                count += 1
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return count, peak


@pytest.mark.slow
def test_100mb_ndjson_and_csv_are_streamed_in_flat_memory(tmp_path: Path) -> None:
    pad = "x" * 1900  # ignored attribute: big lines keep the record count (and the test's time) modest
    ndjson = tmp_path / "users.ndjson"
    csv_path = tmp_path / "people.csv"
    n = 52_000
    with ndjson.open("w") as out:
        for i in range(n):
            out.write(json.dumps(_user(f"u{i}", f"Person {i}", nickName=pad, emails=[{"value": f"p{i}@x.org"}])) + "\n")
    with csv_path.open("w") as out:
        out.write("person_id,name,email,title\n")
        for i in range(n):
            out.write(f"u{i},Person {i},p{i}@x.org,{pad}\n")
    for reader, path in ((read_scim_users, ndjson), (read_people_csv, csv_path)):
        size = path.stat().st_size
        assert size > 100_000_000
        count, peak = _peak_while_reading(reader, path)
        assert count == n
        assert peak < size / 10, f"{path.name}: peak {peak / 1e6:.1f} MB for a {size / 1e6:.0f} MB file"
