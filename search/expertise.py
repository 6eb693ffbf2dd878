"""The one notion of "knows about": a calibrated expertise score for (person, text), shared by every page.

Search, profiles (a person's topics), the Knowledge risk page ("the only expert on"), spreading an idea ("only
people who know about the idea") and reviewers all ask the same question: how strong is the evidence that this
person knows about this? They call this module, so they agree with each other (a test checks it on the demo
organisation).

Why a calibrated score and not the ranker's: :func:`search.ranking.find_experts` orders people *within* one
query well, but its score is relative (the lexical part is divided by the query's best hit, and a sum over many
weakly related documents rewards volume), so "xqzv blorft wuggle" still has a top person with a high score. Here
each person gets features that are absolute:

- ``c1``, ``c2``, ``c3``: cosine similarity of the query to the person's best, second and third best documents
  (each document by its best passage; the bundled embedding model);
- ``zm3``: the mean of those three, standardised against how similar the query is to the organisation's
  documents in general (mean and spread over a fixed sample of documents open to everyone, shrunk towards a
  prior for a small organisation): "how far this person's best work stands above the typical document for this
  query". This is what makes one person's scores comparable across queries (a broad query is close to many
  documents, a narrow one to few);
- ``lex``: the share of the query's content words found in the person's best document (title and text).

A frozen logistic model (:mod:`search.calibration`, fitted once on a development split by
``bench/calibration.py``) maps them to 0-1. A person is a **strong** match at or above the calibration's
``strong`` threshold, **weak** at or above ``weak``, else **none**. Without an embedder (lexical search only) a
lexical model over the shares of query words is used instead.

Evidence counts only for what the viewer may see (permissions exactly as search trims them) and never for
``exclude``d items. An evidence item *passes* when it is close to the text: a person whose best items were all as
close would be a strong match; only passing items are counted in words ("Wrote 3 documents close to this").

What people say about themselves counts too (search/claims.py reads it; whoknows/selfassert.py and
whoknows/questions.py write it). For a text that matches a topic (:func:`search.claims.topic_matches`): a person
who **confirmed** the topic is a strong match ("Topic 'X' confirmed by them"); one who **hid** it is never named
for the text (they still appear for texts that match none of their hidden topics); one who **added** it is
considered and weighed by the evidence behind it, the why-line saying "topic 'X' added by them". A question
whose answer the asker marked helpful is an evidence item of the answerer like a document they wrote (its text
is the passage), "Answered 1 question close to this".
"""

from __future__ import annotations

import hashlib
import math
import threading
import time
import weakref
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from functools import partial
from typing import Any, Protocol, TypeVar

import numpy as np

from graph.schema import Label, RelType
from graph.store import GraphStore
from search import calibration, claims, longtext, terms
from search.embedder import Embedder
from search.evidence import ExpertResult
from search.index import IndexedGraphView, graph_view
from search.permissions import Viewer, load_viewer, person_node_id, person_visible
from search.ranking import DEFAULT_CONFIG, RankingConfig, _check_filters, _matches_filters, find_experts, make_keep
from search.retrieval import GraphView, retrieve, unit_item_vectors
from whoknows.errors import NotFoundError, SearchError

STRONG, WEAK, NONE = "strong", "weak", "none"
LEVELS = (STRONG, WEAK, NONE)
_LEVEL_RANK = {STRONG: 0, WEAK: 1, NONE: 2}

#: Tags that name a kind of document, not a subject: never a topic of a person (profiles, risk). Compared after
#: lower-casing and turning spaces / underscores into hyphens. Why a list and not a statistic: the same words are
#: also real subjects in a knowledge-management organisation ("after action reviews" is a practice one can know),
#: and a document *type* tag is a fixed vocabulary of document systems, so naming it is exact.
DOCUMENT_TYPES = frozenset(
    {
        "faq", "faqs", "checklist", "checklists", "how-to", "how-tos", "how-to-guide", "how-to-guides", "guide",
        "guides", "lessons-learned", "lesson-learned", "after-action-review", "template", "templates", "form",
        "forms", "report", "reports", "minutes", "meeting-minutes", "presentation", "slides", "slide-deck", "memo",
        "policy-document", "procedure-document", "case-study", "case-studies", "whitepaper", "white-paper",
        "newsletter", "blog-post", "article", "manual", "handbook", "note", "notes", "draft", "tutorial", "video",
        "webinar", "infographic", "q-and-a", "qa", "retrospective-template", "one-pager",
    }
)  # fmt: skip

#: how many people the fused ranking proposes per requested result before calibration re-orders them
_CANDIDATES_PER_RESULT = 3
_MIN_CANDIDATES = 30
#: documents sampled per store for the reference statistics (mean and spread of a query's similarity)
_REFERENCE_DOCS = 1000


# -- results --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MatchedItem:
    """One piece of a person's evidence for a query, with how close it is.

    ``similarity``: cosine of the query to the item's best passage (absolute; None without an embedder);
    ``share``: share of the query's content words the item contains; ``passes``: it is close to the query (a
    person whose best items were all as close would be a strong match: ``_DocEvidence.passes``), so it is
    counted in words; ``score``: the calibrated score of the item as a person's only evidence."""

    kind: str  # document | answer (a question they answered helpfully) | self-asserted
    node_id: str
    title: str
    #: first author | authored | reviewed as SME | answered (marked helpful) | confirmed by them | added by them
    relation: str
    similarity: float | None
    share: float
    score: float
    passes: bool
    passage_id: str | None = None
    date: str | None = None
    passage: str | None = None  # the best passage's text, for passing items of the people returned

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class PersonMatch:
    """A person's calibrated answer to "does this person know about <text>?".

    ``score``: calibrated, 0-1, the same meaning for every query and organisation (docs/search.md, "Calibrated
    expertise"); ``match``: strong | weak | none; ``evidence``: the items behind it, passing items first, most
    similar first; ``why``: one honest line written from the passing items; ``rank``: position in the fused
    ranking that proposed the person (None when scored by name only); ``ranked``: that ranking's full record
    (its relative ``score`` orders within a query and is never shown as a strength)."""

    node_id: str
    person_id: str
    name: str
    score: float
    match: str
    why: str
    evidence: tuple[MatchedItem, ...] = ()
    features: Mapping[str, float] = field(default_factory=dict)
    title: str | None = None
    department: str | None = None
    location: str | None = None
    rank: int | None = None
    ranked: ExpertResult | None = None

    @property
    def passing(self) -> tuple[MatchedItem, ...]:
        return tuple(e for e in self.evidence if e.passes)

    def to_dict(self) -> dict[str, Any]:
        d = {k: getattr(self, k) for k in ("node_id", "person_id", "name", "score", "match", "why", "title",
                                           "department", "location", "rank")}  # fmt: skip
        d["features"] = dict(self.features)
        d["evidence"] = [e.to_dict() for e in self.evidence]
        d["rank_score"] = self.ranked.score if self.ranked is not None else None
        d["ranked_evidence"] = [e.to_dict() for e in self.ranked.evidence] if self.ranked is not None else []
        return d


@dataclass(frozen=True, slots=True)
class TopicRef:
    """A subject topic of the organisation (a Topic node that is not a document type)."""

    node_id: str
    name: str


@dataclass(frozen=True, slots=True)
class TopicMatch:
    """A person's calibrated expertise on one topic (what a profile lists)."""

    topic: TopicRef
    score: float
    match: str
    why: str
    evidence: tuple[MatchedItem, ...] = ()
    asserted: str | None = None  # confirmed | added | None (from the self-asserted source)

    def to_dict(self) -> dict[str, Any]:
        return {
            "topic_id": self.topic.node_id,
            "topic": self.topic.name,
            "score": self.score,
            "match": self.match,
            "why": self.why,
            "asserted": self.asserted,
            "evidence": [e.to_dict() for e in self.evidence],
        }


