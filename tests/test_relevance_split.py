"""The relevance bench's fixed tuning / held-out split: deterministic, label-free, about half each."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

_PATH = Path(__file__).resolve().parents[1] / "bench" / "relevance.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_relevance", _PATH)
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_split_is_deterministic_and_balanced(bench):
    ids = list(range(5000))
    first = [bench.split_of(q) for q in ids]
    assert first == [bench.split_of(q) for q in ids]
    assert set(first) == {"tune", "heldout"}
    assert 0.45 < first.count("tune") / len(ids) < 0.55


def test_by_half_averages_each_half(bench):
    tune = next(q for q in range(100) if bench.split_of(q) == "tune")
    held = next(q for q in range(100) if bench.split_of(q) == "heldout")
    m = {"map": 1.0, "mrr": 1.0, "p5": 0.2, "p10": 0.1}
    z = {"map": 0.0, "mrr": 0.0, "p5": 0.0, "p10": 0.0}
    out = bench.by_half([(tune, m), (held, z)])
    assert out["tune"]["map"] == 1.0 and out["heldout"]["map"] == 0.0 and out["all"]["map"] == 0.5


def test_config_overrides_reach_the_long_query_mode(bench):
    cfg = bench._parse_config(["norm_alpha=0.4", "long.reg_k=7", "long_query_words=30"])
    assert cfg.norm_alpha == 0.4 and cfg.long_query_words == 30
    assert cfg.long_query["reg_k"] == 7 and isinstance(cfg.long_query["reg_k"], int)
    assert cfg.for_query("word " * 30).reg_k == 7


def test_config_override_turns_on_an_option_that_is_off_by_default(bench):
    cfg = bench._parse_config(["reg_min_similarity=0.35", "long.reg_min_similarity=0.5"])
    assert cfg.reg_min_similarity == 0.35 and cfg.long_query["reg_min_similarity"] == 0.5
    assert bench._parse_config(["reg_min_similarity=none"]).reg_min_similarity is None


@pytest.mark.slow
def test_demo_reviewers_protocol_scores_the_products_reviewers(bench, tmp_path):
    """The demo's documents-as-queries protocol on a small demo, lexical retrieval (a bag-of-words fake embedder
    is too coarse for whole documents): it scores 1 document in 7, leaves each document's authors out of its
    relevant people, and finds a topic's planted experts; with retrieval cut to one item per method (almost no
    candidates) it scores far lower, so the figure comes from the product's retrieval and calibrated order."""
    import json
    from dataclasses import replace

    from graph.sqlite_store import SQLiteStore
    from ingest.pipeline import ingest_paths
    from search.ranking import DEFAULT_CONFIG
    from whoknows.demo import generate_demo

    data = tmp_path / "demo" / "data"
    generate_demo(tmp_path / "demo", people=300, documents=300)
    truth = json.loads((tmp_path / "demo" / "truth.json").read_text())
    store = SQLiteStore(tmp_path / "demo.db")
    store.setup_schema()
    ingest_paths(store, [data])
    got = bench.score_reviewers(store, None, DEFAULT_CONFIG, truth, data)
    assert 0 < got["queries"] <= len(sorted(truth["document_topics"])[::7])
    assert got["map"] > 0.9, got
    blind = replace(DEFAULT_CONFIG, long_query={**DEFAULT_CONFIG.long_query, "depth": 1})
    assert bench.score_reviewers(store, None, blind, truth, data)["map"] < got["map"] - 0.3
    store.close()


def test_the_order_bench_orders_as_the_product_does():
    """bench/shown_order.py re-orders the product's fused rankings for each setting; with the shipped settings it
    must give exactly the product's order shown (search.expertise.shown_key), on both sides of the threshold."""
    import random

    from search import expertise

    spec = importlib.util.spec_from_file_location("bench_shown_order", _PATH.parent / "shown_order.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    rng = random.Random(7)
    levels = ("strong", "weak", "none")
    for _ in range(50):
        rows = [(f"p{i}", float(i) if rng.random() < 0.9 else float("inf"), rng.choice(levels)) for i in range(30)]
        rows.sort(key=lambda r: (r[1], r[0]))  # as answer(order="rank") returns them: rank, then node id
        for bg in (expertise.TEMPLATE_BACKGROUND - 0.01, expertise.TEMPLATE_BACKGROUND):
            by_level = bg >= expertise.TEMPLATE_BACKGROUND
            want = [
                r[0] for r in sorted(rows, key=lambda r: (*expertise.shown_key(r[2], r[1], by_level=by_level), r[0]))
            ]
            got = mod.ordered((rows, bg), expertise.WEAK_PLACES, expertise.TEMPLATE_BACKGROUND)
            assert got == want
