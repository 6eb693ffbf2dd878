"""``whoknows search "..."`` (experts, with evidence and why) and ``whoknows docs "..."`` (knowledge assets).

Thin layer over :func:`search.ranking.find_experts` and :func:`search.documents.search_documents`: it opens the
store read-only, loads the embedder, and prints a readable table or ``--json``.
"""

from __future__ import annotations

import json
import sys
import textwrap
from typing import Any

import click

from whoknows.commands.options import open_cli_store, store_option

EMBED_HELP = "Embedding backend: onnx (int8, default) or torch (fp32 reference); none = lexical search only."


def _embedder(backend: str) -> Any:
    if backend == "none":
        return None
    from search.embedder import load_embedder

    return load_embedder(backend)


def _short(text: str | None, n: int) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= n else text[: n - 1] + "…"


MODE_HELP = (
    "How the ranking treats the query: typed = an interactive need (300 items per retrieval method, power 2.5, "
    "4-neighbour regularisation); long = a pasted document (2,000 items per method, 40-neighbour "
    "regularisation with lambda 0.9 and no similarity floor, power 2, normalisation alpha 0.5 / c 10); auto = long "
    "for 20 words or more, else typed."
)
THOROUGH_HELP = (
    "Same as --mode long: 2,000 items per retrieval method instead of 300, document score regularisation over 40 "
    "neighbours (lambda 0.9, no similarity floor) instead of 4 (lambda 0.7, floor 0.4), power 2 instead of 2.5, "
    "normalisation alpha 0.5 / c 10 instead of 0.3 / 5. Slower; for pasted documents."
)


def mode_config(mode: str) -> Any:
    """The ranking configuration of ``--mode``: auto (the switch by query length), typed or long, forced."""
    from dataclasses import replace

    from search.ranking import DEFAULT_CONFIG, THOROUGH_CONFIG

    return {"auto": DEFAULT_CONFIG, "typed": replace(DEFAULT_CONFIG, long_query_words=0), "long": THOROUGH_CONFIG}[mode]


def _mode_used(mode: str, text: str) -> str:
    from search.ranking import DEFAULT_CONFIG

    if mode != "auto":
        return mode
    return "long" if DEFAULT_CONFIG.for_query(text) is not DEFAULT_CONFIG else "typed"


_LABEL = {"strong": "strong match", "weak": "weak match", "none": "no match"}


def _closest_heading(what: str, matches: list[Any]) -> str:
    levels = {m.match for m in matches}
    kind = "weak matches" if levels == {"weak"} else "no real match" if "weak" not in levels else "weak or no match"
    return f"Closest {what} ({kind}):"


