"""The knowledge-risk answer the app's page and ``whoknows risk`` both give: one fast path, every section saying
why it is empty when it is.

Sections:

* **single-expert topics**: topics exactly one (active, visible) person knows about, from the calibrated
  expertise (:mod:`graph.analytics.knowers`; people who left are never "the only expert"), each with the expert's
  name, id and department and the departments far from them (most members more than ``hops`` *working* ties
  away: interactions, shared documents, manager lines; a shared 200-person community of practice puts everyone
  within two hops of everyone and so says nothing);
* **peripheral specialists**: people who know about a topic and have fewer ties than 75% of people (the networker
  report's rule, :func:`graph.analytics.networkers.specialist_reasons`);
* **network risk**: departments (and detected communities) whose tie strength to the rest of the organisation
  runs through one or two people: one person holding at least a third of it, or two holding half. If they left,
  the group would lose that share of its ties to everyone else;
* KM curriculum and communities of practice are read from the store by their own readers and added by callers.

The old ``risk_report`` recomputed coreness and closeness per topic (4 min 59 s on the demo); here every
network measure is computed once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Mapping
from typing import Any

import networkx as nx

from graph.analytics.centrality import coreness
from graph.analytics.networkers import _Ranks, specialist_reasons
from graph.analytics.privacy import MIN_GROUP_SIZE, group_sizes, opted_out
from graph.analytics.projection import node_attribute

#: tie kinds that are working ties (a shared community of practice is not)
WORKING_KINDS: tuple[str, ...] = ("interacted", "coauthor", "reports_to")
ONE_PERSON_SHARE = 1 / 3
TWO_PEOPLE_SHARE = 0.5


def network_risk(
    G: nx.Graph,
    groups: Mapping[Hashable, Any],
    *,
    names: Mapping[Any, str] | None = None,
    weight: str | None = "weight",
    min_group_size: int = MIN_GROUP_SIZE,
    one_share: float = ONE_PERSON_SHARE,
    two_share: float = TWO_PEOPLE_SHARE,
    departments: Mapping[Hashable, Any] | None = None,
) -> dict[str, Any]:
    """Groups whose tie strength to the rest of the organisation runs through one or two of their members.

    For each group of at least ``min_group_size`` people: the strength of its members' ties to people outside
    it, and the share the top one and top two members hold. At risk when one holds ``one_share`` or more, or two
    hold ``two_share`` or more. Opted-out members count but are not named. ``departments`` (for groups that are
    detected communities): a person named is given with their department, so "HR / People runs through Anders
    Nowak" says that he is in Operations.

    Returns ``{"at_risk": [rows], "checked": n, "largest_one_share": (group, share)}``.
    """
    hidden = opted_out(G)
    sizes = group_sizes(groups)
    out_strength: dict[Any, dict[Hashable, float]] = defaultdict(lambda: defaultdict(float))
    for u, v, d in G.edges(data=True):
        gu, gv = groups.get(u), groups.get(v)
        if u == v or gu == gv:
            continue
        w = float(d.get(weight, 1.0)) if weight else 1.0
        if gu is not None:
            out_strength[gu][u] += w
        if gv is not None:
            out_strength[gv][v] += w
    rows: list[dict[str, Any]] = []
    checked = 0
    largest: tuple[str | None, float] = (None, 0.0)
    for g, n in sizes.items():
        if n < min_group_size:
            continue
        checked += 1
        per = out_strength.get(g, {})
        total = sum(per.values())
        if total <= 0:
            rows.append({"group": str(g), "name": str((names or {}).get(g, g)), "members": n, "through": 0,
                         "share": 1.0, "holders": [], "sentence": "no ties to anyone outside it"})  # fmt: skip
            continue
        top = sorted(per.items(), key=lambda pw: (-pw[1], str(pw[0])))[:2]
        s1 = top[0][1] / total
        s2 = sum(w for _, w in top) / total
        if s1 > largest[1]:
            largest = (str((names or {}).get(g, g)), s1)
        through = 1 if s1 >= one_share else 2 if len(top) > 1 and s2 >= two_share else 0
        if not through:
            continue
        holders: list[dict[str, Any]] = [
            {
                "person": None if p in hidden else p,
                "name": "a person who opted out" if p in hidden else str(G.nodes[p].get("name") or p),
                "share": w / total,
                "department": None if p in hidden or departments is None else departments.get(p),
            }
            for p, w in top[:through]
        ]
        who = " and ".join(_holder_words(h) for h in holders)
        share = s1 if through == 1 else s2
        rows.append(
            {
                "group": str(g),
                "name": str((names or {}).get(g, g)),
                "members": n,
                "through": through,
                "share": share,
                "holders": holders,
                "sentence": (
                    f"{share:.0%} of its tie strength to the rest of the organisation runs through "
                    f"{'one person' if through == 1 else 'two people'}: {who}; if "
                    f"{'they' if through == 2 else 'that person'} left, it would lose that share of its ties out"
                ),
            }
        )
    rows.sort(key=lambda r: (r["through"] != 0, -r["share"], r["name"]))
    return {"at_risk": rows, "checked": checked, "largest_one_share": largest}


def _holder_words(h: Mapping[str, Any]) -> str:
    """``Name [id], Department (46%)`` (the department only where it was asked for), or the opted-out wording."""
    if not h["person"]:
        return str(h["name"])
    dept = f", {h['department']}" if h.get("department") else ""
    return f"{h['name']} [{h['person']}]{dept} ({h['share']:.0%})"


def _why_no_network_risk(result: Mapping[str, Any], kind: str, min_group_size: int) -> str | None:
    """Why :func:`network_risk` flagged no group of this ``kind`` (None when it flagged some)."""
    if result["at_risk"]:
        return None
    if not result["checked"]:
        return f"no {kind} has {min_group_size} or more people"
    name, share = result["largest_one_share"]
    return (
        f"no {kind}'s ties to the rest run through one or two people (the largest share one person holds is "
        f"{share:.0%}, in {name})"
        if name
        else f"no {kind} has ties to the rest of the organisation"
    )


def working_graph(G: nx.Graph) -> nx.Graph:
    """The ties that are working relationships (interactions, shared documents, manager lines): shared
    community-of-practice membership alone is left out. A graph without tie kinds is returned as it is."""
    if not any(any(k in d for k in (*WORKING_KINDS, "community")) for _, _, d in G.edges(data=True)):
        return G
    H: nx.Graph = nx.Graph()
    H.add_nodes_from(G.nodes(data=True))
    H.add_edges_from((u, v) for u, v, d in G.edges(data=True) if any(d.get(k) for k in WORKING_KINDS))
    return H


def far_departments(
    H: nx.Graph, person: Hashable, departments: Mapping[Hashable, Any], sizes: Mapping[Any, int], *, hops: int = 2,
    min_group_size: int = MIN_GROUP_SIZE,
) -> list[str]:  # fmt: skip
    """Departments most of whose members are more than ``hops`` ties from ``person`` in ``H``."""
    if person not in H:
        return []
    near = nx.single_source_shortest_path_length(H, person, cutoff=hops)
    reached: dict[Any, int] = defaultdict(int)
    for v in near:
        g = departments.get(v)
        if g is not None:
            reached[g] += 1
    return sorted(str(g) for g, n in sizes.items() if n >= min_group_size and reached[g] / n < 0.5)


def risk_summary(
    G: nx.Graph,
    experts_by_topic: Mapping[str, Mapping[Any, float]],
    *,
    departments: Mapping[Hashable, Any] | None = None,
    communities: Mapping[Hashable, Any] | None = None,
    community_names: Mapping[Any, str] | None = None,
    hops: int = 2,
    min_group_size: int = MIN_GROUP_SIZE,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Single-expert topics, peripheral specialists and network risk, each section with ``why_empty`` when it is.

    ``experts_by_topic``: ``{topic: {person: score}}`` of the people who know each topic (strong matches; see
    :func:`graph.analytics.knowers.topic_experts`). People not in ``G`` (inactive) are never experts here.
    """
    say = progress or (lambda _msg: None)
    dept = dict(departments) if departments is not None else node_attribute(G, "department")
    hidden = opted_out(G)
    sizes = group_sizes(dept)
    topics: dict[str, dict[str, Any]] = {}
    knows: dict[Hashable, list[str]] = defaultdict(list)
    for t, scores in sorted(experts_by_topic.items()):
        ex = sorted((p for p, s in scores.items() if s > 0 and p in G), key=lambda p: (-scores[p], str(p)))
        for p in ex:
            knows[p].append(t)
        topics[t] = {
            "bus_factor": len(ex),
            "experts": [p for p in ex if p not in hidden],
            "experts_opted_out": sum(1 for p in ex if p in hidden),
            "at_risk": len(ex) <= 1,
        }
    say("single-expert topics")
    H = working_graph(G)
    single: list[dict[str, Any]] = []
    for t, row in topics.items():
        if row["bus_factor"] != 1:
            continue
        if not row["experts"]:
            single.append({"topic": t, "person": None, "name": "a person who opted out", "department": None,
                           "far_departments": []})  # fmt: skip
            continue
        p = row["experts"][0]
        single.append(
            {
                "topic": t,
                "person": p,
                "name": str(G.nodes[p].get("name") or p),
                "department": dept.get(p),
                "far_departments": far_departments(H, p, dept, sizes, hops=hops, min_group_size=min_group_size),
            }
        )
    say("peripheral specialists")
    deg = dict(G.degree())
    ranks = _Ranks(list(deg.values()))
    core = coreness(G) if knows else {}
    periph = {}
    for p, ts in knows.items():
        if p in hidden:
            continue
        reasons = specialist_reasons(ts, deg[p], ranks.above(deg[p]), core[p])
        if reasons:
            periph[p] = {"name": str(G.nodes[p].get("name") or p), "department": dept.get(p), "topics": ts,
                         "reasons": reasons}  # fmt: skip
    say("network risk")
    by_dept = network_risk(G, dept, min_group_size=min_group_size)
    by_comm = (
        network_risk(G, communities, names=community_names, min_group_size=min_group_size, departments=dept)
        if communities is not None
        else None
    )
    n_topics = len(topics)
    known = sum(1 for r in topics.values() if r["bus_factor"] > 0)
    why: dict[str, str] = {}
    if not n_topics:
        why["single_expert_topics"] = (
            "there are no subject topics in the store: tag documents (front matter `tags`), courses or communities "
            "with topics, then ingest again"
        )
    elif not single:
        why["single_expert_topics"] = (
            f"each of the {known} topics someone knows about is known by two people or more"
            + (
                f"; {_topics(n_topics - known)} with no strong match in anyone's evidence "
                f"{'is' if n_topics - known == 1 else 'are'} listed separately"
                if known < n_topics
                else ""
            )
        )
    if not periph:
        why["peripheral_specialists"] = (
            "there are no subject topics in the store, so nobody can be a specialist" if not n_topics
            else "nobody is a strong match on any topic" if not knows
            else "everyone who knows about a topic has more ties than 25% of people"
        )  # fmt: skip
    if not dept:
        why["network_risk"] = "the people directory gives no departments"
    elif reason := _why_no_network_risk(by_dept, "department", min_group_size):
        why["network_risk"] = reason
    if by_comm is not None and (reason := _why_no_network_risk(by_comm, "community", min_group_size)):
        why["community_network_risk"] = reason
    return {
        "topics": topics,
        "single_expert_topics": sorted(t for t, r in topics.items() if r["bus_factor"] == 1),
        "single_experts": single,
        "topics_without_expert": sorted(t for t, r in topics.items() if r["bus_factor"] == 0),
        "peripheral_specialists": periph,
        "network_risk": {"departments": by_dept, "communities": by_comm},
        "why_empty": why,
        "method": {
            "experts": "strong matches of the calibrated expertise (search/expertise.py), active people only",
            "far": f"more than {hops} working ties (interactions, shared documents, manager lines) away for most "
            "members",
            "network_risk": f"one person holding {ONE_PERSON_SHARE:.0%} or more of a group's tie strength to the "
            f"rest, or two holding {TWO_PEOPLE_SHARE:.0%}",
        },
    }


