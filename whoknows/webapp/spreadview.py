"""Why each seed of a spread plan was a good pick, in words: their network labels and measures (from the
networker report) and, when they know about the idea, the expert-search evidence line."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def seed_reasons(row: Mapping[str, Any] | None, expert: Mapping[str, Any] | None) -> list[str]:
    reasons: list[str] = []
    if row is not None:
        for lab in row.get("labels") or ():
            reasons.append(f"{lab['label']}: {lab['reasons'][0]}")
        if not reasons:
            n, cross = int(row["degree"]), int(row["cross_department_ties"])
            reasons.append(f"ties to {n} {'person' if n == 1 else 'people'}, {cross} in other departments")
    if expert is not None:
        reasons.append(f"knows about the idea: {expert.get('why')}")
    return reasons


def department_rows(reach: Mapping[str, Mapping[str, float]]) -> list[dict[str, Any]]:
    """Reach per department, most reached share first."""
    rows: list[dict[str, Any]] = [
        {"department": str(g), "members": int(r["members"]), "expected reached": float(r["expected_reached"]),
         "share": float(r["share"])}
        for g, r in reach.items()
    ]  # fmt: skip
    rows.sort(key=lambda r: (-r["share"], r["department"]))
    return rows


#: the app's model choice (value -> label); the first is the library's default
MODEL_CHOICES: dict[str, str] = {
    "wc": "Weighted cascade: each person is persuaded by their contacts in proportion to tie strength (default)",
    "ic": "Independent cascade: every tie is an independent chance p0 per unit of strength",
    "lt": "Linear threshold: a person adopts once enough of their ties have",
}
#: who may be a seed (graph/analytics/spread_plan KNOWER_MODES), in the order the page offers them
KNOWER_CHOICES: dict[str, str] = {
    "prefer": "People who know about the idea, when enough can be asked",
    "only": "Only people who know about the idea",
    "ignore": "Anyone (do not use the idea text)",
}


def comparison_rows(plan: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The chosen seeds beside k random and the k best-connected people: reach, share and interval."""
    n = max(int(plan["people"]), 1)
    k = len(plan["seeds"])
    r, b = plan["expected_reach"], plan["baselines"]
    rows = [
        ("these people", r["mean"], r["ci95"]),
        (f"{k} people at random", b["random"]["mean"], b["random"]["ci95"]),
        (f"the {k} best-connected", b["best_connected"]["mean"], b["best_connected"]["ci95"]),
    ]
    if "anyone" in b:
        rows.append((f"{k} chosen from everyone", b["anyone"]["mean"], (b["anyone"]["mean"], b["anyone"]["mean"])))
    return [
        {"who is briefed": who, "expected reach": round(mean, 1), "share": f"{mean / n:.0%}",
         "95% interval": f"{lo:.0f} – {hi:.0f}" if hi > lo else "(estimate)"}
        for who, mean, (lo, hi) in rows
    ]  # fmt: skip
