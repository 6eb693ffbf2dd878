"""One BLAS thread for the small matrix products of a query.

Why: OpenBLAS (numpy's BLAS here) runs a product of a few hundred rows on two threads and then lets the second
thread spin, waiting for more work, for the next ~20 ms: the Python work that follows a query's product then
costs twice its CPU time (measured: a 370 x 384 product followed by 20 ms of Python, 40.8 ms CPU against 21.0
with one thread; docs/search.md). The product itself takes ~0.5 ms either way, so one thread costs nothing a
user sees and leaves the other core to the next query or the ingest.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

from threadpoolctl import ThreadpoolController


@lru_cache(maxsize=1)
def _controller() -> ThreadpoolController:
    """Inspecting the loaded libraries takes milliseconds: once per process. numpy's BLAS, the one these
    products run on, is loaded with numpy, so it is always among the libraries found."""
    return ThreadpoolController()


@contextmanager
def one_blas_thread() -> Iterator[Any]:
    """Run the block with BLAS limited to one thread (restored on exit)."""
    with _controller().limit(limits=1, user_api="blas") as limiter:
        yield limiter
