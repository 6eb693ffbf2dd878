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
