"""Per-format text extraction for documents: Markdown, plain text, HTML, PDF and DOCX.

Each extractor takes the file's bytes and returns an :class:`Extracted` (text plus whatever metadata the file
itself carries) or a :class:`Rejection` saying why the file cannot be read. Extractors never raise for bad
data: a corrupt PDF in a folder of ten thousand documents must cost one rejection, not the whole run.

Headings are kept as Markdown ``#`` lines in the extracted text of every format, because the chunker splits on
them and carries the nearest heading into each chunk; that is what lets a search hit say *where* in a document
the evidence sits.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import yaml

from ingest.records import Where
from ingest.report import Rejection
from ingest.textio import decode

FORMAT_BY_EXTENSION: dict[str, str] = {
    ".md": "markdown",
    ".markdown": "markdown",
    ".txt": "text",
    ".html": "html",
    ".htm": "html",
    ".pdf": "pdf",
    ".docx": "docx",
}
FORMATS: tuple[str, ...] = ("markdown", "text", "html", "pdf", "docx")

_WS_RE = re.compile(r"[ \t\r\f\v\u00a0]+")
_MANY_NL_RE = re.compile(r"\n{3,}")
_TRAILING_RE = re.compile(r" +\n")


@dataclass(slots=True)
class Extracted:
    """Text extracted from one file and the metadata the file carries.

    ``meta`` uses the same keys as front matter and manifests (title, authors, tags...). ``embedded`` marks
    metadata that came from office/PDF properties rather than an explicit contract (front matter): its author
    names are display names, not person references, and are treated with suspicion downstream.
    ``fallback_title`` is a title guessed from the content (first heading, first line) used only when neither
    the manifest nor the file's metadata gives one.
    """

    text: str
    meta: dict[str, Any] = field(default_factory=dict)
    embedded: bool = False
    fallback_title: str = ""
    meta_lines: dict[str, int] = field(default_factory=dict)


def clean_text(text: str) -> str:
    """Normalise line endings and runs of spaces and blank lines, so the same content always hashes the same."""
    text = _WS_RE.sub(" ", text.replace("\r\n", "\n").replace("\r", "\n"))
    return _MANY_NL_RE.sub("\n\n", _TRAILING_RE.sub("\n", text)).strip()


def _first_heading(text: str) -> str:
    for line in text.split("\n"):
        m = re.match(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$", line)
        if m:
            return m.group(1).strip()
    return ""


def _first_line(text: str) -> str:
    for line in text.split("\n"):
        if line.strip():
            return line.strip().lstrip("#").strip()[:200]
    return ""


# -- Markdown -------------------------------------------------------------------------------------------
_SafeBase: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: ~10x faster


class _FrontMatterLoader(_SafeBase):  # type: ignore[misc,valid-type]
    """Safe loader that leaves dates as strings: PyYAML turns ``2025-13-45`` into a ValueError deep inside the
    parser, but a bad date must be a rejection naming the ``date`` field, which the metadata normaliser does."""


_FrontMatterLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def front_matter_lines(text: str) -> dict[str, int]:
    """1-based line of each top-level front-matter key, so a bad field's rejection can point at its line."""
    lines: dict[str, int] = {}
    for number, line in enumerate(text.split("\n")[1:], start=2):
        if line.strip() in ("---", "..."):
            break
        m = re.match(r"^([A-Za-z_][\w -]*?)\s*:", line)
        if m:
            lines.setdefault(m.group(1).strip().lower(), number)
    return lines


def split_front_matter(text: str, name: str) -> tuple[dict[str, Any], str, int] | Rejection:
    """Split ``---`` YAML front matter from a Markdown body.

    Returns ``(metadata, body, body_first_line)``. A file that opens with ``---`` but never closes it, YAML
    that does not parse, or YAML that is not a mapping is rejected with the line number, because silently
    treating broken front matter as body text would publish a document without its visibility setting.
    """
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        return {}, text, 1
    end = next((i for i in range(1, len(lines)) if lines[i].strip() in ("---", "...")), None)
    if end is None:
        return Rejection(
            Where(name, line=1),
            None,
            "front matter opened with '---' on line 1 but never closed",
            "a closing '---' line after the YAML metadata",
            fatal=True,
        )
    raw = "\n".join(lines[1:end])
    try:
        data = yaml.load(raw, Loader=_FrontMatterLoader) if raw.strip() else {}
    except (yaml.YAMLError, ValueError) as exc:
        mark = getattr(exc, "problem_mark", None)
        line = min(mark.line + 2, end) if mark is not None else 1  # libyaml may point past the last YAML line
        problem = getattr(exc, "problem", None) or str(exc).split("\n")[0]
        return Rejection(
            Where(name, line=line),
            None,
            f"front matter is not valid YAML: {problem}",
            "YAML 'key: value' lines between the '---' lines; quote values containing ': ' or '#'",
            fatal=True,
        )
    if data is None:
        data = {}
    if not isinstance(data, dict):
        return Rejection(
            Where(name, line=2),
            None,
            f"front matter is a YAML {type(data).__name__}, not a mapping",
            "'key: value' lines (title, authors, reviewers, community, tags, visibility, allowed, date, url)",
            fatal=True,
        )
    return {str(k).strip().lower(): v for k, v in data.items()}, "\n".join(lines[end + 1 :]), end + 2


