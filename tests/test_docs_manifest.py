"""Document manifests (CSV and JSON): good rows come through normalised, bad rows are rejected by line/record."""

from __future__ import annotations

import io
from pathlib import Path

from ingest.documents import iter_documents
from ingest.manifest import normalise_metadata, read_manifest
from ingest.records import DocumentRecord
from ingest.report import Rejection

FIXTURES = Path(__file__).parent / "fixtures" / "documents"


def run(text: str | bytes, name: str = "manifest.csv") -> tuple[list[tuple[str, dict]], list[Rejection]]:
    raw = text.encode() if isinstance(text, str) else text
    items = list(read_manifest(io.BytesIO(raw), name))
    return [i for i in items if not isinstance(i, Rejection)], [i for i in items if isinstance(i, Rejection)]


def test_csv_fixture_rows_are_normalised() -> None:
    good, bad = run((FIXTURES / "manifest.csv").read_bytes())
    assert bad == []
    assert good == [
        (
            "report.pdf",
            {
                "title": "Quarterly energy report",
                "authors": ["email:ada@example.org", "id:u9"],
                "reviewers": ["email:cy@example.org"],
                "community": "Energy",
                "tags": ["energy", "reporting"],
                "visibility": "internal",
                "date": "2025-03-31",
            },
        ),
        ("notes.txt", {"tags": ["onboarding"], "visibility": "public"}),
    ]


def test_csv_bad_rows_are_rejected_with_line_and_field_and_good_rows_land() -> None:
    text = (
        "path,visibility,date,authors\n"
        "a.pdf,secret,,\n"
        "b.pdf,internal,31/12/2025,\n"
        "c.pdf,internal,2025-12-31,Jane Doe <jane@x.org>\n"
        "../escape.pdf,public,,\n"
        ",public,,\n"
        "c.pdf,public,,\n"
        "d.pdf,public\n"
    )
    good, bad = run(text)
    assert good == [("c.pdf", {"visibility": "internal", "date": "2025-12-31", "authors": ["email:jane@x.org"]})]
    by_line = {r.where.line: r for r in bad}
    assert by_line[2].field == "visibility" and "'secret'" in by_line[2].reason
    assert by_line[3].field == "date" and "YYYY-MM-DD" in by_line[3].expected
    assert by_line[5].field == "path" and "leaves the folder" in by_line[5].reason
    assert by_line[6].field == "path" and "no path" in by_line[6].reason
    assert by_line[7].field == "path" and "listed again" in by_line[7].reason and "line 4" in by_line[7].reason
    assert "cells" in by_line[8].reason
    assert not any(r.fatal for r in bad)


def test_csv_missing_path_column_is_fatal() -> None:
    good, bad = run("file,title\na.pdf,A\n")
    assert good == [] and len(bad) == 1 and bad[0].fatal and bad[0].field == "path"


def test_csv_extra_columns_are_reported_once_and_ignored() -> None:
    good, bad = run("path,title,colour\na.pdf,A,blue\nb.pdf,B,red\n")
    assert good == [("a.pdf", {"title": "A"}), ("b.pdf", {"title": "B"})]
    assert len(bad) == 1 and bad[0].field == "colour" and not bad[0].fatal


def test_csv_with_only_some_optional_columns_and_tsv() -> None:
    good, bad = run("path\ttags\nsub\\x.docx\ta;b\n")
    assert bad == [] and good == [("sub/x.docx", {"tags": ["a", "b"]})]


def test_csv_empty_and_wrong_encoding() -> None:
    assert run("")[1][0].fatal
    _, bad = run("path,title\na.pdf,Caf\xe9\n".encode("latin-1"))
    assert bad and "UTF-8" in bad[0].reason and bad[0].where.line == 2


def test_json_manifest_lists_values_and_aliases() -> None:
    text = """[
      {"path": "a.pdf", "title": "A", "smes": ["cy@x.org"], "tags": "x; y", "allowed": ["group:HR", "id:u1"]},
      {"path": "b.pdf", "visibility": "nope"},
      {"title": "no path"},
      "not an object",
      {"path": "c.pdf", "flavour": "mint", "date": "2025-01-02T10:00:00"}
    ]"""
    good, bad = run(text, "manifest.json")
    assert good == [
        (
            "a.pdf",
            {"title": "A", "reviewers": ["email:cy@x.org"], "tags": ["x", "y"], "allowed": ["group:HR", "id:u1"]},
        ),
        ("c.pdf", {"date": "2025-01-02"}),
    ]
    fields = sorted((r.where.record, r.field) for r in bad)
    assert fields == [("1", "visibility"), ("2", "path"), ("3", None), ("4", "flavour")]


def test_json_manifest_syntax_error_is_fatal_with_line() -> None:
    _, bad = run('[\n {"path": "a.pdf",}\n]', "manifest.json")
    assert len(bad) == 1 and bad[0].fatal and bad[0].where.line == 2
    _, bad = run('{"path": "a.pdf"}', "manifest.json")
    assert bad[0].fatal and "list" in bad[0].expected


def test_normalise_metadata_is_idempotent() -> None:
    raw = {"authors": "Bo <BO@x.org>; id:u2", "date": "2025-02-03", "allowed": "group:Ops, eve@x.org", "Tag": "t"}
    once, _ = normalise_metadata(raw)
    twice, _ = normalise_metadata(once)
    assert (
        once
        == twice
        == {
            "authors": ["email:bo@x.org", "id:u2"],
            "date": "2025-02-03",
            "allowed": ["group:Ops", "email:eve@x.org"],
            "tags": ["t"],
        }
    )


def test_manifest_row_for_missing_file_is_reported_by_iter_documents(tmp_path: Path) -> None:
    (tmp_path / "here.txt").write_text("Here\nbody")
    (tmp_path / "manifest.csv").write_text("path,title\nhere.txt,Here it is\ngone.pdf,Gone\n")
    out = list(iter_documents(tmp_path))
    rej = [r for r in out if isinstance(r, Rejection)]
    recs = [r for r in out if isinstance(r, DocumentRecord)]
    assert [r.title for r in recs] == ["Here it is"]
    assert len(rej) == 1 and rej[0].field == "path" and rej[0].where.record == "gone.pdf"
