"""Gould-Fernandez brokerage roles relative to a partition (departments or communities), direction kept.

A broker ``b`` sits on a two-path ``a -> b -> c`` where ``a`` has no tie to ``c``. The groups of the three
people name the role:

============================  ==================================  ===========================================
role                          groups                              plain words
============================  ==================================  ===========================================
coordinator                   a, b, c all in one group            brokers inside their own group
consultant                    a and c share a group, b outside    an outsider who links two members of a group
                                                                  (Gould & Fernandez's "itinerant" broker)
representative                a and b share a group, c outside    carries their own group's knowledge out
gatekeeper                    b and c share a group, a outside    lets outside knowledge into their group
liaison                       a, b, c in three different groups   links groups neither of which is their own
representative_or_gatekeeper  b shares a group with one end only  the same, over ties without direction
============================  ==================================  ===========================================

Direction where the data has it: the person graph mixes ties with a direction (an e-mail from ``a`` to ``b``:
the INTERACTED arcs the projection keeps in ``G.graph["interaction_arcs"]``) and ties without one (a manager,
a shared document, a shared community of practice). A two-path with at least one directed leg is counted once,
in its direction (so a representative and a gatekeeper differ). A two-path over two ties without direction is
*one* two-path, not two: it is counted once, and since nothing says which way knowledge flows, a person between
their own group and another is counted as ``representative_or_gatekeeper`` rather than as both.

A directed two-path is open when there is no tie ``a -> c``; an undirected one when ``a`` and ``c`` have no tie
either way. Counting is vectorised: totals per broker from group counts of in- and out-neighbours, minus returns
and closed two-paths from sparse products, so a 10,000-person graph takes well under a second. Tested equal to
brute-force enumeration.

References
----------
.. [1] R. V. Gould, R. M. Fernandez, "Structures of mediation: a formal approach to brokerage in transaction
   networks", Sociological Methodology 19 (1989) 89-126.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import Any

import networkx as nx
import numpy as np
import scipy.sparse as sp

from graph.analytics._matrix import adjacency, binary, group_index, onehot
from graph.analytics._triangles import TriangleList, Triangles
from whoknows.errors import AnalyticsError

DIRECTED_ROLES: tuple[str, ...] = ("coordinator", "consultant", "representative", "gatekeeper", "liaison")
ROLES: tuple[str, ...] = (*DIRECTED_ROLES, "representative_or_gatekeeper")
#: tie kinds of the person projection that have no direction (graph/analytics/projection.py)
UNDIRECTED_KINDS: tuple[str, ...] = ("reports_to", "coauthor", "community")


def _same_group_part(M: sp.csr_matrix, g: np.ndarray) -> sp.csr_matrix:
    """The entries of ``M`` whose row and column share a group (without forming the n x n group matrix)."""
    C = M.tocoo()
    keep = g[C.row] == g[C.col]
    return sp.csr_matrix((C.data[keep], (C.row[keep], C.col[keep])), shape=M.shape)


def brokerage_legs(
    G: nx.Graph, *, ties: tuple[list[Hashable], sp.csr_matrix] | None = None
) -> tuple[list[Hashable], sp.csr_matrix, sp.csr_matrix]:
    """``(nodes, D, U)``: 0/1 matrices of the ties *with* a direction (``D[a, b]``: a tie from a to b) and of
    the ties *without* one (``U``, symmetric), in ``G.nodes`` order, self-loops dropped.

    A directed graph has only directed ties. In the undirected person projection, a pair tied by a manager line,
    a shared document or a shared community has a tie without direction; a pair tied only by interactions has
    the arcs recorded in ``G.graph["interaction_arcs"]`` (one or both ways); a tie with no kind information (any
    other undirected graph) has no direction. ``ties``: ``adjacency(G)`` when the caller already has it.
    """
    nodes, A = ties if ties is not None else adjacency(G)
    n = len(nodes)
    P = binary(A)
    if G.is_directed():
        return nodes, P, sp.csr_matrix((n, n))
    # Only the recorded arcs can give a tie a direction: look at those ties (a few per person) rather than
    # reading every tie's kinds.
    idx = {v: i for i, v in enumerate(nodes)}
    rows: list[int] = []
    cols: list[int] = []
    adj = G.adj
    for u, v in G.graph.get("interaction_arcs") or {}:
        data = adj[u].get(v) if u != v and u in adj else None
        if data is not None and not any(data.get(k) for k in UNDIRECTED_KINDS):
            rows.append(idx[u])
            cols.append(idx[v])
    if not rows:
        return nodes, sp.csr_matrix((n, n)), P
    D = binary(sp.csr_matrix((np.ones(len(rows)), (np.asarray(rows), np.asarray(cols))), shape=(n, n)))
    U = sp.csr_matrix(P - binary(sp.csr_matrix(D + D.T)))  # every other tie has no direction
    U.eliminate_zeros()
    return nodes, D, U


def brokerage_roles(
    G: nx.Graph, groups: Mapping[Hashable, Any], *, weight: str | None = None
) -> dict[Hashable, dict[str, int]]:
    """Count each Gould-Fernandez brokerage role for every node, direction kept where the graph has it.

    Parameters
    ----------
    G : graph (directed, or the undirected person projection, or any undirected graph)
        See :func:`brokerage_legs` for which ties have a direction.
    groups : mapping node -> group label
        Nodes without a group are each treated as a group of their own (so they can be brokered to, but
        never share a group with anyone).
    weight : unused
        Brokerage counts two-paths, not tie strengths; present for a uniform signature.

    Returns
    -------
    dict node -> {role: count} over :data:`ROLES`

    References
    ----------
    .. [1] R. V. Gould, R. M. Fernandez, "Structures of mediation: a formal approach to brokerage in
       transaction networks", Sociological Methodology 19 (1989).
    """
    nodes, D, U = brokerage_legs(G)
    if not nodes:
        return {}
    g, _ = group_index(nodes, groups)
    (table,) = mixed_brokerage(D, U, [g])
    return {v: dict(zip(ROLES, map(int, table[i]), strict=True)) for i, v in enumerate(nodes)}


def mixed_brokerage(
    D: sp.csr_matrix,
    U: sp.csr_matrix,
    partitions: Sequence[np.ndarray],
    *,
    triangle_list: TriangleList | None = None,
    closed: ClosedTwoPaths | None = None,
) -> list[np.ndarray]:
    """Role counts (n x 6, in :data:`ROLES` order) for directed ties ``D`` and undirected ties ``U`` (0/1, no
    diagonal; ``U`` symmetric), one table per partition (group ids per node). See the module docstring for what
    is counted once.

    Every two-path is counted from the group counts of each broker's in- and out-neighbours; returns
    ``a -> b -> a`` and closed two-paths (``a`` tied to ``c``) are then taken away. A closed two-path is a
    triangle, so the closed ones are counted from the triangle list (graph/analytics/_triangles.py), once for
    all the partitions: no product of the adjacency with itself is formed (that grew with the sum of squared
    degrees: minutes at 100,000 people with heavy-tailed degrees). ``triangle_list``: the graph's, when the
    caller has it; ``closed``: the closed two-paths already summed for these ties and partitions
    (graph/analytics/networkers.py sums them in the same pass over the triangles as Burt's measures).
    """
    n = D.shape[0]
    if closed is None:
        closed = ClosedTwoPaths(D, U, partitions, triangle_list)
        closed.tri.feed(closed)
    elif closed.partitions is not partitions and not all(
        np.array_equal(a, b) for a, b in zip(closed.partitions, partitions, strict=True)
    ):
        raise AnalyticsError("mixed_brokerage: the closed two-paths were summed for other partitions")
    A = closed.A
    closed_dir, closed_und = closed.counts()
    tables = []
    for g, c_dir, c_und in zip(partitions, closed_dir, closed_und, strict=True):
        table = np.zeros((n, len(ROLES)), dtype=np.int64)
        # every ordered two-path over ties (one leg at least with a direction, or both without), minus those
        # whose two legs both lack a direction, which are counted once below
        table[:, :5] = _unclosed_two_paths(A, g) - _unclosed_two_paths(U, g) - c_dir
        if U.nnz:
            once_u = _unclosed_two_paths(U, g) - c_und  # each path over two undirected ties, from both ends
            for j in (0, 1, 4):  # coordinator, consultant, liaison: the same role from either end
                table[:, j] += once_u[:, j] // 2
            table[:, 5] = once_u[:, 2]  # representative one way is gatekeeper the other: counted once
        tables.append(table)
    return tables


def _unclosed_two_paths(A: sp.csr_matrix, g: np.ndarray) -> np.ndarray:
    """Ordered two-paths ``a -> b -> c`` with ``a != c`` over the arcs of ``A`` (0/1, no diagonal), per broker
    ``b`` and role (n x 5, :data:`DIRECTED_ROLES` order), closed ones included: products of group counts."""
    n = A.shape[0]
    if n == 0:
        return np.zeros((0, len(DIRECTED_ROLES)), dtype=np.int64)
    H = onehot(g, int(g.max()) + 1)
    in_g = (A.T @ H).tocsr()  # in-neighbours of b per group (sparse: a person touches few groups)
    out_g = (A @ H).tocsr()  # out-neighbours of b per group
    idx = np.arange(n)
    in_own = np.asarray(in_g[idx, g]).ravel()
    out_own = np.asarray(out_g[idx, g]).ravel()
    in_tot = np.asarray(in_g.sum(axis=1)).ravel()
    out_tot = np.asarray(out_g.sum(axis=1)).ravel()
    same_group = np.asarray(in_g.multiply(out_g).sum(axis=1)).ravel()
    coordinator = in_own * out_own
    consultant = same_group - in_own * out_own
    representative = in_own * (out_tot - out_own)
    gatekeeper = (in_tot - in_own) * out_own
    liaison = (in_tot - in_own) * (out_tot - out_own) - consultant

    # Remove returns a -> b -> a: a role "coordinator" if a shares b's group, else "consultant".
    recip = sp.csr_matrix(A.multiply(A.T))
    same_ab = _same_group_part(recip, g)
    back_same = np.asarray(same_ab.sum(axis=0)).ravel()
    back_all = np.asarray(recip.sum(axis=0)).ravel()
    coordinator -= back_same
    consultant -= back_all - back_same
    table = np.vstack([coordinator, consultant, representative, gatekeeper, liaison]).T
    return np.rint(table).astype(np.int64)


#: How each broker of a triangle x, y, z (degree order) sees it: (leg a-b, a -> b read from the lower end?),
#: (leg b-c, b -> c read from the lower end?), (closing tie a-c, a -> c read from the lower end?), and which of
#: x, y, z are a, b, c. See graph/analytics/_triangles.py for how a tie's code reads.
_POSITIONS: tuple[tuple[str, str, str, tuple[str, bool], tuple[str, bool], tuple[str, bool]], ...] = (
    ("x", "y", "z", ("xy", True), ("yz", True), ("xz", True)),  # broker y
    ("y", "x", "z", ("xy", False), ("xz", True), ("yz", True)),  # broker x
    ("x", "z", "y", ("xz", True), ("yz", False), ("xy", True)),  # broker z
)
_ARC, _UNDIRECTED = 1, 2  # the bits of a tie's half code: an arc that way; a tie without direction


class ClosedTwoPaths:
    """Per partition, the closed two-paths to take away (n x 5 each, :data:`DIRECTED_ROLES` order), summed over
    the triangles of ``triangle_list`` (default: listed here) by :meth:`TriangleList.feed`:

    * ``directed``: ordered two-paths ``a -> b -> c`` over arcs of ``A`` (every tie: ``D`` and both ways of
      ``U``) with the arc ``a -> c``, except those whose two legs both lack a direction;
    * ``undirected``: ordered two-paths over two ties without direction (``U``) whose ends are tied either way,
      from both ends (so each counts twice, as :func:`_unclosed_two_paths` of ``U`` counts them).
    """

    def __init__(
        self,
        D: sp.csr_matrix,
        U: sp.csr_matrix,
        partitions: Sequence[np.ndarray],
        triangle_list: TriangleList | None = None,
    ) -> None:
        n = D.shape[0]
        self.A = binary(sp.csr_matrix(D + U)) if (D.nnz or U.nnz) else sp.csr_matrix((n, n))
        self.partitions = partitions
        self.tri = triangle_list if triangle_list is not None else TriangleList(self.A)
        self._dir = [np.zeros(5 * n) for _ in partitions]
        self._und = [np.zeros(5 * n) for _ in partitions]
        arc_fwd, arc_back = self.tri.halves(self.A)
        und = self.tri.halves(U)[0] if U.nnz else np.zeros(len(self.tri))
        # a tie's code: bits 0-7 read from its lo to its hi end, bits 8-15 the other way
        code = (np.rint(arc_fwd) * _ARC + np.rint(und) * _UNDIRECTED).astype(np.int64)
        code += (np.rint(arc_back) * _ARC + np.rint(und) * _UNDIRECTED).astype(np.int64) << 8
        self._code = code

    def add(self, t: Triangles) -> None:
        code = self._code
        t = Triangles(x=t.x, y=t.y, z=t.z, xy=code[t.xy], yz=code[t.yz], xz=code[t.xz])
        # Most triangles of a person graph have three ties without direction (shared documents, communities,
        # managers): each is one closed undirected two-path at each corner, seen from both ends.
        plain = (t.xy & t.yz & t.xz & _UNDIRECTED) != 0
        node = {"x": t.x[plain], "y": t.y[plain], "z": t.z[plain]}
        _add_closed(node, self.partitions, self._und, self._dir, None)
        mixed = ~plain
        node = {"x": t.x[mixed], "y": t.y[mixed], "z": t.z[mixed]}
        codes = {"xy": t.xy[mixed], "yz": t.yz[mixed], "xz": t.xz[mixed]}
        _add_closed(node, self.partitions, self._und, self._dir, codes)

    def counts(self) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """``(directed, undirected)``: one n x 5 table of each per partition."""
        n = self.A.shape[0]
        return (
            [np.rint(x).astype(np.int64).reshape(n, 5) for x in self._dir],
            [np.rint(x).astype(np.int64).reshape(n, 5) for x in self._und],
        )


def _add_closed(
    node: Mapping[str, np.ndarray],
    partitions: Sequence[np.ndarray],
    closed_und: list[np.ndarray],
    closed_dir: list[np.ndarray],
    code: Mapping[str, np.ndarray] | None,
) -> None:
    """Add a chunk of triangles' closed two-paths to the per-partition counts (flat n * 5 arrays, broker-major).

    ``code`` None: every tie of every triangle is without direction, so each corner closes one undirected
    two-path, seen from both ends (the role of ``c -> b -> a`` is that of ``a -> b -> c`` with representative
    and gatekeeper swapped): one count per corner, and its swap, suffice.
    """
    n5 = len(closed_und[0])
    weights = []
    for _a, _b, _c, (ab, ab_lo), (bc, bc_lo), (ac, ac_lo) in _POSITIONS:
        if code is None:
            continue
        w_fwd = _arc(code[ab], ab_lo) & _arc(code[bc], bc_lo) & _arc(code[ac], ac_lo)  # a -> b -> c
        w_back = _arc(code[bc], not bc_lo) & _arc(code[ab], not ab_lo) & _arc(code[ac], not ac_lo)  # c -> b -> a
        w_und = ((code[ab] & code[bc] & _UNDIRECTED) != 0).astype(np.int8)
        weights.append((w_fwd & (1 - w_und), w_back & (1 - w_und), w_und))  # two undirected legs: counted once
    for i, g in enumerate(partitions):
        gx, gy, gz = g[node["x"]], g[node["y"]], g[node["z"]]
        eq = {"xy": (gx == gy).astype(np.int8), "yz": (gy == gz).astype(np.int8), "xz": (gx == gz).astype(np.int8)}
        three = 2 * (eq["xy"] & eq["yz"])  # all three in one group
        keys = []
        for j, (_a, b, _c, (ab, _), (bc, _), (ac, _)) in enumerate(_POSITIONS):
            broker = node[b] * 5
            # role of a -> b -> c: coordinator 0, consultant 1, representative 2, gatekeeper 3, liaison 4
            # (a and b alike with c apart is representative; c -> b -> a, the other way, is gatekeeper)
            role_fwd = broker + (4 + three - eq[bc] - 2 * eq[ab] - 3 * eq[ac])
            if code is None:
                keys.append(role_fwd)
                continue
            role_back = broker + (4 + three - 2 * eq[bc] - eq[ab] - 3 * eq[ac])
            w_fwd, w_back, w_und = weights[j]
            closed_und[i] += np.bincount(role_fwd, weights=w_und, minlength=n5)
            closed_und[i] += np.bincount(role_back, weights=w_und, minlength=n5)
            closed_dir[i] += np.bincount(role_fwd, weights=w_fwd, minlength=n5)
            closed_dir[i] += np.bincount(role_back, weights=w_back, minlength=n5)
        if keys:
            fwd = np.bincount(np.concatenate(keys), minlength=n5).reshape(-1, 5)
            closed_und[i] += (fwd + fwd[:, [0, 1, 3, 2, 4]]).ravel()


def _arc(code: np.ndarray, low_to_high: bool) -> np.ndarray:
    """1 where the tie has an arc from its lower to its higher end (``low_to_high``) or the other way."""
    half = code if low_to_high else code >> 8
    return (half & _ARC).astype(np.int8)


def enumerate_brokerage(G: nx.Graph, groups: Mapping[Hashable, Any]) -> dict[Hashable, dict[str, int]]:
    """The slow reference of :func:`brokerage_roles`: every two-path enumerated in Python (``O(sum deg^2)``), for
    checking the vectorised counts (tests, bench/analytics.py's ``brokerage_directed_ok``)."""
    nodes, D, U = brokerage_legs(G)
    arcs = {(int(a), int(b)) for a, b in zip(*D.nonzero(), strict=True)}
    und = {(int(a), int(b)) for a, b in zip(*U.nonzero(), strict=True)}
    every = arcs | und
    out_of: dict[int, list[int]] = {}
    for a, b in every:
        out_of.setdefault(a, []).append(b)
    g, _ = group_index(nodes, groups)
    counts = np.zeros((len(nodes), len(ROLES)), dtype=np.int64)
    for a, b in every:
        for c in out_of.get(b, ()):
            if c == a:
                continue
            ga, gb, gc = g[a], g[b], g[c]
            if (a, b) in und and (b, c) in und:
                if (a, c) in every or (c, a) in every or a > c:
                    continue  # closed either way, or the same undirected path seen from its other end
                roles = ("coordinator", "consultant", "representative_or_gatekeeper", "representative_or_gatekeeper")
            else:
                if (a, c) in every:
                    continue
                roles = ("coordinator", "consultant", "representative", "gatekeeper")
            if ga == gb == gc:
                role = roles[0]
            elif ga == gc:
                role = roles[1]
            elif ga == gb:
                role = roles[2]
            elif gb == gc:
                role = roles[3]
            else:
                role = "liaison"
            counts[b, ROLES.index(role)] += 1
    return {v: dict(zip(ROLES, map(int, counts[i]), strict=True)) for i, v in enumerate(nodes)}
