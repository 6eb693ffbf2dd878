"""In-memory search structures of the embedded store: an exact copy of the FTS5 BM25 index and an int8 first pass
for vector search. Both are read models of the SQLite file, rebuilt when its data version changes.

Why (docs/search.md, "Latency"): at 100k chunks a 3-word FTS5 query scores every matching row inside SQLite
(~6,000-18,000 rows, 15-70 ms), and an exact float32 vector scan reads 150 MB (~10-20 ms); expert search runs
one lexical and two vector searches per query. Neither structure changes a result:

- :class:`TextIndex` holds FTS5's own postings (read through the ``fts5vocab`` virtual table, so the tokens are
  the ones FTS5 produced: no second tokenizer to keep in step) and scores a query with FTS5's ``bm25()``
  arithmetic, operation for operation in float64 (``fts5_aux.c``: k1 = 1.2, b = 0.75, idf floored at 1e-6,
  phrases summed in query order). Scores are bit-identical to FTS5's and ties are broken by rowid as FTS5 does;
  tests compare both on many queries. Query words are tokenized by an in-memory FTS5 table declared with the
  store's own ``tokenize=`` option; a word that is not exactly one token (``foo_bar``) sends the query back to
  FTS5's SQL, which handles phrases.
- :class:`Int8Scan` scores every vector with 7-bit integer weights through onnxruntime's ``MatMulInteger``
  (a quarter of the memory traffic), then computes exact float32 scores only for rows that can still be in the
  top ``limit``: each row's error is bounded (``|x.q - approx| <= |x - x~| |q| + |x~| |q - q~|``, both norms
  known), so a row whose approximate score plus its bound is below the ``limit``-th exact score cannot be in the
  result. Recall stays 1.0 by construction.
"""

from __future__ import annotations

import math
import re
import sqlite3
from collections.abc import Sequence
from typing import Any

import numpy as np

from whoknows.errors import StoreError

_WORD_RE = re.compile(r"\w+", re.UNICODE)
_TOKENIZE_RE = re.compile(r"tokenize\s*=\s*('(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|[^,\s)]+)", re.IGNORECASE)
BM25_K1 = 1.2  # fts5_aux.c, fts5Bm25Function
BM25_B = 0.75
_VOCAB_TABLE = "temp.whoknows_fts_instance"
_TOKEN_CACHE_MAX = 50_000


def query_words(query: str) -> list[str]:
    """The words of a free-text query as the lexical search ORs them: lower-cased, de-duplicated, in order;
    single letters dropped (digits kept)."""
    words = [w for w in _WORD_RE.findall(query.lower()) if len(w) > 1 or w.isdigit()]
    return list(dict.fromkeys(words))


class FtsTokenizer:
    """Tokenizes query words exactly as the store's FTS5 table does, with a private in-memory FTS5 table declared
    with the same ``tokenize=`` option (porter stemming, diacritics...). Memoised per word."""

    def __init__(self, create_sql: str) -> None:
        m = _TOKENIZE_RE.search(create_sql)
        option = f", tokenize={m.group(1)}" if m else ""
        self._conn = sqlite3.connect(":memory:", check_same_thread=False)
        self._conn.execute(f"CREATE VIRTUAL TABLE tok USING fts5(text{option})")
        self._conn.execute("CREATE VIRTUAL TABLE tokv USING fts5vocab(tok, instance)")
        self._cache: dict[str, tuple[str, ...]] = {}

    def tokens(self, words: Sequence[str]) -> list[tuple[str, ...]]:
        """Each word's FTS5 tokens (most words give one; ``foo_bar`` gives two, ``__`` none)."""
        new = [w for w in dict.fromkeys(words) if w not in self._cache]
        if new:
            c = self._conn
            c.executemany("INSERT INTO tok(rowid, text) VALUES (?, ?)", list(enumerate(new)))
            got: dict[int, list[str]] = {}
            for doc, term in c.execute("SELECT doc, term FROM tokv ORDER BY doc, offset"):
                got.setdefault(doc, []).append(term)
            c.execute("DELETE FROM tok")
            if len(self._cache) + len(new) > _TOKEN_CACHE_MAX:
                self._cache.clear()
            for i, w in enumerate(new):
                self._cache[w] = tuple(got.get(i, ()))
        return [self._cache[w] for w in words]

    def close(self) -> None:
        self._conn.close()


