"""Stores for the app tests (no tests here): a tiny hand-written organisation, and the demo organisation built
once and shared by every app test, AppTest and browser alike.

The demo store costs about a minute (mostly embedding), so it is built once into a folder keyed by a digest of
the code that produces it (generator, ingest, store, embedder) and reused by later test modules, workers and
sessions; a lock file keeps two processes from building it at the same time.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "app.py"
DEMO_PEOPLE = 400
DEMO_DOCUMENTS = 600

PEOPLE = """person_id,name,email,department,title,location,manager,opted_out,phone,chat
u1,Ada Lovelace,ada@example.org,Engineering,Head of Engineering,London,,,+44 20 7946 0001,teams:ada@example.org
u2,Bo Diddley,bo@example.org,Engineering,Engineer,London,u1,,,
u3,Cy Twombly,cy@example.org,Finance,Analyst,Paris,u1,,+33 1 99 00 00 03 ;  +33 6 00 00 00 03,
u4,Di Fossey,di@example.org,Engineering,Engineer,Berlin,u1,,,
u5,Ed Hopper,ed@example.org,Engineering,Engineer,London,u1,,,
u6,Flo Nightingale,flo@example.org,Engineering,Nurse Engineer,London,u1,,,
u7,Gus Grissom,gus@example.org,Finance,Controller,Paris,u3,,,
u8,Hal Abelson,hal@example.org,Finance,Analyst,Paris,u3,,,
u9,Ivy Baker,ivy@example.org,Finance,Analyst,Paris,u3,,,
u10,Jo Opted,jo@example.org,Finance,Analyst,Paris,u3,true,,
u11,Kay Small,kay@example.org,Legal,Counsel,Rome,u1,,,
"""

COURSES = """course_id,title,description,code,topics
km100,Introduction to Knowledge Management,Why knowledge management matters,KM 100,knowledge management
km101,Communities of Practice,Launching and leading communities of practice,KM 101,communities of practice
neg200,Negotiation basics,Negotiating contracts,NEG 200,contract negotiation
"""

COMPLETIONS = """person,course_id,status,at,score
ada@example.org,km100,passed,2026-01-10,0.9
ada@example.org,km101,passed,2026-01-11,0.9
bo@example.org,km100,completed,2026-02-11,
di@example.org,km100,failed,2026-02-12,0.2
cy@example.org,km100,passed,2026-03-12,0.8
cy@example.org,km101,completed,2026-03-13,
cy@example.org,neg200,passed,2026-03-14,0.95
gus@example.org,km100,waived,2026-03-15,
"""

MEMBERSHIPS = """person,community,role,since
ada@example.org,Contract Management,leader,2024-05-01
cy@example.org,Contract Management,sme,2025-01-01
gus@example.org,Contract Management,member,2025-01-01
"""

INTERACTIONS = """sender,recipient,timestamp,channel
u1,u2,2026-01-01T10:00:00Z,email
u2,u1,2026-01-02T10:00:00Z,email
u2,u4,2026-01-03T10:00:00Z,chat
u4,u5,2026-01-04T10:00:00Z,chat
u5,u3,2026-01-05T10:00:00Z,email
u3,u7,2026-01-06T10:00:00Z,email
u3,u8,2026-01-06T11:00:00Z,email
"""

DOC_UTILITIES = """---
title: Negotiating supply contracts with utilities
authors: [cy@example.org, ada@example.org]
reviewers: [gus@example.org]
community: Contract Management
tags: [contract negotiation, utilities]
visibility: internal
date: 2025-06-01
---
# Negotiating with utilities

Index-linked tariffs, take-or-pay clauses and capacity charges decide most utility contracts.
Start with the load profile and the renewal calendar.
"""

DOC_RESTRICTED = """---
title: Utility tariff audit findings
authors: [cy@example.org]
tags: [contract negotiation]
visibility: restricted
allowed: ["group:Finance"]
date: 2025-08-01
---
The tariff audit found capacity charges billed twice on three utility contracts; take-or-pay volumes were
overstated in the renewal.
"""

DOC_K8S = """---
title: Kubernetes incident response
authors: [bo@example.org]
tags: [kubernetes]
date: 2025-07-01
---
When a pod crash-loops, check the readiness probe first, then the resource limits.
"""

DOC_OPTED = """---
title: Capacity charges explained
authors: [jo@example.org]
tags: [contract negotiation]
date: 2025-07-01
---
Capacity charges in utility contracts pay for the peak the network must be able to deliver.
"""


def write_small_org(root: Path) -> Path:
    """The tiny organisation's exports under ``root`` (what a customer would hand over)."""
    (root / "docs").mkdir(parents=True, exist_ok=True)
    files = {
        "people.csv": PEOPLE,
        "courses.csv": COURSES,
        "completions.csv": COMPLETIONS,
        "memberships.csv": MEMBERSHIPS,
        "interactions.csv": INTERACTIONS,
        "docs/utilities.md": DOC_UTILITIES,
        "docs/audit.md": DOC_RESTRICTED,
        "docs/k8s.md": DOC_K8S,
        "docs/capacity.md": DOC_OPTED,
    }
    for name, text in files.items():
        (root / name).write_text(text, encoding="utf-8")
    return root


