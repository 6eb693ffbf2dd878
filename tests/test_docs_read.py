"""Document readers: each format from a valid fixture, and every bad case ending in a clear rejection."""

from __future__ import annotations

import io
import os
import random
import zlib
from datetime import date
from pathlib import Path

import pytest

from ingest.documents import SUPPORTED_EXTENSIONS, iter_documents, read_document, readable_stem
from ingest.records import DocumentRecord, PersonRef
from ingest.report import Rejection

FIXTURES = Path(__file__).parent / "fixtures" / "documents"


# -- builders: binary formats are made at test time, not committed ----------------------------------------
def make_pdf(pages: list[str], *, title: str | None = None, author: str | None = None, compress: bool = True) -> bytes:
    """A minimal, valid PDF with one Helvetica text line per page line, written by hand (offsets exact)."""
    objects: list[bytes] = []
    n_pages = len(pages)
    kids = " ".join(f"{4 + 2 * i} 0 R" for i in range(n_pages))
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {n_pages} >>".encode())
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    for i, page in enumerate(pages):
        ops = ["BT", "/F1 12 Tf", "72 720 Td", "14 TL"]
        for line in page.split("\n"):
            esc = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
            ops.append(f"({esc}) Tj T*")
        ops.append("ET")
        stream = "\n".join(ops).encode("latin-1")
        content_obj = 5 + 2 * i
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> "
            f"/Contents {content_obj} 0 R >>".encode()
        )
        if compress:
            data = zlib.compress(stream)
            objects.append(f"<< /Length {len(data)} /Filter /FlateDecode >>\nstream\n".encode() + data + b"\nendstream")
        else:
            objects.append(f"<< /Length {len(stream)} >>\nstream\n".encode() + stream + b"\nendstream")
    info_parts = []
    if title:
        info_parts.append(f"/Title ({title})")
    if author:
        info_parts.append(f"/Author ({author})")
    info_ref = ""
    if info_parts:
        objects.append(f"<< {' '.join(info_parts)} >>".encode())
        info_ref = f" /Info {len(objects)} 0 R"
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for off in offsets:
        out += f"{off:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R{info_ref} >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def make_docx(*, title: str | None = "Data privacy basics", author: str | None = "ada@example.org") -> bytes:
    import docx

    d = docx.Document()
    if title:
        d.core_properties.title = title
    if author:
        d.core_properties.author = author
    d.core_properties.keywords = "privacy, GDPR"
    d.add_heading("Why privacy matters", level=1)
    d.add_paragraph("Personal data must be processed lawfully and transparently.")
    d.add_heading("Retention", level=2)
    d.add_paragraph("Keep records no longer than the retention schedule allows.")
    table = d.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "Record", "Keep for"
    table.cell(1, 0).text, table.cell(1, 1).text = "Payslips", "7 years"
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def read(data: bytes | str, name: str, **kw: object) -> DocumentRecord | Rejection:
    raw = data.encode() if isinstance(data, str) else data
    return read_document(io.BytesIO(raw), name, doc_key=kw.pop("doc_key", name), **kw)  # type: ignore[arg-type]


def ok(result: DocumentRecord | Rejection) -> DocumentRecord:
    assert isinstance(result, DocumentRecord), str(result)
    return result


def rejected(result: DocumentRecord | Rejection) -> Rejection:
    assert isinstance(result, Rejection), f"expected a rejection, got {result!r}"
    return result


# -- valid fixtures -------------------------------------------------------------------------------------
def test_markdown_front_matter_is_read_and_normalised() -> None:
    rec = ok(read((FIXTURES / "guide.md").read_bytes(), "guide.md"))
    assert rec.format == "markdown"
    assert rec.title == "Negotiating supply contracts with utilities"
    assert rec.authors == (PersonRef("email", "ada@example.org"), PersonRef("email", "bo@example.org"))
    assert rec.reviewers == (PersonRef("id", "u123"),)  # 'smes' is an alias of reviewers
    assert rec.community == "Contract Management"
    assert rec.tags == ("contract negotiation", "utilities")
    assert rec.visibility == "restricted"
    assert rec.allowed == ("group:Procurement", "email:cy@example.org")
    assert rec.date == date(2025, 6, 1)
    assert rec.url == "https://wiki.example.org/utilities"
    assert rec.extra == {"owner": "procurement team"}
    assert rec.text.startswith("# Negotiating with utilities")
    assert "---" not in rec.text and "visibility" not in rec.text


