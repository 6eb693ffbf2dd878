"""The README's examples name files that exist (docs/examples/), and those exports ingest cleanly: a new user
who copies a command gets a result, not "no such file"."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from whoknows.cli import main

ROOT = Path(__file__).resolve().parents[1]


def test_every_example_path_in_the_readme_exists() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    paths = set(re.findall(r"docs/examples/[\w./-]+", text))
    assert {"docs/examples/drafts/supplier-audits.md", "docs/examples/abstract.txt"} <= paths
    missing = [p for p in sorted(paths) if not (ROOT / p.rstrip("/.")).exists()]
    assert missing == []


def test_example_exports_ingest_without_rejections(tmp_path: Path) -> None:
    ex = ROOT / "docs" / "examples"
    result = CliRunner().invoke(
        main,
        ["ingest", str(ex / "exports"), str(ex / "documents"), "--store", str(tmp_path / "s.db"), "--no-embed"],
    )
    assert result.exit_code == 0, result.output
    assert ", 0 rejected;" in result.output.splitlines()[0], result.output
    assert "rejected:" not in result.output
    status = CliRunner().invoke(main, ["status", "--store", str(tmp_path / "s.db"), "--json"])
    assert '"Person": 6' in status.output and '"Document": 3' in status.output
