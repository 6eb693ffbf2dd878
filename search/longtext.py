"""A long pasted text as a query: embed all of it, and search its distinctive words, not every word.

Why: the embedding model reads at most 256 tokens (search/embedder.py), so a 5,000-character text was embedded
by its first paragraph or two and the rest was silently ignored; and the lexical search ORs every word of the
query, so a long text matched nearly every document through its common words. Here a text longer than the
model's window is embedded passage by passage (the chunker's own passages, at most 256 tokens each) and the
query vector is the normalised mean of the passage vectors, so every part of the text counts; and the lexical
query keeps the text's most frequent content words (stop words dropped), so the BM25 list is about the text's
subject. A text that fits the window is embedded exactly as before (same vector).
"""

from __future__ import annotations

import re
from collections import Counter

import numpy as np

from search import terms
from search.embedder import MAX_TOKENS, Embedder

#: words per passage when splitting a long query (English averages ~1.3 tokens per word: 180 words stay under the
#: model's 256 tokens with room for the special tokens)
PASSAGE_WORDS = 180
#: a text of more words than this is split (below it the model reads all of it)
LONG_WORDS = 180
#: content words kept for the lexical search of a long text
LEXICAL_TERMS = 100

_SENTENCE = re.compile(r"(?<=[.!?])\s+")


def passages(text: str, max_words: int = PASSAGE_WORDS) -> list[str]:
    """The text cut into passages of at most ``max_words`` words: paragraphs (blank-line separated) packed
    together while they fit, a longer paragraph cut at sentence ends (a sentence longer than the limit is cut by
    words). Every word is in exactly one passage, in order."""
    out: list[str] = []
    cur: list[str] = []

    def flush() -> None:
        if cur:
            out.append(" ".join(cur))
            cur.clear()

    for para in re.split(r"\n\s*\n", text):
        words = para.split()
        if not words:
            continue
        if len(cur) + len(words) <= max_words:
            cur.extend(words)
            continue
        flush()
        for sentence in _SENTENCE.split(" ".join(words)):
            sw = sentence.split()
            while len(sw) > max_words:
                flush()
                out.append(" ".join(sw[:max_words]))
                sw = sw[max_words:]
            if len(cur) + len(sw) > max_words:
                flush()
            cur.extend(sw)
    flush()
    return out


def is_long(text: str) -> bool:
    """More words than the model reads in one pass (about ``MAX_TOKENS`` tokens)."""
    return len(text.split()) > LONG_WORDS


def query_vector(embedder: Embedder, text: str) -> np.ndarray:
    """The query's embedding: the model's vector of the text when it fits the model's window, else the
    normalised mean of its passages' vectors (each passage within the window)."""
    if not is_long(text):
        return embedder.embed_query(text)
    vecs = np.stack([embedder.embed_query(p) for p in passages(text)]).astype(np.float32)
    mean = vecs.mean(axis=0)
    return (mean / (np.linalg.norm(mean) or 1.0)).astype(np.float32)


def lexical_query(text: str, max_terms: int = LEXICAL_TERMS) -> str:
    """What the lexical search ORs for ``text``: the text itself when it is short, else its ``max_terms`` most
    frequent content words (ties in order of first appearance), as the words were written."""
    if not is_long(text):
        return text
    kept = [w for w in terms.words(text) if w not in terms.STOP_WORDS and (len(w) > 1 or w.isdigit())]
    counts = Counter(kept)
    first = {w: i for i, w in reversed(list(enumerate(kept)))}
    top = sorted(counts, key=lambda w: (-counts[w], first[w]))[:max_terms]
    return " ".join(top)


__all__ = ["LEXICAL_TERMS", "LONG_WORDS", "MAX_TOKENS", "PASSAGE_WORDS", "is_long", "lexical_query", "passages",
           "query_vector"]  # fmt: skip
