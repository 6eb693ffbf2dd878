"""Where a piece of evidence came from, as something a person can open: a document's source URL (manifest or
front matter ``url``), else a permission-checked download of the file that was ingested; a course's address
when its id is a web URL (an xAPI activity IRI usually is) or the source gives a ``url``; a community's
``url`` when the source gives one.

Links are built only from these declared fields, with :func:`whoknows.webapp.contact.safe_url` (web URLs
only: a ``javascript:`` or ``file:`` URL in a manifest is never a link). A document without a URL links to the
app's own Document page, which offers the stored file.

The stored file: the app keeps no copy of a document. It finds the file where it was ingested from, through
the document's provenance source (``documents:<folder>:<digest of its absolute path>#<relative path>``) and the
ingest run that read that folder, and serves it only when (1) the viewer may see the document (the same
``Viewer.can_see`` as search), (2) the path stays inside the ingested folder once symbolic links are resolved,
and (3) the file still holds what was ingested (read again, its content hash equals the stored one; otherwise
its visibility may have changed too, so it is not served until it is ingested again).
"""

from __future__ import annotations

import hashlib
import io
import mimetypes
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from graph.schema import Label
from graph.store import GraphStore, StoredNode
from search.permissions import Viewer
from whoknows.errors import NotFoundError, WhoKnowsError
from whoknows.webapp.contact import safe_url

WEB = ("https", "http")
DOCUMENT_PAGE = "document"  # the url path of pages/document.py
MAX_DOWNLOAD_BYTES = 200 << 20


class SourceUnavailableError(WhoKnowsError):
    """The stored file of a document cannot be served (moved, changed since the ingest, or not permitted)."""


def document_page_url(node_id: str) -> str:
    """The app's Document page for ``node_id`` (a relative URL: it opens in the same app)."""
    return f"{DOCUMENT_PAGE}?doc={quote(node_id.removeprefix('doc:'), safe='')}"


def document_url(node_id: str, props: Mapping[str, Any]) -> str:
    """The document's declared web URL, else the app's Document page for it."""
    return safe_url(props.get("url"), WEB) or document_page_url(node_id)


def course_url(props: Mapping[str, Any]) -> str | None:
    """A course's declared ``url``, else its id when that is a web URL (an xAPI activity IRI), else None."""
    return safe_url(props.get("url"), WEB) or safe_url(props.get("course_id"), WEB)


def community_url(props: Mapping[str, Any]) -> str | None:
    return safe_url(props.get("url"), WEB)


def evidence_links(store: GraphStore, node_ids: Iterable[str]) -> dict[str, str]:
    """Checked URLs for evidence items (documents always get one: their source or the Document page)."""
    ids = sorted({n for n in node_ids if n})
    out: dict[str, str] = {}
    for nid, node in store.get_nodes(ids).items():
        if node.label == Label.DOCUMENT:
            out[nid] = document_url(nid, node.props)
        elif node.label == Label.COURSE:
            url = course_url(node.props)
            if url:
                out[nid] = url
        elif node.label == Label.COMMUNITY:
            url = community_url(node.props)
            if url:
                out[nid] = url
    return out


@dataclass(frozen=True, slots=True)
class StoredFile:
    path: Path
    name: str
    mime: str
    size: int


def _feed_digest(path: Path) -> str:
    """The digest ingest puts in a feed's name (ingest.pipeline.feed_key): sha1 of the absolute path, 8 hex."""
    return hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:8]


def document_roots(runs: Sequence[Mapping[str, Any]]) -> dict[str, Path]:
    """Feed name -> folder, for every document folder the recorded runs read (the newest run first wins)."""
    roots: dict[str, Path] = {}
    for run in runs:
        for src in run.get("sources") or ():
            if src.get("kind") != "documents" or not src.get("path"):
                continue
            path = Path(str(src["path"]))
            feed = f"documents:{path.name}:{_feed_digest(path)}"
            roots.setdefault(feed, path)
    return roots


def stored_file(store: GraphStore, node: StoredNode, viewer: Viewer, runs: Sequence[Mapping[str, Any]]) -> StoredFile:
    """The file a document was ingested from, checked as the module docstring says, or an error that says why."""
    if node.label != Label.DOCUMENT:
        raise NotFoundError(f"{node.id} is not a document")
    if not viewer.can_see(node.props):
        raise SourceUnavailableError("you may not see this document")
    roots = document_roots(runs)
    reasons = []
    for source in node.sources:
        feed, sep, rel = source.partition("#")
        if not sep or not feed.startswith("documents:"):
            continue
        root = roots.get(feed)
        if root is None:
            reasons.append("the folder it was ingested from is not in the recorded runs, or moved")
            continue
        base = root.resolve()
        path = (base / rel).resolve()
        if not path.is_relative_to(base):
            reasons.append("its path leads outside the ingested folder")
            continue
        if not path.is_file():
            reasons.append(f"{rel} is no longer in {root}")
            continue
        size = path.stat().st_size
        if size > MAX_DOWNLOAD_BYTES:
            reasons.append(f"the file is larger than {MAX_DOWNLOAD_BYTES >> 20} MB")
            continue
        if not _unchanged(path, base, rel, node.props):
            reasons.append("the file changed since it was ingested (ingest it again to offer it here)")
            continue
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return StoredFile(path, path.name, mime, size)
    raise SourceUnavailableError("the stored file cannot be offered: " + ("; ".join(reasons) or "no file source"))


def _unchanged(path: Path, root: Path, rel: str, props: Mapping[str, Any]) -> bool:
    """Whether the file still reads as the ingested document (same content hash of text and metadata)."""
    from ingest.documents import load_manifests, read_document

    meta, _ = load_manifests(root)
    rec = read_document(io.BytesIO(path.read_bytes()), str(path), doc_key=rel, meta=meta.get(rel))
    return getattr(rec, "content_hash", None) == props.get("content_hash")
