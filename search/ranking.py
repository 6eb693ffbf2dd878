"""Expert ranking: retrieved evidence aggregated to people, with every score term kept as evidence.

The model is the document-centric expert-finding family: Balog et al. (2006) "Model 2" scores a candidate by
``sum_d p(q|d) p(d|ca)`` and Macdonald & Ounis (2006) voting models (CombSUM, expCombSUM, ...) sum the scores of
a candidate's retrieved documents. WhoKnows uses one formula that contains both as special cases:

    score(p) = sum_e  w(p, e) * decay(e) * rel(e) ** power  /  (n(p) + c) ** alpha

- ``rel(e)``: fused lexical + dense relevance of the item (a document's best chunk, a course, a community),
- ``w(p, e)``: association weight of the relationship (first author > co-author > SME reviewer; community role;
  course completion status and score), ``decay``: exponential time decay with a half-life,
- ``n(p)``: how many documents the person authored or reviewed that the viewer may see (smoothed by ``c``):
  alpha = 0 is CombSUM voting (volume wins), alpha = 1, c = 0 is Model 2's normalised association; the default
  in between was chosen on the DBLP collection (bench/relevance.py, docs/search.md).
- optional co-authorship propagation: each person also receives ``beta`` times the mean document-evidence score
  of their co-authors, recorded as its own evidence lines so contributions still sum to the score.
- optional document score regularisation (Diaz 2005): a document's relevance is mixed with that of its most
  similar retrieved documents before the power, so documents in the query's topic count more; used by the
  long-query ("document as query") mode that :meth:`RankingConfig.for_query` picks for queries of 20+ words.

Two aggregation paths give identical results (people, order, scores bit for bit, evidence): array-wise over the
read model's association tables (:mod:`search.associations`; evidence records are built only for the people
returned), used whenever the store has a read model; and the scalar reference path (an evidence record per
(person, item) pair), used for other stores and co-authorship propagation, and by tests and bench/search.py as the
reference.

References
----------
K. Balog, L. Azzopardi, M. de Rijke. Formal models for expert finding in enterprise corpora. SIGIR 2006.
C. Macdonald, I. Ounis. Voting for candidates: adapting data fusion techniques for an expert search task. CIKM 2006.
G. Cormack, C. Clarke, S. Buettcher. Reciprocal rank fusion outperforms Condorcet and individual rank learning
methods. SIGIR 2009.
F. Diaz. Regularizing ad hoc retrieval scores. CIKM 2005.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any

import numpy as np

from graph.schema import ROLES, Label, RelType
from graph.store import GraphStore, Hit
from search import longtext
from search.associations import DOC_RELATIONS, Associations, gather
from search.blas import one_blas_thread
from search.embedder import Embedder
from search.evidence import Evidence, ExpertResult, why_line
from search.index import IndexedGraphView, graph_view
from search.permissions import Viewer, load_viewer, person_visible
from search.retrieval import GraphView, Retrieved, retrieve, unit_item_vectors
from whoknows.errors import SearchError

FILTER_KEYS = ("department", "location", "role")


@dataclass(frozen=True, slots=True)
class RankingConfig:
    """Every weight of the ranker in one place (docs/search.md explains each and how it was chosen)."""

    # retrieved items per method (chunks + courses + communities) for expert ranking of a typed (short) query;
    # 300 and power 2.5 were chosen together on the DBLP tuning half with the demo organisation as a veto
    # (docs/search.md, "Interactive depth and sharpness"); document search keeps ``documents_depth``
    depth: int = 300
    documents_depth: int = 200
    fusion: str = "combsum"
    dense_weight: float = 0.9
    minmax: bool = False
    prf_k: int = 20  # dense pseudo-relevance feedback: move the query towards the k best items' mean vector
    prf_weight: float = 2.0
    prf_min_ratio: float = 0.5  # feedback only from items scoring at least this fraction of the best one
    power: float = 2.5  # rel ** power; with transform="exp": exp(power * (rel - 1)), i.e. expCombSUM
    transform: str = "pow"
    norm_alpha: float = 0.3
    norm_c: float = 5.0
    w_first_author: float = 1.0
    w_author: float = 1.0
    w_reviewer: float = 0.5
    w_roles: Mapping[str, float] = field(
        default_factory=lambda: {"leader": 0.8, "facilitator": 0.7, "sme": 0.7, "member": 0.3}
    )
    w_course: float = 0.4
    w_status: Mapping[str, float] = field(
        default_factory=lambda: {"passed": 1.0, "completed": 0.8, "satisfied": 0.8, "waived": 0.3, "failed": 0.0}
    )
    min_relevance_ratio: float = 0.0  # evidence items scoring below this fraction of the best item are ignored
    half_life_years: float | None = 5.0
    coauthor_beta: float = 0.0
    # document score regularisation (Diaz 2005): a document's relevance is mixed with the mean relevance of its
    # ``reg_k`` most similar retrieved documents, ``rel' = (1 - reg_lambda) * rel + reg_lambda * mean(rel of nbrs)``;
    # neighbours less similar than ``reg_min_similarity`` (cosine) are not used. Typed queries: 4 / 0.7 / 0.4,
    # chosen on the DBLP tuning half with the demo organisation as a veto (docs/search.md, "Typed-query
    # regularisation"); the long-query mode sets its own
    reg_k: int = 4
    reg_lambda: float = 0.7
    reg_min_similarity: float | None = 0.4
    # "document as query": a query of at least this many words (a pasted abstract, not a typed need) is ranked
    # with ``long_query`` applied on top of this config; 0 turns the switch off (docs/search.md)
    long_query_words: int = 20
    long_query: Mapping[str, Any] = field(default_factory=lambda: dict(LONG_QUERY))
    today: date | None = None

    def for_query(self, query: str) -> RankingConfig:
        """The configuration that ranks ``query``: this one, or with ``long_query`` applied for a long query."""
        if self.long_query_words > 0 and self.long_query and len(query.split()) >= self.long_query_words:
            return replace(self, long_query_words=0, **dict(self.long_query))
        return self


#: What a long query changes: all the evidence (2,000 items per retrieval method; a pasted document matches
#: most of a collection's topic, and the sum over many documents is what finds its experts) and document score
#: regularisation over the retrieved documents' similarity graph. Chosen on the tuning half of the DBLP queries
#: (bench/relevance.py, docs/search.md); interactive queries keep depth 300 for latency. Power 2 (the long mode's
#: value before the interactive mode moved to 2.5): a pasted document's experts are those with many documents on
#: its topic, a typed need's those with the best matching ones.
LONG_QUERY: dict[str, Any] = {
    "depth": 2000,
    "power": 2.0,
    "reg_k": 40,
    "reg_lambda": 0.9,
    "reg_min_similarity": None,
    "norm_alpha": 0.5,
    "norm_c": 10.0,
}

DEFAULT_CONFIG = RankingConfig()
#: The long-query settings for any query, whatever its length (``whoknows search --thorough``).
THOROUGH_CONFIG = replace(DEFAULT_CONFIG, long_query_words=0, **LONG_QUERY)


def _parse_date(value: Any) -> date | None:
    if not value:
        return None
    return _parse_iso_day(str(value)[:10])


@lru_cache(maxsize=65536)
def _parse_iso_day(text: str) -> date | None:
    """Memoised: a query parses the same few thousand document dates again and again. A date known only to
    the month or the year (``2019-05``, ``2019``: ingest keeps the precision) counts from the middle of it."""
    try:
        if len(text) == 4:
            return date(int(text), 7, 1)
        if len(text) == 7:
            return date(int(text[:4]), int(text[5:7]), 15)
        return date.fromisoformat(text)
    except ValueError:
        return None


def _decay(value: Any, cfg: RankingConfig, today: date) -> float:
    d = _parse_date(value)
    if d is None or not cfg.half_life_years:
        return 1.0
    years = max((today - d).days, 0) / 365.25
    return 0.5 ** (years / cfg.half_life_years)


def _check_filters(filters: Mapping[str, str | None] | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for k, v in (filters or {}).items():
        if v is None or v == "":
            continue
        if k not in FILTER_KEYS:
            raise SearchError(f"unknown filter {k!r}; expected one of: {', '.join(FILTER_KEYS)}")
        out[k] = str(v).strip().lower()
    return out


@dataclass(slots=True)
class _Term:
    person: str
    ev: Evidence
    raw: float  # w * decay * rel**power, before normalisation


def make_keep(gv: GraphView, viewer: Viewer, exclude: Collection[str], *, tables: bool = True) -> Any:
    """A hit filter: chunks of documents the viewer may not see (or that are excluded) are dropped.

    With the search read model the filter answers from its association tables (one ``can_see`` per distinct
    visibility rule instead of one per hit: this trim runs on every retrieval round, three per expert search);
    ``tables=False`` keeps the per-hit reads (the reference path)."""
    if tables and isinstance(gv, IndexedGraphView):
        return gv.index.associations().keep_filter(viewer, exclude)

    def keep(hits: list[Hit]) -> list[Hit]:
        chunk_ids = [h.id for h in hits if h.label == Label.CHUNK]
        doc_of = gv.doc_of(chunk_ids)
        docs = gv.nodes(set(doc_of.values()))
        out = []
        for h in hits:
            if h.label == Label.CHUNK:
                did = doc_of.get(h.id)
                if did is None or did in exclude or did not in docs or not viewer.can_see(docs[did].props):
                    continue
            elif h.id in exclude:
                continue
            out.append(h)
        return out

    return keep


def _matches_filters(gv: GraphView, pid: str, props: Mapping[str, Any], filters: dict[str, str]) -> bool:
    for key in ("department", "location"):
        if key in filters and str(props.get(key) or "").strip().lower() != filters[key]:
            return False
    role = filters.get("role")
    if role:
        if role in ROLES:
            view = gv.view(pid)
            roles = {str(r.props.get("role")) for r in (view.outgoing if view else ()) if r.type == RelType.MEMBER_OF}
            return role in roles
        return role in str(props.get("title") or "").lower()
    return True


def find_experts(
    store: GraphStore,
    embedder: Embedder | None,
    query: str,
    *,
    viewer: str | Viewer | None = None,
    filters: Mapping[str, str | None] | None = None,
    limit: int = 10,
    candidates: Collection[str] | None = None,
    exclude: Collection[str] = (),
    config: RankingConfig = DEFAULT_CONFIG,
    graph: GraphView | None = None,
    reference: bool = False,
    query_vector: np.ndarray | None = None,
) -> list[ExpertResult]:
    """Rank people for ``query`` with their evidence. See the module docstring for the model.

    ``viewer``: a person id (or ``person:<id>``) whose permissions apply; None is an anonymous internal caller.
    ``filters``: ``department`` / ``location`` (exact, case-insensitive) and ``role`` (a CoP role from
    graph.schema.ROLES, else a case-insensitive substring of the person's title). ``candidates``: restrict to
    these person node ids (an evaluation pool). ``exclude``: node ids (documents, courses, communities) whose
    evidence must not count. ``graph``: a :class:`GraphView` to reuse between queries on an unchanged store.
    Without an ``embedder`` retrieval is lexical only (and documents are not regularised: that needs vectors).
    A query of ``config.long_query_words`` words or more is ranked with ``config.long_query`` applied
    (:meth:`RankingConfig.for_query`). ``reference``: aggregate with the scalar reference path even when the
    array path could serve (same results; tests and bench/search.py compare the two). ``query_vector``: the
    query's embedding when the caller already has it (search/expertise.py embeds once for both uses).
    """
    if limit < 1:
        raise SearchError(f"limit must be at least 1, got {limit}")
    config = config.for_query(query)
    flt = _check_filters(filters)
    gv = graph or graph_view(store)
    who = load_viewer(store, viewer)
    exclude = set(exclude)
    today = config.today or datetime.now(UTC).date()
    qvec = None
    if embedder is not None:
        qvec = query_vector if query_vector is not None else longtext.query_vector(embedder, query)
    items = retrieve(
        store,
        query,
        qvec,
        embedder.name if embedder is not None else None,
        depth=config.depth,
        keep=make_keep(gv, who, exclude, tables=not reference),
        fusion=config.fusion,
        dense_weight=config.dense_weight,
        minmax=config.minmax,
        prf_k=config.prf_k,
        prf_weight=config.prf_weight,
        prf_min_ratio=config.prf_min_ratio,
        graph=gv,
    )
    if config.min_relevance_ratio > 0 and items:
        floor = config.min_relevance_ratio * items[0].score
        items = [r for r in items if r.score >= floor]
    model = embedder.name if embedder is not None else None
    cand = set(candidates) if candidates is not None else None
    if not reference and config.coauthor_beta <= 0 and isinstance(gv, IndexedGraphView):
        assoc = gv.index.associations()
        results = _rank_arrays(store, gv, assoc, items, config, today, model, query, who, exclude, cand, flt, limit)
    else:
        results = _rank_reference(store, gv, items, config, today, model, query, who, exclude, cand, flt, limit)
    _fill_passages(gv, results)
    return results


def _result(query: str, pid: str, props: Mapping[str, Any], score: float, terms: list[_Term]) -> ExpertResult:
    """One ranked person; evidence most contributing first (ties by node id, then in the order terms were made)."""
    evidence = sorted((t.ev for t in terms), key=lambda e: (-e.contribution, e.node_id))
    return ExpertResult(
        person_id=str(props.get("person_id") or pid.removeprefix("person:")),
        node_id=pid,
        name=str(props.get("name") or pid),
        score=score,
        why=why_line(query, evidence),
        title=props.get("title"),
        department=props.get("department"),
        location=props.get("location"),
        evidence=evidence,
    )


def _rank_reference(
    store: GraphStore,
    gv: GraphView,
    items: list[Retrieved],
    config: RankingConfig,
    today: date,
    model: str | None,
    query: str,
    who: Viewer,
    exclude: set[str],
    cand: set[str] | None,
    flt: dict[str, str],
    limit: int,
) -> list[ExpertResult]:
    """The scalar aggregation: an evidence record for every (person, item) pair, then normalisation and the top.

    It serves any :class:`GraphView` (a store without a read model, e.g. Neo4j) and co-authorship propagation,
    and it is the reference the array path (:func:`_rank_arrays`) is tested and benchmarked against."""
    terms = _collect_terms(store, gv, items, config, today, model)
    person_ids = sorted({t.person for t in terms if cand is None or t.person in cand})
    people = gv.nodes(person_ids)
    if flt.get("role") in ROLES:
        gv.prefetch(person_ids)
    allowed = {
        pid
        for pid in person_ids
        if pid in people
        and people[pid].label == Label.PERSON
        and person_visible(people[pid].props)
        and _matches_filters(gv, pid, people[pid].props, flt)
    }
    by_person: dict[str, list[_Term]] = defaultdict(list)
    for t in terms:
        if t.person in allowed:
            by_person[t.person].append(t)
    norms = _norms(gv, by_person, who, exclude, config, None if config.coauthor_beta > 0 else limit)
    by_person = {pid: ts for pid, ts in by_person.items() if pid in norms}
    for pid, ts in by_person.items():
        for t in ts:
            t.ev.contribution = t.raw / norms[pid]
    if config.coauthor_beta > 0:
        _propagate(gv, by_person, allowed, config)
    # score everyone (fsum is exact, so the order of terms does not matter), then build results for the top only
    scores = {pid: math.fsum(t.ev.contribution for t in ts) for pid, ts in by_person.items()}
    top = sorted(scores, key=lambda p: (-scores[p], p))[:limit]
    return [_result(query, pid, people[pid].props, scores[pid], by_person[pid]) for pid in top]


#: how far below the ``limit``-th approximate score a person is still scored exactly: the array sums and the exact
#: sums (math.fsum of each term divided by the divisor) differ by a few ulps; this margin is millions of ulps
_TOP_MARGIN = 1e-9


def _rank_arrays(
    store: GraphStore,
    gv: IndexedGraphView,
    assoc: Associations,
    items: list[Retrieved],
    config: RankingConfig,
    today: date,
    model: str | None,
    query: str,
    who: Viewer,
    exclude: set[str],
    cand: set[str] | None,
    flt: dict[str, str],
    limit: int,
) -> list[ExpertResult]:
    """Array-wise aggregation: the same scores as :func:`_rank_reference`, with evidence built for the top only.

    Every (person, item) pair's term ``w * decay * g(rel)`` is computed with numpy from the association tables
    of the read model (search/associations.py), summed per person, divided by ``(n + c) ** alpha`` with n from
    the same tables; then the people within a tiny margin of the ``limit``-th score get their evidence records
    and their exact score (``math.fsum`` of the contributions, as the reference path computes it), and the top
    ``limit`` of those are returned. So results, order, scores and evidence are identical to the reference path
    (tested), while the Python work per query no longer grows with the number of pairs."""
    nodes = gv.index.nodes
    best, regularised = _best_documents(store, gv, items, config, model)
    docs = [(did, r) for did, r in best.items() if did in assoc.doc_pos]
    decays: dict[Any, float] = {}

    def decay(value: Any) -> float:
        d = decays.get(value)
        if d is None:
            d = decays[value] = _decay(value, config, today)
        return d

    doc_score = [regularised.get(did, (r.score, None, []))[0] for did, r in docs]
    doc_pow = np.array([_g(x, config) for x in doc_score], dtype=np.float64)
    doc_rows = np.array([assoc.doc_pos[did] for did, _ in docs], dtype=np.int64)
    doc_decay = assoc.date_weights(assoc.doc_date[doc_rows], decay)
    dpos, downer = gather(assoc.doc_ptr, doc_rows)
    kind_w = np.array([config.w_first_author, config.w_author, config.w_reviewer], dtype=np.float64)
    doc_w = kind_w[assoc.doc_kind[dpos]] * doc_decay[downer]
    doc_raw = doc_w * doc_pow[downer]
    others = [r for r in items if r.label in (Label.COMMUNITY, Label.COURSE) and r.score > 0 and r.id in assoc.item_pos]
    ipos, iowner = gather(assoc.item_ptr, np.array([assoc.item_pos[r.id] for r in others], dtype=np.int64))
    item_w = assoc.item_weights(ipos, config, decay)
    item_pow = np.array([_g(r.score, config) for r in others], dtype=np.float64)
    live = item_w > 0
    ipos, iowner, item_w = ipos[live], iowner[live], item_w[live]
    person = np.concatenate([assoc.doc_person[dpos], assoc.item_person[ipos]])
    raw = np.concatenate([doc_raw, item_w * item_pow[iowner]])
    # who may be ranked: existing, visible people, in the candidate pool, matching the filters
    ok = assoc.person_ok[person]
    if cand is not None:
        in_pool = np.zeros(len(assoc.person_ids), dtype=bool)
        in_pool[[p for c in cand if (p := assoc.person_pos.get(c)) is not None]] = True
        ok &= in_pool[person]
    if flt:
        fits = np.zeros(len(assoc.person_ids), dtype=bool)
        for p in np.unique(person[ok]).tolist():
            pid = assoc.person_ids[p]
            fits[p] = _matches_filters(gv, pid, nodes[pid].props, flt)
        ok &= fits[person]
    people, inverse = np.unique(person[ok], return_inverse=True)
    if len(people) == 0:
        return []
    sums = np.bincount(inverse, weights=raw[ok], minlength=len(people))
    if config.norm_alpha == 0:
        divisor = np.ones(len(people), dtype=np.float64)
    else:
        n = assoc.visible_doc_counts(people, who, exclude)
        values, n_inverse = np.unique(n, return_inverse=True)
        divisor = np.array([_divisor(int(v), config) for v in values.tolist()], dtype=np.float64)[n_inverse]
    approx = sums / divisor
    if len(people) > limit:
        kth = -np.partition(-approx, limit - 1)[limit - 1]
        chosen = people[approx >= kth - _TOP_MARGIN * abs(kth)]
    else:
        chosen = people
    # evidence and exact scores for the chosen people, term by term in the reference path's order
    norm_of = dict(zip(people.tolist(), divisor.tolist(), strict=True))
    terms: dict[int, list[_Term]] = {p: [] for p in chosen.tolist()}
    n_doc = len(dpos)
    rows = np.nonzero(np.isin(person, chosen) & ok)[0].tolist()
    for j in rows:
        p = int(person[j])
        pid = assoc.person_ids[p]
        if j < n_doc:
            o = int(downer[j])
            did, r = docs[o]
            props = nodes[did].props
            score, nb_mean, nbrs = regularised.get(did, (r.score, None, []))
            w = float(doc_w[j])
            ev = Evidence(
                "document", did, str(props.get("title") or did), DOC_RELATIONS[int(assoc.doc_kind[dpos[j]])],
                score, w, 0.0, passage=None, passage_id=r.id, date=props.get("date"),
                direct_relevance=r.score, neighbour_relevance=nb_mean, neighbours=nbrs,
            )  # fmt: skip
        else:
            k = j - n_doc
            r = others[int(iowner[k])]
            rel = assoc.item_rel[int(ipos[k])]
            props = nodes[r.id].props
            title = str(props.get("name") or props.get("title") or r.id)
            w = float(item_w[k])
            if r.label == Label.COMMUNITY:
                role = str(rel.props.get("role") or "member")
                ev = Evidence("community", r.id, title, role, r.score, w, 0.0, date=rel.props.get("since"))
            else:
                status = str(rel.props.get("status") or "completed")
                ev = Evidence("course", r.id, title, status, r.score, w, 0.0, date=rel.props.get("at"))
        t = _Term(pid, ev, float(raw[j]))
        ev.contribution = t.raw / norm_of[p]
        terms[p].append(t)
    scores = {p: math.fsum(t.ev.contribution for t in ts) for p, ts in terms.items()}
    top = sorted(scores, key=lambda p: (-scores[p], assoc.person_ids[p]))[:limit]
    return [_result(query, assoc.person_ids[p], nodes[assoc.person_ids[p]].props, scores[p], terms[p]) for p in top]


def _fill_passages(gv: GraphView, results: list[ExpertResult]) -> None:
    """Document evidence shows its best chunk's text: read only for the people returned (chunk texts are the
    largest reads of a search, and most retrieved documents do not belong to a returned person)."""
    ids = [e.passage_id for r in results for e in r.evidence if e.kind == "document" and e.passage_id]
    chunks = gv.nodes(ids)
    for r in results:
        for e in r.evidence:
            if e.kind == "document" and e.passage_id:
                chunk = chunks.get(e.passage_id)
                e.passage = str(chunk.props.get("text") or "") if chunk else None


def _g(rel: float, cfg: RankingConfig) -> float:
    """How a relevance becomes a vote: a power (CombSUM at 1, sharper above) or expCombSUM's exponential."""
    if cfg.transform == "exp":
        return math.exp(cfg.power * (rel - 1.0))
    return rel**cfg.power


