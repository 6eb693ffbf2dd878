"""A process reading the store while another ingests sees consistent data and no errors (WAL mode)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from graph.sqlite_store import SQLiteStore

ROOT = Path(__file__).resolve().parents[1]


def _exports(root: Path, people: int = 1500, completions: int = 60_000) -> None:
    root.mkdir()
    with (root / "people.csv").open("w") as f:
        f.write("person_id,name,email,department,manager\n")
        for i in range(people):
            f.write(f"p{i},Person {i},p{i}@example.org,Dept {i % 9},{f'p{i // 3}' if i else ''}\n")
    with (root / "completions.csv").open("w") as f:
        f.write("person,course_id,status,at\n")
        for j in range(completions):
            at = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=j)  # distinct: no duplicate records
            f.write(f"p{(j * 7919) % people}@example.org,c{j % 40},completed,{at.isoformat()}\n")


def test_reader_sees_consistent_data_while_another_process_ingests(tmp_path: Path) -> None:
    exports = tmp_path / "exports"
    _exports(exports)
    db = tmp_path / "store.db"
    store = SQLiteStore(db)
    store.setup_schema()
    writer = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                f"""
                import sys; sys.path.insert(0, {str(ROOT)!r})
                from graph.sqlite_store import SQLiteStore
                from ingest.pipeline import ingest_paths
                s = SQLiteStore({str(db)!r}); s.setup_schema()
                run = ingest_paths(s, [{str(exports)!r}])
                assert run.ok and run.totals["accepted"] == 1500 + 60000, run.totals
                """
            ),
        ],
        stderr=subprocess.PIPE,
    )
    reader = SQLiteStore(db, read_only=True)
    reads = 0
    last_completed = 0
    deadline = time.monotonic() + 120
    while writer.poll() is None and time.monotonic() < deadline:
        counts = reader.counts()
        assert counts["COMPLETED"] >= last_completed  # never goes backwards
        last_completed = counts["COMPLETED"]
        view = reader.get_node("person:p1")
        if view is not None:
            # every relationship a reader sees has both ends (writes are atomic per batch)
            ends = {r.end for r in view.outgoing} | {r.start for r in view.incoming}
            assert set(reader.get_nodes(sorted(ends))) == ends
        reads += 1
    _, err = writer.communicate(timeout=120)
    assert writer.returncode == 0, err.decode()
    assert reads > 5
    final = reader.counts()
    assert final["COMPLETED"] == 60_000 and final["Person"] == 1500
