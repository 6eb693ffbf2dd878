"""The Neo4j backend of the graph store protocol (:mod:`graph.store`), on the official ``neo4j`` driver.

Why it looks the way it does:

- No database access in the constructor: the driver is created on first use, and :meth:`Neo4jStore.open`
  (called by :meth:`setup_schema` and every first query) checks connectivity, credentials and the server
  version, turning driver exceptions into :class:`whoknows.errors.StoreError` subclasses that say what to fix.
- All Cypher lives in :mod:`graph.cypher` as named constants. Labels and relationship types cannot be Cypher
  parameters, so templates are filled here by :func:`fill`, which accepts only :mod:`graph.schema` members
  (checked with ``check_label`` / ``check_rel_type``), the internal labels of :mod:`graph.cypher`, index names
  built from those, and integers. Every value is a parameter.
- Writes go in ``UNWIND $rows`` batches of :data:`BATCH` rows; ``MERGE`` only on ``id``, which has a uniqueness
  constraint for every label and relationship type (created by :meth:`setup_schema` before any MERGE).
- Provenance is a ``_sources`` list on every node and relationship; retraction takes a source off the list and
  deletes what is left without one (relationships of deleted nodes go too, as ``DETACH DELETE`` does).
- ``with store.transaction():`` opens one explicit driver transaction (per thread); every read and write inside
  it goes through that transaction, so reads see the uncommitted writes and an exception rolls all of it back.
  Outside one, reads use ``driver.execute_query(..., routing_=READ)`` (served by read replicas in a cluster) and
  each multi-statement write gets a transaction of its own.
- Search needs Neo4j's full-text and vector indexes. :meth:`capabilities` offers :class:`FullTextSearch` and
  :class:`VectorSearch` (graph/store.py) only when they exist and are ONLINE on the server (ArcadeDB's Bolt
  endpoint, used by CI, has neither); searching without them raises :class:`Neo4jIndexMissingError` naming the
  fix. There is no :class:`ReadModel`: search reads through the server (the documented slower path).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit, urlunsplit

import numpy as np

from graph import cypher
from graph.schema import TEXT_LABELS, Label, RelType, check_label, check_rel_type, check_text_labels
from graph.store import (
    Facts,
    FullTextSearch,
    Hit,
    Node,
    NodeView,
    PendingRel,
    ReadModel,
    Rel,
    RetractStats,
    StoredNode,
    StoredRel,
    TextToEmbed,
    VectorSearch,
)
from whoknows.errors import ConfigError, SchemaError, StoreError, StoreUnavailableError

BATCH = 1000
FETCH_SIZE = 2000
MIN_VERSION = (5, 11)  # vector indexes arrived in Neo4j 5.11; relationship key constraints in 5.7
SEARCH_CLAUSE_VERSION = (2026, 1)  # the SEARCH clause queries vector indexes from Neo4j 2026.01
DEFAULT_VECTOR_DIMENSIONS = 384  # all-MiniLM-L6-v2, the bundled model
_TEXT_LABEL_VALUES = frozenset(label.value for label in TEXT_LABELS)
_PRODUCT_LABELS = frozenset(label.value for label in Label)
_WORD_RE = re.compile(r"\w+", re.UNICODE)
_SCALARS = (bool, int, float, str)
_FEATURE_OF: dict[type, str] = {FullTextSearch: "fulltext", VectorSearch: "vector"}  # capability -> index


class Neo4jUnavailableError(StoreUnavailableError):
    """The Neo4j server cannot be reached at the configured URL."""


class Neo4jAuthError(StoreUnavailableError):
    """The server refused the username or password."""


class Neo4jVersionError(StoreError):
    """The server is older than WhoKnows supports (Neo4j 5.11, for vector indexes)."""


class Neo4jIndexMissingError(StoreError):
    """A search needs a full-text or vector index the server does not have."""


def text_hash(text: str) -> str:
    """Content hash of a text (the same function as the embedded store's, so hashes agree across backends)."""
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()


def lucene_query(query: str) -> str | None:
    """Free text to a Lucene query: every word quoted (no operator injection), OR-ed for BM25 ranking."""
    words = [w for w in _WORD_RE.findall(query.lower()) if len(w) > 1 or w.isdigit()]
    if not words:
        return None
    return " OR ".join(f'"{w}"' for w in dict.fromkeys(words))


def vector_index_name(label: str) -> str:
    return cypher.VECTOR_INDEX_PREFIX + check_label(label).value.lower()


def constraint_name(label_or_type: str) -> str:
    return "wk_" + label_or_type.strip("_").lower() + "_id"


_INDEX_NAME_RE = re.compile(r"^wk_[a-z_]+$")


def fill(template: str, **fields: Any) -> str:
    """Fill a Cypher template's structural fields, refusing anything that did not come from the schema.

    ``label`` must be a :class:`~graph.schema.Label` value or an internal label of :mod:`graph.cypher`;
    ``rel_type`` a :class:`~graph.schema.RelType` value; ``labels`` a sequence of text-bearing labels;
    ``name`` an index or constraint name of the form ``wk_[a-z_]+``; ``dimensions`` an int.
    """
    safe: dict[str, str] = {}
    for key, value in fields.items():
        if key == "label":
            safe[key] = value if value in cypher.INTERNAL_LABELS else check_label(value).value
        elif key == "rel_type":
            safe[key] = check_rel_type(value).value
        elif key == "labels":
            safe[key] = "|".join(check_label(v).value for v in value)
        elif key == "name":
            if not _INDEX_NAME_RE.match(value):
                raise SchemaError(f"index name {value!r} is not of the form wk_[a-z_]+")
            safe[key] = value
        elif key == "dimensions":
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 4096:
                raise ConfigError(f"vector dimensions must be an integer from 1 to 4096, got {value!r}")
            safe[key] = str(value)
        else:
            raise SchemaError(f"unknown template field {key!r}; expected label, rel_type, labels, name, dimensions")
    return template.format(**safe)


def parse_version(text: str) -> tuple[int, ...]:
    """``"5.26.0"`` -> (5, 26, 0); ``"2025.10.1"`` -> (2025, 10, 1); suffixes such as ``-aura`` ignored."""
    parts = []
    for piece in text.split("."):
        m = re.match(r"\d+", piece)
        if not m:
            break
        parts.append(int(m.group()))
    return tuple(parts)


def _check_value(owner: str, key: str, value: Any) -> Any:
    """Neo4j properties hold scalars or homogeneous lists of scalars; say so instead of a driver error."""
    if value is None or isinstance(value, _SCALARS):
        if isinstance(value, float) and not math.isfinite(value):
            raise SchemaError(f"property {key!r} of {owner} is {value}; expected a finite number")
        return value
    if isinstance(value, (list, tuple)):
        items = list(value)
        if all(isinstance(v, str) for v in items) or all(
            isinstance(v, (int, float)) and not isinstance(v, bool) for v in items
        ):
            return items
        if all(isinstance(v, bool) for v in items):
            return items
    raise SchemaError(
        f"property {key!r} of {owner} is {type(value).__name__} {value!r:.60}; Neo4j properties must be a string, "
        "number, boolean, or a list of strings or of numbers"
    )


def _props_for_write(owner: str, props: Mapping[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in props.items():
        if key == "id" or key.startswith("_"):
            raise SchemaError(
                f"property name {key!r} of {owner} is reserved by the Neo4j store (id and _-prefixed names); rename it"
            )
        out[key] = _check_value(owner, key, value)
    return out


def _user_props(props: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in props.items() if k != "id" and not k.startswith("_")}


def _sources(props: Mapping[str, Any]) -> tuple[str, ...]:
    return tuple(sorted(props.get("_sources") or ()))


def _product_label(labels: Sequence[str]) -> str:
    for label in labels:
        if label in _PRODUCT_LABELS:
            return label
    return labels[0] if labels else ""


def _batches(rows: Sequence[Any], size: int = BATCH) -> Iterator[Sequence[Any]]:
    for i in range(0, len(rows), size):
        yield rows[i : i + size]


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True, default=str)


@contextmanager
def _translate(url: str) -> Iterator[None]:
    """Driver exceptions to WhoKnows errors that name the fix."""
    from neo4j import exceptions as nx

    try:
        yield
    except nx.AuthError as exc:
        raise Neo4jAuthError(
            f"Neo4j at {url} refused the credentials ({exc.message}); set NEO4J_USERNAME and NEO4J_PASSWORD "
            "or put them in the URL (neo4j://user:password@host:7687)"
        ) from exc
    except (nx.ServiceUnavailable, nx.SessionExpired) as exc:
        raise Neo4jUnavailableError(
            f"cannot reach Neo4j at {url}: {exc}; is the server running and is the URL (scheme, host, port "
            "7687) right? For a local test server: docker run -p 7687:7687 neo4j:5"
        ) from exc
    except nx.ConstraintError as exc:
        raise StoreError(f"Neo4j at {url} rejected a write that breaks a uniqueness constraint: {exc.message}") from exc
    except nx.Neo4jError as exc:
        raise StoreError(f"Neo4j at {url} failed: {exc.code}: {exc.message}") from exc
    except nx.DriverError as exc:
        raise StoreError(f"Neo4j driver error for {url}: {exc}") from exc


@dataclass(frozen=True, slots=True)
class Neo4jSchemaReport:
    """The store's schema as the server has it (see :meth:`Neo4jStore.schema_report`)."""

    server: str  # "Neo4j Kernel 5.26.0 community"
    version: tuple[int, ...]
    missing_constraints: tuple[str, ...]
    expected_constraints: int
    search_indexes: dict[str, dict[str, Any]]  # name -> SHOW INDEXES row (type, state, options)
    vector_index_names: tuple[str, ...]
    vector_dimensions: int  # what this store is configured for


@dataclass(slots=True)
class _PreparedWrite:
    """A write as UNWIND rows (see Neo4jStore.prepare_write)."""

    nodes: int
    rels: int
    by_label: dict[str, list[dict[str, Any]]]
    by_type: dict[str, list[dict[str, Any]]]
    ends: list[str]  # every relationship end, checked to exist before the relationships are merged
    ledger: tuple[str, dict[str, str]] | None = None  # (feed, {source: hash}), recorded first (record_ledger)


class Neo4jStore:
    """The graph store on a Neo4j server (or any Bolt server that runs Neo4j's Cypher).

    Cheap to construct: nothing connects until the first query. One driver per store instance; share one
    instance per process (the driver pools connections and is thread-safe).
    """

    def __init__(
        self,
        uri: str,
        *,
        user: str | None = None,
        password: str | None = None,
        database: str | None = None,
        vector_dimensions: int = DEFAULT_VECTOR_DIMENSIONS,
        driver_config: Mapping[str, Any] | None = None,
    ) -> None:
        self.uri = uri
        self.url = uri if database is None else f"{uri}/{database}"
        self.user = user
        self.password = password
        self.database = database
        self.vector_dimensions = vector_dimensions
        self.fetch_size = FETCH_SIZE  # records per round trip when streaming a projection
        fill("{dimensions}", dimensions=vector_dimensions)  # validates
        self._driver_config = dict(driver_config or {})
        self._driver: Any = None
        self._lock = threading.RLock()
        self._local = threading.local()
        self._version: tuple[int, ...] | None = None
        self._server: str = ""
        self._features: frozenset[str] | None = None  # the server's search features (see _server_features)
        self._schema_checked = False
        self.unsupported: dict[str, str] = {}  # capability -> why the server lacks it (from setup_schema)

    # -- lifecycle ---------------------------------------------------------------------------------------------
    @property
    def driver(self) -> Any:
        if self._driver is None:
            from neo4j import GraphDatabase

            with self._lock:
                if self._driver is None:
                    auth = (self.user, self.password or "") if self.user is not None else None
                    with _translate(self.uri):
                        self._driver = GraphDatabase.driver(self.uri, auth=auth, **self._driver_config)
        return self._driver

    def open(self) -> Neo4jStore:
        """Connect, check credentials and the server version. Called by the first query; idempotent."""
        if self._version is None:
            with self._lock:
                if self._version is None:
                    self._connect()
        return self

    def _connect(self) -> None:
        """The work of :meth:`open`, under its lock."""
        with _translate(self.uri):
            self.driver.verify_connectivity()
            records, _, _ = self.driver.execute_query(cypher.SERVER_COMPONENTS, database_=self.database)
        kernel = next((r for r in records if r["name"] == "Neo4j Kernel"), records[0] if records else None)
        if kernel is None:
            raise StoreError(f"{self.uri} did not report its version from dbms.components()")
        version_text = kernel["versions"][0]
        version = parse_version(version_text)
        if version < MIN_VERSION:
            raise Neo4jVersionError(
                f"Neo4j at {self.uri} is version {version_text}; WhoKnows needs Neo4j 5.11 or newer "
                "(vector indexes arrived in 5.11); upgrade the server or use the embedded store"
            )
        self._server = f"{kernel['name']} {version_text} {kernel['edition']}"
        self._version = version

    @property
    def server_version(self) -> tuple[int, ...]:
        self.open()
        assert self._version is not None
        return self._version

    @property
    def uses_search_clause(self) -> bool:
        """The one place that chooses the SEARCH clause (Neo4j 2026.01+) over db.index.vector.queryNodes."""
        return self.server_version >= SEARCH_CLAUSE_VERSION

    def setup_schema(self) -> None:
        """Uniqueness constraints on every label's and relationship type's ``id``, lookup indexes, and the
        full-text and vector indexes where the server has them. Idempotent (``IF NOT EXISTS``)."""
        self.open()
        statements = [
            fill(cypher.CREATE_NODE_ID_CONSTRAINT, name=constraint_name(label), label=label)
            for label in [*(lab.value for lab in Label), *cypher.INTERNAL_LABELS]
        ]
        statements += [
            fill(cypher.CREATE_REL_ID_CONSTRAINT, name=constraint_name(t.value), rel_type=t.value) for t in RelType
        ]
        statements += [
            cypher.CREATE_LEDGER_FEED_INDEX,
            cypher.CREATE_PENDING_SOURCE_INDEX,
            cypher.CREATE_RUN_STARTED_INDEX,
        ]
        with _translate(self.uri):
            for statement in statements:
                self.driver.execute_query(statement, database_=self.database)
        self.unsupported = {}
        created_search_index = False
        search_indexes = [("fulltext", fill(cypher.CREATE_FULLTEXT_INDEX, labels=[t.value for t in TEXT_LABELS]))]
        search_indexes += [
            (
                "vector",
                fill(
                    cypher.CREATE_VECTOR_INDEX,
                    name=vector_index_name(t.value),
                    label=t.value,
                    dimensions=self.vector_dimensions,
                ),
            )
            for t in TEXT_LABELS
        ]
        from neo4j import exceptions as nx

        for capability, statement in search_indexes:
            if capability in self.unsupported:
                continue
            try:
                with _translate(self.uri):
                    self.driver.execute_query(statement, database_=self.database)
                created_search_index = True
            except StoreError as exc:
                # A server without Neo4j's search indexes (ArcadeDB's Bolt endpoint) says so here: the store
                # keeps working without search and reports the capability missing, with this reason.
                if not isinstance(exc.__cause__, nx.ClientError):
                    raise
                self.unsupported[capability] = str(exc)
        if created_search_index:
            with _translate(self.uri):
                self.driver.execute_query(cypher.AWAIT_INDEXES, timeout_s=300, database_=self.database)
        self._features = None
        self._schema_checked = True
        self._check_vector_dimensions()

    def _expected_constraints(self) -> set[str]:
        labels = [*(lab.value for lab in Label), *cypher.INTERNAL_LABELS]
        return {constraint_name(x) for x in labels} | {constraint_name(t.value) for t in RelType}

    def _ensure_schema(self) -> None:
        """MERGE is only safe and fast on keys with a uniqueness constraint: refuse to write before they exist."""
        if self._schema_checked:
            return
        present = {r["name"] for r in self._schema_read(cypher.SHOW_ID_CONSTRAINTS)}
        missing = sorted(self._expected_constraints() - present)
        if missing:
            raise Neo4jIndexMissingError(
                f"{self.url} lacks {len(missing)} of the store's uniqueness constraints ({', '.join(missing[:3])}"
                f"{', ...' if len(missing) > 3 else ''}); run setup_schema() (every whoknows write command does) "
                "before writing"
            )
        self._schema_checked = True

    def schema_report(self) -> Neo4jSchemaReport:
        """What the server has of the store's schema, read without changing anything (``whoknows doctor``)."""
        self.open()
        present = {r["name"] for r in self._schema_read(cypher.SHOW_ID_CONSTRAINTS)}
        expected = self._expected_constraints()
        return Neo4jSchemaReport(
            server=self._server,
            version=self.server_version,
            missing_constraints=tuple(sorted(expected - present)),
            expected_constraints=len(expected),
            search_indexes=self._search_indexes(),
            vector_index_names=tuple(vector_index_name(t.value) for t in TEXT_LABELS),
            vector_dimensions=self.vector_dimensions,
        )

    def _schema_read(self, query: str) -> list[Any]:
        """A read of the schema in a transaction of its own, even inside ``with store.transaction()``: Neo4j
        keeps schema commands apart from data writes in one transaction."""
        from neo4j import RoutingControl

        self.open()
        with _translate(self.uri):
            records, _, _ = self.driver.execute_query(query, database_=self.database, routing_=RoutingControl.READ)
        return records

    def _search_indexes(self) -> dict[str, dict[str, Any]]:
        try:
            records = self._schema_read(cypher.SHOW_SEARCH_INDEXES)
        except StoreError:
            return {}  # a server without SHOW INDEXES has no search indexes either
        return {r["name"]: dict(r) for r in records}

    def _check_vector_dimensions(self) -> None:
        for name, index in self._search_indexes().items():
            if index["type"] != "VECTOR":
                continue
            config = (index.get("options") or {}).get("indexConfig") or {}
            dims = config.get("vector.dimensions")
            if dims is not None and int(dims) != self.vector_dimensions:
                raise StoreError(
                    f"vector index {name} on {self.url} has {dims} dimensions but this store is configured for "
                    f"{self.vector_dimensions}; use ?vector_dimensions={dims} in the store URL (or "
                    f"NEO4J_VECTOR_DIMENSIONS), or DROP INDEX {name} and run setup again"
                )

    def _server_features(self) -> frozenset[str]:
        """What this server can do beyond the core graph: ``fulltext`` and ``vector`` (Neo4j's search indexes,
        present and ONLINE) and ``search_clause`` (vector search with Cypher 25's SEARCH). Asked once, cached
        until the store changes its indexes."""
        if self._features is None:
            indexes = self._search_indexes()
            caps = set()
            if indexes.get(cypher.FULLTEXT_INDEX, {}).get("state") == "ONLINE":
                caps.add("fulltext")
            if all(indexes.get(vector_index_name(t.value), {}).get("state") == "ONLINE" for t in TEXT_LABELS):
                caps.add("vector")
                if self.uses_search_clause:
                    caps.add("search_clause")
            self._features = frozenset(caps)
        return self._features

    def capabilities(self) -> frozenset[type]:
        """:class:`FullTextSearch` and :class:`VectorSearch` when the server has those indexes ONLINE."""
        features = self._server_features()
        return frozenset(kind for kind, feature in _FEATURE_OF.items() if feature in features)

    def missing_capability(self, kind: type) -> str:
        feature = _FEATURE_OF.get(kind)
        if feature is None:
            if kind is ReadModel:
                return "the Neo4j store keeps no read model; search reads through the server (slower, same results)"
            return f"{kind.__name__} is not a capability of the store protocol"
        index = "full-text index wk_text" if feature == "fulltext" else "vector indexes wk_vector_*"
        why = self.unsupported.get(feature)
        if why:
            return f"the server has no {index}: it refused to create it ({why}); Neo4j 5.11+ has both"
        if feature in self._server_features():
            return f"the {index} is present"
        return f"the {index} is missing or not ONLINE; a write command (whoknows ingest) creates it"

    def close(self) -> None:
        with self._lock:
            if self._driver is not None:
                self._driver.close()
                self._driver = None
                self._version = None

    def __enter__(self) -> Neo4jStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Neo4jStore({self.url!r})"

    # -- transactions and query helpers ------------------------------------------------------------------------
    @property
    def _tx(self) -> Any:
        return getattr(self._local, "tx", None)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One explicit driver transaction for this thread; nested calls join it; an exception rolls back."""
        if self._tx is not None:
            yield
            return
        self.open()
        with _translate(self.uri):
            session = self.driver.session(database=self.database)
            tx = session.begin_transaction()
        self._local.tx = tx
        try:
            yield
        except BaseException:
            self._local.tx = None
            try:
                tx.rollback()
            finally:
                session.close()
            raise
        self._local.tx = None
        try:
            with _translate(self.uri):
                tx.commit()
        finally:
            session.close()

    # The statement and its parameters are positional-only (``/``): a Cypher parameter may have any name,
    # ``$query`` included, without colliding with these methods' own arguments.
    def _run(self, statement: str, write: bool, /, **params: Any) -> list[Any]:
        from neo4j import RoutingControl

        self.open()
        with _translate(self.uri):
            tx = self._tx
            if tx is not None:
                return list(tx.run(statement, params))
            routing = RoutingControl.WRITE if write else RoutingControl.READ
            records, _, _ = self.driver.execute_query(statement, params, database_=self.database, routing_=routing)
            return records

    def _read(self, statement: str, /, **params: Any) -> list[Any]:
        return self._run(statement, False, **params)

    def _write(self, statement: str, /, **params: Any) -> list[Any]:
        return self._run(statement, True, **params)

    def _stream(self, statement: str, /, **params: Any) -> Iterator[Any]:
        """Records of a read, fetched FETCH_SIZE at a time: a projection never holds the graph twice."""
        from neo4j import READ_ACCESS

        if self._tx is not None:
            yield from self._read(statement, **params)
            return
        self.open()
        with (
            _translate(self.uri),
            self.driver.session(
                database=self.database, default_access_mode=READ_ACCESS, fetch_size=self.fetch_size
            ) as session,
        ):
            yield from session.run(statement, params)

    # -- writes ------------------------------------------------------------------------------------------------
    def upsert_nodes(self, nodes: Iterable[Node], *, source: str) -> int:
        return self.write([Facts(source, nodes=list(nodes))])[0]

    def upsert_rels(self, rels: Iterable[Rel], *, source: str) -> int:
        return self.write([Facts(source, rels=list(rels))])[1]

    def write(self, facts: Sequence[Facts]) -> tuple[int, int]:
        return self.write_prepared(self.prepare_write(facts))

    def prepare_write(
        self, facts: Sequence[Facts], ledger: tuple[str, Mapping[str, str]] | None = None
    ) -> _PreparedWrite:
        """Validate and merge the facts into UNWIND rows per label and type, without touching the server."""
        nodes: dict[str, dict[str, Any]] = {}
        rels: dict[str, dict[str, Any]] = {}
        for fact in facts:
            for node in fact.nodes:
                label = check_label(node.label).value
                props = _props_for_write(f"node {node.id}", node.props)
                row = nodes.get(node.id)
                if row is None:
                    row = nodes[node.id] = {"id": node.id, "label": label, "props": {}, "sources": []}
                row["label"] = label
                row["props"].update(props)
                if fact.source not in row["sources"]:
                    row["sources"].append(fact.source)
            for rel in fact.rels:
                rtype = check_rel_type(rel.type).value
                props = _props_for_write(f"relationship {rel.type} {rel.start}->{rel.end}", rel.props)
                rid = rel.id
                rrow = rels.get(rid)
                if rrow is None:
                    rrow = rels[rid] = {"id": rid, "type": rtype, "start": rel.start, "end": rel.end, "props": {}}
                    rrow["sources"] = []
                rrow["props"].update(props)
                if fact.source not in rrow["sources"]:
                    rrow["sources"].append(fact.source)
        by_label: dict[str, list[dict[str, Any]]] = {}
        for row in nodes.values():
            label = row.pop("label")
            if label in _TEXT_LABEL_VALUES:
                text = row["props"].get("text")
                row["text_hash"] = text_hash(text) if isinstance(text, str) and text else None
            by_label.setdefault(label, []).append(row)
        by_type: dict[str, list[dict[str, Any]]] = {}
        for row in rels.values():
            by_type.setdefault(row.pop("type"), []).append(row)
        ends = sorted({r["start"] for r in rels.values()} | {r["end"] for r in rels.values()})
        led = (ledger[0], dict(ledger[1])) if ledger is not None and ledger[1] else None
        return _PreparedWrite(len(nodes), len(rels), by_label, by_type, ends, led)

    def write_prepared(self, prepared: _PreparedWrite) -> tuple[int, int]:
        by_label, by_type = prepared.by_label, prepared.by_type
        if not prepared.nodes and not prepared.rels and prepared.ledger is None:
            return (0, 0)
        self._ensure_schema()
        with self.transaction():
            if prepared.ledger is not None:
                self.record_ledger(*prepared.ledger)
            for label, rows in sorted(by_label.items()):
                template = cypher.UPSERT_TEXT_NODES if label in _TEXT_LABEL_VALUES else cypher.UPSERT_NODES
                query = fill(template, label=label)
                for part in _batches(rows):
                    self._write(query, rows=list(part))
            if prepared.rels:
                missing: list[str] = []
                for part in _batches(prepared.ends):
                    missing += [r["id"] for r in self._read(cypher.MISSING_NODES, ids=list(part))]
                if missing:
                    shown = ", ".join(sorted(missing)[:5])
                    raise StoreError(
                        f"cannot add relationships: {len(missing)} end node(s) do not exist ({shown}); "
                        "upsert nodes before the relationships that connect them"
                    )
                for rtype, rows in sorted(by_type.items()):
                    query = fill(cypher.UPSERT_RELS, rel_type=rtype)
                    for part in _batches(rows):
                        self._write(query, rows=list(part))
        return (prepared.nodes, prepared.rels)

    def retract_source(self, source: str) -> RetractStats:
        return self.retract_sources([source])

    def retract_sources(self, sources: Sequence[str]) -> RetractStats:
        """Take ``sources`` off every node and relationship; delete what no source holds any more.

        Cost: one pass over the relationships and the nodes per call (a list property has no index), so
        callers batch sources (a feed sweep retracts all its stale records in one call).
        """
        srcs = sorted(set(sources))
        if not srcs:
            return RetractStats()
        with self.transaction():
            rels_deleted = self._write(cypher.RETRACT_RELS, sources=srcs)[0]["deleted"]
            dead = [r["id"] for r in self._write(cypher.RETRACT_NODES, sources=srcs)]
            nodes_deleted = 0
            for part in _batches(dead):
                rels_deleted += self._write(cypher.DELETE_RELS_OF_NODES, ids=list(part))[0]["deleted"]
                nodes_deleted += self._write(cypher.DELETE_NODES, ids=list(part))[0]["deleted"]
            pending_deleted = 0
            for part in _batches(srcs):
                pending_deleted += self._write(cypher.DELETE_PENDING_OF_SOURCES, sources=list(part))[0]["deleted"]
        return RetractStats(nodes_deleted, rels_deleted, pending_deleted)

    def add_pending(self, pending: Iterable[PendingRel]) -> int:
        rows: dict[str, dict[str, Any]] = {}
        for p in pending:
            rel = {"type": p.rel.type, "start": p.rel.start, "end": p.rel.end, "props": dict(p.rel.props)}
            rel["key"] = p.rel.key
            rows[p.id] = {"id": p.id, "source": p.source, "side": p.side, "ref": p.ref, "rel": _dumps(rel)}
        if rows:
            with self.transaction():
                for part in _batches(list(rows.values())):
                    self._write(cypher.ADD_PENDING, rows=list(part))
        return len(rows)

    def pending(self) -> list[PendingRel]:
        out = []
        for r in sorted(self._read(cypher.LIST_PENDING), key=lambda r: r["id"]):
            rel = json.loads(r["rel"])
            out.append(
                PendingRel(
                    r["source"],
                    r["side"],
                    r["ref"],
                    Rel(rel["type"], rel["start"], rel["end"], rel["props"], rel["key"]),
                )
            )
        return out

    def delete_pending(self, ids: Iterable[str]) -> int:
        id_list = list(dict.fromkeys(ids))
        if not id_list:
            return 0
        with self.transaction():
            for part in _batches(id_list):
                self._write(cypher.DELETE_PENDING, ids=list(part))
        return len(id_list)

    # -- ledger, feeds -----------------------------------------------------------------------------------------
    def ledger(self, feed: str) -> dict[str, str]:
        return {r["source"]: r["hash"] for r in self._read(cypher.LEDGER_OF_FEED, feed=feed)}

    def ledger_lookup(self, sources: Sequence[str]) -> dict[str, str]:
        out: dict[str, str] = {}
        for part in _batches(list(dict.fromkeys(sources))):
            out.update({r["source"]: r["hash"] for r in self._read(cypher.LEDGER_LOOKUP, sources=list(part))})
        return out

    def record_ledger(self, feed: str, entries: Mapping[str, str]) -> None:
        rows = [{"source": s, "hash": h} for s, h in entries.items()]
        if rows:
            with self.transaction():
                for part in _batches(rows):
                    self._write(cypher.RECORD_LEDGER, rows=list(part), feed=feed)

    def forget_ledger(self, sources: Iterable[str]) -> None:
        srcs = list(dict.fromkeys(sources))
        if srcs:
            with self.transaction():
                for part in _batches(srcs):
                    self._write(cypher.FORGET_LEDGER, sources=list(part))

    def feed_state(self, feed: str) -> str | None:
        records = self._read(cypher.FEED_STATE, feed=feed)
        return records[0]["file_hash"] if records else None

    def set_feed_state(self, feed: str, file_hash: str) -> None:
        self._write(cypher.SET_FEED_STATE, feed=feed, file_hash=file_hash)

    # -- reads -------------------------------------------------------------------------------------------------
    @staticmethod
    def _node(record: Any) -> StoredNode:
        props = record["props"]
        return StoredNode(record["id"], _product_label(record["labels"]), _user_props(props), _sources(props))

    @staticmethod
    def _rel(record: Any) -> StoredRel:
        props = record["props"]
        return StoredRel(
            record["id"], record["type"], record["start"], record["end"], _user_props(props), _sources(props)
        )

    def get_node(self, node_id: str) -> NodeView | None:
        records = self._read(cypher.GET_NODE_VIEW, id=node_id)
        if not records:
            return None
        out = tuple(sorted((self._rel(r) for r in records[0]["outgoing"]), key=lambda r: (r.type, r.end, r.id)))
        inc = tuple(sorted((self._rel(r) for r in records[0]["incoming"]), key=lambda r: (r.type, r.start, r.id)))
        return NodeView(self._node(records[0]), out, inc)

    def get_nodes(self, node_ids: Sequence[str]) -> dict[str, StoredNode]:
        out: dict[str, StoredNode] = {}
        for part in _batches(list(dict.fromkeys(node_ids))):
            for r in self._read(cypher.GET_NODES, ids=list(part)):
                out[r["id"]] = self._node(r)
        return out

    def iter_nodes(self, label: str | None = None) -> Iterator[StoredNode]:
        """All nodes (of one label) in id order, streamed; sources included (migrate needs them)."""
        query = cypher.ITER_NODES if label is None else fill(cypher.ITER_NODES_OF_LABEL, label=label)
        for record in self._stream(query):
            yield self._node(record)

    def iter_rels(self, rel_type: str | None = None) -> Iterator[StoredRel]:
        query = cypher.ITER_RELS if rel_type is None else fill(cypher.ITER_RELS_OF_TYPE, rel_type=rel_type)
        for record in self._stream(query):
            yield self._rel(record)

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for label in Label:
            out[label.value] = self._read(fill(cypher.COUNT_LABEL, label=label.value))[0]["count"]
        for rtype in RelType:
            out[rtype.value] = self._read(fill(cypher.COUNT_REL_TYPE, rel_type=rtype.value))[0]["count"]
        out["pending"] = self._read(cypher.COUNT_PENDING)[0]["count"]
        return out

    def content_hash(self) -> str:
        """A digest of every node, relationship (with sources) and pending relationship, in id order."""
        h = hashlib.blake2b(digest_size=20)
        for n in self.iter_nodes():
            h.update(_dumps([n.id, n.label, n.props, n.sources]).encode())
        for r in self.iter_rels():
            h.update(_dumps([r.id, r.type, r.start, r.end, r.props, r.sources]).encode())
        for p in self.pending():
            h.update(_dumps([p.id, p.source, p.side, p.ref, p.rel.type, p.rel.start, p.rel.end, p.rel.props]).encode())
        return h.hexdigest()

    # -- search ------------------------------------------------------------------------------------------------
    @staticmethod
    def _text_labels(labels: Sequence[str] | None) -> list[str]:
        return check_text_labels(labels)

    def _require(self, kind: type) -> None:
        if kind not in self.capabilities():
            raise Neo4jIndexMissingError(f"{self.url}: {self.missing_capability(kind)}")

    def search_text(self, query: str, *, labels: Sequence[str] | None = None, limit: int = 50) -> list[Hit]:
        label_values = self._text_labels(labels)
        lucene = lucene_query(query)
        if lucene is None:
            return []
        self._require(FullTextSearch)
        records = self._read(cypher.SEARCH_FULLTEXT, query=lucene, labels=label_values, limit=int(limit))
        return [Hit(r["id"], _product_label(r["labels"]), float(r["score"])) for r in records]

    def texts_to_embed(self, model: str, *, labels: Sequence[str] | None = None) -> Iterator[TextToEmbed]:
        """Nodes whose current text has no vector for ``model``; vectors cached for the same text are attached
        here without re-embedding. On Neo4j a node holds one model's vector (the active model's)."""
        rows: list[TextToEmbed] = []
        for label in self._text_labels(labels):
            for r in self._read(fill(cypher.TEXTS_TO_EMBED, label=label), model=model):
                rows.append(TextToEmbed(r["id"], label, r["text"], r["text_hash"]))
        rows.sort(key=lambda t: t.id)
        cached = self.cached_vectors(model, [t.text_hash for t in rows]) if rows else {}
        if cached:
            self.set_vectors(model, [(t.id, t.text_hash, cached[t.text_hash]) for t in rows if t.text_hash in cached])
        for t in rows:
            if t.text_hash not in cached:
                yield t

    def cached_vectors(self, model: str, text_hashes: Sequence[str]) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {}
        keys = [f"{model}\x1f{th}" for th in dict.fromkeys(text_hashes)]
        for part in _batches(keys):
            for r in self._read(cypher.CACHED_VECTORS, ids=list(part)):
                out[r["text_hash"]] = np.asarray(r["vector"], dtype=np.float32)
        return out

    def set_vectors(self, model: str, items: Iterable[tuple[str, str, np.ndarray]]) -> int:
        rows = []
        for node_id, th, vec in items:
            arr = np.asarray(vec, dtype=np.float32)
            if arr.ndim != 1 or not np.all(np.isfinite(arr)):
                raise StoreError(f"vector for {node_id} must be a finite 1-D float array, got shape {arr.shape}")
            if arr.shape[0] != self.vector_dimensions and "vector" in self._server_features():
                raise StoreError(
                    f"vector for {node_id} has {arr.shape[0]} dimensions; the vector indexes on {self.url} take "
                    f"{self.vector_dimensions} (set vector_dimensions for model {model})"
                )
            vector = [float(x) for x in arr]
            rows.append({"id": node_id, "text_hash": th, "vector": vector, "cache_id": f"{model}\x1f{th}"})
        if rows:
            with self.transaction():
                for part in _batches(rows):
                    self._write(cypher.SET_NODE_VECTORS, rows=list(part), model=model)
                    self._write(cypher.CACHE_VECTORS, rows=list(part), model=model)
        return len(rows)

    def search_vector(
        self, model: str, vector: np.ndarray, *, labels: Sequence[str] | None = None, limit: int = 50
    ) -> list[Hit]:
        """Approximate (HNSW) cosine search per label's index, merged by score. Scores are cosine similarities
        (Neo4j's normalised (1 + cos) / 2 is mapped back) so they compare with the embedded store's."""
        label_values = self._text_labels(labels)
        self._require(VectorSearch)
        q = np.asarray(vector, dtype=np.float32).ravel()
        if q.shape[0] != self.vector_dimensions:
            raise StoreError(
                f"query vector has {q.shape[0]} dimensions; the vector indexes on {self.url} take "
                f"{self.vector_dimensions}"
            )
        params = {"vector": [float(x) for x in q], "k": int(limit) * 2 + 10, "model": model}
        hits: list[Hit] = []
        for label in label_values:
            name = vector_index_name(label)
            if self.uses_search_clause:
                records = self._read(fill(cypher.SEARCH_VECTOR_CLAUSE, label=label, name=name), **params)
            else:
                records = self._read(cypher.SEARCH_VECTOR_PROCEDURE, index=name, **params)
            hits += [Hit(r["id"], label, 2.0 * float(r["score"]) - 1.0) for r in records]
        hits.sort(key=lambda h: (-h.score, h.id))
        return hits[:limit]

    # -- runs --------------------------------------------------------------------------------------------------
    def record_run(self, run: Mapping[str, Any]) -> None:
        self._write(cypher.RECORD_RUN, run_id=str(run["run_id"]), started=str(run["started"]), report=_dumps(run))

    def runs(self, limit: int = 20) -> list[dict[str, Any]]:
        return [json.loads(r["report"]) for r in self._read(cypher.LIST_RUNS, limit=int(limit))]

    # -- Graph Data Science (optional plugin) ------------------------------------------------------------------
    def gds_version(self) -> str | None:
        """The Graph Data Science library's version on the server, or None where it is not installed."""
        from neo4j import exceptions as nx

        try:
            records = self._read(cypher.GDS_VERSION)
        except StoreError as exc:
            if isinstance(exc.__cause__, nx.ClientError):  # ProcedureNotFound: no GDS on this server
                return None
            raise
        return str(records[0]["version"]) if records else None

    def gds_measures(
        self, ties: Sequence[tuple[str, str, float]], people: Sequence[str], *, graph: str
    ) -> tuple[dict[str, float], dict[str, float], dict[str, int]]:
        """Betweenness, PageRank and Louvain communities of the person graph given as ``ties`` (each once,
        undirected) and ``people`` (everyone, tied or not), computed in the server by GDS. The projection named
        ``graph`` lives only for this call. Returns ({id: betweenness}, {id: pagerank}, {id: community}), in the
        scales GDS gives them (graph/analytics/server.py maps them to the Python path's)."""
        tied = {p for t in ties for p in t[:2]}
        rows: list[dict[str, Any]] = [{"source": a, "target": b, "weight": float(w)} for a, b, w in ties]
        rows += [{"source": p, "target": None, "weight": None} for p in people if p not in tied]
        self._write(cypher.GDS_PROJECT_TIES, ties=rows, graph=graph)
        try:
            between = {r["id"]: float(r["score"]) for r in self._read(cypher.GDS_BETWEENNESS, graph=graph)}
            rank = {r["id"]: float(r["score"]) for r in self._read(cypher.GDS_PAGERANK, graph=graph)}
            community = {r["id"]: int(r["community"]) for r in self._read(cypher.GDS_LOUVAIN, graph=graph)}
        finally:
            self._write(cypher.GDS_DROP, graph=graph)
        return between, rank, community

    # -- maintenance -------------------------------------------------------------------------------------------
    def drop_search_indexes(self) -> None:
        """Drop the full-text and vector indexes (to recreate them with other vector dimensions)."""
        for name in [cypher.FULLTEXT_INDEX, *(vector_index_name(t.value) for t in TEXT_LABELS)]:
            self._write(fill(cypher.DROP_INDEX, name=name))
        self._features = None

    def clear(self) -> int:
        """Delete everything WhoKnows wrote in this database (nodes of product and internal labels), in batches.
        Indexes and constraints stay. For tests and ``migrate --replace``; irreversible."""
        total = 0
        while True:
            deleted = self._write(cypher.CLEAR_BATCH, batch=10_000)[0]["deleted"]
            total += deleted
            if deleted == 0:
                return total


def from_url(url: str) -> Neo4jStore:
    """A store for ``neo4j://``, ``neo4j+s://``, ``bolt://`` or ``bolt+s://`` URLs (``+ssc`` too).

    ``neo4j://user:password@host:7687/database?vector_dimensions=384``: user, password and database are
    optional and default to NEO4J_USERNAME, NEO4J_PASSWORD and NEO4J_DATABASE (else the server's default
    database); ``vector_dimensions`` to NEO4J_VECTOR_DIMENSIONS, else 384 (all-MiniLM-L6-v2). Nothing connects.
    """
    parts = urlsplit(url)
    schemes = ("neo4j", "neo4j+s", "neo4j+ssc", "bolt", "bolt+s", "bolt+ssc")
    if parts.scheme not in schemes:
        raise ConfigError(f"not a Neo4j URL: {url!r}; expected a scheme among {', '.join(schemes)}")
    if not parts.hostname:
        raise ConfigError(f"Neo4j URL {url!r} has no host; expected e.g. neo4j://localhost:7687")
    user = unquote(parts.username) if parts.username else os.environ.get("NEO4J_USERNAME", "neo4j")
    password = unquote(parts.password) if parts.password else os.environ.get("NEO4J_PASSWORD")
    database = unquote(parts.path.strip("/")) or os.environ.get("NEO4J_DATABASE") or None
    query = parse_qs(parts.query)
    unknown = set(query) - {"vector_dimensions"}
    if unknown:
        raise ConfigError(f"unknown Neo4j URL option(s) {sorted(unknown)}; expected vector_dimensions")
    dims_text = query.get("vector_dimensions", [os.environ.get("NEO4J_VECTOR_DIMENSIONS", "")])[0]
    try:
        dims = int(dims_text) if dims_text else DEFAULT_VECTOR_DIMENSIONS
    except ValueError:
        raise ConfigError(f"vector_dimensions must be an integer, got {dims_text!r}") from None
    netloc = parts.hostname if parts.port is None else f"{parts.hostname}:{parts.port}"
    if ":" in parts.hostname:  # IPv6 literal
        netloc = f"[{parts.hostname}]" + ("" if parts.port is None else f":{parts.port}")
    uri = urlunsplit((parts.scheme, netloc, "", "", ""))
    return Neo4jStore(uri, user=user, password=password, database=database, vector_dimensions=dims)


#: Statements the store only runs on servers whose default language is Cypher 5 (see Neo4jStore.uses_search_clause).
CYPHER5_ONLY = frozenset({"SEARCH_VECTOR_PROCEDURE"})


def statements(vector_dimensions: int = DEFAULT_VECTOR_DIMENSIONS) -> list[tuple[str, str]]:
    """Every statement the store can send, as ``(constant name[label or type], text)``: each constant of
    :mod:`graph.cypher`, templates filled for every label or type the store fills them with. The Cypher lint
    (tests/test_neo4j_cypher_lint.py) checks exactly this list."""
    product = [label.value for label in Label]
    text = [label.value for label in TEXT_LABELS]
    types = [t.value for t in RelType]
    out: list[tuple[str, str]] = []
    for name in dir(cypher):
        value = getattr(cypher, name)
        if not name.isupper() or not isinstance(value, str) or name in _NAME_CONSTANTS:
            continue
        if not _TEMPLATE_FIELD_RE.search(value):
            out.append((name, value))
        elif name == "CREATE_NODE_ID_CONSTRAINT":
            for label in [*product, *cypher.INTERNAL_LABELS]:
                out.append((f"{name}[{label}]", fill(value, name=constraint_name(label), label=label)))
        elif name == "CREATE_REL_ID_CONSTRAINT":
            out += [(f"{name}[{t}]", fill(value, name=constraint_name(t), rel_type=t)) for t in types]
        elif name == "CREATE_FULLTEXT_INDEX":
            out.append((name, fill(value, labels=text)))
        elif name == "CREATE_VECTOR_INDEX":
            for label in text:
                query = fill(value, name=vector_index_name(label), label=label, dimensions=vector_dimensions)
                out.append((f"{name}[{label}]", query))
        elif name == "SEARCH_VECTOR_CLAUSE":
            out += [(f"{name}[{lab}]", fill(value, label=lab, name=vector_index_name(lab))) for lab in text]
        elif name == "DROP_INDEX":
            for index in [cypher.FULLTEXT_INDEX, *(vector_index_name(lab) for lab in text)]:
                out.append((f"{name}[{index}]", fill(value, name=index)))
        elif name in ("UPSERT_TEXT_NODES", "TEXTS_TO_EMBED"):
            out += [(f"{name}[{lab}]", fill(value, label=lab)) for lab in text]
        elif name == "UPSERT_NODES":  # text-bearing labels are written by UPSERT_TEXT_NODES
            out += [(f"{name}[{lab}]", fill(value, label=lab)) for lab in product if lab not in text]
        elif "{label}" in value:
            out += [(f"{name}[{lab}]", fill(value, label=lab)) for lab in product]
        elif "{rel_type}" in value:
            out += [(f"{name}[{t}]", fill(value, rel_type=t)) for t in types]
        else:  # pragma: no cover - a new template needs a branch here
            raise SchemaError(f"graph.cypher.{name} is a template statements() does not know how to fill")
    return out


_TEMPLATE_FIELD_RE = re.compile(r"\{(label|rel_type|labels|name|dimensions)\}")
_NAME_CONSTANTS = frozenset(
    {"NODE", "LEDGER", "FEED", "PENDING", "RUN", "VECTOR_CACHE", "FULLTEXT_INDEX", "VECTOR_INDEX_PREFIX"}
)