def test_plain_text_title_is_first_non_empty_line() -> None:
    rec = ok(read((FIXTURES / "notes.txt").read_bytes(), "notes.txt"))
    assert rec.format == "text" and rec.title == "Onboarding new KM champions"
    assert "show-and-tell" in rec.text and rec.visibility == "internal"


def test_html_keeps_headings_and_drops_scripts_styles_and_nav() -> None:
    rec = ok(read((FIXTURES / "page.html").read_bytes(), "page.html"))
    assert rec.format == "html" and rec.title == "Kubernetes incident response"
    assert "# Crash loops" in rec.text and "## Escalation" in rec.text
    assert "readiness probe first, then the resource limits." in rec.text  # source line break joined
    assert "do not index" not in rec.text and "color: red" not in rec.text and "Home" not in rec.text
    assert "Severity | Response" in rec.text and "Page the on-call engineer." in rec.text
    assert rec.tags == ("kubernetes", "incident response")
    # embedded author metadata: the e-mail becomes a reference, the bare display name is kept for reading only
    assert rec.authors == (PersonRef("email", "dana@example.org"),)
    assert rec.extra["embedded_authors"] == "Dana Ops"
    assert rec.extra["description"] == "What to check when a pod crash-loops."


def test_html_title_falls_back_to_first_h1() -> None:
    rec = ok(read("<html><body><h1>Release checklist</h1><p>Tag, build, ship.</p></body></html>", "x.htm"))
    assert rec.title == "Release checklist"


@pytest.mark.parametrize("compress", [True, False])
def test_pdf_text_and_info_metadata(compress: bool) -> None:
    data = make_pdf(
        ["Quarterly energy report", "Demand response programmes cut peak load.\nSecond line here."],
        title="Energy report Q1",
        author="Ada <ada@example.org>",
        compress=compress,
    )
    rec = ok(read(data, "reports/q1.pdf"))
    assert rec.format == "pdf" and rec.title == "Energy report Q1"
    assert rec.authors == (PersonRef("email", "ada@example.org"),)
    assert "Demand response programmes cut peak load." in rec.text and "Second line here." in rec.text


def test_pdf_without_title_uses_first_line() -> None:
    rec = ok(read(make_pdf(["Safety induction\nWear a helmet."]), "induction.pdf"))
    assert rec.title == "Safety induction"


def test_docx_paragraphs_headings_tables_and_core_properties() -> None:
    rec = ok(read(make_docx(), "privacy.docx"))
    assert rec.format == "docx" and rec.title == "Data privacy basics"
    assert rec.authors == (PersonRef("email", "ada@example.org"),)
    assert rec.tags == ("privacy", "GDPR")
    assert "# Why privacy matters" in rec.text and "## Retention" in rec.text
    assert "Payslips | 7 years" in rec.text
    assert rec.text.index("Why privacy") < rec.text.index("Retention") < rec.text.index("Payslips")


def test_docx_display_name_author_is_not_a_person_reference() -> None:
    rec = ok(read(make_docx(author="Jane Doe", title=None), "p.docx"))
    assert rec.authors == () and rec.extra["embedded_authors"] == "Jane Doe"
    assert rec.title == "Why privacy matters"  # first heading stands in for the missing core title


def test_manifest_meta_overrides_file_metadata_field_by_field() -> None:
    meta = {"title": "From the manifest", "visibility": "public", "reviewers": ["cy@example.org"]}
    rec = ok(read((FIXTURES / "guide.md").read_bytes(), "guide.md", meta=meta))
    assert rec.title == "From the manifest" and rec.visibility == "public"
    assert rec.reviewers == (PersonRef("email", "cy@example.org"),)
    assert rec.community == "Contract Management"  # not given by the manifest: the file's value stays


def test_fmt_overrides_extension() -> None:
    rec = ok(read("---\ntitle: T\n---\nbody", "README", fmt="markdown"))
    assert rec.title == "T" and rec.format == "markdown"
    assert ok(read("plain", "x.bin", fmt="txt")).format == "text"
    assert "unsupported" in rejected(read("plain", "x.txt", fmt="pptx")).reason


# -- bad cases ------------------------------------------------------------------------------------------
def test_wrong_encoding_is_a_fatal_rejection() -> None:
    rej = rejected(read("Café au lait\n".encode("latin-1"), "cafe.txt"))
    assert rej.fatal and "not valid UTF-8" in rej.reason and rej.where.line == 1


@pytest.mark.parametrize("name", ["empty.md", "empty.txt", "empty.pdf", "empty.docx", "empty.html"])
def test_empty_file_is_rejected(name: str) -> None:
    rej = rejected(read(b"  \n", name))
    assert "empty" in rej.reason