class TextIndex:
    """FTS5's postings in memory: for each index term, the rows holding it (positions into ``rowids``) and the
    term's frequency in each; each row's BM25 length normaliser; the row -> node id and label mapping."""

    def __init__(
        self,
        version: Any,
        rowids: np.ndarray,
        ids: np.ndarray,
        labels: np.ndarray,
        terms: dict[str, int],
        ptr: np.ndarray,
        pos: np.ndarray,
        tf: np.ndarray,
        doc_len: np.ndarray,
    ) -> None:
        self.version = version
        self.rowids = rowids
        self.ids = ids
        self.labels = labels
        self.terms = terms
        self.ptr = ptr
        self.pos = pos
        self.tf = tf
        self.n_row = len(rowids)
        n_token = int(doc_len.sum())
        avgdl = float(n_token) / float(self.n_row) if self.n_row else 1.0
        # fts5Bm25Function: k1 * (1 - b + b * D / avgdl), same operations in the same order (float64)
        self.k_d = BM25_K1 * ((1 - BM25_B) + (BM25_B * doc_len.astype(np.float64)) / avgdl)
        self._masks: dict[tuple[str, ...], np.ndarray] = {}

    @classmethod
    def build(cls, conn: sqlite3.Connection, version: Any, text_labels: Sequence[str]) -> TextIndex:
        """Read the FTS5 index of ``text_fts`` through ``fts5vocab`` (one row per token instance, grouped per
        term in SQL) and the node of each row. About 3 s per 10 million indexed tokens."""
        rowids = np.fromiter((r[0] for r in conn.execute("SELECT rowid FROM text_fts ORDER BY rowid")), np.int64)
        n = len(rowids)
        ids = np.full(n, None, dtype=object)
        labels = np.full(n, None, dtype=object)
        marks = ",".join("?" * len(text_labels))
        node_rows = conn.execute(f"SELECT rid, id, label FROM nodes WHERE label IN ({marks})", tuple(text_labels))
        rids, nids, nlabels = [], [], []
        for rid, nid, label in node_rows:
            rids.append(rid)
            nids.append(nid)
            nlabels.append(label)
        if rids and n:
            rid_arr = np.asarray(rids, dtype=np.int64)
            at = np.minimum(np.searchsorted(rowids, rid_arr), n - 1)
            ok = rowids[at] == rid_arr
            ids[at[ok]] = np.asarray(nids, dtype=object)[ok]
            labels[at[ok]] = np.asarray(nlabels, dtype=object)[ok]
        conn.execute(f"CREATE VIRTUAL TABLE IF NOT EXISTS {_VOCAB_TABLE} USING fts5vocab(main, text_fts, instance)")
        term_names: list[str] = []
        counts: list[int] = []
        parts: list[str] = []
        for term, cnt, docs in conn.execute(
            f"SELECT term, count(*), group_concat(doc, ' ') FROM {_VOCAB_TABLE} GROUP BY term"
        ):
            term_names.append(term)
            counts.append(cnt)
            parts.append(docs)
        # numpy parses the numbers in C (10M rowids in about a second less than str.split)
        inst_rowid = np.fromstring(" ".join(parts), dtype=np.int64, sep=" ") if parts else np.zeros(0, np.int64)
        n_terms = len(term_names)
        inst_term = np.repeat(np.arange(n_terms, dtype=np.int64), np.asarray(counts, dtype=np.int64))
        if len(inst_rowid) != len(inst_term):
            raise StoreError("the full-text index changed while it was being read; search again")
        inst_pos = np.searchsorted(rowids, inst_rowid)
        if len(inst_pos) and (inst_pos.max() >= n or not np.array_equal(rowids[inst_pos], inst_rowid)):
            raise StoreError("the full-text index lists rows that are not in text_fts; run 'whoknows ingest' again")
        doc_len = np.bincount(inst_pos, minlength=n)
        key = inst_term * max(n, 1) + inst_pos
        if len(key) > 1 and not np.all(key[1:] >= key[:-1]):
            key.sort(kind="stable")
        if len(key):
            starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
            ukey = key[starts]
            tf = np.diff(np.r_[starts, len(key)]).astype(np.float64)
            uterm, upos = ukey // max(n, 1), (ukey % max(n, 1)).astype(np.int32)
        else:
            tf, uterm, upos = np.zeros(0), np.zeros(0, np.int64), np.zeros(0, np.int32)
        ptr = np.searchsorted(uterm, np.arange(n_terms + 1))
        return cls(version, rowids, ids, labels, dict(zip(term_names, range(n_terms), strict=True)), ptr, upos,
                   tf, doc_len)  # fmt: skip

    def _mask(self, label_values: Sequence[str]) -> np.ndarray:
        key = tuple(sorted(label_values))
        m = self._masks.get(key)
        if m is None:
            m = self._masks[key] = np.isin(self.labels, key) & (self.ids != None)  # noqa: E711 - elementwise
        return m

    def search(
        self, phrase_terms: Sequence[str], label_values: Sequence[str], limit: int
    ) -> list[tuple[str, str, float]]:
        """(node id, label, BM25 score) of the best ``limit`` rows with one of ``label_values``, best first; one
        single-token phrase per entry of ``phrase_terms`` (repeats count twice, as in FTS5)."""
        acc = np.zeros(self.n_row, dtype=np.float64)
        touched = False
        for term in phrase_terms:
            t = self.terms.get(term)
            if t is None:  # a phrase no row holds adds 0.0 to every score
                continue
            lo, hi = int(self.ptr[t]), int(self.ptr[t + 1])
            df = hi - lo
            idf = math.log((self.n_row - df + 0.5) / (df + 0.5))
            if idf <= 0.0:
                idf = 1e-6
            p, f = self.pos[lo:hi], self.tf[lo:hi]
            acc[p] += idf * ((f * (BM25_K1 + 1.0)) / (f + self.k_d[p]))
            touched = True
        if not touched or limit <= 0:
            return []
        cand = np.flatnonzero(acc)  # every matching row scores > 0 (idf >= 1e-6, tf >= 1)
        cand = cand[self._mask(label_values)[cand]]
        sc = acc[cand]
        if len(cand) > limit:
            kth = np.partition(sc, len(sc) - limit)[len(sc) - limit]
            keep = sc >= kth  # ties at the cut stay in, then rowid order decides, as in FTS5
            cand, sc = cand[keep], sc[keep]
        order = np.lexsort((cand, -sc))[:limit]
        return [(self.ids[cand[i]], self.labels[cand[i]], float(sc[i])) for i in order]


