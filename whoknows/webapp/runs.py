"""Ingest runs as the Data page shows them: one summary row per run, one row per source, and every rejection
with where it was, the field, the reason and what was expected (``store.runs()`` keeps them all)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


def run_rows(runs: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    for r in runs:
        t = r.get("totals") or {}
        sources = r.get("sources") or ()
        rows.append(
            {
                "run": str(r.get("run_id", ""))[:8],
                "started": r.get("started"),
                "finished": r.get("finished"),
                # records seen = good records read + rejected ones, so the columns add up (ingest.report)
                # (accepted and unchanged are per source below: interactions count them as ties, not records)
                "records": sum(int(s.get("read", 0)) + int(s.get("rejected", 0)) for s in sources),
                "rejected": t.get("rejected", 0),
                "retracted": t.get("retracted", 0),
                "pending left": r.get("pending_left", 0),
                "embedded": r.get("embedded", 0),
            }
        )
    return rows


def source_rows(run: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "kind": s.get("kind"),
            "path": s.get("path"),
            "records": int(s.get("read", 0)) + int(s.get("rejected", 0)),
            "accepted": s.get("accepted", 0),
            "rejected": s.get("rejected", 0),
            "unchanged": s.get("unchanged", 0),
            "retracted": s.get("retracted", 0),
            "file unchanged (skipped)": bool(s.get("skipped_unchanged_file")),
        }
        for s in run.get("sources") or ()
    ]


def rejection_rows(run: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every rejection of a run: file, line/record, field, reason, expected."""
    rows = []
    for s in run.get("sources") or ():
        for rej in s.get("rejections") or ():
            where = rej.get("where") or {}
            rows.append(
                {
                    "file": where.get("file") or s.get("path"),
                    "line": where.get("line"),
                    "record": where.get("record"),
                    "field": rej.get("field"),
                    "reason": rej.get("reason"),
                    "expected": rej.get("expected"),
                    "stopped the file": bool(rej.get("fatal")),
                }
            )
    return rows


def notice_rows(run: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [
        {"source": s.get("path"), "notice": n.get("message")}
        for s in run.get("sources") or ()
        for n in s.get("notices") or ()
    ]


def count_rows(counts: Mapping[str, int]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """``store.counts()`` split into node labels (capitalised) and relationship types (upper case)."""
    nodes = [{"label": k, "count": v} for k, v in counts.items() if k[:1].isupper() and not k.isupper()]
    rels = [{"type": k, "count": v} for k, v in counts.items() if k.isupper()]
    return nodes, rels
