"""The ingest pipeline: files in, graph facts out, and a report of everything that happened.

Why it is shaped this way:
- Re-running the same ingest must change nothing and cost little. A file whose bytes are unchanged since
  its last complete ingest is skipped outright; inside a changed file, each record's content hash is compared
  with the ledger, so only new or edited records are written (an edited record is retracted first, which
  replaces e.g. a document's old chunks), and records that vanished from a snapshot file are retracted.
- Bad input never stops good records: readers yield rejections, which land in the report. A file that could
  not be read to its end (truncated JSON, wrong encoding) is never swept, so its unread records are not lost.
- People may be referenced before the directory arrives: such relationships are kept pending and attach at the
  end of any later run in which the directory resolves them.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import hashlib
import json
import os
import socket
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from operator import attrgetter
from pathlib import Path
from typing import Any

import orjson

from graph.store import Facts, GraphStore, Node, PendingRel, Rel
from ingest.committer import BackgroundCommitter
from ingest.guard import describe, each_item, unexpected
from ingest.identity import IdentityIndex
from ingest.limits import Limits, current, using
from ingest.mapping import UNRESOLVED_PREFIX, Mapped, Mapper
from ingest.reader_process import FORK_AVAILABLE, run_in_child, run_in_children
from ingest.records import (
    CommunityRecord,
    CompletionRecord,
    CourseRecord,
    DocumentRecord,
    InteractionRecord,
    MembershipRecord,
    PersonRecord,
    PersonRef,
    VoidRecord,
    Where,
)
from ingest.refs import parse_person_ref
from ingest.report import Notice, Rejection, SourceReport
from ingest.split import SPLIT_MIN_BYTES, FilePart, PartReader, plan_parts
from ingest.textio import utf16_codec
from ingest.values import DuplicateIds, note_identical
from ingest.walk import open_regular, walk_inside
from whoknows.errors import IngestError

CHILD_MIN_BYTES = 256 << 10  # structured files from this size are read in a forked child (ingest.reader_process)
# large CSV files of these kinds are read by two children at once (ingest.split); the value names a record
SPLIT_KINDS = {"completions": "completion", "memberships": "membership"}
BATCH = 20_000  # records per transaction: fewer, larger commits write each dirty page to the WAL once
FIRST_BATCH = 1_000  # the smallest batch: where a file starts and ends (see next_batch_size)


def next_batch_size(records_done: int, bytes_done: int, total_bytes: int, largest: int | None = None) -> int:
    """How many records the next batch of a file should hold, given how much of it has been read.

    Why not always the largest: the commit of a batch can only start once the batch is read, and after the
    reader's last batch only the committer works. With full batches from start to end a file spent about one
    batch's reading time (1-1.5 s) with the committer idle at its start and one batch's commit time with the
    reader idle at its end. So batches start small and double (the committer starts within milliseconds),
    and the rest of the file is halved as it shrinks (the last commit is small). Remaining records are
    estimated from the bytes still to read at the file's average record size so far.
    """
    largest = BATCH if largest is None else largest
    size = min(largest, max(FIRST_BATCH, records_done))
    if records_done and 0 < bytes_done < total_bytes:
        remaining = (total_bytes - bytes_done) * records_done / bytes_done
        size = min(size, max(FIRST_BATCH, int(remaining / 2)))
    return max(1, min(size, largest))


VOIDED = "VOIDED"
ACCESS_PREFIX = "access "  # marks an unresolved reference of a document's ``allowed`` in the notices
SHARED = "SHARED"  # the ledger hash of a shared node's per-feed source: it has no content of its own


def shared_source(feed: str, node_id: str) -> str:
    """The provenance source of a node many records of one feed assert alike (ingest.mapping.Mapped.shared).

    Why one source per feed and node, not per record: 200,000 completions of 60 courses wrote 200,000
    provenance rows for the 60 Course nodes, a fifth of the ingest's store work. The source is in the feed's
    ledger like a record, "seen" while any record of the file refers to the node, so the sweep retracts it,
    and with it a node nothing else asserts, once the file stops referring to it."""
    return f"{feed}@{node_id}"


STRUCTURED_EXTENSIONS = frozenset({".json", ".ndjson", ".jsonl", ".csv", ".tsv"})
MANIFEST_NAMES = frozenset({"manifest.csv", "manifest.json"})
KINDS = (
    "auto",
    "people",
    "scim_users",
    "courses",
    "completions",
    "xapi",
    "communities",
    "memberships",
    "scim_groups",
    "interactions",
    "documents",
)
# people first so references resolve; catalogues before what refers to them; documents last
_ORDER = {
    "scim_users": 0,
    "people": 0,
    "courses": 1,
    "communities": 1,
    "scim_groups": 1,
    "completions": 2,
    "xapi": 2,
    "memberships": 2,
    "interactions": 3,
    "documents": 4,
}
Reader = Callable[..., Iterable[Any]]  # reader(fp, name, *, notices=list) -> records and rejections


def _readers() -> dict[str, Reader]:
    from ingest import communities, interactions, learning, people

    return {
        "scim_users": people.read_scim_users,
        "people": people.read_people_csv,
        "courses": learning.read_courses_csv,
        "completions": learning.read_completions_csv,
        "xapi": learning.read_xapi,
        "communities": communities.read_communities_csv,
        "memberships": communities.read_memberships_csv,
        "scim_groups": communities.read_scim_groups,
        "interactions": interactions.read_interactions,
    }


@dataclass(frozen=True, slots=True)
class Input:
    """One input: ``path`` names it (reports, ledger); ``data`` is the file its bytes are read from when they
    are not ``path``'s own (a UTF-16 export converted to UTF-8, see :func:`utf8_copy`)."""

    path: Path
    kind: str
    data: Path | None = None

    @property
    def source(self) -> Path:
        return self.data or self.path