def exact_scores(matrix: np.ndarray, rows: np.ndarray, q: np.ndarray) -> np.ndarray:
    """``matrix[rows] @ q`` computed in float64 and rounded to float32: the score both vector search paths report.

    Why not float32 BLAS: its result for a row depends on where the row sits in the matrix (kernel blocks and
    thread splits round the last rows differently), so the same row could score differently in a full scan and
    in a rerank of a few rows, and exact ties would break differently; float64 then float32 gives every row its
    correctly rounded score wherever it sits."""
    return (matrix[rows].astype(np.float64) @ q.astype(np.float64)).astype(np.float32)


class Int8Scan:
    """First pass of exact vector search: 7-bit integer weights scored by onnxruntime, exact float32 rerank of
    the rows whose error bound lets them reach the top ``limit``.

    Weights are per-row symmetric 7-bit (-63..63): AVX2 integer kernels add pairs of uint8 x int8 products in
    int16, which saturates with 8-bit weights but not with 7-bit ones, so the integer dot products are exact and
    the error bound holds. :meth:`verify` checks that on the built data before the scan is used.
    """

    MIN_ROWS = 20_000  # below this an exact float32 scan is as fast

    def __init__(self, matrix: np.ndarray) -> None:
        import onnxruntime as ort
        from onnx import TensorProto, helper, numpy_helper

        self.matrix = matrix
        n, dim = matrix.shape
        absmax = np.abs(matrix).max(axis=1).astype(np.float64)
        self.scale = np.where(absmax > 0, absmax / 63.0, 1.0)
        self.x8 = np.empty((n, dim), dtype=np.int8)
        self.err = np.empty(n, dtype=np.float64)  # |x - scale * x8|
        self.norm = np.empty(n, dtype=np.float64)  # |scale * x8|
        for s in range(0, n, 8192):  # in blocks: a float64 copy of the whole matrix would be 300 MB
            block = matrix[s : s + 8192].astype(np.float64)
            q = np.rint(block / self.scale[s : s + 8192, None])
            self.x8[s : s + 8192] = q.astype(np.int8)
            recon = q * self.scale[s : s + 8192, None]
            self.err[s : s + 8192] = np.linalg.norm(block - recon, axis=1)
            self.norm[s : s + 8192] = np.linalg.norm(recon, axis=1)
        # per query everything is float32 (half the memory traffic of float64); ``_slack`` makes the bound hold
        # anyway: float32 rounding of the approximate score (< 1e-6) and of the exact float32 dot product (which
        # is what is ranked: < 384 * 2**-24 * |x||q| < 2.3e-5), and |q| = 1 within float32 rounding
        self._scale32 = self.scale.astype(np.float32)
        self._norm32 = (self.norm * (1 + 1e-6)).astype(np.float32)
        self._slack = (self.err * (1 + 1e-6) + 5e-5).astype(np.float32)
        weights = numpy_helper.from_array(np.ascontiguousarray(self.x8.T), "B")
        zero = numpy_helper.from_array(np.array(128, dtype=np.uint8), "a_zero")
        graph = helper.make_graph(
            [helper.make_node("MatMulInteger", ["A", "B", "a_zero"], ["Y"])],
            "whoknows_int8_scan",
            [helper.make_tensor_value_info("A", TensorProto.UINT8, [1, dim])],
            [helper.make_tensor_value_info("Y", TensorProto.INT32, [1, n])],
            [weights, zero],
        )
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = 1  # memory-bound: a second thread gains little on a shared 2-core machine
        opts.inter_op_num_threads = 1
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = ort.InferenceSession(model.SerializeToString(), opts, providers=["CPUExecutionProvider"])

    def _quantise(self, q: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
        """uint8 query (zero point 128), its integer values and its scale."""
        amax = float(np.abs(q).max())
        sq = amax / 127.0 if amax > 0 else 1.0
        qi = np.rint(q.astype(np.float64) / sq)
        return (qi + 128).astype(np.uint8)[None, :], qi, sq

    def verify(self, probe: np.ndarray) -> bool:
        """Whether onnxruntime's integer products equal exact integer arithmetic on this data (no saturation)."""
        a, qi, _ = self._quantise(probe)
        got = self.session.run(None, {"A": a})[0][0]
        rows = np.linspace(0, len(self.x8) - 1, num=min(len(self.x8), 4096)).astype(np.int64)
        exact = self.x8[rows].astype(np.int64) @ qi.astype(np.int64)
        return bool(np.array_equal(got[rows].astype(np.int64), exact))

    def drop_host_weights(self) -> None:
        """Free the int8 weights kept for :meth:`verify` (onnxruntime holds its own copy): 38 MB at 100k x 384."""
        self.x8 = np.zeros((0, self.matrix.shape[1]), dtype=np.int8)

    def approx(self, q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Every row's approximate score and a bound on its error, ``|matrix[row] @ q - approx| <= bound``, for a
        unit-norm ``q``: ``x.q - x~.q~ = (x - x~).q + x~.(q - q~)``, so ``bound = |x - x~| + |x~| |q - q~|``."""
        a8, qi, sq = self._quantise(q)
        y = self.session.run(None, {"A": a8})[0][0]  # exact integer dot products (|y| < 2**24: exact in float32)
        approx = np.multiply(y, self._scale32, dtype=np.float32)
        approx *= np.float32(sq)
        q_err = float(np.linalg.norm(q.astype(np.float64) - qi * sq)) * (1 + 1e-6)
        bound = self._norm32 * np.float32(q_err)
        bound += self._slack
        return approx, bound

    def top(self, q: np.ndarray, limit: int, valid: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        """Rows and exact scores (:func:`exact_scores`) of the best ``limit`` rows, best first, ties by row.
        ``q`` is the normalised float32 query; ``valid`` masks rows that may be returned (None: all)."""
        approx, bound = self.approx(q)
        if valid is not None:
            approx = np.where(valid, approx, -np.inf)
        n_valid = len(approx) if valid is None else int(valid.sum())
        k = min(limit, n_valid)
        if k <= 0:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        m = min(2 * k + 64, n_valid)
        first = np.argpartition(approx, len(approx) - m)[len(approx) - m :]
        exact = exact_scores(self.matrix, first, q)
        kth = np.partition(exact, len(exact) - k)[len(exact) - k]
        # a row outside ``first`` whose best possible score reaches the k-th exact score must be scored too
        approx += bound  # now each row's best possible score
        more = np.flatnonzero(approx >= kth)
        more = np.setdiff1d(more, first, assume_unique=True)
        if len(more):
            first = np.concatenate([first, more])
            exact = np.concatenate([exact, exact_scores(self.matrix, more, q)])
        order = np.lexsort((first, -exact))[:k]
        return first[order], exact[order]
