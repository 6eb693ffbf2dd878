"""Array-wise expert scoring (search/associations.py + ranking._rank_arrays) against the scalar reference path.

The array path must give the same people, order, scores (bit for bit) and evidence records as the reference
aggregation, for every configuration, viewer, filter, exclusion, candidate pool and limit; these tests build an
organisation with every kind of evidence (first/co-authors, reviewers, restricted documents, dated documents,
communities with roles, courses with statuses, scores and dates) and compare the two.
"""

from __future__ import annotations

import math
import random
from dataclasses import replace
from datetime import date

import numpy as np
import pytest

from search.associations import Associations, gather
from search.index import IndexedGraphView, graph_view, search_index
from search.permissions import ANONYMOUS, load_viewer
from search.ranking import DEFAULT_CONFIG, THOROUGH_CONFIG, find_experts
from search.retrieval import GraphView
from tests.search_fixtures import FakeEmbedder, OrgBuilder

CFG = replace(DEFAULT_CONFIG, today=date(2026, 1, 1))
TOPICS = ("supplier risk audits", "fresh pasta recipes", "cloud migration pipelines", "safety inspections permits")
FILLER = ("note", "team", "quarter", "review", "lessons", "project", "group")


def _dump(results):
    return [(r.node_id, r.score, [e.to_dict() for e in r.evidence], r.why) for r in results]


@pytest.fixture(scope="module")
def mixed(tmp_path_factory):
    """40 people, 90 documents (a tenth restricted to a department or a person), 4 communities, 4 courses."""
    rng = random.Random(5)
    org = OrgBuilder()
    depts = ("Procurement", "Kitchen", "IT", "Safety")
    for p in range(40):
        org.person(f"p{p}", f"P{p}", department=depts[p % 4], title=("Manager", "Analyst")[p % 2],
                   location=("Lyon", "Paris")[p % 2], opted_out=p == 7, active=p != 11)  # fmt: skip
    for d in range(90):
        topic = TOPICS[d % 4]
        words = topic.split() + list(FILLER)
        chunks = [" ".join(rng.choice(words) for _ in range(12)) for _ in range(rng.randint(1, 3))]
        authors = rng.sample([f"p{p}" for p in range(40)], rng.randint(1, 3))
        reviewers = [authors[0]] if d % 17 == 0 else ([f"p{rng.randrange(40)}"] if d % 5 == 0 else [])
        restricted = d % 10 == 3
        allowed = ([f"group:{depts[d % 4]}"] if d % 20 == 3 else ["person:p2"]) if restricted else []
        org.doc(f"d{d}.md", f"{topic.title()} {d}", chunks, authors=authors, reviewers=reviewers,
                visibility="restricted" if restricted else "internal", allowed=allowed,
                date=None if d % 6 == 0 else f"20{16 + d % 10}-0{1 + d % 9}-15")  # fmt: skip
    roles = ("leader", "facilitator", "sme", "member", "member")
    for c, topic in enumerate(TOPICS):
        members = {f"p{(c * 9 + k) % 40}": roles[k % 5] for k in range(8)}
        org.community(f"c{c}", f"{topic.title()} CoP", f"People who practise {topic}.", members)
    statuses = (("passed", 0.9), ("completed", None), ("failed", 0.2), ("waived", None), ("satisfied", 1.4))
    for c, topic in enumerate(TOPICS):
        done = {f"p{(c * 5 + k) % 40}": statuses[k % 5] for k in range(6)}
        org.course(f"k{c}", f"{topic.title()} course", f"An introduction to {topic}.", done)
    emb = FakeEmbedder()
    store = org.build(tmp_path_factory.mktemp("arrays") / "mixed.db", emb)
    yield store, emb
    store.close()


