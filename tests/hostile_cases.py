"""Hostile inputs (issue 15) and the harness that ingests each one in a child process under a memory limit and a
time bound. Shared by tests/test_hostile.py (the small cases, in CI) and bench/hostile.py (all of them, at full
size).

Each :class:`Case` writes a folder of exports that mixes good records with one hostile thing, and says what the
ingest must do with it: which rejection (a pattern over "field: reason"), how many good records must still be
accepted, and optionally a check for leaks (text from outside the folder, a restricted tag). The harness runs
``ingest_paths`` in a forked child of a fresh process (so the memory measured is the case's, not the test
runner's), with ``resource.setrlimit(RLIMIT_AS)`` as the safety net and a wall-clock bound; it reports whether
the child crashed (a traceback, a signal, a timeout), what was accepted and rejected, its peak RSS and seconds.

Run one batch from the command line (what the test fixture does): ``python tests/hostile_cases.py OUT.json
[--big] [NAME ...]``.
"""

from __future__ import annotations

import json
import os
import re
import resource
import signal
import sys
import time
import traceback
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
MiB = 1 << 20
MEMORY_LIMIT_BYTES = 3 << 30  # address space of a case's child (the peak RSS asked for is 1,000 MB)
TIMEOUT_S = 120.0

PEOPLE = "person_id,name,email,department\n" + "".join(
    f"u{i},Person {i},u{i}@example.org,Dept {i % 3}\n" for i in range(1, 6)
)
GOOD_DOC = "---\ntitle: Good document\nauthors: [u1@example.org]\n---\nPlain words about contract negotiation.\n"


@dataclass(frozen=True)
class Case:
    """One hostile input: ``build(folder, big)`` writes it; ``rejection`` must match one rejection's
    ``"<field>: <reason>"`` (None: no rejection required); ``good`` records must be accepted; ``limits`` are
    passed to ingest_paths (small values keep CI cases small); ``leak(store, folder)`` counts leaked items."""

    name: str
    build: Callable[[Path, bool], None]
    rejection: str | None
    good: int
    limits: dict[str, int] = field(default_factory=dict)
    leak: Callable[[Any, Path], int] | None = None
    big_only: bool = False
    issue: str = ""


def _write(folder: Path, name: str, text: str | bytes) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def _people(folder: Path) -> None:
    _write(folder, "people.csv", PEOPLE)


def _xapi(sid: str, ts: str, *, raw: Any = 8, actor: str = "u1@example.org") -> str:
    return json.dumps(
        {
            "id": sid,
            "actor": {"mbox": f"mailto:{actor}"},
            "verb": {"id": "http://adlnet.gov/expapi/verbs/completed"},
            "object": {"id": "http://lms.example.org/course/km100", "definition": {"name": {"en": "KM 100"}}},
            "result": {"score": {"raw": raw, "min": 0, "max": 10}},
            "timestamp": ts,
        }
    )


# -- the cases ---------------------------------------------------------------------------------------------
def completions_at_overflow(folder: Path, big: bool) -> None:
    _people(folder)
    _write(
        folder,
        "completions.csv",
        "person,course_id,status,at\nu1@example.org,km100,completed,2026-01-10\n"
        "u2@example.org,km100,completed,0001-01-01T00:00:00+01:00\nu3@example.org,km100,passed,2026-02-01\n",
    )


def interactions_timestamp_overflow(folder: Path, big: bool) -> None:
    _people(folder)
    _write(
        folder,
        "interactions.csv",
        "sender,recipient,timestamp\nu1,u2,2026-01-01T10:00:00Z\nu2,u3,0001-01-01T00:00:00+01:00\nu3,u4,1767261600\n",
    )


def membership_since_overflow(folder: Path, big: bool) -> None:
    _people(folder)
    _write(
        folder,
        "memberships.csv",
        "person,community,role,since\nu1,Guild,leader,2024-01-01\nu2,Guild,member,0001-01-01T00:00:00+01:00\n"
        "u3,Guild,member,2025-01-01\n",
    )


def xapi_timestamp_overflow(folder: Path, big: bool) -> None:
    _people(folder)
    lines = [_xapi("s1", "2026-01-01T10:00:00Z"), _xapi("s2", "0001-01-01T00:00:00+01:00"), _xapi("s3", "2026-02-01")]
    _write(folder, "statements.ndjson", "\n".join(lines) + "\n")


