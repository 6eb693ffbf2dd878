"""From an answer to an action, without Streamlit: data rendered as text, contact links from the directory's
declared fields (SCIM and CSV), the introduction line, URL state values, completion privacy in profiles and
cards, and document sources (declared URL, or the stored file with its permission and integrity checks)."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest
from test_app_support import build_small_store

from graph.sqlite_store import SQLiteStore
from ingest.people import read_people_csv, read_scim_users
from search.permissions import ANONYMOUS, load_viewer
from whoknows.errors import ConfigError
from whoknows.webapp import settings, state
from whoknows.webapp.cards import evidence_markdown, expert_cards, private_view
from whoknows.webapp.contact import Contact, chat_template, check_chat_template, mailto, photo_bytes, safe_url, tel
from whoknows.webapp.directory import load_directory
from whoknows.webapp.profile import load_profile
from whoknows.webapp.reach import introduction
from whoknows.webapp.sources import (
    SourceUnavailableError,
    course_url,
    document_page_url,
    document_url,
    evidence_links,
    stored_file,
)
from whoknows.webapp.text import WJ, md, md_join

HOSTILE = [
    "![x](http://host.example/p.png)",
    "[Click](http://phish.example)",
    "<img src=http://host.example/q.png>",
    ":red[loud] :material/home: $x^2$",
    "# Heading\n- item\n> quote",
    "see https://evil.example/a or www.evil.example or ada@evil.example",
]


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_small_store(tmp_path_factory.mktemp("small"))


@pytest.fixture(scope="module")
def store(small: Path) -> SQLiteStore:
    return SQLiteStore(small, read_only=True)


# -- data as text ---------------------------------------------------------------------------------------
def _plain(escaped: str, *, keep_wj: bool = False) -> str:
    """What CommonMark shows for text escaped by ``md``: each backslash escape is its character."""
    out, i = [], 0
    while i < len(escaped):
        if escaped[i] == "\\" and i + 1 < len(escaped):
            out.append(escaped[i + 1])
            i += 2
        else:
            out.append(escaped[i])
            i += 1
    text = "".join(out)
    return text if keep_wj else text.replace(WJ, "")


@pytest.mark.parametrize("value", HOSTILE)
def test_md_escapes_every_markup_character(value: str) -> None:
    out = md(value)
    assert "\n" not in out
    for i, ch in enumerate(out):  # every punctuation character is escaped, so none can start markup
        if ch in "![]()<>:$#-*_`~|" and (i == 0 or out[i - 1] != "\\"):
            raise AssertionError(f"unescaped {ch!r} at {i} in {out!r}")
    shown = _plain(out, keep_wj=True)  # GFM autolinks are found in this text: none may start in it
    assert (
        "://" not in shown and "www." not in shown and all(shown[i - 1] == WJ for i, c in enumerate(shown) if c == "@")
    )
    assert _plain(out) == " ".join(value.split())  # reads exactly as the data, whitespace collapsed


def test_md_breaks_autolink_literals_and_keeps_none_empty() -> None:
    assert md("https://x.org") == f"https\\:{WJ}\\/\\/x\\.org" and md("a@b.org") == f"a{WJ}\\@b\\.org"
    assert md(None) == "" and md_join(["a", None, " ", "b"]) == "a, b"


# -- contact --------------------------------------------------------------------------------------------
def test_contact_links_from_declared_fields() -> None:
    c = Contact(emails=("ada@example.org",), phones=("+44 20 7946 0001",), ims=(("teams", "ada@example.org"),))
    links = c.links("https://teams.microsoft.com/l/chat/0/0?users={email}")
    assert [(link.label, link.url) for link in links] == [
        ("ada@example.org", "mailto:ada@example.org"),
        ("+44 20 7946 0001", "tel:+442079460001"),
        ("Chat", "https://teams.microsoft.com/l/chat/0/0?users=ada@example.org"),
    ]
    assert c.unlinked(None) == ["teams: ada@example.org"]  # a handle without a template is shown as text
    line = c.markdown(None)
    assert f"[ada{WJ}\\@example\\.org](<mailto:ada@example.org>)" in line and "teams\\: ada" in line


def test_contact_never_links_what_is_not_what_its_field_says() -> None:
    c = Contact(emails=("not an address", "x@y.org>(javascript:alert(1))"), phones=("call me maybe",))
    assert c.links() == []
    assert c.unlinked() == ["not an address", "x@y.org>(javascript:alert(1))", "call me maybe"]
    assert safe_url("javascript:alert(1)") is None and safe_url("data:text/html,x") is None
    assert safe_url("https://ok.example/a b") is None and safe_url("https:evil") is None
    assert safe_url("file:///etc/passwd", ("https", "http")) is None
    assert tel("+1 (555) 010-0199") == "tel:+15550100199" and tel("12") is None


def test_chat_template_is_checked() -> None:
    assert check_chat_template("slack://user?team=T1&id={im}") == "slack://user?team=T1&id={im}"
    for bad, words in [
        ("javascript:{email}", "scheme"),
        ("https://x.org/{email.__class__}", "expected one or more of"),
        ("https://x.org/chat", "no placeholder"),
        ("https://x.org/{0}", "expected one or more of"),
    ]:
        with pytest.raises(ConfigError, match=words):
            check_chat_template(bad)
    assert chat_template({}, {"WHOKNOWS_CHAT_LINK": "msteams:/l/chat/0/0?users={email}"}).startswith("msteams:")
    assert chat_template({"whoknows": {"chat_link": "https://c.example/{user_name}"}}, {}) == (
        "https://c.example/{user_name}"
    )
    assert chat_template({}, {}) is None
    # a placeholder this person has no value for: no link (and the handle stays visible as text)
    c = Contact(emails=("a@b.org",), ims=(("slack", "U1"),))
    assert c.chat_link("https://c.example/{user_name}") is None
    assert c.chat_link("slack://user?team=T1&id={im}") == "slack://user?team=T1&id=U1"
    evil = Contact(emails=("a@b.org",), ims=(("x", "U1&next=javascript:x"),))
    assert evil.chat_link("https://c.example/?id={im}") == "https://c.example/?id=U1%26next%3Djavascript%3Ax"


def test_mailto_encodes_subject_and_body() -> None:
    url = mailto(["a@b.org", "bad address", "c@d.org"], subject="Q: tariffs & take-or-pay?", body="Hi,\nwhy")
    assert url == "mailto:a@b.org,c@d.org?subject=Q%3A%20tariffs%20%26%20take-or-pay%3F&body=Hi%2C%0Awhy"


def test_photo_only_inline_images() -> None:
    assert photo_bytes("data:image/png;base64,iVBORw0KGgo=") == b"\x89PNG\r\n\x1a\n"
    assert photo_bytes("https://photos.example/ada.png") is None
    assert photo_bytes("data:text/html;base64,PGgxPg==") is None
    assert settings.remote_photos({}, {}) is False
    assert settings.remote_photos({"whoknows": {"remote_photos": True}}, {}) is True


SCIM = {
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
    "id": "u1",
    "displayName": "Ada",
    "emails": [{"value": "Ada@Example.org", "primary": True}],
    "phoneNumbers": [{"value": "+44 1", "type": "mobile"}, {"value": "+44 2", "type": "work", "primary": True}],
    "ims": [{"value": "ada@example.org", "type": "Teams"}, "plain-handle", {"value": ""}],
    "photos": [{"value": "https://p.example/t.png", "type": "thumbnail"}, {"value": "https://p.example/a.png"}],
}


def test_scim_contact_attributes() -> None:
    (rec,) = read_scim_users(io.BytesIO(json.dumps(SCIM).encode()), "people.json")
    assert rec.phones == ("+44 2", "+44 1")
    assert rec.ims == (("teams", "ada@example.org"), ("", "plain-handle"))
    assert rec.photo == "https://p.example/a.png"


def test_people_csv_contact_columns() -> None:
    text = "person_id,name,phone,chat,photo\nu1,Ada,+44 1; +44 2,teams:ada@x.org; U123,https://p.example/a.png\n"
    (rec,) = read_people_csv(io.BytesIO(text.encode()), "people.csv")
    assert rec.phones == ("+44 1", "+44 2") and rec.ims == (("teams", "ada@x.org"), ("", "U123"))
    assert rec.photo == "https://p.example/a.png"


def test_directory_carries_contact(store: SQLiteStore) -> None:
    people = load_directory(store)
    ada = people.by_id["person:u1"].contact
    assert ada.emails == ("ada@example.org",) and ada.phones == ("+44 20 7946 0001",)
    assert ada.ims == (("teams", "ada@example.org"),)
    assert people.by_id["person:u3"].contact.phones == ("+33 1 99 00 00 03", "+33 6 00 00 00 03")
    assert people.by_id["person:u2"].contact.phones == ()


# -- the reach path as an action ------------------------------------------------------------------------
def test_introduction_line() -> None:
    names = {"v": "Vi", "a": "Esther Mensah", "b": "Bo", "x": "Ivan"}.__getitem__
    assert introduction([("v", ""), ("x", "co-authored")], names) == (
        "You know Ivan directly (co-authored): contact them yourself."
    )
    assert introduction([("v", ""), ("a", "manager tie"), ("x", "interact")], names) == (
        "Ask Esther Mensah to introduce you to Ivan. You and Esther Mensah: manager tie; Esther Mensah and Ivan: "
        "interact."
    )
    long = introduction([("v", ""), ("a", "manager tie"), ("b", "interact"), ("x", "same community")], names)
    assert long.startswith("Ask Esther Mensah to introduce you; Ivan is 3 steps away: you → Esther Mensah")
    assert introduction([], names) == ""


# -- URL state ------------------------------------------------------------------------------------------
def test_url_state_values_are_checked() -> None:
    params = {"q": "  contract negotiation ", "dept": "Finance", "n": "25", "bad": "x" * 5000, "k": "-3"}
    assert state.param("q", params) == "contract negotiation" and state.param("none", params) is None
    assert len(state.param("bad", params) or "") == state.MAX_PARAM_CHARS
    assert state.choice("dept", ["Engineering", "Finance"], params) == 1
    assert state.choice("dept", ["Engineering"], params) is None  # not an option: ignored
    assert state.number("n", 10, 1, 50, params) == 25 and state.number("k", 5, 1, 30, params) == 5
    assert state.number("q", 10, 1, 50, params) == 10
    assert state.encode({"q": "x", "dept": None, "n": 10, "only": True, "off": False}, {"n": 10}) == {
        "q": "x", "dept": None, "n": None, "only": "1", "off": None,
    }  # fmt: skip


# -- privacy of learning records ------------------------------------------------------------------------
def test_failed_and_waived_completions_only_for_the_person_and_admins(store: SQLiteStore) -> None:
    # Di failed KM 100; Gus had it waived
    other = load_profile(store, "person:u4", load_viewer(store, "u2"))
    assert other.courses == []
    own = load_profile(store, "person:u4", load_viewer(store, "u4"), private=True)
    assert [(c.code, c.status, c.score) for c in own.courses] == [("KM 100", "failed", 0.2)]
    gus = load_profile(store, "person:u7", ANONYMOUS)
    assert gus.courses == [] and not any("waived" in e for t in gus.topics for e in t.evidence)
    cy = load_profile(store, "person:u3", ANONYMOUS)
    assert {(c.code, c.status, c.score) for c in cy.courses} == {
        ("KM 100", "completed", None), ("KM 101", "completed", None), ("NEG 200", "completed", None)
    }  # fmt: skip


def test_cards_hide_private_learning_records_from_others() -> None:
    result = {
        "node_id": "person:u7", "person_id": "u7", "name": "Gus", "score": 1.0, "why": "waived 'Code of Conduct'",
        "evidence": [
            {"kind": "community", "node_id": "community:c", "title": "CM", "relation": "member", "relevance": 1.0,
             "weight": 0.3, "contribution": 0.6},
            {"kind": "course", "node_id": "course:coc", "title": "Code of Conduct", "relation": "waived",
             "relevance": 1.0, "weight": 0.1, "contribution": 0.3},
            {"kind": "course", "node_id": "course:n", "title": "Negotiation", "relation": "passed", "relevance": 1.0,
             "weight": 0.4, "contribution": 0.1},
        ],
    }  # fmt: skip
    seen = private_view(result, "code of conduct")
    assert [(e["title"], e["relation"]) for e in seen["evidence"] if e["kind"] == "course"] == [
        ("Negotiation", "completed")
    ]
    assert "waived" not in seen["why"] and "Code of Conduct" not in seen["why"]
    (card,) = expert_cards([seen])
    assert card.withheld == pytest.approx(0.3)
    text = evidence_markdown(card)
    assert "Code of Conduct" not in text and "30% of the score comes from learning records" in text
    assert private_view({**result, "evidence": result["evidence"][:1]}, "q") == {**result, "evidence": result[
        "evidence"][:1]}  # fmt: skip


# -- sources --------------------------------------------------------------------------------------------
def test_document_and_course_links() -> None:
    assert document_url("doc:ab12", {"url": "https://wiki.example/x"}) == "https://wiki.example/x"
    assert document_url("doc:ab12", {"url": "javascript:alert(1)"}) == document_page_url("doc:ab12")
    assert document_page_url("doc:ab12") == "document?doc=ab12"
    assert course_url({"course_id": "https://lms.example/courses/km100"}) == "https://lms.example/courses/km100"
    assert course_url({"course_id": "km100"}) is None
    assert course_url({"course_id": "km100", "url": "https://lms.example/km100"}) == "https://lms.example/km100"


def test_evidence_links_for_every_document(store: SQLiteStore) -> None:
    docs = [n.id for n in store.iter_nodes("Document")]
    links = evidence_links(store, [*docs, "course:km100", "missing"])
    assert set(links) == set(docs)  # the tiny org's courses have plain ids: no link
    assert all(v == document_page_url(k) for k, v in links.items())


def _doc(store: SQLiteStore, title: str):  # type: ignore[no-untyped-def]
    node = next(n for n in store.iter_nodes("Document") if n.props.get("title") == title)
    view = store.get_node(node.id)  # with its provenance sources
    assert view is not None
    return view.node


def test_stored_file_is_served_only_when_permitted_and_unchanged(tmp_path: Path) -> None:
    path = build_small_store(tmp_path)
    store = SQLiteStore(path, read_only=True)
    runs = store.runs(10)
    doc = _doc(store, "Negotiating supply contracts with utilities")
    f = stored_file(store, doc, ANONYMOUS, runs)
    assert f.path == (tmp_path / "org" / "docs" / "utilities.md").resolve() and f.mime == "text/markdown"
    restricted = _doc(store, "Utility tariff audit findings")
    with pytest.raises(SourceUnavailableError, match="may not see"):
        stored_file(store, restricted, load_viewer(store, "u2"), runs)
    assert stored_file(store, restricted, load_viewer(store, "u8"), runs).name == "audit.md"  # group:Finance
    # edited after the ingest (here: made public): not served until ingested again
    (tmp_path / "org" / "docs" / "audit.md").write_text("---\ntitle: x\nvisibility: public\n---\nnew", encoding="utf-8")
    with pytest.raises(SourceUnavailableError, match="changed since it was ingested"):
        stored_file(store, restricted, load_viewer(store, "u8"), runs)
    # a symbolic link that leads out of the ingested folder is never followed
    target = tmp_path / "outside.md"
    shutil.copy(tmp_path / "org" / "docs" / "k8s.md", target)
    (tmp_path / "org" / "docs" / "k8s.md").unlink()
    (tmp_path / "org" / "docs" / "k8s.md").symlink_to(target)
    with pytest.raises(SourceUnavailableError, match="outside the ingested folder"):
        stored_file(store, _doc(store, "Kubernetes incident response"), ANONYMOUS, runs)
    # a moved folder: the runs no longer lead to it
    shutil.move(tmp_path / "org", tmp_path / "moved")
    with pytest.raises(SourceUnavailableError, match="no longer in"):
        stored_file(store, doc, ANONYMOUS, runs)
    with pytest.raises(SourceUnavailableError, match="not in the recorded runs"):
        stored_file(store, doc, ANONYMOUS, [])


def test_course_and_community_urls_from_csv_and_scim() -> None:
    from ingest.communities import read_communities_csv, scim_group
    from ingest.learning import read_courses_csv
    from ingest.records import Where

    (course,) = read_courses_csv(io.BytesIO(b"course_id,title,url\nkm100,KM,https://lms.example/km100\n"), "c.csv")
    assert course.url == "https://lms.example/km100"
    (comm,) = read_communities_csv(io.BytesIO(b"name,url\nLean,https://sites.example/lean\n"), "c.csv")
    assert comm.url == "https://sites.example/lean"
    group = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "id": "g1", "displayName": "Lean",
        "urn:whoknows:params:scim:schemas:extension:2.0:Group": {"url": " https://sites.example/lean "},
    }  # fmt: skip
    assert scim_group(group, Where("g.json"))[0].url == "https://sites.example/lean"  # type: ignore[union-attr]


def test_profile_change_log_beside_the_store() -> None:
    assert settings.profile_log_path("var/w.db", {}) == Path("var/w.db.profile-changes.jsonl")
    assert settings.profile_log_path("bolt://x:7687", {}) == Path("var/profile-changes.jsonl")
    assert settings.profile_log_path("var/w.db", {"WHOKNOWS_PROFILE_LOG": "/tmp/p.jsonl"}) == Path("/tmp/p.jsonl")
