"""Routing structured files (detect.py) and the shared JSON/NDJSON and CSV plumbing (jsonio.py, textio.py)."""

from __future__ import annotations

import io
import json

import pytest

from ingest.detect import detect_csv_kind, detect_json_kind
from ingest.jsonio import iter_json_items
from ingest.report import Rejection
from ingest.textio import iter_csv_rows
from tests.test_read_helpers import FIXTURES, shared_data


def _first_object(fixture: str) -> dict:
    text = (FIXTURES / fixture).read_text()
    return json.loads(text.splitlines()[0]) if fixture.endswith("ndjson") else json.loads(text)


@pytest.mark.parametrize(
    ("fixture", "kind"),
    [
        ("scim_users_list.json", "scim_users"),
        ("scim_users.ndjson", "scim_users"),
        ("scim_groups.json", "scim_groups"),
        ("xapi_statement_result.json", "xapi"),
        ("xapi_statements.ndjson", "xapi"),
    ],
)
def test_detect_json_kind_on_fixtures(fixture: str, kind: str) -> None:
    assert detect_json_kind(_first_object(fixture)) == kind


def test_detect_json_kind_on_bare_resources_and_unknown_shapes() -> None:
    users = _first_object("scim_users_list.json")["Resources"]
    assert detect_json_kind(users[0]) == "scim_users"
    assert detect_json_kind({"id": "u1", "userName": "ada"}) == "scim_users"
    assert detect_json_kind({"id": "g1", "displayName": "KM", "members": []}) == "scim_groups"
    assert detect_json_kind(_first_object("xapi_statement_result.json")["statements"][0]) == "xapi"
    assert detect_json_kind({"name": "x", "value": 1}) is None
    assert detect_json_kind({"schemas": ["urn:example:Other"], "userName": "x"}) is None


@pytest.mark.parametrize(
    ("fixture", "kind"),
    [
        ("people.csv", "people"),
        ("courses.csv", "courses"),
        ("completions.csv", "completions"),
        ("memberships.csv", "memberships"),
        ("communities.csv", "communities"),
        ("interactions.csv", "interactions"),
    ],
)
def test_detect_csv_kind_on_fixtures(fixture: str, kind: str) -> None:
    header = (FIXTURES / fixture).read_text().splitlines()[0].split(",")
    assert detect_csv_kind(header) == kind


def test_detect_csv_kind_on_real_network_tables_and_strangers() -> None:
    org = shared_data() / "org-networks"
    for path in sorted(org.glob("*/*.edges.tsv")):
        assert detect_csv_kind(path.read_text().split("\n", 1)[0].split("\t")) == "interactions", path
    for path in sorted(org.glob("*/*.nodes.tsv")):  # node tables have a "name" column: not communities
        assert detect_csv_kind(path.read_text().split("\n", 1)[0].split("\t")) is None, path
    assert detect_csv_kind(["Name"]) == "communities"
    assert detect_csv_kind([" Person_ID ", "NAME", "email"]) == "people"
    assert detect_csv_kind(["from", "to"]) == "interactions"
    assert detect_csv_kind(["a", "b"]) is None and detect_csv_kind([]) is None


def _items(data: str | bytes, name: str = "x.json", containers: tuple[str, ...] = ("Resources",)) -> list:
    raw = data.encode() if isinstance(data, str) else data
    return list(iter_json_items(io.BytesIO(raw), name, containers=containers))


def test_layouts_pretty_single_object_ndjson_pages_and_bom() -> None:
    pretty = _items(json.dumps({"id": "a"}, indent=2))
    assert [(w.line, o) for w, o in pretty] == [(1, {"id": "a"})]
    pages = _items('{"Resources": [{"id": "a"}, {"id": "b"}]}\n{"Resources": [{"id": "c"}]}\n')
    assert [(w.line, w.record, o["id"]) for w, o in pages] == [(1, "1", "a"), (1, "2", "b"), (2, "3", "c")]
    bom = _items(b'\xef\xbb\xbf\n[\n {"id": "a"},\n {"id": "b"}\n]\n')
    assert [(w.line, o["id"]) for w, o in bom] == [(3, "a"), (4, "b")]
    named = _items('{"id": "a"}', name="x.jsonl")
    assert [o for _, o in named] == [{"id": "a"}]


def test_damaged_first_ndjson_line_does_not_make_the_file_one_broken_document() -> None:
    items = _items('{"id": "a",, "x": 1}\n{"id": "b"}\n')
    assert isinstance(items[0], Rejection) and not items[0].fatal and items[0].where.line == 1
    assert items[1][1] == {"id": "b"}