def _regularise(
    store: GraphStore, gv: GraphView, model: str | None, best: Mapping[str, Retrieved], cfg: RankingConfig
) -> dict[str, tuple[float, float, list[str]]]:
    """Document score regularisation over the retrieved documents (Diaz 2005, "Regularizing ad hoc retrieval
    scores"): each document's relevance is mixed with the mean relevance of its ``reg_k`` nearest retrieved
    documents (cosine of their best chunks' vectors). Why: an expert is someone with several documents on the
    *topic*; one document's own score is a noisy estimate of that (a lucky match among off-topic work), the
    scores of its close neighbours make it steadier (DBLP: +0.02 MAP long, +0.006 typed, docs/search.md).
    ``reg_min_similarity`` keeps only neighbours at least that close: a document with no close neighbour keeps
    its own score instead of borrowing the scores of unrelated ones (what a typed need on a small, varied
    collection needs).

    Returns ``doc id -> (regularised relevance, neighbours' mean relevance, neighbour ids)`` for the documents
    that have a vector and at least one neighbour; the others keep their own score. Neighbours come from ``best``
    only, i.e. from what this viewer may see and what was not excluded, so permissions and ``exclude`` hold here
    too. Array-wise: one similarity matrix of the retrieved documents (a few hundred at the typed depth)."""
    if cfg.reg_k <= 0 or cfg.reg_lambda <= 0 or model is None or len(best) < 2:
        return {}
    by_item = {best[did].id: did for did in sorted(best)}
    found, mat = unit_item_vectors(store, gv, model, list(by_item))  # in the order asked: document id order
    if len(found) < 2:
        return {}
    dids = [by_item[i] for i in found]
    with one_blas_thread():  # search/blas.py: a two-thread product would spin a core for the rest of the query
        sim = mat @ mat.T
    np.fill_diagonal(sim, -np.inf)
    k = min(cfg.reg_k, len(dids) - 1)
    # the k nearest of each row, most similar first, ties by document id (row order is id order)
    nbrs = np.argpartition(-sim, k - 1, axis=1)[:, :k]
    nsim = np.take_along_axis(sim, nbrs, axis=1)
    by_sim = np.lexsort((nbrs, -nsim), axis=1)
    nbrs = np.take_along_axis(nbrs, by_sim, axis=1)
    nsim = np.take_along_axis(nsim, by_sim, axis=1)
    close = np.ones_like(nsim, dtype=bool) if cfg.reg_min_similarity is None else nsim >= cfg.reg_min_similarity
    count = close.sum(axis=1)
    rel = np.array([best[d].score for d in dids], dtype=np.float64)
    nb_mean = np.where(close, rel[nbrs], 0.0).sum(axis=1) / np.maximum(count, 1)
    reg = (1 - cfg.reg_lambda) * rel + cfg.reg_lambda * nb_mean
    out = {}
    for i in np.flatnonzero(count).tolist():
        out[dids[i]] = (float(reg[i]), float(nb_mean[i]), [dids[j] for j in nbrs[i, : count[i]].tolist()])
    return out


