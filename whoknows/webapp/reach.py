"""How to reach an expert: the shortest chain of colleagues from the viewer to them in the person network
(graph/analytics/projection), each hop with the tie behind it ("co-authored", "same community", ...).

Hops come first: a chain through fewer people always wins, and among chains of the same length the one over
stronger ties wins. Each hop costs ``1 + s`` with ``s < 1 / (max_hops + 1)`` falling as the tie gets stronger,
so a chain of k <= max_hops hops costs less than k + 1 and can never lose to a longer one.
People who opted out or left are never intermediaries.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Collection, Hashable
from dataclasses import dataclass

import networkx as nx

TIE_WORDS = {
    "reports_to": "manager tie",
    "coauthor": "co-authored",
    "community": "same community",
    "interacted": "interact",
}


@dataclass(frozen=True, slots=True)
class Hop:
    person: str
    how: str  # the tie to the previous person in words


def hop_cost(weight: float, max_hops: int) -> float:
    """1 plus a strength term below ``1 / max_hops``: any chain of k < max_hops hops costs less than k + 1 hops."""
    return 1.0 + (1.0 / (max_hops + 1)) / (1.0 + max(weight, 0.0))


def tie_words(data: dict) -> str:
    kinds = [TIE_WORDS[k] for k in TIE_WORDS if data.get(k)]
    return ", ".join(kinds) if kinds else "tie"


def reach_path(
    G: nx.Graph, source: Hashable, target: Hashable, *, hidden: Collection[Hashable] = (), max_hops: int = 6
) -> list[Hop]:
    """The chain from ``source`` to ``target`` (both included; the first hop's ``how`` is empty), or [] when
    they are not connected within ``max_hops`` through visible people."""
    if source not in G or target not in G or source == target:
        return []
    blocked = set(hidden)

    def ok(n: Hashable) -> bool:
        if n in (source, target):
            return True
        d = G.nodes[n]
        return n not in blocked and not d.get("opted_out") and d.get("active", True) is not False

    H = nx.subgraph_view(G, filter_node=ok)
    try:
        path = nx.dijkstra_path(
            H, source, target, weight=lambda u, v, d: hop_cost(float(d.get("weight", 1.0)), max_hops)
        )
    except nx.NetworkXNoPath:
        return []
    if len(path) - 1 > max_hops:
        return []
    hops = [Hop(str(path[0]), "")]
    for a, b in itertools.pairwise(path):
        hops.append(Hop(str(b), tie_words(G.edges[a, b])))
    return hops


def introduction(path: list[tuple[str, str]], name: Callable[[str], str]) -> str:
    """The reach path as the action a person can take, in plain text (escape it before rendering as Markdown).

    ``path`` runs from the viewer to the expert, as :func:`whoknows.webapp.queries.reach_path` returns it
    (the first entry's tie is empty). Direct colleagues: contact them; otherwise: ask the first person on the
    chain to introduce you, with the whole chain and each tie named so the viewer can judge it.
    """
    if len(path) < 2:
        return ""
    expert, tie = path[-1]
    if len(path) == 2:
        return f"You know {name(expert)} directly ({tie}): contact them yourself."
    first, first_tie = path[1]
    if len(path) == 3:
        return (
            f"Ask {name(first)} to introduce you to {name(expert)}. "
            f"You and {name(first)}: {first_tie}; {name(first)} and {name(expert)}: {tie}."
        )
    chain = " → ".join(["you", *(f"{name(p)} ({how})" for p, how in path[1:])])
    return f"Ask {name(first)} to introduce you; {name(expert)} is {len(path) - 1} steps away: {chain}."
