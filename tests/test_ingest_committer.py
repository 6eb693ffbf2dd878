"""The background committer: commits run one at a time, in order, off the parsing thread, and their errors
reach the ingest instead of vanishing."""

from __future__ import annotations

import os
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


def test_a_failed_commit_is_raised_at_a_later_submit_or_wait_and_what_is_queued_behind_it_is_skipped() -> None:
    def boom() -> None:
        raise StoreError("disk full")

    ran: list[int] = []
    committer = BackgroundCommitter(depth=2)
    committer.submit(boom)
    committer.submit(ran.append, 1)  # queued behind the failure
    with pytest.raises(StoreError, match="disk full"):
        committer.submit(ran.append, 2)  # the queue is full: this waits for the failed job and raises its error
    committer.close()
    assert ran == []  # nothing after a failed commit is written

    committer = BackgroundCommitter()
    committer.submit(boom)
    with pytest.raises(StoreError, match="disk full"):
        committer.close()


def test_at_most_depth_jobs_wait_so_memory_stays_bounded() -> None:
    release = threading.Event()
    submitted: list[int] = []

    def producer(committer: BackgroundCommitter) -> None:
        for i in range(5):
            committer.submit(release.wait, 5)
            submitted.append(i)

    with BackgroundCommitter(depth=3) as committer:
        t = threading.Thread(target=producer, args=(committer,))
        t.start()
        time.sleep(0.2)
        assert submitted == [0, 1, 2]  # the fourth submit waits: three jobs are not done yet
        release.set()
        t.join(5)
    assert submitted == [0, 1, 2, 3, 4]


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


def _exports(root: Path, people: int = 300, completions: int = 900, bad_rows: int = 0) -> None:
    root.mkdir()
    (root / "people.csv").write_text(
        "person_id,name,email,manager\n"
        + "".join(f"p{i},P {i},p{i}@x.org,{f'p{i // 2}' if i else ''}\n" for i in range(people))
    )
    rows = [
        f"p{i % people}@x.org,c{i % 7},passed,2025-01-{1 + i % 28:02d}T{i % 24:02d}:00:00Z\n"
        for i in range(completions)
    ]
    rows += [f"p1@x.org,c1,passed,not-a-date-{i}\n" for i in range(bad_rows)]
    (root / "completions.csv").write_text("person,course_id,status,at\n" + "".join(rows))
    (root / "memberships.csv").write_text(
        "person,community,role,since\n" + "".join(f"p{i},Guild {i % 5},member,2024-02-01\n" for i in range(people))
    )


def _ingest(store: SQLiteStore, src: Path, child: bool, runs: list[pipeline._Run] | None = None) -> pipeline.IngestRun:
    real = pipeline._Run.__init__

    def init(self: pipeline._Run, *args: object, **kwargs: object) -> None:
        real(self, *args, **kwargs)
        self.child_min_bytes = 0 if child else None
        if runs is not None:
            runs.append(self)

    forks: list[int] = []

    def counted(work: object, *args: object) -> object:
        forks.append(os.getpid())
        return real_run_in_child(work, *args)

    real_run_in_child = pipeline.run_in_child
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(pipeline._Run, "__init__", init)
        mp.setattr(pipeline, "BATCH", 100)
        mp.setattr(pipeline, "run_in_child", counted)
        run = ingest_paths(store, [src])
    assert len(forks) == (2 if child else 0)  # completions and memberships; people are always read here
    return run


def test_a_file_read_in_a_child_process_lands_exactly_as_one_read_here(tmp_path: Path) -> None:
    src = tmp_path / "in"
    _exports(src, bad_rows=3)
    here, child = SQLiteStore(tmp_path / "here.db"), SQLiteStore(tmp_path / "child.db")
    runs: list[pipeline._Run] = []
    run_here, run_child = _ingest(here, src, child=False), _ingest(child, src, child=True, runs=runs)
    assert here.content_hash() == child.content_hash()
    assert [s.to_dict() for s in run_here.sources] == [s.to_dict() for s in run_child.sources]
    bad = [r for s in run_child.sources for r in s.rejections]
    assert len(bad) == 3 and all(r.field == "at" and r.where.line for r in bad)  # file, line, field survive the pipe
    # a community first met in the child's memberships file is known to this process afterwards
    assert runs[0].mapper.community_by_name.get("guild 3") == "community:guild-3"