@dataclass(frozen=True, slots=True)
class TopicAssertions:
    """What a person said about their own topics (topic node ids): ``confirmed`` count as strong evidence,
    ``hidden`` are never shown for them, ``added`` are listed as self-declared (weak until evidence or a
    confirmation backs them)."""

    confirmed: frozenset[str] = frozenset()
    hidden: frozenset[str] = frozenset()
    added: frozenset[str] = frozenset()


#: The self-asserted topics source: (store, person node id) -> their assertions. i17 owns the storage.
AssertionSource = Callable[[GraphStore, str], TopicAssertions]


def no_assertions(store: GraphStore, person: str) -> TopicAssertions:
    """A source in which nobody has asserted anything (tests; what a store without statements holds)."""
    return TopicAssertions()


def stored_assertions(store: GraphStore, person: str) -> TopicAssertions:
    """The default source: the person's statements as the graph holds them (``SELF_TOPIC``, search/claims.py)."""
    mine = claims.stored_claims(store, graph_view(store)).of(person)
    return TopicAssertions(**{s: frozenset(t for t, st in mine.items() if st == s) for s in claims.STATES})


class Ranked(Protocol):
    """What an order reads of a person's answer (a :class:`PersonMatch`, or a lighter record before one is built)."""

    @property
    def node_id(self) -> str: ...
    @property
    def rank(self) -> int | None: ...
    @property
    def match(self) -> str: ...
    @property
    def score(self) -> float: ...


def _by_rank(m: Ranked) -> tuple[float, str]:
    return (m.rank if m.rank is not None else math.inf, m.node_id)


_R = TypeVar("_R", bound=Ranked)

#: The order shown ranks a text by the calibrated level first when the text reads like much of the
#: organisation's writing: its mean similarity to the reference sample of documents (the ``mu`` the calibration
#: standardises against) is at least this. A pasted company document is close to every document of its template,
#: so the fused ranking's evidence volume follows the template and the level (whose own work is close, against
#: that background) is the better order; a text that stands apart from the organisation's writing (a typed need,
#: a paper's abstract) keeps the fused order, only tilted by the level (:data:`WEAK_PLACES`). Chosen on the
#: tuning data by ``bench/shown_order.py`` (docs/search.md, "The order shown").
TEMPLATE_BACKGROUND = 0.22

#: In the fused order, a weak match is placed as if the ranking had put it this many places lower, so a strong
#: match goes ahead of a weak one ranked just above it, and people who are no match come last. Why so little: on
#: DBLP the ranking's place says more than the level (a weak match in the fused top 5 is relevant 51% of the time,
#: a strong one ranked 11th-30th 21%); 2 is the largest head start that costs the fused order nothing on DBLP's
#: tuning half (``bench/shown_order.py``).
WEAK_PLACES = 2


def shown_key(level: str, rank: float, *, by_level: bool) -> tuple[float, float, float]:
    """Sort key of the order shown for a person at ``level`` whom the fused ranking put at ``rank`` (0 = first;
    ``math.inf`` when it did not rank them). ``by_level`` (a text as close to the organisation's writing as
    :data:`TEMPLATE_BACKGROUND`): strong, then weak, then none, each in the fused order; else the fused order with
    people who are no match last and weak matches :data:`WEAK_PLACES` places lower."""
    if by_level:
        return (_LEVEL_RANK[level], rank, 0.0)
    return (float(level == NONE), rank + (WEAK_PLACES if level == WEAK else 0), rank)


#: How :func:`knows_about` may order people: ``shown`` (default: the CLI, ``--json`` and the app) =
#: :func:`shown_key`, by level for a text that reads like the organisation's own writing, else the fused order
#: tilted by the level; ``level`` = strong, then weak, then none, each in rank order; ``rank`` = the fused
#: ranking's order alone, people scored by name only after it; ``score`` = by calibrated score (a person's best
#: matches, never the volume of weak ones: reviewers).
ORDERS: dict[str, Callable[[Ranked], Any]] = {
    # the ranking's side of the order shown; answer() uses "level" for a text whose background reaches
    # TEMPLATE_BACKGROUND (shown_key's by_level side is the same key)
    "shown": lambda m: (*shown_key(m.match, _by_rank(m)[0], by_level=False), m.node_id),
    "rank": _by_rank,
    "level": lambda m: (*shown_key(m.match, _by_rank(m)[0], by_level=True), m.node_id),
    "score": lambda m: (-m.score, *_by_rank(m)),
}


_T = TypeVar("_T")


def items_shown(items: Sequence[_T], match: str, passes: Callable[[_T], bool]) -> list[_T]:
    """The evidence a reader is shown for a person: the items that pass (close to the text), or, for a strong match
    none of whose items passes alone, its three nearest (its why-line says so: :func:`why_line`). The CLI and the
    app's cards both list these (items or their ``to_dict()`` form, hence ``passes``)."""
    passing = [e for e in items if passes(e)]
    return passing or (list(items[:3]) if match == STRONG else [])


def weak_before_strong(levels: Sequence[str]) -> bool:
    """Whether, in this order, a weak match stands above a strong one (the ranking's order can do that, and the
    CLI and the app then say what the order is)."""
    seen_weak = False
    for level in levels:
        seen_weak = seen_weak or level == WEAK
        if seen_weak and level == STRONG:
            return True
    return False


def overall_match(matches: Sequence[PersonMatch]) -> str:
    """The answer for a whole query: ``strong`` if anyone is a strong match, else ``weak`` if anyone is weak,
    else ``none`` (the CLI, the API and the app then say "no strong match")."""
    levels = {m.match for m in matches}
    return STRONG if STRONG in levels else WEAK if WEAK in levels else NONE


def shown_query(text: str, n: int = 80) -> str:
    """A query as output shows it: one line, at most ``n`` characters (a pasted document is never echoed whole)."""
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


def format_score(score: float) -> str:
    """A calibrated score as people read it: two decimals are more precision than the calibration has, so one
    decimal ("0.8"), never a percentage to two places."""
    return f"{score:.1f}"


# -- reference statistics ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Reference:
    """A fixed sample of documents open to everyone: the unit vectors of their chunks with the document each
    belongs to (row -> sample document index; empty without a model), and in how many of them each content word
    occurs (for the rarity weights of the lexical share)."""

    matrix: np.ndarray
    doc_index: np.ndarray
    n_docs: int
    df: Mapping[str, int]
    built: float  # time.monotonic() when built

    def idf(self, term: str) -> float:
        """BM25's idf of a word over the sample, ``log(1 + (N - df + 0.5) / (df + 0.5))``: a word found in most
        documents ("planning", "process") says little about a match, a rare one ("succession") much."""
        df = self.df.get(term, 0)
        return math.log(1.0 + (self.n_docs - df + 0.5) / (df + 0.5))


_REF_CACHE: weakref.WeakKeyDictionary[Any, dict[str, _Reference]] = weakref.WeakKeyDictionary()
_REF_LOCK = threading.Lock()
#: a store without a read model (Neo4j) cannot say when its data changed: its sample is rebuilt after this long
_REF_TTL_S = 300.0


_TERM_CACHE: weakref.WeakKeyDictionary[Any, dict[str, frozenset[str]]] = weakref.WeakKeyDictionary()


def _term_cache(gv: GraphView) -> dict[str, frozenset[str]]:
    """Node id (a document's title, a chunk's text) -> its content words: query-independent, so kept per store
    read model (texts do not change within one data version); a per-call dict without a read model."""
    if not isinstance(gv, IndexedGraphView):
        cache: dict[str, frozenset[str]] = getattr(gv, "_wk_terms", None) or {}
        gv._wk_terms = cache  # type: ignore[attr-defined]
        return cache
    with _REF_LOCK:
        return _TERM_CACHE.setdefault(gv.index, {})


def _sample_key(doc_id: str) -> bytes:
    return hashlib.blake2b(doc_id.encode("utf-8"), digest_size=8).digest()


