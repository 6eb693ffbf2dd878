"""The internal-networker report: every measure per person, and Rob Cross's labels with their reasons in words.

Labels (Cross & Parker 2004's vocabulary, which people in organisations recognise):

* **central connector**: among the most connected people (degree in the top ``top_share``, default 10%);
* **broker / boundary spanner**: a large share of ties crossing departments *and* low Burt constraint (or a
  top brokerage count), i.e. someone who links groups that are otherwise apart;
* **peripheral specialist**: knows about a topic (given as input: the topics a person is a strong match on) but
  has few ties: knowledge the network cannot easily reach.

Every label carries sentences a person can check ("bridges Finance and Operations: 14 of 31 ties cross
departments; constraint 0.18, lower than 92% of people"). People who opted out are part of the structure but
get no row and no label (see :mod:`graph.analytics.privacy`).

References
----------
.. [1] R. Cross, A. Parker, "The Hidden Power of Social Networks", Harvard Business School Press (2004).
.. [2] R. S. Burt, "Structural holes and good ideas", American Journal of Sociology 110 (2004) 349-399.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Hashable, Mapping, Sequence
from typing import Any

import networkx as nx
import numpy as np
import scipy.sparse as sp

from graph.access import Viewer, document_access
from graph.analytics._matrix import adjacency, binary, group_index, mutual, onehot
from graph.analytics._triangles import TriangleList
from graph.analytics.brokerage import ROLES, ClosedTwoPaths, brokerage_legs, mixed_brokerage
from graph.analytics.centrality import (
    BurtSums,
    betweenness_error_bound,
    betweenness_matrix,
    constraint,
    coreness_matrix,
)
from graph.analytics.communities import communities as detect_communities
from graph.analytics.privacy import opted_out
from graph.analytics.projection import node_attribute
from graph.analytics.roles import (
    COMMUNITY_POSITIONS,
    GA_ROLES,
    guimera_amaral_role,
    participation_matrix,
    within_module_z_matrix,
)
from graph.store import full_text

BROKER_ROLES: tuple[str, ...] = ROLES[1:]  # every role but coordinator links groups
#: The one vocabulary every page and the CLI use for a person's place in the network (Cross & Parker 2004)
LABELS: tuple[str, ...] = ("central connector", "broker", "boundary spanner", "peripheral specialist")
ROLE_WORDS = {
    "coordinator": "coordinator",
    "consultant": "consultant",
    "representative": "representative",
    "gatekeeper": "gatekeeper",
    "liaison": "liaison",
    "representative_or_gatekeeper": "representative or gatekeeper (ties without direction)",
}


class _Ranks:
    """Share of people strictly below / above a value, from one sorted array (NaNs left out)."""

    def __init__(self, values: Sequence[float]) -> None:
        arr = np.asarray([v for v in values if v == v], dtype=float)
        self.sorted = np.sort(arr)
        self.n = len(arr)

    def below(self, x: float) -> float:
        return float(np.searchsorted(self.sorted, x, side="left")) / self.n if self.n else 0.0

    def above(self, x: float) -> float:
        return float(self.n - np.searchsorted(self.sorted, x, side="right")) / self.n if self.n else 0.0

    def below_all(self, xs: np.ndarray) -> np.ndarray:
        """:meth:`below` of every value at once (the same numbers)."""
        if not self.n:
            return np.zeros(len(xs))
        return np.searchsorted(self.sorted, np.asarray(xs, dtype=float), side="left").astype(float) / self.n

    def above_all(self, xs: np.ndarray) -> np.ndarray:
        """:meth:`above` of every value at once (the same numbers)."""
        if not self.n:
            return np.zeros(len(xs))
        return (self.n - np.searchsorted(self.sorted, np.asarray(xs, dtype=float), side="right")).astype(float) / self.n


def _at(M: sp.csr_matrix, cols: np.ndarray) -> np.ndarray:
    """``M[i, cols[i]]`` for every row ``i``."""
    n = M.shape[0]
    return np.asarray(M[np.arange(n), cols]).ravel() if n else np.zeros(0)


def _group_ties(K: sp.csr_matrix, i: int, own: int, names: Sequence[Any], *, unnamed: bool) -> Counter:
    """Ties of person ``i`` per group name (``K``: ties per person and group), their own group (index ``own``)
    left out, in ``K``'s order; the groups without a name (people without a group, each a group of their own)
    summed under None with ``unnamed``, else left out."""
    lo, hi = K.indptr[i], K.indptr[i + 1]
    out: Counter = Counter()
    for j, c in zip(K.indices[lo:hi].tolist(), K.data[lo:hi].tolist(), strict=True):
        if j != own and (unnamed or names[j] is not None):
            out[names[j]] += int(c)
    return out


def _pct(x: float) -> str:
    """A share for "more than / fewer than / higher than N% of people", rounded down: rounding to nearest made
    the top person of 2,000 "more than 100% of people" (1,999 / 2,000 = 99.95%); a floor keeps every such
    sentence true."""
    return f"{math.floor(100 * x + 1e-9)}%"


def _name(G: nx.Graph, v: Hashable) -> str:
    return str(G.nodes[v].get("name") or v)


def specialist_reasons(
    known: float | Sequence[str], degree: int, fewer_than: float, core: int, degree_share: float = 0.25
) -> list[str]:
    """Why a person is a peripheral specialist, or [] when they are not: they know about something (``known``:
    the topics they are a strong match on, or a positive score) and have fewer ties than ``1 - degree_share`` of
    people (``fewer_than``: the share of people with more ties). The networker report and the knowledge-risk
    page both use this, so a person is a peripheral specialist on both or on neither."""
    if not known or fewer_than < 1 - degree_share:
        return []
    if isinstance(known, int | float):
        what = f"knows about a topic (score {float(known):.2f})"
    else:
        names = list(known)
        what = f"knows about {', '.join(names[:3])}" + (
            f" and {len(names) - 3} more topic{'s' if len(names) > 4 else ''}" if len(names) > 3 else ""
        )
    return [what, f"ties to {_people(degree)}, fewer than {_pct(fewer_than)} of people; k-core {core}"]


def _people(n: int) -> str:
    return f"{n} person" if n == 1 else f"{n} people"


def _cname(names: Mapping[Any, str], c: Any) -> str:
    """A community's name for a sentence (the map's name when given, else its number)."""
    return str(names.get(c) or f"community {c}")


def _named_roles(counts: Mapping[str, int]) -> list[str]:
    """The two largest non-coordinator brokerage roles in words, e.g. ``liaison on 12 two-paths``."""
    roles = sorted(((counts[r], r) for r in BROKER_ROLES), reverse=True)
    return [f"{ROLE_WORDS[r]} on {c} two-paths" for c, r in roles if c > 0][:2]


def networker_report(
    G: nx.Graph,
    *,
    weight: str | None = "weight",
    departments: Mapping[Hashable, Any] | None = None,
    communities: Mapping[Hashable, Any] | None = None,
    expertise: Mapping[Any, float | Sequence[str]] | None = None,  # keyed by G's nodes
    seed: int | None = 0,
    community_method: str = "auto",
    community_names: Mapping[Any, str] | None = None,
    betweenness_k: int | None = None,
    exact_below: int = 2000,
    betweenness: Mapping[Any, float] | None = None,  # precomputed, normalised (graph/analytics/server.py)
    computed_by: str = "python",
    top_share: float = 0.10,
    broker_cross_share: float = 0.25,
    broker_constraint_share: float = 0.80,
    specialist_degree_share: float = 0.25,
) -> dict[str, Any]:
    """Measures and labels for every person who has not opted out.

    Parameters
    ----------
    G : graph
        Person graph (undirected weighted projection, or a directed interaction graph). Self-loops ignored.
    weight : str or None
        Tie-strength attribute for strength, constraint and effective size.
    departments : mapping person -> department
        Default: the ``department`` node attribute.
    communities : mapping person -> community
        Default: Louvain communities with ``seed``.
    expertise : mapping person -> topics known (or a score), optional
        Needed for the "peripheral specialist" label (:func:`specialist_reasons`).
    betweenness_k, exact_below : int
        Betweenness is exact below ``exact_below`` people, else sampled with ``betweenness_k`` (default 500)
        pivots; the report states the error bound.
    betweenness, computed_by : mapping person -> normalised betweenness, str
        Exact betweenness computed elsewhere (Neo4j GDS, graph/analytics/server.py), and where (shown in
        ``method``); when given, nothing is sampled here.
    top_share, broker_cross_share, broker_constraint_share, specialist_degree_share
        Label thresholds (documented in docs/analytics.md).

    Returns
    -------
    dict with ``people`` ({person: row}), ``summary`` and ``method`` (what was computed and how).

    References
    ----------
    .. [1] R. Cross, A. Parker, "The Hidden Power of Social Networks", HBS Press (2004).
    .. [2] R. S. Burt, "Structural Holes", Harvard University Press (1992).
    .. [3] R. V. Gould, R. M. Fernandez, "Structures of mediation", Sociological Methodology 19 (1989).
    .. [4] R. Guimerà, L. A. N. Amaral, "Functional cartography of complex metabolic networks", Nature 433
       (2005).
    .. [5] U. Brandes, C. Pich, "Centrality estimation in large networks", IJBC 17 (2007).
    """
    dept = dict(departments) if departments is not None else node_attribute(G, "department")
    nodes, A = adjacency(G, weight)  # weighted, directed if G is; self-loops dropped
    n = len(nodes)
    W = A if not G.is_directed() else mutual(A)  # undirected tie strengths
    B = binary(W)
    if communities is None:
        H = G.to_undirected(as_view=True) if G.is_directed() else G
        comm = detect_communities(H, weight=weight, seed=seed, method=community_method)
    else:
        comm = dict(communities)
    gd, dnames = group_index(nodes, dept)
    gc, clabels = group_index(nodes, comm)
    has_d = np.asarray([dept.get(v) is not None for v in nodes])
    has_c = np.asarray([comm.get(v) is not None for v in nodes])

    deg = np.diff(B.indptr)
    strength = np.asarray(W.sum(axis=1)).ravel()
    k_piv = betweenness_k if betweenness_k is not None else (500 if n >= exact_below else None)
    if k_piv is not None and k_piv >= n:
        k_piv = None
    if k_piv is None:
        sources = np.arange(n)
    else:
        import random

        sources = np.asarray(random.Random(seed).sample(range(n), k_piv), dtype=np.int64)
    if betweenness is not None:  # exact, computed elsewhere (the database server): nothing sampled here
        k_piv = None
        btw_a = np.asarray([float(betweenness.get(v, 0.0)) for v in nodes])
    else:
        btw_a = betweenness_matrix(B, sources, exact=k_piv is None)
    M = mutual(A)
    core_a = coreness_matrix(B)
    _, Dir, Und = brokerage_legs(G, ties=(nodes, A))  # direction kept where the data has it (interactions)
    # One pass over the triangles (listed once) sums Burt's measures and both brokerage tables' closed paths.
    tri = TriangleList(B)
    burt, closed = BurtSums(M, tri), ClosedTwoPaths(Dir, Und, [gd, gc], tri)
    tri.feed(burt, closed)
    con_a, esz_a = burt.constraint(), burt.effective_size()
    brk_d_a, brk_c_a = mixed_brokerage(Dir, Und, closed.partitions, closed=closed)
    part_d_a = participation_matrix(B, gd)
    part_c_a = participation_matrix(B, gc)
    z_c_a = within_module_z_matrix(B, gc, has_c)
    # Ties per (person, department) and per (person, community) for the "bridges X and Y" sentences.
    Kd = sp.csr_matrix(B @ onehot(gd, int(gd.max()) + 1 if n else 0))
    Kc = sp.csr_matrix(B @ onehot(gc, int(gc.max()) + 1 if n else 0))
    cnames = dict(community_names or {})

    hidden = opted_out(G)
    deg_rank = _Ranks(deg.tolist())
    con_rank = _Ranks(con_a.tolist())
    btw_rank = _Ranks(btw_a.tolist())
    broker_tot = brk_d_a[:, 1:].sum(axis=1)
    brk_rank = _Ranks(broker_tot.tolist())
    broker_c_tot = brk_c_a[:, 1:].sum(axis=1)
    brk_c_rank = _Ranks(broker_c_tot.tolist())
    # Every share a sentence states, for everyone at once (one sorted search per measure, not per person).
    deg_below_a, deg_above_a = deg_rank.below_all(deg), deg_rank.above_all(deg)
    btw_below_a = btw_rank.below_all(btw_a)
    con_above_a = np.where(np.isnan(con_a), 0.0, con_rank.above_all(con_a))
    brk_below_a, brk_c_below_a = brk_rank.below_all(broker_tot), brk_c_rank.below_all(broker_c_tot)
    # Cross-boundary ties per person: a department tie crosses unless it is to their own department (everyone
    # without a department is a department of their own); a community tie counts when it goes to another
    # named community.
    own_d = _at(Kd, gd)
    named_c = np.asarray([lab is not None for lab in clabels], dtype=bool)
    Kc_named = sp.csr_matrix(Kc @ sp.diags(named_c.astype(float))) if n else Kc
    Kc_named.eliminate_zeros()
    own_c = _at(Kc_named, gc)
    n_cross_a = (deg - np.rint(own_d).astype(np.int64)).tolist()
    n_cross_c_a = np.rint(np.asarray(Kc_named.sum(axis=1)).ravel() - own_c).astype(np.int64).tolist()
    n_groups_c_a = (np.diff(Kc_named.indptr) - (own_c > 0)).tolist()  # other named communities reached
    deg_l, strength_l, btw_l, con_l, esz_l = (
        deg.tolist(),
        strength.tolist(),
        btw_a.tolist(),
        con_a.tolist(),
        esz_a.tolist(),
    )
    core_l, broker_l, broker_c_l = core_a.tolist(), broker_tot.tolist(), broker_c_tot.tolist()
    brk_d_l, brk_c_l = brk_d_a.tolist(), brk_c_a.tolist()
    part_d_l, part_c_l, z_c_l = part_d_a.tolist(), part_c_a.tolist(), z_c_a.tolist()
    deg_below_l, deg_above_l, btw_below_l = deg_below_a.tolist(), deg_above_a.tolist(), btw_below_a.tolist()
    con_above_l, brk_below_l, brk_c_below_l = con_above_a.tolist(), brk_below_a.tolist(), brk_c_below_a.tolist()

    people: dict[Hashable, dict[str, Any]] = {}
    label_counts: Counter = Counter()
    for i, v in enumerate(nodes):
        if v in hidden:
            continue
        own = dept.get(v)
        n_cross = n_cross_a[i]
        n_cross_c = n_cross_c_a[i]
        d_i = deg_l[i]
        c_val = con_l[i]
        brk_d = dict(zip(ROLES, brk_d_l[i], strict=True))
        brk_c = dict(zip(ROLES, brk_c_l[i], strict=True))
        z_i, p_c = z_c_l[i], part_c_l[i]
        ga = guimera_amaral_role(z_i, p_c)
        row: dict[str, Any] = {
            "name": _name(G, v),
            "department": own,
            "community": comm.get(v),
            "degree": d_i,
            "strength": strength_l[i],
            "betweenness": btw_l[i],
            "constraint": c_val,
            "effective_size": esz_l[i],
            "coreness": core_l[i],
            "cross_department_ties": n_cross,
            "cross_community_ties": n_cross_c,
            "brokerage_departments": brk_d,
            "brokerage_communities": brk_c,
            "participation_departments": part_d_l[i],
            "participation_communities": p_c,
            "within_community_z": z_i,
            "ga_role": f"{ga} {GA_ROLES[ga]}",
            "community_position": COMMUNITY_POSITIONS[ga],
        }
        deg_v, btw_v, core_v, btot = d_i, btw_l[i], core_l[i], broker_l[i]
        labels = []
        # Central connector: many direct contacts.
        d_below = deg_below_l[i]
        if deg_v >= 3 and d_below >= 1 - top_share:
            inside = deg_v - n_cross
            reasons = [
                f"ties to {_people(deg_v)}, more than {_pct(d_below)} of people"
                + (f"; {inside} of them inside {own}" if own is not None else ""),
                f"betweenness {btw_v:.3f}, higher than {_pct(btw_below_l[i])} of people",
            ]
            labels.append({"label": "central connector", "reasons": reasons})
        # Broker (information broker): links informal groups (communities) that are otherwise apart.
        b_btw = btw_below_l[i]
        bc_tot = broker_c_l[i]
        bc_below = brk_c_below_l[i]
        links = n_groups_c_a[i] >= 2 and n_cross_c >= 2
        if links and ((btw_v > 0 and b_btw >= 1 - top_share) or (bc_tot > 0 and bc_below >= 1 - top_share)):
            cross_c = _group_ties(Kc, i, gc[i], clabels, unnamed=False)
            others = [_cname(cnames, c) for c, _ in cross_c.most_common(2)]
            mine = _cname(cnames, comm.get(v)) if comm.get(v) is not None else "people without a community"
            reasons = [
                f"links {mine} with {' and '.join(others)}"
                + (f" and {len(cross_c) - 2} more" if len(cross_c) > 2 else "")
                + f": {n_cross_c} of {deg_v} ties leave their community; betweenness {btw_v:.3f}, higher than "
                f"{_pct(b_btw)} of people"
            ]
            named = _named_roles(brk_c)
            if named:
                reasons.append(
                    f"Gould-Fernandez brokerage across communities: {', '.join(named)} "
                    f"({bc_tot} in all, more than {_pct(bc_below)} of people)"
                )
            labels.append({"label": "broker", "reasons": reasons})
        # Boundary spanner: crosses departments (formal boundaries) with low constraint, or brokers many two-paths.
        c_above = con_above_l[i]
        b_below = brk_below_l[i]
        spans = (
            deg_v > 0 and n_cross >= 2 and n_cross / deg_v >= broker_cross_share and c_above >= broker_constraint_share
        )
        brokers_many = btot > 0 and b_below >= 1 - top_share
        if spans or brokers_many:
            cross = _group_ties(Kd, i, gd[i] if has_d[i] else -1, dnames, unnamed=True)
            top = [str(g) for g, _ in cross.most_common(2) if g is not None]
            where = f"bridges {own} with {' and '.join(top)}" if own is not None and top else "bridges groups"
            reasons = [
                f"{where}: {n_cross} of {deg_v} ties cross departments; constraint {c_val:.2f}, "
                f"lower than {_pct(c_above)} of people"
            ]
            named = _named_roles(brk_d)
            if named:
                reasons.append(
                    f"Gould-Fernandez brokerage across departments: {', '.join(named)} "
                    f"({btot} in all, more than {_pct(b_below)} of people)"
                )
            labels.append({"label": "boundary spanner", "reasons": reasons})
        # Peripheral specialist: knows about a topic, few ties (the same rule as the risk page's, one function).
        known = (expertise or {}).get(v)
        if known:
            row["expertise"] = known if isinstance(known, int | float) else len(known)
            reasons = specialist_reasons(known, deg_v, deg_above_l[i], core_v, specialist_degree_share)
            if reasons:
                labels.append({"label": "peripheral specialist", "reasons": reasons})
        row["labels"] = labels
        label_counts.update(lab["label"] for lab in labels)
        people[v] = row

    method = {
        "people": n,
        "ties": int(B.nnz // 2),
        "betweenness": ("exact" if k_piv is None else f"sampled, {k_piv} pivots")
        + ("" if betweenness is None else f" ({computed_by})"),
        "betweenness_error_95": None if k_piv is None else betweenness_error_bound(k_piv),
        "communities": "given" if communities is not None else f"{community_method}, seed {seed}",
        "opted_out_hidden": len(hidden),
    }
    return {"people": people, "summary": dict(label_counts), "method": method}


def topic_networkers(
    G: nx.Graph,
    expertise: Mapping[Hashable, float],
    *,
    target_groups: Sequence[Any] | None = None,
    departments: Mapping[Hashable, Any] | None = None,
    k: int = 10,
    hops: int = 2,
    weight: str | None = "weight",
) -> list[dict[str, Any]]:
    """People who both know a topic and bridge the groups that must hear it, best first.

    ``score = expertise / max expertise * (share of target groups reached within ``hops``) * (1 - constraint)``:
    knowledge, reach into the groups named (all departments by default) and access to structural holes,
    multiplied so that someone lacking any of the three ranks low. Opted-out people are never listed.

    References
    ----------
    .. [1] R. S. Burt, "Structural holes and good ideas", American Journal of Sociology 110 (2004).
    .. [2] R. Cross, A. Parker, "The Hidden Power of Social Networks", HBS Press (2004).
    """
    H = nx.Graph(G) if G.is_directed() else G
    dept = dict(departments) if departments is not None else node_attribute(G, "department")
    targets = set(target_groups) if target_groups is not None else {g for g in dept.values() if g is not None}
    if not targets:
        return []
    hidden = opted_out(G)
    cands = [v for v, x in expertise.items() if x > 0 and v in H and v not in hidden]
    if not cands:
        return []
    top = max(expertise[v] for v in cands)
    con = constraint(H, weight=weight)  # whole graph: p_qj depends on each contact's own ties
    con_full = {v: con[v] for v in cands}
    rows: list[dict[str, Any]] = []
    for v in cands:
        reach = nx.single_source_shortest_path_length(H, v, cutoff=hops)
        hit = {dept.get(u) for u in reach if dept.get(u) in targets}
        c = con_full[v]
        openness = 1.0 - c if c == c else 0.0
        score = expertise[v] / top * len(hit) / len(targets) * max(openness, 0.0)
        rows.append(
            {
                "person": v,
                "name": _name(G, v),
                "department": dept.get(v),
                "score": score,
                "reasons": [
                    f"knows about it: score {expertise[v]:.2f} ({_pct(expertise[v] / top)} of the top person's)",
                    f"reaches {len(hit)} of {len(targets)} target groups within {hops} hops",
                    f"constraint {c:.2f} (lower means more structural holes)" if c == c else "no ties",
                ],
            }
        )
    rows.sort(key=lambda r: (-r["score"], str(r["person"])))
    return rows[:k]


def topic_affinity_from_store(
    store: Any,
    query: str,
    *,
    limit: int = 200,
    reviewer_share: float = 0.5,
    viewer: str | Viewer | None = None,
) -> dict:
    """A default topic expertise for ``query`` from the store's lexical index (until ``search.experts`` lands).

    BM25 hits on chunks are summed per document; each document's score goes to its authors in full and to
    its SME reviewers at ``reviewer_share``. Only documents ``viewer`` may read count (``None``: the common
    view, graph/access.py). This reads the store (I/O at the edge); analytics take the resulting mapping.
    """
    access = document_access(store, viewer)
    hits = full_text(store).search_text(query, labels=["Chunk"], limit=limit)
    chunks = store.get_nodes([h.id for h in hits])
    doc_score: dict[str, float] = defaultdict(float)
    for h in hits:
        node = chunks.get(h.id)
        doc = node.props.get("doc_id") if node is not None else None
        if doc and access.may_read(doc):
            doc_score[doc] += h.score
    scores: dict[str, float] = defaultdict(float)
    for doc, s in doc_score.items():
        view = store.get_node(doc)
        if view is None:
            continue
        for r in view.incoming:
            if r.type == "AUTHORED":
                scores[r.start] += s
            elif r.type == "REVIEWED":
                scores[r.start] += reviewer_share * s
    return dict(scores)


__all__ = ["ROLES", "networker_report", "topic_affinity_from_store", "topic_networkers"]