def test_an_error_mapping_records_in_the_child_rejects_them_and_nothing_is_marked_done(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = tmp_path / "in"
    _exports(src)
    store = SQLiteStore(tmp_path / "s.db")

    def broken_map(self: pipeline._Run, record: object, source: str) -> object:
        if type(record).__name__ == "CompletionRecord":
            raise pipeline.IngestError("mapper exploded")
        return real_map(self, record, source)

    real_map = pipeline._Run._map
    monkeypatch.setattr(pipeline._Run, "_map", broken_map)
    first = _ingest(store, src, child=True)  # each record that breaks the mapper is one rejection, not a crash
    rejected = [r for s in first.sources for r in s.rejections]
    assert len(rejected) == 900 and all("mapper exploded" in r.reason and r.where.line for r in rejected)
    assert (
        store.counts().get("COMPLETED", 0) == 0 and first.totals["accepted"] == first.totals["read"]
    )  # read: good ones
    monkeypatch.undo()
    run = ingest_paths(store, [src])  # the completions file was not marked done: it is read again in full
    assert store.counts()["COMPLETED"] == 900
    assert run.totals["rejected"] == 0


def test_the_run_report_says_how_long_reading_and_committing_took(tmp_path: Path) -> None:
    src = tmp_path / "in"
    _exports(src)
    run = ingest_paths(SQLiteStore(tmp_path / "s.db"), [src])
    timing = run.to_dict()["timing"]
    assert set(timing) == {"ingest_s", "commit_s"}
    assert 0 < timing["commit_s"] <= timing["ingest_s"]


def test_the_collector_settings_are_restored_after_an_ingest_even_a_failed_one(tmp_path: Path) -> None:
    import gc

    before = gc.get_threshold()
    src = tmp_path / "in"
    _exports(src)
    ingest_paths(SQLiteStore(tmp_path / "s.db"), [src])
    assert gc.get_threshold() == before
    with pytest.raises(pipeline.IngestError):
        ingest_paths(SQLiteStore(tmp_path / "s.db"), [tmp_path / "missing"])
    assert gc.get_threshold() == before and gc.isenabled()


def test_batches_start_small_and_shrink_towards_the_end_of_a_file() -> None:
    """The committer starts after a small first batch and the last commit is small (next_batch_size)."""
    nbs, first, full = pipeline.next_batch_size, pipeline.FIRST_BATCH, pipeline.BATCH
    assert nbs(0, 0, 10_000_000) == first
    assert [nbs(done, 50_000, 10_000_000) for done in (first, 2 * first, 8 * first)] == [first, 2 * first, 8 * first]
    assert nbs(100_000, 2_000_000, 10_000_000) == full  # the middle of a file: full batches
    assert nbs(180_000, 9_000_000, 10_000_000) == 10_000  # about 20,000 records left: half of them next
    assert nbs(199_000, 9_990_000, 10_000_000) == first  # never below the smallest batch
    assert nbs(100_000, 10_000_000, 10_000_000) == full  # a reader that read the whole file up front (JSON)
    assert nbs(100_000, 2_000_000, 10_000_000, largest=100) == 100


def test_a_file_is_committed_in_growing_then_shrinking_batches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pipeline, "BATCH", 800)
    monkeypatch.setattr(pipeline, "FIRST_BATCH", 50)
    sizes: list[int] = []
    flush = pipeline._Run._flush

    def recording(self: pipeline._Run, feed: str, batch: list, *rest: object) -> None:
        if batch:
            sizes.append(len(batch))
        flush(self, feed, batch, *rest)

    monkeypatch.setattr(pipeline._Run, "_flush", recording)
    src = tmp_path / "in"
    src.mkdir()
    (src / "people.csv").write_text("person_id,name,email\n" + "".join(f"p{i},P {i},p{i}@x.org\n" for i in range(5000)))
    run = ingest_paths(SQLiteStore(tmp_path / "s.db"), [src], overlap=False)
    assert run.totals["accepted"] == 5000 and sum(sizes) == 5000
    assert sizes[:5] == [50, 50, 100, 200, 400] and max(sizes) == 800
    top = sizes.index(800)
    assert sizes[-1] < 200 and sizes[top:] == sorted(sizes[top:], reverse=True)