@dataclass(slots=True)
class IngestRun:
    """One run's report: per source what was read, accepted, rejected, retracted, and why."""

    run_id: str
    started: str
    finished: str = ""
    store: str = ""
    sources: list[SourceReport] = field(default_factory=list)
    pending_resolved: int = 0
    pending_left: int = 0
    embedded: int = 0
    timing: dict[str, float] = field(default_factory=dict)  # seconds: reading and writing, and the writes alone
    #: running (recorded at the start and after each input, so a killed run leaves its trace), finished, failed
    state: str = "running"
    error: str = ""
    process: dict[str, Any] = field(default_factory=dict)  # host and pid: run_state tells "interrupted" from them

    @property
    def totals(self) -> dict[str, int]:
        keys = ("read", "accepted", "rejected", "unchanged", "retracted")
        return {k: sum(getattr(s, k) for s in self.sources) for k in keys}

    @property
    def ok(self) -> bool:
        """False when some input could not be read at all (a fatal rejection)."""
        return not any(r.fatal for s in self.sources for r in s.rejections)

    def to_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "started": self.started,
            "finished": self.finished,
            "state": self.state,
            "error": self.error,
            "process": self.process,
            "store": self.store,
            "totals": self.totals,
            "pending_resolved": self.pending_resolved,
            "pending_left": self.pending_left,
            "embedded": self.embedded,
            "timing": self.timing,
            "sources": [s.to_dict() for s in self.sources],
        }


# -- input planning -------------------------------------------------------------------------------------
def utf8_copy(path: Path) -> Path | None:
    """A UTF-8 copy (in the temporary folder) of a UTF-16 export, which spreadsheet programs write as "Unicode
    text"; None when ``path`` is not UTF-16. The readers then read the copy and report ``path``."""
    import shutil
    import tempfile

    with path.open("rb") as fp:
        codec = utf16_codec(fp.read(4096))
    if codec is None:
        return None
    fd, name = tempfile.mkstemp(prefix="whoknows-utf8-", suffix=path.suffix)
    with (
        path.open(encoding=codec, errors="replace", newline="") as src,
        os.fdopen(fd, "w", encoding="utf-8", newline="") as dst,
    ):
        shutil.copyfileobj(src, dst, 1 << 20)
    return Path(name)


def sniff_kind(path: Path) -> str | None:
    """Recognise a structured file from its name and first bytes; None if it is not one we know. A header-less
    ``u v`` edge list (``.txt``, ``.edges``, ``.csv``, ...) is an interactions export (ingest/detect.py)."""
    from ingest.detect import EDGE_LIST_SUFFIXES, detect_csv_kind, detect_edge_list

    suffix = path.suffix.lower()
    text = _head_text(path)
    if suffix in EDGE_LIST_SUFFIXES and detect_edge_list(text):
        return "interactions"
    if suffix in (".csv", ".tsv"):
        return detect_csv_kind(_csv_header(text))
    if suffix in (".json", ".ndjson", ".jsonl"):
        if "urn:ietf:params:scim:schemas:core:2.0:User" in text:
            return "scim_users"
        if "urn:ietf:params:scim:schemas:core:2.0:Group" in text:
            return "scim_groups"
        if '"actor"' in text and '"verb"' in text:
            return "xapi"
        return None
    return None


def _head_text(path: Path) -> str:
    """The first 64 KiB of a file as text (UTF-16 recognised, a BOM dropped, undecodable bytes replaced)."""
    with path.open("rb") as fp:
        head = fp.read(65536)
    return head.decode(utf16_codec(head) or "utf-8", errors="replace").lstrip("\ufeff")


def _csv_header(text: str) -> list[str]:
    """The column names of a CSV / TSV's first line, lower-cased (tabs when it has more tabs than commas)."""
    first = text.splitlines()[0] if text.strip() else ""
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    return [h.strip().strip('"').lower() for h in first.split(delimiter)]


def closest_csv_contract(path: Path) -> str:
    """For a CSV whose header matches no contract: the contract it shares most columns with and the required
    columns it lacks ("closest: people, which also needs person_id"), or "" when it shares none (a hint in the
    rejection: an export with ``id,name,email`` is a people CSV short of one column name)."""
    from ingest.communities import (
        COMMUNITIES_CSV_OPTIONAL,
        COMMUNITIES_CSV_REQUIRED,
        MEMBERSHIPS_CSV_OPTIONAL,
        MEMBERSHIPS_CSV_REQUIRED,
    )
    from ingest.learning import (
        COMPLETIONS_CSV_OPTIONAL,
        COMPLETIONS_CSV_REQUIRED,
        COURSES_CSV_OPTIONAL,
        COURSES_CSV_REQUIRED,
    )
    from ingest.people import PEOPLE_CSV_OPTIONAL, PEOPLE_CSV_REQUIRED

    contracts = {
        "people": (PEOPLE_CSV_REQUIRED, PEOPLE_CSV_OPTIONAL),
        "courses": (COURSES_CSV_REQUIRED, COURSES_CSV_OPTIONAL),
        "completions": (COMPLETIONS_CSV_REQUIRED, COMPLETIONS_CSV_OPTIONAL),
        "memberships": (MEMBERSHIPS_CSV_REQUIRED, MEMBERSHIPS_CSV_OPTIONAL),
        "communities": (COMMUNITIES_CSV_REQUIRED, COMMUNITIES_CSV_OPTIONAL),
    }
    try:
        cols = {c.strip() for c in _csv_header(_head_text(path))} - {""}
    except OSError:
        return ""
    shared = {k: len(cols & {*req, *opt}) for k, (req, opt) in contracts.items()}
    best = max(shared, key=lambda k: shared[k])
    if not shared[best]:
        return ""
    missing = [c for c in contracts[best][0] if c not in cols]
    return f"closest: {best}, which also needs {', '.join(missing)}" if missing else ""


def _unrecognised(path: Path, reason: str, expected: str) -> SourceReport:
    """A named file that cannot be ingested as given: one fatal rejection for it (the run goes on with the other
    inputs and exits non-zero, ``whoknows ingest`` with code 3), never an error that loses them."""
    report = SourceReport(str(path), "unknown")
    report.reject(Rejection(Where(str(path)), None, reason, expected, fatal=True))
    return report