def print_matches(
    matches: list[Any], query: str, n_evidence: int, *, what: str = "people", strong_total: int | None = None
) -> None:
    """The matches in the order given (search's order shown: by level for a pasted document, else the ranking's
    order with people who are no match last). When someone is a strong match: strong and weak matches as cards
    (score and level, who, why, the evidence that passed), then people who are no match one line each under their
    own heading. When nobody is strong: a plain "No strong match" first and everyone one line each, under a
    heading that says whether they are weak matches or no match. ``strong_total``: how many strong matches the
    search found in all (the header says how many of them are shown)."""
    from search.expertise import NONE, STRONG, format_score, items_shown, overall_match, shown_query

    overall = overall_match(matches)
    q = shown_query(query)
    if overall != STRONG:
        click.secho(f"No strong match for “{q}”: nobody's evidence is close enough to say they know it.", bold=True)
        click.echo(_closest_heading(what, matches))
    else:
        n_strong = sum(1 for m in matches if m.match == STRONG)
        total = max(strong_total or 0, n_strong)
        more = f"; showing {n_strong} (--limit for more)" if total > n_strong else ""
        click.echo(f"{total} strong {'match' if total == 1 else 'matches'} for “{q}”{more}")
    cards = overall == STRONG
    for i, m in enumerate(matches, start=1):
        label = f"{_LABEL[m.match]} {format_score(m.score)}"
        if not cards or m.match == NONE:
            if cards and (i == 1 or matches[i - 2].match != NONE):
                click.echo(_closest_heading(f"other {what}", [x for x in matches[i - 1 :] if x.match == NONE]))
            where = f", {m.department}" if m.department else ""
            click.echo(f"{i:>2}. {m.name} [{m.person_id}]{where}  {label}: {_short(m.why, 90)}")
            continue
        where = ", ".join(x for x in (m.title, m.department, m.location) if x)
        click.secho(f"{i:>2}. {m.name}  [{m.person_id}]  {label}", bold=m.match == STRONG)
        if where:
            click.echo(f"    {where}")
        for line in textwrap.wrap(m.why, width=96):
            click.echo(f"    {line}")
        passing = [e for e in m.evidence if e.passes]
        shown = items_shown(m.evidence, m.match, lambda e: bool(e.passes))[:n_evidence]
        for e in shown:
            sim = f"similarity {e.similarity:.2f}" if e.similarity is not None else f"{e.share:.0%} of the words"
            sim = "their statement" if e.kind == "self-asserted" else sim
            click.echo(f"      {sim:<16} {e.relation:<16} {_short(e.title, 60)}")
        rest = len(passing) - len(shown)
        if rest > 0:
            more = "1 more close document" if rest == 1 else f"{rest} more close documents"
            click.echo(f"      ... {more} (--json shows all evidence)")


@click.command("search")
@click.argument("query")
@store_option
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1), help="How many people (no maximum).")
@click.option("--person", "persons", multiple=True, metavar="PERSON_ID",
              help="Also score this person whatever the ranking says (repeatable).")  # fmt: skip
@click.option("--department", default=None, help="Only people in this department (exact name, any case).")
@click.option("--location", default=None, help="Only people at this location (exact, any case).")
@click.option("--role", default=None, help="A CoP role (member, leader, facilitator, sme) or part of a job title.")
@click.option("--viewer", default=None, metavar="PERSON_ID", help="Apply this person's document permissions.")
@click.option("--embedder", "backend", default="onnx", show_default=True,
              type=click.Choice(["onnx", "torch", "none"]), help=EMBED_HELP)  # fmt: skip
@click.option("--evidence", "n_evidence", default=3, show_default=True, help="Evidence lines shown per person.")
@click.option("--mode", default="auto", show_default=True, type=click.Choice(["auto", "typed", "long"]),
              help=MODE_HELP)  # fmt: skip
@click.option("--thorough", is_flag=True, help=THOROUGH_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print results (with all evidence) as JSON.")
def search(
    query: str,
    store_url: str | None,
    limit: int,
    persons: tuple[str, ...],
    department: str | None,
    location: str | None,
    role: str | None,
    viewer: str | None,
    backend: str,
    n_evidence: int,
    mode: str,
    thorough: bool,
    as_json: bool,
) -> None:
    """Find the people who know about QUERY: ranked, each with a calibrated score (the same meaning for every
    query: strong match, weak match or no match), an honest why and the evidence behind it."""
    from search.expertise import answer, overall_match, shown_query, weak_before_strong

    if thorough:
        mode = "long"
    store = open_cli_store(store_url, read_only=True)
    try:
        found = answer(
            store, query, embedder=_embedder(backend), viewer=viewer, limit=limit, persons=persons,
            filters={"department": department, "location": location, "role": role}, config=mode_config(mode),
        )  # fmt: skip
    finally:
        store.close()
    matches = found.matches
    if as_json:
        payload = {
            "query": shown_query(query, 200),
            "query_words": len(query.split()),
            "mode": _mode_used(mode, query),
            "match": overall_match(matches),
            "strong_matches": found.strong,
            "people_considered": found.considered,
            "order": found.order,
            "results": [m.to_dict() for m in matches],
        }
        click.echo(json.dumps(payload, indent=2, default=str))
        return
    if not matches:
        click.echo("No one found. Try other words, fewer filters, or check that the store is ingested and embedded.")
        return
    print_matches(matches, query, n_evidence, strong_total=found.strong)
    if found.order == "ranking" and weak_before_strong([m.match for m in matches]):
        click.echo("In the order of all their evidence; the label says how close each person's own best work is.")
    sys.stdout.flush()


@click.command("docs")
@click.argument("query")
@store_option
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 500), help="How many documents.")
@click.option("--viewer", default=None, metavar="PERSON_ID", help="Apply this person's document permissions.")
@click.option("--embedder", "backend", default="onnx", show_default=True,
              type=click.Choice(["onnx", "torch", "none"]), help=EMBED_HELP)  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Print results as JSON.")
