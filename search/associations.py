"""Person-item association tables for array-wise expert scoring, built once per search read model.

Why: after retrieval, ranking turns ~500 retrieved items into scores for the people attached to them (authors,
SME reviewers, community members, course completions: 1,000-3,000 (person, item) pairs per query at 10k people /
100k chunks) and normalises each person by how many documents they have that the viewer may see. Done with a
Python object per pair this was the largest remaining cost of a query (docs/search.md, "Latency"). These tables
hold the same relationships as compressed sparse rows (item -> people, person -> documents) so a query gathers
its pairs, weights and per-person sums with a handful of numpy operations, and builds evidence records only for
the people it returns.

Everything here is derived from :class:`search.index.SearchIndex` (the graph snapshot of one store data version)
and is as immutable as it is: configuration-dependent values (association weights, time decay, normalisation)
are applied per query, so one table serves every configuration and every viewer.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from graph.schema import Label, RelType
from graph.store import Hit, StoredRel
from search.permissions import Viewer, person_visible

if TYPE_CHECKING:
    from search.index import SearchIndex

#: association kinds of a document pair, in the order of their weights in ``doc_weights``
FIRST_AUTHOR, AUTHOR, REVIEWER = 0, 1, 2
DOC_RELATIONS = ("first author", "authored", "reviewed as SME")
OPEN_VISIBILITY = ("public", "internal")


def _csr(rows: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
    """Row pointers and flat column values of a list of rows."""
    ptr = np.zeros(len(rows) + 1, dtype=np.int64)
    ptr[1:] = np.cumsum([len(r) for r in rows])
    flat = np.fromiter((x for r in rows for x in r), dtype=np.int64, count=int(ptr[-1]))
    return ptr, flat


def gather(ptr: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Flat positions of the entries of ``rows`` (in row order, each row's entries in stored order) and, for each
    entry, the index of its row within ``rows``: the vectorised form of ``for i, r in enumerate(rows): for j in
    range(ptr[r], ptr[r + 1])``."""
    starts = ptr[rows]
    counts = ptr[rows + 1] - starts
    total = int(counts.sum())
    owner = np.repeat(np.arange(len(rows), dtype=np.int64), counts)
    if total == 0:
        return np.zeros(0, dtype=np.int64), owner
    offsets = np.cumsum(counts) - counts  # where each row's run starts in the output
    pos = np.arange(total, dtype=np.int64) - np.repeat(offsets, counts) + np.repeat(starts, counts)
    return pos, owner


