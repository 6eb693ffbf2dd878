"""Hostile input is normal input (issue 15): each case of tests/hostile_cases.py is ingested in a child process
under a memory limit and a time bound, and must end without a traceback, with the right rejection, every good
record kept, nothing leaked, and bounded time and memory. bench/hostile.py runs the same cases at full size.

The cases run once per module, in one fresh process that forks a child per case (so the memory measured is
the case's own, not this test runner's).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hostile_cases import CASES, Case, small_cases, verdict

from graph.sqlite_store import SQLiteStore
from ingest.limits import Limits, current, from_env, parse_assignments, using
from ingest.pipeline import ingest_paths
from whoknows.errors import ConfigError

HERE = Path(__file__).resolve().parent
MAX_RSS_MB = 1000  # what the issue allows any single case
MAX_SECONDS = 60  # a bound, not a speed target (bench/hostile.py measures; the issue's figure there is 30 s)


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    out = tmp_path_factory.mktemp("hostile") / "results.json"
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    subprocess.run([sys.executable, str(HERE / "hostile_cases.py"), str(out)], check=True, timeout=900, env=env)
    return {r["name"]: r for r in json.loads(out.read_text())}


@pytest.mark.parametrize("case", small_cases(), ids=lambda c: c.name)
def test_hostile_input_is_rejected_clearly_and_good_records_land(results: dict[str, Any], case: Case) -> None:
    r = results[case.name]
    v = verdict(case, r)
    assert not v["crashed"], r.get("crash")
    assert v["rejection_found"], f"expected a rejection matching {case.rejection!r}; got {v['rejections']}"
    assert v["good_lost"] == 0, (r.get("totals"), v["rejections"])
    assert v["leaks"] == 0
    assert r["max_rss_mb"] <= MAX_RSS_MB and r["seconds"] <= MAX_SECONDS, (r["max_rss_mb"], r["seconds"])
    for line in v["rejections"]:  # every rejection is readable: bounded, with the file named
        assert len(line) < 2000


def test_every_case_of_the_issue_is_in_the_suite() -> None:
    covered = {c.issue for c in CASES}
    assert {"1", "2", "3", "5", "6", "7", "8", "also"} <= covered


def _ingest(tmp_path: Path, files: dict[str, str]) -> tuple[SQLiteStore, Any]:
    org = tmp_path / "org"
    for name, text in files.items():
        (org / name).parent.mkdir(parents=True, exist_ok=True)
        (org / name).write_text(text, encoding="utf-8")
    store = SQLiteStore(tmp_path / "s.db")
    return store, ingest_paths(store, [org])


def test_partial_dates_are_kept_with_their_precision(tmp_path: Path) -> None:
    store, run = _ingest(
        tmp_path,
        {
            "docs/year.md": "---\ntitle: Year\ndate: 2019\n---\nBody.\n",
            "docs/month.md": "---\ntitle: Month\ndate: 2019-05\n---\nBody.\n",
            "docs/day.md": "---\ntitle: Day\ndate: 2019-05-14\n---\nBody.\n",
            "manifest.csv": "path,date\ndocs/plain.txt,1998\n",
            "docs/plain.txt": "Text from the manifest.\n",
        },
    )
    assert run.totals["rejected"] == 0
    got = {n.props["title"]: (n.props["date"], n.props["date_precision"]) for n in store.iter_nodes("Document")}
    assert got["Year"] == ("2019", "year") and got["Month"] == ("2019-05", "month")
    assert got["Day"] == ("2019-05-14", "day") and got["Text from the manifest."] == ("1998", "year")


def test_a_c1_control_character_in_a_quoted_title_keeps_the_document(tmp_path: Path) -> None:
    store, run = _ingest(tmp_path, {"docs/c1.md": '---\ntitle: "Caf\u0085e \u009b menu"\n---\nBody.\n'})
    assert run.totals["rejected"] == 0
    (doc,) = store.iter_nodes("Document")
    assert doc.props["title"] == "Caf e  menu"  # the CSI (U+009B) is gone; NEL (U+0085) is a line end to YAML


def test_nul_bytes_and_escape_sequences_never_reach_stored_text(tmp_path: Path) -> None:
    store, run = _ingest(tmp_path, {"docs/n.txt": "Before\x00after \x1b[31mred\x1b[0m and \x9b2J done.\n"})
    assert run.totals["accepted"] == 1
    text = " ".join(str(n.props["text"]) for n in store.iter_nodes("Chunk"))
    assert "\x00" not in text and "\x1b" not in text and "\x9b" not in text and "Beforeafter" in text


def test_limits_come_from_the_environment_and_name_themselves_in_errors() -> None:
    env = {"WHOKNOWS_LIMIT_DOCUMENT_BYTES": "2M", "WHOKNOWS_LIMIT_JSON_DEPTH": "10"}
    limits = from_env(env)
    assert limits.document_bytes == 2 << 20 and limits.json_depth == 10 and limits.simulations == 100_000
    assert parse_assignments(["cell_chars=1_000", "quoted-lines=5"]) == {"cell_chars": 1000, "quoted_lines": 5}
    with pytest.raises(ConfigError, match="unknown limit 'nope'; expected one of: document_bytes"):
        parse_assignments(["nope=1"])
    with pytest.raises(ConfigError, match="must be a positive integer"):
        Limits(json_depth=0)
    with using(Limits(cell_chars=7)):
        assert current().cell_chars == 7
    assert current().cell_chars == Limits().cell_chars


def test_a_limit_can_be_raised_to_accept_what_it_refused(tmp_path: Path) -> None:
    org = tmp_path / "org"
    (org / "docs").mkdir(parents=True)
    (org / "docs" / "long.md").write_text("words and more words. " * 5_000)
    store = SQLiteStore(tmp_path / "s.db")
    refused = ingest_paths(store, [org], limits=Limits(extracted_chars=50_000))
    assert (
        refused.totals["accepted"] == 0
        and "WHOKNOWS_LIMIT_EXTRACTED_CHARS" in refused.sources[0].rejections[0].expected
    )
    taken = ingest_paths(store, [org], limits=Limits(extracted_chars=200_000))
    assert taken.totals["accepted"] == 1


def test_cli_output_carries_no_terminal_escape_sequences_from_the_data(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from whoknows.cli import main

    org = tmp_path / "org"
    org.mkdir()
    osc52 = "\x1b]52;c;cm0gLXJmIH4=\x07"
    (org / "people.csv").write_text(
        f'person_id,name,email,active\nu1,"Ada {osc52}Lovelace",u1@example.org,\n'
        "u2,Bo\x1b[2J,u2@example.org,maybe\x9b2J\n"
    )
    (org / "docs").mkdir()
    (org / "docs" / "a.md").write_text("---\nauthors: [u1@example.org]\n---\nContract negotiation with utilities.\n")
    db = str(tmp_path / "s.db")
    runner = CliRunner()
    outputs = [
        runner.invoke(main, ["ingest", str(org), "--store", db, "--no-embed"]).output,
        runner.invoke(main, ["status", "--store", db]).output,
        runner.invoke(main, ["status", "--store", db, "--json"]).output,
        runner.invoke(main, ["search", "contract negotiation", "--store", db, "--embedder", "none"]).output,
    ]
    for out in outputs:
        assert "\x1b" not in out and "\x07" not in out and "\x9b" not in out, repr(out)
    assert "maybe" in outputs[1] and "active" in outputs[1]  # the rejection is still shown, as text
    assert "Ada ]52" not in outputs[3] and "Ada Lovelace" in outputs[3]  # the name, without its OSC 52 payload
    assert "Ada Lovelace" in SQLiteStore(tmp_path / "s.db").get_node("person:u1").node.props["name"].replace(osc52, "")


def test_spread_simulations_are_bounded_by_the_limit(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from whoknows.commands.analytics import spread

    res = CliRunner().invoke(spread, ["an idea", "--store", str(tmp_path / "none.db"), "--simulations", "1000000000"])
    assert res.exit_code == 2 and "1,000,000,000 is outside 1..100,000" in res.output
    assert "WHOKNOWS_LIMIT_SIMULATIONS" in res.output
    assert "--limit" not in res.output  # spread has no --limit option (only ingest has): never tell a person to use it
