"""Who could review a knowledge asset (search/reviewers.py, ``whoknows reviewers``): never its own authors, never
its own stored copy as evidence, the long-query mode whatever the text's length, exact top-k after leaving out."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from graph.store import Facts, Node, Rel
from ingest.documents import read_document
from search.ranking import THOROUGH_CONFIG, find_experts
from search.reviewers import Asset, asset_from_record, find_reviewers
from tests.search_fixtures import FakeEmbedder, procurement_org
from whoknows.cli import main
from whoknows.errors import SearchError

PAPER = """---
title: Supplier risk audits at tier 2
authors: ["id:alice"]
---

Supplier risk audits for tier-2 suppliers: a checklist, the audit cadence and risk scoring after each audit.
"""


@pytest.fixture
def store_and_file(tmp_path: Path):
    org = procurement_org()
    emb = FakeEmbedder()
    store = org.build(tmp_path / "r.db", emb)
    paper = tmp_path / "paper.md"
    paper.write_text(PAPER, encoding="utf-8")
    yield store, emb, paper
    store.close()


def _record(path: Path):
    with path.open("rb") as fp:
        return read_document(fp, path.name, doc_key=path.name)


def test_authors_are_left_out_and_the_rest_is_the_exact_ranking(store_and_file):
    store, emb, paper = store_and_file
    asset = asset_from_record(store, _record(paper))
    assert asset.authors == {"person:alice"} and not asset.documents
    got = find_reviewers(store, emb, asset, limit=3)
    everyone = find_experts(store, emb, asset.text, limit=50, config=THOROUGH_CONFIG)
    assert "person:alice" in [r.node_id for r in everyone]  # alice would rank: leaving her out is a real change
    want = [r for r in everyone if r.node_id != "person:alice"][:3]
    assert [(r.node_id, r.score) for r in got] == [(r.node_id, r.score) for r in want]
    more = find_reviewers(store, emb, asset, limit=3, exclude_people=[want[0].node_id])
    assert want[0].node_id not in [r.node_id for r in more]


def test_a_stored_copy_is_excluded_and_its_authors_too(store_and_file):
    store, _, paper = store_and_file
    rec = _record(paper)
    # the same asset already ingested: a document with the file's content hash, co-written by bob
    copy = Node("doc:copy", "Document", {"title": "Copy", "visibility": "internal", "content_hash": rec.content_hash})
    chunk = Node("chunk:copy:0", "Chunk", {"n": 0, "text": rec.text, "doc_id": "doc:copy"})
    rels = [Rel("HAS_CHUNK", "doc:copy", "chunk:copy:0", {"n": 0}), Rel("AUTHORED", "person:bob", "doc:copy", {})]
    with store.transaction():
        store.write([Facts("copy", [copy, chunk], rels)])
    asset = asset_from_record(store, rec)
    assert asset.documents == {"doc:copy"} and asset.authors == {"person:alice", "person:bob"}
    results = find_reviewers(store, None, asset, limit=10)
    assert results and not {"person:alice", "person:bob"} & {r.node_id for r in results}
    assert all(e.node_id != "doc:copy" for r in results for e in r.evidence)
    # without the exclusion the copy would be evidence (for bob): the exclusion is doing the work
    plain = find_experts(store, None, asset.text, limit=10, config=THOROUGH_CONFIG)
    assert any(e.node_id == "doc:copy" for r in plain for e in r.evidence)


def test_empty_text_and_bad_limit_are_clear_errors(store_and_file):
    store, emb, _ = store_and_file
    with pytest.raises(SearchError, match="no text"):
        find_reviewers(store, emb, Asset("   "))
    with pytest.raises(SearchError, match="at least 1"):
        find_reviewers(store, emb, Asset("supplier"), limit=0)


def test_cli_reviewers_json_and_table(store_and_file):
    store, _, paper = store_and_file
    url = str(store.path)
    store.close()
    runner = CliRunner()
    res = runner.invoke(main, ["reviewers", str(paper), "--store", url, "--embedder", "none", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["authors_left_out"] == ["person:alice"]
    ids = [r["node_id"] for r in out["results"]]
    assert ids and "person:alice" not in ids
    res = runner.invoke(main, ["reviewers", str(paper), "--store", url, "--embedder", "none", "--exclude", ids[0]])
    assert res.exit_code == 0 and "Leaving out" in res.output and f"[{ids[0].split(':')[1]}]" not in res.output
    bad = paper.with_suffix(".xyz")
    bad.write_text("x")
    res = runner.invoke(main, ["reviewers", str(bad), "--store", url, "--embedder", "none"])
    assert res.exit_code != 0 and "unsupported document format" in res.output
