"""Shared fixtures for the search tests: tiny graphs with known answers, a fast fake embedder, and the real model
loaded once per test session (slow tests only).

Import the fixtures you use into a test module (``from tests.search_fixtures import real_embedder``) so pytest
registers them there.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from graph.sqlite_store import SQLiteStore
from graph.store import Facts, Node, Rel

_WORD = re.compile(r"[a-z0-9]+")


class FakeEmbedder:
    """Hashed bag of words (64 dims): deterministic, instant, and similar texts get similar vectors."""

    name = "fake-bow/64"
    dim = 64

    def __init__(self) -> None:
        self.calls: list[int] = []

    def _vec(self, text: str) -> np.ndarray:
        v = np.zeros(self.dim, dtype=np.float32)
        for w in _WORD.findall(text.lower()):
            v[int(hashlib.md5(w.encode()).hexdigest(), 16) % self.dim] += 1.0
        n = np.linalg.norm(v)
        return v / n if n else v

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        self.calls.append(len(texts))
        return np.stack([self._vec(t) for t in texts]) if texts else np.zeros((0, self.dim), np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return self._vec(text)


@dataclass
class OrgBuilder:
    """Write a small organisation in the pipeline's graph model (docs/graphmodel) straight into a store."""

    facts: list[Facts] = field(default_factory=list)

    def person(self, pid: str, name: str, **props: Any) -> OrgBuilder:
        base = {"person_id": pid, "name": name, "active": True, "opted_out": False}
        self.facts.append(Facts(f"people#{pid}", [Node(f"person:{pid}", "Person", base | props)]))
        return self

    def doc(
        self,
        key: str,
        title: str,
        chunks: Sequence[str],
        *,
        authors: Sequence[str] = (),
        reviewers: Sequence[str] = (),
        visibility: str = "internal",
        allowed: Sequence[str] = (),
        date: str | None = None,
        community: str | None = None,
    ) -> str:
        did = f"doc:{hashlib.sha1(key.encode()).hexdigest()[:16]}"
        props = {"key": key, "title": title, "visibility": visibility, "allowed": list(allowed), "date": date,
                 "community": community, "n_chunks": len(chunks), "tags": [], "url": None}  # fmt: skip
        nodes = [Node(did, "Document", props)]
        rels = []
        for n, text in enumerate(chunks):
            cid = f"chunk:{did[4:]}:{n}"
            nodes.append(Node(cid, "Chunk", {"n": n, "text": text, "heading": None, "doc_id": did}))
            rels.append(Rel("HAS_CHUNK", did, cid, {"n": n}))
        rels += [Rel("AUTHORED", f"person:{a}", did, {"position": i}) for i, a in enumerate(authors)]
        rels += [Rel("REVIEWED", f"person:{r}", did, {"as": "SME"}) for r in reviewers]
        self.facts.append(Facts(f"docs#{key}", nodes, rels))
        return did

    def community(self, cid: str, name: str, description: str, members: dict[str, str]) -> str:
        nid = f"community:{cid}"
        node = Node(nid, "Community", {"community_id": cid, "name": name, "description": description,
                                        "text": f"{name}. {description}"})  # fmt: skip
        rels = [Rel("MEMBER_OF", f"person:{p}", nid, {"role": role, "since": None}, key=role)
                for p, role in members.items()]  # fmt: skip
        self.facts.append(Facts(f"cop#{cid}", [node], rels))
        return nid

    def course(self, cid: str, title: str, description: str, completions: dict[str, tuple[str, float | None]]) -> str:
        nid = f"course:{cid}"
        node = Node(nid, "Course", {"course_id": cid, "title": title, "description": description,
                                     "text": f"{title}. {description}"})  # fmt: skip
        rels = [Rel("COMPLETED", f"person:{p}", nid, {"status": st, "score": sc, "at": "2026-01-01"}, key=f"{p}-{cid}")
                for p, (st, sc) in completions.items()]  # fmt: skip
        self.facts.append(Facts(f"lms#{cid}", [node], rels))
        return nid

    def build(self, path: Path, embedder: Any | None = None) -> SQLiteStore:
        from search.embedder import embed_store

        store = SQLiteStore(path)
        store.setup_schema()
        with store.transaction():
            store.write(self.facts)
        if embedder is not None:
            embed_store(store, embedder, progress=False)
        return store


def procurement_org() -> OrgBuilder:
    """A small organisation with a known answer for "supplier risk audits".

    alice: first author of two supplier-risk documents; carol: SME reviewer of one and leader of the Procurement
    CoP; bob: writes about pasta; dave: opted out but wrote the best supplier-risk document; erin: inactive author
    of a supplier document; frank: completed the supplier risk course.
    """
    org = OrgBuilder()
    org.person("alice", "Alice Ames", department="Procurement", title="Category Manager", location="Lyon")
    org.person("bob", "Bob Brown", department="Kitchen", title="Chef", location="Paris")
    org.person("carol", "Carol Chen", department="Procurement", title="Head of Sourcing", location="Paris")
    org.person("dave", "Dave Dunn", department="Procurement", opted_out=True)
    org.person("erin", "Erin Eads", department="Procurement", active=False)
    org.person("frank", "Frank Fox", department="Finance", title="Analyst", location="Lyon")
    org.doc("audits.md", "Tier-2 supplier audits", ["Supplier risk audits for tier-2 suppliers: checklist and audit "
            "cadence.", "Risk scoring of suppliers after each audit."], authors=["alice", "bob"],
            reviewers=["carol"], date="2025-06-01")  # fmt: skip
    org.doc("risk.md", "Supplier risk register", ["Keeping a supplier risk register up to date; supplier risk "
            "audits feed it."], authors=["alice"], date="2024-01-01")  # fmt: skip
    org.doc("pasta.md", "Fresh pasta", ["How to make fresh pasta with eggs and flour."], authors=["bob"])
    org.doc("dave.md", "Supplier risk audits handbook", ["Supplier risk audits handbook: supplier risk audits "
            "step by step."], authors=["dave"])  # fmt: skip
    org.doc("erin.md", "Old supplier notes", ["Supplier audits notes."], authors=["erin"])
    org.community("procurement-cop", "Procurement CoP", "Supplier risk, audits and sourcing practice.",
                  {"carol": "leader", "alice": "member"})  # fmt: skip
    org.course("sr-101", "Supplier risk basics", "Assessing supplier risk and planning audits.",
               {"frank": ("passed", 0.9)})  # fmt: skip
    return org


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture
def org_store(tmp_path: Path, fake_embedder: FakeEmbedder) -> Iterator[SQLiteStore]:
    store = procurement_org().build(tmp_path / "org.db", fake_embedder)
    try:
        yield store
    finally:
        store.close()


@pytest.fixture(scope="session")
def real_embedder() -> Any:
    """The product's default embedder (bundled model, int8 ONNX), loaded once per test session."""
    from search.embedder import default_embedder

    return default_embedder()