def _reference(store: GraphStore, gv: GraphView, model: str | None) -> _Reference:
    """The reference sample: up to 1,000 documents open to every viewer (public / internal), chosen by a hash of
    their id (deterministic, independent of the viewer and of any query), cached per store read model and model
    (a store without a read model: per store, for five minutes). Restricted documents are never in it, so it
    cannot carry information a viewer may not see."""
    indexed = isinstance(gv, IndexedGraphView)
    owner: Any = gv.index if isinstance(gv, IndexedGraphView) else store
    key = model or ""
    with _REF_LOCK:
        cached = _REF_CACHE.get(owner, {}).get(key)
    if cached is not None and (indexed or time.monotonic() - cached.built < _REF_TTL_S):
        return cached
    if isinstance(gv, IndexedGraphView):
        docs = [n for n in gv.index.nodes.values() if n.label == Label.DOCUMENT]
    else:
        docs = list(store.iter_nodes(Label.DOCUMENT.value))
    sample = sorted((d for d in docs if Viewer().can_see(d.props)), key=lambda d: _sample_key(d.id))[:_REFERENCE_DOCS]
    open_docs = [d.id for d in sample]
    chunks_of = _doc_chunks(gv, open_docs)
    ids: list[str] = []
    owner_doc: list[int] = []
    for i, did in enumerate(open_docs):
        for cid in chunks_of.get(did, ()):
            ids.append(cid)
            owner_doc.append(i)
    texts: dict[int, list[str]] = {i: [str(d.props.get("title") or "")] for i, d in enumerate(sample)}
    df: dict[str, int] = {}
    chunk_nodes = gv.nodes(ids)
    for k, cid in enumerate(ids):
        node = chunk_nodes.get(cid)
        if node is not None:
            texts[owner_doc[k]].append(str(node.props.get("text") or ""))
    for parts in texts.values():
        for t in terms.term_set(parts):
            df[t] = df.get(t, 0) + 1
    if model is not None and ids:
        found, mat = unit_item_vectors(store, gv, model, ids)
        pos = {c: owner_doc[k] for k, c in enumerate(ids)}
        index = np.array([pos[c] for c in found], dtype=np.int64)
    else:
        mat, index = np.zeros((0, 0), dtype=np.float32), np.zeros(0, dtype=np.int64)
    ref = _Reference(mat, index, len(open_docs), df, time.monotonic())
    try:
        with _REF_LOCK:
            _REF_CACHE.setdefault(owner, {})[key] = ref
    except TypeError:  # a store that cannot be weakly referenced: no cache
        pass
    return ref


def _query_reference(ref: _Reference, qvec: np.ndarray, cal: calibration.Calibration) -> tuple[float, float]:
    """Mean and spread of the query's similarity to the sample's documents (each by its best passage), shrunk
    towards the calibration's prior with ``prior_n`` pseudo-documents; the spread has a floor."""
    n = 0
    mu_s, var_s = 0.0, 0.0
    if len(ref.doc_index):
        cos = ref.matrix @ qvec
        best = np.full(ref.n_docs, -np.inf)
        np.maximum.at(best, ref.doc_index, cos)
        best = best[np.isfinite(best)]
        n = len(best)
        if n:
            mu_s, var_s = float(best.mean()), float(best.var())
    k = cal.prior_n
    mu = (n * mu_s + k * cal.prior_mu) / (n + k)
    var = (n * (var_s + (mu_s - mu) ** 2) + k * (cal.prior_sd**2 + (cal.prior_mu - mu) ** 2)) / (n + k)
    return mu, max(math.sqrt(var), cal.sd_floor)


# -- evidence of named people -------------------------------------------------------------------------------


def _doc_chunks(gv: GraphView, doc_ids: Sequence[str]) -> dict[str, list[str]]:
    """Document id -> its chunk ids (from the read model, else from each document's HAS_CHUNK relationships). A
    question is its own single passage (its text is embedded like a chunk's)."""
    questions = {d for d, n in gv.nodes(doc_ids).items() if n.label == Label.QUESTION}
    if isinstance(gv, IndexedGraphView):
        allc = gv.index.doc_chunks()
        return {d: [d] if d in questions else list(allc.get(d, ())) for d in doc_ids}
    gv.prefetch(d for d in doc_ids if d not in questions)
    out: dict[str, list[str]] = {}
    for d in doc_ids:
        if d in questions:
            out[d] = [d]
            continue
        v = gv.view(d)
        out[d] = sorted(r.end for r in (v.outgoing if v else ()) if r.type == RelType.HAS_CHUNK)
    return out


ANSWERED = "answered (marked helpful)"


def _person_documents(gv: GraphView, who: Viewer, people: Sequence[str], exclude: Collection[str]) -> dict[str, list]:
    """Person -> [(document id, relation)] of the documents they authored or reviewed, and the questions whose
    answer the asker marked helpful, that the viewer may see and that are not excluded (the first authorship
    wins over a review of the same document)."""
    gv.prefetch(people)
    rels: dict[str, dict[str, str]] = {}
    for p in people:
        v = gv.view(p)
        mine: dict[str, str] = {}
        for r in v.outgoing if v else ():
            if r.type == RelType.AUTHORED:
                mine[r.end] = "first author" if r.props.get("position") == 0 else "authored"
            elif r.type == RelType.REVIEWED:
                mine.setdefault(r.end, "reviewed as SME")
            elif r.type == RelType.ANSWERED and r.props.get("helpful"):
                mine.setdefault(r.end, ANSWERED)
        rels[p] = mine
    docs = gv.nodes({d for m in rels.values() for d in m} - set(exclude))
    return {
        p: [(d, rel) for d, rel in sorted(m.items()) if d in docs and who.can_see(docs[d].props)]
        for p, m in rels.items()
    }


def _features(
    c: Sequence[float],
    mu: float,
    sd: float,
    share: float,
    wshare: float,
    k: int,
    n_docs: int | None = None,
    lex_floor: float | None = None,
    words: int = 0,
) -> dict[str, float]:
    """The dense calibration's candidate features from a person's document similarities (best first), the
    reference statistics and the lexical shares of their best document (plain and rarity-weighted). Missing
    documents count as similarity 0. ``n_docs``: how many of ``c`` to count for the ``nz`` features (all).
    ``lex_floor``: the similarity the best document needs for its words to count (``lexg``; default: the
    shipped calibration's). ``words``: how many words the query has (``qw``)."""
    top = [*c[:k], *([0.0] * max(0, k - len(c)))]
    z = [(x - mu) / sd for x in c]
    floor = calibration.load().lex_floor if lex_floor is None else lex_floor
    return {
        "lexg": wshare if top[0] >= floor else 0.0,
        "c1": top[0],
        "c2": top[1] if k > 1 else 0.0,
        "c3": top[2] if k > 2 else 0.0,
        "zm3": (sum(top) / k - mu) / sd,
        "z1": (top[0] - mu) / sd,
        "lex": share,
        "lexw": wshare,
        "nz2": math.log1p(sum(1 for x in z if x >= 2.0)),
        "nz3": math.log1p(sum(1 for x in z if x >= 3.0)),
        "qw": float(words),
    }


def _lexical_features(shares: Sequence[float], wshares: Sequence[float], n_terms: int) -> dict[str, float]:
    s = [*sorted(shares, reverse=True), 0.0, 0.0]
    w = [*sorted(wshares, reverse=True), 0.0, 0.0]
    return {"s1": s[0], "s2": s[1], "s1w": w[0], "s2w": w[1], "nq": math.log1p(n_terms)}


class _Scored:
    """A person's calibrated score and features; their evidence items are built on first use (a count of the
    experts on a topic scores hundreds of people and shows a few)."""

    __slots__ = ("_build", "_items", "features", "score")

    def __init__(self, score: float, features: dict[str, float], build: Callable[[], list[MatchedItem]]) -> None:
        self.score = score
        self.features = features
        self._build = build
        self._items: list[MatchedItem] | None = None

    @property
    def items(self) -> list[MatchedItem]:
        if self._items is None:
            self._items = self._build()
        return self._items


