"""The network measures the map and the profiles share, computed once per version of the person network and
kept across reruns, TTL expiries and server restarts.

Why: opening the map on a fresh server used to cost 10-15 s on 2,000 people, because the app computed the
projection, exact betweenness, communities (twice: once for the networker report, once for the map) and the
layout, and then did it all again whenever the five-minute cache TTL ran out. Here:

* communities are detected once and handed to both :func:`graph.analytics.networkers.networker_report` and
  :func:`graph.analytics.maps.network_map`;
* the result is keyed by a *version* of what the measures read: the person network (people, ties, tie
  strengths; :func:`graph.analytics.maps.graph_fingerprint`), the node attributes they report (name,
  department, opted out) and the code that computes them. A re-ingest that changes nothing the network sees
  reuses the result; any change to people or ties computes a new one;
* results live in memory (a few versions) and, when a cache folder is given, as JSON files in it, so the
  first map after a restart costs the projection and a file read, not the analytics.

JSON, not pickle: the cache folder sits beside the store and a pickle from a writable folder would run code.
A result that does not survive a JSON round trip unchanged is kept in memory only.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import subprocess
import sys
import tempfile
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np

log = logging.getLogger(__name__)

#: Bumped when the stored shape changes; part of every key.
FORMAT = 2
#: Modules whose source decides the measures (their digest is part of every key).
ANALYTICS_MODULES = (
    "graph.analytics.networkers",
    "graph.analytics.maps",
    "graph.analytics.map_words",
    "graph.analytics.communities",
    "graph.analytics.centrality",
    "graph.analytics.brokerage",
    "graph.analytics.roles",
    "graph.analytics._matrix",
    "graph.analytics.privacy",
)
#: What the community detection is called in the figures (the library's own default method).
COMMUNITY_METHOD = "auto"
FILE_PREFIX = "network-"
KEEP_FILES = 4


@dataclass(frozen=True, slots=True)
class NetworkAnalytics:
    """Everything the map and profile pages read about the person network."""

    key: str
    report: dict[str, Any]  # graph.analytics.networkers.networker_report
    map_data: dict[str, Any]  # graph.analytics.maps.network_map (points.x / points.y as numpy arrays)
    source: str  # "computed", "memory" or "disk": where this copy came from (for the bench and the docs)


def code_digest() -> str:
    """A digest of the analytics code, so a changed measure never serves a result computed by the old one."""
    import importlib

    h = hashlib.blake2b(digest_size=8)
    for name in ANALYTICS_MODULES:
        mod = importlib.import_module(name)
        h.update(Path(str(mod.__file__)).read_bytes())
    return h.hexdigest()


def version_key(G: nx.Graph, *, seed: int = 0, code: str | None = None) -> str:
    """The version of what the measures read: ties and strengths, the reported node attributes, the code."""
    from graph.analytics.maps import graph_fingerprint

    h = hashlib.blake2b(digest_size=16)
    h.update(f"{FORMAT}|{seed}|{code or code_digest()}|{graph_fingerprint(G)}".encode())
    for v, d in sorted(G.nodes(data=True), key=lambda nd: str(nd[0])):
        h.update(repr((str(v), d.get("name"), d.get("department"), bool(d.get("opted_out")), d.get("cops"),
                       d.get("tags"))).encode())  # fmt: skip
    return h.hexdigest()


def compute(G: nx.Graph, *, seed: int = 0, key: str = "") -> NetworkAnalytics:
    """The networker report and the map data, with one community detection shared by both."""
    from graph.analytics.maps import map_with_networkers

    report, data = map_with_networkers(G, seed=seed, community_method=COMMUNITY_METHOD)
    return NetworkAnalytics(key, report, data, "computed")


def _to_json(a: NetworkAnalytics) -> dict[str, Any]:
    pts = dict(a.map_data["points"])
    pts["x"] = [float(x) for x in pts["x"]]
    pts["y"] = [float(y) for y in pts["y"]]
    return {"format": FORMAT, "key": a.key, "report": a.report, "map_data": {**a.map_data, "points": pts}}


def _from_json(doc: dict[str, Any]) -> NetworkAnalytics:
    data = doc["map_data"]
    pts = data["points"]
    pts["x"] = np.asarray(pts["x"], dtype=float)
    pts["y"] = np.asarray(pts["y"], dtype=float)
    return NetworkAnalytics(doc["key"], doc["report"], data, "disk")


def same(a: Any, b: Any) -> bool:
    """Structural equality that treats NaN as equal to NaN and tuples as lists (what JSON keeps)."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, float) and isinstance(b, float):  # numpy float64 is a float and comes back as one
        return a == b or (math.isnan(a) and math.isnan(b))
    return type(a) is type(b) and a == b


