"""Hostile input at full size (issue 15): every case of tests/hostile_cases.py ingested in its own child process
under a 3 GB address-space limit and a 120 s bound, plus the permission leak checks.

Per case it prints crashed or not, accepted / expected good records, the rejection that was expected, peak RSS
and seconds. The figures the issue asks for:

- ``crashes``: cases whose child raised, died or ran out of time (target 0);
- ``good_records_lost``: good records of the cases that did not land (target 0);
- ``leaks``: a restricted document's tag, title or co-author tie seen by a viewer who may not read it, and text
  from outside the ingested folder (a symlinked ``/etc/passwd``) in the store (target 0);
- ``max_rss_mb`` (<= 1,000) and ``max_case_seconds`` (<= 30) over the cases.

Baseline in the same run: the peak RSS and seconds of an ordinary folder of the same shape (people + one good
document), so the figures say what the hostile part costs on top. Last line: one JSON object.

Usage: flock /work/coord/bench.lock python bench/hostile.py [--small] [NAME ...]
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from hostile_cases import CASES, GOOD_DOC, PEOPLE, Case, run_all, verdict  # noqa: E402


def _baseline(folder: Path, big: bool) -> None:
    (folder / "docs").mkdir(parents=True, exist_ok=True)
    (folder / "people.csv").write_text(PEOPLE)
    (folder / "docs" / "good.md").write_text(GOOD_DOC)


BASELINE = Case("baseline_ordinary_folder", _baseline, None, 6)

SECRET_TAG = "falcon merger"


def permission_leaks(work: Path) -> dict[str, int]:
    """Restricted-document leaks per place: a document restricted to Kay, by Kay and Ivy, tagged SECRET_TAG;
    counted as seen by the common view and by a viewer outside ``allowed``."""
    from click.testing import CliRunner

    from graph.access import document_access, topics_in_view
    from graph.analytics.networkers import topic_affinity_from_store
    from graph.analytics.projection import project_store
    from graph.analytics.risk import community_health_from_store, topic_expertise_from_store
    from graph.sqlite_store import SQLiteStore
    from ingest.pipeline import ingest_paths
    from whoknows.commands.analytics import risk

    org = work / "leaks"
    (org / "docs").mkdir(parents=True)
    (org / "people.csv").write_text(
        "person_id,name,email,department\nu1,Kay,kay@x.org,Legal\nu2,Ivy,ivy@x.org,Finance\nu3,Hal,hal@x.org,Ops\n"
    )
    (org / "docs" / "f.md").write_text(
        f"---\ntitle: Falcon terms\nauthors: [kay@x.org, ivy@x.org]\ncommunity: Deals\ntags: [{SECRET_TAG}]\n"
        "visibility: restricted\nallowed: [kay@x.org]\n---\nFalconbridge escrow terms.\n"
    )
    (org / "docs" / "open.md").write_text("---\ntitle: Open\nauthors: [hal@x.org]\ntags: [onboarding]\n---\nHello.\n")
    path = work / "leaks.db"
    store = SQLiteStore(path)
    ingest_paths(store, [org])
    out: dict[str, int] = {}
    for viewer in (None, "u3"):
        key = "common view" if viewer is None else "viewer outside allowed"
        G = project_store(store, viewer=viewer)
        names, _ = topics_in_view(store, document_access(store, viewer))
        health = community_health_from_store(store, min_group_size=1, viewer=viewer)
        out[f"{key}: co-author tie"] = int(G.has_edge("person:u1", "person:u2"))
        out[f"{key}: topic"] = int(SECRET_TAG in names.values())
        out[f"{key}: expertise"] = int(SECRET_TAG in topic_expertise_from_store(store, viewer=viewer))
        out[f"{key}: community count"] = sum(c.get("documents", 0) for c in health.values())
        out[f"{key}: affinity"] = len(topic_affinity_from_store(store, "Falconbridge escrow", viewer=viewer))
    store.close()
    cli = CliRunner().invoke(risk, ["--store", str(path), "--json"]).output
    out["whoknows risk --json"] = int(SECRET_TAG in cli or "Falcon" in cli)
    return out


def main(argv: list[str]) -> int:
    big = "--small" not in argv
    names = [a for a in argv if not a.startswith("--")]
    cases = [c for c in CASES if not names or c.name in names]
    with tempfile.TemporaryDirectory(prefix="whoknows-hostile-bench-") as tmp:
        work = Path(tmp)
        results = run_all([BASELINE, *cases], work, big=big)
        leaks_by_place = permission_leaks(work)
    base, rows = results[0], results[1:]
    crashes = lost = leaks = 0
    print(f"{'case':34} {'crash':>5} {'good':>9} {'RSS MB':>7} {'seconds':>8}  rejection")
    for case, r in zip(cases, rows, strict=True):
        v = verdict(case, r)
        crashes += v["crashed"] or not v["rejection_found"]
        lost += v["good_lost"]
        leaks += v["leaks"]
        accepted = int((r.get("totals") or {}).get("accepted", 0))
        said = "crash: " + str(r.get("crash", ""))[-160:].replace("\n", " ") if v["crashed"] else ""
        said = said or next((x for x in v["rejections"] if case.rejection and case.rejection[:8] in x), "")
        print(
            f"{case.name:34} {'yes' if v['crashed'] else 'no':>5} {accepted:>4}/{case.good:<4} "
            f"{r.get('max_rss_mb', 0):>7.0f} {r.get('seconds', 0):>8.2f}  {said[:110]}"
        )
    print("\npermission leaks (a restricted document's tag, tie or count seen by someone it is not for):")
    for place, n in leaks_by_place.items():
        print(f"  {place}: {n}")
    leaks += sum(leaks_by_place.values())
    figures: dict[str, Any] = {
        "cases": len(rows),
        "crashes": crashes,
        "good_records_lost": lost,
        "leaks": leaks,
        "max_rss_mb": round(max(r.get("max_rss_mb", 0) for r in rows), 1),
        "max_case_seconds": round(max(r.get("seconds", 0) for r in rows), 2),
        "baseline_rss_mb": round(base.get("max_rss_mb", 0), 1),
        "baseline_seconds": round(base.get("seconds", 0), 2),
        "slowest_case": max(rows, key=lambda r: r.get("seconds", 0))["name"],
        "largest_case": max(rows, key=lambda r: r.get("max_rss_mb", 0))["name"],
        "full_size": big,
    }
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