def extract_markdown(data: bytes, name: str) -> Extracted | Rejection:
    text, rej = decode(data, name)
    if rej is not None:
        return rej
    assert text is not None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    parts = split_front_matter(text, name)
    if isinstance(parts, Rejection):
        return parts
    meta, body, _ = parts
    body = clean_text(body)
    lines = front_matter_lines(text) if meta else {}
    return Extracted(body, meta, fallback_title=_first_heading(body), meta_lines=lines)


# -- plain text -----------------------------------------------------------------------------------------
def extract_text(data: bytes, name: str) -> Extracted | Rejection:
    text, rej = decode(data, name)
    if rej is not None:
        return rej
    assert text is not None
    body = clean_text(text)
    return Extracted(body, {}, fallback_title=_first_line(body))


# -- HTML -----------------------------------------------------------------------------------------------
_DROP_TAGS = ("script", "style", "nav", "noscript", "template", "svg", "iframe", "form")
_BLOCK_TAGS = frozenset(
    [
        "p",
        "div",
        "section",
        "article",
        "main",
        "aside",
        "header",
        "footer",
        "li",
        "ul",
        "ol",
        "dl",
        "dt",
        "dd",
        "table",
        "tr",
        "blockquote",
        "pre",
        "figure",
        "figcaption",
        "address",
        "hr",
        "br",
        "td",
        "th",
        "caption",
        "details",
        "summary",
    ]
)
_HEADINGS = {f"h{i}": i for i in range(1, 7)}


def extract_html(data: bytes, name: str) -> Extracted | Rejection:
    """Visible text of an HTML page; headings become ``#`` lines, navigation and scripts are dropped."""
    from bs4 import BeautifulSoup
    from bs4.element import NavigableString

    text, rej = decode(data, name)
    if rej is not None:
        return rej
    assert text is not None
    try:
        soup = BeautifulSoup(text, "lxml")
    except Exception as exc:  # lxml rarely fails, but a reader must not crash the run
        return Rejection(Where(name), None, f"HTML could not be parsed: {exc}", "an HTML document", fatal=True)
    meta: dict[str, Any] = {}
    title_tag = soup.find("title")
    if title_tag and title_tag.get_text(strip=True):
        meta["title"] = _WS_RE.sub(" ", title_tag.get_text(" ", strip=True))
    for tag in soup.find_all("meta"):
        key = str(tag.get("name") or "").strip().lower()
        value = str(tag.get("content") or "").strip()
        if not value:
            continue
        if key == "author":
            meta["authors"] = value
        elif key == "keywords":
            meta["tags"] = [t.strip() for t in re.split(r"[;,]", value) if t.strip()]
        elif key == "description":
            meta["description"] = value
    for tag in soup.find_all(_DROP_TAGS):
        tag.decompose()
    root = soup.body or soup
    for node in list(root.find_all(string=True)):
        if node.parent is not None and node.parent.name == "pre":
            continue
        if type(node) is NavigableString:  # not comments / CDATA / doctype
            node.replace_with(NavigableString(_WS_RE.sub(" ", str(node).replace("\n", " "))))
        else:
            node.extract()
    for tag in root.find_all(True):
        if tag.name in _HEADINGS:
            heading = _WS_RE.sub(" ", tag.get_text(" ", strip=True))
            tag.replace_with(NavigableString(f"\n\n{'#' * _HEADINGS[tag.name]} {heading}\n\n" if heading else ""))
        elif tag.name in ("td", "th"):
            tag.insert_after(NavigableString(" | "))
        elif tag.name in _BLOCK_TAGS:
            tag.insert_before(NavigableString("\n\n" if tag.name not in ("li", "br", "tr") else "\n"))
            tag.insert_after(NavigableString("\n\n" if tag.name not in ("li", "br", "tr") else "\n"))
    raw = root.get_text()
    lines = [line.strip().rstrip("|").strip() for line in raw.split("\n")]
    body = clean_text("\n".join(lines))
    fallback = _first_heading(body)
    return Extracted(body, meta, embedded=True, fallback_title=fallback)


