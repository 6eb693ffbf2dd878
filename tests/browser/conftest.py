"""Real-browser fixtures: the demo store (shared with the AppTest suite), the app served by ``streamlit run``
on a free localhost port, and Debian's headless Chromium driven by Playwright (never a downloaded browser)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/: the shared store builders

from test_app_support import demo_store_path

from whoknows.webapp.launch import CHROMIUM, CHROMIUM_ARGS, serve


def pytest_configure(config: pytest.Config) -> None:
    """Waiting assertions (``expect``) wait as long as the pages' own steps (two minutes; Playwright's default is
    5 s): the suite runs under ``-n 2`` beside other work on two shared cores."""
    from playwright.sync_api import expect

    expect.set_options(timeout=120_000)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if Path(CHROMIUM).exists():
        return
    skip = pytest.mark.skip(reason=f"{CHROMIUM} is missing: install Debian's chromium package to run browser tests")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    optout = tmp_path_factory.mktemp("browser") / "optout.jsonl"
    with serve(demo_store_path(), env={"WHOKNOWS_OPTOUT_FILE": str(optout)}) as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})  # type: ignore[attr-defined]
    p = ctx.new_page()
    p.set_default_timeout(60_000)
    yield p
    ctx.close()