def docs(query: str, store_url: str | None, limit: int, viewer: str | None, backend: str, as_json: bool) -> None:
    """Find documents (knowledge assets) about QUERY, each with its best matching passage."""
    from search.documents import search_documents
    from search.expertise import shown_query

    store = open_cli_store(store_url, read_only=True)
    try:
        results = search_documents(store, _embedder(backend), query, viewer=viewer, limit=limit)
    finally:
        store.close()
    if as_json:
        overall = "strong" if any(d.match == "strong" for d in results) else "weak" if any(
            d.match == "weak" for d in results) else "none"  # fmt: skip
        payload = {"query": shown_query(query, 200), "match": overall, "results": [r.to_dict() for r in results]}
        click.echo(json.dumps(payload, indent=2, default=str))
        return
    if not results:
        click.echo("No documents found. Try other words, or check that the store is ingested and embedded.")
        return
    from search.expertise import format_score

    if not any(d.match == "strong" for d in results):
        click.secho(f"No strong match for “{shown_query(query)}”: no document is close enough to say it is about it.",
                    bold=True)  # fmt: skip
        click.echo("Closest documents (weak matches):" if any(d.match == "weak" for d in results) else
                   "Closest documents (no real match):")  # fmt: skip
    for i, d in enumerate(results, start=1):
        label = f"{_LABEL[d.match]} {format_score(d.match_score)}"
        if d.match != "strong":
            click.echo(f"{i:>2}. {_short(d.title, 70)}  {label}")
            continue
        meta = ", ".join(x for x in (", ".join(d.authors[:3]), d.date, d.community) if x)
        click.secho(f"{i:>2}. {d.title}  {label}", bold=True)
        if meta:
            click.echo(f"    {meta}")
        click.echo(f'    "{_short(d.passage, 160)}"')


def _drafts(sources: tuple[str, ...], texts: tuple[str, ...]) -> list[tuple[str, Any]]:
    """(name, DocumentRecord or Rejection or str) for every draft: files, the documents in a folder (sorted,
    recursively; files of other kinds are skipped), ``-`` for stdin (read as Markdown, so front matter works) and
    ``--text`` values (plain text)."""
    import io
    from pathlib import Path

    from ingest.documents import SUPPORTED_EXTENSIONS, read_document

    out: list[tuple[str, Any]] = []

    def read(name: str, fp: Any, key: str) -> None:
        out.append((name, read_document(fp, key, doc_key=key)))

    for src in sources:
        if src == "-":
            read("stdin", io.BytesIO(sys.stdin.buffer.read()), "stdin.md")
            continue
        path = Path(src)
        if not path.exists():
            raise click.BadParameter(f"{src}: no such file or folder", param_hint="PATH")
        files = sorted(f for f in path.rglob("*") if f.is_file()) if path.is_dir() else [path]
        for f in files:
            if path.is_dir() and f.suffix.lower() not in SUPPORTED_EXTENSIONS:
                continue
            with f.open("rb") as fp:
                read(str(f), fp, f.name)
    out += [(f"--text {i + 1}", t) for i, t in enumerate(texts)]
    return out