CONFIGS = {
    "default": CFG,
    "voting": replace(CFG, norm_alpha=0.0),
    "model2": replace(CFG, norm_alpha=1.0, norm_c=0.0),
    "exp": replace(CFG, transform="exp", power=4.0),
    "rrf": replace(CFG, fusion="rrf"),
    "minmax": replace(CFG, minmax=True, prf_k=5, prf_weight=1.0),
    "rrf-lexical": replace(CFG, fusion="rrf", dense_weight=0.0),
    "thorough": replace(THOROUGH_CONFIG, today=date(2026, 1, 1), reg_k=5),
    "no-decay": replace(CFG, half_life_years=None, min_relevance_ratio=0.3),
}


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_array_path_equals_reference(mixed, name):
    store, emb = mixed
    cfg = CONFIGS[name]
    assert isinstance(graph_view(store), IndexedGraphView)
    checked = 0
    for q in (*TOPICS, "audits course", "pasta practise"):
        for viewer in (None, "p2", "p3", "p0"):
            for limit in (1, 3, 10, 50):
                fast = find_experts(store, emb, q, viewer=viewer, config=cfg, limit=limit)
                ref = find_experts(store, emb, q, viewer=viewer, config=cfg, limit=limit, reference=True)
                assert _dump(fast) == _dump(ref), (q, viewer, limit)
                if limit == 10:  # and the reference path reading through the store (no read model at all)
                    plain = find_experts(store, emb, q, viewer=viewer, config=cfg, limit=limit, graph=GraphView(store))
                    assert _dump(fast) == _dump(plain), (q, viewer, limit)
                checked += len(fast)
    assert checked > 500  # the comparisons were about real rankings, not empty lists


def test_array_path_equals_reference_with_exclude_candidates_and_filters(mixed):
    store, emb = mixed
    idx = search_index(store)
    docs = sorted(n for n, node in idx.nodes.items() if node.label == "Document")
    pool = {f"person:p{p}" for p in range(0, 40, 3)}
    cases = [
        {"exclude": set(docs[:5])},
        {"exclude": {docs[3], "course:k0", "community:c1"}},
        {"candidates": pool},
        {"candidates": pool, "exclude": set(docs[10:30])},
        {"filters": {"department": "kitchen"}},
        {"filters": {"role": "leader"}},
        {"filters": {"role": "manager", "location": "Paris"}},
    ]
    for kw in cases:
        for q in TOPICS:
            for viewer in (None, "p2", "p3"):
                fast = find_experts(store, emb, q, viewer=viewer, config=CFG, limit=10, **kw)
                ref = find_experts(store, emb, q, viewer=viewer, config=CFG, limit=10, graph=GraphView(store), **kw)
                assert _dump(fast) == _dump(ref), (kw, q, viewer)


def test_scores_are_sums_of_evidence_and_evidence_is_complete(mixed):
    store, emb = mixed
    full = find_experts(store, emb, TOPICS[0], config=CFG, limit=100)
    for r in full:
        assert r.score == math.fsum(e.contribution for e in r.evidence)
        assert all(e.contribution > 0 for e in r.evidence)
    # a failed completion (weight 0) and opted-out / inactive people never produce evidence or results
    assert all(e.relation != "failed" for r in full for e in r.evidence)
    assert not {"person:p7", "person:p11"} & {r.node_id for r in full}


def test_gather_matches_a_python_loop():
    rng = np.random.default_rng(1)
    lengths = rng.integers(0, 5, size=30)
    ptr = np.concatenate([[0], np.cumsum(lengths)])
    for rows in (np.array([3, 0, 3, 29, 7], dtype=np.int64), np.array([], dtype=np.int64), np.arange(30)):
        pos, owner = gather(ptr, rows)
        want = [(j, i) for i, r in enumerate(rows.tolist()) for j in range(ptr[r], ptr[r + 1])]
        assert list(zip(pos.tolist(), owner.tolist(), strict=True)) == want


def test_visible_document_counts_known_answer(tmp_path):
    """n(p) counts distinct documents (authored and reviewed count once) the viewer may see, minus exclusions."""
    org = OrgBuilder()
    org.person("ann", "Ann", department="Legal").person("ben", "Ben", department="IT").person("cy", "Cy")
    a = org.doc("a.md", "A", ["alpha"], authors=["ann", "ben"], reviewers=["ann"])
    b = org.doc("b.md", "B", ["beta"], authors=["ann"], visibility="restricted", allowed=["group:Legal"])
    c = org.doc("c.md", "C", ["gamma"], authors=["ben"], visibility="restricted", allowed=["person:cy"])
    org.doc("d.md", "D", ["delta"], authors=["cy"], visibility="public")
    store = org.build(tmp_path / "n.db")
    assoc = Associations.build(search_index(store))
    people = np.array([assoc.person_pos[f"person:{p}"] for p in ("ann", "ben", "cy")], dtype=np.int64)

    def counts(viewer, exclude=()):
        return assoc.visible_doc_counts(people, viewer, exclude).tolist()

    assert counts(ANONYMOUS) == [1, 1, 1]  # ann: a (b restricted), ben: a (c restricted), cy: d
    assert counts(load_viewer(store, "ann")) == [2, 1, 1]  # Legal sees b
    assert counts(load_viewer(store, "cy")) == [1, 2, 1]  # cy is named on c
    assert counts(load_viewer(store, "ann"), {a}) == [1, 0, 1]
    assert counts(load_viewer(store, "ann"), {b, c}) == [1, 1, 1]  # c was not visible to ann: nothing to take back
    store.close()


