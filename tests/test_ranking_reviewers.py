"""Who could review a knowledge asset (search/reviewers.py, ``whoknows reviewers``): never its own authors, never
its own stored copy as evidence, candidates from the long-query mode ordered by the calibrated score (a person's
best matches: a prolific author of unrelated work never outranks a close match), unresolvable authors warned
about, and the CLI reads files, folders, stdin and inline text with one model load."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from graph.store import Facts, Node, Rel
from ingest.documents import read_document
from search.expertise import knows_about
from search.ranking import THOROUGH_CONFIG, find_experts
from search.reviewers import Asset, asset_from_record, find_reviewers
from tests.search_fixtures import FakeEmbedder, OrgBuilder, procurement_org, real_embedder  # noqa: F401
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


def test_authors_are_left_out_and_the_rest_is_the_calibrated_order(store_and_file):
    store, emb, paper = store_and_file
    asset = asset_from_record(store, _record(paper))
    assert asset.authors == {"person:alice"} and not asset.documents and not asset.unresolved
    got = find_reviewers(store, emb, asset, limit=3)
    everyone = knows_about(store, asset.text, embedder=emb, limit=50, config=THOROUGH_CONFIG, order="score")
    assert "person:alice" in [r.node_id for r in everyone]  # alice would rank: leaving her out is a real change
    want = [r for r in everyone if r.node_id != "person:alice"][:3]
    assert [(r.node_id, r.score) for r in got] == [(r.node_id, r.score) for r in want]
    assert [r.score for r in got] == sorted((r.score for r in got), reverse=True)
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
    out = json.loads(res.output)["drafts"][0]
    assert out["authors_left_out"] == ["person:alice"] and out["match"] in ("strong", "weak", "none")
    ids = [r["node_id"] for r in out["results"]]
    assert ids and "person:alice" not in ids
    res = runner.invoke(main, ["reviewers", str(paper), "--store", url, "--embedder", "none", "--exclude", ids[0]])
    assert res.exit_code == 0 and "Leaving out" in res.output and f"[{ids[0].split(':')[1]}]" not in res.output
    assert "for “Supplier risk audits at tier 2”" in res.output  # the draft's title, not its text or markup
    bad = paper.with_suffix(".xyz")
    bad.write_text("x")
    res = runner.invoke(main, ["reviewers", str(bad), "--store", url, "--embedder", "none"])
    assert res.exit_code != 0 and "unsupported document format" in res.output


def test_cli_reviewers_folder_stdin_text_and_unresolved_authors(store_and_file, tmp_path, monkeypatch):
    store, _, _paper = store_and_file
    url = str(store.path)
    store.close()
    folder = tmp_path / "drafts"
    folder.mkdir()
    (folder / "a.md").write_text(PAPER, encoding="utf-8")
    (folder / "b.md").write_text(PAPER.replace('["id:alice"]', '["ghost@nowhere.example", "Carol Chen"]'), "utf-8")
    (folder / "notes.csv").write_text("not,a,draft\n", encoding="utf-8")  # other kinds of file are skipped
    loads = []
    import whoknows.commands.search as cmd

    real = cmd._embedder
    monkeypatch.setattr(cmd, "_embedder", lambda backend: loads.append(backend) or real(backend))
    runner = CliRunner()
    args = ["reviewers", str(folder), "-", "--text", "supplier risk audits", "--store", url, "--embedder", "none"]
    res = runner.invoke(main, [*args, "--json"], input=PAPER)
    assert res.exit_code == 0, res.output
    drafts = json.loads(res.stdout)["drafts"]
    assert [d["document"] for d in drafts] == [str(folder / "a.md"), str(folder / "b.md"), "stdin", "--text 1"]
    assert loads == ["none"]  # one model load for every draft
    b = drafts[1]
    assert b["authors_unresolved"] == ["ghost@nowhere.example"]  # warned about, never silently dropped
    assert b["authors_matched_by_name"] == ["Carol Chen"] and b["authors_left_out"] == ["person:carol"]
    assert "person:carol" not in {r["node_id"] for r in b["results"]}
    assert drafts[2]["authors_left_out"] == ["person:alice"]  # stdin is read as Markdown: front matter counts
    res = runner.invoke(main, [*args[:2], "--store", url, "--embedder", "none"])
    assert "matches nobody in the store" in res.stderr and "matched a person only by name" in res.stderr


@pytest.fixture(scope="module")
def prolific_store(tmp_path_factory, real_embedder):  # noqa: F811
    """Pat wrote 40 documents on Power BI dashboards; Quinn wrote one on supplier audits."""
    org = OrgBuilder()
    org.person("pat", "Pat Prolific", department="IT", title="Service Desk Analyst")
    org.person("quinn", "Quinn Close", department="Procurement", title="Supplier Quality Lead")
    for i in range(40):
        org.doc(f"pbi{i}.md", f"Power BI FAQ {i}", [f"Power BI dashboard question {i}: how to refresh a dataset, "
                f"publish a report to the workspace and share it with the team; gateway and licence notes."],
                authors=["pat"])  # fmt: skip
    org.doc("audit.md", "Supplier audit checklist", ["How we audit a supplier: on-site visit, quality system "
            "review, corrective actions and the follow-up audit of tier-2 suppliers."], authors=["quinn"])  # fmt: skip
    store = org.build(tmp_path_factory.mktemp("prolific") / "p.db", real_embedder)
    yield store
    store.close()


@pytest.mark.slow
def test_a_prolific_off_topic_author_never_outranks_a_close_match(prolific_store, real_embedder):  # noqa: F811
    draft = Asset("Draft: our supplier audit programme. Plan on-site audits of critical suppliers, review their "
                  "quality systems, agree corrective actions and schedule follow-up audits.")  # fmt: skip
    got = find_reviewers(prolific_store, real_embedder, draft, limit=2)
    assert next(r.node_id for r in got) == "person:quinn"
    pat = next(r for r in got if r.node_id == "person:pat")
    assert pat.match != "strong" and "Wrote 40" not in pat.why