@click.command("reviewers")
@click.argument("sources", nargs=-1, metavar="[PATH|-]...")
@click.option("--text", "texts", multiple=True, metavar="TEXT", help="A draft given as text (repeatable).")
@store_option
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1), help="How many people per draft.")
@click.option("--viewer", default=None, metavar="PERSON_ID", help="Apply this person's document permissions.")
@click.option("--exclude", "exclude_people", multiple=True, metavar="PERSON_ID", help="Also leave out this person.")
@click.option("--embedder", "backend", default="onnx", show_default=True,
              type=click.Choice(["onnx", "torch", "none"]), help=EMBED_HELP)  # fmt: skip
@click.option("--evidence", "n_evidence", default=3, show_default=True, help="Evidence lines shown per person.")
@click.option("--json", "as_json", is_flag=True, help='Print {"drafts": [...]} (every evidence record) as JSON.')
def reviewers(
    sources: tuple[str, ...],
    texts: tuple[str, ...],
    store_url: str | None,
    limit: int,
    viewer: str | None,
    exclude_people: tuple[str, ...],
    backend: str,
    n_evidence: int,
    as_json: bool,
) -> None:
    """Who could review each draft: PATH is a document (Markdown, text, HTML, PDF, DOCX) or a folder of them (one
    ranking per draft, one model load), ``-`` reads a draft from stdin, --text gives one inline. People are
    ordered by their calibrated match (their best work, not the volume of unrelated work); a draft's own authors
    are never suggested, and an author the store cannot identify is warned about."""
    from ingest.report import Rejection
    from search.expertise import overall_match
    from search.index import graph_view
    from search.permissions import person_node_id
    from search.reviewers import AuthorResolver, asset_from_record, asset_from_text, find_reviewers

    drafts = _drafts(sources, texts)
    if not drafts:
        raise click.UsageError("give at least one draft: a PATH (file or folder), '-' for stdin, or --text TEXT")
    store = open_cli_store(store_url, read_only=True)
    payload: list[dict[str, Any]] = []
    unreadable: list[str] = []
    try:
        embedder = _embedder(backend)
        resolver = AuthorResolver(store)
        gv = graph_view(store)
        excluded = [person_node_id(p) for p in exclude_people]
        for name, record in drafts:
            if isinstance(record, Rejection):  # say why the file cannot be read and what would be valid
                unreadable.append(f"{name}: {record.reason}; expected {record.expected}")
                if len(drafts) > 1:
                    click.secho(f"warning: {unreadable[-1]} (skipped)", err=True, fg="yellow")
                continue
            asset = asset_from_text(record, name) if isinstance(record, str) else asset_from_record(
                store, record, resolver=resolver)  # fmt: skip
            for ref in asset.by_name:
                click.secho(f"warning: {name}: author {ref!r} matched a person only by name; left out to be safe",
                            err=True, fg="yellow")  # fmt: skip
            for ref in asset.unresolved:
                click.secho(f"warning: {name}: author {ref!r} matches nobody in the store, so they cannot be left "
                            "out; check the front matter", err=True, fg="yellow")  # fmt: skip
            results = find_reviewers(store, embedder, asset, viewer=viewer, limit=limit, exclude_people=excluded,
                                     graph=gv)  # fmt: skip
            if as_json:
                payload.append({
                    "document": name,
                    "match": overall_match(results),
                    "authors_left_out": sorted(asset.authors),
                    "authors_matched_by_name": list(asset.by_name),
                    "authors_unresolved": list(asset.unresolved),
                    "same_documents_in_store": sorted(asset.documents),
                    "results": [r.to_dict() for r in results],
                })  # fmt: skip
                continue
            click.secho(f"== {name}", bold=True)
            if asset.authors:
                click.echo(f"Leaving out the draft's authors: {', '.join(sorted(asset.authors))}")
            if not results:
                click.echo("No one found. Check that the store is ingested and embedded.")
                continue
            print_matches(results, asset.title or asset.text, n_evidence, what="reviewers")
    finally:
        store.close()
    if len(unreadable) == len(drafts):  # nothing could be read: an error, not an empty answer
        raise click.ClickException("; ".join(unreadable))
    if as_json:
        click.echo(json.dumps({"drafts": payload}, indent=2, default=str))