class AnalyticsCache:
    """Network analytics by version key: a few in memory, all in ``directory`` when one is given.

    One computation per key at a time: a second session asking for the same version waits for the first
    instead of computing it again (the app runs one script thread per session).
    """

    def __init__(self, *, max_items: int = 4) -> None:
        self.max_items = max_items
        self._items: OrderedDict[str, NetworkAnalytics] = OrderedDict()
        self._lock = threading.Lock()
        self._key_locks: dict[str, threading.Lock] = {}

    def get(self, G: nx.Graph, *, directory: Path | None = None, seed: int = 0) -> NetworkAnalytics:
        key = version_key(G, seed=seed)
        with self._lock:
            klock = self._key_locks.setdefault(key, threading.Lock())
        with klock:
            with self._lock:
                hit = self._items.get(key)
                if hit is not None:
                    self._items.move_to_end(key)
                    return NetworkAnalytics(hit.key, hit.report, hit.map_data, "memory")
            result = self._load(directory, key) if directory is not None else None
            if result is None:
                result = compute(G, seed=seed, key=key)
                if directory is not None:
                    self._save(directory, result)
            with self._lock:
                self._items[key] = result
                while len(self._items) > self.max_items:
                    self._items.popitem(last=False)
            return result

    @staticmethod
    def _path(directory: Path, key: str) -> Path:
        return directory / f"{FILE_PREFIX}{key}.json"

    def _load(self, directory: Path, key: str) -> NetworkAnalytics | None:
        path = self._path(directory, key)
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:  # unreadable or half-written by a crashed process: recompute
            log.warning("ignoring unreadable network cache %s: %s", path, exc)
            return None
        if doc.get("format") != FORMAT or doc.get("key") != key:
            return None
        return _from_json(doc)

    def _save(self, directory: Path, result: NetworkAnalytics) -> None:
        doc = _to_json(result)
        try:
            text = json.dumps(doc, separators=(",", ":"))
        except (TypeError, ValueError):
            text = ""
        if not text or not same(json.loads(text), doc):
            log.warning("network measures do not survive JSON unchanged; kept in memory only")
            return
        try:
            directory.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-", suffix=".json")
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
            os.replace(tmp, self._path(directory, result.key))  # atomic: readers see the old file or the new
            old = sorted(directory.glob(f"{FILE_PREFIX}*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
            for p in old[KEEP_FILES:]:
                p.unlink(missing_ok=True)
        except OSError as exc:  # a read-only deployment still works, it just recomputes after a restart
            log.warning("cannot write the network cache to %s: %s", directory, exc)


def warm_up(url: str, directory: Path | None, *, nice: int = 0) -> subprocess.Popen | None:
    """Start computing the measures for ``url`` in a separate, low-priority process, so that the first map of a
    new server finds them on disk instead of computing them while someone waits.

    A process, not a thread: the measures are mostly Python and would hold the GIL against the pages being
    drawn meanwhile; a niced process uses the idle core and yields to the server. Nothing to share without a
    cache folder, so nothing is started then. The caller keeps the handle and may :func:`wait_for` it.
    """
    if directory is None:
        return None
    root = Path(__file__).resolve().parents[2]
    cmd = [sys.executable, "-m", "whoknows.webapp.precompute", "--store", url, "--cache-dir", str(directory)]
    # the child lowers its own priority (a preexec_fn is not safe in the server's multi-threaded process)
    return subprocess.Popen(
        [*cmd, "--nice", str(nice)], cwd=root, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip


def wait_for(proc: subprocess.Popen | None, timeout_s: float = 120.0) -> bool:
    """Wait for a warm-up process to finish (True when it finished in time and succeeded)."""
    if proc is None:
        return False
    try:
        return proc.wait(timeout=timeout_s) == 0
    except subprocess.TimeoutExpired:
        return False


def main(argv: list[str] | None = None) -> int:
    """``python -m whoknows.webapp.precompute --store URL [--cache-dir DIR]``: compute and keep the measures
    (what the app starts at launch; also worth running after an ingest)."""
    import argparse
    import time

    from graph.analytics.projection import project_store
    from graph.open import open_store
    from whoknows.webapp.settings import network_cache_dir

    ap = argparse.ArgumentParser(description=main.__doc__)
    ap.add_argument("--store", required=True)
    ap.add_argument("--cache-dir", default=None, help="default: the app's (WHOKNOWS_CACHE_DIR or <store>.cache)")
    ap.add_argument("--nice", type=int, default=0, help="lower this process's priority by this much first")
    args = ap.parse_args(argv)
    if args.nice and hasattr(os, "nice"):
        os.nice(args.nice)
    directory = Path(args.cache_dir) if args.cache_dir else network_cache_dir(args.store)
    if directory is None:
        ap.error("no cache folder: WHOKNOWS_CACHE_DIR is empty and --cache-dir was not given")
    t0 = time.perf_counter()
    store = open_store(args.store, read_only=True)
    try:
        result = AnalyticsCache().get(project_store(store), directory=directory)
    finally:
        store.close()
    print(f"network measures {result.key} {result.source} in {time.perf_counter() - t0:.1f} s -> {directory}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
