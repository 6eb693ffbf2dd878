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

from ingest.limits import MiB, current
from ingest.markdown_lines import front_matter_key, markdown_heading
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
# C0 controls but tab and line ends, DEL and C1 controls (U+0085 NEL is a line end to YAML): never text, often
# the trace of a wrong encoding, and a terminal escape sequence starts with one (ESC, U+009B CSI)
_CONTROL_RE = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f]+")
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


def strip_controls(text: str) -> str:
    """``text`` without control characters other than tab and line ends (see ``_CONTROL_RE``)."""
    return _CONTROL_RE.sub("", text)


def clean_text(text: str) -> str:
    """Normalise line endings and runs of spaces and blank lines, and drop control characters, so the same
    content always hashes the same and no NUL or escape sequence is stored as text."""
    text = _WS_RE.sub(" ", strip_controls(text.replace("\r\n", "\n").replace("\r", "\n")))
    return _MANY_NL_RE.sub("\n\n", _TRAILING_RE.sub("\n", text)).strip()


def _first_heading(text: str) -> str:
    max_chars = current().pattern_line_chars
    for line in text.split("\n"):
        heading = markdown_heading(line, max_chars)
        if heading is not None:
            return heading[1]
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
        key = front_matter_key(line)
        if key:
            lines.setdefault(key.lower(), number)
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
    raw = strip_controls("\n".join(lines[1:end]))  # one stray C1 byte in a quoted title must not cost the document
    limits = current()
    if len(raw) > limits.front_matter_bytes:
        return Rejection(
            Where(name, line=1),
            None,
            f"front matter is {len(raw):,} characters, more than the limit of {limits.front_matter_bytes:,}",
            f"metadata of a few lines between the '---' lines; {limits.hint('front_matter_bytes')}",
            fatal=True,
        )
    try:
        aliases = _count_aliases(raw) if "*" in raw else 0
        if aliases > limits.yaml_aliases:
            return Rejection(
                Where(name, line=1),
                None,
                f"front matter uses {aliases:,} YAML alias(es) ('*name' repeating an '&name' anchor); "
                + ("they are not expanded" if not limits.yaml_aliases else f"the limit is {limits.yaml_aliases}"),
                "plain values written out (aliases can expand a few bytes into gigabytes); "
                + limits.hint("yaml_aliases"),
                fatal=True,
            )
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


def _count_aliases(raw: str) -> int:
    """YAML alias events in ``raw`` (parsed, not constructed: counting them cannot expand them)."""
    return sum(1 for event in yaml.parse(raw, Loader=_SafeBase) if isinstance(event, yaml.AliasEvent))


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


_TAG_RE = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9:-]*)([^<>]*)>")
# elements that never hold others (void) or whose end tag may be left out: not counted in the depth check
# fmt: off
_NO_DEPTH = frozenset({
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr",
    "keygen", "p", "li", "dt", "dd", "tr", "td", "th", "option", "optgroup", "thead", "tbody", "tfoot",
    "colgroup", "caption", "rb", "rt", "rtc", "rp", "html", "head", "body",
})
# fmt: on


def html_depth(text: str, stop: int) -> int:
    """How deep the elements of an HTML text nest, counted from its tags in one linear pass (stopping once
    past ``stop``). Void elements and those whose end tag is optional are not counted, so sloppy ``<p>`` and
    ``<li>`` without end tags do not add up."""
    depth = deepest = 0
    for m in _TAG_RE.finditer(text):
        tag = m.group(2).lower()
        if tag in _NO_DEPTH:
            continue
        if m.group(1):
            depth = max(depth - 1, 0)
        elif not m.group(3).rstrip().endswith("/"):
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > stop:
                    break
    return deepest


def _collapse(text: str) -> str:
    return _WS_RE.sub(" ", text.replace("\n", " "))


def _texts(el: Any) -> list[str]:
    """Every text node under ``el`` (itself included), comments and processing instructions left out."""
    out: list[str] = []
    for sub in el.iter():
        if isinstance(sub.tag, str) and sub.text:
            out.append(sub.text)
        if sub is not el and sub.tail:
            out.append(sub.tail)
    return out


def extract_html(data: bytes, name: str) -> Extracted | Rejection:
    """Visible text of an HTML page; headings become ``#`` lines, navigation and scripts are dropped.

    One walk over the lxml tree (linear in the page: the BeautifulSoup version inserted into sibling lists and
    took 32 s on a 1 MB page). Nesting deeper than the ``html_depth`` limit is refused before parsing.
    """
    import lxml.etree

    text, rej = decode(data, name)
    if rej is not None:
        return rej
    assert text is not None
    limits = current()
    depth = html_depth(text, limits.html_depth)
    if depth > limits.html_depth:
        return Rejection(
            Where(name),
            None,
            f"HTML elements nest more than {limits.html_depth} deep",
            f"a page nested at most {limits.html_depth} deep; {limits.hint('html_depth')}",
            fatal=True,
        )
    try:  # plain lxml.etree elements: lxml.html's element classes cost a Python lookup per element
        parser = lxml.etree.HTMLParser(remove_comments=True, remove_pis=True)
        root = lxml.etree.fromstring(text, parser=parser)
    except (lxml.etree.ParserError, ValueError) as exc:  # lxml's rare refusals
        return Rejection(Where(name), None, f"HTML could not be parsed: {exc}", "an HTML document", fatal=True)
    if root is None:
        return Rejection(Where(name), None, "HTML has no elements", "an HTML document", fatal=True)
    meta: dict[str, Any] = {}
    title_el = next(root.iter("title"), None)
    if title_el is not None:
        title = " ".join(t.strip() for t in (_collapse(x) for x in _texts(title_el)) if t.strip())
        if title:
            meta["title"] = _WS_RE.sub(" ", title)
    for tag in root.iter("meta"):
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
    body = root.find("body")
    out: list[str] = []
    _walk(root if body is None else body, out)
    lines = [line.strip().rstrip("|").strip() for line in "".join(out).split("\n")]
    text_out = clean_text("\n".join(lines))
    return Extracted(text_out, meta, embedded=True, fallback_title=_first_heading(text_out))


