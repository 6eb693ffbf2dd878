"""Who could review this knowledge asset? Expert search with a document as the query, without its own authors.

Why a separate entry point: a reviewer must know the asset's *topic* and must not be one of its authors, and the
asset itself (if it is already ingested) must not count as anyone's evidence. The ranking is the long-query
("document as query") mode of :mod:`search.ranking` applied whatever the text's length (``THOROUGH_CONFIG``:
depth 2,000, document score regularisation, power 2, α 0.5 / c 10), the mode measured on the DBLP expert-finding
collection, whose queries are exactly this task (docs/search.md, "Long queries").
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from graph.schema import Label, RelType
from graph.store import GraphStore
from ingest.identity import IdentityIndex
from ingest.records import DocumentRecord
from search.embedder import Embedder
from search.evidence import ExpertResult
from search.permissions import Viewer
from search.ranking import THOROUGH_CONFIG, RankingConfig, find_experts
from whoknows.errors import SearchError


@dataclass(frozen=True, slots=True)
class Asset:
    """A knowledge asset to find reviewers for: its text, its authors (person node ids) and the store documents
    that are this same asset (their evidence must not count)."""

    text: str
    authors: frozenset[str] = frozenset()
    documents: frozenset[str] = frozenset()


def asset_from_record(store: GraphStore, record: DocumentRecord) -> Asset:
    """An :class:`Asset` from a document read by the ingest readers (``ingest.documents.read_document``).

    Its author references are resolved the way the ingest resolves them (e-mail, id, ... through
    :class:`ingest.identity.IdentityIndex`); a store document with the same ``content_hash`` is the same asset
    already ingested, so it is excluded and its authors are the asset's authors too."""
    identity = IdentityIndex.from_store(store)
    authors = {pid for ref in record.authors if (pid := identity.resolve(ref)) is not None}
    same = {n.id for n in store.iter_nodes(Label.DOCUMENT.value) if n.props.get("content_hash") == record.content_hash}
    for did in same:
        view = store.get_node(did)
        authors |= {r.start for r in (view.incoming if view else ()) if r.type == RelType.AUTHORED}
    return Asset(record.text, frozenset(authors), frozenset(same))


def find_reviewers(
    store: GraphStore,
    embedder: Embedder | None,
    asset: Asset,
    *,
    viewer: str | Viewer | None = None,
    limit: int = 10,
    exclude_people: Collection[str] = (),
    config: RankingConfig = THOROUGH_CONFIG,
) -> list[ExpertResult]:
    """People who could review ``asset``, best first, with their evidence; never its authors (nor
    ``exclude_people``), and the asset's own store documents never count as evidence.

    Exact: the top ``limit + |excluded people|`` of the ranking, minus the excluded people, is the top ``limit``
    of everyone else (the ranking of the others does not depend on who is left out)."""
    if limit < 1:
        raise SearchError(f"limit must be at least 1, got {limit}")
    if not asset.text.strip():
        raise SearchError("the asset has no text to search with; give a document with body text")
    skip = set(asset.authors) | set(exclude_people)
    results = find_experts(
        store, embedder, asset.text, viewer=viewer, limit=limit + len(skip), exclude=asset.documents, config=config
    )
    return [r for r in results if r.node_id not in skip][:limit]