@dataclass(slots=True)
class _DocEvidence:
    """How close each document is to one query: best passage similarity and id (dense), shares of the query's
    content words (plain and rarity-weighted) in its title and passage, and the query's reference statistics."""

    dense: bool
    sim: dict[str, float]
    chunk: dict[str, str | None]
    share: dict[str, float]
    wshare: dict[str, float]
    mu: float
    sd: float
    nodes: dict[str, Any]
    n_terms: int
    words: int = 0  # the query's word count

    def single(self, d: str, cal: calibration.Calibration) -> float:
        """The calibrated score of this document alone (a person with only this document)."""
        if self.dense:
            feats = _features([self.sim[d]], self.mu, self.sd, self.share[d], self.wshare[d], cal.top_k,
                              words=self.words)  # fmt: skip
            return cal.dense(feats)
        return cal.lexical(_lexical_features([self.share[d]], [self.wshare[d]], self.n_terms))

    def passes(self, d: str, cal: calibration.Calibration) -> bool:
        """Whether this document is *close* to the text, so it is counted in words ("Wrote 3 documents close to
        this"): a person whose best documents were all as close as this one would be a strong match. Why not
        :meth:`single` >= weak: that reads the document as a person's only one (its second and third best at
        similarity 0), so a strong match often rested on documents none of which passed (377 of 1,029 strong
        matches of the 132 topic names on the 2,000-document demo). With this rule a strong or weak person's
        best document passes whenever their score alone would be strong. The lexical calibration (no embedder)
        keeps :meth:`single` >= weak."""
        if self.dense:
            feats = _features([self.sim[d]] * cal.top_k, self.mu, self.sd, self.share[d], self.wshare[d], cal.top_k,
                              words=self.words)  # fmt: skip
            return cal.dense(feats) >= cal.strong
        return self.single(d, cal) >= cal.weak


def _doc_evidence(
    store: GraphStore,
    gv: GraphView,
    text: str,
    qvec: np.ndarray | None,
    model: str | None,
    doc_ids: Sequence[str],
    cal: calibration.Calibration,
) -> _DocEvidence:
    """Absolute closeness of ``doc_ids`` to ``text`` (see :class:`_DocEvidence`); a document's similarity is its
    best passage's cosine. Lexical shares read the title and the best passage (dense) or every passage."""
    qterms = terms.content_terms(text)
    chunks_of = _doc_chunks(gv, doc_ids)
    doc_nodes = gv.nodes(doc_ids)
    sim: dict[str, float] = {}
    best: dict[str, str | None] = {}
    mu, sd = 0.0, 1.0
    dense = qvec is not None and model is not None
    ref = _reference(store, gv, model if dense else None)
    if dense and ref.matrix.shape[0] == 0:  # the store has no vectors of this model: lexical evidence only
        dense, ref = False, _reference(store, gv, None)
    weight = {t: ref.idf(t) for t in qterms}
    if dense:
        assert qvec is not None and model is not None
        q = np.asarray(qvec, dtype=np.float32).ravel()
        q = q / (np.linalg.norm(q) or 1.0)
        mu, sd = _query_reference(ref, q, cal)
        chunk_ids = [c for d in doc_ids for c in chunks_of.get(d, ())]
        found, mat = unit_item_vectors(store, gv, model, chunk_ids) if chunk_ids else ([], None)
        sims = dict(zip(found, (mat @ q).tolist(), strict=True)) if found and mat is not None else {}
        for d in doc_ids:
            cs = [(sims[c], c) for c in chunks_of.get(d, ()) if c in sims]
            if cs:
                value, c = max(cs, key=lambda x: (x[0], x[1]))
                sim[d], best[d] = float(value), c
            else:
                sim[d], best[d] = 0.0, None
    share: dict[str, float] = {}
    wshare: dict[str, float] = {}
    cache = _term_cache(gv) if qterms else {}
    if qterms:
        want = [c for d in doc_ids for c in _passage_ids(d, dense, best, chunks_of) if c]
        missing = [c for c in want if c not in cache]
        for cid, node in gv.nodes(missing).items():
            cache[cid] = terms.term_set([str(node.props.get("text") or "")])
        for d in doc_ids:
            if d not in cache:
                cache[d] = terms.term_set([str(doc_nodes[d].props.get("title") or "")] if d in doc_nodes else [])
            if not dense:  # lexical only: the passage that shares most of the query's weight is the one to show
                passages = list(chunks_of.get(d, []))
                shares = [terms.weighted_share(weight, cache.get(c, frozenset())) for c in passages]
                order = sorted(range(len(passages)), key=lambda i: (-shares[i], i))
                best[d] = passages[order[0]] if order else None
    for d in doc_ids:
        found_terms: frozenset[str] = frozenset()
        if qterms:
            parts = [cache.get(c, frozenset()) for c in _passage_ids(d, dense, best, chunks_of) if c]
            found_terms = cache[d].union(*parts)
        share[d] = terms.matched_share(qterms, found_terms)
        wshare[d] = terms.weighted_share(weight, found_terms)
    return _DocEvidence(dense, sim, best, share, wshare, mu, sd, doc_nodes, len(qterms), len(text.split()))


def _passage_ids(
    d: str, dense: bool, best: Mapping[str, str | None], chunks_of: Mapping[str, list[str]]
) -> list[str | None]:
    """The passages of document ``d`` whose words count: its best passage (dense), or every passage."""
    return [best.get(d)] if dense else list(chunks_of.get(d, []))


def _score_people(
    store: GraphStore,
    gv: GraphView,
    who: Viewer,
    text: str,
    qvec: np.ndarray | None,
    model: str | None,
    people: Sequence[str],
    exclude: Collection[str],
    cal: calibration.Calibration,
) -> dict[str, _Scored]:
    """Calibrated scores and evidence of ``people`` for ``text``: a function of each person's own visible
    evidence and the query only (never of who else was retrieved), so scoring a person by name gives the same
    number as finding them in a ranking."""
    return _score_with_background(store, gv, who, text, qvec, model, people, exclude, cal)[0]


def _score_with_background(
    store: GraphStore,
    gv: GraphView,
    who: Viewer,
    text: str,
    qvec: np.ndarray | None,
    model: str | None,
    people: Sequence[str],
    exclude: Collection[str],
    cal: calibration.Calibration,
) -> tuple[dict[str, _Scored], float | None]:
    """:func:`_score_people`, and the text's background (its mean similarity to the reference documents, the
    ``mu`` the scores were standardised against; None when the evidence is lexical), computed once for both."""
    docs_of = _person_documents(gv, who, people, exclude)
    all_docs = sorted({d for ds in docs_of.values() for d, _ in ds})
    ev = _doc_evidence(store, gv, text, qvec, model, all_docs, cal)
    model_ = cal.model(ev.dense)
    out: dict[str, _Scored] = {}
    for p in people:
        ds = docs_of.get(p, [])
        if ev.dense:
            order = sorted(ds, key=lambda dr: (-ev.sim[dr[0]], dr[0]))
            b = order[0][0] if order else ""
            feats = _features([ev.sim[d] for d, _ in order], ev.mu, ev.sd, ev.share.get(b, 0.0),
                              ev.wshare.get(b, 0.0), cal.top_k, words=ev.words)  # fmt: skip
        else:
            order = sorted(ds, key=lambda dr: (-ev.wshare[dr[0]], -ev.share[dr[0]], dr[0]))
            feats = _lexical_features([ev.share[d] for d, _ in order], [ev.wshare[d] for d, _ in order], ev.n_terms)
        score = model_(feats) if ds else 0.0
        out[p] = _Scored(score, feats, partial(_items, ev, order, cal))
    return out, (ev.mu if ev.dense else None)


def _items(ev: _DocEvidence, order: Sequence[tuple[str, str]], cal: calibration.Calibration) -> list[MatchedItem]:
    """A person's evidence items (documents in ``order``, each with its single-item score), passing first."""
    items = []
    for d, rel in order:
        sim = ev.sim[d] if ev.dense else None
        items.append(_item(ev.nodes.get(d), d, rel, sim, ev.share[d], ev.single(d, cal), ev.passes(d, cal),
                           ev.chunk.get(d)))  # fmt: skip
    items.sort(key=lambda e: (not e.passes, -(e.similarity if e.similarity is not None else e.share), e.node_id))
    return items


