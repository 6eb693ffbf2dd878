"""The analytics on the demo organisation, as a person meets them: one role vocabulary that never contradicts
itself, and one head count per department on every page and in the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_app_support import demo_store_path

from graph.analytics.networkers import LABELS, networker_report
from graph.analytics.projection import project_store
from graph.open import open_store

pytestmark = pytest.mark.slow  # the demo store is built (and embedded) once per code version


@pytest.fixture(scope="module")
def demo() -> Path:
    return demo_store_path()


@pytest.fixture(scope="module")
def report(demo: Path) -> dict:
    store = open_store(str(demo), read_only=True)
    try:
        G = project_store(store)
    finally:
        store.close()
    return networker_report(G, seed=0, expertise={v: 1.0 for v in list(G)[::7]})


def test_no_person_is_both_central_connector_and_peripheral(report: dict) -> None:
    """What a profile says about a person (labels, reasons, position in their community) calls them peripheral
    only when they are a peripheral specialist, and never a central connector at the same time."""
    connectors = 0
    for v, row in report["people"].items():
        names = {lab["label"] for lab in row["labels"]}
        assert names <= set(LABELS), (v, names)
        words = " ".join([*names, row["community_position"], *(r for lab in row["labels"] for r in lab["reasons"])])
        if "peripheral specialist" not in names:
            assert "peripheral" not in words, (v, words)
        connectors += "central connector" in names
        assert not {"central connector", "peripheral specialist"} <= names, v
    assert connectors >= 10  # the demo has central connectors to check


def test_directed_brokerage_counts_differ_where_interactions_have_direction(report: dict) -> None:
    rows = report["people"].values()
    assert any(r["brokerage_departments"]["representative"] != r["brokerage_departments"]["gatekeeper"] for r in rows)


def test_planted_networkers_are_brokers_not_just_the_well_connected(demo: Path, report: dict) -> None:
    """The demo generator plants people who bridge departments (truth.json): each is labelled broker or boundary
    spanner, and betweenness ranks them far above where their number of ties would."""
    import json

    truth = json.loads((demo.parent / "org" / "truth.json").read_text())
    planted = [f"person:{p}" for p in truth["networkers"]]
    people = report["people"]
    assert planted and all(p in people for p in planted)
    for p in planted:
        assert {"broker", "boundary spanner"} & {lab["label"] for lab in people[p]["labels"]}, p
    by_btw = sorted(people, key=lambda v: -people[v]["betweenness"])
    by_deg = sorted(people, key=lambda v: -people[v]["degree"])
    assert sum(by_btw.index(p) for p in planted) < sum(by_deg.index(p) for p in planted) / 2
