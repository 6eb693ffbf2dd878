"""Document search: best passage, permission trimming, opted-out authors not named; the CLI commands."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from search.documents import search_documents
from tests import search_fixtures
from tests.search_fixtures import FakeEmbedder, procurement_org

fake_embedder = search_fixtures.fake_embedder
org_store = search_fixtures.org_store


def test_documents_ranked_with_best_passage(org_store, fake_embedder):
    res = search_documents(org_store, fake_embedder, "risk scoring of suppliers after each audit")
    assert res[0].title == "Tier-2 supplier audits"
    assert res[0].passage.startswith("Risk scoring of suppliers")  # the second chunk is the best passage
    assert res[0].authors == ["Alice Ames", "Bob Brown"]
    json.dumps([r.to_dict() for r in res])


def test_opted_out_authors_are_not_named(org_store, fake_embedder):
    res = search_documents(org_store, fake_embedder, "supplier risk audits handbook")
    handbook = next(r for r in res if r.title == "Supplier risk audits handbook")
    assert handbook.authors == []


def test_restricted_documents_only_for_allowed_viewers(tmp_path: Path):
    emb = FakeEmbedder()
    org = procurement_org()
    org.doc("s.md", "Secret supplier audit", ["Secret supplier audit results."], authors=["carol"],
            visibility="restricted", allowed=["group:Procurement CoP"])  # fmt: skip
    store = org.build(tmp_path / "r.db", emb)
    titles = lambda v: [r.title for r in search_documents(store, emb, "secret supplier audit", viewer=v, limit=20)]  # noqa: E731
    assert "Secret supplier audit" not in titles(None)
    assert "Secret supplier audit" not in titles("frank")
    assert "Secret supplier audit" in titles("alice")  # member of the Procurement CoP group
    store.close()


def _cli(args: list[str]):
    from whoknows.cli import main

    return CliRunner().invoke(main, args, catch_exceptions=False)


def test_cli_search_and_docs(tmp_path: Path):
    store = procurement_org().build(tmp_path / "cli.db")  # no vectors: --embedder none is lexical only
    store.close()
    out = _cli(["search", "supplier risk audits", "--store", str(tmp_path / "cli.db"), "--embedder", "none"])
    assert out.exit_code == 0, out.output
    assert "Alice Ames" in out.output and "Wrote 2 documents on 'supplier risk audits'" in out.output
    assert "strong match 1.0" in out.output and "%" not in out.output.split("\n")[1]  # one decimal, no 92.42%
    out = _cli(["search", "supplier risk audits", "--store", str(tmp_path / "cli.db"), "--embedder", "none",
                "--json", "--role", "leader"])  # fmt: skip
    data = json.loads(out.output)
    assert [r["person_id"] for r in data["results"]] == ["carol"]
    assert data["results"][0]["evidence"] and data["match"] == data["results"][0]["match"] == "strong"
    out = _cli(["search", "supplier risk audits", "--store", str(tmp_path / "cli.db"), "--embedder", "none",
                "--json", "--limit", "1", "--person", "frank"])  # fmt: skip
    assert [r["person_id"] for r in json.loads(out.output)["results"]] == ["alice", "frank"]  # named: always scored
    out = _cli(["docs", "supplier risk register", "--store", str(tmp_path / "cli.db"), "--embedder", "none"])
    assert out.exit_code == 0 and "Supplier risk register" in out.output and "strong match" in out.output
    weak = ["docs", "notes on basket weaving for penguins", "--store", str(tmp_path / "cli.db"), "--embedder", "none"]
    out = _cli([*weak, "--json"])
    assert json.loads(out.output)["match"] != "strong"
    out = _cli(weak)
    assert out.output.startswith("No strong match for “notes on basket weaving for penguins”")
    out = _cli(["search", "x", "--store", str(tmp_path / "cli.db"), "--embedder", "none", "--viewer", "nobody"])
    assert out.exit_code == 1