@dataclass(frozen=True, slots=True)
class DocumentMatch:
    """How strongly one document matches a text on the calibrated scale (the document alone as evidence)."""

    doc_id: str
    score: float
    match: str
    similarity: float | None
    share: float


def score_documents(
    store: GraphStore,
    text: str,
    doc_ids: Sequence[str],
    *,
    embedder: Embedder | None,
    graph: GraphView | None = None,
    query_vector: np.ndarray | None = None,
) -> dict[str, DocumentMatch]:
    """The calibrated match of each document to ``text`` (``whoknows docs`` says "no strong match" when none is
    strong). The caller passes only documents its viewer may see (search_documents trims them first).
    ``query_vector``: the text's embedding when the caller has it."""
    cal = calibration.load()
    gv = graph or graph_view(store)
    qvec = None
    if embedder is not None:
        qvec = query_vector if query_vector is not None else longtext.query_vector(embedder, text)
    ev = _doc_evidence(store, gv, text, qvec, embedder.name if embedder else None, list(doc_ids), cal)
    out = {}
    for d in doc_ids:
        sc = ev.single(d, cal)
        out[d] = DocumentMatch(d, sc, cal.level(sc), ev.sim.get(d) if ev.dense else None, ev.share[d])
    return out


def _item(
    node: Any, did: str, rel: str, sim: float | None, share: float, single: float, passes: bool, chunk: str | None
) -> MatchedItem:
    props = node.props if node is not None else {}
    kind = "answer" if node is not None and node.label == Label.QUESTION else "document"
    return MatchedItem(
        kind, did, str(props.get("title") or props.get("key") or did), rel, sim, share, single,
        passes, passage_id=chunk, date=props.get("date"),
    )  # fmt: skip


# -- the why line -------------------------------------------------------------------------------------------


def _quote(text: str, n: int = 60) -> str:
    text = " ".join(text.split())
    return f"'{text if len(text) <= n else text[: n - 1] + '…'}'"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def why_line(text: str, level: str, items: Sequence[MatchedItem], passages: Mapping[str, str]) -> str:
    """One line that claims only what the evidence shows.

    Counts only passing items ("Wrote 3 documents close to this, incl. 'X'"; a question they answered helpfully:
    "answered 1 question close to this"); says "on '<phrase>'" only when every counted item contains that run of
    the query's words; names the best matching item by its title; never echoes the query. A weak or absent
    match says so ("Weak match: closest is 'X'"). A strong match can rest on several items none of which is close
    on its own (the score reads a person's best three); the line then says exactly that and names them, never
    "no close evidence" under a strong label. What people say about themselves is added by :func:`_with_claims`."""
    evidence = [e for e in items if e.kind in ("document", "answer")]
    passing = [e for e in evidence if e.passes]
    if not passing:
        if not evidence:
            return "No documents of theirs close to this"
        if level == STRONG:
            near = evidence[:3]
            what = f"{len(near)} items" if any(e.kind == "answer" for e in near) else _plural(len(near), "document")
            names = ", ".join(_quote(e.title, 40) for e in near)
            if len(near) == 1:
                return f"Near this, though not close on its own: {names}"
            return f"Together, not alone: {what} near this, none close on its own ({names})"
        return f"{'Weak match' if level == WEAK else 'No close evidence'}: closest is {_quote(evidence[0].title)}"
    wrote = [e for e in passing if e.kind == "document" and e.relation != "reviewed as SME"]
    reviewed = [e for e in passing if e.kind == "document" and e.relation == "reviewed as SME"]
    answered = [e for e in passing if e.kind == "answer"]
    texts = [e.title + " " + passages.get(e.passage_id or "", "") for e in passing]
    phrase = terms.shared_phrase(text, texts)
    about = f" on '{phrase}'" if phrase else " close to this"
    parts: list[str] = []
    if wrote:
        parts.append(f"Wrote {_plural(len(wrote), 'document')}{about}, incl. {_quote(wrote[0].title)}")
    if reviewed:
        parts.append(
            f"reviewed {_plural(len(reviewed), 'document')}"
            + (f"{about}, incl. {_quote(reviewed[0].title, 40)}" if not parts else "")
        )
    if answered:
        parts.append(
            f"answered {_plural(len(answered), 'question')}"
            + (f"{about}, incl. {_quote(answered[0].title, 40)}" if not parts else "")
        )
    line = "; ".join(parts)
    line = line[:1].upper() + line[1:]
    return f"Weak match: {line[:1].lower() + line[1:]}" if level != STRONG else line


# -- public API ---------------------------------------------------------------------------------------------


def _match(
    pid: str, props: Mapping[str, Any], text: str, sc: _Scored, cal: Any, passages: Mapping[str, str], **extra: Any
) -> PersonMatch:
    level = cal.level(sc.score)
    items = tuple(replace(e, passage=passages.get(e.passage_id)) if e.passes and e.passage_id else e for e in sc.items)
    return PersonMatch(
        node_id=pid,
        person_id=str(props.get("person_id") or pid.removeprefix("person:")),
        name=str(props.get("name") or pid),
        score=sc.score,
        match=level,
        why=why_line(text, level, sc.items, passages),
        evidence=items,
        features=dict(sc.features),
        title=props.get("title"),
        department=props.get("department"),
        location=props.get("location"),
        **extra,
    )


_ROLE_WORDS = {"leader": "leads", "facilitator": "facilitates", "sme": "SME in", "member": "member of"}


_SHOWN_COMPLETIONS = frozenset({"completed", "passed", "satisfied"})


def _other_evidence(ranked: ExpertResult) -> str:
    """What else the ranking found for a person whose documents do not pass (a community role or a course whose
    own text matched the query), in words; the calibrated score does not count these (docs/search.md). A course
    is named only as "completed" (passed and satisfied read the same; failed and waived are learning records only
    the person and administrators see, so they are never named here)."""
    for e in ranked.evidence:
        if e.kind == "community":
            return f"{_ROLE_WORDS.get(e.relation, e.relation)} {_quote(e.title, 40)} (a related community)"
        if e.kind == "course" and e.relation in _SHOWN_COMPLETIONS:
            return f"completed the course {_quote(e.title, 40)}"
    return ""


def _passages(gv: GraphView, scored: Mapping[str, _Scored]) -> dict[str, str]:
    ids = [e.passage_id for s in scored.values() for e in s.items if e.passes and e.passage_id]
    return {i: str(n.props.get("text") or "") for i, n in gv.nodes(ids).items()}


def _resolve_people(gv: GraphView, persons: Collection[str]) -> list[str]:
    ids = [person_node_id(p) for p in persons]
    found = gv.nodes(ids)
    missing = [p for p, i in zip(persons, ids, strict=True) if i not in found or found[i].label != Label.PERSON]
    if missing:
        raise NotFoundError(
            f"no person {', '.join(map(repr, missing))} in the store; give person_ids from the directory"
        )
    return ids


@dataclass(frozen=True, slots=True)
class Answer:
    """A search's answer: the people to show, and what holds for everyone considered (not only those shown).

    ``matches``: as :func:`knows_about` returns them; ``match``: the overall level over everyone considered;
    ``strong``: how many of them are strong matches (the header's "12 strong matches; showing 10");
    ``considered``: how many people were scored; ``order``: the order of ``matches`` as given (``shown`` is
    resolved to ``level`` or ``ranking``, so a page can say which); ``background``: the text's mean similarity
    to the organisation's reference documents (None without an embedder)."""

    matches: list[PersonMatch]
    match: str
    strong: int
    considered: int
    order: str = "level"
    background: float | None = None


@dataclass(frozen=True, slots=True)
class _Row:
    node_id: str
    rank: int | None
    match: str
    score: float


