"""Expert-finding relevance, measured through the product's own ingest and ranking, against baselines.

Data: the DBLP-AMiner expert-finding collection of Brochier et al. (BIR@ECIR 2020), read in place from
``../shared/data/expert-finding/dblp-brochier`` (see its README for the protocol). The 1,641 papers are written
as Markdown documents with front matter ``authors: ["id:<candidate_id>"]`` plus a people CSV for the 707
candidates, ingested with ``ingest.pipeline.ingest_paths`` into a temporary SQLite store, embedded with
``search.embedder.embed_store``, and ranked with ``search.ranking.find_experts`` restricted to the 199-candidate
pool. Baselines run in the same process on the same texts: random, TF-IDF voting, BM25 voting, dense voting
(sum of a candidate's papers' similarity to the query paper, as the README defines).

Both protocols are reported: "removed" (the query paper is excluded from the evidence) and "kept".
Optionally scores the demo organisation against its planted truth (``--demo``).

Honest tuning: the 114 queries are split once into a tuning half and a held-out half by a seeded hash of the
query paper's id (:func:`split_of`, no label involved). The ranker's hyperparameters were chosen on the tuning
half; every method's MAP is printed on all queries, the tuning half and the held-out half, and the JSON carries
the held-out figures next to the all-query ones.

Three runs of the product: ``whoknows`` is what the product does by default (``DEFAULT_CONFIG``: a query of 20+
words, here every paper with an abstract, is ranked in the long-query mode; title-only papers are short queries),
``thorough`` forces the long-query mode on every query (``THOROUGH_CONFIG``, ``whoknows search --thorough``) and
``short`` forces the interactive mode on every query (depth 300, power 2.5, no regularisation).

Usage: python bench/relevance.py [--data DIR] [--store PATH] [--demo] [--config key=value ... long.key=value ...]
The last line printed is one JSON object of the figures.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import random
import re
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DATA = ROOT.parent / "shared" / "data" / "expert-finding" / "dblp-brochier"


# -- data ------------------------------------------------------------------------------------------------


def load_collection(data: Path) -> dict[str, Any]:
    docs = {}
    with (data / "documents.jsonl").open() as fp:
        for line in fp:
            row = json.loads(line)
            docs[int(row["doc_id"])] = row["text"]
    authors: dict[int, list[int]] = defaultdict(list)
    with (data / "doc_candidate.tsv").open() as fp:
        for row in csv.DictReader(fp, delimiter="\t"):
            authors[int(row["doc_id"])].append(int(row["candidate_id"]))
    queries = []
    with (data / "query_docs.tsv").open() as fp:
        for row in csv.DictReader(fp, delimiter="\t"):
            queries.append((int(row["query_doc_id"]), set(row["tags"].split(","))))
    pool: dict[int, set[str]] = {}
    with (data / "candidate_pool_and_expert_labels.tsv").open() as fp:
        for row in csv.DictReader(fp, delimiter="\t"):
            pool[int(row["candidate_id"])] = {t for t in (row["expert_tags"] or "").split(",") if t}
    candidates = sorted({c for cs in authors.values() for c in cs} | set(pool))
    return {"docs": docs, "authors": dict(authors), "queries": queries, "pool": pool, "candidates": candidates}


def _title(text: str) -> str:
    """DBLP texts are "title abstract" with no separator: take the words before the first sentence-like break."""
    words = text.split()
    return " ".join(words[:12]) + ("…" if len(words) > 12 else "")


def write_inputs(col: dict[str, Any], out: Path) -> tuple[Path, Path]:
    """The collection as the product's inputs: a people CSV and a folder of Markdown documents."""
    people = out / "people.csv"
    with people.open("w", newline="") as fp:
        w = csv.writer(fp)
        w.writerow(["person_id", "name"])
        for c in col["candidates"]:
            w.writerow([str(c), f"Candidate {c}"])
    docs_dir = out / "papers"
    docs_dir.mkdir()
    for doc_id, text in col["docs"].items():
        authors = ", ".join(json.dumps(f"id:{a}") for a in col["authors"].get(doc_id, []))
        front = f"---\ntitle: {json.dumps(_title(text))}\nauthors: [{authors}]\n---\n\n"
        (docs_dir / f"{doc_id}.md").write_text(front + text + "\n", encoding="utf-8")
    return people, docs_dir


