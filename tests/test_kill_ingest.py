"""An ingest killed with SIGKILL at a random moment, then run again, leaves the store exactly as one run that
was never interrupted; `whoknows status` shows the killed run as interrupted (issue 15).

The exports mix every path a kill can land in: a people file, a completions file large enough to be read in a
reader child process and committed in several transactions, memberships, and a folder of documents. The kill
moments are drawn from the length of an uninterrupted run in the same test (fixed seed), so they land in the
middle of reading, committing and sweeping, not only at the start.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from graph.sqlite_store import SQLiteStore
from whoknows.cli import main

ROOT = Path(__file__).resolve().parents[1]
KILLS = 3


def _exports(root: Path) -> None:
    (root / "docs").mkdir(parents=True)
    with (root / "people.csv").open("w") as f:
        f.write("person_id,name,email,department,manager\n")
        for i in range(600):
            f.write(f"p{i},Person {i},p{i}@example.org,Dept {i % 7},{f'p{i // 4}' if i else ''}\n")
    with (root / "completions.csv").open("w") as f:
        f.write("person,course_id,status,at\n")
        for j in range(20_000):
            at = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=j)
            f.write(f"p{(j * 7919) % 600}@example.org,c{j % 30},completed,{at.isoformat()}\n")
    with (root / "memberships.csv").open("w") as f:
        f.write("person,community,role\n")
        for i in range(0, 600, 3):
            f.write(f"p{i}@example.org,Guild {i % 5},member\n")
    for d in range(30):
        (root / "docs" / f"d{d}.md").write_text(
            f"---\ntitle: Document {d}\nauthors: [p{d}@example.org]\ntags: [topic {d % 4}]\n---\n"
            + " ".join(f"Sentence {k} about topic {d % 4} and guild work." for k in range(60))
        )


def _start(exports: Path, db: Path) -> subprocess.Popen[bytes]:
    code = textwrap.dedent(
        f"""
        import sys; sys.path.insert(0, {str(ROOT)!r})
        from graph.sqlite_store import SQLiteStore
        from ingest.pipeline import ingest_paths
        s = SQLiteStore({str(db)!r}); s.setup_schema()
        ingest_paths(s, [{str(exports)!r}])
        """
    )
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    return subprocess.Popen([sys.executable, "-c", code], stderr=subprocess.PIPE, env=env, start_new_session=True)


def _wait_until_recorded(db: Path, proc: subprocess.Popen[bytes]) -> float:
    """Wait until the run is recorded as running (the ingest proper has begun); returns that moment."""
    while proc.poll() is None:
        try:
            if db.exists() and SQLiteStore(db, read_only=True).runs(limit=1):
                break
        except Exception:  # the schema is still being created
            pass
        time.sleep(0.01)
    return time.perf_counter()


def _run_to_end(exports: Path, db: Path) -> float:
    """Ingest to the end; returns how long the ingest proper took (from its first record to the end)."""
    proc = _start(exports, db)
    t0 = _wait_until_recorded(db, proc)
    _, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err.decode()
    return time.perf_counter() - t0


@pytest.mark.slow
def test_a_killed_ingest_run_again_equals_one_uninterrupted_run(tmp_path: Path) -> None:
    exports = tmp_path / "exports"
    _exports(exports)
    clean = tmp_path / "clean.db"
    duration = _run_to_end(exports, clean)
    expected = SQLiteStore(clean, read_only=True).content_hash()
    rng = random.Random(15)
    interrupted = 0
    for k in range(KILLS):
        db = tmp_path / f"killed{k}.db"
        proc = _start(exports, db)
        _wait_until_recorded(db, proc)
        time.sleep(rng.uniform(0.05, 0.8) * duration)
        finished_first = proc.poll() is not None
        if not finished_first:
            os.killpg(proc.pid, signal.SIGKILL)  # the reader child dies with it
        proc.wait(timeout=60)
        status = CliRunner().invoke(main, ["status", "--store", str(db), "--json"])
        assert status.exit_code == 0, status.output
        if not finished_first and json.loads(status.output)["runs"][0]["status"] == "finished":
            # The kill landed after the run had recorded its end but before the process had exited: the run
            # did finish, so the store must already be complete.
            assert SQLiteStore(db, read_only=True).content_hash() == expected, f"kill {k}: finished but different"
            finished_first = True
        if not finished_first:
            assert '"status": "interrupted"' in status.output, status.output[:2000]
            assert "INTERRUPTED" in CliRunner().invoke(main, ["status", "--store", str(db)]).output
            interrupted += 1
        _run_to_end(exports, db)  # the same ingest again, to its end
        assert SQLiteStore(db, read_only=True).content_hash() == expected, f"kill {k} left a different store"
    assert interrupted >= KILLS - 1  # under heavy load one run may finish before its kill