def _walk(top: Any, out: list[str]) -> None:
    """Append the visible text under ``top`` to ``out`` (iteratively: no recursion limit on deep pages)."""
    stack: list[tuple[Any, bool]] = [(top, False)]
    while stack:
        el, done = stack.pop()
        tag = el.tag if isinstance(el.tag, str) else None
        parent = el.getparent()
        in_pre = parent is not None and parent.tag == "pre"
        if done:  # after the children: the element's closing text, then its tail (text of the parent)
            if tag in ("td", "th"):
                out.append(" | ")
            elif tag in _BLOCK_TAGS:
                out.append("\n" if tag in ("li", "br", "tr") else "\n\n")
            if el is not top and el.tail:
                out.append(el.tail if in_pre else _collapse(el.tail))
            continue
        if tag is None or tag in _DROP_TAGS:
            if el is not top and el.tail:
                out.append(el.tail if in_pre else _collapse(el.tail))
            continue
        if tag in _HEADINGS:
            words = " ".join(t.strip() for t in (_collapse(x) for x in _texts_visible(el)) if t.strip())
            heading = _WS_RE.sub(" ", words)
            out.append(f"\n\n{'#' * _HEADINGS[tag]} {heading}\n\n" if heading else "")
            if el is not top and el.tail:
                out.append(el.tail if in_pre else _collapse(el.tail))
            continue
        if tag in _BLOCK_TAGS and tag not in ("td", "th"):
            out.append("\n" if tag in ("li", "br", "tr") else "\n\n")
        if el.text:
            out.append(el.text if tag == "pre" else _collapse(el.text))
        stack.append((el, True))
        stack.extend((child, False) for child in reversed(el))


def _texts_visible(el: Any) -> list[str]:
    """Text nodes under ``el`` outside the dropped elements (a heading's words)."""
    out: list[str] = []
    stack: list[tuple[Any, bool]] = [(el, False)]
    while stack:
        node, done = stack.pop()
        if done:
            if node is not el and node.tail:
                out.append(node.tail)
            continue
        if not isinstance(node.tag, str) or node.tag in _DROP_TAGS:
            if node is not el and node.tail:
                out.append(node.tail)
            continue
        if node.text:
            out.append(node.text)
        stack.append((node, True))
        stack.extend((child, False) for child in reversed(node))
    return out


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
        budget = current().extracted_chars
        pages: list[str] = []
        for page in reader.pages:  # page by page, so a PDF of a million pages stops at the limit
            pages.append(page.extract_text() or "")
            budget -= len(pages[-1])
            if budget < 0:
                return too_much_text(name)
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
    bomb = _zip_expansion(data, name)
    if bomb is not None:
        return bomb
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


def _zip_expansion(data: bytes, name: str) -> Rejection | None:
    """A DOCX (a zip) whose XML parts expand past the ``zip_expanded_bytes`` limit, or by more than
    ``zip_ratio`` times their compressed size (a 228 KB file held 64 MiB of XML and took 2.65 GB to read), is
    refused before any of it is decompressed: the sizes come from the zip's directory. The directory cannot
    lie its way past this: Python's zip reader stops at the declared size of each part."""
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            parts = [i for i in zf.infolist() if i.filename.lower().endswith((".xml", ".rels"))]
    except (zipfile.BadZipFile, ValueError, OSError):
        return None  # not a zip: python-docx says so with its own message
    expanded = sum(i.file_size for i in parts)
    packed = max(sum(i.compress_size for i in parts), 1)
    limits = current()
    if expanded > limits.zip_expanded_bytes:
        reason = f"DOCX text parts expand to {expanded:,} bytes, more than the limit of {limits.zip_expanded_bytes:,}"
        hint = limits.hint("zip_expanded_bytes")
    elif expanded > MiB and expanded > limits.zip_ratio * packed:
        reason = f"DOCX text parts expand {expanded / packed:,.0f} times (from {packed:,} to {expanded:,} bytes)"
        hint = f"at most {limits.zip_ratio} times; {limits.hint('zip_ratio')}"
    else:
        return None
    return Rejection(Where(name), None, reason + "; not read", f"an ordinary document: {hint}", fatal=True)


def too_much_text(name: str) -> Rejection:
    limits = current()
    return Rejection(
        Where(name),
        None,
        f"more than {limits.extracted_chars:,} characters of text",
        f"a document under the limit (split a very long one); {limits.hint('extracted_chars')}",
        fatal=True,
    )


EXTRACTORS: dict[str, Callable[[bytes, str], Extracted | Rejection]] = {
    "markdown": extract_markdown,
    "text": extract_text,
    "html": extract_html,
    "pdf": extract_pdf,
    "docx": extract_docx,
}
