"""Commit batches on a background thread while the ingest parses and maps the next batch.

Why: an ingest spends about half its time parsing and mapping records (Python, holding the GIL) and half
writing them (SQLite's C code, which releases the GIL while a statement runs). Running the two on one thread
leaves one of the machine's cores idle; handing each batch's commit to a single background thread lets the
next batch be parsed meanwhile. A few batches may wait behind the one being written (``depth``), so a slow
commit (a WAL checkpoint) does not stall the reader; memory stays bounded to that many batches, and commits
happen strictly in submission order. A failed commit is re-raised in the ingest thread the next time it submits
or waits, and the batches queued behind it are skipped, so an error never goes unnoticed and nothing written
after it is kept.
"""

from __future__ import annotations

import contextlib
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any


class BackgroundCommitter:
    """Commits on one worker thread, at most ``depth`` submitted and not yet done; ``wait`` before reading the
    store.

    Use as a context manager: leaving it waits for the last commit (and re-raises its error unless the block
    is already failing with another one).
    """

    def __init__(self, *, threaded: bool = True, depth: int = 3) -> None:
        # threaded=False commits inline: the baseline bench/ingest.py measures the overlap against
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="whoknows-commit") if threaded else None
        self._in_flight: deque[Future[Any]] = deque()
        self._depth = max(1, depth)
        self._failed = False  # set by a failed job: the ones queued behind it are skipped
        self.busy_s = 0.0  # wall time spent committing, summed: the run report shows where an ingest's time went

    def submit(self, fn: Callable[..., Any], *args: Any) -> None:
        """Queue ``fn(*args)`` on the worker thread, first waiting while ``depth`` jobs are not done yet."""
        if self._pool is None:
            self._timed(fn, *args)
            return
        while len(self._in_flight) >= self._depth:
            self._in_flight.popleft().result()
        self._in_flight.append(self._pool.submit(self._timed, fn, *args))

    def _timed(self, fn: Callable[..., Any], *args: Any) -> Any:
        if self._failed:
            return None  # an earlier job failed: its error is on its way to the ingest thread
        t0 = time.perf_counter()
        try:
            return fn(*args)
        except BaseException:
            self._failed = True
            raise
        finally:
            self.busy_s += time.perf_counter() - t0

    def wait(self) -> None:
        """Block until every submitted job is done; re-raise the first exception."""
        while self._in_flight:
            self._in_flight.popleft().result()

    def finally_run(self, fn: Callable[[], Any]) -> None:
        """Run ``fn`` on the worker thread after the jobs submitted, even if one failed: clean-up (a rollback)
        must run on the thread that holds the store's write transaction."""
        while self._in_flight:
            with contextlib.suppress(Exception):
                self._in_flight.popleft().result()
        if self._pool is None:
            fn()
        else:
            self._pool.submit(fn).result()

    def close(self) -> None:
        try:
            self.wait()
        finally:
            if self._pool is not None:
                self._pool.shutdown(wait=True)

    def __enter__(self) -> BackgroundCommitter:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *rest: object) -> None:
        if exc_type is None:
            self.close()
            return
        # the block's own error wins; the commit in flight still has to finish before we return
        with contextlib.suppress(Exception):
            self.close()
