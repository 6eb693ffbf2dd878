"""Document readers: one file -> one :class:`DocumentRecord` (or one :class:`Rejection`), and a folder walk.

The reader merges three layers of metadata, most specific last: what the file itself carries (front matter,
PDF/DOCX/HTML properties), then the sidecar manifest, which overrides field by field. The title always ends
up set (falling back to a readable form of the file name) because every search hit shows one.

``content_hash`` covers the extracted text *and* the normalised metadata, so re-labelling a document
(new reviewer, restricted visibility) is an edit that replaces its contributions, not a no-op.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator, Mapping
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO

from ingest.detect import looks_like_edge_list
from ingest.doc_formats import EXTRACTORS, FORMAT_BY_EXTENSION, FORMATS, Extracted, too_much_text
from ingest.guard import unexpected
from ingest.limits import current
from ingest.manifest import MetaError, date_and_precision, normalise_metadata, read_manifest
from ingest.records import DocumentRecord, Where
from ingest.refs import parse_person_ref
from ingest.report import Rejection
from ingest.walk import walk_inside

SUPPORTED_EXTENSIONS: frozenset[str] = frozenset(FORMAT_BY_EXTENSION)
MANIFEST_NAMES: tuple[str, ...] = ("manifest.csv", "manifest.json")
# Files a document folder commonly holds that are not documents: structured exports (read by their own
# readers when the folder is ingested) and desktop litter. They are skipped silently; anything else with an
# unsupported extension is reported, because a .pptx nobody ingests is knowledge silently lost.
IGNORED_EXTENSIONS: frozenset[str] = frozenset({".csv", ".tsv", ".json", ".ndjson", ".jsonl", ".tmp", ".bak"})
IGNORED_NAMES: frozenset[str] = frozenset({"thumbs.db", "desktop.ini", "icon\r"})
STRUCTURED_SUFFIXES: frozenset[str] = frozenset({".csv", ".tsv", ".json", ".ndjson", ".jsonl"})
HASH_VERSION = "doc-v1"


def readable_stem(name: str) -> str:
    """``"2024_contract-negotiation.v2.pdf"`` -> ``"2024 contract negotiation v2"``: a last-resort title."""
    stem = PurePosixPath(name.replace("\\", "/")).name
    for ext in sorted(SUPPORTED_EXTENSIONS, key=len, reverse=True):
        if stem.lower().endswith(ext):
            stem = stem[: -len(ext)]
            break
    words = re.sub(r"[_\-.+]+", " ", stem).split()
    text = " ".join(words)
    return (text[:1].upper() + text[1:]) if text else "Untitled document"


def content_hash(text: str, fmt: str, meta: Mapping[str, Any], extra: Mapping[str, str]) -> str:
    """SHA-256 of the text and the normalised metadata, canonical JSON so key order never matters."""
    payload = json.dumps(
        {"v": HASH_VERSION, "format": fmt, "text": text, "meta": dict(meta), "extra": dict(extra)},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def format_for(name: str) -> str | None:
    """The document format for a file name, from its extension (case-insensitive); None when unsupported."""
    return FORMAT_BY_EXTENSION.get(PurePosixPath(name.replace("\\", "/")).suffix.lower())


def read_document(
    fp: BinaryIO,
    name: str,
    *,
    doc_key: str,
    fmt: str | None = None,
    meta: Mapping[str, Any] | None = None,
) -> DocumentRecord | Rejection:
    """Read one document file into a record, or say why it cannot be read.

    ``name`` is used in messages and ``Where``; ``doc_key`` is the stable identity (path relative to the
    document root). ``fmt`` (markdown|text|html|pdf|docx) overrides the extension. ``meta`` (usually a
    manifest entry) overrides the file's own metadata field by field. Never raises for bad data.
    """
    if fmt is not None and fmt not in FORMATS:  # accept an extension as a format name: "md", ".pdf"
        fmt = FORMAT_BY_EXTENSION.get("." + fmt.lower().lstrip("."), fmt)
    fmt = fmt or format_for(name)
    if fmt not in FORMATS:
        suffix = PurePosixPath(name).suffix or "(none)"
        return Rejection(
            Where(name),
            None,
            f"unsupported document format {fmt or suffix!r}",
            f"one of the extensions {', '.join(sorted(SUPPORTED_EXTENSIONS))} (or fmt one of {', '.join(FORMATS)})",
        )
    limits = current()
    cap = limits.html_bytes if fmt == "html" else limits.document_bytes
    data = fp.read(cap + 1)
    if len(data) > cap:
        return too_large(name, fmt)
    if not data.strip(b" \t\r\n\xef\xbb\xbf"):
        return Rejection(Where(name), None, "file is empty", f"a {fmt} document with text")
    try:
        extracted = EXTRACTORS[fmt](data, name)
        if isinstance(extracted, Rejection):
            return extracted
        if len(extracted.text) > limits.extracted_chars:
            return too_much_text(name)
        return _build(extracted, name, doc_key=doc_key, fmt=fmt, meta=meta)
    except Exception as exc:  # a parser's bug or an input nobody foresaw costs this document only
        return unexpected(Where(name), exc)


def too_large(name: str, fmt: str | None, size: int | None = None) -> Rejection:
    """The rejection of a document file over the ``document_bytes`` limit (``html_bytes`` for HTML)."""
    limits = current()
    key = "html_bytes" if fmt == "html" else "document_bytes"
    cap = getattr(limits, key)
    said = f"{size:,} bytes" if size is not None else f"more than {cap:,} bytes"
    return Rejection(
        Where(name),
        None,
        f"file is {said}; the limit is {cap:,} bytes, so it was not read",
        f"a smaller file (split it, or export the text); {limits.hint(key)}",
        fatal=True,
    )


def _build(
    ex: Extracted, name: str, *, doc_key: str, fmt: str, meta: Mapping[str, Any] | None
) -> DocumentRecord | Rejection:
    try:
        file_meta, file_extra = normalise_metadata(ex.meta, embedded=ex.embedded)
        given_meta, given_extra = normalise_metadata(meta or {})
    except MetaError as err:
        if meta and _in(err.field, meta):
            source, line = "manifest entry", None
        else:
            source = "front matter" if fmt == "markdown" else "embedded metadata"
            line = _line_of(err.field, ex.meta_lines)
        return Rejection(Where(name, line=line), err.field, f"{source}: {err.reason}", err.expected)
    merged = {**file_meta, **given_meta}
    extra = {**file_extra, **given_extra}
    if not ex.text.strip():
        return Rejection(
            Where(name),
            None,
            "document has no text" + (" (front matter only)" if fmt == "markdown" and file_meta else ""),
            f"a {fmt} document with body text",
        )
    title = merged.get("title") or ex.fallback_title or readable_stem(name)
    merged["title"] = title
    d = merged.get("date")
    day, precision = date_and_precision(d) if d else (None, "day")
    return DocumentRecord(
        where=Where(name),
        doc_key=doc_key,
        title=title,
        text=ex.text,
        format=fmt,
        content_hash=content_hash(ex.text, fmt, merged, extra),
        authors=tuple(r for r in (parse_person_ref(a) for a in merged.get("authors", ())) if r),
        reviewers=tuple(r for r in (parse_person_ref(a) for a in merged.get("reviewers", ())) if r),
        community=merged.get("community"),
        tags=tuple(merged.get("tags", ())),
        visibility=merged.get("visibility", "internal"),
        allowed=tuple(merged.get("allowed", ())),
        date=day,
        url=merged.get("url"),
        extra=extra,
        date_precision=precision,
    )


def _line_of(field: str, lines: Mapping[str, int]) -> int | None:
    from ingest.manifest import canonical_key

    return next((n for k, n in lines.items() if canonical_key(k) == field), None)


def _in(field: str, meta: Mapping[str, Any]) -> bool:
    from ingest.manifest import canonical_key

    return any(canonical_key(k) == field for k in meta)


def _skip(rel: PurePosixPath) -> bool:
    """Hidden files/folders, manifests, office lock files and known non-documents are skipped silently."""
    if any(part.startswith(".") for part in rel.parts):
        return True
    lower = rel.name.lower()
    return (
        lower in MANIFEST_NAMES
        or lower in IGNORED_NAMES
        or lower.startswith("~$")
        or lower.endswith("~")
        or rel.suffix.lower() in IGNORED_EXTENSIONS
    )


def load_manifests(root: Path, manifest: Path | None = None) -> tuple[dict[str, dict[str, Any]], list[Rejection]]:
    """Metadata by relative path from ``manifest`` or the folder's ``manifest.csv``/``manifest.json``."""
    meta: dict[str, dict[str, Any]] = {}
    rejections: list[Rejection] = []
    manifests = [manifest] if manifest is not None else [root / n for n in MANIFEST_NAMES if (root / n).is_file()]
    for mpath in manifests:
        with Path(mpath).open("rb") as fp:
            for item in read_manifest(fp, str(mpath)):
                if isinstance(item, Rejection):
                    rejections.append(item)
                    continue
                rel_path, md = item
                if rel_path in meta:
                    rejections.append(
                        Rejection(
                            Where(str(mpath), record=rel_path),
                            "path",
                            f"{rel_path} is also described by another manifest; this entry wins",
                            "each file described in one manifest",
                        )
                    )
                meta[rel_path] = md
    return meta, rejections