@pytest.mark.parametrize("overlap", [True, False])
def test_batches_share_a_transaction_that_a_failure_rolls_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, overlap: bool
) -> None:
    """Batches are written at once but committed every BATCH records; a failure in between rolls back the open
    part, frees the write lock, and the next run ingests the file whole."""
    monkeypatch.setattr(pipeline, "BATCH", 1000)
    monkeypatch.setattr(pipeline, "FIRST_BATCH", 100)
    commits: list[int] = []
    end_tx = pipeline._Run._end_tx

    def counting(self: pipeline._Run) -> None:
        if self._tx is not None:
            commits.append(self._tx_records)
        end_tx(self)

    monkeypatch.setattr(pipeline._Run, "_end_tx", counting)
    src = tmp_path / "in"
    src.mkdir()
    (src / "people.csv").write_text("person_id,name,email\n" + "".join(f"p{i},P {i},p{i}@x.org\n" for i in range(2500)))
    store = SQLiteStore(tmp_path / "s.db")
    run = ingest_paths(store, [src], overlap=overlap)
    assert run.totals["accepted"] == 2500 and store.counts()["Person"] == 2500
    assert all(n >= 1000 for n in commits[:-1]) and sum(commits) >= 2500  # 100, 100, 200, ... share commits

    real = pipeline._readers()["people"]

    def breaks_at_1500(fp: object, name: str, **kw: object):  # type: ignore[no-untyped-def]
        for i, item in enumerate(real(fp, name, **kw)):  # type: ignore[arg-type]
            if i == 1500:
                raise RuntimeError("the export was cut off")
            yield item

    (src / "people.csv").write_text("person_id,name,email\n" + "".join(f"q{i},Q {i},q{i}@x.org\n" for i in range(2500)))
    real_write = SQLiteStore.write_prepared
    writes: list[int] = []

    def fails_fifth(self: SQLiteStore, prepared: object) -> tuple[int, int]:
        writes.append(1)
        if len(writes) == 5:
            raise RuntimeError("the disk is full")
        return real_write(self, prepared)

    monkeypatch.setattr(SQLiteStore, "write_prepared", fails_fifth)
    with pytest.raises(RuntimeError, match="disk is full"):  # a store that fails stops the run
        ingest_paths(store, [src], overlap=overlap)
    monkeypatch.setattr(SQLiteStore, "write_prepared", real_write)
    persons = {n.id for n in store.iter_nodes("Person")}
    committed_q = sum(1 for p in persons if p.startswith("person:q"))
    # batches of 100, 100, 200, 400 and 800 records would commit together at 1,600: the failure in the fifth
    # rolls all of them back (before the change each batch was its own commit, so 800 records stayed)
    assert committed_q == 0 and len(persons) == 2500

    # a reader that breaks is an input problem, not a store one: the records before it land, the file gets a
    # fatal rejection (not swept, not marked done) and the run ends normally
    monkeypatch.setattr(pipeline, "_readers", lambda: {"people": breaks_at_1500})
    run = ingest_paths(store, [src], overlap=overlap)
    (fatal,) = [r for s in run.sources for r in s.rejections]
    assert fatal.fatal and "the export was cut off" in fatal.reason and not run.ok
    persons = {n.id for n in store.iter_nodes("Person")}
    assert sum(1 for p in persons if p.startswith("person:q")) == 1500 and len(persons) == 4000
    monkeypatch.setattr(pipeline, "_readers", lambda: {"people": real})
    run = ingest_paths(store, [src], overlap=overlap)  # the write lock is free and the file was not marked done
    t = run.totals
    assert (t["accepted"], t["unchanged"], t["retracted"]) == (1000, 1500, 2500)  # the p's are gone now
    assert sum(1 for n in store.iter_nodes("Person") if n.id.startswith("person:q")) == 2500
