"""Chunking: structure-first splitting, overlap of long paragraphs, and every chunk inside the model window
(asserted with the model's real tokenizer, not an estimate)."""

from __future__ import annotations

import itertools
import random
import re

import pytest

from ingest.chunking import MODEL_MAX_TOKENS, Chunk, ModelTokenCounter, chunk_text, model_token_counter
from whoknows.errors import ConfigError


class WordCounter:
    """Test counter: one token per whitespace-separated word, plus [CLS] and [SEP]."""

    def __init__(self) -> None:
        self.calls = 0

    def count(self, texts: list[str]) -> list[int]:
        self.calls += 1
        return [len(t.split()) + 2 for t in texts]


def words(n: int, seed: int = 0, prefix: str = "w") -> str:
    rng = random.Random(seed)
    return " ".join(f"{prefix}{rng.randrange(10_000)}" for _ in range(n))


def body(chunk: Chunk, text: str) -> str:
    """The chunk's text without its heading/title prefix; must sit in the document at ``start_char``."""
    if text.startswith(chunk.text, chunk.start_char):
        return chunk.text
    _, _, rest = chunk.text.partition("\n\n")
    assert text.startswith(rest, chunk.start_char), (chunk, text[chunk.start_char : chunk.start_char + 40])
    return rest


# -- structure (injected counter) -----------------------------------------------------------------------
def test_small_paragraphs_of_one_section_are_packed_and_sections_are_not_mixed() -> None:
    text = "# Alpha\n\nfirst para here.\n\nsecond para here.\n\n## Beta\n\nthird para here."
    chunks = chunk_text(text, title="Doc", counter=WordCounter())
    assert [(c.n, c.heading) for c in chunks] == [(0, "Alpha"), (1, "Beta")]
    assert chunks[0].text == "Alpha\n\nfirst para here.\n\nsecond para here."
    assert chunks[1].text == "Beta\n\nthird para here."
    assert chunks[0].start_char == text.index("first") and chunks[1].start_char == text.index("third")
    assert chunks[0].token_count == len(chunks[0].text.split()) + 2


def test_title_prefixes_chunks_before_the_first_heading() -> None:
    chunks = chunk_text("Intro text.\n\n# Later\n\nMore.", title="Guide", counter=WordCounter())
    assert chunks[0].heading == "" and chunks[0].text == "Guide\n\nIntro text."
    assert chunks[1].heading == "Later"
    assert chunk_text("Intro text.", counter=WordCounter())[0].text == "Intro text."


def test_paragraphs_are_packed_up_to_the_budget_and_never_split_when_they_fit() -> None:
    paras = [words(30, seed=i) for i in range(10)]
    text = "\n\n".join(paras)
    chunks = chunk_text(text, max_tokens=100, overlap_tokens=0, counter=WordCounter())
    for c in chunks:
        assert c.token_count <= 100
        assert all(p in c.text or p not in text[c.start_char : c.start_char + len(c.text)] for p in paras)
    assert len(chunks) == 4  # 3 paragraphs of 30 words fit in 98 body tokens; 10 paragraphs -> 4 chunks
    assert "\n\n".join(body(c, text) for c in chunks) == text


def test_long_paragraph_splits_on_sentences_with_overlap() -> None:
    sentences = [f"Sentence {i} {words(8, seed=i)}." for i in range(40)]  # 11 words each
    text = "# Long\n\n" + " ".join(sentences)
    chunks = chunk_text(text, max_tokens=64, overlap_tokens=16, counter=WordCounter())
    assert len(chunks) > 5 and all(c.token_count <= 64 for c in chunks)
    for c in chunks:  # windows start and end on sentence boundaries
        b = body(c, text)
        assert b.startswith("Sentence") and b.endswith(".")
    for a, b in itertools.pairwise(chunks):
        first_of_b = body(b, text).split(".")[0]
        assert first_of_b in body(a, text), "consecutive windows of one paragraph overlap"
        assert b.start_char > a.start_char


def test_monster_sentence_is_cut_into_overlapping_word_windows() -> None:
    text = words(1000, seed=7)  # no punctuation, no breaks
    chunks = chunk_text(text, max_tokens=50, overlap_tokens=10, counter=WordCounter())
    assert all(c.token_count <= 50 for c in chunks)
    seen = set()
    for a, b in itertools.pairwise(chunks):
        ta, tb = body(a, text).split(), body(b, text).split()
        assert len(set(ta) & set(tb)) > 0 and tb[0] in ta  # overlap of at most ~10 words
        assert len(ta[ta.index(tb[0]) :]) <= 10
    for c in chunks:
        seen.update(body(c, text).split())
    assert seen == set(text.split())


def test_heading_without_body_is_kept_as_text() -> None:
    chunks = chunk_text("# Only heading\n\n## Sub\n\ntext", counter=WordCounter())
    assert [c.heading for c in chunks] == ["Only heading", "Sub"]
    assert "Only heading" in chunks[0].text