def topics_by_person(experts_by_topic: Mapping[str, Mapping[Any, float]]) -> dict[Hashable, list[str]]:
    """``{person: [topics they know about]}``: the networker report's ``expertise`` input."""
    out: dict[Hashable, list[str]] = defaultdict(list)
    for t, scores in sorted(experts_by_topic.items()):
        for p, s in scores.items():
            if s > 0:
                out[p].append(t)
    return dict(out)


__all__ = ["network_risk", "risk_summary", "topics_by_person", "working_graph"]


def risk_from_store(
    store: Any,
    *,
    embedder: Any,
    viewer: Any = None,
    hops: int = 2,
    curriculum_prefix: str | None = None,
    seed: int = 0,
    progress: Callable[[str], None] | None = None,
    topic_progress: Callable[[int, int, str], None] | None = None,
) -> dict[str, Any]:
    """Everything the Knowledge risk page and ``whoknows risk`` show, read from the store once: the person
    network (common view, or ``viewer``'s), who knows each topic (calibrated expertise), communities detected
    and named as on the map, :func:`risk_summary`, the KM curriculum by department and community health."""
    from dataclasses import asdict

    from graph.analytics.communities import communities as detect_communities
    from graph.analytics.curriculum import curriculum_completion, describe
    from graph.analytics.knowers import topic_experts
    from graph.analytics.map_words import name_communities
    from graph.analytics.projection import project_store, require_network
    from graph.analytics.risk import community_health_from_store

    say = progress or (lambda _msg: None)
    say("reading the person network")
    G = project_store(store, viewer=viewer)
    require_network(G, ties=False)  # no people: an error naming the fix; no ties: the sections say why
    say("asking who knows each topic (calibrated expertise)")
    experts = topic_experts(store, embedder=embedder, viewer=viewer, progress=topic_progress)
    dept = node_attribute(G, "department")
    comm = names = None
    if G.number_of_edges():
        say("detecting communities")
        comm = detect_communities(G, weight="weight", seed=seed, method="auto")
        named = name_communities(comm, dept, cops=node_attribute(G, "cops"), tags=node_attribute(G, "tags"))
        names = {c: row["name"] for c, row in named.items()}
    report = risk_summary(G, experts, departments=dept, communities=comm, community_names=names, hops=hops,
                          progress=say)  # fmt: skip
    say("KM curriculum and communities of practice")
    cur = curriculum_completion(store, prefix=curriculum_prefix)
    report["curriculum"] = {
        "courses": [asdict(c) for c in cur.courses],
        "departments": [asdict(d) for d in cur.departments],
        "total": asdict(cur.total),
        "describes": describe(curriculum_prefix),
    }
    if not cur.courses:
        report["why_empty"]["curriculum"] = f"no {describe(curriculum_prefix)} in the course catalogue"
    report["communities"] = community_health_from_store(store, viewer=viewer)
    if not report["communities"]:
        report["why_empty"]["communities"] = "no communities of practice in the store"
    report["people"] = G.number_of_nodes()
    return report


def _topics(n: int) -> str:
    """``1 topic``, ``2 topics``: a count as a person reads it."""
    return f"{n} topic" if n == 1 else f"{n} topics"
