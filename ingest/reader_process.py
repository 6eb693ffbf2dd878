"""Read, validate and map a large file in a forked child process while this process writes to the store.

Why a process and not a thread: parsing and mapping records is Python code that holds the GIL for about half
of an ingest's CPU time; in a thread it would compete with the commit thread's own Python work and with every
GIL hand-off. A forked child shares nothing at run time: it inherits this process's state (the identity
index, the mapper's lookups, the feed's ledger) at the fork, emits each batch as a ready-to-run prepared
write through a pipe, and the parent only runs the SQL. The pipe's small buffer is the back-pressure: the
child is at most one batch ahead. Where ``fork`` is not available the pipeline reads in-process.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
from collections.abc import Callable, Iterator, Sequence
from multiprocessing.connection import Connection, wait
from typing import Any

from whoknows.errors import IngestError

FORK_AVAILABLE = "fork" in multiprocessing.get_all_start_methods()

Emit = Callable[[Any], None]


def run_in_child(work: Callable[[Emit], Any], name: str = "whoknows-reader") -> Iterator[tuple[str, Any]]:
    """Run ``work(emit)`` in a forked child. Yields ``("item", x)`` for every ``emit(x)`` in order, then
    ``("result", r)`` with what ``work`` returned. An exception in the child is raised here; a child that
    dies without a result raises :class:`IngestError`. Closing the generator early stops the child."""
    for _, kind, payload in run_in_children([work], name):
        yield kind, payload


def run_in_children(
    works: Sequence[Callable[[Emit], Any]], name: str = "whoknows-reader"
) -> Iterator[tuple[int, str, Any]]:
    """Run each ``works[i](emit)`` in its own forked child, all at once. Yields ``(i, "item", x)`` for every
    ``emit(x)`` of child ``i`` (in order for each child, interleaved between children as they arrive), and
    ``(i, "result", r)`` when child ``i`` is done; returns once every child is. An exception in any child is
    raised here and stops the others.

    Why several: one child reading a large file was the ingest's bound while the committing thread idled a
    third of the time; two children reading two halves of one file keep both cores busy."""
    if not FORK_AVAILABLE:  # pragma: no cover - Linux and macOS have fork
        raise IngestError("reading in a child process needs the 'fork' start method, which this platform lacks")
    ctx = multiprocessing.get_context("fork")
    procs: list[Any] = []
    pipes: dict[Connection, int] = {}
    try:
        for i, work in enumerate(works):
            recv, send = ctx.Pipe(duplex=False)
            suffix = f"-{i + 1}" if len(works) > 1 else ""
            proc = ctx.Process(target=_child, args=(work, send), name=f"{name}{suffix}", daemon=True)
            proc.start()
            send.close()
            procs.append(proc)
            pipes[recv] = i
        while pipes:
            for ready in wait(list(pipes)):
                assert isinstance(ready, Connection)  # wait() returns the connections it was given
                recv = ready
                i = pipes[recv]
                try:
                    kind, payload = recv.recv()
                except EOFError:
                    procs[i].join(5)
                    raise IngestError(
                        f"the reader process stopped without finishing (exit code {procs[i].exitcode}); "
                        "see the messages above, and re-run: nothing of the unfinished file was marked done"
                    ) from None
                if kind == "error":
                    raise payload
                yield i, kind, payload
                if kind == "result":
                    del pipes[recv]
                    recv.close()
    finally:
        unfinished = set(pipes.values())  # children this process stopped listening to before their result
        for recv in pipes:
            recv.close()
        for i, proc in enumerate(procs):
            if i in unfinished and len(procs) > 1:  # a sibling failed: no point finishing this one's half
                proc.terminate()
            proc.join(10)
            if proc.is_alive():  # the parent stopped early: the child is blocked writing to a closed pipe
                proc.terminate()
                proc.join()


def _child(work: Callable[[Emit], Any], send: Connection) -> None:
    # Why no automatic garbage collection here: a reader allocates a dozen containers per record and keeps a
    # batch of 20,000 records alive, so the collector ran every few hundred records and rescanned the growing
    # batch each time (the ingest ran 30-50% faster without it, same-run A/B). Nothing a reader builds holds a
    # reference cycle except an exception's traceback; a young-generation collection after each batch frees
    # those, and this process ends when its file does.
    gc.disable()

    def emit(item: Any) -> None:
        send.send(("item", item))
        gc.collect(0)

    try:
        result = work(emit)
        send.send(("result", result))
    except BaseException as exc:  # everything goes back to the parent, which raises it
        try:
            send.send(("error", exc))
        except Exception:  # an exception that cannot be pickled, or the parent is gone
            with contextlib.suppress(Exception):
                send.send(("error", IngestError(f"the reader process failed: {exc!r}")))
    finally:
        send.close()