def knows_about(
    store: GraphStore,
    text: str,
    *,
    embedder: Embedder | None,
    viewer: str | Viewer | None = None,
    limit: int | None = 10,
    persons: Collection[str] = (),
    exclude: Collection[str] = (),
    filters: Mapping[str, str | None] | None = None,
    candidates: Collection[str] | None = None,
    config: RankingConfig = DEFAULT_CONFIG,
    graph: GraphView | None = None,
    order: str = "shown",
) -> list[PersonMatch]:
    """Who knows about ``text``, as seen by ``viewer``: people with a calibrated score, ``match`` level, the
    evidence behind it and an honest why-line (:func:`answer`'s ``matches``).

    ``order`` (see :data:`ORDERS`): ``shown`` (default: what the CLI, ``--json`` and the app show) orders by
    level (strong, weak, none, each in the fused ranking's order) when the text reads like the organisation's
    own writing (a pasted document: :data:`TEMPLATE_BACKGROUND`), else keeps the fused ranking's order with people
    who are no match last and weak matches :data:`WEAK_PLACES` places lower (:func:`shown_key`; on DBLP the
    fused order is the best within a query, on a pasted company document the level order; docs/search.md);
    ``level`` always orders by level; ``rank`` keeps the fused order alone; ``score`` orders by the calibrated
    score (reviewers: a person's best matches, not the volume of weak ones). The people considered are the fused
    ranking's top ``3 x limit`` (at least 30), those whose own statements bear on the text, and ``persons``;
    people the ranking did not propose who are strong matches come right after the ranked strong matches. (Why
    not everyone :func:`who_knows` considers: on DBLP's 684 authors that many more people made an out-of-scope
    query "strong" for 6% of the queries instead of 4%, docs/search.md.)

    ``limit``: how many people (None: every person considered, e.g. to count the experts on a topic).
    ``persons``: person ids to score whatever the ranking says (always returned, even with no evidence, unless
    they opted out or left; they do not count towards ``limit``). ``exclude``: item ids whose evidence must not
    count (a reviewed document itself). ``filters``, ``candidates`` (a pool of person node ids to rank among) and
    ``config`` as for :func:`search.ranking.find_experts` (``config`` decides the typed / long mode of the
    ranking). Without an ``embedder`` the search is lexical only and the lexical calibration applies."""
    return answer(
        store, text, embedder=embedder, viewer=viewer, limit=limit, persons=persons, exclude=exclude, filters=filters,
        candidates=candidates, config=config, graph=graph, order=order,
    ).matches  # fmt: skip


def answer(
    store: GraphStore,
    text: str,
    *,
    embedder: Embedder | None,
    viewer: str | Viewer | None = None,
    limit: int | None = 10,
    persons: Collection[str] = (),
    exclude: Collection[str] = (),
    filters: Mapping[str, str | None] | None = None,
    candidates: Collection[str] | None = None,
    config: RankingConfig = DEFAULT_CONFIG,
    graph: GraphView | None = None,
    order: str = "shown",
) -> Answer:
    """:func:`knows_about` with the counts a header needs (:class:`Answer`); the same arguments."""
    if limit is not None and limit < 1:
        raise SearchError(f"limit must be at least 1, got {limit}")
    if not text.strip():
        raise SearchError("the query is empty; type what you need, e.g. 'contract negotiation with utilities'")
    if order not in ORDERS:
        raise SearchError(f"unknown order {order!r}; expected one of: {', '.join(ORDERS)}")
    cal = calibration.load()
    gv = graph or graph_view(store)
    who = load_viewer(store, viewer)
    named = _resolve_people(gv, persons)
    qvec = longtext.query_vector(embedder, text) if embedder is not None else None
    model = embedder.name if embedder is not None else None
    fetch = 100_000 if limit is None else max(limit * _CANDIDATES_PER_RESULT, _MIN_CANDIDATES)
    ranked = find_experts(
        store, embedder, text, viewer=who, filters=filters, limit=fetch, exclude=exclude, candidates=candidates,
        config=config, graph=gv, query_vector=qvec,
    )  # fmt: skip
    by_id = {r.node_id: (i, r) for i, r in enumerate(ranked)}
    said = _said(store, gv, who, text, qvec, embedder, exclude, cal)
    extra = _within(gv, said.extra, filters, candidates)
    people = list(dict.fromkeys([r.node_id for r in ranked] + named + extra))
    props = {p: n.props for p, n in gv.nodes(people).items()}
    people = [p for p in people if p in props and person_visible(props[p]) and p not in said.hidden]
    scored, background = _score_with_background(store, gv, who, text, qvec, model, people, exclude, cal)
    rows = []
    for p in people:
        sc = max(scored[p].score, cal.strong) if p in said.confirmed else scored[p].score
        rows.append(_Row(p, by_id.get(p, (None, None))[0], STRONG if p in said.confirmed else cal.level(sc), sc))
    resolved = order
    if order == "shown":  # without the model's vectors there is no background: the level order, as before
        resolved = "level" if background is None or background >= TEMPLATE_BACKGROUND else "ranking"
    rows.sort(key=ORDERS["level" if resolved == "level" else order])
    if order == "rank" or resolved == "ranking":
        rows = _lift_unranked_strong(rows, set(extra))
    if limit is not None:
        named_set = set(named)
        keep = {r.node_id for r in [r for r in rows if r.node_id not in named_set][:limit]} | named_set
        rows = [r for r in rows if r.node_id in keep]
    passages = _passages(gv, {r.node_id: scored[r.node_id] for r in rows})
    matches = []
    for row in rows:
        p = row.node_id
        rank, res = by_id.get(p, (None, None))
        m = _match(p, props[p], text, scored[p], cal, passages, rank=rank, ranked=res)
        if not m.passing and res is not None and (other := _other_evidence(res)):
            m = replace(m, why=f"{m.why}; {other}")
        matches.append(_with_claims(m, text, said.confirmed.get(p, ()), said.added.get(p, ()), cal))
    levels = {STRONG if p in said.confirmed else cal.level(scored[p].score) for p in people}
    overall = STRONG if STRONG in levels else WEAK if WEAK in levels else NONE
    strong = sum(1 for p in people if p in said.confirmed or cal.level(scored[p].score) == STRONG)
    return Answer(matches, overall, strong, len(people), resolved, background)


def score_people(
    store: GraphStore,
    text: str,
    persons: Collection[str],
    *,
    embedder: Embedder | None,
    viewer: str | Viewer | None = None,
    exclude: Collection[str] = (),
    graph: GraphView | None = None,
) -> list[PersonMatch]:
    """The calibrated answer for named people only (no ranking is run): the same numbers :func:`knows_about`
    gives them. People who opted out or left, or who hid a topic the text matches, are left out."""
    if not text.strip():
        raise SearchError("the text is empty; give what the people should know about")
    cal = calibration.load()
    gv = graph or graph_view(store)
    who = load_viewer(store, viewer)
    people = _resolve_people(gv, persons)
    props = {p: n.props for p, n in gv.nodes(people).items()}
    qvec = longtext.query_vector(embedder, text) if embedder is not None else None
    said = _said(store, gv, who, text, qvec, embedder, exclude, cal)
    people = [p for p in dict.fromkeys(people) if person_visible(props[p]) and p not in said.hidden]
    scored = _score_people(store, gv, who, text, qvec, embedder.name if embedder else None, people, exclude, cal)
    passages = _passages(gv, scored)
    out = [_with_claims(_match(p, props[p], text, scored[p], cal, passages), text, said.confirmed.get(p, ()),
                        said.added.get(p, ()), cal) for p in people]  # fmt: skip
    out.sort(key=lambda m: (-m.score, m.node_id))
    return out


def _slug(name: str) -> str:
    return "-".join(name.strip().lower().replace("_", " ").split())


def is_document_type(name: str) -> bool:
    """Whether a tag names a kind of document (FAQ, checklist, how-to guide, ...) rather than a subject."""
    return _slug(name) in DOCUMENT_TYPES


