"""Sparse-matrix views of a graph, built once and shared by the vectorised measures."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any

import networkx as nx
import numpy as np
import scipy.sparse as sp


def adjacency(G: nx.Graph, weight: str | None = None) -> tuple[list[Hashable], sp.csr_matrix]:
    """``(nodes, A)``: the weighted adjacency in ``G.nodes`` order, self-loops removed.

    Faster than :func:`networkx.to_scipy_sparse_array` on large graphs because it reads the adjacency dicts
    directly.
    """
    nodes = list(G.nodes)
    idx = {v: i for i, v in enumerate(nodes)}
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    for u, nbrs in G.adj.items():  # a directed graph's adj holds its successors
        iu = idx[u]
        for v, d in nbrs.items():
            if v == u:
                continue
            rows.append(iu)
            cols.append(idx[v])
            vals.append(float(d.get(weight, 1.0)) if weight is not None else 1.0)
    n = len(nodes)
    A = sp.csr_matrix((np.asarray(vals, dtype=float), (np.asarray(rows), np.asarray(cols))), shape=(n, n))
    A.sum_duplicates()
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
