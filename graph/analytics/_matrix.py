"""Sparse-matrix views of a graph, built once and shared by the vectorised measures."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any

import networkx as nx
import numpy as np
import scipy.sparse as sp


def adjacency(G: nx.Graph, weight: str | None = None) -> tuple[list[Hashable], sp.csr_matrix]:
    """``(nodes, A)``: the weighted adjacency in ``G.nodes`` order, self-loops removed.

    Faster than :func:`networkx.to_scipy_sparse_array` on large graphs: it reads the adjacency dicts a node at a
    time with C-level ``map``/``extend`` and builds the CSR arrays directly.
    """
    nodes = list(G.nodes)
    n = len(nodes)
    index = {v: i for i, v in enumerate(nodes)}.__getitem__
    counts: list[int] = []
    cols: list[int] = []
    vals: list[Any] = []
    # G.adjacency() yields the neighbour dicts themselves (a directed graph's successors); G.adj.values() wraps
    # each in a read-only view whose per-item lookups cost more than the rest of this loop at 100,000 people
    owners: list[int] = []
    for u, nbrs in G.adjacency():
        owners.append(index(u))
        counts.append(len(nbrs))
        cols.extend(map(index, nbrs))
        if weight is not None:
            vals.extend([d.get(weight, 1.0) for d in nbrs.values()])
    col = np.asarray(cols, dtype=np.int64)
    row = np.repeat(np.asarray(owners, dtype=np.int64), np.asarray(counts, dtype=np.int64))
    data = np.asarray(vals, dtype=float) if weight is not None else np.ones(len(col))
    keep = row != col
    if not keep.all():
        row, col, data = row[keep], col[keep], data[keep]
    if owners == list(range(n)):  # rows already in order (always, for networkx's own graph classes)
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(row, minlength=n), out=indptr[1:])
        A = sp.csr_matrix((data, col, indptr), shape=(n, n))
    else:
        A = sp.csr_matrix((data, (row, col)), shape=(n, n))
    A.sum_duplicates()  # sorts the indices too
    return nodes, A


def binary(A: sp.csr_matrix) -> sp.csr_matrix:
    """The 0/1 pattern of ``A``."""
    B = A.copy()
    B.data = np.ones_like(B.data)
    return B


def mutual(A: sp.csr_matrix) -> sp.csr_matrix:
    """``A + A.T``: networkx's mutual weight (a tie counts from both ends), symmetric."""
    return sp.csr_matrix(A + A.T)


def group_index(nodes: list[Hashable], groups: Mapping[Hashable, Any]) -> tuple[np.ndarray, list[Any]]:
    """Integer group per node; nodes without a group each get a singleton group of their own."""
    labels: dict[Any, int] = {}
    g = np.empty(len(nodes), dtype=np.int64)
    for i, v in enumerate(nodes):
        lab = groups.get(v)
        g[i] = labels.setdefault(("__own__", v) if lab is None else lab, len(labels))
    names = [None] * len(labels)
    for lab, j in labels.items():
        names[j] = None if isinstance(lab, tuple) and len(lab) == 2 and lab[0] == "__own__" else lab
    return g, names


def onehot(g: np.ndarray, n_groups: int) -> sp.csr_matrix:
    n = len(g)
    return sp.csr_matrix((np.ones(n), (np.arange(n), g)), shape=(n, n_groups))