def document_files(root: Path, meta: Mapping[str, Any] | None = None) -> tuple[list[tuple[str, Path]], list[Rejection]]:
    """The readable document files under ``root`` (sorted, as ``(relative POSIX path, path)``), and rejections
    for unsupported files and for manifest entries whose file does not exist."""
    files: list[tuple[str, Path]] = []
    rejections: list[Rejection] = []
    walk = walk_inside(root)  # no link is followed: links out of the folder and loops are rejected
    for rej in walk.rejections:  # the structured files' own links are the pipeline's to report
        rel = PurePosixPath(Path(rej.where.file).relative_to(root).as_posix())
        if rel.suffix.lower() not in STRUCTURED_SUFFIXES and not _skip(rel):
            rejections.append(rej)
    for file in walk.files:
        rel = PurePosixPath(file.relative_to(root).as_posix())
        if _skip(rel) or looks_like_edge_list(file):  # an edge list is read as interactions (ingest/detect.py)
            continue
        if file.suffix.lower() not in SUPPORTED_EXTENSIONS:
            rejections.append(
                Rejection(
                    Where(str(file)),
                    None,
                    f"unsupported document format {file.suffix.lower() or '(no extension)'!r}; file not ingested",
                    f"one of {', '.join(sorted(SUPPORTED_EXTENSIONS))}; export other formats to PDF or DOCX",
                )
            )
            continue
        files.append((rel.as_posix(), file))
    present = {k for k, _ in files}
    for rel_path in sorted(set(meta or {}) - present):
        rejections.append(
            Rejection(
                Where(str(root / "manifest"), record=rel_path),
                "path",
                f"manifest names {rel_path}, which is not a file in {root}",
                "a path relative to the document folder of a file that exists",
            )
        )
    return files, rejections


def iter_documents(root: Path, *, manifest: Path | None = None) -> Iterator[DocumentRecord | Rejection]:
    """Walk a document folder in sorted order and read every supported file.

    ``doc_key`` is the file's POSIX path relative to ``root``. Metadata comes from ``manifest`` if given,
    else from ``manifest.csv`` and/or ``manifest.json`` in ``root``. Manifest problems, manifest entries
    whose file does not exist, and files with unsupported extensions are yielded as (non-fatal) rejections.
    """
    root = Path(root)
    meta, rejections = load_manifests(root, manifest)
    yield from rejections
    files, rejections = document_files(root, meta)
    yield from rejections
    for rel_path, file in files:
        with file.open("rb") as fp:
            yield read_document(fp, str(file), doc_key=rel_path, meta=meta.get(rel_path))
