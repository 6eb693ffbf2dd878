"""Every page of the app through ``streamlit.testing.v1.AppTest``: on the demo organisation (built once, see
test_app_support) and, where exact permission outcomes matter, on the tiny hand-written organisation.

AppTest quirk (Streamlit 1.67): elements the entrypoint draws before ``st.navigation`` (banner, sidebar picker)
appear in the element tree of the first run only, so those are asserted on first runs, and the viewer is set
through session state before the first run, as the picker's on_change would.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from test_app_support import APP, build_small_store, demo_store_path

from graph.open import open_store
from whoknows.webapp.directory import load_directory

pytestmark = pytest.mark.slow  # loads the real embedding model; the demo store is built once per code version

TIMEOUT = 120


@pytest.fixture(scope="module")
def demo() -> Path:
    return demo_store_path()


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_small_store(tmp_path_factory.mktemp("small-app"))


@pytest.fixture
def optout_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    f = tmp_path / "optout.jsonl"
    monkeypatch.setenv("WHOKNOWS_OPTOUT_FILE", str(f))
    monkeypatch.delenv("WHOKNOWS_ADMINS", raising=False)
    yield f


def app(store: Path, monkeypatch: pytest.MonkeyPatch, *, viewer: str | None = None) -> AppTest:
    monkeypatch.setenv("WHOKNOWS_STORE", str(store))
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    if viewer:
        at.session_state["viewer"] = f"person:{viewer}"
    return at


def no_exception(at: AppTest) -> None:
    assert not at.exception, [e.message for e in at.exception]


def search(at: AppTest, query: str, **filters: str) -> AppTest:
    at.text_input(key="q").input(query)
    for key, value in filters.items():
        at.selectbox(key=key).set_value(value)
    at.button(key="FormSubmitter:search_form-Search").click()
    at.run()
    no_exception(at)
    return at


CARD_HEAD = re.compile(r"^\*\*(\d+)\. (.+?)\*\*  \n([^\n]*)")


def plain(markdown: str) -> str:
    """Text escaped by whoknows.webapp.text.md as it reads: backslash escapes resolved, word joiners dropped."""
    return re.sub(r"\\(.)", r"\1", markdown).replace("\u2060", "")


def card_heads(at: AppTest) -> list[tuple[str, str]]:
    """(name, subtitle) of each result card, in rank order."""
    return [(plain(m.group(2)), plain(m.group(3))) for x in at.markdown if (m := CARD_HEAD.match(x.value))]


def card_names(at: AppTest) -> list[str]:
    return [name for name, _ in card_heads(at)]


def truth(demo: Path) -> dict:
    return json.loads((demo.parent / "org" / "truth.json").read_text()) if (demo.parent / "org").exists() else {}


# -- frame ------------------------------------------------------------------------------------------------
def test_local_demo_banner_and_search_home(demo: Path, monkeypatch: pytest.MonkeyPatch, optout_file: Path) -> None:
    at = app(demo, monkeypatch).run()
    no_exception(at)
    assert at.title[0].value == "Find an expert"
    assert "Local demo" in at.info[0].value
    picker = at.sidebar.selectbox(key="viewer_pick")
    assert picker.options[0] == "anyone inside the organisation" and len(picker.options) > 300


def test_missing_store_says_how_to_build_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = app(tmp_path / "none.db", monkeypatch).run()
    assert "whoknows demo --store" in at.error[0].value


def test_sign_in_required_when_auth_is_configured(demo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = app(demo, monkeypatch)
    at.secrets["auth"] = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "x"}
    at.user = {"is_logged_in": False}
    at.run()
    no_exception(at)
    assert at.button[0].label == "Sign in"
    assert not at.text_input  # nothing of the app before signing in
    with pytest.raises(ValueError):
        at.switch_page("pages/data.py")


def test_signed_in_viewer_from_email_and_admin_only_data(
    small: Path, monkeypatch: pytest.MonkeyPatch, optout_file: Path
) -> None:
    at = app(small, monkeypatch)
    at.secrets["auth"] = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "x"}
    at.user = {"is_logged_in": True, "email": "hal@example.org", "name": "Hal Abelson"}
    at.run()
    no_exception(at)
    assert "Signed in as Hal Abelson" in at.sidebar.caption[0].value
    assert not at.info or "Local demo" not in at.info[0].value
    with pytest.raises(ValueError):  # not an admin: the Data page is not even registered
        at.switch_page("pages/data.py")
    # Hal is in Finance: the Finance-restricted audit is his evidence to see
    search(at, "tariff audit capacity charges")
    assert any("Utility tariff audit findings" in m.value for m in at.markdown)

    admin = app(small, monkeypatch)
    admin.secrets["auth"] = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "x"}
    admin.secrets["whoknows"] = {"admins": ["hal@example.org"]}
    admin.user = {"is_logged_in": True, "email": "hal@example.org", "name": "Hal Abelson"}
    admin.run()
    admin.switch_page("pages/data.py").run()
    no_exception(admin)
    assert admin.title[0].value == "Data"


# -- find an expert ---------------------------------------------------------------------------------------
def test_search_ranks_the_planted_experts_with_evidence(
    demo: Path, monkeypatch: pytest.MonkeyPatch, optout_file: Path
) -> None:
    at = search(app(demo, monkeypatch).run(), "contract negotiation with utilities")
    names = card_names(at)
    assert len(names) == 10
    t = truth(demo)
    if t:
        leaders = t["communities"]["cop-contract-supplier-management"]["leaders"]
        people = {p.node_id: p.name for p in load_directory(open_store(str(demo), read_only=True)).people}
        assert {people[f"person:{u}"] for u in leaders} & set(names[:5])
    cards = [m.value.split("\n\n") for m in at.markdown if CARD_HEAD.match(m.value)]
    contacts = [block[1] for block in cards if len(block) > 2 and "](<mailto:" in block[1]]
    assert len(contacts) == 10  # every card has the e-mail link from the directory, under the name
    whys = [block[2] for block in cards if len(block) > 2 and block[2].startswith("_")]
    assert len(whys) == 10 and all(w.strip("_") for w in whys)  # and says why, right under that
    assert any(p.startswith("> ") for block in cards for p in block[3:])  # passages quoted
    assert len(at.get("page_link")) >= 10  # a profile link per card
    assert re.match(r"\d+ strong match(es)? for “", at.caption[0].value)  # how many know it, not how many shown


def test_search_says_no_strong_match_and_folds_the_closest(
    demo: Path, monkeypatch: pytest.MonkeyPatch, optout_file: Path
) -> None:
    at = search(app(demo, monkeypatch).run(), "xqzv blorft wuggle")
    assert at.warning and at.warning[0].value.startswith("No strong match for “xqzv blorft wuggle”")
    label = next(e.label for e in at.expander)  # what the folded people are, in words
    assert label in {f"Closest people ({k})" for k in ("weak matches", "weak or no match", "no real match")}
    assert not any("Wrote" in m.value for m in at.markdown)  # no claim of documents "on" nonsense
    long_text = "We need someone to review our supplier audit programme. " * 100
    at = search(app(demo, monkeypatch).run(), long_text)
    caption = at.caption[0].value
    assert "…" in caption and len(caption) < 200  # a pasted document is shown shortened, not echoed whole


def test_search_filters_by_department(demo: Path, monkeypatch: pytest.MonkeyPatch, optout_file: Path) -> None:
    at = search(app(demo, monkeypatch).run(), "contract negotiation", f_dept="Finance")
    subtitles = [sub for _, sub in card_heads(at)]
    assert subtitles and all("Finance" in s for s in subtitles)


def test_search_shows_how_to_reach_them(demo: Path, monkeypatch: pytest.MonkeyPatch, optout_file: Path) -> None:
    at = search(app(demo, monkeypatch, viewer="u0001").run(), "contract negotiation with utilities")
    assert "viewed as" in at.caption[0].value
    reach = [plain(m.value) for m in at.markdown if m.value.startswith("**How to reach them:**")]
    assert len(reach) == 10
    assert any(" to introduce you" in r for r in reach)


def test_search_trims_restricted_evidence_by_viewer(
    small: Path, monkeypatch: pytest.MonkeyPatch, optout_file: Path
) -> None:
    anon = search(app(small, monkeypatch).run(), "tariff audit capacity charges")
    assert not any("Utility tariff audit findings" in m.value for m in anon.markdown)
    finance = search(app(small, monkeypatch, viewer="u8").run(), "tariff audit capacity charges")
    assert any("Utility tariff audit findings" in m.value for m in finance.markdown)
    assert "Jo Opted" not in card_names(finance)  # opted out in the directory


# -- profile ----------------------------------------------------------------------------------------------
def test_profile_page(demo: Path, monkeypatch: pytest.MonkeyPatch, optout_file: Path) -> None:
    at = app(demo, monkeypatch).run()
    at.switch_page("pages/profile.py")
    at.query_params["person"] = "u0325"
    at.run()
    no_exception(at)
    assert at.title[0].value == "Noah Thompson"
    assert any("Contract & Supplier Management" in plain(m.value) and "leader" in m.value for m in at.markdown)
    headers = [h.value for h in at.subheader]
    for h in ("Network role", "Communities and roles", "Topics", "Ego network", "Works with"):
        assert h in headers
    assert any(h.startswith("Documents (") for h in headers) and any(h.startswith("Courses (") for h in headers)
    lines = [line for m in at.markdown for line in plain(m.value).splitlines()]
    topics = [line for line in lines if re.match(r"- .+: strong match \d", line)]
    assert topics  # the calibrated topics (search.expertise.person_topics), strong ones first
    assert list(at.dataframe[0].value.columns) == ["title", "role", "date", "community", "open"]
    assert any("Community-of-practice leader in" in c.value for c in at.caption)


def test_opted_out_profile_is_not_shown(small: Path, monkeypatch: pytest.MonkeyPatch, optout_file: Path) -> None:
    at = app(small, monkeypatch).run()
    at.switch_page("pages/profile.py")
    at.query_params["person"] = "u10"
    at.run()
    no_exception(at)
    assert any("opted out" in i.value for i in at.info)
    assert not at.dataframe


def test_opt_out_from_own_profile(small: Path, monkeypatch: pytest.MonkeyPatch, optout_file: Path) -> None:
    at = app(small, monkeypatch, viewer="u2").run()
    at.switch_page("pages/profile.py").run()  # no ?person=: the viewer's own profile
    no_exception(at)
    assert at.title[0].value == "Bo Diddley"
    at.button(key="optout").click().run()
    no_exception(at)
    assert any("request is recorded" in i.value for i in at.info)
    assert json.loads(optout_file.read_text().splitlines()[0])["person"] == "person:u2"
    # honoured at once: Bo no longer appears in search results
    other = search(app(small, monkeypatch).run(), "kubernetes pod crash-loops readiness probe")
    assert "Bo Diddley" not in card_names(other)


# -- knowledge leadership and risk ------------------------------------------------------------------------
def test_risk_page_curriculum(demo: Path, monkeypatch: pytest.MonkeyPatch, optout_file: Path) -> None:
    at = app(demo, monkeypatch).run()
    at.switch_page("pages/knowledge_risk.py").run()
    no_exception(at)
    assert at.header[0].value == "KM curriculum completion by department"
    table = at.dataframe[0].value
    assert {"department", "people", "KM 100", "whole curriculum"} <= set(table.columns)
    assert (table["people"] >= 5).all()  # small departments are never shown alone
    assert table["KM 100"].between(0, 1).all()


# -- data -------------------------------------------------------------------------------------------------
def test_data_page_lists_runs_and_every_rejection(
    demo: Path, monkeypatch: pytest.MonkeyPatch, optout_file: Path
) -> None:
    at = app(demo, monkeypatch).run()
    at.switch_page("pages/data.py").run()
    no_exception(at)
    assert at.title[0].value == "Data"
    run = open_store(str(demo), read_only=True).runs(1)[0]
    rejected = run["totals"]["rejected"]
    assert f"Rejections ({rejected})" in [s.value for s in at.subheader]
    frames = [d.value for d in at.dataframe]
    rej = next(f for f in frames if "reason" in f.columns)
    assert len(rej) == rejected and rej["reason"].notna().all() and rej["expected"].notna().all()


# -- network map ------------------------------------------------------------------------------------------
def test_network_map_page(demo: Path, monkeypatch: pytest.MonkeyPatch, optout_file: Path) -> None:
    at = app(demo, monkeypatch).run()
    at.switch_page("pages/network_map.py").run()
    no_exception(at)
    drawn = next(c.value for c in at.caption if "ties drawn" in c.value)
    people_drawn = int(drawn.split(" people")[0])
    assert 300 < people_drawn <= 400  # opted-out people and small groups are left out
    assert "Layout: igraph_fr" in drawn or "Layout: spring" in drawn
    metrics = {m.label: m.value for m in at.metric}
    assert 0.0 <= float(metrics["NMI communities vs departments"]) <= 1.0
    assert [s.value for s in at.subheader] == [
        "Communities, named by what dominates them", "Ties between departments", "Silos: E-I index per department",
        "Top brokers",
    ]  # fmt: skip
    verdict = [w.value for w in (*at.warning, *at.info)]
    assert any("departments" in v and "NMI" in v for v in verdict)  # one silo verdict with its reason
    named = next(d.value for d in at.dataframe if "made of" in d.value.columns)
    assert len(named) >= 3 and not any(n.startswith("community ") for n in named["community"])
    charts = [json.loads(c.proto.spec) for c in at.get("echarts_chart")]
    assert len(charts) == 3  # map, tie matrix, E-I: all ECharts, so the page needs no plotly.js
    markers = [s for s in charts[0]["series"] if s["type"] == "scatter"]
    assert sum(len(s["data"]) for s in markers) == people_drawn
    assert all(s["name"].endswith(")") for s in markers)  # "Department (n)"
    at.segmented_control(key="map_colour").set_value("community").run()
    no_exception(at)
    coloured = json.loads(at.get("echarts_chart")[0].proto.spec)
    names = {s["name"].rsplit(" (", 1)[0] for s in coloured["series"] if s["type"] == "scatter"}
    assert names == set(named["community"])  # the legend uses the communities' names


# -- spread an idea ---------------------------------------------------------------------------------------
def test_spread_an_idea_page(demo: Path, monkeypatch: pytest.MonkeyPatch, optout_file: Path) -> None:
    at = app(demo, monkeypatch).run()
    at.switch_page("pages/spread_idea.py").run()
    no_exception(at)
    at.text_area(key="idea").input("Share lessons learned from contract negotiations across departments")
    at.number_input(key="k").set_value(6)
    at.number_input(key="max_per").set_value(1)
    at.button(key="FormSubmitter:spread_form-Find seed people").click().run()
    no_exception(at)
    metrics = {m.label: m.value for m in at.metric}
    mean = float(metrics["Expected reach"].split()[0])
    lo, hi = (float(x) for x in metrics["95% interval"].split(" – "))
    assert lo <= mean <= hi and mean >= 6
    seeds = [m.value for m in at.markdown if m.value.startswith("**") and " · " in m.value]
    assert len(seeds) == 6
    departments = [s.split(" · ")[1] for s in seeds]
    assert len(set(departments)) == 6  # at most one per department
    assert all(re.search(r" · adds about \d+ people$", s) for s in seeds)
    reasons = [m.value for m in at.markdown if m.value.startswith("- ")]
    assert len(reasons) >= 6
    compared = next(d.value for d in at.dataframe if "who is briefed" in d.value.columns)
    assert list(compared["who is briefed"])[:3] == ["these people", "6 people at random", "the 6 best-connected"]
    assert compared["expected reach"].iloc[0] == pytest.approx(mean, abs=0.6)
    assert any("about the idea" in i.value for i in at.info)  # which people could be seeds, in words ("know(s)")
    at.selectbox(key="model").set_value("ic")
    at.radio(key="knowers_mode").set_value("ignore")
    at.button(key="FormSubmitter:spread_form-Find seed people").click().run()
    no_exception(at)
    assert any("The idea text was not used" in i.value for i in at.info)
    assert any("independent cascade" in c.value for c in at.caption)
    assert "Reach by department" in [s.value for s in at.subheader]