def build_store(col: dict[str, Any], store_path: Path, embedder: Any) -> dict[str, Any]:
    """Ingest through the product pipeline and embed; returns timing figures."""
    from graph.sqlite_store import SQLiteStore
    from ingest.pipeline import ingest_paths
    from search.embedder import embed_store

    store = SQLiteStore(store_path)
    store.setup_schema()
    with tempfile.TemporaryDirectory(prefix="wk-dblp-") as tmp:
        people, docs_dir = write_inputs(col, Path(tmp))
        t0 = time.perf_counter()
        run = ingest_paths(store, [people], kind="people")
        run2 = ingest_paths(store, [docs_dir], kind="documents")
        t1 = time.perf_counter()
    accepted = sum(s.accepted for s in run.sources + run2.sources)
    rejected = sum(s.rejected for s in run.sources + run2.sources)
    n = embed_store(store, embedder, progress=False)
    t2 = time.perf_counter()
    store.close()
    return {"ingest_s": t1 - t0, "embed_s": t2 - t1, "accepted": accepted, "rejected": rejected, "embedded": n}


# -- metrics -------------------------------------------------------------------------------------------

SPLIT_SEED = "whoknows-relevance-split-1"
HALVES = ("all", "tune", "heldout")


def open_pool(store_path: Path) -> tuple[dict[str, Any], Any, Any, dict[str, str], list[int], list[str]]:
    """The DBLP collection and its store opened read-only for scripts that rank through the product: (collection,
    store, graph view, document key -> node id, pool candidate ids, pool person node ids). Close the store."""
    from graph.schema import Label
    from graph.sqlite_store import SQLiteStore
    from search.index import graph_view

    col = load_collection(DATA)
    store = SQLiteStore(store_path, read_only=True)
    key_to_node = {str(n.props.get("key")): n.id for n in store.iter_nodes(Label.DOCUMENT)}
    pool = sorted(col["pool"])
    return col, store, graph_view(store), key_to_node, pool, [f"person:{c}" for c in pool]


def demo_assets(store: Any, truth: dict[str, Any], data: Path, positions: Callable[[int], bool]) -> Iterator[Any]:
    """The demo's documents as drafts, in ``truth.json``'s sorted order, at the positions kept: (position, the
    asset read by the ingest's own readers, relevant = its topic's planted experts other than its authors);
    documents whose only experts wrote them are skipped."""
    from ingest.documents import read_document
    from search.reviewers import AuthorResolver, asset_from_record

    resolver = AuthorResolver(store)
    for idx, rel_path in enumerate(sorted(truth["document_topics"])):
        if not positions(idx):
            continue
        topic = truth["topics"][truth["document_topics"][rel_path]]
        with (data / rel_path).open("rb") as fp:
            asset = asset_from_record(store, read_document(fp, rel_path.rsplit("/", 1)[-1], doc_key=rel_path),
                                      resolver=resolver)  # fmt: skip
        relevant = {_pid(p) for p in topic["primary"] + topic["secondary"]} - set(asset.authors)
        if relevant:
            yield idx, asset, relevant


def split_of(query_doc: int) -> str:
    """The fixed tuning / held-out split: a seeded hash of the query paper's id (about half each)."""
    digest = hashlib.blake2b(f"{SPLIT_SEED}:{query_doc}".encode(), digest_size=8).digest()
    return "tune" if digest[0] % 2 == 0 else "heldout"


def by_half(rows: list[tuple[int, dict[str, float]]]) -> dict[str, dict[str, float]]:
    """Mean metrics over all queries, the tuning half and the held-out half; ``rows`` are (query doc, metrics)."""
    return {half: mean_metrics([m for q, m in rows if half == "all" or split_of(q) == half]) for half in HALVES}


def metrics(ranked: list[int], relevant: set[int]) -> dict[str, float]:
    hits, ap, rr = 0, 0.0, 0.0
    for i, c in enumerate(ranked, start=1):
        if c in relevant:
            hits += 1
            ap += hits / i
            if rr == 0.0:
                rr = 1.0 / i
    return {
        "map": ap / len(relevant) if relevant else 0.0,
        "mrr": rr,
        "p5": sum(1 for c in ranked[:5] if c in relevant) / 5,
        "p10": sum(1 for c in ranked[:10] if c in relevant) / 10,
    }


def mean_metrics(rows: list[dict[str, float]]) -> dict[str, float]:
    return {k: round(float(np.mean([r[k] for r in rows])), 4) for k in ("map", "mrr", "p5", "p10")}


def complete_ranking(scores: dict[int, float], pool: list[int], seed: int) -> list[int]:
    """Pool candidates by score, ties (incl. all unscored candidates) broken by a seeded shuffle."""
    rng = random.Random(seed)
    order = pool[:]
    rng.shuffle(order)
    pos = {c: i for i, c in enumerate(order)}
    return sorted(pool, key=lambda c: (-scores.get(c, 0.0), pos[c]))


