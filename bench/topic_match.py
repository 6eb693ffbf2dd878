"""Choose search/claims.py's TOPIC_MATCH_COSINE: when is a text about a topic someone confirmed, hid or added?

Data: the demo organisation's topics (whoknows.demo.content.TOPICS: a name and synonyms, each a Topic tag in the
demo store, and paraphrased needs written without the name's words) and the out-of-scope queries
(tests/fixtures/queries/out_of_scope.json), split into tuning and held-out halves exactly as bench/calibration.py
splits them (demo by topic, out-of-scope by query). Queries: the needs, the tag names themselves (what the risk
page and profiles ask) and the out-of-scope queries; against every tag.

For each threshold t a query *hits* its own topic when it matches (lexically, or cosine >= t) at least one tag
of its topic, and is *wrong* when it matches a tag of another topic (any tag, for an out-of-scope query). The
choice, on the tuning half only: the threshold with the highest hit rate of the needs whose wrong rate over all
tuning queries is at most 5% (ties: the higher threshold). Both halves are printed; the last line is one JSON
object.

Usage: python bench/topic_match.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

MAX_WRONG = 0.05
GRID = tuple(round(0.40 + 0.025 * i, 3) for i in range(17))


def main() -> None:
    from calibration import out_of_scope_queries, split_of

    from search import claims, terms
    from search.embedder import default_embedder
    from search.longtext import query_vector
    from whoknows.demo.content import TOPICS

    emb = default_embedder()
    tags = [(name, t.key) for t in TOPICS for name in (t.name, *t.synonyms)]
    tv = np.stack([query_vector(emb, n) for n, _ in tags])
    tv /= np.linalg.norm(tv, axis=1, keepdims=True)
    tag_terms = [set(terms.content_terms(n)) for n, _ in tags]
    queries: list[tuple[str, str | None, str, str]] = []  # text, topic key, split, kind
    queries += [(q, t.key, split_of(t.key), "need") for t in TOPICS for q in t.queries]
    queries += [(n, k, split_of(k), "name") for n, k in tags]
    queries += [(o["query"], None, split_of(o["query"]), "out-of-scope") for o in out_of_scope_queries()]
    cos = np.stack([tv @ (v / np.linalg.norm(v)) for v in (query_vector(emb, q) for q, *_ in queries)])
    lexical = np.array([[bool(nt) and nt <= set(terms.content_terms(q)) for nt in tag_terms] for q, *_ in queries])
    own = np.array([[k is not None and k == tk for _, tk in tags] for _, k, *_ in queries])

    def rates(t: float, split: str) -> dict[str, float]:
        hit = (cos >= t) | lexical
        rows = [i for i, q in enumerate(queries) if q[2] == split]
        needs = [i for i in rows if queries[i][3] == "need"]
        out = {
            "need_hit": float(np.mean([hit[i][own[i]].any() for i in needs])),
            "wrong": float(np.mean([hit[i][~own[i]].any() for i in rows])),
        }
        for kind in ("need", "name", "out-of-scope"):
            ks = [i for i in rows if queries[i][3] == kind]
            out[f"wrong_{kind}"] = float(np.mean([hit[i][~own[i]].any() for i in ks]))
        return {k: round(v, 3) for k, v in out.items()}

    table = {t: {s: rates(t, s) for s in ("tune", "heldout")} for t in GRID}
    for t, r in table.items():
        print(t, "tuning", r["tune"], "held-out", r["heldout"])
    ok = [t for t in GRID if table[t]["tune"]["wrong"] <= MAX_WRONG]
    chosen = max(ok, key=lambda t: (table[t]["tune"]["need_hit"], t))
    result: dict[str, Any] = {"chosen": chosen, "shipped": claims.TOPIC_MATCH_COSINE, "max_wrong": MAX_WRONG}
    result |= {f"{k}_{s}": v for s in ("tune", "heldout") for k, v in table[chosen][s].items()}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
