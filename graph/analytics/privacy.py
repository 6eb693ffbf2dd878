"""Privacy rules every analytic output passes through.

People are not data points (DESIGN.md principle 4): a person who opted out is still part of the network's
structure (removing them would distort everyone else's measures) but is never labelled, listed or chosen as a
seed; a figure about a group smaller than ``min_group_size`` could identify individuals and is suppressed
(the k-anonymity threshold of statistical disclosure control).

References
----------
.. [1] L. Sweeney, "k-anonymity: a model for protecting privacy", Int. J. Uncertainty, Fuzziness and
   Knowledge-Based Systems 10 (2002).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Mapping
from typing import Any

import networkx as nx

MIN_GROUP_SIZE = 5


def opted_out(G: nx.Graph) -> set[Hashable]:
    """People whose node attribute ``opted_out`` is true."""
    return {v for v, d in G.nodes(data=True) if d.get("opted_out")}


def group_sizes(groups: Mapping[Hashable, Any]) -> Counter:
    """Members per group label (people without a group are not counted)."""
    return Counter(g for g in groups.values() if g is not None)


def small_groups(groups: Mapping[Hashable, Any], *, min_group_size: int = MIN_GROUP_SIZE) -> set[Any]:
    """Group labels with fewer than ``min_group_size`` members."""
    return {g for g, n in group_sizes(groups).items() if n < min_group_size}


def hide_small_groups(
    figures: Mapping[Any, Any], sizes: Mapping[Any, int], *, min_group_size: int = MIN_GROUP_SIZE
) -> tuple[dict[Any, Any], int]:
    """Keep the figures of groups with at least ``min_group_size`` members; returns (kept, number hidden).

    A group missing from ``sizes`` is treated as size 0 and hidden: unknown size is not known to be safe.
    """
    kept = {g: f for g, f in figures.items() if sizes.get(g, 0) >= min_group_size}
    return kept, len(figures) - len(kept)
