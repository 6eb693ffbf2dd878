"""A long pasted text as a query (search/longtext.py): all of it is embedded, its distinctive words are searched,
it never does worse than its own first paragraph, and it is shown shortened, never echoed whole."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from graph.sqlite_store import SQLiteStore
from search.expertise import STRONG, knows_about, shown_query
from search.longtext import LONG_WORDS, lexical_query, passages, query_vector
from tests.search_fixtures import FakeEmbedder, procurement_org, real_embedder  # noqa: F401
from whoknows.cli import main

BOILERPLATE = (
    "This document was prepared for the annual review of our operating model. It follows the usual structure of "
    "our internal reports, with an introduction, a description of the context, the work that was done, and a "
    "short conclusion. Readers are reminded that the content is for internal use and that the figures quoted "
    "are indicative. The authors thank everyone who contributed comments on earlier drafts of this report. "
)
TOPIC = (
    "The core of the work was supplier risk audits for our tier-2 suppliers: the audit checklist, the audit "
    "cadence, and the risk scoring of each supplier after each audit, feeding the supplier risk register."
)


def test_passages_keep_every_word_once_within_the_window() -> None:
    text = "\n\n".join([BOILERPLATE * 3, TOPIC, "word " * 400])
    parts = passages(text)
    assert " ".join(parts).split() == text.split()  # every word, once, in order
    assert all(len(p.split()) <= 180 for p in parts) and len(parts) >= 5


def test_short_text_is_embedded_and_searched_as_before() -> None:
    emb = FakeEmbedder()
    short = "supplier risk audits"
    assert (query_vector(emb, short) == emb.embed_query(short)).all()
    assert lexical_query(short) == short


def test_long_text_is_searched_by_its_most_frequent_content_words() -> None:
    long_text = BOILERPLATE * 2 + TOPIC * 3
    assert len(long_text.split()) > LONG_WORDS
    words = lexical_query(long_text, 5).split()
    assert words[0] == "supplier" and "the" not in words and len(words) == 5


def test_a_pasted_document_is_shown_shortened() -> None:
    shown = shown_query(BOILERPLATE * 10)
    assert len(shown) <= 80 and shown.endswith("…")


@pytest.fixture(scope="module")
def real_store(tmp_path_factory: pytest.TempPathFactory, real_embedder: Any) -> Iterator[SQLiteStore]:  # noqa: F811
    store = procurement_org().build(tmp_path_factory.mktemp("long") / "org.db", real_embedder)
    try:
        yield store
    finally:
        store.close()


@pytest.mark.slow
def test_the_subject_after_the_models_window_still_counts(real_store: SQLiteStore, real_embedder: Any) -> None:  # noqa: F811
    """A text whose subject comes after ~300 words of boilerplate: the model alone reads only the boilerplate
    (nobody close); embedded passage by passage, the supplier-audit people are found and called close."""
    text = "\n\n".join([BOILERPLATE * 4, TOPIC])
    assert len(text.split()) > 256  # words; the model's window is 256 tokens (more than one per word)
    out = {m.node_id: m for m in knows_about(real_store, text, embedder=real_embedder, limit=3)}
    assert "person:alice" in out and out["person:alice"].match != "none"
    truncated = real_embedder.embed_query(text)  # what the query vector was before: the first 256 tokens only
    whole = query_vector(real_embedder, text)
    topic = query_vector(real_embedder, TOPIC)
    assert float(truncated @ topic) < 0.3 < float(whole @ topic)


@pytest.mark.slow
def test_a_long_text_on_one_subject_is_as_strong_as_its_first_paragraph(
    real_store: SQLiteStore,
    real_embedder: Any,  # noqa: F811
) -> None:
    paragraphs = [TOPIC, TOPIC.replace("tier-2", "critical"), TOPIC.replace("our", "the group's")] * 3
    text = "\n\n".join(paragraphs)
    assert len(text.split()) > LONG_WORDS
    first = {m.node_id: m for m in knows_about(real_store, paragraphs[0], embedder=real_embedder, limit=3)}
    whole = {m.node_id: m for m in knows_about(real_store, text, embedder=real_embedder, limit=3)}
    assert first["person:alice"].match == whole["person:alice"].match == STRONG
    assert [m for m in whole if whole[m].match == STRONG] == [m for m in first if first[m].match == STRONG]


def test_cli_shows_a_pasted_document_shortened(tmp_path: Path) -> None:
    store = procurement_org().build(tmp_path / "cli.db")
    store.close()
    text = TOPIC + " " + BOILERPLATE * 20  # about 1,500 words
    out = CliRunner().invoke(main, ["search", text, "--store", str(tmp_path / "cli.db"), "--embedder", "none"])
    assert out.exit_code == 0, out.output
    assert BOILERPLATE.strip() not in out.output and len(out.output.splitlines()[0]) < 200
    data = json.loads(
        CliRunner()
        .invoke(main, ["search", text, "--store", str(tmp_path / "cli.db"), "--embedder", "none", "--json"])
        .output
    )
    assert len(data["query"]) <= 200 and data["query_words"] > 1000 and data["mode"] == "long"