def plan_inputs(paths: Sequence[str | Path], kind: str = "auto") -> tuple[list[Input], list[SourceReport]]:
    """Expand paths into typed inputs. A folder is a document root for its document files, and each
    structured file in it is detected on its own. Unrecognised files are reported, not fatal to the run: one in a
    folder is a rejection, one named on its own a fatal rejection of that file (the other inputs are ingested)."""
    from ingest.detect import looks_like_edge_list
    from ingest.documents import SUPPORTED_EXTENSIONS

    if kind not in KINDS:
        raise IngestError(f"unknown kind {kind!r}; expected one of: {', '.join(KINDS)}")
    inputs: list[Input] = []
    unknown: list[SourceReport] = []
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise IngestError(f"{path} does not exist; give files or folders to ingest")
        if path.is_file():
            k = kind if kind != "auto" else sniff_kind(path)
            if k is None and path.suffix.lower() in SUPPORTED_EXTENSIONS:
                unknown.append(_unrecognised(
                    path, "a document given on its own",
                    "the folder that holds it (its document root), or --kind interactions for an edge list",
                ))  # fmt: skip
                continue
            if k is None:
                hint = closest_csv_contract(path) if path.suffix.lower() in (".csv", ".tsv") else ""
                unknown.append(_unrecognised(
                    path, "cannot tell what this file holds" + (f" ({hint})" if hint else ""),
                    "SCIM Users/Groups or xAPI JSON, or a CSV whose header matches a documented contract "
                    "(docs/formats-structured.md); or pass --kind",
                ))  # fmt: skip
                continue
            inputs.append(Input(path, k))
            continue
        if kind not in ("auto", "documents"):
            raise IngestError(f"--kind {kind} needs a file, but {path} is a folder")
        has_docs = False
        walk = walk_inside(path)  # no link is followed (ingest/walk.py); the document reader reports its own
        for rej in walk.rejections:
            if Path(rej.where.file).suffix.lower() in STRUCTURED_EXTENSIONS:
                report = SourceReport(rej.where.file, "unknown")
                report.reject(rej)
                unknown.append(report)
        for file in walk.files:
            suffix = file.suffix.lower()
            if file.name.lower() in MANIFEST_NAMES:
                continue
            if suffix in STRUCTURED_EXTENSIONS:
                k = sniff_kind(file)
                if k is None:
                    report = SourceReport(str(file), "unknown")
                    report.reject(
                        Rejection(
                            Where(str(file)),
                            None,
                            "not a recognised export (no SCIM schema, xAPI statement or known CSV header)",
                            "SCIM Users/Groups, xAPI statements, or a CSV per docs/formats-structured.md",
                        )
                    )
                    unknown.append(report)
                else:
                    inputs.append(Input(file, k))
            elif looks_like_edge_list(file):  # a header-less "u v" edge list named .txt: interactions
                inputs.append(Input(file, "interactions"))
            elif suffix in SUPPORTED_EXTENSIONS:
                has_docs = True
        if has_docs or kind == "documents":
            inputs.append(Input(path, "documents"))
    inputs.sort(key=lambda i: (_ORDER[i.kind], str(i.path)))
    return inputs, unknown


