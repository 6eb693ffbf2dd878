"""Network analytics on the person projection: pure functions ``f(G, *, weight=None, seed=None) -> dict``.

One small module per family: :mod:`.projection` (store -> person graph), :mod:`.centrality`,
:mod:`.brokerage`, :mod:`.roles`, :mod:`.communities`, :mod:`.networkers` (the report and Cross's labels),
:mod:`.maps`, :mod:`.risk`, :mod:`.spread` (IMM, CELF, Monte-Carlo) and :mod:`.privacy`.
See docs/analytics.md for each measure's paper and the assumptions.
"""

from graph.analytics.brokerage import ROLES, brokerage_roles
from graph.analytics.centrality import (
    betweenness,
    betweenness_error_bound,
    closeness,
    constraint,
    coreness,
    degree_strength,
    effective_size,
)
from graph.analytics.communities import communities, modularity, nmi
from graph.analytics.maps import LayoutCache, department_tie_matrix, ei_index, graph_fingerprint, layout, network_map
from graph.analytics.networkers import networker_report, topic_networkers
from graph.analytics.privacy import MIN_GROUP_SIZE, hide_small_groups, opted_out
from graph.analytics.projection import build_person_graph, project_store
from graph.analytics.risk import bus_factor, community_health
from graph.analytics.risk_summary import network_risk, risk_summary
from graph.analytics.roles import guimera_amaral_role, participation_coefficient, within_module_z
from graph.analytics.spread import celf, imm, influence_graph, reach_by_group, simulate

__all__ = [
    "MIN_GROUP_SIZE",
    "ROLES",
    "LayoutCache",
    "betweenness",
    "betweenness_error_bound",
    "brokerage_roles",
    "build_person_graph",
    "bus_factor",
    "celf",
    "closeness",
    "communities",
    "community_health",
    "constraint",
    "coreness",
    "degree_strength",
    "department_tie_matrix",
    "effective_size",
    "ei_index",
    "graph_fingerprint",
    "guimera_amaral_role",
    "hide_small_groups",
    "imm",
    "influence_graph",
    "layout",
    "modularity",
    "network_map",
    "network_risk",
    "networker_report",
    "nmi",
    "opted_out",
    "participation_coefficient",
    "project_store",
    "reach_by_group",
    "risk_summary",
    "simulate",
    "topic_networkers",
    "within_module_z",
]