def build_small_store(
    folder: Path, extra: dict[str, str] | None = None, *, name: str = "small.db", embed: bool = False
) -> Path:
    """Ingest the tiny organisation into ``folder/<name>`` (lexical only unless ``embed``: then with the bundled
    model, as the product does); ``extra`` adds files (path relative to the organisation's folder -> text) to its
    exports first."""
    from graph.sqlite_store import SQLiteStore
    from ingest.pipeline import ingest_paths

    org = write_small_org(folder / "org")
    for rel, text in (extra or {}).items():
        (org / rel).write_text(text, encoding="utf-8")
    path = folder / name
    store = SQLiteStore(path)
    store.setup_schema()
    embedder = None
    if embed:
        from search.embedder import embed_store, load_embedder

        model = load_embedder()
        embedder = lambda s: embed_store(s, model, progress=False)  # noqa: E731
    run = ingest_paths(store, [org], embed=embedder)
    assert run.ok, run.to_dict()
    store.close()
    return path


def _code_digest() -> str:
    h = hashlib.sha256(f"{DEMO_PEOPLE}/{DEMO_DOCUMENTS}".encode())
    files = [
        *(ROOT / "whoknows" / "demo").rglob("*.py"),
        *(ROOT / "ingest").rglob("*.py"),
        *(ROOT / "graph").glob("*.py"),
    ]
    for f in sorted(files):  # the generator, ingest and the store (not analytics: they do not change the store)
        h.update(f.read_bytes())
    h.update((ROOT / "search" / "embedder.py").read_bytes())
    return h.hexdigest()[:16]


def demo_store_path() -> Path:
    """The demo organisation (400 people, 600 documents) ingested and embedded, built at most once per code
    version. ``WHOKNOWS_TEST_DEMO_STORE`` points at a ready store instead (e.g. one ``whoknows demo`` built)."""
    given = os.environ.get("WHOKNOWS_TEST_DEMO_STORE")
    if given:
        return Path(given)
    folder = Path(tempfile.gettempdir()) / f"whoknows-app-demo-{_code_digest()}"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "demo.db"
    done = folder / "ready"
    with (folder / "lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():
            _build_demo(folder, path)
            done.write_text("ok")
    return path


def _build_demo(folder: Path, path: Path) -> None:
    from graph.sqlite_store import SQLiteStore
    from ingest.pipeline import ingest_paths
    from search.embedder import embed_store, load_embedder
    from whoknows.demo import generate_demo

    for f in folder.glob("demo.db*"):
        f.unlink()
    generate_demo(folder / "org", people=DEMO_PEOPLE, documents=DEMO_DOCUMENTS)
    store = SQLiteStore(path)
    store.setup_schema()
    emb = load_embedder()
    ingest_paths(store, [folder / "org" / "data"], embed=lambda s: embed_store(s, emb, progress=False))
    store.close()


#: What the action tests add to the tiny organisation: a document with a declared source URL, and hostile
#: data (markup in a person's name and title, in a document's title and tags) that must render as text.
HOSTILE_TITLE = (
    "![x](http://host.example/p.png) Tariff <img src=http://host.example/q.png> [Click](http://phish.example)"
)
HOSTILE_NAME = "Mallory ![m](http://host.example/m.png)"
ACTION_FILES = {
    "people-extra.csv": (
        "person_id,name,email,department,title,location,manager,phone,chat\n"
        f'u12,"{HOSTILE_NAME}",mallory@example.org,Legal,[Boss](http://phish.example),Rome,u11,,\n'
    ),
    "docs/supplier-audit.md": """---
title: Supplier audit checklist
authors: [gus@example.org]
tags: [contract negotiation, supplier audits]
url: https://wiki.example.org/kb/supplier-audits
date: 2025-09-01
---
Audit the supplier's capacity charges and take-or-pay volumes before the contract renewal.
""",
    "docs/hostile.md": f"""---
title: "{HOSTILE_TITLE}"
authors: [u12]
tags: ["![t](http://host.example/t.png)", contract negotiation]
date: 2025-09-02
---
Capacity charges and take-or-pay clauses: see ![y](http://host.example/y.png) and <img src=http://host.example/z.png>.
""",
}


def build_action_store(folder: Path) -> Path:
    """The tiny organisation plus :data:`ACTION_FILES`, ingested and embedded into ``folder/action.db`` (the
    calibrated topics on profiles need the embeddings search uses)."""
    return build_small_store(folder, extra=ACTION_FILES, name="action.db", embed=True)