# -- PDF ------------------------------------------------------------------------------------------------
def extract_pdf(data: bytes, name: str) -> Extracted | Rejection:
    """Text of every page; ``/Title``, ``/Author``, ``/Keywords`` and ``/Subject`` from the document info.

    An empty owner-only password (common for "no printing" PDFs) is tried; a PDF that needs a real password,
    does not parse, or has no text layer (a scan) is rejected with what to do about it.
    """
    import logging

    from pypdf import PdfReader

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # pypdf logs every recoverable oddity as a warning
    if not data.strip():
        return Rejection(Where(name), None, "file is empty", "a PDF with a text layer")
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:
                ok = reader.decrypt("")
            except Exception as exc:
                return Rejection(
                    Where(name),
                    None,
                    f"PDF is encrypted and cannot be decrypted here ({type(exc).__name__}: {exc})",
                    "an unencrypted PDF; save a copy without password protection",
                    fatal=True,
                )
            if not ok:
                return Rejection(
                    Where(name),
                    None,
                    "PDF is encrypted with a password",
                    "an unencrypted PDF; save a copy without password protection",
                    fatal=True,
                )
        pages = [page.extract_text() or "" for page in reader.pages]
        info = reader.metadata
    except Exception as exc:  # pypdf raises many exception types for malformed files
        return Rejection(
            Where(name),
            None,
            f"PDF could not be parsed ({type(exc).__name__}: {exc})",
            "a valid PDF file; re-export or re-save it from the application that made it",
            fatal=True,
        )
    body = clean_text("\n\n".join(p.strip() for p in pages))
    if not body:
        return Rejection(
            Where(name),
            None,
            f"PDF has no extractable text ({len(pages)} page(s); a scan or images only?)",
            "a PDF with a text layer; run OCR on scanned documents first",
            fatal=True,
        )
    meta: dict[str, Any] = {}
    if info is not None:
        for key, target in (("/Title", "title"), ("/Author", "authors"), ("/Subject", "description")):
            value = info.get(key)
            if value and str(value).strip():
                meta[target] = str(value).strip()
        keywords = info.get("/Keywords")
        if keywords and str(keywords).strip():
            meta["tags"] = [t.strip() for t in re.split(r"[;,]", str(keywords)) if t.strip()]
    return Extracted(body, meta, embedded=True, fallback_title=_first_line(body))


# -- DOCX -----------------------------------------------------------------------------------------------
def _docx_heading_level(style_name: str) -> int | None:
    if style_name == "Title":
        return 1
    m = re.match(r"^Heading (\d)$", style_name)
    return int(m.group(1)) if m else None


def extract_docx(data: bytes, name: str) -> Extracted | Rejection:
    """Paragraphs (headings as ``#`` lines) and tables (cells joined by ``|``) in document order, plus the core
    properties title, author, keywords and subject."""
    import docx

    if not data.strip():
        return Rejection(Where(name), None, "file is empty", "a DOCX document")
    try:
        document = docx.Document(io.BytesIO(data))
        blocks: list[str] = []
        first_title = ""
        for item in document.iter_inner_content():
            if isinstance(item, docx.table.Table):
                for row in item.rows:
                    cells: list[str] = []
                    for cell in row.cells:  # merged cells repeat: keep each text once per row
                        t = _WS_RE.sub(" ", cell.text.replace("\n", " ")).strip()
                        if t and (not cells or cells[-1] != t):
                            cells.append(t)
                    if cells:
                        blocks.append(" | ".join(cells))
                blocks.append("")
                continue
            text = item.text.strip()
            if not text:
                continue
            style = item.style.name if item.style is not None else ""
            level = _docx_heading_level(style or "")
            if level is not None:
                first_title = first_title or text
                blocks.extend(["", f"{'#' * level} {text}", ""])
            else:
                blocks.extend([text, ""])
        props = document.core_properties
        meta: dict[str, Any] = {}
        if props.title and props.title.strip():
            meta["title"] = props.title.strip()
        if props.author and props.author.strip():
            meta["authors"] = props.author.strip()
        if props.keywords and props.keywords.strip():
            meta["tags"] = [t.strip() for t in re.split(r"[;,]", props.keywords) if t.strip()]
        if props.subject and props.subject.strip():
            meta["description"] = props.subject.strip()
    except Exception as exc:  # python-docx raises zip, XML and KeyError variants for broken files
        return Rejection(
            Where(name),
            None,
            f"DOCX could not be parsed ({type(exc).__name__}: {exc})",
            "a valid .docx (Office Open XML) file; legacy .doc files must be saved as .docx first",
            fatal=True,
        )
    body = clean_text("\n".join(blocks))
    return Extracted(body, meta, embedded=True, fallback_title=first_title or _first_line(body))


EXTRACTORS: dict[str, Callable[[bytes, str], Extracted | Rejection]] = {
    "markdown": extract_markdown,
    "text": extract_text,
    "html": extract_html,
    "pdf": extract_pdf,
    "docx": extract_docx,
}