def _best_documents(
    store: GraphStore, gv: GraphView, items: list[Retrieved], cfg: RankingConfig, model: str | None
) -> tuple[dict[str, Retrieved], dict[str, tuple[float, float, list[str]]]]:
    """Each retrieved document's best chunk (a document is as relevant as its best passage), best first, and the
    regularised relevance of those documents when the configuration regularises (:func:`_regularise`)."""
    chunk_items = [r for r in items if r.label == Label.CHUNK]
    doc_of = gv.doc_of([r.id for r in chunk_items])
    best: dict[str, Retrieved] = {}
    for r in chunk_items:  # items are sorted best first: the first chunk seen is the document's best
        did = doc_of.get(r.id)
        if did is not None and did not in best:
            best[did] = r
    best = {did: r for did, r in best.items() if r.score > 0}
    return best, _regularise(store, gv, model, best, cfg)


def _collect_terms(
    store: GraphStore, gv: GraphView, items: list[Retrieved], cfg: RankingConfig, today: date, model: str | None
) -> list[_Term]:
    """Turn retrieved items into (person, evidence) terms through the graph's relationships."""
    terms: list[_Term] = []
    best, regularised = _best_documents(store, gv, items, cfg, model)
    gv.prefetch(list(best))
    gv.prefetch([r.id for r in items if r.label in (Label.COMMUNITY, Label.COURSE) and r.score > 0])
    for did, r in best.items():
        view = gv.view(did)
        if view is None:
            continue
        props = view.node.props
        score, nb_mean, nbrs = regularised.get(did, (r.score, None, []))
        rel_pow = _g(score, cfg)
        decay = _decay(props.get("date"), cfg, today)
        for rel in view.incoming:
            if rel.type == RelType.AUTHORED:
                first = rel.props.get("position") == 0
                relation, w = ("first author", cfg.w_first_author) if first else ("authored", cfg.w_author)
            elif rel.type == RelType.REVIEWED:
                relation, w = "reviewed as SME", cfg.w_reviewer
            else:
                continue
            ev = Evidence(
                "document", did, str(props.get("title") or did), relation, score, w * decay, 0.0,
                passage=None, passage_id=r.id, date=props.get("date"),  # text read for returned people only
                direct_relevance=r.score, neighbour_relevance=nb_mean, neighbours=nbrs,
            )  # fmt: skip
            terms.append(_Term(rel.start, ev, w * decay * rel_pow))
    for r in items:
        if r.label not in (Label.COMMUNITY, Label.COURSE) or r.score <= 0:
            continue
        view = gv.view(r.id)
        if view is None:
            continue
        props = view.node.props
        title = str(props.get("name") or props.get("title") or r.id)
        rel_pow = _g(r.score, cfg)
        for rel in view.incoming:
            if rel.type == RelType.MEMBER_OF and r.label == Label.COMMUNITY:
                role = str(rel.props.get("role") or "member")
                w = cfg.w_roles.get(role, cfg.w_roles.get("member", 0.0))
                ev = Evidence("community", r.id, title, role, r.score, w, 0.0, date=rel.props.get("since"))
            elif rel.type == RelType.COMPLETED and r.label == Label.COURSE:
                status = str(rel.props.get("status") or "completed")
                course_score = rel.props.get("score")
                w = cfg.w_course * cfg.w_status.get(status, 0.5)
                if isinstance(course_score, int | float):
                    w *= 0.5 + 0.5 * max(0.0, min(float(course_score), 1.0))
                w *= _decay(rel.props.get("at"), cfg, today)
                ev = Evidence("course", r.id, title, status, r.score, w, 0.0, date=rel.props.get("at"))
            else:
                continue
            if w > 0:
                terms.append(_Term(rel.start, ev, w * rel_pow))
    return terms


