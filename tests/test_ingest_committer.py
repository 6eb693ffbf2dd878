"""The background committer: commits run one at a time, in order, off the parsing thread, and their errors
reach the ingest instead of vanishing."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from graph.sqlite_store import SQLiteStore
from ingest import pipeline
from ingest.committer import BackgroundCommitter
from ingest.pipeline import ingest_paths
from whoknows.errors import StoreError


def test_commits_run_in_order_on_one_other_thread_with_one_in_flight() -> None:
    done: list[int] = []
    threads: set[str] = set()
    running = 0
    overlap = False

    def commit(i: int) -> None:
        nonlocal running, overlap
        running += 1
        overlap = overlap or running > 1
        threads.add(threading.current_thread().name)
        time.sleep(0.002)
        done.append(i)
        running -= 1

    with BackgroundCommitter() as committer:
        for i in range(20):
            committer.submit(commit, i)
    assert done == list(range(20))
    assert not overlap
    assert len(threads) == 1 and threading.current_thread().name not in threads


def test_submit_returns_before_the_commit_finishes() -> None:
    started = threading.Event()
    release = threading.Event()

    def slow() -> None:
        started.set()
        release.wait(5)

    with BackgroundCommitter() as committer:
        committer.submit(slow)
        assert started.wait(5)  # the caller is free to parse the next batch meanwhile
        release.set()
        committer.wait()


def test_a_failed_commit_is_raised_at_the_next_submit_or_wait() -> None:
    def boom() -> None:
        raise StoreError("disk full")

    committer = BackgroundCommitter()
    committer.submit(boom)
    with pytest.raises(StoreError, match="disk full"):
        committer.submit(lambda: None)
    committer.submit(boom)
    with pytest.raises(StoreError, match="disk full"):
        committer.close()


def test_the_blocks_own_error_wins_but_the_commit_in_flight_finishes_first() -> None:
    finished = threading.Event()

    def commit() -> None:
        time.sleep(0.05)
        finished.set()
        raise StoreError("second error")

    with pytest.raises(ValueError, match="parse error"), BackgroundCommitter() as committer:
        committer.submit(commit)
        raise ValueError("parse error")
    assert finished.is_set()


def test_a_store_error_during_a_background_commit_fails_the_ingest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "in").mkdir()
    rows = "".join(f"p{i},Person {i},p{i}@example.org\n" for i in range(50))
    (tmp_path / "in" / "people.csv").write_text("person_id,name,email\n" + rows)
    store = SQLiteStore(tmp_path / "s.db")

    def failing(prepared: object) -> tuple[int, int]:
        raise StoreError("database or disk is full")

    monkeypatch.setattr(store, "write_prepared", failing)
    with pytest.raises(StoreError, match="disk is full"):
        ingest_paths(store, [tmp_path / "in"])
    assert store.counts().get("Person", 0) == 0  # the batch's transaction was rolled back
    monkeypatch.undo()
    run = ingest_paths(store, [tmp_path / "in"])  # nothing was marked done: the next run ingests it all
    assert run.totals["accepted"] == 50 and store.counts()["Person"] == 50


def test_overlapped_and_inline_commits_build_the_same_graph(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pipeline, "BATCH", 100)  # many batches, so commits really overlap parsing
    src = tmp_path / "in"
    src.mkdir()
    (src / "people.csv").write_text(
        "person_id,name,email,manager\n"
        + "".join(f"p{i},P {i},p{i}@x.org,{f'p{i // 2}' if i else ''}\n" for i in range(300))
    )
    (src / "completions.csv").write_text(
        "person,course_id,status,at\n"
        + "".join(
            f"p{i % 300}@x.org,c{i % 7},passed,2025-01-{1 + i % 28:02d}T{i % 24:02d}:00:00Z\n" for i in range(900)
        )
    )
    hashes = []
    for overlap in (True, False):
        store = SQLiteStore(tmp_path / f"s{overlap}.db")
        run = ingest_paths(store, [src], overlap=overlap)
        assert run.totals["rejected"] == 0
        hashes.append(store.content_hash())
    assert hashes[0] == hashes[1]