# -- helpers ----------------------------------------------------------------------------------------------
def hash_file(path: Path) -> str:
    h = hashlib.blake2b(digest_size=20)
    with path.open("rb") as fp:
        for block in iter(lambda: fp.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


# per record class (a dict, not functools.cache: typeshed's cache wants Hashable arguments and a class object
# does not type-check as one)
_HASHED_FIELDS: dict[type, Callable[[Any], Any]] = {}


def _hashed_fields(cls: type) -> Callable[[Any], Any]:
    getter = _HASHED_FIELDS.get(cls)
    if getter is None:
        getter = _HASHED_FIELDS[cls] = attrgetter(*[f.name for f in dataclasses.fields(cls) if f.name != "where"])
    return getter


def record_hash(record: Any) -> str:
    """Content hash of a record, ignoring where it was found (moving a row must not count as an edit).

    orjson serialises the field values (dataclasses, dates, tuples) in C: this runs once per record per run.
    """
    cls = type(record)
    payload = orjson.dumps((cls.__name__, _hashed_fields(cls)(record)), default=str)
    return hashlib.blake2b(payload, digest_size=16).hexdigest()


def feed_key(inp: Input) -> str:
    """A short, stable name for an input: kind, file name and a hash of its absolute path.

    Every source (provenance) string starts with it, so it is kept short; the run report holds the full path.
    """
    digest = hashlib.sha1(str(inp.path.resolve()).encode()).hexdigest()[:8]
    return f"{inp.kind}:{inp.path.name}:{digest}"


def source_key(feed: str, record: Any) -> str:
    match record:
        case PersonRecord():
            return f"{feed}#{record.person_id}"
        case CourseRecord():
            return f"{feed}#{record.course_id}"
        case CompletionRecord() if feed.startswith("xapi:"):
            return f"xapi:{record.record_id}"
        case VoidRecord():
            return f"xapi:{record.record_id}"
        case CompletionRecord():
            return f"{feed}#{record.record_id}"
        case CommunityRecord():
            return f"{feed}#{record.community_id}"
        case MembershipRecord():
            return f"{feed}#{record.community_id}|{record.person}|{record.role}"
        case InteractionPair():
            return f"{feed}#{record.sender}>{record.recipient}"
    raise IngestError(f"no source key for {type(record).__name__}")  # pragma: no cover


@dataclass(frozen=True, slots=True)
class InteractionPair:
    """All interactions from one sender to one recipient in a feed, aggregated into one tie."""

    sender: PersonRef
    recipient: PersonRef
    count: int
    weight: float
    first: str | None
    last: str | None
    channels: tuple[str, ...]


def aggregate_interactions(items: Iterable[Any], report: SourceReport) -> Iterator[InteractionPair]:
    pairs: dict[tuple[PersonRef, PersonRef], list[Any]] = {}
    for item in items:
        if isinstance(item, Rejection):
            report.reject(item)
            continue
        if not isinstance(item, InteractionRecord):
            continue
        report.read += 1
        acc = pairs.setdefault((item.sender, item.recipient), [0, 0.0, None, None, set()])
        acc[0] += 1
        acc[1] += item.weight
        if item.at is not None:
            ts = item.at.isoformat()
            acc[2] = ts if acc[2] is None or ts < acc[2] else acc[2]
            acc[3] = ts if acc[3] is None or ts > acc[3] else acc[3]
        if item.channel:
            acc[4].add(item.channel)
    for (s, r), (count, weight, first, last, channels) in sorted(
        pairs.items(), key=lambda kv: (str(kv[0][0]), str(kv[0][1]))
    ):
        yield InteractionPair(s, r, count, round(weight, 9), first, last, tuple(sorted(channels)))


# -- the run ----------------------------------------------------------------------------------------------
def mapper_from_store(store: GraphStore) -> Mapper:
    """What mapping needs from earlier runs: who is who, communities by name or id, courses that have a title.

    Read here, once per run and before the run's state is built, because constructors do no I/O (a _Run is
    cheap to make and to test, and the reads happen where a reader of ingest_paths sees them)."""
    mapper = Mapper(IdentityIndex.from_store(store))
    for node in store.iter_nodes("Community"):
        for key in (node.props.get("name"), node.props.get("community_id")):
            if key:
                mapper.community_by_name[str(key).strip().lower()] = node.id
    for node in store.iter_nodes("Course"):
        if node.props.get("title"):
            mapper.course_titles.add(node.id)
    return mapper


class _Run:
    def __init__(self, store: GraphStore, progress: bool, committer: BackgroundCommitter, mapper: Mapper) -> None:
        self.store = store
        self.progress = progress
        self.committer = committer  # batches commit on its thread while the next batch is parsed
        self._sink: Callable[..., None] = self._submit  # where a prepared batch goes (a pipe in a reader child)
        self._tx: contextlib.AbstractContextManager[None] | None = None  # the write transaction batches share
        self._tx_records = 0
        self.child_min_bytes: int | None = CHILD_MIN_BYTES
        self.split_min_bytes: int | None = SPLIT_MIN_BYTES
        self.mapper = mapper
        self.identity = mapper.identity

    # -- structured feeds -------------------------------------------------------------------------------
    def structured(self, inp: Input, report: SourceReport) -> None:
        feed = feed_key(inp)
        file_hash = hash_file(inp.path)
        if self.store.feed_state(feed) == file_hash:
            report.skipped_unchanged_file = True
            return
        converted = utf8_copy(inp.path)
        if converted is not None:
            inp = dataclasses.replace(inp, data=converted)
            report.notices.append(Notice(Where(str(inp.path)), "read as UTF-16 (converted to UTF-8)"))
        try:
            self._structured(inp, report, feed, file_hash)
        finally:
            if converted is not None:
                converted.unlink(missing_ok=True)

    def _structured(self, inp: Input, report: SourceReport, feed: str, file_hash: str) -> None:
        snapshot = inp.kind != "xapi"  # xAPI statements are immutable: absence from an export is not deletion
        old = self.store.ledger(feed) if snapshot else {}
        parts = self._parts(inp, snapshot)
        if parts is not None:
            seen, unresolved = self._read_feed_split(inp, feed, report, old, parts)
        elif self._read_in_child(inp, snapshot):
            seen, unresolved = self._read_feed_in_child(inp, feed, report, old)
        else:
            seen, unresolved = self._read_feed(inp, feed, report, old if snapshot else None)
        self._settle()  # everything of this file is in the store before it is swept or marked done
        if inp.kind == "interactions":
            report.notices.append(
                Notice(
                    Where(str(inp.path)),
                    f"{report.read} interactions aggregated into {len(seen)} ties (one per sender and recipient)",
                )
            )
        missing = set(old) - seen if snapshot else set()
        shared_prefix = shared_source(feed, "")
        n_records = sum(1 for m in missing if not m.startswith(shared_prefix))  # shared nodes are not records
        if missing and not report.rejected:
            gone = sorted(missing)
            with self.store.transaction():
                self.store.retract_sources(gone)
                self.store.forget_ledger(gone)
            report.retracted = n_records
        elif n_records:
            report.notices.append(
                Notice(
                    Where(str(inp.path)),
                    f"{n_records} record(s) ingested before are not in this file but were kept, because "
                    f"{report.rejected} record(s) were rejected and might be them; fix the rejections and re-run "
                    "to retract records that were really removed",
                )
            )
        self._notice_unresolved(report, unresolved)
        if not report.rejected:
            # only a clean file is skipped next time: a file with rejections is re-read (and re-reported)
            self.store.set_feed_state(feed, file_hash)

    def _read_in_child(self, inp: Input, snapshot: bool) -> bool:
        """Large snapshot files that do not change who is who are read in a forked child (ingest.reader_process).

        People feeds stay here (they grow the identity index later feeds resolve against), and so does xAPI
        (its batches look up the ledger in the store, which only this process may touch)."""
        return (
            self.child_min_bytes is not None
            and FORK_AVAILABLE
            and snapshot
            and inp.kind not in ("people", "scim_users")
            and inp.source.stat().st_size >= self.child_min_bytes
        )

    def _read_feed(
        self,
        inp: Input,
        feed: str,
        report: SourceReport,
        old: dict[str, str] | None,
        *,
        part: FilePart | None = None,
        dups: DuplicateIds | None = None,
        written: dict[str, str] | None = None,
    ) -> tuple[set[str], dict[str, list[Any]]]:
        """Read, validate, map and hand over one structured file in batches; returns what it saw and which
        person references did not resolve. ``part``: read only that part of the file, with the duplicate
        table ``dups`` (see _read_feed_split); ``written``: see _flush."""
        seen: set[str] = set()
        unresolved: dict[str, list[Any]] = {}
        reader = _readers()[inp.kind]
        with inp.source.open("rb") if part is None else PartReader(part) as fp:
            total_bytes = os.fstat(fp.fileno()).st_size if part is None else fp.size  # type: ignore[union-attr]
            extra = {} if dups is None else {"dups": dups}
            reader_items = reader(fp, str(inp.path), notices=report.notices, **extra)
            items: Iterable[Any] = each_item(reader_items, str(inp.path))
            if inp.kind == "interactions":  # aggregated: nothing is emitted until the whole file is read
                items = aggregate_interactions(items, report)
            items = self._with_progress(items, inp, part)
            batch: list[tuple[str, str, Any]] = []
            done = 0
            limit = next_batch_size(0, 0, total_bytes, BATCH)
            for item in items:
                if isinstance(item, Rejection):
                    report.reject(item)
                    continue
                if not isinstance(item, InteractionPair):
                    report.read += 1
                batch.append((source_key(feed, item), record_hash(item), item))
                if len(batch) >= limit:
                    self._flush(feed, batch, old, seen, report, unresolved, written)
                    done += len(batch)
                    batch = []
                    limit = next_batch_size(done, fp.tell(), total_bytes, BATCH)
            self._flush(feed, batch, old, seen, report, unresolved, written)
        return seen, unresolved

    def _read_feed_in_child(
        self,
        inp: Input,
        feed: str,
        report: SourceReport,
        old: dict[str, str],
        written: dict[str, str] | None = None,
    ) -> tuple[set[str], dict[str, list[Any]]]:
        """:meth:`_read_feed` in a forked child: its batches arrive as prepared writes and are committed here;
        at the end its report, what it saw and what it learnt about communities come back."""

        def work(emit: Callable[[Any], None]) -> tuple[SourceReport, set[str], dict[str, list[Any]], dict, set]:
            self._sink = lambda *payload: emit(payload)
            seen, unresolved = self._read_feed(inp, feed, report, old, written=written)
            return report, seen, unresolved, self.mapper.community_by_name, self.mapper.course_titles

        self._settle()  # no commit may be in flight (or open) while the process forks
        result: Any = None
        for kind, payload in run_in_child(work):
            if kind == "item":
                self.committer.submit(self._commit_now, *payload)
            else:
                result = payload
        child_report, seen, unresolved, communities, course_titles = result
        for f in dataclasses.fields(SourceReport):
            setattr(report, f.name, getattr(child_report, f.name))
        self.mapper.community_by_name.update(communities)
        self.mapper.course_titles.update(course_titles)
        return seen, unresolved

    def _parts(self, inp: Input, snapshot: bool) -> tuple[FilePart, FilePart] | None:
        """The two parts a large CSV file of completions or memberships is read in (see ingest.split), or None."""
        if inp.kind not in SPLIT_KINDS or inp.path.suffix.lower() not in (".csv", ".tsv"):
            return None
        if self.split_min_bytes is None or not self._read_in_child(inp, snapshot):
            return None
        return plan_parts(inp.source, self.split_min_bytes)

    def _read_feed_split(
        self, inp: Input, feed: str, report: SourceReport, old: dict[str, str], parts: Sequence[FilePart]
    ) -> tuple[set[str], dict[str, list[Any]]]:
        """:meth:`_read_feed_in_child` with two children, each reading one part of the file at the same time.

        The parts' reports, seen sources and unresolved references are merged in file order, so the result is
        the one reader's. What two parts cannot do alone is find a duplicate id across them: each child
        returns its ids, and if the parts share one, the file is read again whole by one reader against the
        ledger as it now stands (so only the records the duplicate touched are written again), and that
        reader's report, counted against the ledger from before the run, is the file's. That costs a second
        read of the file, and only a file with such a duplicate pays it.
        """

        def work_for(part: FilePart) -> Callable[[Callable[[Any], None]], tuple[Any, ...]]:
            def work(emit: Callable[[Any], None]) -> tuple[Any, ...]:
                self._sink = lambda *payload: emit(payload)
                part_report = SourceReport(report.path, report.kind)
                dups = DuplicateIds()
                seen, unresolved = self._read_feed(inp, feed, part_report, old, part=part, dups=dups)
                communities, titles = self.mapper.community_by_name, self.mapper.course_titles
                return part_report, seen, unresolved, communities, titles, dups.ids(), dups.identical

            return work

        self._settle()  # no commit may be in flight (or open) while the process forks
        results: list[Any] = [None] * len(parts)
        for i, kind, payload in run_in_children([work_for(p) for p in parts]):
            if kind == "item":
                self.committer.submit(self._commit_now, *payload)
            else:
                results[i] = payload
        ids = [r[5] for r in results]
        if any(not a.isdisjoint(b) for i, a in enumerate(ids) for b in ids[i + 1 :]):
            self._settle()
            return self._read_feed_in_child(inp, feed, report, old, written=self.store.ledger(feed))
        seen: set[str] = set()
        unresolved: dict[str, list[Any]] = {}
        # a rejection without a line is about the whole file ("no data rows"): true only if every part says so
        whole_file = set.intersection(*({x.reason for x in r[0].rejections if x.where.line is None} for r in results))
        for i, (part_report, part_seen, part_unresolved, communities, titles, _, _) in enumerate(results):
            for name in ("read", "accepted", "unchanged"):
                setattr(report, name, getattr(report, name) + getattr(part_report, name))
            for rejection in part_report.rejections:
                line = rejection.where.line
                if line is None:
                    if i == 0 and rejection.reason in whole_file:
                        report.reject(rejection)
                elif i == 0 or line >= parts[i].first_line:  # a later part's header lines are the first part's
                    report.reject(rejection)
            report.notices.extend(part_report.notices)
            seen |= part_seen
            for ref, wheres in part_unresolved.items():
                unresolved.setdefault(ref, []).extend(wheres)
            self.mapper.community_by_name.update(communities)
            self.mapper.course_titles.update(titles)
        note_identical(report.notices, str(inp.path), SPLIT_KINDS[inp.kind], sum(r[6] for r in results))
        return seen, unresolved

    def _with_progress(self, items: Iterable[Any], inp: Input, part: FilePart | None = None) -> Iterable[Any]:
        if not self.progress:
            return items
        from tqdm import tqdm

        desc = f"{inp.kind} {inp.path.name}" + (f" ({part.label})" if part is not None else "")
        position = 1 if part is not None and part.start else 0
        return tqdm(items, desc=desc, unit=" records", leave=False, position=position)

    def _flush(
        self,
        feed: str,
        batch: list[tuple[str, str, Any]],
        old: dict[str, str] | None,
        seen: set[str],
        report: SourceReport,
        unresolved: dict[str, list[Any]],
        written: dict[str, str] | None = None,
    ) -> None:
        """Write the new and edited records of a batch (new or edited against ``old``, the ledger from before
        this run, which the report counts against). ``written``: the ledger as a split read of this file left
        it (see _read_feed_split): a record it already holds is counted and its references are checked, but
        it is not written again; one it holds in another version is retracted and written."""
        if not batch:
            return
        if old is None:  # no snapshot ledger: ask the store, which must first hold the batch before this one
            self._settle()
            prev = self.store.ledger_lookup([s for s, _, _ in batch])
        else:
            prev = old
        to_retract: list[str] = []
        todo: list[tuple[str, str, Any]] = []
        shared_ids = self.mapper.shared_ids
        restored = 0  # records written again but counted unchanged (see ``written``)
        for source, h, record in batch:
            seen.add(source)
            before = prev.get(source)
            if written is not None:  # the file is read again after a split read wrote most of it
                now = written.get(source)
                if before == h:
                    report.unchanged += 1
                if now == h:  # in the store as this record: only the report remains to do
                    if before != h:
                        report.accepted += 1
                        self._collect(self._map(record, source), record.where, [], [], unresolved)
                    seen.update(shared_source(feed, nid) for nid in shared_ids(record))
                    continue
                restored += before == h
                if now is not None:  # the other version of a duplicate: replaced
                    to_retract.append(source)
                todo.append((source, h, record))
                continue
            if before == h:
                report.unchanged += 1
                if old is not None:  # its shared nodes are still referred to by this file
                    seen.update(shared_source(feed, nid) for nid in shared_ids(record))
                continue
            if before == VOIDED:
                report.notices.append(Notice(record.where, f"statement {source} was voided earlier; ignored"))
                continue
            if before is not None:
                to_retract.append(source)
            todo.append((source, h, record))
        if not todo:
            return
        facts: list[Facts] = []
        pending: list[PendingRel] = []
        ledger: dict[str, str] = {}
        voided: dict[str, str] = {}
        shared: dict[str, Node] = {}
        failed = 0
        for source, h, record in todo:
            if isinstance(record, VoidRecord):
                target = f"xapi:{record.target_id}"
                to_retract.append(target)
                voided[target] = VOIDED
                ledger[source] = h
                continue
            try:
                mapped = self._map(record, source)
            except Exception as exc:  # one record the mapper cannot take is one rejection
                report.reject(unexpected(getattr(record, "where", None) or Where(report.path), exc))
                report.read -= not isinstance(record, InteractionPair)  # counted once, as rejected
                failed += 1
                if source in to_retract:  # its version in the store stays
                    to_retract.remove(source)
                continue
            if mapped.pending or mapped.unresolved:
                self._collect(mapped, getattr(record, "where", None), facts, pending, unresolved)
            else:  # the common case, inline: this loop runs once per record
                facts.append(mapped.facts)
            if mapped.shared:
                if old is None:  # no sweep for this feed: the record itself asserts them, as any other node
                    facts.append(Facts(source, mapped.shared))
                else:
                    for node in mapped.shared:
                        shared[node.id] = node
            ledger[source] = h
        for nid, node in shared.items():
            sk = shared_source(feed, nid)
            seen.add(sk)
            facts.append(Facts(sk, [node]))
            if prev.get(sk) != SHARED:
                ledger[sk] = SHARED
        report.accepted += len(todo) - restored - failed
        self._commit(feed, to_retract, facts, pending, ledger, voided)

    def _map(self, record: Any, source: str) -> Mapped:
        m = self.mapper
        match record:
            case PersonRecord():
                self.identity.add_record(record)
                return m.person(record, source)
            case CourseRecord():
                return m.course(record, source)
            case CompletionRecord():
                return m.completion(record, source)
            case CommunityRecord():
                return m.community(record, source)
            case MembershipRecord():
                return m.membership(record, source)
            case InteractionPair():
                return self._interaction(record, source)
        raise IngestError(f"cannot map {type(record).__name__}")  # pragma: no cover

    def _interaction(self, pair: InteractionPair, source: str) -> Mapped:
        s = self.identity.resolve(pair.sender)
        r = self.identity.resolve(pair.recipient)
        props = {
            "count": pair.count,
            "weight": pair.weight,
            "first": pair.first,
            "last": pair.last,
            "channels": list(pair.channels),
        }
        rel = Rel(
            "INTERACTED", s or f"{UNRESOLVED_PREFIX}{pair.sender}", r or f"{UNRESOLVED_PREFIX}{pair.recipient}", props
        )
        if s and r:
            return Mapped(Facts(source, (), [rel]))
        missing = [ref for ref, pid in ((pair.sender, s), (pair.recipient, r)) if pid is None]
        side = "both" if len(missing) == 2 else ("start" if s is None else "end")
        return Mapped(Facts(source), [PendingRel(source, side, str(missing[0]), rel)], missing)

    def _notice_unresolved(self, report: SourceReport, unresolved: dict[str, list[Any]]) -> None:
        for ref, wheres in sorted(unresolved.items()):
            where = wheres[0] if wheres and wheres[0] is not None else Where(report.path)
            more = f" (and {len(wheres) - 1} more place(s))" if len(wheres) > 1 else ""
            if ref.startswith(ACCESS_PREFIX):
                message = (
                    f"'allowed' names {ref[len(ACCESS_PREFIX) :]}, who is not in the directory yet: they can read "
                    f"the document from the day they are (access is checked against the directory when read){more}"
                )
            else:
                message = f"person {ref} is not in the directory yet; kept pending until it is{more}"
            report.notices.append(Notice(where, message))

    # -- documents --------------------------------------------------------------------------------------
    def documents(self, inp: Input, report: SourceReport) -> None:
        from ingest.chunking import chunk_text
        from ingest.documents import document_files, load_manifests

        root = inp.path
        feed = feed_key(inp)
        meta, rejections = load_manifests(root)
        manifest_fatal = any(r.fatal for r in rejections)
        files, more = document_files(root, meta)
        for r in (*rejections, *more):
            report.reject(r)
        old = self.store.ledger(feed)
        seen: set[str] = set()
        unresolved: dict[str, list[Any]] = {}
        iterator: Iterable[tuple[str, Path]] = files
        if self.progress:
            from tqdm import tqdm

            iterator = tqdm(files, desc=f"documents {root.name}", unit=" docs", leave=False)
        batch: list[tuple[str, str, DocumentRecord, list[Any]]] = []
        to_retract: list[str] = []
        for rel_path, file in iterator:
            source = f"{feed}#{rel_path}"
            seen.add(source)
            report.read += 1
            md = meta.get(rel_path)
            try:
                got = self._document(file, rel_path, md, old.get(source), chunk_text)
            except Exception as exc:  # one document that breaks a parser costs that document, not the run
                got = unexpected(Where(str(file)), exc)
            if got is None:
                report.unchanged += 1
                continue
            if isinstance(got, Rejection):
                # one unreadable file is one rejected record of the document folder, not a failed input; counted
                # once, as rejected, like a rejected row of a structured file (read + rejected = records seen)
                report.read -= 1
                report.reject(dataclasses.replace(got, fatal=False))
                if source in old:  # the version ingested before stays: the file is there, only unreadable now
                    seen.add(source)
                continue
            if source in old:
                to_retract.append(source)
            batch.append((source, *got))
            if len(batch) >= 200:
                self._flush_docs(feed, batch, to_retract, report, unresolved)
                batch, to_retract = [], []
        self._flush_docs(feed, batch, to_retract, report, unresolved)
        self._settle()
        gone = sorted(set(old) - seen)
        if gone and not manifest_fatal:  # a missing file is unambiguous: it was removed
            with self.store.transaction():
                self.store.retract_sources(gone)
                self.store.forget_ledger(gone)
            report.retracted = len(gone)
        self._notice_unresolved(report, unresolved)

    def _document(
        self, file: Path, rel_path: str, md: Any, before: str | None, chunk_text: Callable[..., Any]
    ) -> tuple[str, DocumentRecord, list[Any]] | Rejection | None:
        """Read, extract and chunk one document file: ``(hash, record, chunks)``, a rejection, or None when it
        is unchanged since the ledger's hash ``before``. Limits (ingest/limits.py) are checked as early as
        they can be: the size before reading, the text after extracting, the passages after chunking."""
        from ingest.documents import format_for, read_document, too_large

        limits = current()
        fmt = format_for(file.name)
        data = open_regular(file, limits.html_bytes if fmt == "html" else limits.document_bytes)
        if isinstance(data, Rejection):
            return data
        if isinstance(data, int):
            return too_large(str(file), fmt, data)
        h = hashlib.blake2b(data + json.dumps(md, sort_keys=True, default=str).encode(), digest_size=16).hexdigest()
        if before == h:
            return None
        import io

        rec = read_document(io.BytesIO(data), str(file), doc_key=rel_path, meta=md)
        if isinstance(rec, Rejection):
            return rec
        chunks = chunk_text(rec.text, title=rec.title)
        if len(chunks) > limits.chunks_per_document:
            return Rejection(
                Where(str(file)),
                None,
                f"the text makes {len(chunks):,} passages, more than the limit of {limits.chunks_per_document:,}",
                f"a document under the limit (split a very long one); {limits.hint('chunks_per_document')}",
            )
        return h, rec, chunks

    def _flush_docs(
        self,
        feed: str,
        batch: list[tuple[str, str, DocumentRecord, list[Any]]],
        to_retract: list[str],
        report: SourceReport,
        unresolved: dict[str, list[Any]],
    ) -> None:
        if not batch and not to_retract:
            return
        facts: list[Facts] = []
        pending: list[PendingRel] = []
        ledger: dict[str, str] = {}
        for source, h, rec, chunks in batch:
            self._collect(self.mapper.document(rec, source, chunks), rec.where, facts, pending, unresolved)
            ledger[source] = h
            report.accepted += 1
        self._commit(feed, to_retract, facts, pending, ledger)

    @staticmethod
    def _collect(
        mapped: Mapped,
        where: Where | None,
        facts: list[Facts],
        pending: list[PendingRel],
        unresolved: dict[str, list[Any]],
    ) -> None:
        facts.append(mapped.facts)
        pending.extend(mapped.pending)
        for ref in mapped.unresolved:
            unresolved.setdefault(str(ref), []).append(where)
        for ref in mapped.unresolved_access:
            unresolved.setdefault(ACCESS_PREFIX + str(ref), []).append(where)

    def _commit(
        self,
        feed: str,
        to_retract: list[str],
        facts: list[Facts],
        pending: list[PendingRel],
        ledger: dict[str, str],
        voided: dict[str, str] | None = None,
    ) -> None:
        """Hand the batch to the committer thread, which retracts edited records, writes the new facts and
        remembers what was seen (see _commit_now). The caller never touches these lists again."""
        # the Python half of the write, ledger rows included, on this thread (in a reader child: that process)
        prepared = self.store.prepare_write(facts, (feed, ledger))
        self._sink(to_retract, prepared, pending, len(ledger), voided)

    def _submit(self, *payload: Any) -> None:
        self.committer.submit(self._commit_now, *payload)

    def _commit_now(
        self,
        to_retract: list[str],
        prepared: Any,
        pending: list[PendingRel],
        n_records: int,
        voided: dict[str, str] | None,
    ) -> None:
        """Write one batch (on the committer thread) into the open write transaction, and commit once it holds
        a full batch's worth of records.

        Why batches share a transaction: a file's first and last batches are small (next_batch_size), and each
        commit copies every page it dirtied to the WAL; the random-key indexes spread even 1,000 rows over
        hundreds of pages, so small commits cost almost as much as full ones (41 commits took 3.1 s against
        1.35 s for 18). Writing each batch at once and committing every BATCH records keeps both gains.
        """
        tx = self._tx
        if tx is None:
            tx = self._tx = self.store.transaction()
            tx.__enter__()
            self._tx_records = 0
        try:
            if to_retract:
                self.store.retract_sources(to_retract)
            self.store.write_prepared(prepared)  # its ledger first: the facts' sources then exist with hashes
            if pending:
                self.store.add_pending(pending)
            if voided:
                self.store.record_ledger("xapi:voided", voided)
        except BaseException as exc:
            self._close_tx(exc)  # rolls back everything since the last commit
            raise
        self._tx_records += n_records + len(to_retract)
        if self._tx_records >= BATCH:
            self._end_tx()

    def _close_tx(self, error: BaseException | None) -> None:
        """Commit the open write transaction, if any, or roll it back when ``error`` is given (on the committer
        thread, which holds it)."""
        tx, self._tx = self._tx, None
        if tx is not None:
            tx.__exit__(type(error) if error else None, error, error.__traceback__ if error else None)

    def _end_tx(self) -> None:
        self._close_tx(None)

    def _rollback_tx(self) -> None:
        self._close_tx(IngestError("the ingest stopped before this batch was committed"))

    def _settle(self) -> None:
        """Commit what is written and wait for it: before this thread reads or sweeps the store, marks a file
        done, or forks a reader process."""
        self.committer.submit(self._end_tx)
        self.committer.wait()

    def abort(self) -> None:
        """After a failure: roll back what was written since the last commit, so nothing of an unfinished batch
        stays and the store's write lock is free again."""
        self.committer.finally_run(self._rollback_tx)

    # -- pending ----------------------------------------------------------------------------------------
    def resolve_pending(self) -> tuple[int, int]:
        """Attach pending relationships whose people now resolve. Returns (resolved, still pending)."""
        self._settle()
        pending = self.store.pending()
        facts: list[Facts] = []
        done: list[str] = []
        by_source: dict[str, list[Rel]] = defaultdict(list)
        for p in pending:
            ends = []
            for end in (p.rel.start, p.rel.end):
                if end.startswith(UNRESOLVED_PREFIX):
                    ref = parse_person_ref(end[len(UNRESOLVED_PREFIX) :])
                    end = (self.identity.resolve(ref) if ref else None) or end
                ends.append(end)
            if any(e.startswith(UNRESOLVED_PREFIX) for e in ends) or (
                ends[0] == ends[1] and p.rel.type == "REPORTS_TO"
            ):
                continue
            by_source[p.source].append(Rel(p.rel.type, ends[0], ends[1], p.rel.props, p.rel.key))
            done.append(p.id)
        if not done:
            return 0, len(pending)
        existing = self.store.get_nodes(
            sorted({e for rels in by_source.values() for r in rels for e in (r.start, r.end)})
        )
        keep_ids: list[str] = []
        for source, rels in by_source.items():
            ok = [r for r in rels if r.start in existing and r.end in existing]
            if ok:
                facts.append(Facts(source, (), ok))
        keep_ids = done
        with self.store.transaction():
            self.store.write(facts)
            self.store.delete_pending(keep_ids)
        return len(keep_ids), len(pending) - len(keep_ids)


@contextlib.contextmanager
def _fewer_collections() -> Iterator[None]:
    """Run the young-generation garbage collector 70x less often while ingesting, then restore the settings.

    Why: readers allocate a dozen containers per record and keep a batch of 20,000 alive, so with Python's
    default threshold (700) the collector rescans the growing batch every few hundred records; records hold no
    reference cycles, so collecting rarely frees the same memory. (The reader child process turns the collector
    off altogether, see ingest.reader_process.)
    """
    before = gc.get_threshold()
    gc.set_threshold(50_000, before[1], before[2])
    try:
        yield
    finally:
        gc.set_threshold(*before)


def ingest_paths(
    store: GraphStore,
    paths: Sequence[str | Path],
    *,
    kind: str = "auto",
    embed: Callable[[GraphStore], int] | None = None,
    progress: bool = False,
    overlap: bool = True,
    limits: Limits | None = None,
) -> IngestRun:
    """Ingest files and folders into ``store`` and return (and keep in the store) the run's report.

    ``overlap`` uses the second core: large files are parsed in a forked child (ingest.reader_process) and
    batches commit on a background thread while the next one is parsed (ingest.committer). False does the
    same work on one thread. ``limits``: what one input may cost (ingest/limits.py; None: the defaults as
    the environment changes them).
    """
    with using(limits):
        return _ingest(store, paths, kind=kind, embed=embed, progress=progress, overlap=overlap)


def _ingest(
    store: GraphStore,
    paths: Sequence[str | Path],
    *,
    kind: str,
    embed: Callable[[GraphStore], int] | None,
    progress: bool,
    overlap: bool,
) -> IngestRun:
    store.setup_schema()
    run = IngestRun(uuid.uuid4().hex, datetime.now(UTC).isoformat(timespec="seconds"), store=store.url)
    run.process = {"host": socket.gethostname(), "pid": os.getpid()}
    inputs, unknown = plan_inputs(paths, kind)
    run.sources.extend(unknown)
    store.record_run(run.to_dict())  # a run killed from here on shows in `whoknows status` as interrupted
    t0 = time.perf_counter()
    with _fewer_collections(), BackgroundCommitter(threaded=overlap) as committer:
        state = _Run(store, progress, committer, mapper_from_store(store))
        if not overlap:
            state.child_min_bytes = None
        try:
            for inp in inputs:
                report = SourceReport(str(inp.path), inp.kind)
                run.sources.append(report)
                if inp.kind == "documents":
                    state.documents(inp, report)
                else:
                    state.structured(inp, report)
                store.record_run(run.to_dict())  # what is done so far (the input's batches are committed)
            run.pending_resolved, run.pending_left = state.resolve_pending()
        except BaseException as exc:
            state.abort()
            run.state, run.error = "failed", describe(exc)
            with contextlib.suppress(Exception):  # the store may be what failed: the original error matters
                store.record_run(run.to_dict())
            raise
    # committing for most of the run means the store bounds the ingest; little, the reading and mapping do
    run.timing = {"ingest_s": round(time.perf_counter() - t0, 3), "commit_s": round(committer.busy_s, 3)}
    if embed is not None:
        t1 = time.perf_counter()
        run.embedded = embed(store)
        run.timing["embed_s"] = round(time.perf_counter() - t1, 3)
    run.finished = datetime.now(UTC).isoformat(timespec="seconds")
    run.state = "finished"
    store.record_run(run.to_dict())
    return run


def run_state(run: Mapping[str, Any]) -> str:
    """A recorded run's state for people: ``finished``, ``failed``, ``running`` (its process is alive on this
    machine), ``interrupted`` (recorded as running, but its process is gone: killed, or the machine stopped),
    or ``running or interrupted`` (started on another machine, which this one cannot ask). Runs recorded before
    states existed were only recorded once finished."""
    state = str(run.get("state") or "finished")
    if state != "running":
        return state
    proc = run.get("process") or {}
    if proc.get("host") != socket.gethostname():
        return "running or interrupted"
    try:
        os.kill(int(proc.get("pid", 0)), 0)
    except ProcessLookupError:
        return "interrupted"
    except (PermissionError, ValueError, OverflowError):
        return "running or interrupted"
    return "running" if int(proc.get("pid", 0)) > 0 else "interrupted"
