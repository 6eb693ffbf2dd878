"""Benchmark: read + chunk generated Markdown documents (front matter, headings, ~600 words each).

Baseline, run in the same process: reading alone (front matter, metadata, hashing). The figure of interest is
documents/s for reading + chunking with the real model tokenizer, and the chunking overhead over the baseline.
Usage: python bench/docs_chunking.py [--docs 2000] [--words 600]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ingest.chunking import MODEL_MAX_TOKENS, chunk_text, model_token_counter
from ingest.documents import iter_documents
from ingest.records import DocumentRecord

VOCAB = [
    "contract",
    "negotiation",
    "utilities",
    "tariff",
    "capacity",
    "charge",
    "renewal",
    "calendar",
    "load",
    "profile",
    "supplier",
    "risk",
    "onboarding",
    "champion",
    "mentor",
    "community",
    "practice",
    "knowledge",
    "transfer",
    "kubernetes",
    "incident",
    "pod",
    "probe",
    "resource",
    "limit",
    "escalation",
    "privacy",
    "retention",
    "schedule",
    "payroll",
    "audit",
    "compliance",
    "training",
    "course",
    "the",
    "a",
    "of",
    "and",
    "to",
    "in",
    "for",
    "with",
    "on",
    "by",
    "is",
    "are",
    "was",
    "be",
    "that",
    "this",
    "it",
    "as",
    "from",
    "at",
    "which",
    "we",
    "can",
    "should",
    "will",
]


def make_doc(i: int, n_words: int, rng: random.Random) -> str:
    lines = [
        "---",
        f"title: Generated guide {i}",
        f"authors: [person{i % 300}@example.org]",
        f"reviewers: [id:u{i % 97}]",
        f"community: Community {i % 12}",
        f"tags: [{rng.choice(VOCAB)}, {rng.choice(VOCAB)}]",
        f"visibility: {('public', 'internal', 'restricted')[i % 3]}",
        f"date: 2025-{1 + i % 12:02d}-{1 + i % 28:02d}",
        "---",
        f"# Generated guide {i}",
        "",
    ]
    written = 0
    section = 0
    while written < n_words:
        if written and rng.random() < 0.25:
            section += 1
            lines += [f"## Section {section}: {rng.choice(VOCAB)} {rng.choice(VOCAB)}", ""]
        sentences = []
        for _ in range(rng.randint(2, 6)):
            k = rng.randint(8, 24)
            words = [rng.choice(VOCAB) for _ in range(k)]
            sentences.append(" ".join(words).capitalize() + ".")
            written += k
        lines += [" ".join(sentences), ""]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--docs", type=int, default=2000)
    ap.add_argument("--words", type=int, default=600)
    args = ap.parse_args()
    rng = random.Random(42)
    counter = model_token_counter()  # load once, outside the timings (the app caches it the same way)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for i in range(args.docs):
            (root / f"doc{i:05d}.md").write_text(make_doc(i, args.words, rng), encoding="utf-8")

        t0 = time.perf_counter()
        baseline = [r for r in iter_documents(root) if isinstance(r, DocumentRecord)]
        read_s = time.perf_counter() - t0

        t0, c0 = time.perf_counter(), time.process_time()
        n_chunks = 0
        max_tokens = 0
        n_docs = 0
        for rec in iter_documents(root):
            assert isinstance(rec, DocumentRecord), str(rec)
            chunks = chunk_text(rec.text, title=rec.title, counter=counter)
            n_chunks += len(chunks)
            max_tokens = max([max_tokens, *(c.token_count for c in chunks)])
            n_docs += 1
        total_s, cpu_s = time.perf_counter() - t0, time.process_time() - c0
    assert n_docs == len(baseline) == args.docs
    figures = {
        "docs": n_docs,
        "words_per_doc": args.words,
        "read_only_docs_per_s": round(n_docs / read_s, 1),
        "read_and_chunk_docs_per_s": round(n_docs / total_s, 1),
        "read_and_chunk_seconds": round(total_s, 2),
        "read_and_chunk_cpu_seconds": round(cpu_s, 2),  # all threads; robust to a busy shared machine
        "read_and_chunk_docs_per_cpu_s": round(n_docs / cpu_s, 1),
        "chunking_overhead_ratio": round(total_s / read_s, 2),
        "chunks": n_chunks,
        "chunks_per_doc": round(n_chunks / n_docs, 2),
        "max_chunk_tokens": max_tokens,
        "model_window": MODEL_MAX_TOKENS,
    }
    print(f"read only (baseline):  {figures['read_only_docs_per_s']:>8} docs/s  ({read_s:.2f} s)")
    print(f"read + chunk:          {figures['read_and_chunk_docs_per_s']:>8} docs/s  ({total_s:.2f} s)")
    print(f"read + chunk, per CPU-second: {figures['read_and_chunk_docs_per_cpu_s']} docs ({cpu_s:.2f} CPU s)")
    print(f"chunking overhead:     x{figures['chunking_overhead_ratio']} of reading alone")
    print(f"chunks: {n_chunks} ({figures['chunks_per_doc']}/doc), largest {max_tokens} tokens of {MODEL_MAX_TOKENS}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
