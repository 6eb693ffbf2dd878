"""Writers for the demo's export files, byte-for-byte deterministic.

Every writer produces UTF-8 with ``\\n`` line endings and a fixed key order, so two runs with the same seed
give identical bytes (the determinism test compares hashes). YAML front matter is written by hand with
JSON-quoted scalars and flow lists: JSON strings are valid YAML, so the output parses with any YAML loader
and does not depend on a YAML library's formatting choices.
"""

from __future__ import annotations

import csv
import html
import io
import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any


def write_bytes(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def write_json(path: Path, obj: Any) -> None:
    write_bytes(path, (json.dumps(obj, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))


def json_line(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def write_lines(path: Path, lines: Iterable[str]) -> None:
    write_bytes(path, "".join(line + "\n" for line in lines).encode("utf-8"))


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(row)
    return buf.getvalue()


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    write_bytes(path, csv_text(header, rows).encode("utf-8"))


def _yaml_value(value: Any) -> str:
    if isinstance(value, list | tuple):
        return "[" + ", ".join(json.dumps(str(v)) for v in value) + "]"
    return json.dumps(str(value))


def markdown_document(front: dict[str, Any], body: str) -> str:
    """Markdown with YAML front matter; keys keep the insertion order of ``front``; ``date`` is left bare
    (``2025-06-01``) as people write it, so a YAML loader sees a date."""
    lines = ["---"]
    for key, value in front.items():
        if key == "date":
            lines.append(f"date: {value}")
        else:
            lines.append(f"{key}: {_yaml_value(value)}")
    lines.append("---")
    return "\n".join(lines) + "\n" + body.rstrip("\n") + "\n"


def markdown_to_blocks(body: str) -> list[tuple[str, str]]:
    """Split our simple Markdown into (kind, text) blocks: h1, h2, li, p; enough to render HTML and text."""
    blocks: list[tuple[str, str]] = []
    for raw in body.split("\n"):
        line = raw.strip().replace("**", "")
        if not line:
            continue
        if line.startswith("## "):
            blocks.append(("h2", line[3:]))
        elif line.startswith("# "):
            blocks.append(("h1", line[2:]))
        elif line.startswith(("- ", "* ")):
            blocks.append(("li", line[2:].removeprefix("[ ] ")))
        elif line[:1].isdigit() and ". " in line[:4]:
            blocks.append(("li", line.split(". ", 1)[1]))
        else:
            blocks.append(("p", line))
    return blocks


def html_document(title: str, body: str, *, lang: str = "en") -> str:
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{lang}">',
        "<head>",
        '<meta charset="utf-8">',
        f"<title>{html.escape(title)}</title>",
        "</head>",
        "<body>",
        '<nav><a href="/">Knowledge base</a> &rsaquo; Articles</nav>',
        "<main>",
    ]
    in_list = False
    for kind, text in markdown_to_blocks(body):
        if kind == "li" and not in_list:
            parts.append("<ul>")
            in_list = True
        elif kind != "li" and in_list:
            parts.append("</ul>")
            in_list = False
        parts.append(f"<{kind}>{html.escape(text)}</{kind}>")
    if in_list:
        parts.append("</ul>")
    parts += ["</main>", "<footer>Internal knowledge base. Do not forward outside the company.</footer>"]
    parts += ["</body>", "</html>"]
    return "\n".join(parts) + "\n"


def text_document(title: str, body: str) -> str:
    lines = [title, "=" * len(title), ""]
    for kind, text in markdown_to_blocks(body):
        if kind == "h1":
            continue
        if kind == "h2":
            lines += ["", text.upper(), ""]
        elif kind == "li":
            lines.append(f"  * {text}")
        else:
            lines += [text, ""]
    return "\n".join(lines).rstrip("\n") + "\n"