# -- baselines -----------------------------------------------------------------------------------------


def voting(sim: np.ndarray, doc_ids: list[int], col: dict[str, Any], q_doc: int, removed: bool) -> dict[int, float]:
    """Sum of a candidate's papers' similarity to the query paper (README's "voting")."""
    scores: dict[int, float] = defaultdict(float)
    for j, d in enumerate(doc_ids):
        if removed and d == q_doc:
            continue
        for c in col["authors"].get(d, []):
            scores[c] += float(sim[j])
    return scores


def bm25_matrix(texts: list[str], k1: float = 1.2, b: float = 0.75) -> tuple[Any, Any]:
    from sklearn.feature_extraction.text import CountVectorizer

    cv = CountVectorizer(stop_words="english")
    tf = cv.fit_transform(texts).tocsr().astype(np.float64)
    n = tf.shape[0]
    dfreq = np.bincount(tf.indices, minlength=tf.shape[1])
    idf = np.log(1 + (n - dfreq + 0.5) / (dfreq + 0.5))
    lengths = np.asarray(tf.sum(axis=1)).ravel()
    avg = lengths.mean()
    tf = tf.tocoo()
    denom = tf.data + k1 * (1 - b + b * lengths[tf.row] / avg)
    data = tf.data * (k1 + 1) / denom * idf[tf.col]
    from scipy.sparse import csr_matrix

    return csr_matrix((data, (tf.row, tf.col)), shape=tf.shape), cv