def test_document_errors_are_fatal_with_line_and_column() -> None:
    (bad,) = _items("hello")
    assert bad.fatal and "not JSON" in bad.reason
    *_, trailing = _items('[{"id": "a"}]\n]')
    assert trailing.fatal and trailing.where.line == 2 and "extra data" in trailing.reason
    empty, damage = _items('{\n"Resources": [],\n"x": tru}')
    assert not empty.fatal and "no records" in empty.reason  # the empty list is worth saying, then the damage
    assert damage.fatal and damage.where.line == 3 and "column 6" in damage.reason
    (one_line,) = _items('{"Resources": [], "x": tru}')  # a one-line file: a broken document, not NDJSON
    assert one_line.fatal and "column 24" in one_line.reason
    (no_items,) = _items("[]")
    assert not no_items.fatal and "no records" in no_items.reason
    ok, not_obj = _items('[{"id": 1}, "text"]')
    assert ok[1] == {"id": 1} and isinstance(not_obj, Rejection) and "str" in not_obj.reason


def test_csv_rows_quoted_cells_across_lines_keep_numbering() -> None:
    data = 'a,b\n1,"x\n""y"",z"\n2,plain\n'
    rows = list(iter_csv_rows(io.BytesIO(data.encode()), "t.csv", required=("a", "b")))
    assert [(w.line, r) for w, r in rows] == [(2, {"a": "1", "b": 'x\n"y",z'}), (4, {"a": "2", "b": "plain"})]


def test_csv_stray_quote_inside_a_value_is_literal_and_an_unclosed_quote_is_reported_where_it_opened() -> None:
    data = 'a,b\n1,17" monitor\n2,"x\n3,y\n'
    items = list(iter_csv_rows(io.BytesIO(data.encode()), "t.csv", required=("a", "b")))
    assert items[0] == (items[0][0], {"a": "1", "b": '17" monitor'}) and items[0][0].line == 2
    unclosed, after = items[1:]
    assert isinstance(unclosed, Rejection) and unclosed.where.line == 3 and "never closed" in unclosed.reason
    assert after == (after[0], {"a": "3", "b": "y"}) and after[0].line == 4  # the row after it is not swallowed


def test_header_less_edge_lists_are_told_from_prose_and_tables() -> None:
    from ingest.detect import detect_edge_list

    assert detect_edge_list("# Directed graph\n# FromNodeId\tToNodeId\n0\t1\n2\t3\n")
    assert detect_edge_list("1 2 1082008561\n1 3 1082008562\n% KONECT comment\n4 5\n")
    assert not detect_edge_list("1 2\n")  # one line is not a list
    assert not detect_edge_list("source target\n1 2\n3 4\n")  # a header: the CSV contract's job
    assert not detect_edge_list("Meeting notes\n1 2\nWe agreed on 3 4 things.\n")
    assert not detect_edge_list("1 2 3 4\n5 6 7 8\n")  # four columns is not u v [t]
    assert detect_edge_list("1 2\n3 4\n5 ")  # a cut last line is ignored
    snap = shared_data() / "org-networks" / "email_eu_core" / "email-Eu-core.txt"
    assert detect_edge_list(snap.read_text()[:65536])


def test_a_header_less_edge_list_named_txt_in_a_folder_is_ingested_as_interactions(tmp_path) -> None:
    from graph.analytics.projection import project_store
    from graph.sqlite_store import SQLiteStore
    from ingest.pipeline import ingest_paths, plan_inputs

    org = tmp_path / "org"
    (org / "docs").mkdir(parents=True)
    (org / "people.csv").write_text("person_id,name,department\n" + "".join(f"{i},P{i},D{i % 2}\n" for i in range(6)))
    (org / "docs" / "ties.txt").write_text("# who wrote to whom\n0 1\n1 2\n2 3\n3 4\n4 5\n")
    (org / "docs" / "note.txt").write_text("A real document about contract negotiation.\n")
    inputs, _ = plan_inputs([org])
    assert {(i.path.name, i.kind) for i in inputs} >= {("ties.txt", "interactions"), ("people.csv", "people")}
    store = SQLiteStore(tmp_path / "s.db")
    store.setup_schema()
    run = ingest_paths(store, [org])
    sources = {s.path.rsplit("/", 1)[-1]: s for s in run.sources}
    assert sources["ties.txt"].kind == "interactions" and sources["ties.txt"].accepted == 5
    titles = [n.props.get("title") for n in store.iter_nodes("Document")]
    assert len(titles) == 1  # note.txt only: the edge list is not a document
    assert project_store(store).number_of_edges() == 5
    single = plan_inputs([org / "docs" / "ties.txt"])[0]
    assert [(i.path.name, i.kind) for i in single] == [("ties.txt", "interactions")]
    store.close()
