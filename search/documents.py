"""Knowledge-asset search: documents ranked for a query, each with its best matching passage.

Same retrieval as expert search (BM25 + dense over chunks, fused, permission-trimmed before scoring). A
document's score is its best chunk's fused score plus a small bonus for further matching chunks, so a focused
passage beats a long document that mentions the words everywhere, and ties go to the document with more support.
Authors who opted out or left are not named.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from graph.schema import Label, RelType
from graph.store import GraphStore
from search import longtext
from search.embedder import Embedder
from search.index import graph_view
from search.permissions import Viewer, load_viewer, person_visible
from search.ranking import DEFAULT_CONFIG, RankingConfig, make_keep
from search.retrieval import retrieve
from whoknows.errors import SearchError

EXTRA_CHUNK_BONUS = 0.1  # each further matching chunk adds 10% of its score


@dataclass(slots=True)
class DocumentResult:
    doc_id: str
    title: str
    score: float
    passage: str
    passage_id: str
    heading: str | None = None
    authors: list[str] = field(default_factory=list)
    date: str | None = None
    url: str | None = None
    visibility: str | None = None
    community: str | None = None
    matching_chunks: int = 1
    # calibrated match of this document alone to the query (search/expertise.py): what is shown and thresholded;
    # ``score`` above only orders the list
    match_score: float = 0.0
    match: str = "none"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def search_documents(
    store: GraphStore,
    embedder: Embedder | None,
    query: str,
    *,
    viewer: str | Viewer | None = None,
    limit: int = 10,
    config: RankingConfig = DEFAULT_CONFIG,
) -> list[DocumentResult]:
    """Documents the viewer may see, best first, each with its best passage and its calibrated ``match``
    (strong / weak / none: the same scale as expert search, so "no strong match" means the same)."""
    if limit < 1:
        raise SearchError(f"limit must be at least 1, got {limit}")
    gv = graph_view(store)
    who = load_viewer(store, viewer)
    qvec = longtext.query_vector(embedder, query) if embedder is not None else None
    items = retrieve(
        store, query, qvec, embedder.name if embedder is not None else None,
        labels=(Label.CHUNK,), depth=max(config.documents_depth, 5 * limit), keep=make_keep(gv, who, set()),
        fusion=config.fusion, dense_weight=config.dense_weight, minmax=config.minmax,
    )  # fmt: skip
    doc_of = gv.doc_of([r.id for r in items])
    grouped: dict[str, list[tuple[str, float]]] = {}
    for r in items:
        did = doc_of.get(r.id)
        if did is not None:
            grouped.setdefault(did, []).append((r.id, r.score))
    scored = sorted(
        ((did, cs[0][1] + EXTRA_CHUNK_BONUS * sum(s for _, s in cs[1:]), cs) for did, cs in grouped.items()),
        key=lambda t: (-t[1], t[0]),
    )[:limit]
    chunks = gv.nodes([cs[0][0] for _, _, cs in scored])
    gv.prefetch([did for did, _, _ in scored])
    out = []
    for did, score, cs in scored:
        view = gv.view(did)
        if view is None:
            continue
        props = view.node.props
        author_ids = [r.start for r in sorted(view.incoming, key=lambda r: r.props.get("position") or 0)
                      if r.type == RelType.AUTHORED]  # fmt: skip
        people = gv.nodes(author_ids)
        authors = [str(people[a].props.get("name") or a) for a in author_ids
                   if a in people and person_visible(people[a].props)]  # fmt: skip
        chunk = chunks.get(cs[0][0])
        out.append(
            DocumentResult(
                doc_id=did,
                title=str(props.get("title") or props.get("key") or did),
                score=score,
                passage=str(chunk.props.get("text") or "") if chunk else "",
                passage_id=cs[0][0],
                heading=chunk.props.get("heading") if chunk else None,
                authors=authors,
                date=props.get("date"),
                url=props.get("url"),
                visibility=props.get("visibility"),
                community=props.get("community"),
                matching_chunks=len(cs),
            )
        )
    from search.expertise import score_documents  # expertise imports ranking, which this module's callers use

    matches = score_documents(store, query, [d.doc_id for d in out], embedder=embedder, graph=gv, query_vector=qvec)
    for d in out:
        d.match_score, d.match = matches[d.doc_id].score, matches[d.doc_id].match
    return out