def test_front_matter_only_markdown_is_rejected() -> None:
    rej = rejected(read("---\ntitle: Only metadata\n---\n\n", "x.md"))
    assert "no text" in rej.reason


@pytest.mark.parametrize(
    ("text", "name", "title"),
    [
        (
            "---\ntitle: '  '\n---\nBody without heading.",
            "2024_contract-negotiation.v2.md",
            "2024 contract negotiation v2",
        ),
        ("---\nauthors: [a@x.org]\n---\nplain body", "team_onboarding-guide.md", "Team onboarding guide"),
        ("intro\n\n## First heading\n\nbody", "x.md", "First heading"),
        ("\n\n   \nFirst line\nmore", "n.txt", "First line"),
        ("<p>no title here</p>", "dir/release_notes.html", "Release notes"),
    ],
)
def test_missing_or_blank_title_falls_back(text: str, name: str, title: str) -> None:
    """Markdown/HTML: first heading, then the file stem made readable; text: the first non-empty line."""
    assert ok(read(text, name)).title == title


def test_readable_stem() -> None:
    assert readable_stem("dir/2024_contract-negotiation.v2.pdf") == "2024 contract negotiation v2"
    assert readable_stem("__.md") == "Untitled document"


def test_bad_date_names_the_field_and_line() -> None:
    rej = rejected(read("---\ntitle: T\ndate: 2025-13-45\n---\nbody", "d.md"))
    assert rej.field == "date" and rej.where.line == 3 and "YYYY-MM-DD" in rej.expected
    assert "front matter" in rej.reason


def test_unknown_visibility_names_the_value_and_the_allowed_ones() -> None:
    rej = rejected(read("---\ntitle: T\nvisibility: secret\n---\nbody", "v.md"))
    assert rej.field == "visibility" and "'secret'" in rej.reason
    assert rej.expected == "one of public, internal, restricted" and rej.where.line == 3


def test_unknown_visibility_in_manifest_meta_says_manifest() -> None:
    rej = rejected(read("body", "v.txt", meta={"visibility": "everyone"}))
    assert rej.field == "visibility" and rej.reason.startswith("manifest entry")


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("---\ntitle: T\nauthors: [a@x.org\n---\nbody", 3, "not valid YAML"),
        ("---\ntitle: a: b: c\n---\nbody", 2, "not valid YAML"),
        ("---\n- just\n- a list\n---\nbody", 2, "not a mapping"),
        ("---\ntitle: never closed\n\nbody", 1, "never closed"),
    ],
)
def test_broken_front_matter_is_rejected_with_its_line(text: str, line: int, words: str) -> None:
    rej = rejected(read(text, "broken.md"))
    assert words in rej.reason and rej.where.line == line and rej.fatal


def test_bad_url_and_non_list_values_are_rejected() -> None:
    assert rejected(read("---\nurl: not a url\n---\nbody", "u.md")).field == "url"
    assert rejected(read("---\ntags: {a: 1}\n---\nbody", "t.md")).field == "tags"
    assert rejected(read("---\nallowed: ['group:']\n---\nbody", "g.md")).field == "allowed"


def test_random_bytes_pdf_is_rejected_not_raised() -> None:
    rej = rejected(read(os.urandom(4096), "random.pdf"))
    assert rej.fatal and "PDF" in rej.reason