def xapi_score_400_digits(folder: Path, big: bool) -> None:
    _people(folder)
    lines = [_xapi("s1", "2026-01-01T10:00:00Z"), _xapi("s2", "2026-01-02T10:00:00Z", raw=int("9" * 400))]
    lines.append(_xapi("s3", "2026-01-03T10:00:00Z", actor="u2@example.org"))
    _write(folder, "statements.ndjson", "\n".join(lines) + "\n")


def ndjson_nested_deep(folder: Path, big: bool) -> None:
    _people(folder)
    depth = 100_000
    deep = '{"actor": {"mbox": "mailto:u1@example.org"}, "verb": ' + "[" * depth + "]" * depth + "}"
    lines = [_xapi("s1", "2026-01-01T10:00:00Z"), deep, _xapi("s3", "2026-01-03T10:00:00Z")]
    _write(folder, "statements.ndjson", "\n".join(lines) + "\n")


def ndjson_nested_moderately(folder: Path, big: bool) -> None:
    """Deeper than the json_depth limit (64) but well within what Python parses."""
    _people(folder)
    deep = _xapi("s2", "2026-01-02T10:00:00Z")[:-1] + ', "context": ' + "[" * 500 + "]" * 500 + "}"
    lines = [_xapi("s1", "2026-01-01T10:00:00Z"), deep, _xapi("s3", "2026-01-03T10:00:00Z")]
    _write(folder, "statements.ndjson", "\n".join(lines) + "\n")


def ndjson_integer_5000_digits(folder: Path, big: bool) -> None:
    _people(folder)
    huge = _xapi("s2", "2026-01-02T10:00:00Z")[:-1] + ', "extensions": ' + "7" * 5000 + "}"
    lines = [_xapi("s1", "2026-01-01T10:00:00Z"), huge, _xapi("s3", "2026-01-03T10:00:00Z")]
    _write(folder, "statements.ndjson", "\n".join(lines) + "\n")


def scim_document_deep_last(folder: Path, big: bool) -> None:
    """A JSON document (not NDJSON): the items before the damage are kept."""
    users = [
        {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "id": f"s{i}", "displayName": f"S {i}"}
        for i in range(3)
    ]
    body = ",\n".join(json.dumps(u) for u in users)
    deep = '{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "id": "x", "n": ' + "[" * 50_000
    deep += "]" * 50_000 + "}"
    _write(folder, "users.json", "[\n" + body + ",\n" + deep + "\n]\n")


def csv_unclosed_quote(folder: Path, big: bool) -> None:
    rows = [f"u{i},Person {i},u{i}@example.org,Dept\n" for i in range(1, 6)]
    rows.insert(2, 'u99,"Broken name,u99@example.org,Dept\n')
    _write(folder, "people.csv", "person_id,name,email,department\n" + "".join(rows))


def csv_nul_bytes(folder: Path, big: bool) -> None:
    _write(
        folder,
        "people.csv",
        "person_id,name,email\nu1,Ada,u1@example.org\nu2,B\x00b,u2@example.org\nu3,Cy,u3@example.org\n",
    )


def scim_nul_and_huge_values(folder: Path, big: bool) -> None:
    """JSON readers took any string: a NUL in a SCIM name and a 1 MiB display name were stored silently."""
    user = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"]}
    users = [
        {**user, "id": "s1", "userName": "s1", "displayName": "Ada"},
        {**user, "id": "s2", "userName": "s2", "name": {"givenName": "B\x00b"}},
        {**user, "id": "s3", "userName": "s3", "displayName": "x" * (MiB if big else 200_000)},
        {**user, "id": "s4", "userName": "s4", "displayName": "Cy"},
    ]
    _write(folder, "users.ndjson", "\n".join(json.dumps(u) for u in users) + "\n")


def csv_huge_cell(folder: Path, big: bool) -> None:
    size = (10 if big else 1) * MiB
    _write(
        folder,
        "people.csv",
        f"person_id,name,email,title\nu1,Ada,u1@example.org,Boss\nu2,Bo,u2@example.org,{'x' * size}\n"
        "u3,Cy,u3@example.org,Analyst\n",
    )


def csv_utf16(folder: Path, big: bool) -> None:
    _write(folder, "people.csv", PEOPLE.encode("utf-16"))


def people_without_names(folder: Path, big: bool) -> None:
    _write(folder, "people.csv", "person_id,email,department\nu1,u1@example.org,Ops\nu2,u2@example.org,Ops\n")


