"""Who could review this knowledge asset? Expert search with a document as the query, without its own authors.

Why a separate entry point: a reviewer must know the asset's *topic* and must not be one of its authors, and the
asset itself (if it is already ingested) must not count as anyone's evidence. Candidates come from the
long-query ("document as query") mode of :mod:`search.ranking` (``THOROUGH_CONFIG``), and they are ordered by
the calibrated score of :mod:`search.expertise` (``order="score"``): a person's *best* matches, so a prolific
author of unrelated work cannot outrank someone whose documents are close to the draft (docs/search.md,
"Reviewers"). Each reviewer carries the same strong / weak / none match as search, so "no strong match" means
the same thing here.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from graph.schema import Label, RelType
from graph.store import GraphStore
from ingest.identity import IdentityIndex
from ingest.records import DocumentRecord
from search.embedder import Embedder
from search.expertise import PersonMatch, knows_about
from search.permissions import Viewer
from search.ranking import THOROUGH_CONFIG, RankingConfig
from search.retrieval import GraphView
from whoknows.errors import SearchError

#: fused candidates considered per reviewer asked for, before the calibrated order (at least ``_MIN_POOL``)
_POOL_PER_RESULT = 5
_MIN_POOL = 50


@dataclass(frozen=True, slots=True)
class Asset:
    """A knowledge asset to find reviewers for: its text, its authors (person node ids), the store documents
    that are this same asset (their evidence must not count), a name for output (its file) and its title (what
    the output says the reviewers are for: a draft's text starts with markup, "# Title **Status: ...**"). Author
    references the ingest's identity rules cannot resolve are reported, never silently dropped: ``by_name``
    (matched only by a person's exact name: left out to be safe, and warned about) and ``unresolved`` (match
    nobody: warned)."""

    text: str
    authors: frozenset[str] = frozenset()
    documents: frozenset[str] = frozenset()
    unresolved: tuple[str, ...] = ()
    by_name: tuple[str, ...] = ()
    name: str = ""
    title: str = ""


class AuthorResolver:
    """Resolves a draft's author references once per store: the ingest's :class:`IdentityIndex` (e-mail, id,
    user name, ...), then, for a reference it cannot resolve, a person whose name is exactly that text (one
    person only; the same name twice resolves to nobody). Build once for a folder of drafts."""

    def __init__(self, store: GraphStore) -> None:
        self.identity = IdentityIndex.from_store(store)
        names: dict[str, list[str]] = {}
        for n in store.iter_nodes(Label.PERSON.value):
            name = " ".join(str(n.props.get("name") or "").split()).lower()
            if name:
                names.setdefault(name, []).append(n.id)
        self.names = {k: v[0] for k, v in names.items() if len(v) == 1}

    def by_name(self, ref: object) -> str | None:
        value = str(getattr(ref, "value", ref))
        return self.names.get(" ".join(value.split()).lower())


def asset_from_record(store: GraphStore, record: DocumentRecord, *, resolver: AuthorResolver | None = None) -> Asset:
    """An :class:`Asset` from a document read by the ingest readers (``ingest.documents.read_document``).

    Its author references are resolved the way the ingest resolves them (e-mail, id, ... through
    :class:`ingest.identity.IdentityIndex`), else by a person's exact name (:class:`AuthorResolver`; pass one to
    reuse it over many drafts); what still matches nobody is kept in ``unresolved`` so the caller can warn. A
    store document with the same ``content_hash`` is the same asset already ingested, so it is excluded and its
    authors are the asset's authors too."""
    resolver = resolver or AuthorResolver(store)
    authors: set[str] = set()
    unresolved: list[str] = []
    by_name: list[str] = []
    for ref in record.authors:
        pid = resolver.identity.resolve(ref)
        if pid is None and (pid := resolver.by_name(ref)) is not None:
            by_name.append(str(ref.value))
        if pid is None:
            unresolved.append(str(ref.value))
        else:
            authors.add(pid)
    same = {n.id for n in store.iter_nodes(Label.DOCUMENT.value) if n.props.get("content_hash") == record.content_hash}
    for did in same:
        view = store.get_node(did)
        authors |= {r.start for r in (view.incoming if view else ()) if r.type == RelType.AUTHORED}
    return Asset(record.text, frozenset(authors), frozenset(same), tuple(unresolved), tuple(by_name), record.doc_key,
                 record.title.strip())  # fmt: skip


def asset_from_text(text: str, name: str = "text") -> Asset:
    """An :class:`Asset` from plain text (a pasted draft or stdin): no authors known, nothing in the store."""
    return Asset(text, name=name)


def find_reviewers(
    store: GraphStore,
    embedder: Embedder | None,
    asset: Asset,
    *,
    viewer: str | Viewer | None = None,
    limit: int = 10,
    exclude_people: Collection[str] = (),
    config: RankingConfig = THOROUGH_CONFIG,
    graph: GraphView | None = None,
) -> list[PersonMatch]:
    """People who could review ``asset``, best calibrated score first, with their evidence and match level;
    never its authors (nor ``exclude_people``), and the asset's own store documents never count as evidence.

    The people considered are the fused long-mode ranking's top ``max(5 x limit, 50)`` (plus those left out,
    so leaving people out never shrinks the pool); they are then ordered by their calibrated score."""
    if limit < 1:
        raise SearchError(f"limit must be at least 1, got {limit}")
    if not asset.text.strip():
        raise SearchError("the asset has no text to search with; give a document with body text")
    skip = set(asset.authors) | set(exclude_people)
    pool = max(_POOL_PER_RESULT * limit, _MIN_POOL) + len(skip)
    matches = knows_about(
        store, asset.text, embedder=embedder, viewer=viewer, limit=pool, exclude=asset.documents, config=config,
        graph=graph, order="score",
    )  # fmt: skip
    return [m for m in matches if m.node_id not in skip][:limit]
