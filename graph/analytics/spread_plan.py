"""The product's "spread an idea" answer: seeds, their reach beside what any k people and the k best-connected
people would reach, each seed's added reach, and every caveat in words.

Why the baselines are always computed: a reach figure on its own cannot tell a change agent whether the choice
mattered. Under some models any k people reach almost everyone (independent cascade with a fixed ``p0`` on a
dense organisational network saturates: on the demo organisation one person "reaches" 79%), and then a tight
interval around a large number looks authoritative while saying nothing about who was chosen. Showing the
chosen seeds, k random people and the k best-connected people side by side, and warning when random people
already reach most of the organisation, keeps the answer honest (DESIGN.md principle 7).

Who may be a seed follows the idea text (``knowers``, person -> how well they know about the idea, from the
expertise seam :mod:`graph.analytics.knowers`):

* ``prefer`` (default): seeds are chosen among the people who know about the idea when at least ``k`` of them
  can be chosen; when fewer can, all of them are seeds and the rest come from everyone; when nobody does, seeds
  come from everyone. The answer says which case applied.
* ``only``: seeds only among the people who know about it (fewer than ``k`` when fewer know; none is an error).
* ``ignore``: the idea text is not used; seeds from everyone.

People who opted out are never seeds (they are never named) but stay in the network, so reach counts them.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping
from typing import Any

import networkx as nx
import numpy as np

from graph.analytics.privacy import hide_small_groups, opted_out
from graph.analytics.projection import node_attribute, require_network
from graph.analytics.spread import (
    DEFAULT_MODEL,
    MODELS,
    Constraints,
    InfluenceGraph,
    RRSets,
    greedy_coverage,
    imm,
    influence_graph,
    reach_by_group,
    rr_reach,
    simulate,
)
from whoknows.errors import AnalyticsError

KNOWER_MODES: tuple[str, ...] = ("prefer", "only", "ignore")
#: random people reaching this share of the organisation or more: the model saturates
SATURATION_SHARE = 0.5
#: the chosen seeds reaching less than this multiple of random people's reach: the choice barely matters
WEAK_LIFT = 1.2
PROBABILITY_WORDS = {
    "ic": "1 - (1 - {p0})^tie strength (independent cascade: each unit of tie strength a {p0} chance)",
    "wc": "tie strength / total tie strength into the person (weighted cascade: each person's chances sum to 1)",
    "lt": "tie strength / total tie strength into the person, as linear-threshold weights",
}


def _people(n: int, many: str = "", one: str = "") -> str:
    """``"1 person"`` / ``"3 people"``, each optionally followed by its own verb phrase."""
    return f"{n} person{' ' + one if one else ''}" if n == 1 else f"{n} people{' ' + many if many else ''}"


def _capacity(pool: Iterable[Hashable], dept: Mapping[Hashable, Any], cap: int | None) -> int:
    """How many of ``pool`` can be chosen with at most ``cap`` per department (no department: no limit)."""
    pool = list(pool)
    if cap is None:
        return len(pool)
    per = Counter(dept.get(v) for v in pool)
    return sum(c if g is None else min(c, cap) for g, c in per.items())


def _capped(people: list[Hashable], dept: Mapping[Hashable, Any], cap: int | None, k: int) -> list[Hashable]:
    """The first people of ``people`` (in order) that fit ``k`` seeds with at most ``cap`` per department."""
    out: list[Hashable] = []
    per: Counter = Counter()
    for v in people:
        g = dept.get(v)
        if cap is not None and g is not None and per[g] >= cap:
            continue
        out.append(v)
        per[g] += 1
        if len(out) >= k:
            break
    return out


def _best_connected(G: nx.Graph, pool: Iterable[Hashable], k: int, weight: str | None) -> list[Hashable]:
    """The ``k`` people of ``pool`` with the most ties (then the strongest ties, then by id)."""
    deg = dict(G.degree())
    strength = dict(G.degree(weight=weight)) if weight else deg
    return sorted(pool, key=lambda v: (-deg[v], -float(strength[v]), str(v)))[:k]


def _knower_plan(
    mode: str,
    knowers: Mapping[Any, float] | None,
    G: nx.Graph,
    excl: set[Hashable],
    must: list[Hashable],
    dept: Mapping[Hashable, Any],
    cap: int | None,
    k: int,
    note: str | None = None,
) -> tuple[list[Hashable] | None, list[Hashable], dict[str, Any]]:
    """(candidates or None for everyone, must-include, what to tell the user) for a knower mode. ``note``: why
    nobody can be known to know about anything (graph/analytics/knowers.no_evidence), said when nobody does."""
    if mode not in KNOWER_MODES:
        raise AnalyticsError(f"unknown knowers mode {mode!r}; expected one of: {', '.join(KNOWER_MODES)}")
    if knowers is None or mode == "ignore":
        words = (
            "The idea text was not used: seeds were chosen from everyone by their place in the network."
            if knowers is not None
            else "Seeds were chosen from everyone by their place in the network."
        )
        return None, must, {"mode": mode, "case": "network", "count": None, "seeded": 0, "sentence": words}
    known = {v: float(s) for v, s in knowers.items() if s > 0 and v in G}
    usable = sorted((v for v in known if v not in excl), key=lambda v: (-known[v], str(v)))
    info: dict[str, Any] = {"mode": mode, "count": len(known), "usable": len(usable)}
    unusable = len(known) - len(usable)
    not_asked = f" (not counting {unusable} opted out or left out)" if unusable else ""
    if mode == "only":
        if not usable:
            raise AnalyticsError(
                "nobody who can be asked is known to know about this idea"
                + (f" ({len(known)} opted out or were left out)" if known else "")
                + (f" ({note})" if note and not known else "")
                + "; choose seeds from everyone instead (without --experts-only / 'only people who know about it')"
            )
        info |= {
            "case": "knowers_only",
            "sentence": f"Seeds were chosen only among the {_people(len(usable))} who know about the idea{not_asked}.",
        }
        return list(dict.fromkeys([*usable, *must])), must, info
    room = _capacity([*usable, *[v for v in must if v not in known]], dept, cap)
    if usable and room >= k:
        info |= {
            "case": "knowers",
            "sentence": (
                f"Seeds were chosen among the {_people(len(usable))} who know about the idea{not_asked}, "
                "because enough of them can be asked."
            ),
        }
        return list(dict.fromkeys([*usable, *must])), must, info
    if usable:
        chosen = _capped(list(dict.fromkeys([*must, *usable])), dept, cap, k)
        extra = [v for v in chosen if v not in must]
        seeded = (
            ("they are all seeds" if len(usable) > 1 else "they are a seed")
            if len(extra) == len(usable)
            else f"{len(extra)} of them are seeds (the department cap allows no more)"
        )
        info |= {
            "case": "few_knowers",
            "sentence": (
                f"Only {_people(len(usable), 'who know', 'who knows')} about the idea can be asked{not_asked}: "
                f"{seeded}; the other seeds were chosen from everyone by their place in the network."
            ),
        }
        return None, list(dict.fromkeys([*must, *extra])), info
    info |= {
        "case": "no_knowers",
        "sentence": (
            "Nobody who can be asked is known to know about the idea"
            + (f" ({_people(len(known))} do, but opted out or were left out)" if known else "")
            + (f" ({note})" if note and not known else "")
            + ": seeds were chosen from everyone by their place in the network."
        ),
    }
    return None, must, info


def _shortfall(
    asked: int, got: int, pool: int, cap: int | None, n_groups: int, candidates: bool, opted: int, excluded: int
) -> str | None:
    """Why fewer seeds than asked for could be chosen, in words (None when the budget was met)."""
    if got >= asked:
        return None
    why = []
    if candidates:
        why.append(f"only {pool} people are eligible (those who know about the idea)")
    elif opted or excluded:
        why.append(f"{pool} people can be asked ({opted} opted out, {excluded} left out)")
    if cap is not None:
        why.append(f"at most {cap} per department across {n_groups} department{'s' if n_groups != 1 else ''}")
    reason = "; ".join(why) or f"the network has {pool} people who can be asked"
    return f"Asked for {asked} people, but only {got} can be chosen: {reason}."


def plan_spread(
    G: nx.Graph,
    k: int,
    *,
    model: str = DEFAULT_MODEL,
    weight: str | None = "weight",
    p0: float = 0.1,
    departments: Mapping[Hashable, Any] | None = None,
    max_per_department: int | None = None,
    exclude: Iterable[Hashable] = (),
    must_include: Iterable[Hashable] = (),
    knowers: Mapping[Any, float] | None = None,
    knowers_mode: str = "prefer",
    knowers_note: str | None = None,
    eps: float = 0.2,
    n_sim: int = 2000,
    seed: int | None = 0,
    min_group_size: int = 5,
    random_sets: int = 10,
) -> dict[str, Any]:
    """Seeds for an idea with IMM under constraints, their Monte-Carlo reach (95% interval), the reach of
    ``random_sets`` random sets of as many people and of as many best-connected people, each seed's added reach,
    reach per department (departments under ``min_group_size`` hidden), and warnings in words.

    Raises :class:`AnalyticsError` for an empty network, a network without ties (nothing for an idea to travel
    along), an unknown model, ``p0`` outside (0, 1], an opted-out person in ``must_include``, and ``only`` mode
    when nobody who can be asked knows about the idea.
    """
    require_network(G)
    n = G.number_of_nodes()
    if model not in MODELS:
        raise AnalyticsError(f"unknown diffusion model {model!r}; expected one of: {', '.join(MODELS)}")
    if not 0 < p0 <= 1:
        raise AnalyticsError(f"p0 must be a probability in (0, 1]; got {p0}")
    if k < 1:
        raise AnalyticsError(f"k must be at least 1; got {k}")
    hidden = opted_out(G)
    must = list(dict.fromkeys(must_include))
    bad = [v for v in must if v in hidden]
    if bad:
        raise AnalyticsError(f"{len(bad)} required seed(s) opted out of analytics; remove them from must-include")
    excluded = {v for v in exclude if v in G}
    excl = excluded | hidden
    dept = dict(departments) if departments is not None else node_attribute(G, "department")
    cap = max_per_department
    candidates, must, knower_info = _knower_plan(knowers_mode, knowers, G, excl, must, dept, cap, k, knowers_note)
    pool = [v for v in (candidates if candidates is not None else G) if v not in excl]
    blocked = excl | ({v for v in G if v not in set(candidates)} if candidates is not None else set())
    ig = influence_graph(G, model=model, weight=weight, p0=p0)
    sel = imm(
        ig,
        min(k, n),
        model=model,
        eps=eps,
        seed=seed,
        exclude=[v for v in blocked if v not in must],
        must_include=must,
        groups=dept if cap is not None else None,
        max_per_group=cap,
    )
    sim_seed = None if seed is None else seed + 1
    est = simulate(ig, sel.seeds, model=model, n_sim=n_sim, seed=sim_seed)
    got = len(sel.seeds)
    eligible = [v for v in G if v not in excl]
    baselines = _baselines(ig, sel.rr, G, eligible, got, model, weight, n_sim, seed, random_sets, dept, cap)
    rnd = baselines["random"]["mean"]
    lift = est.mean / rnd if rnd > 0 else None
    best = baselines["best_connected"]["mean"]
    restricted = knower_info["case"] in ("knowers", "knowers_only", "few_knowers")
    anyone = _anyone(ig, sel.rr, excl, dept, cap, got) if restricted else None
    if anyone is not None:
        baselines["anyone"] = anyone
    warnings = []
    if rnd >= SATURATION_SHARE * n:
        warnings.append(
            f"Under this model any {got} people reach most of the organisation ({rnd:.0f} of {n}, {rnd / n:.0%}), "
            "so who is chosen matters little and the reach says more about the model than about the seeds"
            + (": try the weighted cascade model or a lower p0." if model != "wc" else ".")
        )
    elif lift is not None and lift < WEAK_LIFT and anyone is not None:
        warnings.append(
            f"The people who know about the idea are not placed to spread it far: they are expected to reach "
            f"{lift:.2f} times what {got} people picked at random reach. Chosen from everyone by their place in the "
            f"network, {got} people would reach about {anyone['mean']:.0f}; consider briefing some of them too."
        )
    elif lift is not None and lift < WEAK_LIFT:
        warnings.append(
            f"The chosen people are expected to reach only {lift:.2f} times as many people as {got} people "
            "picked at random: in this network the choice of seeds matters little."
        )
    groups_in_pool = {dept.get(v) for v in pool if dept.get(v) is not None}
    short = _shortfall(k, got, len(pool), cap, len(groups_in_pool), candidates is not None, len(hidden), len(excluded))
    if short:
        warnings.insert(0, short)
    per = reach_by_group(est, dept)
    sizes = {g: int(r["members"]) for g, r in per.items()}
    shown, n_hidden = hide_small_groups(per, sizes, min_group_size=min_group_size)
    known = knowers or {}
    return {
        "requested_k": k,
        "seeds": [
            {
                "person": v,
                "name": G.nodes[v].get("name") or str(v),
                "department": dept.get(v),
                "added_reach": float(gain),
                "knows_idea": float(known.get(v, 0.0)) > 0,
            }
            for v, gain in zip(sel.seeds, sel.gains, strict=True)
        ],
        "expected_reach": est.to_dict(),
        "people": n,
        "baselines": baselines,
        "lift_vs_random": lift,
        "lift_vs_best_connected": est.mean / best if best > 0 else None,
        "saturated": rnd >= SATURATION_SHARE * n,
        "shortfall": short,
        "warnings": warnings,
        "knowers": knower_info,
        "reach_by_department": shown,
        "hidden_departments": n_hidden,
        "hidden_department_names": sorted((str(g) for g in per if g not in shown), key=str),
        "method": {
            "selection": f"IMM (eps={eps}, {sel.rr_sets} RR sets)",
            "model": model,
            "p0": p0 if model == "ic" else None,
            "edge_probabilities": PROBABILITY_WORDS[model].format(p0=p0),
            "rr_estimate": sel.estimated_spread,
            "interval": "the 95% interval covers simulation noise only, not the model's assumptions",
            "added_reach": "each seed's added reach over the seeds above it, estimated on the RR sets",
        },
    }


def _anyone(
    ig: InfluenceGraph,
    rr: RRSets | None,
    excl: set[Hashable],
    dept: Mapping[Hashable, Any],
    cap: int | None,
    k: int,
) -> dict[str, Any] | None:
    """What ``k`` seeds chosen from everyone (same exclusions and cap, idea text not used) would reach, by the
    greedy on the same RR sets: the trade-off of preferring people who know about the idea, at no new sampling.
    The estimate is the RR sets' own (slightly optimistic for a set chosen on them)."""
    if rr is None or rr.count == 0 or k == 0:
        return None
    idx = ig.index()
    groups = None
    if cap is not None:
        labels: dict[Any, int] = {}
        groups = np.asarray([labels.setdefault(dept[v], len(labels)) if dept.get(v) is not None else -1
                             for v in ig.nodes], dtype=np.int64)  # fmt: skip
    cons = Constraints(k=k, exclude=frozenset(idx[v] for v in excl), groups=groups, max_per_group=cap)
    seeds, gains = greedy_coverage(rr, ig.n, cons)
    return {
        "mean": ig.n * sum(gains) / rr.count,
        "people": [ig.nodes[i] for i in seeds],
        "method": f"greedy from everyone on the same {rr.count} RR sets (their estimate)",
    }


