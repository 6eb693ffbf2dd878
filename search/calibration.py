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
        z = self.linear(x)
        return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))


@dataclass(frozen=True, slots=True)
class Calibration:
    """The shipped parameters: one model with vectors (``dense``) and one for lexical-only search, the match
    thresholds and the reference statistics' prior (an evidence item passes, i.e. is counted in words, when on its
    own it would reach ``weak``)."""

    dense: LogisticModel
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

    def model(self, dense: bool) -> LogisticModel:
        return self.dense if dense else self.lexical

    def level(self, score: float) -> str:
        """``strong`` | ``weak`` | ``none`` for a calibrated score."""
        return "strong" if score >= self.strong else "weak" if score >= self.weak else "none"


def _model(d: Mapping[str, Any]) -> LogisticModel:
    feats = tuple(str(f) for f in d["features"])
    coef = tuple(float(c) for c in d["coef"])
    if len(feats) != len(coef):
        raise ConfigError(f"calibration model has {len(feats)} features but {len(coef)} coefficients")
    return LogisticModel(feats, coef, float(d["intercept"]))


def from_dict(d: Mapping[str, Any]) -> Calibration:
    """A :class:`Calibration` from the JSON form (what ``bench/calibration.py`` writes)."""
    try:
        ref = d["reference"]
        return Calibration(
            dense=_model(d["dense"]),
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
