"""Knowledge risk: where knowledge sits in one head, at the edge, or out of a department's reach.

* **bus factor** per topic: how many people know it (one: the organisation loses the topic with that person);
* **peripheral experts**: experts with low coreness or low closeness, whose knowledge the network reaches
  poorly (Seidman 1983's k-core; Freeman 1979's closeness);
* **cut-off departments**: departments whose members mostly have no expert within ``hops`` ties;
* **KM curriculum coverage**: share of each department that completed each course of the curriculum (courses
  whose code starts with ``KM 1``);
* **community health**: members, active leaders, SMEs per community of practice (Wenger, McDermott & Snyder
  2002: a community needs a coordinator and subject-matter experts to stay alive).

The measures are pure functions of plain inputs; the ``*_from_store`` helpers read those inputs from a
:class:`graph.store.GraphStore` (I/O at the edge). Group-level figures hide groups under
``min_group_size`` people.

References
----------
.. [1] E. Wenger, R. McDermott, W. M. Snyder, "Cultivating Communities of Practice", HBS Press (2002).
.. [2] S. B. Seidman, "Network structure and minimum degree", Social Networks 5 (1983).
.. [3] L. C. Freeman, "Centrality in social networks conceptual clarification", Social Networks 1 (1979).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping
from typing import Any

import networkx as nx

from graph.access import DocumentAccess, Viewer, document_access, readable_document_rels, topics_in_view
from graph.analytics.centrality import closeness, coreness
from graph.analytics.networkers import _Ranks
from graph.analytics.privacy import MIN_GROUP_SIZE, group_sizes, opted_out
from graph.analytics.projection import node_attribute

DONE_STATUSES = frozenset({"completed", "passed", "satisfied", "waived"})


def bus_factor(
    expertise_by_topic: Mapping[str, Mapping[Any, float]],  # topic -> {person node: score}
    *,
    min_score: float = 0.0,
    hidden: Iterable[Hashable] = (),
) -> dict[str, dict[str, Any]]:
    """People who know each topic (score above ``min_score``), and the topics known by one person only.

    Returns ``{topic: {"bus_factor": n, "experts": [...], "at_risk": n <= 1}}``; opted-out experts are
    counted but not named.

    References
    ----------
    .. [1] G. Avelino, L. Passos, A. Hora, M. T. Valente, "A novel approach for estimating truck factors",
       ICPC 2016 (the truck/bus factor as the number of people whose loss stalls a body of knowledge).
    """
    hide = set(hidden)
    out = {}
    for topic, scores in expertise_by_topic.items():
        experts = sorted((p for p, s in scores.items() if s > min_score), key=lambda p: (-scores[p], str(p)))
        out[topic] = {
            "bus_factor": len(experts),
            "experts": [p for p in experts if p not in hide],
            "experts_opted_out": sum(1 for p in experts if p in hide),
            "at_risk": len(experts) <= 1,
        }
    return out


def peripheral_experts(
    G: nx.Graph, experts: Iterable[Hashable], *, share: float = 0.25
) -> dict[Hashable, dict[str, Any]]:
    """Experts in the lowest ``share`` of the network by coreness or by closeness, with the figures.

    Opted-out people are never listed.
    """
    core = coreness(G)
    clo = closeness(G)
    core_rank = _Ranks(list(core.values()))
    clo_rank = _Ranks(list(clo.values()))
    hidden = opted_out(G)
    out = {}
    for v in experts:
        if v not in G or v in hidden:
            continue
        c_below, k_below = clo_rank.below(clo[v]), core_rank.below(core[v])
        reasons = []
        if k_below <= share:
            reasons.append(f"k-core {core[v]}: {round(100 * (1 - k_below))}% of people sit deeper in the network")
        if c_below <= share:
            reasons.append(f"closeness {clo[v]:.3f}, lower than {round(100 * clo_rank.above(clo[v]))}% of people")
        if reasons:
            out[v] = {"coreness": core[v], "closeness": clo[v], "reasons": reasons}
    return out


def reach_by_department(
    G: nx.Graph,
    experts: Iterable[Hashable],
    *,
    departments: Mapping[Hashable, Any] | None = None,
    hops: int = 2,
    min_reach: float = 0.5,
    min_group_size: int = MIN_GROUP_SIZE,
) -> dict[Any, dict[str, Any]]:
    """Share of each department within ``hops`` ties of any expert; ``cut_off`` when below ``min_reach``.

    One multi-source breadth-first search from all experts; departments under ``min_group_size`` hidden.
    """
    dept = dict(departments) if departments is not None else node_attribute(G, "department")
    H = G.to_undirected(as_view=True) if G.is_directed() else G
    seen = {v for v in experts if v in H}
    frontier = set(seen)
    for _ in range(hops):
        nxt = {u for v in frontier for u in H[v]} - seen
        seen |= nxt
        frontier = nxt
    sizes = group_sizes(dept)
    reached: dict[Any, int] = defaultdict(int)
    for v in seen:
        g = dept.get(v)
        if g is not None:
            reached[g] += 1
    out = {}
    for g, n in sizes.items():
        if n < min_group_size:
            continue
        share = reached[g] / n
        out[g] = {"members": n, "reached": reached[g], "share": share, "cut_off": share < min_reach}
    return out


def curriculum_coverage(
    departments: Mapping[Hashable, Any],
    completions: Iterable[tuple[Hashable, str]],
    courses: Mapping[str, str],
    *,
    prefix: str = "KM 1",
    min_group_size: int = MIN_GROUP_SIZE,
) -> dict[str, Any]:
    """Share of each department that completed each curriculum course (code starting with ``prefix``).

    Parameters
    ----------
    departments : mapping person -> department
    completions : iterable of (person, course code), completed (not failed) only
    courses : mapping course code -> title
    """
    codes = sorted(c for c in courses if c.upper().startswith(prefix.upper()))
    sizes = group_sizes(departments)
    done: dict[Any, dict[str, set]] = defaultdict(lambda: defaultdict(set))
    for person, code in completions:
        g = departments.get(person)
        if g is not None and code in codes:
            done[g][code].add(person)
    rows = {}
    hidden = 0
    for g, n in sizes.items():
        if n < min_group_size:
            hidden += 1
            continue
        per = {c: len(done[g][c]) / n for c in codes}
        all_done = set.intersection(*(done[g][c] for c in codes)) if codes else set()
        rows[g] = {"members": n, "per_course": per, "completed_all": len(all_done) / n if codes else 0.0}
    return {"courses": {c: courses[c] for c in codes}, "departments": rows, "hidden_groups": hidden}


def community_health(
    memberships: Iterable[tuple[Hashable, str, str]],
    *,
    active: Mapping[Hashable, bool] | None = None,
    documents: Mapping[str, int] | None = None,
    names: Mapping[str, str] | None = None,
    min_group_size: int = MIN_GROUP_SIZE,
) -> dict[str, dict[str, Any]]:
    """Members, active leaders, SMEs and documents per community, with the problems named.

    ``memberships``: (person, community, role) with role member|leader|facilitator|sme. A leader or
    facilitator counts as active unless ``active[person]`` is False. Communities under ``min_group_size``
    members report only that they are small (their composition could identify people).
    """
    comm: dict[str, dict[str, set]] = defaultdict(lambda: defaultdict(set))
    for person, c, role in memberships:
        comm[c][role].add(person)
        comm[c]["_all"].add(person)
    out = {}
    for c, roles in comm.items():
        members = roles["_all"]
        leaders = roles["leader"] | roles["facilitator"]
        active_leaders = {p for p in leaders if (active or {}).get(p, True)}
        smes = roles["sme"]
        name = (names or {}).get(c, c)
        if len(members) < min_group_size:
            out[c] = {"name": name, "members": len(members), "hidden": True, "problems": ["fewer members than shown"]}
            continue
        problems = []
        if not active_leaders:
            problems.append("no active leader or facilitator")
        if not smes:
            problems.append("no subject-matter expert")
        docs = (documents or {}).get(c, 0)
        if documents is not None and docs == 0:
            problems.append("no knowledge assets")
        out[c] = {
            "name": name,
            "members": len(members),
            "active_leaders": len(active_leaders),
            "smes": len(smes),
            "sme_share": len(smes) / len(members),
            "documents": docs,
            "hidden": False,
            "problems": problems,
        }
    return out


def risk_report(
    G: nx.Graph,
    expertise_by_topic: Mapping[str, Mapping[Any, float]],  # topic -> {person node: score}
    *,
    departments: Mapping[Hashable, Any] | None = None,
    hops: int = 2,
    min_reach: float = 0.5,
    min_score: float = 0.0,
    min_group_size: int = MIN_GROUP_SIZE,
) -> dict[str, Any]:
    """Bus factor, peripheral experts and cut-off departments for every topic, in one pass per topic."""
    hidden = opted_out(G)
    bus = bus_factor(expertise_by_topic, min_score=min_score, hidden=hidden)
    topics = {}
    for topic, scores in expertise_by_topic.items():
        experts = [p for p, s in scores.items() if s > min_score and p in G]
        reach = reach_by_department(
            G, experts, departments=departments, hops=hops, min_reach=min_reach, min_group_size=min_group_size
        )
        topics[topic] = {
            **bus[topic],
            "peripheral_experts": peripheral_experts(G, experts) if experts else {},
            "cut_off_departments": sorted((g for g, r in reach.items() if r["cut_off"]), key=str),
            "reach": reach,
        }
    return {
        "topics": topics,
        "single_expert_topics": sorted(t for t, b in bus.items() if b["bus_factor"] == 1),
        "topics_without_expert": sorted(t for t, b in bus.items() if b["bus_factor"] == 0),
    }


# -- store readers (I/O at the edge) -------------------------------------------------------------------------


def topic_expertise_from_store(
    store: Any,
    *,
    reviewer_weight: float = 0.5,
    viewer: str | Viewer | None = None,
    access: DocumentAccess | None = None,
) -> dict[str, dict[str, float]]:
    """Default expertise per topic: documents a person authored (1) or reviewed (``reviewer_weight``) that
    are ABOUT the topic. Keyed by topic name.

    Only documents ``viewer`` may read count (``None``: the common view, public and internal documents), and
    only topics the viewer may know of are keys: a tag used only on restricted documents is neither a topic
    nor anyone's expertise for a viewer who may not read them (graph/access.py).
    """
    if access is None:
        access = document_access(store, viewer)
    topic_name, about = topics_in_view(store, access)
    out: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for rel_type, w in (("AUTHORED", 1.0), ("REVIEWED", reviewer_weight)):
        for r in readable_document_rels(store, access, (rel_type,)):
            for t in about.get(r.end, ()):
                out[topic_name[t]][r.start] += w
    for t in topic_name.values():
        out.setdefault(t, defaultdict(float))
    return {t: dict(s) for t, s in out.items()}


def curriculum_from_store(store: Any, *, prefix: str = "KM 1") -> tuple[dict, list, dict]:
    """(departments, completions, courses) for :func:`curriculum_coverage` read from the store."""
    depts = {n.id: n.props.get("department") for n in store.iter_nodes("Person")}
    courses = {}
    code_of = {}
    for n in store.iter_nodes("Course"):
        code = n.props.get("code") or n.props.get("course_id") or ""
        code_of[n.id] = code
        if code.upper().startswith(prefix.upper()):
            courses[code] = n.props.get("title") or code
    completions = [
        (r.start, code_of.get(r.end, ""))
        for r in store.iter_rels("COMPLETED")
        if (r.props.get("status") or "completed") in DONE_STATUSES
    ]
    return depts, completions, courses


def community_health_from_store(
    store: Any,
    *,
    min_group_size: int = MIN_GROUP_SIZE,
    viewer: str | Viewer | None = None,
    access: DocumentAccess | None = None,
) -> dict[str, dict[str, Any]]:
    """:func:`community_health` over the store's communities, memberships and documents.

    A community's document count includes only documents ``viewer`` may read (``None``: the common view).
    """
    if access is None:
        access = document_access(store, viewer)
    names = {n.id: n.props.get("name", n.id) for n in store.iter_nodes("Community")}
    active = {n.id: n.props.get("active", True) is not False for n in store.iter_nodes("Person")}
    memberships = [(r.start, r.end, r.props.get("role", "member")) for r in store.iter_rels("MEMBER_OF")]
    docs: dict[str, int] = defaultdict(int)
    for r in store.iter_rels("IN_COMMUNITY"):
        if access.may_read(r.start):
            docs[r.end] += 1
    return community_health(
        memberships, active=active, documents=dict(docs), names=names, min_group_size=min_group_size
    )
