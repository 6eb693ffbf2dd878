"""The whole app end to end in a real headless Chromium: search, open a profile, open the map, click a person on
it, run a spread, and check the Data page; assert what a person would see, and save a screenshot of each page to
docs/screenshots/ (shown in docs/app.md)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from whoknows.webapp.tour import settled

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
QUERY = "contract negotiation with utilities"


def wait_idle(page) -> None:  # type: ignore[no-untyped-def]
    """Until Streamlit has finished the current script run and no element is left stale (tour.settled). A run's
    status widget shows only after a moment, so counts are still checked with waiting assertions (expect)."""
    settled(page)


def shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def open_app(page, app_url: str, path: str = "") -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{app_url}/{path}")
    page.get_by_test_id("stSidebar").wait_for()
    page.get_by_role("heading", level=1).first.wait_for()
    wait_idle(page)


def test_search_then_profile(page, app_url: str) -> None:  # type: ignore[no-untyped-def]
    open_app(page, app_url)
    page.get_by_text("Local demo").wait_for()
    box = page.get_by_label("What do you need to know about?")
    box.fill(QUERY)
    page.get_by_role("button", name="Search").click()
    page.get_by_text(re.compile(r"\d+ (people|strong match(es)?) for")).wait_for()
    wait_idle(page)
    cards = page.locator("[class*='st-key-card_']")
    expect(cards).to_have_count(10)  # waits: the caption is drawn before the cards
    first = cards.first
    assert first.get_by_text(re.compile(r"^(Wrote|SME reviewer|leads|SME in)")).first.is_visible()
    name = first.locator("strong").first.inner_text().split(". ", 1)[1]
    shot(page, "find-an-expert")

    first.get_by_role("link", name="Profile").click()
    page.get_by_role("heading", name=name).wait_for()
    wait_idle(page)
    assert "person=" in page.url
    for section in ("Network role", "Communities and roles", "Topics", "Ego network", "Works with"):
        page.get_by_role("heading", name=section).wait_for()
    wait_idle(page)
    shot(page, "person-profile")


def test_viewer_sees_how_to_reach_an_expert(page, app_url: str) -> None:  # type: ignore[no-untyped-def]
    open_app(page, app_url)
    picker = page.get_by_test_id("stSidebar").get_by_role("combobox")
    picker.click()
    picker.fill("Alejandro Kaur")
    page.get_by_role("option", name=re.compile("Alejandro Kaur")).click()
    wait_idle(page)
    page.get_by_label("What do you need to know about?").fill(QUERY)
    page.get_by_role("button", name="Search").click()
    page.get_by_text(re.compile("viewed as Alejandro Kaur")).wait_for()
    reach = page.get_by_text(re.compile(r"^How to reach them: (Ask .+ to introduce you|You know .+ directly)"))
    reach.first.wait_for()  # one line per strong match shown (weaker matches are folded, with theirs inside)
    assert re.search(r"Ask .+ to introduce you|You know .+ directly", "\n".join(reach.all_inner_texts()))


def topmost_marker(store: Path) -> tuple[str, str, float, float]:
    """The marker ECharts draws last (on top of every other), as the app builds it: (person id, name, x, y)."""
    from graph.analytics.projection import project_store
    from graph.open import open_store
    from whoknows.webapp import settings
    from whoknows.webapp.netmap import map_option
    from whoknows.webapp.precompute import AnalyticsCache

    G = project_store(open_store(str(store), read_only=True))
    a = AnalyticsCache().get(G, directory=settings.network_cache_dir(str(store)))
    pts = a.map_data["points"]
    pos = {v: (float(x), float(y)) for v, x, y in zip(pts["nodes"], pts["x"], pts["y"], strict=True)}
    btw = {v: r["betweenness"] for v, r in a.report["people"].items()}
    view = map_option(G, pos, dict(zip(pts["nodes"], pts["department"], strict=True)), size_by=btw)
    x, y, _, name, _ = view.option["series"][-1]["data"][-1]
    return view.people[-1][-1], name, x, y


def test_network_map_click_opens_profile(page, app_url: str) -> None:  # type: ignore[no-untyped-def]
    from test_app_support import demo_store_path

    from whoknows.webapp.netmap import marker_pixel

    open_app(page, app_url, "network_map")
    canvas = page.locator("[class*='st-key-network_map'] canvas").first
    canvas.wait_for()
    wait_idle(page)
    page.get_by_text(re.compile(r"\d+ people and \d+ of \d+ ties drawn")).wait_for()
    page.get_by_role("heading", name="Ties between departments").wait_for()
    page.get_by_role("heading", name="Silos: E-I index per department").wait_for()
    assert page.locator(".js-plotly-plot").count() == 0  # all three charts are ECharts canvases
    wait_idle(page)
    shot(page, "network-map")
    # click a person: ECharts tells Streamlit (series, index), the page resolves it and opens the profile
    person, name, x, y = topmost_marker(demo_store_path())
    box = canvas.bounding_box()
    px, py = marker_pixel(x, y)
    page.mouse.move(box["x"] + px, box["y"] + py)
    page.get_by_text(name).first.wait_for()  # the tooltip names the person under the pointer
    page.mouse.click(box["x"] + px, box["y"] + py)
    page.wait_for_url(re.compile(rf"person={person.removeprefix('person:')}"), timeout=60_000)
    page.get_by_role("heading", name=name).wait_for()
    page.get_by_role("heading", name="Network role").wait_for()


def test_spread_an_idea(page, app_url: str) -> None:  # type: ignore[no-untyped-def]
    open_app(page, app_url, "spread_idea")
    page.get_by_label("The idea", exact=True).fill(
        "Share lessons learned from contract negotiations across departments"
    )
    page.get_by_role("button", name="Find seed people").click()
    page.get_by_role("heading", name=re.compile(r"Seed people \(5\)")).wait_for(timeout=120_000)
    page.get_by_role("heading", name="Reach by department").wait_for()
    wait_idle(page)
    metrics = page.get_by_test_id("stMetric")
    assert "Expected reach" in metrics.nth(0).inner_text() and "people" in metrics.nth(0).inner_text()
    assert "95% interval" in metrics.nth(1).inner_text()
    expect(page.locator("[class*='st-key-seed_']")).to_have_count(5)
    shot(page, "spread-an-idea")


def test_risk_and_data_pages(page, app_url: str) -> None:  # type: ignore[no-untyped-def]
    open_app(page, app_url, "knowledge_risk")
    page.get_by_role("heading", name="KM curriculum completion by department").wait_for()
    page.get_by_role("heading", name="Single-expert topics").wait_for()
    wait_idle(page)
    shot(page, "knowledge-risk")
    open_app(page, app_url, "data")
    page.get_by_role("heading", name="Ingest runs").wait_for()
    page.get_by_role("heading", name=re.compile(r"Rejections \(\d+\)")).wait_for()
    wait_idle(page)
    shot(page, "data")


def test_deep_link_on_a_fresh_server_goes_through_the_frame(browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The first request a new server gets is a deep link: it must still pass the frame (viewer, admin rules)
    and land on the page asked for, with its query parameters."""
    from test_app_support import demo_store_path

    from whoknows.webapp.launch import serve

    with serve(demo_store_path(), env={"WHOKNOWS_OPTOUT_FILE": str(tmp_path / "o.jsonl")}) as url:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(90_000)
        page.goto(f"{url}/profile?person=u0325")
        page.get_by_role("heading", name="Network role").wait_for()
        page.get_by_text("Local demo").wait_for()  # the frame ran
        assert re.search(r"/profile\?person=u0325$", page.url)
        page.close()
