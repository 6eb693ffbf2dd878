"""The person-to-person projection every network measure runs on.

The store holds a heterogeneous graph (people, documents, communities, courses, topics). Network analytics
need one kind of node, people, and one tie strength per pair. This module projects:

* ``reports_to``: a manager tie, strength 1;
* ``coauthor``: people on the same Document (authors and SME reviewers), each document contributing
  ``1 / (n - 1)`` to each pair among its ``n`` people (Newman 2001's collaboration weighting: a paper with many
  authors says less about each pair);
* ``community``: shared community-of-practice membership, ``1 / (n - 1)`` per community of ``n`` members, so a
  500-person community links everyone only faintly;
* ``interacted``: INTERACTED ties (e-mail, chat, meetings) with their ``weight`` (else ``count``, else 1).

The edge attribute ``weight`` is the sum of the kinds (each kind scaled by ``kind_weights``); the per-kind
components are kept as edge attributes of the same names so a label can say *why* two people are tied.
Groups (documents, communities) larger than ``max_group_size`` are skipped for pairwise ties because their
quadratic number of pairs would each carry almost no weight; the count of skipped groups is kept in
``G.graph["skipped_groups"]``.

:func:`build_person_graph` is pure (records in, graph out); :func:`project_store` is the thin reader that
feeds it from a :class:`graph.store.GraphStore`.

References
----------
.. [1] M. E. J. Newman, "Scientific collaboration networks. II. Shortest paths, weighted networks, and
   centrality", Physical Review E 64, 016132 (2001).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

import networkx as nx

from graph.access import DocumentAccess, Viewer, document_access, readable_document_rels, topics_in_view
from whoknows.errors import AnalyticsError

KINDS: tuple[str, ...] = ("reports_to", "coauthor", "community", "interacted")
DEFAULT_KIND_WEIGHTS: dict[str, float] = {"reports_to": 1.0, "coauthor": 1.0, "community": 1.0, "interacted": 1.0}
PERSON_ATTRS: tuple[str, ...] = ("name", "department", "location", "title", "opted_out", "active")


def build_person_graph(
    people: Iterable[Mapping[str, Any]],
    *,
    reports_to: Iterable[tuple[str, str]] = (),
    documents: Mapping[str, Iterable[str]] | None = None,
    communities: Mapping[str, Iterable[str]] | None = None,
    interactions: Iterable[tuple[str, str, float]] = (),
    kind_weights: Mapping[str, float] | None = None,
    max_group_size: int = 200,
) -> nx.Graph:
    """Build the undirected weighted person graph from plain records.

    Parameters
    ----------
    people : iterable of mappings
        Each with ``id`` (the node id) and optional ``name``, ``department``, ``location``, ``title``,
        ``opted_out``, ``active``.
    reports_to : iterable of (person, manager)
    documents : mapping document id -> people on it (authors and reviewers)
    communities : mapping community id -> members
    interactions : iterable of (person, person, weight)
    kind_weights : mapping kind -> multiplier for the combined ``weight``
    max_group_size : int
        Documents or communities with more people than this add no pairwise ties.

    Returns
    -------
    networkx.Graph
        Nodes are person ids with attributes ``name, department, location, title, opted_out``; edges carry
        ``weight`` and one attribute per kind present. Ties to unknown people are ignored (and counted in
        ``G.graph["unknown_endpoints"]``). The interactions' direction is kept in
        ``G.graph["interaction_arcs"]`` (``{(sender, recipient): weight}``) for measures that use it (brokerage).
    """
    kw = {**DEFAULT_KIND_WEIGHTS, **(kind_weights or {})}
    unknown_kinds = set(kw) - set(KINDS)
    if unknown_kinds:
        raise AnalyticsError(f"unknown tie kinds {sorted(unknown_kinds)}; expected: {', '.join(KINDS)}")
    G: nx.Graph[str] = nx.Graph()
    for p in people:
        attrs = {a: p.get(a) for a in PERSON_ATTRS}
        attrs["opted_out"] = bool(attrs.get("opted_out"))
        G.add_node(p["id"], **attrs)
    ties: dict[str, dict[tuple[str, str], float]] = {k: defaultdict(float) for k in KINDS}
    unknown = 0
    skipped = 0

    def add(kind: str, u: str, v: str, w: float) -> None:
        nonlocal unknown
        if u == v:
            return
        if u not in G or v not in G:
            unknown += 1
            return
        key = (u, v) if u < v else (v, u)
        ties[kind][key] += w

    for u, m in reports_to:
        add("reports_to", u, m, 1.0)
    for kind, groups in (("coauthor", documents), ("community", communities)):
        for members in (groups or {}).values():
            ms = sorted({m for m in members if m in G})
            if len(ms) < 2:
                continue
            if len(ms) > max_group_size:
                skipped += 1
                continue
            w = 1.0 / (len(ms) - 1)
            for i, u in enumerate(ms):
                for v in ms[i + 1 :]:
                    ties[kind][(u, v)] += w
    arcs: dict[tuple[str, str], float] = defaultdict(float)
    for u, v, w in interactions:
        add("interacted", u, v, float(w))
        if u != v and u in G and v in G:
            arcs[(u, v)] += float(w)

    combined: dict[tuple[str, str], dict[str, float]] = defaultdict(dict)
    for kind, pairs in ties.items():
        for key, w in pairs.items():
            combined[key][kind] = w
    G.add_edges_from(
        (u, v, {**parts, "weight": sum(kw[k] * w for k, w in parts.items())}) for (u, v), parts in combined.items()
    )
    G.graph["unknown_endpoints"] = unknown
    G.graph["skipped_groups"] = skipped
    G.graph["interaction_arcs"] = dict(arcs)  # who wrote to whom: the direction the undirected ties lose
    return G


def project_store(
    store: Any,
    *,
    kind_weights: Mapping[str, float] | None = None,
    max_group_size: int = 200,
    include_inactive: bool = False,
    viewer: str | Viewer | None = None,
    access: DocumentAccess | None = None,
) -> nx.Graph:
    """Read people and their ties from a :class:`graph.store.GraphStore` and build the person graph.

    Reads ``Person`` nodes and REPORTS_TO, AUTHORED, REVIEWED, MEMBER_OF and INTERACTED relationships; nothing
    else. Inactive people (``active`` false) are left out unless ``include_inactive``.

    Co-author ties come only from documents ``viewer`` may read (graph/access.py): ``None``, the default, is the
    common view every viewer shares (public and internal documents), so a restricted document adds no tie
    that could show on a map, a path or a measure seen by someone it is not for. ``access`` passes an
    already-read :class:`graph.access.DocumentAccess` instead.
    """
    if access is None:
        access = document_access(store, viewer)
    people = []
    for node in store.iter_nodes("Person"):
        props = node.props
        if not include_inactive and props.get("active") is False:
            continue
        people.append({"id": node.id, **props})
    docs: dict[str, list[str]] = defaultdict(list)
    for r in readable_document_rels(store, access, ("AUTHORED", "REVIEWED")):
        docs[r.end].append(r.start)
    comms: dict[str, list[str]] = defaultdict(list)
    for r in store.iter_rels("MEMBER_OF"):
        comms[r.end].append(r.start)
    context = _person_context(store, access, docs, comms)
    reports = [(r.start, r.end) for r in store.iter_rels("REPORTS_TO")]
    inter = []
    for r in store.iter_rels("INTERACTED"):
        w = r.props.get("weight")
        if w is None:
            w = r.props.get("count", 1)
        inter.append((r.start, r.end, float(w)))
    G = build_person_graph(
        people,
        reports_to=reports,
        documents=docs,
        communities=comms,
        interactions=inter,
        kind_weights=kind_weights,
        max_group_size=max_group_size,
    )
    for v, attrs in context.items():
        if v in G:
            G.nodes[v].update(attrs)
    return G


def _person_context(
    store: Any, access: DocumentAccess, docs: Mapping[str, list[str]], comms: Mapping[str, list[str]]
) -> dict[str, dict[str, tuple[str, ...]]]:
    """Per person, what the map names communities by: ``cops`` (communities of practice they belong to) and
    ``tags`` (the topics of the readable documents they wrote or reviewed, most frequent first, at most 5)."""
    names = {n.id: str(n.props.get("name") or n.id) for n in store.iter_nodes("Community")}
    topic_names, about = topics_in_view(store, access)
    cops: dict[str, set[str]] = defaultdict(set)
    for c, members in comms.items():
        for p in members:
            cops[p].add(names.get(c, c))
    tags: dict[str, Counter] = defaultdict(Counter)
    for d, people in docs.items():
        for t in about.get(d, ()):
            if t in topic_names:
                for p in people:
                    tags[p][topic_names[t]] += 1
    out: dict[str, dict[str, tuple[str, ...]]] = {}
    for p in set(cops) | set(tags):
        out[p] = {"cops": tuple(sorted(cops.get(p, ()))), "tags": tuple(t for t, _ in tags[p].most_common(5))}
    return out


def node_attribute(G: nx.Graph, name: str) -> dict[Any, Any]:
    """``{node: G.nodes[node][name]}`` for nodes where it is set (e.g. the department partition)."""
    return {v: d[name] for v, d in G.nodes(data=True) if d.get(name) is not None}


def interaction_graph(store: Any, *, include_inactive: bool = False) -> nx.DiGraph:
    """The directed INTERACTED graph (who wrote to whom), with ``weight`` (else ``count``) per arc.

    Diffusion runs on it: an e-mail from ``u`` to ``v`` is a channel for an idea to travel from ``u`` to
    ``v``. Self-loops are dropped; people attributes as in :func:`build_person_graph`.
    """
    G: nx.DiGraph[str] = nx.DiGraph()
    for node in store.iter_nodes("Person"):
        props = node.props
        if not include_inactive and props.get("active") is False:
            continue
        attrs = {a: props.get(a) for a in PERSON_ATTRS}
        attrs["opted_out"] = bool(attrs.get("opted_out"))
        G.add_node(node.id, **attrs)
    for r in store.iter_rels("INTERACTED"):
        if r.start == r.end or r.start not in G or r.end not in G:
            continue
        w = r.props.get("weight")
        if w is None:
            w = r.props.get("count", 1)
        if G.has_edge(r.start, r.end):
            G[r.start][r.end]["weight"] += float(w)
        else:
            G.add_edge(r.start, r.end, weight=float(w))
    return G


def require_network(G: nx.Graph, *, ties: bool = True) -> None:
    """Raise :class:`AnalyticsError` with the fix when ``G`` has no people (or, with ``ties``, no ties): the
    measures of an empty network are not zeros to show but a missing input to name."""
    n = G.number_of_nodes()
    if n == 0:
        raise AnalyticsError(
            "the store has no (active) people: ingest a people directory first, e.g. whoknows ingest people.csv"
        )
    if ties and G.number_of_edges() == 0:
        raise AnalyticsError(
            f"no ties between the {n} people: ingest interactions (e-mail, chat, meetings), documents with their "
            "authors, community memberships or a manager field first"
        )