def test_truncated_pdf_is_rejected_not_raised() -> None:
    data = make_pdf(["Some text"])
    rej = rejected(read(data[: len(data) // 2], "truncated.pdf"))
    assert rej.fatal


def test_pdf_without_text_layer_is_rejected() -> None:
    rej = rejected(read(make_pdf([""]), "scan.pdf"))
    assert "no extractable text" in rej.reason and "OCR" in rej.expected


def _encrypt(data: bytes, user_password: str) -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.encrypt(user_password=user_password, owner_password="owner-secret", algorithm="RC4-128")
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def test_password_protected_pdf_is_rejected() -> None:
    enc = _encrypt(make_pdf(["Confidential salary bands"]), "s3cret")
    rej = rejected(read(enc, "locked.pdf"))
    assert "encrypted" in rej.reason and rej.fatal


def test_pdf_with_only_an_owner_password_is_read() -> None:
    # "no printing" PDFs are encrypted with an empty user password: anyone can open them, so we do too
    rec = ok(read(_encrypt(make_pdf(["Open to read"]), ""), "perm.pdf"))
    assert "Open to read" in rec.text


def test_broken_docx_is_rejected_not_raised() -> None:
    assert "DOCX could not be parsed" in rejected(read(b"PK\x03\x04 not really a zip", "x.docx")).reason
    assert rejected(read(os.urandom(2048), "y.docx")).fatal


def test_unsupported_extension_is_rejected() -> None:
    rej = rejected(read(b"slides", "deck.pptx"))
    assert "unsupported" in rej.reason and ".md" in rej.expected


# -- hashing --------------------------------------------------------------------------------------------
def test_same_input_same_hash_and_metadata_only_edit_changes_it() -> None:
    text = (FIXTURES / "guide.md").read_text()
    a, b = ok(read(text, "guide.md")), ok(read(text, "guide.md"))
    assert a.content_hash == b.content_hash and len(a.content_hash) == 64
    edited = ok(read(text.replace("id:u123", "id:u124"), "guide.md"))
    assert edited.text == a.text and edited.content_hash != a.content_hash
    via_manifest = ok(read(text, "guide.md", meta={"tags": "other"}))
    assert via_manifest.content_hash != a.content_hash
    text_edit = ok(read(text.replace("renewal calendar", "renewal dates"), "guide.md"))
    assert text_edit.content_hash != a.content_hash


def test_hash_ignores_key_order_and_line_endings() -> None:
    one = "---\ntitle: T\ntags: [a, b]\n---\nbody line\n"
    two = "---\r\ntags: [a, b]\r\ntitle: T\r\n---\r\nbody line\r\n"
    assert ok(read(one, "x.md")).content_hash == ok(read(two, "x.md")).content_hash


# -- folder walk ----------------------------------------------------------------------------------------
def test_iter_documents_walks_sorted_applies_manifest_and_reports(tmp_path: Path) -> None:
    for f in ("guide.md", "notes.txt", "page.html", "manifest.csv"):
        (tmp_path / f).write_bytes((FIXTURES / f).read_bytes())
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "privacy.docx").write_bytes(make_docx())
    (tmp_path / ".hidden.md").write_text("# secret")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "x.md").write_text("# git")
    (tmp_path / "people.csv").write_text("person_id,name\n")  # structured export: skipped silently
    (tmp_path / "~$guide.docx").write_bytes(b"lock")
    (tmp_path / "deck.pptx").write_bytes(b"slides")
    out = list(iter_documents(tmp_path))
    recs = [r for r in out if isinstance(r, DocumentRecord)]
    rejs = [r for r in out if isinstance(r, Rejection)]
    assert [r.doc_key for r in recs] == ["guide.md", "notes.txt", "page.html", "sub/privacy.docx"]
    notes = recs[1]
    assert notes.visibility == "public" and notes.tags == ("onboarding",)
    assert notes.title == "Onboarding new KM champions"  # blank manifest cell does not erase the file's title
    reasons = sorted(r.reason for r in rejs)
    assert any("report.pdf" in r and "not a file" in r for r in reasons)  # manifest row without its file
    assert any("'.pptx'" in r for r in reasons)
    assert len(rejs) == 2 and not any(r.fatal for r in rejs)
    again = [r.content_hash for r in iter_documents(tmp_path) if isinstance(r, DocumentRecord)]
    assert again == [r.content_hash for r in recs]


def test_iter_documents_explicit_manifest(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Alpha\nbody")
    m = tmp_path / "meta" / "docs.json"
    m.parent.mkdir()
    m.write_text('[{"path": "./a.txt", "title": "Alpha guide", "authors": "ada@example.org; bo@example.org"}]')
    (rec,) = list(iter_documents(tmp_path, manifest=m))
    assert isinstance(rec, DocumentRecord) and rec.title == "Alpha guide" and len(rec.authors) == 2


def test_supported_extensions() -> None:
    assert {".md", ".markdown", ".txt", ".html", ".htm", ".pdf", ".docx"} == set(SUPPORTED_EXTENSIONS)


@pytest.mark.parametrize("ext", sorted(SUPPORTED_EXTENSIONS))
def test_garbage_never_raises(ext: str) -> None:
    rng = random.Random(ext)
    samples = [bytes(rng.randrange(256) for _ in range(n)) for n in (1, 17, 300, 5000)]
    samples += [make_docx()[:900], make_pdf(["x"])[:-40], b"---\n: : :\n---\n", b"<html><<<>>>", b"\x00" * 64]
    for data in samples:
        assert isinstance(read(data, f"g{ext}"), DocumentRecord | Rejection)