def test_hash_lines_inside_code_fences_are_not_headings() -> None:
    text = "# Real\n\n```bash\n# just a comment\n\necho hi\n```\n\nafter"
    chunks = chunk_text(text, counter=WordCounter())
    assert {c.heading for c in chunks} == {"Real"}
    assert "# just a comment" in chunks[0].text and "echo hi" in chunks[0].text


def test_empty_and_whitespace_text_give_no_chunks() -> None:
    assert chunk_text("", counter=WordCounter()) == []
    assert chunk_text(" \n\n \n", counter=WordCounter()) == []


def test_bad_parameters_raise_config_error() -> None:
    with pytest.raises(ConfigError, match="at least 16"):
        chunk_text("x", max_tokens=8, counter=WordCounter())
    with pytest.raises(ConfigError, match="between 0 and max_tokens/2"):
        chunk_text("x", max_tokens=64, overlap_tokens=33, counter=WordCounter())


def test_token_counting_is_batched_per_document() -> None:
    counter = WordCounter()
    text = "\n\n".join(f"## H{i}\n\n{words(40, seed=i)}" for i in range(50))
    chunk_text(text, max_tokens=256, counter=counter)
    assert counter.calls <= 4  # prefixes, paragraphs, final check (+ sentences if any paragraph is long)


# -- the real tokenizer ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def real() -> ModelTokenCounter:
    return model_token_counter()


def test_real_counter_does_not_truncate_and_counts_special_tokens(real: ModelTokenCounter) -> None:
    long = "knowledge " * 1000
    short, big = real.count(["knowledge", long])
    assert short == 3  # [CLS] knowledge [SEP]
    assert big == 1002  # the bundled tokenizer.json truncates at 128 unless switched off
    assert model_token_counter() is real  # loaded once


NASTY = {
    "prose": "\n\n".join(
        f"## Section {i}\n\n" + " ".join(f"Sentence {j} talks about {words(12, seed=i * 100 + j)}." for j in range(30))
        for i in range(6)
    ),
    "one_giant_paragraph": " ".join(f"Clause {i}, with commas, and more words {words(6, seed=i)};" for i in range(400)),
    "no_spaces_url": "See https://example.org/" + "a1b2c3/" * 600 + " for details.",
    "punctuation_storm": "!?.,;:-()[]{}" * 400,
    "cjk": "知识管理" * 700,
    "numbers_table": "\n".join(" | ".join(str(i * j) for j in range(30)) for i in range(100)),
    "accents_emoji": " ".join(["Élodie naïve café 😀 über straße"] * 300),
    "long_heading": "# " + words(300, seed=3) + "\n\nshort body text.",
    "code": "```python\n" + "\n".join(f"def f{i}(x): return x * {i}  # comment {i}" for i in range(200)) + "\n```",
}


@pytest.mark.parametrize("kind", sorted(NASTY))
def test_every_chunk_fits_the_model_window_with_the_real_tokenizer(kind: str, real: ModelTokenCounter) -> None:
    text = NASTY[kind]
    chunks = chunk_text(text, title="A fairly ordinary document title", counter=real)
    assert chunks
    counts = real.count([c.text for c in chunks])
    assert max(counts) <= MODEL_MAX_TOKENS
    assert counts == [c.token_count for c in chunks]
    assert [c.n for c in chunks] == list(range(len(chunks)))
    assert chunk_text(text, title="A fairly ordinary document title", counter=real) == chunks  # deterministic
    # nothing lost: every non-space character of the document is inside some chunk's body
    covered = bytearray(len(text))
    for c in chunks:
        b = body(c, text)
        covered[c.start_char : c.start_char + len(b)] = b"\x01" * len(b)
    carried = {c.heading for c in chunks}  # heading lines travel in the heading field (and prefix)
    for m in re.finditer(r"^#+ (.+)$", text, flags=re.M):
        if m.group(1) in carried:
            covered[m.start() : m.end()] = b"\x01" * (m.end() - m.start())
    lost = [m.group() for m in re.finditer(r"\S+", text) if not all(covered[m.start() : m.end()])]
    assert lost == []


def test_default_counter_is_the_model_and_chunks_are_full(real: ModelTokenCounter) -> None:
    text = " ".join(f"Sentence number {i} explains contract negotiation with utilities." for i in range(300))
    chunks = chunk_text(text)
    assert all(c.token_count <= MODEL_MAX_TOKENS for c in chunks)
    assert sum(c.token_count for c in chunks[:-1]) / (len(chunks) - 1) > 0.8 * MODEL_MAX_TOKENS  # not wasteful


def test_heading_too_long_to_prefix_is_kept_as_body_text() -> None:
    heading = words(40, seed=5)
    chunks = chunk_text(f"# {heading}\n\nshort body.", max_tokens=64, counter=WordCounter())
    assert any(heading in c.text for c in chunks) and all(c.token_count <= 64 for c in chunks)
    assert all(c.heading == heading for c in chunks)
