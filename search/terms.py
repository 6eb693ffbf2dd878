"""Content words of a query and what a person's evidence shares with it: the lexical half of "knows about".

Why a module of its own: the calibrated expertise score (:mod:`search.expertise`) needs an *absolute* lexical
signal (the share of the query's content words an item contains; BM25 divided by the query's top hit says
nothing across queries), and the honest "why" line needs the phrase a person's documents actually share with
the query, so that it names what matched instead of echoing the query. Both use the same words, so they live
here together.

Words are lower-cased Unicode word characters; English stop words are dropped and words are stemmed exactly as
the embedded store's BM25 index stems them (SQLite FTS5's Porter tokenizer, run in memory, whatever the backend),
so "schedules" matches "schedule" and "negotiating" matches "negotiation".
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache

from graph.sqlite_search import FtsTokenizer

_WORD = re.compile(r"\w+", re.UNICODE)

#: English function words: a query made only of these has no content to match (it is answered "no strong match")
STOP_WORDS = frozenset(
    """a about above after again against all also am an and any are aren't as at be because been before being below
    between both but by can cannot could did do does doing done down during each either else ever every few for
    from further get gets getting got had has have having he her here hers herself him himself his how however i
    if in into is isn't it its itself just least less let like made make many may me might more most much must
    my myself need needs no nor not now of off often on once one only or other others otherwise our ours
    ourselves out over own per please quite rather really same say says she should since so some such than that
    the their theirs them themselves then there these they this those though through thus to too under until up
    upon us use used using very via want was we well were what whatever when where whether which while who whom
    whose why will with within without would yet you your yours yourself yourselves""".split()  # noqa: SIM905
)


#: the store's own full-text tokenizer (graph/sqlite_store.py): Porter stemming over unicode61 without diacritics
_PORTER_SQL = "CREATE VIRTUAL TABLE t USING fts5(text, tokenize='porter unicode61 remove_diacritics 2')"
_porter: FtsTokenizer | None = None
_porter_lock = threading.Lock()


def stems(words: Sequence[str]) -> list[tuple[str, ...]]:
    """Each word's stems as the store's BM25 index makes them (SQLite FTS5's Porter tokenizer, run in memory and
    memoised): "negotiation" and "negotiating" both give "negoti". A word may give none or several."""
    global _porter
    with _porter_lock:
        if _porter is None:
            _porter = FtsTokenizer(_PORTER_SQL)
        return _porter.tokens(list(words))


def stem(word: str) -> str:
    """One word's stem (the word itself when the tokenizer keeps nothing of it)."""
    got = stems([word])[0]
    return got[0] if got else word


def words(text: str) -> list[str]:
    """Every word of ``text``, lower-cased, in order (stop words kept: they break phrases)."""
    return _WORD.findall(text.lower())


def content_terms(text: str) -> list[str]:
    """The distinct stemmed content words of ``text``, in order of first appearance (no stop words, no single
    letters; digits kept)."""
    kept = [w for w in words(text) if w not in STOP_WORDS and (len(w) > 1 or w.isdigit())]
    return list(dict.fromkeys(t for toks in stems(kept) for t in toks))


def term_set(texts: Iterable[str]) -> frozenset[str]:
    """The stemmed content words of several texts together."""
    return frozenset(t for text in texts for t in content_terms(text))


def matched_share(query_terms: Sequence[str], item_terms: frozenset[str]) -> float:
    """Share of the query's content words the item contains (0 when the query has none): absolute, so the same
    value means the same overlap for any query and any collection."""
    if not query_terms:
        return 0.0
    return sum(1 for t in query_terms if t in item_terms) / len(query_terms)


def weighted_share(weights: Mapping[str, float], item_terms: frozenset[str]) -> float:
    """Share of the query's content-word *weight* the item contains (``weights``: word -> rarity weight, e.g.
    idf): matching the rare word of a query counts more than matching its common ones."""
    total = sum(weights.values())
    return sum(w for t, w in weights.items() if t in item_terms) / total if total > 0 else 0.0


def _runs(text: str) -> list[list[tuple[str, str]]]:
    """Runs of consecutive content words (stop words and punctuation break a run) as (stem, surface) pairs."""
    tokens = re.findall(r"\w+|[^\w\s]", text.lower())
    content = [
        w for w in tokens if (w[0].isalnum() or w[0] == "_") and w not in STOP_WORDS and (len(w) > 1 or w.isdigit())
    ]
    stem_of = dict(zip(content, (" ".join(t) for t in stems(content)), strict=True))
    runs: list[list[tuple[str, str]]] = [[]]
    for w in tokens:
        st = stem_of.get(w)
        if not st:
            if runs[-1]:
                runs.append([])
            continue
        runs[-1].append((st, w))
    return [r for r in runs if r]


@lru_cache(maxsize=20_000)
def _stem_sequence(text: str) -> str:
    """The text's stemmed content words with ``|`` where a run breaks, space-separated (memoised: the same
    passages are read for many queries)."""
    return " ".join(s for run in _runs(text) for s in (*(x for x, _ in run), "|"))


def shared_phrase(query: str, texts: Sequence[str], *, max_words: int = 4) -> str | None:
    """The longest run of the query's content words (at most ``max_words``, in the query's order) that appears,
    word for word after stemming, in **every** one of ``texts``; None when not even one content word is shared by
    all. Used by the why-line to say what the evidence is about ("on 'retention schedule'") without echoing the
    query: the phrase is named only when each counted item contains it."""
    if not texts:
        return None
    seqs = [_stem_sequence(t) for t in texts]
    best: tuple[int, int, str] | None = None
    for run in _runs(query):
        for n in range(min(max_words, len(run)), 0, -1):
            for i in range(len(run) - n + 1):
                part = run[i : i + n]
                key = " " + " ".join(s for s, _ in part) + " "
                if all(key in f" {s} " for s in seqs):
                    cand = (n, -len(" ".join(w for _, w in part)), " ".join(w for _, w in part))
                    if best is None or cand[0] > best[0]:
                        best = cand
                    break
            if best is not None and best[0] == n:
                break
    return best[2] if best is not None else None