def baselines(col: dict[str, Any], embedder: Any) -> dict[str, dict[str, dict[str, dict[str, float]]]]:
    """protocol -> method -> half (all / tune / heldout) -> metrics."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    doc_ids = sorted(col["docs"])
    texts = [col["docs"][d] for d in doc_ids]
    index = {d: i for i, d in enumerate(doc_ids)}
    pool = sorted(col["pool"])
    tfidf = TfidfVectorizer(sublinear_tf=True, stop_words="english").fit_transform(texts)
    bm25, _cv = bm25_matrix(texts)
    bm25_q = (_cv.transform(texts) > 0).astype(np.float64)  # query side: binary term presence
    dense = embedder.embed_documents(texts)
    sims = {
        "tfidf_voting": lambda i: (tfidf @ tfidf[i].T).toarray().ravel(),
        "bm25_voting": lambda i: (bm25 @ bm25_q[i].T).toarray().ravel(),
        "dense_voting": lambda i: dense @ dense[i],
    }
    out: dict[str, dict[str, dict[str, dict[str, float]]]] = {}
    for protocol in ("removed", "kept"):
        removed = protocol == "removed"
        rows: dict[str, list[tuple[int, dict[str, float]]]] = defaultdict(list)
        for qi, (q_doc, tags) in enumerate(col["queries"]):
            relevant = {c for c in pool if col["pool"][c] & tags}
            rng_scores = {c: random.Random(1000 + qi).random() for c in pool}
            rows["random"].append((q_doc, metrics(complete_ranking(rng_scores, pool, qi), relevant)))
            for name, fn in sims.items():
                s = voting(fn(index[q_doc]), doc_ids, col, q_doc, removed)
                rows[name].append((q_doc, metrics(complete_ranking(s, pool, qi), relevant)))
        out[protocol] = {name: by_half(r) for name, r in rows.items()}
    return out


# -- the product -----------------------------------------------------------------------------------------


def run_product(store_path: Path, col: dict[str, Any], embedder: Any, config: Any) -> dict[str, Any]:
    """protocol -> half (all / tune / heldout) -> metrics, plus latency and the calibrated-score figures.

    Ranks through :func:`search.expertise.knows_about`, the product's default path (the order shown:
    :func:`search.expertise.shown_key`), every pool candidate scored. Also records, per
    query, the fused ranking alone (``fused``: MAP of :func:`search.ranking.find_experts`' order) and, under the
    "removed" protocol, each pool person's calibrated score and best-document cosine (``c1``) for the
    cross-query loss, and whether the query has a strong match."""
    from graph.schema import Label
    from graph.sqlite_store import SQLiteStore
    from search.expertise import STRONG, knows_about
    from search.index import graph_view

    store = SQLiteStore(store_path, read_only=True)
    key_to_node = {str(n.props.get("key")): n.id for n in store.iter_nodes(Label.DOCUMENT)}
    doc_node = {d: key_to_node.get(f"{d}.md") for d in col["docs"]}
    missing = [d for d, n in doc_node.items() if n is None]
    if missing:
        raise SystemExit(f"{len(missing)} papers did not land as documents (e.g. {missing[:3]}); see the ingest report")
    pool = sorted(col["pool"])
    pool_nodes = [f"person:{c}" for c in pool]
    gv = graph_view(store)  # what find_experts uses by default: the read model and array-wise scoring
    out: dict[str, Any] = {"fused": {}, "scores": [], "strong": []}
    latencies = []
    for protocol in ("removed", "kept"):
        rows, fused_rows = [], []
        for qi, (q_doc, tags) in enumerate(col["queries"]):
            relevant = {c for c in pool if col["pool"][c] & tags}
            exclude = {doc_node[q_doc]} if protocol == "removed" else set()
            t0 = time.perf_counter()
            matches = knows_about(
                store, col["docs"][q_doc], embedder=embedder, limit=None, persons=pool_nodes,
                candidates=pool_nodes, exclude=exclude, config=config, graph=gv,
            )  # fmt: skip
            latencies.append(time.perf_counter() - t0)
            order = {int(m.person_id): len(matches) - i for i, m in enumerate(matches)}
            rows.append((q_doc, metrics(complete_ranking(order, pool, qi), relevant)))
            fused = {int(m.person_id): m.ranked.score for m in matches if m.ranked is not None}
            fused_rows.append((q_doc, metrics(complete_ranking(fused, pool, qi), relevant)))
            if protocol == "removed":
                out["scores"].append((q_doc, {int(m.person_id): (m.score, m.features.get("c1", 0.0)) for m in matches},
                                      relevant))  # fmt: skip
                out["strong"].append((q_doc, any(m.match == STRONG for m in matches)))
        out[protocol] = by_half(rows)
        out["fused"][protocol] = by_half(fused_rows)
    out["latency_ms_p50"] = round(1000 * float(np.median(latencies)), 1)
    out["latency_ms_p95"] = round(1000 * float(np.percentile(latencies, 95)), 1)
    store.close()
    return out


def pair_losses(per: Mapping[Any, list[tuple[float, bool]]]) -> list[float]:
    """For each person with at least one relevant and one non-relevant query: the share of (relevant,
    non-relevant) pairs whose scores are ordered wrongly (a tie counts half). The cross-query loss is their mean;
    bench/calibration.py computes it the same way to choose the fit."""
    losses = []
    for pairs in per.values():
        pos = np.array([s for s, lab in pairs if lab])
        neg = np.array([s for s, lab in pairs if not lab])
        if len(pos) and len(neg):
            wrong = (pos[:, None] < neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()
            losses.append(float(wrong / (len(pos) * len(neg))))
    return losses


def cross_query_loss(rows: list[tuple[int, dict[int, tuple[float, float]], set[int]]], half: str, which: int) -> float:
    """The issue's cross-query loss on DBLP ("removed" protocol): for each pool person with at least one relevant
    and one non-relevant query, the share of (relevant, non-relevant) query pairs their scores order wrongly
    (ties count half), averaged over people. ``which``: 0 = the calibrated score, 1 = the plain cosine of the
    query to the person's single best document (the baseline, same run, same model)."""
    per: dict[int, list[tuple[float, bool]]] = defaultdict(list)
    for q_doc, scores, relevant in rows:
        if half != "all" and split_of(q_doc) != half:
            continue
        for c, pair in scores.items():
            per[c].append((pair[which], c in relevant))
    return round(float(np.mean(pair_losses(per))), 4)


def out_of_scope_rate(store: Any, embedder: Any, half: str = "all") -> float:
    """Share of the out-of-scope queries (tests/fixtures/queries/out_of_scope.json) answered "no strong match"
    by :func:`search.expertise.knows_about` on ``store`` (``half``: all, or the tune / heldout half of
    bench/calibration.py's split)."""
    from calibration import out_of_scope_queries
    from calibration import split_of as oos_split

    from search.expertise import STRONG, knows_about, overall_match
    from search.index import graph_view

    gv = graph_view(store)
    qs = [q["query"] for q in out_of_scope_queries() if half == "all" or oos_split(q["query"]) == half]
    strong = sum(1 for q in qs if overall_match(knows_about(store, q, embedder=embedder, limit=10, graph=gv)) == STRONG)
    return round(1 - strong / len(qs), 4)


def ndcg_at(ranked: list[str], grades: dict[str, int], k: int = 10) -> float:
    dcg = sum((2 ** grades.get(c, 0) - 1) / np.log2(i + 2) for i, c in enumerate(ranked[:k]))
    ideal = sorted(grades.values(), reverse=True)[:k]
    idcg = sum((2**g - 1) / np.log2(i + 2) for i, g in enumerate(ideal))
    return float(dcg / idcg) if idcg else 0.0


def run_demo(embedder: Any, config: Any, documents: int = 600) -> dict[str, Any] | None:
    """Score the demo organisation against its planted truth, two ways.

    Typed needs: truth.json ``queries`` are paraphrased needs with graded relevant people (2 primary, 1
    secondary); MAP/MRR/P@k count both grades as relevant, nDCG@10 uses the grades.

    Documents as queries (``reviewers``): every 7th document of truth.json's ``document_topics`` (sorted), read
    by the ingest's own readers and ranked by ``find_reviewers`` (the product's "who could review this?": the
    long-query mode, the document and its authors left out); relevant are its topic's planted experts
    (primary 2, secondary 1) other than its authors. Why: the long mode was chosen on DBLP alone, where a paper's
    experts are the prolific people of a broad field; a company's topics are narrow, and this protocol keeps the
    mode honest there too."""
    try:
        from whoknows.demo import generate_demo
    except ImportError:
        print("demo: whoknows.demo is not available; skipped")
        return None
    from graph.sqlite_store import SQLiteStore
    from ingest.pipeline import ingest_paths
    from search.embedder import embed_store
    from search.expertise import STRONG, knows_about
    from search.ranking import find_experts

    with tempfile.TemporaryDirectory(prefix="wk-demo-") as tmp:
        out = Path(tmp) / "demo"
        generate_demo(out, documents=documents)
        truth = json.loads((out / "truth.json").read_text())
        store = SQLiteStore(Path(tmp) / "demo.db")
        store.setup_schema()
        ingest_paths(store, [out / "data"])
        embed_store(store, embedder, progress=False)
        rows, ndcgs, fused_rows, fused_ndcgs, strong = [], [], [], [], []
        for q in truth["queries"]:
            grades = {_pid(p): int(g) for p, g in q["relevant"].items()}
            matches = knows_about(store, q["query"], embedder=embedder, limit=50, config=config)
            ranked = [m.node_id for m in matches]
            rows.append(metrics(ranked, set(grades)))  # type: ignore[arg-type]
            ndcgs.append(ndcg_at(ranked, grades))
            strong.append((q["topic"], any(m.match == STRONG for m in matches)))
            fused = [r.node_id for r in find_experts(store, embedder, q["query"], limit=50, config=config)]
            fused_rows.append(metrics(fused, set(grades)))  # type: ignore[arg-type]
            fused_ndcgs.append(ndcg_at(fused, grades))
        reviewers = score_reviewers(store, embedder, config, truth, out / "data")
        long_text = long_text_demo(store, embedder, config, truth, out / "data")
        oos = {half: out_of_scope_rate(store, embedder, half) for half in ("all", "tune", "heldout")}
        store.close()
    if not rows:
        return None
    return _summary(rows, ndcgs) | {
        "reviewers": reviewers,
        "long_text": long_text,
        "fused": _summary(fused_rows, fused_ndcgs),
        "in_scope_match_rate": _rates_by_half(strong),
        "no_match_rate": oos,
    }


def score_reviewers(store: Any, embedder: Any, config: Any, truth: dict[str, Any], data: Path) -> dict[str, float]:
    """The demo's documents-as-queries protocol (see :func:`run_demo`), ranked with ``config``'s long-query
    mode (what ``find_reviewers`` uses: ``long_query`` applied whatever the length)."""
    from ingest.documents import read_document
    from search.reviewers import asset_from_record, find_reviewers

    long_cfg = replace(config, long_query_words=0, **dict(config.long_query))
    rows, ndcgs = [], []
    for rel_path in sorted(truth["document_topics"])[::7]:
        topic = truth["topics"][truth["document_topics"][rel_path]]
        path = data / rel_path
        with path.open("rb") as fp:
            record = read_document(fp, path.name, doc_key=rel_path)
        asset = asset_from_record(store, record)
        grades = {_pid(p): 2 for p in topic["primary"]} | {_pid(p): 1 for p in topic["secondary"]}
        grades = {p: g for p, g in grades.items() if p not in asset.authors}
        if not grades:
            continue
        results = find_reviewers(store, embedder, asset, limit=50, config=long_cfg)
        ranked = [r.node_id for r in results]
        rows.append(metrics(ranked, set(grades)))  # type: ignore[arg-type]
        ndcgs.append(ndcg_at(ranked, grades))
    return _summary(rows, ndcgs) if rows else {}


def first_paragraph(text: str) -> str:
    """A pasted text's first paragraph: its first blank-line-separated block of at least five words (a bare
    heading is skipped); the first sentence when the text is one paragraph (a DBLP abstract)."""
    blocks = [b.strip() for b in re.split(r"\n\s*\n", text) if len(b.split()) >= 5]
    if len(blocks) > 1:
        return blocks[0]
    one = blocks[0] if blocks else text
    return re.split(r"(?<=[.!?])\s+", one, maxsplit=1)[0]


def long_text_demo(store: Any, embedder: Any, config: Any, truth: dict[str, Any], data: Path) -> dict[str, float]:
    """Issue #13, item 6, on the demo: each document of the reviewers protocol pasted whole into search
    (``knows_about``, the default path: the automatic mode and the order shown) against its own first
    paragraph; its authors and its stored copy left out; relevant = its topic's other planted experts."""
    from search.expertise import knows_about

    rows: dict[str, list[dict[str, float]]] = {"full": [], "first": []}
    for _, asset, relevant in demo_assets(store, truth, data, lambda i: i % 7 == 0):
        for key, text in (("full", asset.text), ("first", first_paragraph(asset.text))):
            found = knows_about(store, text, embedder=embedder, limit=50 + len(asset.authors), exclude=asset.documents,
                                config=config)  # fmt: skip
            ranked = [m.node_id for m in found if m.node_id not in asset.authors]
            rows[key].append(metrics(ranked, relevant))  # type: ignore[arg-type]
    return {k: mean_metrics(v)["map"] for k, v in rows.items() if v}


def long_text_dblp(store_path: Path, col: dict[str, Any], embedder: Any, config: Any) -> dict[str, float]:
    """Issue #13, item 6, on DBLP: each query paper with an abstract (20+ words), whole against its first
    sentence, through ``knows_about`` (the default path), "removed" protocol."""
    from graph.schema import Label
    from graph.sqlite_store import SQLiteStore
    from search.expertise import knows_about
    from search.index import graph_view

    store = SQLiteStore(store_path, read_only=True)
    gv = graph_view(store)
    key_to_node = {str(n.props.get("key")): n.id for n in store.iter_nodes(Label.DOCUMENT)}
    pool = sorted(col["pool"])
    pool_nodes = [f"person:{c}" for c in pool]
    rows: dict[str, list[dict[str, float]]] = {"full": [], "first": []}
    for qi, (q_doc, tags) in enumerate(col["queries"]):
        text = col["docs"][q_doc]
        if len(text.split()) < 20:
            continue
        relevant = {c for c in pool if col["pool"][c] & tags}
        for key, t in (("full", text), ("first", first_paragraph(text))):
            found = knows_about(store, t, embedder=embedder, limit=None, persons=pool_nodes, candidates=pool_nodes,
                                exclude={key_to_node[f"{q_doc}.md"]}, config=config, graph=gv)  # fmt: skip
            order = {int(m.person_id): len(found) - i for i, m in enumerate(found)}
            rows[key].append(metrics(complete_ranking(order, pool, qi), relevant))
    store.close()
    return {k: mean_metrics(v)["map"] for k, v in rows.items() if v}


def _rates_by_half(rows: list[tuple[str, bool]]) -> dict[str, float]:
    """Share of True per half; demo queries are split by topic as bench/calibration.py splits them."""
    from calibration import split_of as topic_split

    out = {}
    for half in ("all", "tune", "heldout"):
        got = [ok for topic, ok in rows if half == "all" or topic_split(topic) == half]
        out[half] = round(sum(got) / len(got), 4) if got else float("nan")
    return out


def _summary(rows: list[dict[str, float]], ndcgs: list[float]) -> dict[str, Any]:
    """Mean MAP / MRR / P@k, nDCG@10 and the number of queries of one demo protocol."""
    return mean_metrics(rows) | {"ndcg10": round(float(np.mean(ndcgs)), 4), "queries": len(rows)}


def _pid(p: Any) -> str:
    p = str(p)
    return p if p.startswith("person:") else f"person:{p}"


def _parse_config(pairs: list[str]) -> Any:
    """``key=value`` overrides of DEFAULT_CONFIG; ``long.key=value`` overrides what a long query changes."""
    from search.ranking import DEFAULT_CONFIG

    cfg = DEFAULT_CONFIG
    long_query = dict(cfg.long_query)
    for pair in pairs:
        k, _, v = pair.partition("=")
        target = k.removeprefix("long.")
        cur = long_query.get(target, getattr(cfg, target)) if k.startswith("long.") else getattr(cfg, k)
        if isinstance(cur, str):
            val: Any = v
        elif v.lower() == "none":
            val = None
        elif cur is None:  # an option that is off by default (e.g. reg_min_similarity): a number turns it on
            val = float(v)
        else:
            val = type(cur)(float(v)) if isinstance(cur, int | float) else v
        if k.startswith("long."):
            long_query[target] = val
        else:
            cfg = replace(cfg, **{k: val})
    return replace(cfg, long_query=long_query)


def _versions() -> dict[str, str]:
    """Installed versions of the packages the int8 export and the ranking depend on."""
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for pkg in ("torch", "onnx", "onnxruntime", "tokenizers", "numpy"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = "missing"
    return out


def _fmt(name: str, protocol: str, res: dict[str, dict[str, float]]) -> str:
    a = res["all"]
    return (
        f"{name:<18} {protocol:<8} {a['map']:>6.3f} {a['mrr']:>6.3f} {a['p5']:>6.3f} {a['p10']:>6.3f}"
        f" {res['tune']['map']:>8.3f} {res['heldout']['map']:>8.3f}"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--store", type=Path, default=None, help="reuse/keep the ingested store at this path")
    ap.add_argument("--demo", action="store_true", help="also score the demo organisation against truth.json")
    ap.add_argument("--demo-documents", type=int, default=600, help="documents in the demo organisation")
    ap.add_argument("--no-baselines", action="store_true")
    ap.add_argument("--only-default", action="store_true", help="skip the forced thorough / short runs")
    ap.add_argument("--config", nargs="*", default=[], help="overrides, e.g. norm_alpha=0.5 long.reg_k=10")
    ap.add_argument("--no-out-of-scope", dest="out_of_scope", action="store_false",
                    help="skip the out-of-scope queries on the DBLP store")  # fmt: skip
    args = ap.parse_args()
    from search.embedder import load_embedder

    cfg = _parse_config(args.config)
    col = load_collection(args.data)
    halves = {h: sum(1 for q, _ in col["queries"] if split_of(q) == h) for h in ("tune", "heldout")}
    t0 = time.perf_counter()
    embedder = load_embedder()
    print(f"embedder {embedder.name} loaded in {time.perf_counter() - t0:.1f}s")
    runs: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="wk-rel-") as tmp:
        store_path = args.store or Path(tmp) / "dblp.db"
        if not store_path.exists():
            built = build_store(col, store_path, embedder)
            print(f"ingested through ingest_paths: {built}")
        runs["whoknows"] = run_product(store_path, col, embedder, cfg)
        if not args.only_default:
            thorough = replace(cfg, long_query_words=0, **dict(cfg.long_query))
            runs["whoknows-thorough"] = run_product(store_path, col, embedder, thorough)
            runs["whoknows-short"] = run_product(store_path, col, embedder, replace(cfg, long_query_words=0))
        long_dblp = long_text_dblp(store_path, col, embedder, cfg)
        oos_dblp: dict[str, float] = {}
        if args.out_of_scope:
            from graph.sqlite_store import SQLiteStore

            dstore = SQLiteStore(store_path, read_only=True)
            oos_dblp = {half: out_of_scope_rate(dstore, embedder, half) for half in ("all", "tune", "heldout")}
            dstore.close()
    base = {} if args.no_baselines else baselines(col, embedder)
    print(f"config: {cfg}")
    print(f"queries: {len(col['queries'])} (tuning half {halves['tune']}, held-out half {halves['heldout']})")
    head = ("method", "protocol", "MAP", "MRR", "P@5", "P@10", "MAP tune", "MAP held")
    print("{:<18} {:<8} {:>6} {:>6} {:>6} {:>6} {:>8} {:>8}".format(*head))
    for protocol in ("removed", "kept"):
        for name, res in base.get(protocol, {}).items():
            print(_fmt(name, protocol, res))
        for name, run in runs.items():
            print(_fmt(name, protocol, run[protocol]))
    product = runs["whoknows"]
    figures: dict[str, Any] = {
        "map_removed": product["removed"]["all"]["map"],
        "map_kept": product["kept"]["all"]["map"],
        "map_removed_heldout": product["removed"]["heldout"]["map"],
        "map_kept_heldout": product["kept"]["heldout"]["map"],
        "map_removed_tune": product["removed"]["tune"]["map"],
        "map_kept_tune": product["kept"]["tune"]["map"],
        "mrr_removed": product["removed"]["all"]["mrr"],
        "mrr_kept": product["kept"]["all"]["mrr"],
        "p10_removed": product["removed"]["all"]["p10"],
        "p10_kept": product["kept"]["all"]["p10"],
        "latency_ms_p50": product["latency_ms_p50"],
        "latency_ms_p95": product["latency_ms_p95"],
        "embedder": embedder.name,
        # the int8 export depends on the installed torch / onnx / onnxruntime: MAP moved by 0.003 between two
        # installs (docs/search.md), so a figure is only comparable with the same model file
        "model_sha256": str(getattr(embedder, "manifest", {}).get("sha256", ""))[:16],
        "versions": _versions(),
        "split": f"{SPLIT_SEED}: tune {halves['tune']} / heldout {halves['heldout']} queries",
    }
    for protocol in ("removed", "kept"):
        figures[f"map_{protocol}_fused"] = product["fused"][protocol]["all"]["map"]
    for half, sfx in (("all", ""), ("tune", "_tune"), ("heldout", "_heldout")):
        figures[f"cross_query_loss{sfx}"] = cross_query_loss(product["scores"], half, 0)
        figures[f"baseline_cross_query_loss{sfx}"] = cross_query_loss(product["scores"], half, 1)
    for half, sfx in (("all", ""), ("tune", "_tune"), ("heldout", "_heldout")):
        got = [s for q, s in product["strong"] if half == "all" or split_of(q) == half]
        figures[f"in_scope_match_rate_dblp{sfx}"] = round(sum(got) / len(got), 4)
    figures["dblp_long_text_map"], figures["dblp_first_sentence_map"] = long_dblp["full"], long_dblp["first"]
    print(f"long texts on DBLP (abstract whole vs its first sentence, removed): {long_dblp}")
    for half, sfx in (("all", ""), ("tune", "_tune"), ("heldout", "_heldout")):
        if half in oos_dblp:
            figures[f"no_match_rate_dblp{sfx}"] = oos_dblp[half]
    print(
        f"cross-query loss (DBLP, removed): calibrated {figures['cross_query_loss']} vs best-document cosine "
        f"{figures['baseline_cross_query_loss']} (held-out {figures['cross_query_loss_heldout']} vs "
        f"{figures['baseline_cross_query_loss_heldout']}); in-scope match rate {figures['in_scope_match_rate_dblp']}"
    )
    for name, key in (("whoknows-thorough", "thorough"), ("whoknows-short", "short")):
        if name in runs:
            for protocol in ("removed", "kept"):
                figures[f"map_{protocol}_{key}"] = runs[name][protocol]["all"]["map"]
                figures[f"map_{protocol}_heldout_{key}"] = runs[name][protocol]["heldout"]["map"]
    if base:
        for protocol in ("removed", "kept"):
            for half, suffix in (("all", ""), ("heldout", "_heldout")):
                best_name, best = max(
                    ((n, m[half]) for n, m in base[protocol].items() if n != "random"), key=lambda nm: nm[1]["map"]
                )
                ours = product[protocol][half]["map"]
                figures[f"best_baseline_map_{protocol}{suffix}"] = best["map"]
                figures[f"best_baseline_{protocol}{suffix}"] = best_name
                figures[f"relative_gain_{protocol}{suffix}"] = round(ours / best["map"] - 1, 4)
                print(
                    f"{protocol} ({half} queries): whoknows MAP {ours:.3f} vs best baseline {best_name} "
                    f"{best['map']:.3f} ({figures[f'relative_gain_{protocol}{suffix}']:+.1%})"
                )
    if args.demo:
        demo = run_demo(embedder, cfg, args.demo_documents)
        if demo:
            print(f"demo organisation: {demo}")
            figures["demo_map"] = demo["map"]
            figures["demo_p5"] = demo["p5"]
            figures["demo_ndcg10"] = demo["ndcg10"]
            figures["demo_map_fused"] = demo["fused"]["map"]
            figures["demo_ndcg10_fused"] = demo["fused"]["ndcg10"]
            for half, sfx in (("all", ""), ("tune", "_tune"), ("heldout", "_heldout")):
                figures[f"in_scope_match_rate_demo{sfx}"] = demo["in_scope_match_rate"][half]
            figures["demo_long_text_map"] = demo["long_text"].get("full")
            figures["demo_first_paragraph_map"] = demo["long_text"].get("first")
            for half, sfx in (("all", ""), ("tune", "_tune"), ("heldout", "_heldout")):
                figures[f"no_match_rate_demo{sfx}"] = demo["no_match_rate"][half]
            if demo["reviewers"]:
                figures["demo_reviewers_map"] = demo["reviewers"]["map"]
                figures["demo_reviewers_ndcg10"] = demo["reviewers"]["ndcg10"]
    dblp_oos, demo_oos = figures.get("no_match_rate_dblp"), figures.get("no_match_rate_demo")
    if dblp_oos is not None and demo_oos is not None:
        figures["no_match_rate"] = min(dblp_oos, demo_oos)
    if "in_scope_match_rate_demo" in figures:
        figures["in_scope_match_rate"] = min(figures["in_scope_match_rate_dblp"], figures["in_scope_match_rate_demo"])
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