def ndjson_one_huge_line(folder: Path, big: bool) -> None:
    _people(folder)
    pad = "x" * ((64 if big else 5) * MiB)
    huge = _xapi("s2", "2026-01-02T10:00:00Z")[:-1] + f', "pad": "{pad}"' + "}"
    lines = [_xapi("s1", "2026-01-01T10:00:00Z"), huge, _xapi("s3", "2026-01-03T10:00:00Z")]
    _write(folder, "statements.ndjson", "\n".join(lines) + "\n")


def yaml_billion_laughs(folder: Path, big: bool) -> None:
    _people(folder)
    levels = ["a: &a [" + ",".join(['"lol"'] * 9) + "]"]
    for prev, cur in zip("abcdefgh", "bcdefghi", strict=True):
        levels.append(f"{cur}: &{cur} [" + ",".join([f"*{prev}"] * 9) + "]")
    _write(folder, "docs/lol.md", "---\ntitle: lol\n" + "\n".join(levels) + "\n---\nbody\n")
    _write(folder, "docs/good.md", GOOD_DOC)


def markdown_heading_of_hashes(folder: Path, big: bool) -> None:
    _people(folder)
    n = 100_000 if big else 30_000
    _write(folder, "docs/hashes.md", "# " + "#" * n + "x\n\n" + "#" * n + "\n\nSome text.\n")
    _write(folder, "docs/good.md", GOOD_DOC)


def front_matter_key_backtracking(folder: Path, big: bool) -> None:
    _people(folder)
    n = 60_000 if big else 20_000
    _write(folder, "docs/keys.md", "---\ntitle: T\n---\nbody\n\n" + "a" + " " * n + "\n")
    _write(folder, "docs/spaces.md", "---\ntitle: 'x'\n# " + "a" + " " * n + "\n---\nbody words\n")
    _write(folder, "docs/good.md", GOOD_DOC)


def html_nested_divs(folder: Path, big: bool) -> None:
    _people(folder)
    n = 100_000 if big else 16_000
    _write(folder, "docs/deep.html", "<html><body>" + "<div>" * n + "deep" + "</div>" * n + "</body></html>")
    _write(folder, "docs/good.md", GOOD_DOC)


