"""The demo organisation through the real readers and the pipeline: exactly the planted malformed records are
rejected (or reported as unresolved references), everything else is accepted, and the graph has the shape
the generator planted."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from ingest.report import Rejection
from whoknows.demo import generate_demo

pytestmark = pytest.mark.slow

SIZES = {"people": 400, "documents": 600}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    out = tmp_path_factory.mktemp("demo-ingest")
    return out, generate_demo(out, seed=5, **SIZES)


def _rel(data: Path, file: str) -> str:
    return Path(file).resolve().relative_to(data.resolve()).as_posix()


def _planted(truth: Any, outcome: str) -> list[dict[str, Any]]:
    return [m for m in truth.malformed if m["outcome"] == outcome]


def test_readers_reject_exactly_the_planted_records(demo: tuple[Path, Any]) -> None:
    from ingest import communities, interactions, learning, people
    from ingest.documents import iter_documents

    out, truth = demo
    data = out / "data"
    readers = {
        "people.json": people.read_scim_users,
        "courses.csv": learning.read_courses_csv,
        "statements.ndjson": learning.read_xapi,
        "communities.json": communities.read_scim_groups,
        "memberships.csv": communities.read_memberships_csv,
        "interactions.csv": interactions.read_interactions,
    }
    accepted: Counter[str] = Counter()
    rejected: list[tuple[str, Rejection]] = []
    for name, reader in readers.items():
        with (data / name).open("rb") as fp:
            for item in reader(fp, str(data / name)):
                if isinstance(item, Rejection):
                    rejected.append((name, item))
                else:
                    accepted[name] += 1
    for item in iter_documents(data):
        if isinstance(item, Rejection):
            rejected.append((_rel(data, item.where.file), item))
        else:
            accepted["documents"] += 1

    planted = _planted(truth, "rejected")
    assert len(rejected) == len(planted), [str(r) for _, r in rejected]
    unmatched = list(planted)
    for file, rej in rejected:
        match = next(
            (
                m
                for m in unmatched
                if m["file"] == file
                and m["field"] == rej.field
                and ("line" not in m or m["line"] == rej.where.line)
                and ("index" not in m or rej.where.record == str(m["index"] + 1))
            ),
            None,
        )
        assert match is not None, f"unexpected rejection {rej}"
        unmatched.remove(match)
    assert unmatched == []
    # everything else is accepted
    assert accepted["people.json"] == truth.people
    assert accepted["courses.csv"] == truth.files["courses.csv"]
    assert accepted["documents"] == truth.documents - 2
    assert accepted["memberships.csv"] == truth.files["memberships.csv"] - 2
    assert accepted["interactions.csv"] == truth.files["interactions.csv"]
    lifecycle = 24  # launched + initialized statements are skipped, neither accepted nor rejected
    assert accepted["statements.ndjson"] == truth.files["statements.ndjson"] - lifecycle - 3


def test_pipeline_reports_the_planted_problems_and_builds_the_planted_graph(
    demo: tuple[Path, Any], tmp_path: Path
) -> None:
    from graph.sqlite_store import SQLiteStore
    from ingest.pipeline import ingest_paths

    out, truth = demo
    store = SQLiteStore(tmp_path / "demo.db")
    store.setup_schema()
    run = ingest_paths(store, [out / "data"])
    report = run.to_dict()
    # no input stopped early; the unreadable PDF is "fatal" for that one file only (nothing in it could be read)
    fatal = [r["where"]["file"] for s in report["sources"] for r in s["rejections"] if r["fatal"]]
    assert [Path(f).name for f in fatal] in ([], ["broken.pdf"])
    assert report["totals"]["rejected"] == len(_planted(truth, "rejected"))
    # the unresolvable references stay pending and are named in the report, nothing else is pending
    notices = " ".join(n["message"] for s in report["sources"] for n in s["notices"])
    assert "u9999" in notices and "former.contractor@partner.example.com" in notices
    assert report["pending_left"] == len(_planted(truth, "unresolved"))
    counts = store.counts()
    assert counts["Person"] == truth.people
    assert counts["Document"] == truth.documents - 2
    # memberships.csv names communities by display name: they must land on the SCIM groups, not beside them
    assert counts["Community"] == truth.files["communities.json"]
    assert counts["Course"] == truth.files["courses.csv"]
    assert counts["REPORTS_TO"] == truth.people - 2  # everyone but the chief executive and the bad reference
    # a re-run of the same exports changes nothing
    again = ingest_paths(store, [out / "data"]).to_dict()
    assert again["totals"]["accepted"] == 0
    assert store.counts() == counts
