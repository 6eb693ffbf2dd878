"""Nothing derived from a restricted document reaches a viewer who may not read it (issue 15, case 4).

The tiny organisation of test_app_support plus one document restricted to Kay, co-written by Kay and Ivy (who
have no other tie), about a tag used nowhere else. For the common view (``viewer=None``: what shared analytics,
the CLI and the risk page show) and for a viewer outside ``allowed``, the tag is no topic, Kay and Ivy are not
tied, the document adds no count; for Kay herself all of it is there, so the trimming is not a blanket drop.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_app_support import build_small_store

from graph.access import ANONYMOUS, document_access, load_viewer, topics_in_view
from graph.analytics.networkers import topic_affinity_from_store
from graph.analytics.projection import project_store
from graph.analytics.risk import community_health_from_store, topic_expertise_from_store
from graph.sqlite_store import SQLiteStore
from whoknows.commands.analytics import risk

SECRET_TAG = "falcon merger"
LONE_TAG = "heron divestiture"  # on one restricted document by Kay alone: "Kay, the only expert on ..." if it leaked
SECRET_TITLE = "Project Falcon acquisition terms"
KAY, IVY, HAL = "person:u11", "person:u9", "person:u8"

DOC_FALCON = f"""---
title: {SECRET_TITLE}
authors: [kay@example.org, ivy@example.org]
community: Contract Management
tags: [{SECRET_TAG}]
visibility: restricted
allowed: [kay@example.org]
date: 2025-09-01
---
Falconbridge earn-out escrow terms for the acquisition, agreed with the vendor's counsel.
"""

DOC_HERON = f"""---
title: Heron divestiture plan
authors: [kay@example.org]
tags: [{LONE_TAG}]
visibility: restricted
allowed: [kay@example.org]
---
Carve-out schedule for the Heron business unit.
"""


@pytest.fixture(scope="module")
def store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_small_store(
        tmp_path_factory.mktemp("trim"), {"docs/falcon.md": DOC_FALCON, "docs/heron.md": DOC_HERON}
    )


@pytest.fixture
def store(store_path: Path):
    s = SQLiteStore(store_path, read_only=True)
    yield s
    s.close()


def test_document_access_splits_by_viewer(store: SQLiteStore) -> None:
    common = document_access(store)
    kay = document_access(store, "u11")
    assert common.viewer == ANONYMOUS
    assert len(kay.readable) == len(common.readable) + 2 and len(common.withheld) == 3  # + the Finance audit
    falcon = next(iter(kay.readable - common.readable))
    assert not common.may_read(falcon) and not common.passes(falcon) and kay.may_read(falcon)
    assert common.passes("course:km100") and not common.passes("doc:written-after-the-snapshot")


def test_projection_has_no_tie_from_a_restricted_document(store: SQLiteStore) -> None:
    assert not project_store(store).has_edge(KAY, IVY)
    assert not project_store(store, viewer="u8").has_edge(KAY, IVY)
    G = project_store(store, viewer="u11")
    assert G.has_edge(KAY, IVY) and G[KAY][IVY]["coauthor"] == 1.0


def test_topics_and_expertise_only_from_readable_documents(store: SQLiteStore) -> None:
    for viewer in (None, "u8"):
        names, _ = topics_in_view(store, document_access(store, viewer))
        assert SECRET_TAG not in names.values() and LONE_TAG not in names.values()
        per_topic = topic_expertise_from_store(store, viewer=viewer)
        assert SECRET_TAG not in per_topic and LONE_TAG not in per_topic
        assert all(KAY not in scores and IVY not in scores for scores in per_topic.values())
    mine = topic_expertise_from_store(store, viewer="u11")
    assert mine[SECRET_TAG] == {KAY: 1.0, IVY: 1.0}
    # the Finance-restricted audit counts for a Finance viewer only
    assert topic_expertise_from_store(store, viewer="u8")["contract negotiation"]["person:u3"] == 2.0
    assert topic_expertise_from_store(store)["contract negotiation"]["person:u3"] == 1.0


def test_community_document_counts_only_readable(store: SQLiteStore) -> None:
    def docs(viewer: str | None) -> int:
        health = community_health_from_store(store, min_group_size=1, viewer=viewer)
        return next(c["documents"] for c in health.values() if c["name"] == "Contract Management")

    assert docs(None) == 1 and docs("u8") == 1 and docs("u11") == 2


def test_topic_affinity_ignores_restricted_text(store: SQLiteStore) -> None:
    assert topic_affinity_from_store(store, "Falconbridge escrow") == {}
    assert set(topic_affinity_from_store(store, "Falconbridge escrow", viewer="u11")) == {KAY, IVY}


def test_load_viewer_of_unknown_person_is_refused(store: SQLiteStore) -> None:
    from whoknows.errors import NotFoundError

    with pytest.raises(NotFoundError, match="not a person"):
        load_viewer(store, "nobody")


def test_cli_risk_shows_nothing_restricted(store_path: Path) -> None:
    for args in (["--json"], []):
        res = CliRunner().invoke(risk, ["--store", str(store_path), *args])
        assert res.exit_code == 0, res.output
        assert SECRET_TAG not in res.output and LONE_TAG not in res.output and "Falcon" not in res.output
    report = json.loads(CliRunner().invoke(risk, ["--store", str(store_path), "--json"]).output)
    assert "contract negotiation" in report["topics"] and "kubernetes" in report["single_expert_topics"]


@pytest.mark.slow
def test_risk_page_shows_no_restricted_tag(store_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from streamlit.testing.v1 import AppTest
    from test_app_support import APP

    monkeypatch.setenv("WHOKNOWS_STORE", str(store_path))
    monkeypatch.delenv("WHOKNOWS_ADMINS", raising=False)
    for viewer in (None, HAL):
        at = AppTest.from_file(str(APP), default_timeout=120)
        if viewer:
            at.session_state["viewer"] = viewer
        at.run()
        at.switch_page("pages/knowledge_risk.py").run()
        assert not at.exception, [e.message for e in at.exception]
        shown = json.dumps([str(e.value) for e in (*at.markdown, *at.caption, *at.dataframe)], default=str)
        assert "Single-expert topics" in json.dumps([h.value for h in at.header])
        assert "kubernetes" in shown  # Bo, the only expert on kubernetes, is listed: the section is not empty
        assert SECRET_TAG not in shown and LONE_TAG not in shown and "Falcon" not in shown, shown


def test_access_named_before_the_person_arrives_is_theirs_once_they_do(tmp_path: Path) -> None:
    from ingest.pipeline import ingest_paths

    org = tmp_path / "org"
    (org / "docs").mkdir(parents=True)
    (org / "people.csv").write_text("person_id,name,email\nu1,Ada,ada@x.org\nu2,Bo,shared@x.org\n")
    (org / "docs" / "later.md").write_text(
        "---\ntitle: For the newcomer\nvisibility: restricted\nallowed: [newcomer@x.org, shared@x.org]\n---\nHello.\n"
    )
    store = SQLiteStore(tmp_path / "s.db")
    run = ingest_paths(store, [org])
    notes = [n.message for s in run.sources for n in s.notices]
    assert any("'allowed' names email:newcomer@x.org, who is not in the directory yet" in m for m in notes), notes
    (doc,) = store.iter_nodes("Document")
    assert doc.props["allowed"] == ["ref:email:newcomer@x.org", "person:u2"]
    assert not load_viewer(store, "u1").can_see(doc.props) and not ANONYMOUS.can_see(doc.props)
    # a later run brings the newcomer (and someone else claiming Bo's e-mail): no document is re-ingested
    (org / "people.csv").write_text(
        "person_id,name,email\nu1,Ada,ada@x.org\nu2,Bo,shared@x.org\nu9,Newcomer,NewComer@x.org\n"
    )
    ingest_paths(store, [org])
    (doc,) = store.iter_nodes("Document")
    assert load_viewer(store, "u9").can_see(doc.props) and not load_viewer(store, "u1").can_see(doc.props)
    # an alias two people share names nobody (as in ingest's identity index): fail closed
    doc.props["allowed"] = ["ref:email:twin@x.org"]
    (org / "people.csv").write_text(
        "person_id,name,email\nu1,Ada,ada@x.org;twin@x.org\nu2,Bo,shared@x.org\nu3,Cy,twin@x.org\n"
    )
    ingest_paths(store, [org])
    assert not load_viewer(store, "u1").can_see(doc.props) and not load_viewer(store, "u3").can_see(doc.props)
