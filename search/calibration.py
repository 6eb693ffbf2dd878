"""The frozen calibration of the expertise score: absolute evidence features -> a 0-1 score.

Why frozen: the score must mean the same strength of evidence for every query, person and organisation (design
principle 6), so the mapping cannot be re-fitted per query or per store. It is a logistic model fitted ONCE on a
development split (``bench/calibration.py``: the DBLP collection's tuning half, the demo organisation's tuning
half and the tuning half of an out-of-scope query set) and shipped as ``search/data/calibration.json`` together
with what it was fitted on and its figures. Refit only with that script, and re-measure (bench/relevance.py).

The fit balances the two classes (experts / non-experts), so the score is the likelihood ratio of the evidence
``LR = p(evidence | expert) / p(evidence | not an expert)`` put on a 0-1 scale, ``LR / (1 + LR)``: 0.5 means the
evidence is as typical of a non-expert as of an expert, 0.8 four times more typical of an expert, 0.9 nine times.
It does not depend on how many people the organisation has (a prior would), which is what lets one threshold
say "strong match" in a team of 50 and in a company of 50,000. docs/search.md, "Calibrated expertise".
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from whoknows.errors import ConfigError

PARAMS_FILE = "calibration.json"


@dataclass(frozen=True, slots=True)
class LogisticModel:
    """``sigmoid(intercept + sum(coef[f] * x[f]))`` over named features."""

    features: tuple[str, ...]
    coef: tuple[float, ...]
    intercept: float

    def linear(self, x: Mapping[str, float]) -> float:
        z = self.intercept
        for f, c in zip(self.features, self.coef, strict=True):
            z += c * x[f]
        return z

    def __call__(self, x: Mapping[str, float]) -> float:
        return _sigmoid(self.linear(x))


@dataclass(frozen=True, slots=True)
class GateModel:
    """``sigmoid(slope * min(absolute(x), relative(x)) + intercept)``: evidence is strong only when it is close to
    the query in absolute terms (``absolute``: the best document's similarity and its share of the query's words)
    AND stands out from what the organisation's documents say about the query in general (``relative``: the mean
    of the person's best similarities in standard deviations above the query's reference mean, plus absolute
    terms). Each part is scaled so that 1 is its threshold for "strong".

    Why a minimum and not one weighted sum: absolute similarity alone tells a nonsense query from a real one (a
    gibberish query is far from everything) but not one person's strong topic from their weak one when the
    queries differ in how close they are to everything (a broad query is close to every document); the relative
    part does the second and fails the first (among 600 documents one always stands out from a gibberish query's
    background by chance). A linear sum of the two has to trade one for the other; the minimum needs both
    (docs/search.md, "Calibrated expertise"; fitted and measured by bench/calibration.py)."""

    absolute: LogisticModel  # only ``linear`` is used: intercept 0, scaled so that 1 is the part's threshold
    relative: LogisticModel
    slope: float
    intercept: float
    #: absolute evidence this high is a strong match whatever the background (a person whose documents are
    #: about exactly this in a small organisation where everything is about it); None: no such level
    lift: float | None = None
    #: ... for a query of at most this many words (feature ``qw``; None: any). A longer text (a pasted document)
    #: is close to every document of the same template or genre whatever its subject, so it needs ``lift_long``
    lift_max_words: int | None = None
    lift_long: float | None = None

    @property
    def features(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys((*self.absolute.features, *self.relative.features)))

    def gate(self, x: Mapping[str, float]) -> float:
        """The smaller of the two parts (1 = the threshold of a strong match); at or above ``lift`` on the
        absolute part, at least 1 (then ``LIFT_SLOPE`` x the relative part above 1, so that among such people
        the one whose evidence also stands out more still scores higher)."""
        a, r = self.absolute.linear(x), self.relative.linear(x)
        g = min(a, r)
        short = self.lift_max_words is None or x.get("qw", 0.0) <= self.lift_max_words
        lift = self.lift if short else self.lift_long
        if lift is not None and a >= lift:
            g = max(g, 1.0 + LIFT_SLOPE * max(r, 0.0))
        return g

    def linear(self, x: Mapping[str, float]) -> float:
        return self.slope * self.gate(x) + self.intercept

    def __call__(self, x: Mapping[str, float]) -> float:
        return _sigmoid(self.linear(x))


#: how much the relative part still counts above 1 for evidence lifted by :attr:`GateModel.lift`
LIFT_SLOPE = 0.05


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))


@dataclass(frozen=True, slots=True)
class Calibration:
    """The shipped parameters: one model with vectors (``dense``) and one for lexical-only search, the match
    thresholds and the reference statistics' prior (an evidence item passes, i.e. is counted in words, when a
    person whose best items were all as close would reach ``strong``: search.expertise ``_DocEvidence.passes``)."""

    dense: LogisticModel | GateModel
    lexical: LogisticModel
    strong: float  # a person at or above this is a strong match
    weak: float  # at or above this (and below ``strong``) a weak match; below it, no match
    prior_mu: float  # reference statistics of a query's similarity to an organisation's documents, shrunk
    prior_sd: float  # towards these with ``prior_n`` pseudo-documents (a small organisation's own figures are
    prior_n: float  # noisy)
    sd_floor: float
    top_k: int  # how many of a person's best items the mean-of-best features average
    raw: Mapping[str, Any]
    #: the lexical share of a person's best document counts (feature ``lexg``) only when that document's best
    #: passage is at least this similar to the query: a passing mention ("this overlaps with CI/CD pipeline
    #: hardening") in a passage about something else is all words and no meaning
    lex_floor: float = 0.0

    def model(self, dense: bool) -> LogisticModel | GateModel:
        return self.dense if dense else self.lexical

    def level(self, score: float) -> str:
        """``strong`` | ``weak`` | ``none`` for a calibrated score."""
        return "strong" if score >= self.strong else "weak" if score >= self.weak else "none"


def _model(d: Mapping[str, Any]) -> LogisticModel:
    feats = tuple(str(f) for f in d["features"])
    coef = tuple(float(c) for c in d["coef"])
    if len(feats) != len(coef):
        raise ConfigError(f"calibration model has {len(feats)} features but {len(coef)} coefficients")
    return LogisticModel(feats, coef, float(d.get("intercept", 0.0)))


def _dense_model(d: Mapping[str, Any]) -> LogisticModel | GateModel:
    """The dense model from its JSON form: ``{"kind": "gate", "absolute": {...}, "relative": {...}, "slope",
    "intercept"}`` or a plain logistic model (``features``, ``coef``, ``intercept``)."""
    if d.get("kind") == "gate":
        lift, words, lift_long = d.get("lift"), d.get("lift_max_words"), d.get("lift_long")
        return GateModel(
            _model(d["absolute"]),
            _model(d["relative"]),
            float(d["slope"]),
            float(d["intercept"]),
            None if lift is None else float(lift),
            None if words is None else int(words),
            None if lift_long is None else float(lift_long),
        )
    return _model(d)


def from_dict(d: Mapping[str, Any]) -> Calibration:
    """A :class:`Calibration` from the JSON form (what ``bench/calibration.py`` writes)."""
    try:
        ref = d["reference"]
        return Calibration(
            dense=_dense_model(d["dense"]),
            lexical=_model(d["lexical"]),
            strong=float(d["strong"]),
            weak=float(d["weak"]),
            prior_mu=float(ref["prior_mu"]),
            prior_sd=float(ref["prior_sd"]),
            prior_n=float(ref["prior_n"]),
            sd_floor=float(ref["sd_floor"]),
            top_k=int(d["top_k"]),
            raw=d,
            lex_floor=float(d.get("lex_floor", 0.0)),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"calibration parameters are incomplete or malformed ({exc!r}); refit with "
                          "bench/calibration.py") from exc  # fmt: skip


@lru_cache(maxsize=1)
def load() -> Calibration:
    """The shipped calibration (search/data/calibration.json), read once per process."""
    text = resources.files("search").joinpath("data", PARAMS_FILE).read_text(encoding="utf-8")
    return from_dict(json.loads(text))
