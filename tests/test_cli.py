"""The CLI: every command documented, clear errors, exit codes, and the JSON shapes scripts rely on."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from whoknows.cli import main

ROOT = Path(__file__).resolve().parents[1]


def test_every_command_is_documented_and_has_help() -> None:
    doc = (ROOT / "docs" / "cli.md").read_text()
    runner = CliRunner()
    for name, cmd in main.commands.items():
        assert f"whoknows {name}" in doc, f"docs/cli.md does not document 'whoknows {name}'"
        assert cmd.help, f"{name} has no help text"
        result = runner.invoke(main, [name, "--help"])
        assert result.exit_code == 0, result.output
        if name != "migrate":  # migrate names two stores: --from and --to
            assert "--store" in result.output, f"{name} lacks --store"


def test_status_on_missing_store_is_a_clear_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["status", "--store", str(tmp_path / "nope.db")])
    assert result.exit_code == 1
    assert "no store at" in result.output and "whoknows demo" in result.output


def test_unknown_store_scheme(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["status", "--store", "mongodb://x"])
    assert result.exit_code == 1
    assert "unknown store URL scheme 'mongodb'" in result.output


def test_ingest_then_status_json(tmp_path: Path) -> None:
    exports = tmp_path / "exports"
    exports.mkdir()
    (exports / "people.csv").write_text("person_id,name,email,department\nu1,Ada,ada@x.org,Ops\nu2,Bo,bo@x.org,Ops\n")
    (exports / "memberships.csv").write_text("person,community,role\nada@x.org,Lean,leader\nghost@x.org,Lean,member\n")
    db = tmp_path / "s.db"
    runner = CliRunner()
    result = runner.invoke(main, ["ingest", str(exports), "--store", str(db), "--no-embed"])
    assert result.exit_code == 0, result.output
    assert "4 records from 2 source(s), 0 rejected" in result.output
    assert "people.csv: 2 records: 2 accepted, 0 unchanged, 0 rejected; 0 retracted" in result.output
    assert "ghost@x.org" in result.output and "pending" in result.output
    status = runner.invoke(main, ["status", "--store", str(db), "--json"])
    assert status.exit_code == 0
    data = json.loads(status.output)
    assert data["counts"]["Person"] == 2 and data["counts"]["MEMBER_OF"] == 1 and data["counts"]["pending"] == 1
    assert data["runs"][0]["totals"]["accepted"] == 4


def test_ingest_exit_code_3_when_a_file_cannot_be_read(tmp_path: Path) -> None:
    f = tmp_path / "users.json"
    f.write_text('[{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "id": "u1", "userName": ')
    result = CliRunner().invoke(main, ["ingest", str(f), "--store", str(tmp_path / "s.db"), "--no-embed"])
    assert result.exit_code == 3, result.output
    assert "rejected:" in result.output


def test_ingest_strict_fails_on_any_rejection(tmp_path: Path) -> None:
    f = tmp_path / "people.csv"
    f.write_text("person_id,name,active\nu1,Ada,maybe\nu2,Bo,true\n")
    result = CliRunner().invoke(main, ["ingest", str(f), "--store", str(tmp_path / "s.db"), "--no-embed", "--strict"])
    assert result.exit_code == 3, result.output
    assert "active" in result.output


def test_report_counts_add_up(tmp_path: Path) -> None:
    """Every source says its records and how each ended, and they add up: a rejected record is one of the
    records, not one more than were read (before: "read 600, accepted 600, rejected 1")."""
    exports = tmp_path / "exports"
    (exports / "docs").mkdir(parents=True)
    (exports / "people.csv").write_text("person_id,name\nu1,Ada\n,Nameless\nu3,Cy\n")
    (exports / "docs" / "ok.md").write_text("---\ntitle: Fine\n---\ntext\n")
    (exports / "docs" / "bad.pdf").write_bytes(b"not a pdf")
    result = CliRunner().invoke(main, ["ingest", str(exports), "--store", str(tmp_path / "s.db"), "--no-embed"])
    assert "people.csv: 3 records: 2 accepted, 0 unchanged, 1 rejected" in result.output, result.output
    assert "2 records: 1 accepted, 0 unchanged, 1 rejected" in result.output, result.output  # the documents
    assert "5 records from 2 source(s), 2 rejected" in result.output
