"""search/blas.py: a query's small products run on one BLAS thread, and the setting is restored afterwards."""

from __future__ import annotations

import numpy as np
from threadpoolctl import threadpool_info

from search.blas import one_blas_thread


def _blas_threads() -> list[int]:
    """Threads of numpy's own BLAS (the one our products run on; other libraries may bring their own)."""
    return [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas" and "numpy" in lib["filepath"]]


def test_one_blas_thread_inside_restored_after():
    before = _blas_threads()
    assert before  # numpy's BLAS is loaded and visible
    with one_blas_thread():
        assert set(_blas_threads()) == {1}
        m = np.ones((50, 8), dtype=np.float32)
        assert (m @ m.T)[0, 0] == 8.0
    assert _blas_threads() == before