def html_large_flat(folder: Path, big: bool) -> None:
    """A large, ordinary page: linear time (the BeautifulSoup version took 32 s on 1 MB)."""
    _people(folder)
    para = "<div><p>Some <b>bold</b> text and <a href='x'>a link</a>.</p><ul><li>one</li><li>two</li></ul></div>\n"
    size = (10 if big else 1) * MiB  # 10 MiB of page is 3.5 million characters of text, under extracted_chars
    _write(folder, "docs/page.html", "<html><body>" + para * (size // len(para)) + "</body></html>")


def docx_expansion_bomb(folder: Path, big: bool) -> None:
    _people(folder)
    expanded = (64 if big else 8) * MiB
    para = "<w:p><w:r><w:t>a</w:t></w:r></w:p>"
    body = para * (expanded // len(para))
    ns = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    path = folder / "docs" / "bomb.docx"
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
        )
        zf.writestr(
            "_rels/.rels",
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="r1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'officeDocument" Target="word/document.xml"/></Relationships>',
        )
        zf.writestr("word/document.xml", f'<?xml version="1.0"?><w:document {ns}><w:body>{body}</w:body></w:document>')
    _write(folder, "docs/good.md", GOOD_DOC)


def docx_not_a_zip(folder: Path, big: bool) -> None:
    _people(folder)
    _write(folder, "docs/broken.docx", b"PK\x03\x04 this is not really a zip file" * 10)
    _write(folder, "docs/good.md", GOOD_DOC)


def pdf_flate_bomb(folder: Path, big: bool) -> None:
    """A 160 KB PDF whose one content stream inflates to 64 MiB (8 MiB in CI) of text operators."""
    import zlib

    from pypdf import PdfWriter
    from pypdf.generic import NameObject, StreamObject

    _people(folder)
    writer = PdfWriter()
    page = writer.add_blank_page(612, 792)
    size = (64 if big else 8) * MiB
    stream = StreamObject()
    stream._data = zlib.compress(b"BT /F1 12 Tf 72 720 Td " + b"(hello world ) Tj " * (size // 18) + b"ET", 9)
    stream[NameObject("/Filter")] = NameObject("/FlateDecode")
    page[NameObject("/Contents")] = writer._add_object(stream)
    (folder / "docs").mkdir(parents=True, exist_ok=True)
    writer.write(str(folder / "docs" / "bomb.pdf"))
    _write(folder, "docs/good.md", GOOD_DOC)


def text_200mb(folder: Path, big: bool) -> None:
    _people(folder)
    path = folder / "docs" / "huge.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fp:  # sparse: costs no disk, and the limit refuses it before any byte is read
        fp.truncate(200 * MiB)
    _write(folder, "docs/good.md", GOOD_DOC)


def text_many_passages(folder: Path, big: bool) -> None:
    _people(folder)
    words = " ".join(f"word{i}" for i in range(200))
    _write(folder, "docs/long.txt", "\n\n".join(f"Paragraph {i}. {words}." for i in range(400)))
    _write(folder, "docs/good.md", GOOD_DOC)


def text_over_extracted_chars(folder: Path, big: bool) -> None:
    _people(folder)
    _write(folder, "docs/long.md", "words and more words. " * 30_000)
    _write(folder, "docs/good.md", GOOD_DOC)


def markdown_at_the_text_limit(folder: Path, big: bool) -> None:
    """The largest text the defaults accept (just under extracted_chars): the worst legitimate document."""
    _people(folder)
    para = " ".join(f"word{i % 997}" for i in range(120)) + ".\n\n"
    _write(folder, "docs/huge.md", "# Huge\n\n" + para * (3_900_000 // len(para)))


def symlink_to_passwd(folder: Path, big: bool) -> None:
    _people(folder)
    _write(folder, "docs/good.md", GOOD_DOC)
    os.symlink("/etc/passwd", folder / "docs" / "passwd.txt")
    outside = folder.parent / f"{folder.name}-outside"
    outside.mkdir(exist_ok=True)
    _write(outside, "secret.md", "---\ntitle: Outside\n---\nsecretword from outside the folder\n")
    os.symlink(outside, folder / "docs" / "linked-dir")
    os.symlink(outside / "secret.md", folder / "people-link.csv")


def symlink_loop(folder: Path, big: bool) -> None:
    _people(folder)
    _write(folder, "docs/good.md", GOOD_DOC)
    os.symlink("b.md", folder / "docs" / "a.md")
    os.symlink("a.md", folder / "docs" / "b.md")
    os.symlink(".", folder / "docs" / "self")
    os.symlink("good.md", folder / "docs" / "alias.md")  # inside: skipped, the target is read as itself


def fifo_document(folder: Path, big: bool) -> None:
    _people(folder)
    _write(folder, "docs/good.md", GOOD_DOC)
    os.mkfifo(folder / "docs" / "pipe.md")


def c1_control_in_quoted_title(folder: Path, big: bool) -> None:
    _people(folder)
    _write(folder, "docs/c1.md", '---\ntitle: "Caf\u0085e \u009b menu"\nauthors: [u1@example.org]\n---\nBody text.\n')
    _write(folder, "docs/good.md", GOOD_DOC)


def partial_dates(folder: Path, big: bool) -> None:
    _people(folder)
    _write(folder, "docs/year.md", "---\ntitle: Year only\ndate: 2019\n---\nBibliographic entry.\n")
    _write(folder, "docs/month.md", "---\ntitle: Month\ndate: 2019-05\n---\nA month.\n")
    _write(folder, "docs/bad.md", "---\ntitle: Bad\ndate: 2019-13\n---\nA bad month.\n")


def terminal_escapes_in_names(folder: Path, big: bool) -> None:
    _write(
        folder,
        "people.csv",
        'person_id,name,email\nu1,"Ada \x1b]52;c;cm0gLXJmIH4=\x07Lovelace",u1@example.org\n'
        "u2,Bo\x1b[2J,u2@example.org\n",
    )


def access_ref_to_later_person(folder: Path, big: bool) -> None:
    _people(folder)
    _write(
        folder,
        "docs/later.md",
        "---\ntitle: Later reader\nvisibility: restricted\nallowed: [newcomer@example.org]\n---\nFor the newcomer.\n",
    )


def _no_passwd(store: Any, folder: Path) -> int:
    leaked = 0
    for node in store.iter_nodes("Chunk"):
        text = str(node.props.get("text", ""))
        leaked += ("root:" in text) + ("secretword" in text)
    for node in store.iter_nodes("Person"):
        leaked += str(node.props.get("name", "")).startswith("---")
    return leaked


# fmt: off
CASES: list[Case] = [
    Case("completions_at_overflow", completions_at_overflow, r"^at: .*outside the years", 5 + 2, issue="1"),
    Case("interactions_timestamp_overflow", interactions_timestamp_overflow, r"^timestamp: ", 5 + 2, issue="1"),
    Case("membership_since_overflow", membership_since_overflow, r"^since: ", 5 + 2, issue="1"),
    Case("xapi_timestamp_overflow", xapi_timestamp_overflow, r"^timestamp: .*outside the years", 5 + 2, issue="1"),
    Case("xapi_score_400_digits", xapi_score_400_digits, r"^result.score: .*too large", 5 + 2, issue="1"),
    Case("ndjson_nested_deep", ndjson_nested_deep, r"nested too deep", 5 + 2, issue="2"),
    Case("ndjson_nested_moderately", ndjson_nested_moderately, r"nested more than 64 deep", 5 + 2, issue="2"),
    Case("ndjson_integer_5000_digits", ndjson_integer_5000_digits, r"integer of 5,000 digits", 5 + 2, issue="2"),
    Case("scim_document_deep_last", scim_document_deep_last, r"nested too deep", 3, issue="2"),
    Case("yaml_billion_laughs", yaml_billion_laughs, r"YAML alias", 5 + 1, issue="3"),
    Case("markdown_heading_of_hashes", markdown_heading_of_hashes, None, 5 + 2, issue="5"),
    Case("front_matter_key_backtracking", front_matter_key_backtracking, None, 5 + 3, issue="5"),
    Case("html_nested_divs", html_nested_divs, r"nest more than 256 deep", 5 + 1, issue="5"),
    Case("html_large_flat", html_large_flat, None, 5 + 1, issue="5"),
    Case("docx_expansion_bomb", docx_expansion_bomb, r"DOCX text parts expand", 5 + 1, issue="6"),
    Case("docx_not_a_zip", docx_not_a_zip, r"DOCX could not be parsed", 5 + 1),
    Case("pdf_flate_bomb", pdf_flate_bomb, r"PDF", 5 + 1),
    Case("text_200mb", text_200mb, r"the limit is 33,554,432 bytes", 5 + 1, issue="6"),
    Case(
        "text_many_passages",
        text_many_passages,
        r"passages, more than the limit of 50",
        5 + 1,
        {"chunks_per_document": 50},
    ),
    Case(
        "text_over_extracted_chars",
        text_over_extracted_chars,
        r"characters of text",
        5 + 1,
        {"extracted_chars": 100_000},
    ),
    Case("markdown_at_the_text_limit", markdown_at_the_text_limit, None, 5 + 1, big_only=True),
    Case("symlink_to_passwd", symlink_to_passwd, r"outside the folder", 5 + 1, leak=_no_passwd, issue="7"),
    Case("symlink_loop", symlink_loop, r"symbolic link loop", 5 + 1, issue="7"),
    Case("fifo_document", fifo_document, r"not a regular file", 5 + 1),
    Case("csv_unclosed_quote", csv_unclosed_quote, r"never closed", 5, issue="8"),
    Case("csv_nul_bytes", csv_nul_bytes, r"NUL character", 2, issue="also"),
    Case("scim_nul_and_huge_values", scim_nul_and_huge_values, r"^name.givenName: .*NUL", 2, issue="also"),
    Case("scim_huge_value", scim_nul_and_huge_values, r"^displayName: value is .* characters", 2, issue="also"),
    Case("csv_huge_cell", csv_huge_cell, r"cell is 1,048,576 characters|line is", 2, issue="also"),
    Case("csv_utf16", csv_utf16, None, 5, issue="also"),
    Case("people_without_names", people_without_names, None, 2, issue="also"),
    Case(
        "ndjson_one_huge_line",
        ndjson_one_huge_line,
        r"line is .* bytes, longer than the limit",
        5 + 2,
        {"line_bytes": MiB},
    ),
    Case("c1_control_in_quoted_title", c1_control_in_quoted_title, None, 5 + 2, issue="also"),
    Case("partial_dates", partial_dates, r"^date: .*2019-13", 5 + 2, issue="also"),
    Case("terminal_escapes_in_names", terminal_escapes_in_names, None, 2, issue="11"),
    Case("access_ref_to_later_person", access_ref_to_later_person, None, 5 + 1, issue="9"),
]
# fmt: on


def small_cases() -> list[Case]:
    return [c for c in CASES if not c.big_only]


# -- the harness -------------------------------------------------------------------------------------------
def _child(case: Case, folder: Path, out: Path, big: bool) -> None:
    """In the forked child: limit memory, ingest, write the result as JSON."""
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT_BYTES, MEMORY_LIMIT_BYTES))
    result: dict[str, Any] = {"name": case.name}
    t0 = time.perf_counter()
    try:
        from graph.sqlite_store import SQLiteStore
        from ingest.limits import Limits
        from ingest.pipeline import ingest_paths

        store = SQLiteStore(folder.parent / f"{case.name}.db")
        run = ingest_paths(store, [folder], limits=Limits().replace(**case.limits), overlap=True)
        report = run.to_dict()
        result["totals"] = report["totals"]
        result["rejections"] = [
            {"field": r["field"], "reason": r["reason"], "file": r["where"]["file"], "line": r["where"]["line"]}
            for s in report["sources"]
            for r in s["rejections"]
        ]
        result["leaks"] = case.leak(store, folder) if case.leak is not None else 0
        store.close()
    except BaseException:  # what the ingest must never do: reported as a crash with its traceback
        result["crash"] = traceback.format_exc()
    result["seconds"] = time.perf_counter() - t0
    result["max_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out.write_text(json.dumps(result))


def run_case(case: Case, work: Path, *, big: bool = False, timeout_s: float = TIMEOUT_S) -> dict[str, Any]:
    """Build the case's folder under ``work`` and ingest it in a forked child; the result as a dict with
    ``crash`` set when the child raised, died or ran out of time."""
    folder = work / case.name
    folder.mkdir(parents=True, exist_ok=True)
    case.build(folder, big)
    out = work / f"{case.name}.json"
    err = work / f"{case.name}.stderr"
    t0 = time.perf_counter()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        try:
            fd = os.open(err, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
            os.dup2(fd, 2)
            _child(case, folder, out, big)
        finally:
            os._exit(0)
    status = None
    while time.perf_counter() - t0 < timeout_s:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        time.sleep(0.02)
    else:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        return {"name": case.name, "crash": f"timeout after {timeout_s:.0f} s", "seconds": timeout_s, "max_rss_mb": 0}
    if not out.exists():
        return {"name": case.name, "crash": f"child died (status {status})", "seconds": time.perf_counter() - t0}
    result = json.loads(out.read_text())
    stderr = err.read_text(errors="replace") if err.exists() else ""
    if "Traceback" in stderr and "crash" not in result:
        result["crash"] = "traceback on stderr:\n" + stderr[-2000:]
    return result


def verdict(case: Case, result: dict[str, Any]) -> dict[str, Any]:
    """What the issue measures for one case: crashed, good records lost, leaks, the expected rejection found."""
    totals = result.get("totals") or {}
    lines = [
        f"{r['field'] or ''}: {r['reason']}".lstrip(": ") if r["field"] else r["reason"]
        for r in result.get("rejections", [])
    ]
    found = case.rejection is None or any(re.search(case.rejection, line) for line in lines)
    return {
        "crashed": "crash" in result,
        "good_lost": max(case.good - int(totals.get("accepted", 0)), 0),
        "leaks": int(result.get("leaks", 0)),
        "rejection_found": found,
        "rejections": lines,
    }


def run_all(cases: list[Case], work: Path, *, big: bool = False) -> list[dict[str, Any]]:
    """Every case in turn (each in its own child), from this process: import the ingest stack once first, so
    children fork with it loaded and measure only their own work."""
    sys.path.insert(0, str(ROOT))
    from ingest.chunking import model_token_counter
    from ingest.pipeline import ingest_paths  # noqa: F401 - loaded before the children fork

    model_token_counter()
    return [run_case(c, work, big=big) for c in cases]


def main(argv: list[str]) -> int:
    out = Path(argv[0])
    big = "--big" in argv
    names = [a for a in argv[1:] if not a.startswith("--")]
    cases = [c for c in CASES if (not names or c.name in names) and (big or not c.big_only)]
    import tempfile

    with tempfile.TemporaryDirectory(prefix="whoknows-hostile-") as tmp:
        results = run_all(cases, Path(tmp), big=big)
    out.write_text(json.dumps(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
