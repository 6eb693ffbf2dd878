"""Knowledge risk building blocks: the bus factor per topic and the health of communities of practice.

* **bus factor** per topic: how many people know it (one: the organisation loses the topic with that person);
* **community health**: members, active leaders, SMEs per community of practice (Wenger, McDermott & Snyder
  2002: a community needs a coordinator and subject-matter experts to stay alive).

The answer a person gets (single experts, peripheral specialists, network risk, curriculum, communities) is
composed in :mod:`graph.analytics.risk_summary`; the KM curriculum is read by :mod:`graph.analytics.curriculum`.

The measures are pure functions of plain inputs; the ``*_from_store`` helpers read those inputs from a
:class:`graph.store.GraphStore` (I/O at the edge). Group-level figures hide groups under
``min_group_size`` people.

References
----------
.. [1] E. Wenger, R. McDermott, W. M. Snyder, "Cultivating Communities of Practice", HBS Press (2002).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping
from typing import Any

from graph.access import DocumentAccess, Viewer, document_access, readable_document_rels, topics_in_view
from graph.analytics.privacy import MIN_GROUP_SIZE


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