def _baselines(
    ig: InfluenceGraph,
    rr: RRSets | None,
    G: nx.Graph,
    eligible: list[Hashable],
    k: int,
    model: str,
    weight: str | None,
    n_sim: int,
    seed: int | None,
    random_sets: int,
    dept: Mapping[Hashable, Any] | None = None,
    cap: int | None = None,
) -> dict[str, Any]:
    """Reach of ``random_sets`` sets of ``k`` random eligible people and of the ``k`` best-connected eligible
    people, estimated on the RR sets the seeds were chosen on (unbiased for sets not chosen on them, and no new
    cascades: the app must answer in seconds), else by Monte-Carlo cascades. With a per-department ``cap`` both
    baselines keep it too (the most connected people of one department are not a choice the user allowed, so
    comparing with them would flatter or shame the seeds for the wrong reason)."""
    groups = dept or {}
    top = (
        _capped(_best_connected(G, eligible, len(eligible), weight), groups, cap, k)
        if cap
        else _best_connected(G, eligible, k, weight)
    )
    if k == 0 or not eligible:
        empty = {"mean": 0.0, "ci95": [0.0, 0.0], "method": "none"}
        return {"random": {**empty, "sets": 0, "range": [0.0, 0.0]}, "best_connected": {**empty, "people": []}}
    rng = random.Random(seed)
    if cap:
        sets = [_capped(rng.sample(eligible, len(eligible)), groups, cap, k) for _ in range(random_sets)]
    else:
        sets = [rng.sample(eligible, k) for _ in range(random_sets)]
    idx = ig.index()
    if rr is not None and rr.count:
        means = np.asarray([rr_reach(rr, ig.n, (idx[v] for v in s))[0] for s in sets])
        top_mean, top_half = rr_reach(rr, ig.n, (idx[v] for v in top))
        how = f"estimated on the same {rr.count} RR sets"
    else:
        per = max(100, n_sim // max(random_sets, 1))
        means = np.asarray([simulate(ig, s, model=model, n_sim=per, seed=seed).mean for s in sets])
        est = simulate(ig, top, model=model, n_sim=n_sim, seed=seed)
        top_mean, top_half = est.mean, (est.ci_high - est.ci_low) / 2
        how = "Monte-Carlo cascades"
    mean = float(means.mean())
    half = 1.96 * float(means.std(ddof=1)) / len(means) ** 0.5 if len(means) > 1 else 0.0
    rule = f"at most {cap} per department, as the seeds" if cap else None
    return {
        "random": {
            "mean": mean,
            "ci95": [mean - half, mean + half],
            "sets": len(sets),
            "range": [float(means.min()), float(means.max())],
            "method": how,
            "rule": rule,
        },
        "best_connected": {
            "mean": top_mean,
            "ci95": [top_mean - top_half, top_mean + top_half],
            "people": top,
            "method": how,
            "rule": rule,
        },
    }


__all__ = ["KNOWER_MODES", "plan_spread"]