def _divisor(n: int, cfg: RankingConfig) -> float:
    """``(n + c) ** alpha``; a person with no visible document and ``c = 0`` (Model 2 without smoothing) is not
    divided (their evidence is courses and communities only)."""
    return (n + cfg.norm_c) ** cfg.norm_alpha if n + cfg.norm_c > 0 else 1.0


def _norms(
    gv: GraphView,
    by_person: Mapping[str, list[_Term]],
    who: Viewer,
    exclude: set[str],
    cfg: RankingConfig,
    limit: int | None,
) -> dict[str, float]:
    """Each person's divisor ``(n + c) ** alpha``, n = documents they authored or reviewed that this viewer may see.

    Computing n costs a read per person, so with a ``limit`` only as many people as can still reach the top
    ``limit`` are computed: the documents retrieved for a person are a lower bound on n, which bounds their
    normalised score from above; people are visited by that bound and the visit stops once the bound falls below
    the ``limit``-th exact score. People not visited cannot be in the result (exact top-k, not an approximation).
    """
    if cfg.norm_alpha == 0:
        return dict.fromkeys(by_person, 1.0)
    raw = {pid: math.fsum(t.raw for t in ts) for pid, ts in by_person.items()}
    n_min = {pid: len({t.ev.node_id for t in ts if t.ev.kind == "document"}) for pid, ts in by_person.items()}
    bound = {pid: raw[pid] / _divisor(n_min[pid], cfg) for pid in by_person}
    order = sorted(by_person, key=lambda p: (-bound[p], p))
    out: dict[str, float] = {}
    exact: list[float] = []
    step = 32
    for start in range(0, len(order), step):
        if limit is not None and len(exact) >= limit:
            kth = sorted(exact, reverse=True)[limit - 1]
            if bound[order[start]] < kth:
                break
        batch = order[start : start + step]
        gv.prefetch(batch)
        doc_ids: dict[str, set[str]] = {}
        for pid in batch:
            view = gv.view(pid)
            out_rels = view.outgoing if view else ()
            doc_ids[pid] = {r.end for r in out_rels if r.type in (RelType.AUTHORED, RelType.REVIEWED)} - exclude
        docs = gv.nodes(set().union(*doc_ids.values()))
        for pid in batch:
            n = sum(1 for d in doc_ids[pid] if d in docs and who.can_see(docs[d].props))
            out[pid] = _divisor(n, cfg)
            exact.append(raw[pid] / out[pid])
    return out