@dataclass(frozen=True, slots=True, eq=False)
class Associations:
    """The association tables of one graph snapshot (see the module docstring)."""

    #: people: every node that is the start of an AUTHORED / REVIEWED / MEMBER_OF / COMPLETED relationship
    person_ids: list[str]
    person_pos: dict[str, int]
    #: True for an existing Person node that may appear in results (not opted out, active)
    person_ok: np.ndarray
    #: documents: each Document node's authors and reviewers, in the order of the node's incoming relationships
    doc_pos: dict[str, int]
    doc_ptr: np.ndarray
    doc_person: np.ndarray
    doc_kind: np.ndarray  # FIRST_AUTHOR | AUTHOR | REVIEWER
    #: courses and communities: completions and memberships, in the order of the node's incoming relationships
    item_pos: dict[str, int]
    item_ptr: np.ndarray
    item_person: np.ndarray
    item_code: np.ndarray  # index into ``item_keys``: ("community", role) or ("course", status)
    item_keys: list[tuple[str, str]]
    item_factor: np.ndarray  # course score factor 0.5 + 0.5 * score (1.0 without a score or for a community)
    item_date: np.ndarray  # index into ``dates`` of a completion's ``at`` (-1: none, and for communities)
    item_rel: list[StoredRel]
    dates: list[str]
    #: per person: distinct existing documents authored or reviewed, and those among them that are not open to
    #: every viewer (CSR into ``closed_sig``, one signature per distinct (visibility, allowed) of such documents)
    person_ndocs: np.ndarray
    closed_ptr: np.ndarray
    closed_sig: np.ndarray  # signature of each entry's document
    signatures: list[dict[str, Any]]  # representative props per signature (what ``Viewer.can_see`` reads)
    doc_sig: np.ndarray  # per document: its signature, -1 if open to every viewer
    doc_sig_list: list[int]  # the same as a list (indexed per retrieved hit in Python, where a list is faster)
    doc_date: np.ndarray  # per document: index into ``dates`` of its ``date`` (-1: undated)
    chunk_doc: dict[str, int]  # chunk node id -> its document's position

    @classmethod
    def build(cls, index: SearchIndex) -> Associations:
        """Read the snapshot's relationships into arrays (0.5 s at 10k people / 20k documents)."""
        nodes, views = index.nodes, index.views
        person_pos: dict[str, int] = {}

        def pid(node_id: str) -> int:
            p = person_pos.get(node_id)
            if p is None:
                p = person_pos[node_id] = len(person_pos)
            return p

        doc_pos: dict[str, int] = {}
        doc_rows: list[list[int]] = []
        doc_kinds: list[list[int]] = []
        item_pos: dict[str, int] = {}
        item_rows: list[list[int]] = []
        codes: list[list[int]] = []
        factors: list[float] = []
        item_dates: list[int] = []
        item_rel: list[StoredRel] = []
        key_code: dict[tuple[str, str], int] = {}
        date_code: dict[str, int] = {}
        doc_sig: list[int] = []
        doc_dates: list[int] = []
        sig_code: dict[tuple[str, tuple[str, ...]], int] = {}
        signatures: list[dict[str, Any]] = []

        def signature(props: Mapping[str, Any]) -> int:
            """-1 for a document every viewer may see, else the code of its (visibility, allowed)."""
            visibility = str(props.get("visibility") or "internal").lower()
            if visibility in OPEN_VISIBILITY:
                return -1
            sig = (visibility, tuple(str(a) for a in props.get("allowed") or ()))
            if sig not in sig_code:
                sig_code[sig] = len(signatures)
                signatures.append({"visibility": visibility, "allowed": list(sig[1])})
            return sig_code[sig]

        for nid, node in nodes.items():
            view = views.get(nid)
            incoming = view.incoming if view is not None else ()
            if node.label == Label.DOCUMENT:
                row, kinds = [], []
                for rel in incoming:  # same relations, same order as ranking's reference path
                    if rel.type == RelType.AUTHORED:
                        kinds.append(FIRST_AUTHOR if rel.props.get("position") == 0 else AUTHOR)
                    elif rel.type == RelType.REVIEWED:
                        kinds.append(REVIEWER)
                    else:
                        continue
                    row.append(pid(rel.start))
                doc_pos[nid] = len(doc_rows)
                doc_rows.append(row)
                doc_kinds.append(kinds)
                doc_sig.append(signature(node.props))
                when = node.props.get("date")
                doc_dates.append(date_code.setdefault(str(when), len(date_code)) if when else -1)
            elif node.label in (Label.COMMUNITY, Label.COURSE):
                row, code = [], []
                for rel in incoming:
                    if rel.type == RelType.MEMBER_OF and node.label == Label.COMMUNITY:
                        key = ("community", str(rel.props.get("role") or "member"))
                        factor, at = 1.0, None
                    elif rel.type == RelType.COMPLETED and node.label == Label.COURSE:
                        key = ("course", str(rel.props.get("status") or "completed"))
                        score = rel.props.get("score")
                        factor = 0.5 + 0.5 * max(0.0, min(float(score), 1.0)) if isinstance(score, int | float) else 1.0
                        at = rel.props.get("at")
                    else:
                        continue
                    row.append(pid(rel.start))
                    code.append(key_code.setdefault(key, len(key_code)))
                    factors.append(factor)
                    item_dates.append(date_code.setdefault(str(at), len(date_code)) if at else -1)
                    item_rel.append(rel)
                item_pos[nid] = len(item_rows)
                item_rows.append(row)
                codes.append(code)
        doc_ptr, doc_person = _csr(doc_rows)
        _, doc_kind = _csr(doc_kinds)
        item_ptr, item_person = _csr(item_rows)
        _, item_code = _csr(codes)
        # people's own documents, for the normalisation count n(p)
        n_people = len(person_pos)
        ndocs = np.zeros(n_people, dtype=np.int64)
        closed_sigs: list[list[int]] = [[] for _ in range(n_people)]
        for node_id, p in person_pos.items():
            view = views.get(node_id)
            ends = {r.end for r in (view.outgoing if view else ()) if r.type in (RelType.AUTHORED, RelType.REVIEWED)}
            for d in sorted(e for e in ends if e in nodes):
                ndocs[p] += 1
                d_pos = doc_pos.get(d, -1)
                sig = doc_sig[d_pos] if d_pos >= 0 else signature(nodes[d].props)
                if sig >= 0:
                    closed_sigs[p].append(sig)
        closed_ptr, closed_sig = _csr(closed_sigs)
        person_ids = list(person_pos)
        person_ok = np.array(
            [
                (n := nodes.get(p)) is not None and n.label == Label.PERSON and person_visible(n.props)
                for p in person_ids
            ],
            dtype=bool,
        )
        return cls(
            person_ids=person_ids,
            person_pos=person_pos,
            person_ok=person_ok,
            doc_pos=doc_pos,
            doc_ptr=doc_ptr,
            doc_person=doc_person,
            doc_kind=doc_kind,
            item_pos=item_pos,
            item_ptr=item_ptr,
            item_person=item_person,
            item_code=item_code,
            item_keys=list(key_code),
            item_factor=np.array(factors, dtype=np.float64),
            item_date=np.array(item_dates, dtype=np.int64),
            item_rel=item_rel,
            dates=list(date_code),
            person_ndocs=ndocs,
            closed_ptr=closed_ptr,
            closed_sig=closed_sig,
            signatures=signatures,
            doc_sig=np.array(doc_sig, dtype=np.int64),
            doc_sig_list=doc_sig,
            doc_date=np.array(doc_dates, dtype=np.int64),
            chunk_doc={c: dpos for c, did in index.doc_of.items() if (dpos := doc_pos.get(did)) is not None},
        )

    def signature_visibility(self, viewer: Viewer) -> list[bool]:
        """Whether the viewer may see the documents of each signature (``Viewer.can_see``, once per signature)."""
        return [viewer.can_see(s) for s in self.signatures]

    def keep_filter(self, viewer: Viewer, exclude: Collection[str]) -> Callable[[list[Hit]], list[Hit]]:
        """The permission trim of retrieved hits (``ranking.make_keep``) from these tables: a chunk is dropped
        when its document is excluded or closed to the viewer, any other hit when it is excluded. Same decisions
        as reading each document's props, without a read or a ``can_see`` call per hit."""
        chunk_doc, doc_sig = self.chunk_doc, self.doc_sig_list
        visible = self.signature_visibility(viewer)
        excluded = {d for did in exclude if (d := self.doc_pos.get(did)) is not None}
        chunk = Label.CHUNK.value

        def keep(hits: list[Hit]) -> list[Hit]:
            out = []
            for h in hits:
                if h.label == chunk:
                    d = chunk_doc.get(h.id)
                    if d is None or d in excluded:
                        continue
                    s = doc_sig[d]
                    if s >= 0 and not visible[s]:
                        continue
                elif h.id in exclude:
                    continue
                out.append(h)
            return out

        return keep

    def visible_doc_counts(self, people: np.ndarray, viewer: Viewer, exclude: Collection[str]) -> np.ndarray:
        """n(p) for each of ``people`` (positions): their distinct documents (authored or reviewed) that this
        viewer may see and that are not excluded. Documents open to everyone are counted at build time; the others
        are checked once per distinct (visibility, allowed) signature, so the cost does not grow with them."""
        n = self.person_ndocs[people].copy()
        sig_visible = np.array(self.signature_visibility(viewer), dtype=bool)
        if len(sig_visible):
            pos, owner = gather(self.closed_ptr, people)
            hidden = ~sig_visible[self.closed_sig[pos]]
            n -= np.bincount(owner[hidden], minlength=len(people))
        for did in exclude:
            d = self.doc_pos.get(did)
            if d is None:
                continue
            sig = int(self.doc_sig[d])
            if sig < 0 or sig_visible[sig]:  # it was counted for its holders: take it back
                holders = np.unique(self.doc_person[self.doc_ptr[d] : self.doc_ptr[d + 1]])
                n -= np.isin(people, holders).astype(np.int64)
        return n

    def item_weights(self, pos: np.ndarray, cfg: Any, decay: Callable[[str], float]) -> np.ndarray:
        """Association weights of item pairs ``pos``: role weight for a membership; for a completion
        ``w_course * w_status * score factor * decay(at)``, multiplied in the reference path's order so the
        floats are identical. ``decay`` is called once per distinct completion date among these pairs."""
        base = np.array(
            [
                cfg.w_roles.get(k, cfg.w_roles.get("member", 0.0))
                if kind == "community"
                else cfg.w_course * cfg.w_status.get(k, 0.5)
                for kind, k in self.item_keys
            ]
            or [0.0],
            dtype=np.float64,
        )
        return base[self.item_code[pos]] * self.item_factor[pos] * self.date_weights(self.item_date[pos], decay)

    def date_weights(self, codes: np.ndarray, decay: Callable[[str], float]) -> np.ndarray:
        """``decay(date)`` for each date code (1.0 for -1, undated), calling ``decay`` once per distinct date."""
        out = np.ones(len(codes), dtype=np.float64)
        dated = codes >= 0
        if dated.any():
            distinct, inverse = np.unique(codes[dated], return_inverse=True)
            out[dated] = np.array([decay(self.dates[c]) for c in distinct.tolist()], dtype=np.float64)[inverse]
        return out
