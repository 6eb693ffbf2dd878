"""Roles relative to modules: participation coefficient, within-module degree z-score, Guimerà-Amaral roles.

A module is a department or a detected community. The participation coefficient says how evenly a person's
ties spread over modules (0: all in one; near 1: spread evenly); the within-module z-score says how much more
connected a person is inside their own module than its typical member. Together they place people in
Guimerà & Amaral's seven roles (hubs, connectors, peripherals, kinless).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Hashable, Mapping
from typing import Any

import networkx as nx
import numpy as np
import scipy.sparse as sp

from graph.analytics._matrix import onehot

HUB_Z = 2.5

GA_ROLES: dict[str, str] = {
    "R1": "ultra-peripheral",
    "R2": "peripheral",
    "R3": "non-hub connector",
    "R4": "non-hub kinless",
    "R5": "provincial hub",
    "R6": "connector hub",
    "R7": "kinless hub",
}


def _module_degrees(
    G: nx.Graph, modules: Mapping[Hashable, Any], weight: str | None
) -> dict[Hashable, dict[Any, float]]:
    H = G.to_undirected(as_view=True) if G.is_directed() else G
    out: dict[Hashable, dict[Any, float]] = {}
    for v in H:
        per: dict[Any, float] = defaultdict(float)
        for u, d in H[v].items():
            if u == v:
                continue
            m = modules.get(u)
            per[("__none__", u) if m is None else m] += float(d.get(weight, 1.0)) if weight else 1.0
        out[v] = per
    return out


def participation_coefficient(
    G: nx.Graph, modules: Mapping[Hashable, Any], *, weight: str | None = None
) -> dict[Hashable, float]:
    """``P_i = 1 - sum_s (k_is / k_i)^2`` over modules ``s``; 0 for isolated people.

    Neighbours without a module count as a module of their own each.

    References
    ----------
    .. [1] R. Guimerà, L. A. N. Amaral, "Functional cartography of complex metabolic networks", Nature 433
       (2005) 895-900.
    """
    out = {}
    for v, per in _module_degrees(G, modules, weight).items():
        k = sum(per.values())
        out[v] = 0.0 if k == 0 else 1.0 - sum((x / k) ** 2 for x in per.values())
    return out


def within_module_z(
    G: nx.Graph, modules: Mapping[Hashable, Any], *, weight: str | None = None
) -> dict[Hashable, float]:
    """``z_i = (k_i,s_i - mean_s) / sd_s``: ties inside one's own module against the module's members.

    Modules whose members all have the same internal degree give ``z = 0`` (no one stands out). People with
    no module get 0.

    References
    ----------
    .. [1] R. Guimerà, L. A. N. Amaral, "Functional cartography of complex metabolic networks", Nature 433
       (2005) 895-900.
    """
    per = _module_degrees(G, modules, weight)
    inside = {v: (per[v].get(modules[v], 0.0) if modules.get(v) is not None else None) for v in per}
    stats: dict[Any, list[float]] = defaultdict(list)
    for v, k in inside.items():
        if k is not None:
            stats[modules[v]].append(k)
    ms = {}
    for m, ks in stats.items():
        mu = sum(ks) / len(ks)
        sd = math.sqrt(sum((x - mu) ** 2 for x in ks) / len(ks))
        ms[m] = (mu, sd)
    out = {}
    for v, k in inside.items():
        if k is None:
            out[v] = 0.0
            continue
        mu, sd = ms[modules[v]]
        out[v] = 0.0 if sd == 0 else (k - mu) / sd
    return out


def participation_matrix(W: sp.csr_matrix, g: np.ndarray) -> np.ndarray:
    """Participation coefficients from a symmetric weight matrix (no diagonal) and module ids."""
    K = (W @ onehot(g, int(g.max()) + 1)).toarray() if len(g) else np.zeros((0, 0))
    k = K.sum(axis=1)
    safe = np.where(k > 0, k, 1.0)
    return np.where(k > 0, 1.0 - ((K / safe[:, None]) ** 2).sum(axis=1), 0.0)


def within_module_z_matrix(W: sp.csr_matrix, g: np.ndarray, has_module: np.ndarray) -> np.ndarray:
    """Within-module degree z-scores; ``has_module`` marks nodes with a real (non-singleton) module."""
    n = len(g)
    if n == 0:
        return np.zeros(0)
    B = W.tocoo()
    same = g[B.row] == g[B.col]
    inside = np.bincount(B.row[same], weights=B.data[same], minlength=n)
    m = int(g.max()) + 1
    cnt = np.bincount(g, minlength=m).astype(float)
    mu = np.bincount(g, weights=inside, minlength=m) / np.maximum(cnt, 1)
    var = np.bincount(g, weights=inside**2, minlength=m) / np.maximum(cnt, 1) - mu**2
    sd = np.sqrt(np.maximum(var, 0.0))[g]
    z = np.where(sd > 1e-12, (inside - mu[g]) / np.where(sd > 1e-12, sd, 1.0), 0.0)
    return np.where(has_module, z, 0.0)


def guimera_amaral_role(z: float, p: float) -> str:
    """The role code R1..R7 for a within-module z-score and participation coefficient.

    References
    ----------
    .. [1] R. Guimerà, L. A. N. Amaral, "Functional cartography of complex metabolic networks", Nature 433
       (2005) 895-900.
    """
    if z < HUB_Z:
        if p <= 0.05:
            return "R1"
        if p <= 0.62:
            return "R2"
        if p <= 0.80:
            return "R3"
        return "R4"
    if p <= 0.30:
        return "R5"
    if p <= 0.75:
        return "R6"
    return "R7"


#: Guimerà-Amaral roles in words that do not collide with the labels of the networker report (central
#: connector, broker, boundary spanner, peripheral specialist): GA's "peripheral" means "ties mostly inside one
#: community", which a well-connected person can be, so the product never calls it "peripheral".
COMMUNITY_POSITIONS: dict[str, str] = {
    "R1": "all ties inside their own community",
    "R2": "most ties inside their own community",
    "R3": "ties spread over several communities",
    "R4": "ties spread evenly over many communities",
    "R5": "a hub of their own community",
    "R6": "a hub linking their community with others",
    "R7": "a hub with ties across many communities",
}