def _propagate(gv: GraphView, by_person: dict[str, list[_Term]], allowed: set[str], cfg: RankingConfig) -> None:
    """Co-authorship propagation: add ``beta * mean(score of co-authors)`` as evidence lines (one per co-author)."""
    base = {pid: math.fsum(t.ev.contribution for t in ts) for pid, ts in by_person.items()}
    docs_of: dict[str, set[str]] = {}
    for pid in base:
        view = gv.view(pid)
        docs_of[pid] = {r.end for r in (view.outgoing if view else ()) if r.type == RelType.AUTHORED}
    for pid in list(base):
        coauthors: set[str] = set()
        for did in docs_of[pid]:
            view = gv.view(did)
            coauthors |= {r.start for r in (view.incoming if view else ()) if r.type == RelType.AUTHORED}
        coauthors.discard(pid)
        scored = [c for c in sorted(coauthors) if base.get(c, 0) > 0]
        if not coauthors or not scored:
            continue
        for c in scored:
            share = cfg.coauthor_beta * base[c] / len(coauthors)
            node = gv.nodes([c]).get(c)
            name = str(node.props.get("name") or c) if node else c
            ev = Evidence("coauthor", c, name, "co-author", base[c], cfg.coauthor_beta / len(coauthors), share)
            by_person[pid].append(_Term(pid, ev, share))