def subject_topics(
    store: GraphStore, *, viewer: str | Viewer | None = None, graph: GraphView | None = None
) -> list[TopicRef]:
    """The organisation's topics people can know about, by name: Topic nodes that are not document types and
    that something the viewer may see is about (a readable document, a course or a community): a tag used only
    on documents the viewer may not read is not a topic for them (``None``: the view every viewer shares)."""
    gv = graph or graph_view(store)
    who = load_viewer(store, viewer)
    if isinstance(gv, IndexedGraphView):
        nodes = [n for n in gv.index.nodes.values() if n.label == Label.TOPIC]
    else:
        nodes = list(store.iter_nodes(Label.TOPIC.value))
    refs = [TopicRef(n.id, str(n.props.get("name") or n.id)) for n in nodes]
    refs = [t for t in refs if not is_document_type(t.name)]
    gv.prefetch([t.node_id for t in refs])
    sources: dict[str, list[str]] = {}
    for t in refs:
        v = gv.view(t.node_id)
        sources[t.node_id] = [r.start for r in (v.incoming if v else ()) if r.type == RelType.ABOUT]
    src_nodes = gv.nodes({s for ss in sources.values() for s in ss})

    def in_view(tid: str) -> bool:
        for s in sources[tid]:
            n = src_nodes.get(s)
            if n is not None and (n.label != Label.DOCUMENT or who.can_see(n.props)):
                return True
        return False

    return sorted((t for t in refs if in_view(t.node_id)), key=lambda t: (t.name.lower(), t.node_id))


def _topic(store: GraphStore, gv: GraphView, topic: str | TopicRef) -> TopicRef:
    if isinstance(topic, TopicRef):
        return topic
    tid = topic if topic.startswith("topic:") else None
    for t in subject_topics(store, graph=gv):
        if t.node_id == tid or t.name.lower() == topic.strip().lower():
            return t
    if tid is None:
        return TopicRef("", topic.strip())  # free text: a topic no document is tagged with yet
    raise NotFoundError(f"no subject topic {topic!r} in the store (document types such as FAQ are not topics)")


def _proposed(
    store: GraphStore,
    gv: GraphView,
    who: Viewer,
    text: str,
    qvec: np.ndarray | None,
    model: str | None,
    config: RankingConfig,
    exclude: Collection[str],
) -> list[str]:
    """Everyone the ranking's retrieval would consider for ``text``: the authors and reviewers of the documents
    it retrieves (same retrieval as :func:`search.ranking.find_experts`: depth, fusion, feedback, permission
    trim), without the ranking's aggregation. A person with no retrieved document has no document within the
    retrieval depth of the text, so cannot be a strong match unless the depth is exhausted by closer documents."""
    cfg = config.for_query(text)
    items = retrieve(
        store, text, qvec, model, depth=cfg.depth, keep=make_keep(gv, who, set(exclude)), fusion=cfg.fusion,
        dense_weight=cfg.dense_weight, minmax=cfg.minmax, prf_k=cfg.prf_k, prf_weight=cfg.prf_weight,
        prf_min_ratio=cfg.prf_min_ratio, graph=gv,
    )  # fmt: skip
    docs = list(dict.fromkeys(gv.doc_of([r.id for r in items if r.label == Label.CHUNK]).values()))
    gv.prefetch(docs)
    people: dict[str, None] = {}
    for d in docs:
        v = gv.view(d)
        for r in v.incoming if v else ():
            if r.type in (RelType.AUTHORED, RelType.REVIEWED):
                people.setdefault(r.start)
    return list(people)


def who_knows(
    store: GraphStore,
    text: str,
    *,
    embedder: Embedder | None,
    viewer: str | Viewer | None = None,
    exclude: Collection[str] = (),
    min_match: str = STRONG,
    config: RankingConfig = DEFAULT_CONFIG,
    graph: GraphView | None = None,
) -> list[PersonMatch]:
    """Everyone whose match on ``text`` is at least ``min_match`` (``strong`` by default: "the people who know
    about it"), by calibrated score, best first. The fast path for counting and thresholding (spread's knowers,
    the risk page's experts per topic): the people are those the ranking's retrieval proposes (:func:`_proposed`)
    and those whose own statements bear on the text (:func:`_said`), scored like :func:`knows_about` scores them
    (same numbers), without the fused ranking's aggregation."""
    if not text.strip():
        raise SearchError("the text is empty; give what the people should know about")
    if min_match not in LEVELS:
        raise SearchError(f"unknown match level {min_match!r}; expected one of: {', '.join(LEVELS)}")
    cal = calibration.load()
    gv = graph or graph_view(store)
    who = load_viewer(store, viewer)
    qvec = longtext.query_vector(embedder, text) if embedder is not None else None
    model = embedder.name if embedder is not None else None
    said = _said(store, gv, who, text, qvec, embedder, exclude, cal)
    people = list(dict.fromkeys(_proposed(store, gv, who, text, qvec, model, config, exclude) + said.extra))
    props = {p: n.props for p, n in gv.nodes(people).items()}
    people = [p for p in people if p in props and person_visible(props[p]) and p not in said.hidden]
    scored = _score_people(store, gv, who, text, qvec, model, people, exclude, cal)
    floor = _LEVEL_RANK[min_match]
    keep = [p for p in people if p in said.confirmed or _LEVEL_RANK[cal.level(scored[p].score)] <= floor]
    passages = _passages(gv, {p: scored[p] for p in keep})
    out = [_with_claims(_match(p, props[p], text, scored[p], cal, passages), text, said.confirmed.get(p, ()),
                        said.added.get(p, ()), cal) for p in keep]  # fmt: skip
    out.sort(key=ORDERS["score"])
    return out


def experts_for_topic(
    store: GraphStore,
    topic: str | TopicRef,
    *,
    embedder: Embedder | None,
    viewer: str | Viewer | None = None,
    assertions: AssertionSource | None = None,
    graph: GraphView | None = None,
) -> list[PersonMatch]:
    """The strong and weak matches on a topic (its name as the text, :func:`who_knows`), strong first, each by
    calibrated score; the basis of the Knowledge risk page's bus factor ("the only expert on X" = the only strong
    match). A person who confirmed the topic (or one it matches) is a strong match; one who hid it is left out;
    both from the stored statements, like every search. ``assertions``: another source to apply on top (tests)."""
    gv = graph or graph_view(store)
    ref = _topic(store, gv, topic)
    matches = who_knows(store, ref.name, embedder=embedder, viewer=viewer, min_match=WEAK, graph=gv)
    out = []
    cal = calibration.load()
    for m in matches:
        a = assertions(store, m.node_id) if ref.node_id and assertions is not None else TopicAssertions()
        if ref.node_id in a.hidden:
            continue
        if ref.node_id in a.confirmed and not any(e.kind == "self-asserted" and e.passes for e in m.evidence):
            m = _with_claims(m, ref.name, (ref,), (), cal)
        out.append(m)
    out.sort(key=lambda m: (_LEVEL_RANK[m.match], -m.score, m.node_id))
    return out


# -- what people say about themselves ------------------------------------------------------------------------


@dataclass(slots=True)
class _Said:
    """What people said about themselves that bears on one text: who confirmed or added a topic it matches, who
    hid one (never named for it), and who answered, helpfully, a question at least weakly matching it."""

    confirmed: dict[str, list[TopicRef]]
    added: dict[str, list[TopicRef]]
    hidden: set[str]
    answerers: set[str]

    @property
    def extra(self) -> list[str]:
        """People to score whatever the ranking proposed (they have evidence of their own on the text)."""
        return sorted((set(self.confirmed) | set(self.added) | self.answerers) - self.hidden)


def _name_vector(embedder: Embedder | None) -> Callable[[str], np.ndarray] | None:
    return partial(_embed_cached, embedder) if embedder is not None else None