def test_fusion_known_answers():
    """combsum, min-max combsum and RRF on two tiny lists, computed by hand; the feedback round's top ids are
    the fused list's first ids."""
    from graph.store import Hit
    from search.retrieval import _best_ids, _fuse, _fused_scores

    dense = [Hit("a", "Chunk", 0.8), Hit("b", "Chunk", 0.4), Hit("c", "Chunk", -0.1)]
    lexical = [Hit("b", "Chunk", 6.0), Hit("d", "Course", 3.0)]
    got = {r.id: r.score for r in _fuse(dense, lexical, "combsum", 0.5, False)}
    assert got == {"a": 0.5 * 0.8, "b": 0.5 * 0.4 + 0.5 * 1.0, "c": 0.0, "d": 0.5 * 0.5}
    fused = _fuse(dense, lexical, "combsum", 0.5, False)
    assert [r.id for r in fused] == ["b", "a", "d", "c"]
    assert (fused[0].dense, fused[0].lexical, fused[0].dense_rank, fused[0].lexical_rank) == (0.4, 6.0, 1, 0)
    mm = {r.id: r.score for r in _fuse(dense, lexical, "combsum", 0.5, True)}
    assert mm == {"a": 0.5, "b": 0.5 * (0.5 / 0.9) + 0.5, "c": 0.0, "d": 0.25}
    rrf = {r.id: r.score for r in _fuse(dense, lexical, "rrf", 0.5, False)}
    best = 0.5 / 61 + 0.5 / 61
    assert rrf == {"a": (0.5 / 61) / best, "b": (0.5 / 62 + 0.5 / 61) / best, "c": (0.5 / 63) / best,
                   "d": (0.0 + 0.5 / 62) / best}  # fmt: skip
    for fusion, minmax in (("combsum", False), ("combsum", True), ("rrf", False)):
        scores = _fused_scores(dense, lexical, fusion, 0.5, minmax)
        assert [i for i, _ in _best_ids(scores, 2)] == [r.id for r in _fuse(dense, lexical, fusion, 0.5, minmax)][:2]


def test_keep_filter_from_tables_matches_per_hit_reads(tmp_path):
    """The permission trim from the tables drops exactly what reading each document drops, including a
    restricted document nobody authored (its rule must not depend on having a holder) and excluded items."""
    from graph.store import Hit
    from search.ranking import make_keep

    org = OrgBuilder().person("ann", "Ann", department="Legal").person("ben", "Ben")
    a = org.doc("a.md", "A", ["alpha one", "alpha two"], authors=["ann"])
    b = org.doc("b.md", "B", ["beta"], visibility="restricted", allowed=["group:legal"])  # no author
    c = org.doc("c.md", "C", ["gamma"], authors=["ben"], visibility="Restricted", allowed=["person:ben"])
    d = org.doc("d.md", "D", ["delta"], authors=["ben"], visibility="secret")  # unknown: closed to all
    org.course("k1", "Course", "about alpha", {"ben": ("passed", 1.0)})
    store = org.build(tmp_path / "k.db")
    gv = graph_view(store)
    hits = [Hit(f"chunk:{x[4:]}:0", "Chunk", 1.0) for x in (a, b, c, d)]
    hits += [Hit(f"chunk:{a[4:]}:1", "Chunk", 0.5), Hit("course:k1", "Course", 0.4), Hit("chunk:nope:0", "Chunk", 0.3)]
    for viewer in (ANONYMOUS, load_viewer(store, "ann"), load_viewer(store, "ben")):
        for exclude in (set(), {a}, {"course:k1", c}):
            fast = make_keep(gv, viewer, exclude)(hits)
            slow = make_keep(gv, viewer, exclude, tables=False)(hits)
            assert fast == slow, (viewer, exclude)
    kept = {h.id.split(":")[1] for h in make_keep(gv, load_viewer(store, "ann"), set())(hits)}
    assert kept == {a[4:], b[4:], "k1"}  # ann (Legal) sees a and b; c is ben's; d is closed to everyone
    store.close()
