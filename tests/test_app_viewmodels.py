"""The app's view models without Streamlit: settings, directory, profile (with permission trimming), KM
curriculum completion, ingest run tables, opt-out requests, reach paths and result cards, on a tiny store."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import networkx as nx
import pytest
from test_app_support import build_small_store

from graph.sqlite_store import SQLiteStore
from search.permissions import ANONYMOUS, load_viewer
from whoknows.errors import ConfigError, NotFoundError
from whoknows.webapp import settings
from whoknows.webapp.cards import card_markdown, evidence_markdown, expert_cards, filters_key, match_cards
from whoknows.webapp.curriculum import SMALL_GROUPS, curriculum_completion
from whoknows.webapp.directory import build_directory, load_directory
from whoknows.webapp.ego import ego_figure, ego_graph
from whoknows.webapp.optout import pending_people, read_requests, record_request
from whoknows.webapp.profile import load_profile
from whoknows.webapp.reach import hop_cost, reach_path
from whoknows.webapp.runs import count_rows, rejection_rows, run_rows, source_rows


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> SQLiteStore:
    path = build_small_store(tmp_path_factory.mktemp("small"))
    return SQLiteStore(path, read_only=True)


# -- settings ---------------------------------------------------------------------------------------------
def test_store_url_from_argv_env_default() -> None:
    assert settings.store_url(["--store", "x.db"], {"WHOKNOWS_STORE": "env.db"}) == "x.db"
    assert settings.store_url([], {"WHOKNOWS_STORE": "env.db"}) == "env.db"
    assert settings.store_url([], {}) == str(Path("var") / "whoknows.db")
    # a test runner's own flags are never taken for ours (no abbreviation matching)
    assert settings.store_url(["--st", "nope", "-q"], {}) == str(Path("var") / "whoknows.db")


def test_missing_store_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="whoknows demo --store"):
        settings.check_store_exists(str(tmp_path / "none.db"))
    settings.check_store_exists("bolt://localhost:7687")  # servers are checked when opened, not here


def test_auth_and_admins() -> None:
    assert not settings.auth_configured({})
    assert not settings.auth_configured({"auth": {}})
    assert settings.auth_configured({"auth": {"redirect_uri": "http://localhost:8501/oauth2callback"}})
    assert settings.admin_emails({"whoknows": {"admins": ["KM@Example.org"]}}) == {"km@example.org"}


def test_optout_file_beside_the_store() -> None:
    assert settings.optout_requests_path("var/w.db", {}) == Path("var/w.db.optout-requests.jsonl")
    assert settings.optout_requests_path("x.db", {"WHOKNOWS_OPTOUT_FILE": "/tmp/o.jsonl"}) == Path("/tmp/o.jsonl")


# -- directory --------------------------------------------------------------------------------------------
def test_directory_lookups(store: SQLiteStore) -> None:
    d = load_directory(store)
    assert len(d.people) == 11
    assert d.person_for_email("CY@example.org").node_id == "person:u3"
    assert d.person_for_email("nobody@example.org") is None
    assert d.departments() == ["Engineering", "Finance", "Legal"]
    assert "person:u10" not in {p.node_id for p in d.visible_people()}  # opted out
    assert d.role_options()[:4] == ["member", "leader", "facilitator", "sme"]


def test_shared_email_identifies_nobody() -> None:
    from graph.store import StoredNode

    nodes = [
        StoredNode("person:a", "Person", {"name": "A", "emails": ["team@x.org"]}),
        StoredNode("person:b", "Person", {"name": "B", "emails": ["team@x.org", "b@x.org"]}),
    ]
    d = build_directory(nodes)
    assert d.person_for_email("team@x.org") is None
    assert d.person_for_email("b@x.org").node_id == "person:b"


# -- profile ----------------------------------------------------------------------------------------------
def test_profile_trims_restricted_evidence(store: SQLiteStore) -> None:
    anon = load_profile(store, "person:u3", ANONYMOUS)
    assert [d.title for d in anon.documents] == ["Negotiating supply contracts with utilities"]
    assert "hidden_documents" not in {f.name for f in fields(anon)}  # not even a count of what they may not see
    finance = load_profile(store, "person:u3", load_viewer(store, "u8"))  # restricted to group:Finance
    assert {d.title for d in finance.documents} == {
        "Negotiating supply contracts with utilities",
        "Utility tariff audit findings",
    }


def test_profile_topics_roles_courses_collaborators(store: SQLiteStore) -> None:
    p = load_profile(store, "person:u3", ANONYMOUS)
    assert p.communities[0].name == "Contract Management" and p.communities[0].roles == ("sme",)
    assert [c.name for c in p.sme_of] == ["Contract Management"] and p.leads == []
    top = p.topics[0]  # the calibrated "knows about" of search/expertise.py, the same number search gives
    assert top.name == "contract negotiation" and top.match == "strong"
    from search.expertise import score_people

    (same,) = score_people(store, "contract negotiation", ["u3"], embedder=None)
    assert top.confidence == pytest.approx(same.score)
    assert top.evidence[0].startswith("Wrote 1 document on") and "'Negotiating supply contracts with utilities'" in (
        top.evidence
    )
    # the person also sees their restricted document: their own view counts it, with search's number for them
    own = load_profile(store, "person:u3", load_viewer(store, "u3"), private=True)
    (mine,) = score_people(store, "contract negotiation", ["u3"], embedder=None, viewer="u3")
    own_top = next(t for t in own.topics if t.name == "contract negotiation")
    assert own_top.confidence == pytest.approx(mine.score) and own_top.confidence >= top.confidence
    assert {c.code for c in p.courses} == {"KM 100", "KM 101", "NEG 200"}
    by_name = {c.name: c for c in p.collaborators}
    assert "their manager" in by_name["Ada Lovelace"].how and "co-authored 1 document" in by_name["Ada Lovelace"].how
    assert "Jo Opted" not in by_name  # opted-out people are never listed
    assert p.manager == ("person:u1", "Ada Lovelace")


def test_opted_out_profile_is_empty_to_others_but_not_to_themselves(store: SQLiteStore) -> None:
    other = load_profile(store, "person:u10", ANONYMOUS)
    assert not other.visible and other.documents == [] and other.topics == []
    own = load_profile(store, "person:u10", load_viewer(store, "u10"))
    assert own.opted_out and [d.title for d in own.documents] == ["Capacity charges explained"]


def test_profile_of_unknown_person(store: SQLiteStore) -> None:
    with pytest.raises(NotFoundError, match="no person"):
        load_profile(store, "person:nobody", ANONYMOUS)


def test_ego_network(store: SQLiteStore) -> None:
    g = ego_graph(store, "person:u3")
    assert set(g.nodes) == {"person:u3", "person:u1", "person:u5", "person:u7", "person:u8", "person:u9"}
    assert g.has_edge("person:u1", "person:u5")  # a tie among neighbours is drawn too
    assert "person:u10" not in g  # opted out
    fig = ego_figure(g)
    assert sum(len(t.x) for t in fig.data if t.mode == "markers+text") == g.number_of_nodes()


# -- curriculum -------------------------------------------------------------------------------------------
def test_km_curriculum_by_department(store: SQLiteStore) -> None:
    r = curriculum_completion(store)
    assert [c.code for c in r.courses] == ["KM 100", "KM 101"]  # NEG 200 is not part of it
    rows = {d.department: d for d in r.departments}
    assert set(rows) == {"Engineering", "Finance"}  # Legal (1 person) is too small even combined
    eng = rows["Engineering"]
    assert eng.people == 5 and eng.done == {"KM 100": 2, "KM 101": 1} and eng.all_done == 1  # failed: no credit
    fin = rows["Finance"]
    assert fin.done == {"KM 100": 2, "KM 101": 1}  # passed + waived count
    assert r.total.people == 11 and r.total.all_done == 2
    assert fin.share("KM 100") == pytest.approx(0.4)
    small = curriculum_completion(store, min_group=6)
    assert [d.department for d in small.departments] == [SMALL_GROUPS]


# -- runs -------------------------------------------------------------------------------------------------
def test_run_tables(store: SQLiteStore) -> None:
    runs = store.runs()
    rows = run_rows(runs)
    srcs = source_rows(runs[0])
    assert rows[0]["records"] == sum(s["records"] for s in srcs) and rows[0]["rejected"] == 0
    assert all(
        s["records"] == s["accepted"] + s["unchanged"] + s["rejected"] for s in srcs if s["kind"] != "interactions"
    )
    assert {s["kind"] for s in source_rows(runs[0])} >= {"people", "documents", "interactions"}
    nodes, rels = count_rows(store.counts())
    assert {"label": "Person", "count": 11} in nodes and {"type": "AUTHORED", "count": 5} in rels


def test_rejection_rows_name_file_line_field_reason() -> None:
    run = {
        "sources": [
            {
                "path": "/x/people.csv",
                "rejections": [
                    {"where": {"file": "people.csv", "line": 4, "record": None}, "field": "email",
                     "reason": "not an e-mail", "expected": "name@domain", "fatal": False},
                ],
            }
        ]
    }  # fmt: skip
    assert rejection_rows(run) == [
        {"file": "people.csv", "line": 4, "record": None, "field": "email", "reason": "not an e-mail",
         "expected": "name@domain", "stopped the file": False}
    ]  # fmt: skip


# -- opt-out ----------------------------------------------------------------------------------------------
def test_optout_requests_round_trip(tmp_path: Path) -> None:
    f = tmp_path / "sub" / "requests.jsonl"
    assert pending_people(f) == frozenset()
    record_request(f, "person:u2", email="bo@example.org", via="local demo")
    with f.open("a") as fp:
        fp.write('{"torn": \n')
    record_request(f, "person:u4", email=None, via="signed-in")
    assert pending_people(f) == {"person:u2", "person:u4"}
    assert read_requests(f)[0].email == "bo@example.org"


# -- reach ------------------------------------------------------------------------------------------------
def test_reach_prefers_fewer_hops_then_stronger_ties() -> None:
    G = nx.Graph()
    G.add_nodes_from("abcdefg")
    G.add_edge("a", "b", weight=0.1, interacted=0.1)
    G.add_edge("b", "g", weight=0.1, coauthor=0.1)
    G.add_edge("a", "c", weight=9.0, interacted=9.0)
    G.add_edge("c", "g", weight=9.0, community=9.0)
    G.add_edge("a", "d", weight=100.0)
    G.add_edge("d", "e", weight=100.0)
    G.add_edge("e", "g", weight=100.0)
    path = reach_path(G, "a", "g")
    assert [h.person for h in path] == ["a", "c", "g"]  # 2 hops over strong ties beats 2 weak, and 3 strong
    assert [h.how for h in path] == ["", "interact", "same community"]
    assert hop_cost(0.0, 6) < 1 + 1 / 6


def test_reach_skips_opted_out_and_hidden() -> None:
    G = nx.path_graph(["a", "b", "c"])
    G.nodes["b"]["opted_out"] = True
    assert reach_path(G, "a", "c") == []
    G.nodes["b"]["opted_out"] = False
    assert [h.person for h in reach_path(G, "a", "c")] == ["a", "b", "c"]
    assert reach_path(G, "a", "c", hidden={"b"}) == []
    assert reach_path(G, "a", "zz") == []


# -- cards ------------------------------------------------------------------------------------------------
def test_match_cards_show_the_calibrated_score_and_only_passing_evidence() -> None:
    person = {
        "node_id": "person:u3", "person_id": "u3", "name": "Cy", "score": 0.92421, "match": "strong",
        "why": "Wrote 1 document on 'utility contracts', incl. 'Utilities'", "title": "Analyst",
        "department": "Finance", "location": None,
        "evidence": [
            {"kind": "document", "node_id": "doc:1", "title": "Utilities", "relation": "first author",
             "similarity": 0.71, "share": 1.0, "passes": True, "passage": "Utility contracts ...", "date": None},
            {"kind": "document", "node_id": "doc:2", "title": "Pasta", "relation": "authored", "similarity": 0.1,
             "share": 0.0, "passes": False, "passage": None, "date": None},
        ],
    }  # fmt: skip
    (card,) = match_cards([person])
    assert card.label == "strong match 0.9" and card.match == "strong"  # one decimal, never "92.42%"
    assert [d.title for d in card.documents] == ["Utilities"]  # what did not pass is not shown as evidence
    assert card_markdown(card).split("\n\n")[0].endswith("strong match 0.9")
    assert "similarity 0.71" in evidence_markdown(card) and "of the score" not in evidence_markdown(card)


def test_cards_group_evidence_and_shares() -> None:
    result = {
        "node_id": "person:u3", "person_id": "u3", "name": "Cy", "score": 2.0, "why": "Wrote 1 document",
        "title": "Analyst", "department": "Finance", "location": "Paris",
        "evidence": [
            {"kind": "document", "node_id": "doc:1", "title": "Utilities", "relation": "first author",
             "contribution": 1.5, "passage": "word " * 200, "date": "2025-01-01"},
            {"kind": "community", "node_id": "community:cm", "title": "Contract Management", "relation": "sme",
             "contribution": 0.3},
            {"kind": "course", "node_id": "course:n", "title": "Negotiation", "relation": "passed",
             "contribution": 0.2},
        ],
    }  # fmt: skip
    (card,) = expert_cards([result])
    assert card.subtitle == "Analyst · Finance · Paris" and card.rank == 1
    assert [d.share for d in card.documents] == [0.75]
    assert card.roles == ["sme of Contract Management"]
    assert len(card.passages) == 1 and card.passages[0][2].endswith("…") and len(card.passages[0][2]) <= 282
    assert filters_key("Finance", None, "sme") == (("department", "Finance"), ("role", "sme"))
    head, why, quote, source = card_markdown(card).split("\n\n")
    assert head == f"**1. {card.name}**  \nAnalyst · Finance · Paris" and why == f"_{card.why}_"
    assert quote.startswith("> ") and source == f"— *{card.passages[0][1]}*"
    evidence = evidence_markdown(card)
    assert evidence.index("**Documents**") < evidence.index("**Courses**") and "75% of the score" in evidence
    assert "Communities and roles" in evidence