def _said(
    store: GraphStore,
    gv: GraphView,
    who: Viewer,
    text: str,
    qvec: np.ndarray | None,
    embedder: Embedder | None,
    exclude: Collection[str],
    cal: calibration.Calibration,
) -> _Said:
    """The statements (search/claims.py) that bear on ``text``, and the helpful answers close to it."""
    cl = claims.stored_claims(store, gv)
    matched = claims.topic_matches(text, qvec, cl.names, _name_vector(embedder)) if cl.by_person else set()
    confirmed: dict[str, list[TopicRef]] = {}
    added: dict[str, list[TopicRef]] = {}
    hidden: set[str] = set()
    for person, mine in cl.by_person.items():
        for tid, state in sorted(mine.items()):
            if tid not in matched:
                continue
            ref = TopicRef(tid, cl.names.get(tid, tid))
            if state == "hidden":
                hidden.add(person)
            else:
                (confirmed if state == "confirmed" else added).setdefault(person, []).append(ref)
    answerers: set[str] = set()
    nodes = gv.nodes([q for q in cl.answered if q not in exclude])
    questions = [q for q, n in nodes.items() if who.can_see(n.props)]
    if questions:
        ev = _doc_evidence(store, gv, text, qvec, embedder.name if embedder else None, questions, cal)
        for q in questions:
            if ev.single(q, cal) >= cal.weak:
                answerers.update(cl.answered[q])
    return _Said(confirmed, added, hidden, answerers)


def _within(
    gv: GraphView, people: Sequence[str], filters: Mapping[str, str | None] | None, candidates: Collection[str] | None
) -> list[str]:
    """``people`` within the search's candidate pool and filters (as the ranking applies them), in order."""
    flt = _check_filters(filters)
    pool = set(candidates) if candidates is not None else None
    people = [p for p in dict.fromkeys(people) if pool is None or p in pool]
    nodes = gv.nodes(people)
    return [p for p in people if p in nodes and (not flt or _matches_filters(gv, p, nodes[p].props, flt))]


def _topics_named(refs: Sequence[TopicRef]) -> str:
    names = [_quote(r.name, 40) for r in refs[:2]]
    more = f" and {len(refs) - 2} more" if len(refs) > 2 else ""
    return f"{'topic' if len(refs) == 1 else 'topics'} {' and '.join(names)}{more}"


def _with_claims(
    m: PersonMatch, text: str, confirmed: Sequence[TopicRef], added: Sequence[TopicRef], cal: Any
) -> PersonMatch:
    """A match with what the person said about themselves: a confirmed topic makes it strong ("Topic 'X'
    confirmed by them", then their passing evidence); an added topic leaves the score to the evidence and is
    named after it ("...; topic 'X' added by them")."""
    if confirmed:
        items = tuple(MatchedItem("self-asserted", r.node_id, r.name, "confirmed by them", None, 1.0, cal.strong,
                                  True) for r in confirmed)  # fmt: skip
        passages = {e.passage_id: e.passage for e in m.evidence if e.passage_id and e.passage}
        evidence = why_line(text, STRONG, m.evidence, passages) if m.passing else ""
        said = _topics_named(confirmed) + " confirmed by them"
        why = said[:1].upper() + said[1:] + (f"; {evidence[:1].lower() + evidence[1:]}" if evidence else "")
        m = replace(m, score=max(m.score, cal.strong), match=STRONG, why=why, evidence=(*items, *m.evidence))
        added = [r for r in added if r not in confirmed]
    if added:
        items = tuple(MatchedItem("self-asserted", r.node_id, r.name, "added by them", None, 1.0, 0.0, False)
                      for r in added)  # fmt: skip
        m = replace(m, why=f"{m.why}; {_topics_named(added)} added by them", evidence=(*m.evidence, *items))
    return m


def _lift_unranked_strong(matches: list[_R], extra: set[str]) -> list[_R]:
    """In the fused (or shown, by ranking) order, people the ranking did not propose (``extra``) who are strong
    matches (by their documents or their own statements) go after the first run of ranked strong matches, before
    everyone else (else a limit would cut them off while showing weaker people)."""
    lifted = sorted((m for m in matches if m.rank is None and m.node_id in extra and m.match == STRONG),
                    key=lambda m: (-m.score, m.node_id))  # fmt: skip
    if not lifted:
        return matches
    ids = {m.node_id for m in lifted}
    rest = [m for m in matches if m.node_id not in ids]
    at = next((i for i, m in enumerate(rest) if m.rank is None or m.match != STRONG), len(rest))
    return rest[:at] + lifted + rest[at:]


_QVEC_CACHE: dict[tuple[str, str], np.ndarray] = {}
_QVEC_MAX = 4096


def _embed_cached(embedder: Embedder, text: str) -> np.ndarray:
    """A topic name's embedding, memoised per model (a profile scores the person on every topic name)."""
    key = (embedder.name, text)
    vec = _QVEC_CACHE.get(key)
    if vec is None:
        if len(_QVEC_CACHE) >= _QVEC_MAX:
            _QVEC_CACHE.clear()
        vec = _QVEC_CACHE[key] = longtext.query_vector(embedder, text)
    return vec


def person_topics(
    store: GraphStore,
    person: str,
    *,
    embedder: Embedder | None,
    viewer: str | Viewer | None = None,
    assertions: AssertionSource | None = None,
    graph: GraphView | None = None,
    include_weak: bool = True,
) -> list[TopicMatch]:
    """A person's topics as a profile lists them, strongest first: the person scored on **every** subject topic
    the viewer may know of (its name as the text, the calibrated function search uses), so the profile agrees
    with :func:`experts_for_topic` (the risk page) and with search on the topic's name: a topic is listed as
    strong exactly when the person is a strong match for it there. Their statements apply as in search (a topic
    matching one they confirmed is strong, one matching a topic they hid is never shown; topics they added or
    confirmed are listed even when no document is tagged with them; ``asserted`` says which). ``assertions``:
    their statements (default: as stored, :func:`stored_assertions`). Document types (FAQ, checklist, ...) are
    never topics. ``include_weak``: also list topics with only weak evidence (their ``match`` says so)."""
    gv = graph or graph_view(store)
    who = load_viewer(store, viewer)
    pid = _resolve_people(gv, [person])[0]
    node = gv.nodes([pid])[pid]
    if not person_visible(node.props) and who.node_id != pid:
        return []
    a = (assertions or stored_assertions)(store, pid)
    claimed = gv.nodes(sorted(a.confirmed | a.hidden | a.added))
    names = {t: str(n.props.get("name") or t) for t, n in claimed.items()}
    cal = calibration.load()
    model = embedder.name if embedder is not None else None
    refs = subject_topics(store, viewer=who, graph=gv)
    known = {t.node_id for t in refs}
    refs += [TopicRef(t, names[t]) for t in sorted((a.confirmed | a.added) - known) if t in names
             and not is_document_type(names[t])]  # fmt: skip
    out = []
    for ref in refs:
        qvec = _embed_cached(embedder, ref.name) if embedder is not None else None
        matched = claims.topic_matches(ref.name, qvec, names, _name_vector(embedder)) | {ref.node_id}
        if matched & a.hidden:
            continue
        confirmed = [TopicRef(t, names.get(t, t)) for t in sorted(matched & a.confirmed)]
        added = [TopicRef(t, names.get(t, t)) for t in sorted(matched & a.added)]
        sc = _score_people(store, gv, who, ref.name, qvec, model, [pid], (), cal)[pid]
        asserted = "confirmed" if ref.node_id in a.confirmed else "added" if ref.node_id in a.added else None
        level = STRONG if confirmed else cal.level(sc.score)
        if level == NONE and asserted is None:
            continue
        if level == WEAK and not include_weak and asserted is None:
            continue
        pm = _with_claims(_match(pid, node.props, ref.name, sc, cal, _passages(gv, {pid: sc})), ref.name,
                          confirmed, added, cal)  # fmt: skip
        out.append(TopicMatch(ref, pm.score, pm.match, pm.why, pm.evidence, asserted))
    out.sort(key=lambda t: (_LEVEL_RANK[t.match], -t.score, t.topic.name.lower()))
    return out
