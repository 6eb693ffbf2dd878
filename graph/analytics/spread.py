"""Spreading an idea: diffusion models, seed selection (IMM, CELF) and Monte-Carlo reach.

Why this shape: a change agent asks "which k people should hear this first so it reaches most of the
organisation?". That is influence maximisation (Kempe, Kleinberg & Tardos 2003). The product answers with IMM
(Tang, Shi & Xiao 2015), whose guarantee is a (1 - 1/e - eps) approximation with probability 1 - n^-ell, and
which is fast because it works on *reverse-reachable (RR) sets*: the set of people who would have reached a
random person in one random world. Everything here is vectorised with numpy: RR sets are generated for a batch
of roots at once (one breadth-first level per numpy step) and stored as flat arrays; greedy max-coverage keeps a
coverage count per person and decrements only what a new seed newly covers.

Edge probabilities are an *assumption*, not an observation. :func:`edge_probabilities` derives them from tie
strength (see its docstring); docs/analytics.md repeats the assumption in words.

All functions are pure: they take an :class:`InfluenceGraph` (or a networkx graph via
:func:`influence_graph`) and return plain values. Randomness comes only from the ``seed`` argument.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np

from whoknows.errors import AnalyticsError

MODELS: tuple[str, ...] = ("ic", "lt", "wc")
#: The product's default model (docs/analytics.md, "Spreading an idea", says why: measured on real networks it is
#: the one whose seeds beat random people without a parameter tuned per organisation).
DEFAULT_MODEL = "wc"


@dataclass(frozen=True)
class InfluenceGraph:
    """A directed graph with one activation probability per arc, in compressed (CSR) form both ways.

    ``src[e] -> dst[e]`` with probability ``p[e]``. ``in_*`` arrays sort arcs by target (for RR sets),
    ``out_*`` by source (for forward simulation). ``nodes[i]`` is the original node id of index ``i``.
    """

    nodes: tuple[Hashable, ...]
    src: np.ndarray
    dst: np.ndarray
    p: np.ndarray
    in_ptr: np.ndarray
    in_src: np.ndarray
    in_p: np.ndarray
    out_ptr: np.ndarray
    out_dst: np.ndarray
    out_p: np.ndarray

    @property
    def n(self) -> int:
        return len(self.nodes)

    def index(self) -> dict[Hashable, int]:
        return {v: i for i, v in enumerate(self.nodes)}


def from_arcs(nodes: Sequence[Hashable], src: np.ndarray, dst: np.ndarray, p: np.ndarray) -> InfluenceGraph:
    """Build an :class:`InfluenceGraph` from parallel arrays of arc indices and probabilities.

    Self-loops are dropped (a person cannot activate themselves); parallel arcs are kept as independent
    chances, which is what IC means for a multigraph.
    """
    n = len(nodes)
    src = np.asarray(src, dtype=np.int64)
    dst = np.asarray(dst, dtype=np.int64)
    p = np.asarray(p, dtype=np.float64)
    if not (len(src) == len(dst) == len(p)):
        raise AnalyticsError("src, dst and p must have the same length")
    if len(src) and (src.min() < 0 or dst.min() < 0 or src.max() >= n or dst.max() >= n):
        raise AnalyticsError(f"arc endpoints must be indices in 0..{n - 1}")
    if len(p) and (p.min() < 0 or p.max() > 1):
        raise AnalyticsError("arc probabilities must lie in [0, 1]")
    keep = src != dst
    src, dst, p = src[keep], dst[keep], p[keep]
    order_in = np.argsort(dst, kind="stable")
    order_out = np.argsort(src, kind="stable")
    in_ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(dst, minlength=n), out=in_ptr[1:])
    out_ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(src, minlength=n), out=out_ptr[1:])
    return InfluenceGraph(
        nodes=tuple(nodes),
        src=src,
        dst=dst,
        p=p,
        in_ptr=in_ptr,
        in_src=src[order_in],
        in_p=p[order_in],
        out_ptr=out_ptr,
        out_dst=dst[order_out],
        out_p=p[order_out],
    )


def edge_probabilities(
    G: nx.Graph, *, model: str = "ic", weight: str | None = "weight", p0: float = 0.1
) -> tuple[list[Hashable], np.ndarray, np.ndarray, np.ndarray]:
    """Arc probabilities derived from tie strength (an explicit modelling assumption).

    * ``ic``: ``p_uv = 1 - (1 - p0) ** w_uv``: each unit of tie strength is an independent chance ``p0`` that
      ``u`` passes the idea to ``v``. With ``weight=None`` every tie has ``w = 1`` and ``p = p0`` (the classic
      uniform IC of Kempe et al. 2003).
    * ``wc``: weighted cascade, ``p_uv = w_uv / s_in(v)`` where ``s_in(v)`` is the total tie strength into
      ``v`` (with ``weight=None``: ``1 / indeg(v)``, Kempe et al. 2003's weighted cascade).
    * ``lt``: linear threshold, the same normalised in-weights ``b_uv = w_uv / s_in(v)`` (they sum to 1).

    Undirected graphs give two arcs per tie. Returns ``(nodes, src, dst, p)``.

    References
    ----------
    .. [1] D. Kempe, J. Kleinberg, E. Tardos, "Maximizing the spread of influence through a social network",
       KDD 2003.
    """
    if model not in MODELS:
        raise AnalyticsError(f"unknown diffusion model {model!r}; expected one of: {', '.join(MODELS)}")
    nodes = list(G.nodes)
    idx = {v: i for i, v in enumerate(nodes)}
    us, vs, ws = [], [], []
    directed = G.is_directed()
    for u, v, d in G.edges(data=True):
        if u == v:
            continue
        w = float(d.get(weight, 1.0)) if weight is not None else 1.0
        if w <= 0:
            continue
        us.append(idx[u])
        vs.append(idx[v])
        ws.append(w)
        if not directed:
            us.append(idx[v])
            vs.append(idx[u])
            ws.append(w)
    src = np.asarray(us, dtype=np.int64)
    dst = np.asarray(vs, dtype=np.int64)
    strength = np.asarray(ws, dtype=np.float64)
    if model == "ic":
        p = 1.0 - np.power(1.0 - p0, strength)
    else:
        s_in = np.bincount(dst, weights=strength, minlength=len(nodes))
        p = strength / s_in[dst] if len(strength) else strength
    return nodes, src, dst, np.clip(p, 0.0, 1.0)


def influence_graph(
    G: nx.Graph, *, model: str = "ic", weight: str | None = "weight", p0: float = 0.1
) -> InfluenceGraph:
    """:func:`edge_probabilities` packed into an :class:`InfluenceGraph`."""
    return from_arcs(*edge_probabilities(G, model=model, weight=weight, p0=p0))


# -- reverse-reachable sets ------------------------------------------------------------------------------------


def _expand(ptr: np.ndarray, frontier: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each frontier node, the arc positions of its CSR segment: returns (owner row, arc index)."""
    start = ptr[frontier]
    cnt = ptr[frontier + 1] - start
    total = int(cnt.sum())
    if total == 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    rows = np.repeat(np.arange(len(frontier)), cnt)
    offs = np.arange(total) - np.repeat(np.cumsum(cnt) - cnt, cnt)
    return rows, start[rows] + offs


def _first_unseen(keys: np.ndarray, seen: np.ndarray, claim: np.ndarray) -> np.ndarray:
    """The distinct ``keys`` not yet ``seen``, without sorting: each key is claimed by its last writer."""
    keys = keys[~seen[keys]]
    if len(keys) == 0:
        return keys
    pos = np.arange(len(keys), dtype=np.int32)
    claim[keys] = pos
    return keys[claim[keys] == pos]


def _reverse_step(
    ig: InfluenceGraph,
    fs: np.ndarray,
    fv: np.ndarray,
    rng: np.random.Generator,
    model: str,
    cum_in: np.ndarray | None,
) -> tuple[np.ndarray, np.ndarray] | None:
    """One level of reverse reachability from frontier nodes ``fv`` (of RR sets ``fs``): the (set, node) pairs
    reached, before removing those already visited. None when no frontier node has an in-neighbour (LT).

    Independent cascade: each in-arc is live with its probability. Linear threshold: each node picks at most
    one in-neighbour u with probability b_uv (one uniform draw against the cumulative in-weights).
    """
    if model == "lt":
        assert cum_in is not None  # the caller computes it for the LT model
        start = ig.in_ptr[fv]
        end = ig.in_ptr[fv + 1]
        has = end > start
        fs, fv, start, end = fs[has], fv[has], start[has], end[has]
        if not len(fv):
            return None
        base = np.where(start > 0, cum_in[start - 1], 0.0)
        pos = np.searchsorted(cum_in, base + rng.random(len(fv)), side="right")
        ok = pos < end
        return fs[ok], ig.in_src[pos[ok]]
    rows, arcs = _expand(ig.in_ptr, fv)
    live = rng.random(len(arcs)) < ig.in_p[arcs]
    return fs[rows[live]], ig.in_src[arcs[live]]


def _rr_batch(
    ig: InfluenceGraph,
    roots: np.ndarray,
    rng: np.random.Generator,
    model: str,
    cum_in: np.ndarray | None,
    visited: np.ndarray,
    claim: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """RR sets for a batch of roots. Returns (set index within batch, node) pairs, roots first.

    ``visited`` (all False on entry, left all False on exit) and ``claim`` are scratch arrays of size
    ``len(roots) * n``, allocated once per call of :func:`rr_sets`: allocating them per batch costs more
    than the sampling itself on sparse graphs.
    """
    n = ig.n
    b = len(roots)
    sets = np.arange(b, dtype=np.int64)
    nodes = roots.astype(np.int64)
    visited[sets * n + nodes] = True
    out_s, out_v = [sets], [nodes]
    fs, fv = sets, nodes
    while len(fv):
        step = _reverse_step(ig, fs, fv, rng, model, cum_in)
        if step is None:
            break
        ns, nv = step
        keys = ns * n + nv
        keys = _first_unseen(keys, visited, claim)
        visited[keys] = True
        fs, fv = keys // n, keys % n
        out_s.append(fs)
        out_v.append(fv)
    s = np.concatenate(out_s)
    v = np.concatenate(out_v)
    visited[s * n + v] = False
    order = np.argsort(s, kind="stable")
    return s[order], v[order]


def _rr_batch_sorted(
    ig: InfluenceGraph, roots: np.ndarray, rng: np.random.Generator, model: str, cum_in: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_rr_batch` with visited (set, node) keys kept as a sorted array instead of a dense bitmap.

    Memory is proportional to the nodes visited, not to ``len(roots) * n``, so huge batches of small RR sets
    (low-probability IC, where most sets are the root alone) cost a few numpy calls per level.
    """
    n = ig.n
    b = len(roots)
    fs = np.arange(b, dtype=np.int64)
    fv = roots.astype(np.int64)
    visited = fs * n + fv  # sorted: one root per set, sets in order
    out_s, out_v = [fs], [fv]
    while len(fv):
        step = _reverse_step(ig, fs, fv, rng, model, cum_in)
        if step is None:
            break
        ns, nv = step
        if not len(ns):
            break
        keys = np.unique(ns * n + nv)
        pos = np.searchsorted(visited, keys)
        seen = (pos < len(visited)) & (visited[np.minimum(pos, len(visited) - 1)] == keys)
        keys = keys[~seen]
        if not len(keys):
            break
        visited = np.sort(np.concatenate([visited, keys]))
        fs, fv = keys // n, keys % n
        out_s.append(fs)
        out_v.append(fv)
    s = np.concatenate(out_s)
    v = np.concatenate(out_v)
    order = np.argsort(s, kind="stable")
    return s[order], v[order]


@dataclass
class RRSets:
    """Reverse-reachable sets as flat arrays: set ``i`` is ``nodes[ptr[i]:ptr[i+1]]``."""

    ptr: np.ndarray
    nodes: np.ndarray

    @property
    def count(self) -> int:
        return len(self.ptr) - 1


def rr_sets(
    ig: InfluenceGraph,
    count: int,
    *,
    model: str = "ic",
    seed: int | np.random.Generator | None = None,
    batch: int | None = None,
    previous: RRSets | None = None,
) -> RRSets:
    """Generate ``count`` RR sets (appended to ``previous`` if given) for the IC or LT model.

    ``wc`` is IC with weighted-cascade probabilities, so it samples like ``ic``.

    References
    ----------
    .. [1] C. Borgs, M. Brautbar, J. Chayes, B. Lucier, "Maximizing social influence in nearly optimal time",
       SODA 2014.
    """
    rng = np.random.default_rng(seed)
    kind = "lt" if model == "lt" else "ic"
    cum_in = np.cumsum(ig.in_p) if kind == "lt" else None
    n = ig.n
    if batch is None:
        batch = max(64, min(8192, 16_000_000 // max(n, 1)))
    ptrs = [previous.ptr] if previous is not None else [np.zeros(1, dtype=np.int64)]
    chunks = [previous.nodes] if previous is not None else []
    total = int(ptrs[0][-1])
    done = 0
    batch = min(batch, max(count, 1))
    visited = claim = None
    mean_size = None
    while done < count:
        if mean_size is not None and mean_size < 4:
            # Small sets: a sorted-key batch of many roots is cheaper than a dense bitmap of few.
            b = min(count - done, max(batch, int(2_000_000 / mean_size)))
            roots = rng.integers(0, n, size=b)
            s, v = _rr_batch_sorted(ig, roots, rng, kind, cum_in)
        else:
            b = min(batch, count - done)
            if visited is None or claim is None:
                visited = np.zeros(batch * n, dtype=bool)
                claim = np.zeros(batch * n, dtype=np.int32)
            roots = rng.integers(0, n, size=b)
            s, v = _rr_batch(ig, roots, rng, kind, cum_in, visited, claim)
            mean_size = len(v) / b
        sizes = np.bincount(s, minlength=b)
        ptrs.append(total + np.cumsum(sizes))
        chunks.append(v)
        total += int(sizes.sum())
        done += b
    ptr = np.concatenate(ptrs)
    nodes = np.concatenate(chunks) if chunks else np.empty(0, dtype=np.int64)
    return RRSets(ptr=ptr, nodes=nodes)


# -- greedy max coverage -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Constraints:
    """Seed-selection constraints, as node indices: ``groups[i]`` is the department of node ``i`` (or -1)."""

    k: int
    exclude: frozenset[int] = frozenset()
    must_include: tuple[int, ...] = ()
    groups: np.ndarray | None = None
    max_per_group: int | None = None


def max_coverage(rr: RRSets, n: int, cons: Constraints) -> tuple[list[int], int]:
    """Greedy maximum coverage of RR sets under the constraints: returns (seeds, sets covered).

    Coverage counts are kept per node and decremented only for the sets a new seed newly covers (the
    decrement form of the lazy greedy in IMM's NodeSelection), so the total work is linear in the size of
    the RR sets.
    """
    seeds, gains = greedy_coverage(rr, n, cons)
    return seeds, sum(gains)


def greedy_coverage(rr: RRSets, n: int, cons: Constraints) -> tuple[list[int], list[int]]:
    """:func:`max_coverage` with the sets each seed newly covered, in the order the seeds were taken.

    ``n * gains[i] / rr.count`` estimates seed ``i``'s added reach over the seeds before it (the RR-set
    estimate of a marginal gain, Borgs et al. 2014); they sum to the estimate of the whole set's reach.
    """
    m = rr.count
    sizes = np.diff(rr.ptr)
    set_of = np.repeat(np.arange(m, dtype=np.int64), sizes)
    order = np.argsort(rr.nodes, kind="stable")
    node_ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(rr.nodes, minlength=n), out=node_ptr[1:])
    sets_by_node = set_of[order]
    count = np.diff(node_ptr).astype(np.int64)
    covered = np.zeros(m, dtype=bool)
    blocked = np.zeros(n, dtype=bool)
    if cons.exclude:
        blocked[np.fromiter(cons.exclude, dtype=np.int64)] = True
    per_group: dict[int, int] = {}
    seeds: list[int] = []
    gains: list[int] = []

    def take(v: int) -> None:
        seeds.append(v)
        blocked[v] = True
        s = sets_by_node[node_ptr[v] : node_ptr[v + 1]]
        s = s[~covered[s]]
        gains.append(len(s))
        if len(s):
            covered[s] = True
            _rows, pos = _expand(rr.ptr, s)
            np.subtract(count, np.bincount(rr.nodes[pos], minlength=n), out=count)
        if cons.groups is not None and cons.max_per_group is not None:
            g = int(cons.groups[v])
            if g >= 0:
                per_group[g] = per_group.get(g, 0) + 1
                if per_group[g] >= cons.max_per_group:
                    blocked[cons.groups == g] = True

    for v in cons.must_include:
        if v not in seeds:
            take(int(v))
    while len(seeds) < cons.k:
        masked = np.where(blocked, -1, count)
        v = int(np.argmax(masked))
        if masked[v] < 0:
            break  # every remaining person is excluded or their department is full
        take(v)
    return seeds, gains


# -- IMM -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SeedSelection:
    """What a seed selection returns: the seeds (original ids), the RR estimate of their spread, the work done."""

    seeds: list[Hashable]
    estimated_spread: float
    rr_sets: int
    model: str
    eps: float
    #: each seed's added reach over the seeds before it (RR-set estimate), in the order of ``seeds``
    gains: tuple[float, ...] = ()
    #: the RR sets the seeds were chosen on (to estimate other sets' reach without new cascades)
    rr: RRSets | None = field(default=None, repr=False, compare=False)


def _log_comb(n: int, k: int) -> float:
    return math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)


def _constraints(
    ig: InfluenceGraph,
    k: int,
    exclude: Iterable[Hashable],
    must_include: Iterable[Hashable],
    groups: Mapping[Hashable, Any] | None,
    max_per_group: int | None,
) -> Constraints:
    idx = ig.index()
    unknown = [v for v in [*exclude, *must_include] if v not in idx]
    if unknown:
        raise AnalyticsError(f"unknown people in exclude/must-include: {unknown[:5]}; they are not in the graph")
    ex = frozenset(idx[v] for v in exclude)
    mi = tuple(idx[v] for v in must_include)
    if set(mi) & ex:
        raise AnalyticsError("a person cannot be both excluded and required")
    if len(mi) > k:
        raise AnalyticsError(f"must-include names {len(mi)} people but the budget k is {k}")
    garr = None
    if groups is not None:
        labels: dict[Any, int] = {}
        garr = np.full(ig.n, -1, dtype=np.int64)
        for i, v in enumerate(ig.nodes):
            g = groups.get(v)
            if g is not None:
                garr[i] = labels.setdefault(g, len(labels))
    if max_per_group is not None and max_per_group < 1:
        raise AnalyticsError("max_per_group must be at least 1")
    return Constraints(k=k, exclude=ex, must_include=mi, groups=garr, max_per_group=max_per_group)


def imm(
    ig: InfluenceGraph,
    k: int,
    *,
    model: str = "ic",
    eps: float = 0.5,
    ell: float = 1.0,
    seed: int | None = None,
    exclude: Iterable[Hashable] = (),
    must_include: Iterable[Hashable] = (),
    groups: Mapping[Hashable, Any] | None = None,
    max_per_group: int | None = None,
    max_rr_sets: int = 5_000_000,
) -> SeedSelection:
    """Select ``k`` seeds by IMM: a (1 - 1/e - eps)-approximation with probability at least 1 - n^-ell.

    Parameters
    ----------
    ig : InfluenceGraph
        Arc probabilities (IC/WC: activation probabilities; LT: normalised in-weights).
    k : int
        Budget: number of seeds.
    model : {"ic", "wc", "lt"}
        Diffusion model; ``wc`` samples as IC over weighted-cascade probabilities.
    eps, ell : float
        IMM's accuracy and confidence parameters (eps=0.5 and ell=1 are the values IMM's paper evaluates
        as its fast setting; smaller eps means more RR sets).
    exclude, must_include : iterables of node ids
        People never chosen (e.g. opted out) and people always chosen (counted in ``k``).
    groups, max_per_group : mapping node -> group, int
        At most ``max_per_group`` seeds per group (department). With constraints the greedy keeps IMM's
        sampling but the approximation guarantee is that of greedy under a partition matroid (1/2).
    max_rr_sets : int
        A safety cap on the number of RR sets (very small spreads need very many sets).

    Returns
    -------
    SeedSelection

    References
    ----------
    .. [1] Y. Tang, Y. Shi, X. Xiao, "Influence maximization in near-linear time: a martingale approach",
       SIGMOD 2015.
    .. [2] D. Kempe, J. Kleinberg, E. Tardos, "Maximizing the spread of influence through a social network",
       KDD 2003.
    """
    if model not in MODELS:
        raise AnalyticsError(f"unknown diffusion model {model!r}; expected one of: {', '.join(MODELS)}")
    n = ig.n
    if k < 1 or k > n:
        raise AnalyticsError(f"k must be between 1 and the number of people ({n}); got {k}")
    cons = _constraints(ig, k, exclude, must_include, groups, max_per_group)
    rng = np.random.default_rng(seed)
    if n == 1:
        return SeedSelection([ig.nodes[0]], 1.0, 0, model, eps, (1.0,))
    ell = ell * (1 + math.log(2) / math.log(n))
    log_cnk = _log_comb(n, k)
    eps_p = math.sqrt(2) * eps
    lam_p = (2 + 2 * eps_p / 3) * (log_cnk + ell * math.log(n) + math.log(max(math.log2(n), 1.0))) * n / eps_p**2
    lb = 1.0
    rr: RRSets | None = None
    for i in range(1, max(2, math.ceil(math.log2(n)))):
        x = n / 2**i
        theta_i = min(math.ceil(lam_p / x), max_rr_sets)
        have = rr.count if rr is not None else 0
        if theta_i > have:
            rr = rr_sets(ig, theta_i - have, model=model, seed=rng, previous=rr)
        assert rr is not None
        _, cov = max_coverage(rr, n, cons)
        if n * cov / rr.count >= (1 + eps_p) * x:
            lb = n * cov / rr.count / (1 + eps_p)
            break
        if theta_i >= max_rr_sets:
            break
    alpha = math.sqrt(ell * math.log(n) + math.log(2))
    beta = math.sqrt((1 - 1 / math.e) * (log_cnk + ell * math.log(n) + math.log(2)))
    lam_star = 2 * n * ((1 - 1 / math.e) * alpha + beta) ** 2 / eps**2
    theta = min(math.ceil(lam_star / lb), max_rr_sets)
    have = rr.count if rr is not None else 0
    if theta > have:
        rr = rr_sets(ig, theta - have, model=model, seed=rng, previous=rr)
    assert rr is not None
    chosen, gains = greedy_coverage(rr, n, cons)
    return SeedSelection(
        [ig.nodes[i] for i in chosen],
        n * sum(gains) / rr.count,
        rr.count,
        model,
        eps,
        tuple(n * g / rr.count for g in gains),
        rr,
    )


def rr_reach(rr: RRSets, n: int, seeds: Iterable[int]) -> tuple[float, float]:
    """Reach of a seed set (node indices) estimated on RR sets: ``n * share of sets it meets``, with the half
    width of a 95% binomial interval. Unbiased for a set that was *not* chosen on these same sets (Borgs et al.
    2014); a set chosen on them is estimated optimistically, so the product simulates its own seeds forward."""
    if rr.count == 0:
        return 0.0, 0.0
    mark = np.zeros(n, dtype=bool)
    mark[np.fromiter(seeds, dtype=np.int64)] = True
    hit = np.logical_or.reduceat(mark[rr.nodes], rr.ptr[:-1]) if len(rr.nodes) else np.zeros(rr.count, bool)
    share = float(hit.mean())
    return n * share, 1.96 * n * math.sqrt(share * (1 - share) / rr.count)


# -- forward Monte-Carlo simulation ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SpreadEstimate:
    """Monte-Carlo reach of a seed set: mean, 95% confidence interval, and each person's activation rate."""

    mean: float
    ci_low: float
    ci_high: float
    n_sim: int
    activation: dict[Hashable, float]
    sd: float = 0.0  # standard deviation of one cascade's reach

    def to_dict(self) -> dict[str, Any]:
        return {"mean": self.mean, "ci95": [self.ci_low, self.ci_high], "n_sim": self.n_sim}


def _simulate_batch(
    ig: InfluenceGraph,
    seeds: np.ndarray,
    b: int,
    rng: np.random.Generator,
    model: str,
    active: np.ndarray,
    claim: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Run ``b`` cascades at once; returns (sizes per cascade, activation counts per node).

    ``active`` and ``claim`` are scratch arrays of at least ``b * n`` entries reused across batches.
    """
    n = ig.n
    active = active[: b * n]
    active[:] = False
    fs = np.repeat(np.arange(b, dtype=np.int64), len(seeds))
    fv = np.tile(seeds, b)
    active[fs * n + fv] = True
    # linear threshold: each node's random threshold and the in-weight of its active in-neighbours so far
    thresholds, pressure = (rng.random(b * n), np.zeros(b * n)) if model == "lt" else (None, None)
    while len(fv):
        rows, arcs = _expand(ig.out_ptr, fv)
        ns, nv = fs[rows], ig.out_dst[arcs]
        keys = ns * n + nv
        if thresholds is not None and pressure is not None:
            np.add.at(pressure, keys, ig.out_p[arcs])
            keys = np.unique(keys)
            keys = keys[~active[keys] & (pressure[keys] >= thresholds[keys])]
        else:
            live = rng.random(len(arcs)) < ig.out_p[arcs]
            keys = _first_unseen(keys[live], active, claim)
        active[keys] = True
        fs, fv = keys // n, keys % n
    grid = active.reshape(b, n)
    return grid.sum(axis=1), grid.sum(axis=0)


def simulate(
    ig: InfluenceGraph,
    seeds: Iterable[Hashable],
    *,
    model: str = "ic",
    n_sim: int = 10_000,
    seed: int | None = None,
    batch: int | None = None,
) -> SpreadEstimate:
    """Expected reach of ``seeds`` by Monte-Carlo simulation, with a 95% normal-approximation interval.

    Cascades run in batches, one numpy step per propagation round for the whole batch. The interval is
    ``mean +- 1.96 * sd / sqrt(n_sim)`` (central limit theorem over independent cascades).

    References
    ----------
    .. [1] D. Kempe, J. Kleinberg, E. Tardos, "Maximizing the spread of influence through a social network",
       KDD 2003 (the IC and LT models and Monte-Carlo estimation of spread).
    """
    if model not in MODELS:
        raise AnalyticsError(f"unknown diffusion model {model!r}; expected one of: {', '.join(MODELS)}")
    idx = ig.index()
    try:
        s = np.unique(np.asarray([idx[v] for v in seeds], dtype=np.int64))
    except KeyError as exc:
        raise AnalyticsError(f"seed {exc.args[0]!r} is not in the graph") from None
    kind = "lt" if model == "lt" else "ic"
    rng = np.random.default_rng(seed)
    n = ig.n
    if batch is None:
        batch = max(16, min(2048, 8_000_000 // max(n, 1)))
    sizes = []
    counts = np.zeros(n, dtype=np.int64)
    done = 0
    batch = min(batch, max(n_sim, 1))
    active = np.zeros(batch * n, dtype=bool)
    claim = np.zeros(batch * n, dtype=np.int32)
    while done < n_sim:
        b = min(batch, n_sim - done)
        sz, cnt = _simulate_batch(ig, s, b, rng, kind, active, claim)
        sizes.append(sz)
        counts += cnt
        done += b
    all_sizes = np.concatenate(sizes).astype(np.float64)
    mean = float(all_sizes.mean())
    sd = float(all_sizes.std(ddof=1)) if n_sim > 1 else 0.0
    half = 1.96 * sd / math.sqrt(n_sim) if n_sim > 1 else 0.0
    act = {ig.nodes[i]: float(counts[i]) / n_sim for i in np.flatnonzero(counts)}
    return SpreadEstimate(mean=mean, ci_low=mean - half, ci_high=mean + half, n_sim=n_sim, activation=act, sd=sd)


def reach_by_group(estimate: SpreadEstimate, groups: Mapping[Hashable, Any]) -> dict[Any, dict[str, float]]:
    """Expected number and share of each group's members reached (activation rates summed per group)."""
    size: dict[Any, int] = {}
    for g in groups.values():
        if g is not None:
            size[g] = size.get(g, 0) + 1
    reached = dict.fromkeys(size, 0.0)
    for v, rate in estimate.activation.items():
        g = groups.get(v)
        if g is not None:
            reached[g] += rate
    return {g: {"members": size[g], "expected_reached": reached[g], "share": reached[g] / size[g]} for g in size}


def celf(
    ig: InfluenceGraph,
    k: int,
    *,
    model: str = "ic",
    candidates: Iterable[Hashable] | None = None,
    base: Iterable[Hashable] = (),
    n_sim: int = 500,
    seed: int | None = None,
) -> list[tuple[Hashable, float]]:
    """CELF lazy greedy on Monte-Carlo spread: for what-if runs over a short candidate list.

    Starting from ``base`` (seeds already chosen), add ``k`` people from ``candidates`` one at a time, each
    time the one with the largest marginal gain; returns ``[(person, marginal gain), ...]``. Uses common
    random numbers (the same ``seed`` for every evaluation) so that gains are compared on the same worlds.

    References
    ----------
    .. [1] J. Leskovec, A. Krause, C. Guestrin, C. Faloutsos, J. VanBriesen, N. Glance, "Cost-effective outbreak
       detection in networks", KDD 2007.
    """
    import heapq

    base_list = list(base)
    pool = [v for v in (candidates if candidates is not None else ig.nodes) if v not in set(base_list)]

    def sigma(seeds: list[Hashable]) -> float:
        if not seeds:
            return 0.0
        return simulate(ig, seeds, model=model, n_sim=n_sim, seed=seed).mean

    current = sigma(base_list)
    heap = [(-(sigma([*base_list, v]) - current), 0, i, v) for i, v in enumerate(pool)]
    heapq.heapify(heap)
    chosen: list[tuple[Hashable, float]] = []
    seeds = list(base_list)
    while heap and len(chosen) < k:
        neg, it, i, v = heapq.heappop(heap)
        if it == len(chosen):
            seeds.append(v)
            current += -neg
            chosen.append((v, -neg))
        else:
            gain = sigma([*seeds, v]) - current
            heapq.heappush(heap, (-gain, len(chosen), i, v))
    return chosen
