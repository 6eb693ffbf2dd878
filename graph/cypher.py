"""Every Cypher statement the Neo4j backend runs, as named constants (and nothing else).

Why one module: the statements are the backend's contract with the server, so they are reviewed, linted and
versioned together. tests/test_neo4j_cypher_lint.py exports every constant below (templates instantiated for
every label and type) and checks it with Neo4j's own Cypher front end (``@neo4j-cypher/language-support``);
syntax errors, undefined variables, unknown procedures and deprecations fail the build.

Rules the statements follow:

- every value is a parameter (``$rows``, ``$id``, ...); nothing from input is ever spliced into the text;
- labels, relationship types, index names and the vector dimension cannot be parameters in Cypher, so a few
  constants are *templates* with ``{label}``, ``{rel_type}``, ``{name}`` or ``{dimensions}`` fields. They are
  filled only by :func:`graph.neo4j_store.fill` from :mod:`graph.schema` enum members (validated with
  ``check_label`` / ``check_rel_type``), internal labels defined here, and integers;
- writes are batched with ``UNWIND $rows`` (the store sends about 1,000 rows per statement);
- ``MERGE`` only on ``id``, which has a uniqueness constraint for every label and relationship type.

Internal labels (underscore-prefixed, never part of the product's graph; see docs/neo4j.md):

- ``_Node``: added to every product node, its ``id`` unique across labels, so a relationship end or a profile
  is found by id without knowing its label;
- ``_Ledger`` {id: source, feed, hash}: what each ingested record looked like last time;
- ``_Feed`` {id: feed, file_hash}: the file-level hash of a feed's last complete ingest;
- ``_Pending`` {id, source, side, ref, rel (JSON)}: relationships whose person end did not resolve yet;
- ``_Run`` {id: run_id, started, report (JSON)}: ingest reports;
- ``_VectorCache`` {id: model + U+001F + text_hash, model, text_hash, vector}: vectors by text hash.

Internal properties on product nodes and relationships: ``_sources`` (provenance list), and on text-bearing
nodes ``_text_hash``, ``_vector`` (indexed by the vector index), ``_vector_model``, ``_vector_hash``.
"""

from __future__ import annotations

NODE = "_Node"
LEDGER = "_Ledger"
FEED = "_Feed"
PENDING = "_Pending"
RUN = "_Run"
VECTOR_CACHE = "_VectorCache"
INTERNAL_LABELS: tuple[str, ...] = (NODE, LEDGER, FEED, PENDING, RUN, VECTOR_CACHE)

FULLTEXT_INDEX = "wk_text"
VECTOR_INDEX_PREFIX = "wk_vector_"  # one vector index per text-bearing label: wk_vector_chunk, ...

# -- server and schema ------------------------------------------------------------------------------------------
SERVER_COMPONENTS = "CALL dbms.components() YIELD name, versions, edition RETURN name, versions, edition"

#: Template: {name}, {label}. Run for every product label and every internal label.
CREATE_NODE_ID_CONSTRAINT = "CREATE CONSTRAINT {name} IF NOT EXISTS FOR (n:{label}) REQUIRE n.id IS UNIQUE"

#: Template: {name}, {rel_type}. Relationship key constraints need Neo4j 5.7+.
CREATE_REL_ID_CONSTRAINT = "CREATE CONSTRAINT {name} IF NOT EXISTS FOR ()-[r:{rel_type}]-() REQUIRE r.id IS UNIQUE"

CREATE_LEDGER_FEED_INDEX = "CREATE INDEX wk_ledger_feed IF NOT EXISTS FOR (n:_Ledger) ON (n.feed)"
CREATE_PENDING_SOURCE_INDEX = "CREATE INDEX wk_pending_source IF NOT EXISTS FOR (n:_Pending) ON (n.source)"
CREATE_RUN_STARTED_INDEX = "CREATE INDEX wk_run_started IF NOT EXISTS FOR (n:_Run) ON (n.started)"

#: Template: {labels} (the text-bearing labels joined with ``|``). English analyzer: stemming, like SQLite's porter.
CREATE_FULLTEXT_INDEX = (
    "CREATE FULLTEXT INDEX wk_text IF NOT EXISTS FOR (n:{labels}) ON EACH [n.text] "
    "OPTIONS {{indexConfig: {{`fulltext.analyzer`: 'english'}}}}"
)

#: Template: {name}, {label}, {dimensions} (an int). Cosine, like the embedded store's exact search.
CREATE_VECTOR_INDEX = (
    "CREATE VECTOR INDEX {name} IF NOT EXISTS FOR (n:{label}) ON n._vector "
    "OPTIONS {{indexConfig: {{`vector.dimensions`: {dimensions}, `vector.similarity_function`: 'cosine'}}}}"
)

SHOW_SEARCH_INDEXES = (
    "SHOW INDEXES YIELD name, type, state, options "
    "WHERE name STARTS WITH 'wk_' AND type IN ['FULLTEXT', 'VECTOR'] "
    "RETURN name, type, state, options"
)

#: Template: {name}.
DROP_INDEX = "DROP INDEX {name} IF EXISTS"

#: The store's uniqueness constraints that exist: writes refuse to run before setup_schema created them all.
SHOW_ID_CONSTRAINTS = "SHOW CONSTRAINTS YIELD name WHERE name STARTS WITH 'wk_' AND name ENDS WITH '_id' RETURN name"

AWAIT_INDEXES = "CALL db.awaitIndexes($timeout_s)"

# -- writes -----------------------------------------------------------------------------------------------------
#: Template: {label}. Rows: {id, props, sources}. Both labels at creation: a node is never re-labelled (ArcadeDB
#: cannot add a label to a node under a uniqueness constraint, and Neo4j need not rewrite the node).
#: ``SET n += props`` replaces given keys, null removes a key.
UPSERT_NODES = (
    "UNWIND $rows AS row "
    "MERGE (n:{label}:_Node {{id: row.id}}) "
    "SET n += row.props "
    "SET n._sources = coalesce(n._sources, []) + [s IN row.sources WHERE NOT s IN coalesce(n._sources, [])] "
    "RETURN count(n) AS written"
)

#: Template: {label} (text-bearing). Rows also carry text_hash; a vector whose text changed is dropped.
UPSERT_TEXT_NODES = (
    "UNWIND $rows AS row "
    "MERGE (n:{label}:_Node {{id: row.id}}) "
    "SET n += row.props "
    "SET n._sources = coalesce(n._sources, []) + [s IN row.sources WHERE NOT s IN coalesce(n._sources, [])] "
    "SET n._text_hash = coalesce(row.text_hash, n._text_hash) "
    "SET n._vector = CASE WHEN n._vector_hash = n._text_hash THEN n._vector ELSE null END "
    "RETURN count(n) AS written"
)

MISSING_NODES = "UNWIND $ids AS id OPTIONAL MATCH (n:_Node {id: id}) WITH id, n WHERE n IS NULL RETURN id"

#: Template: {rel_type}. Rows: {id, start, end, props, sources}. Ends are checked first (MISSING_NODES).
UPSERT_RELS = (
    "UNWIND $rows AS row "
    "MATCH (a:_Node {{id: row.start}}) "
    "MATCH (b:_Node {{id: row.end}}) "
    "MERGE (a)-[r:{rel_type} {{id: row.id}}]->(b) "
    "SET r += row.props "
    "SET r._sources = coalesce(r._sources, []) + [s IN row.sources WHERE NOT s IN coalesce(r._sources, [])] "
    "RETURN count(r) AS written"
)

#: Retraction, step 1: take the sources off relationships; delete those no source holds any more.
RETRACT_RELS = (
    "MATCH ()-[r]->() WHERE any(s IN r._sources WHERE s IN $sources) "
    "SET r._sources = [s IN r._sources WHERE NOT s IN $sources] "
    "WITH r WHERE size(r._sources) = 0 "
    "DELETE r "
    "RETURN count(*) AS deleted"
)

#: Step 2: take the sources off nodes; return the ids of nodes no source holds any more.
RETRACT_NODES = (
    "MATCH (n:_Node) WHERE any(s IN n._sources WHERE s IN $sources) "
    "SET n._sources = [s IN n._sources WHERE NOT s IN $sources] "
    "WITH n WHERE size(n._sources) = 0 "
    "RETURN n.id AS id"
)

#: Step 3: the relationships of those nodes go with them (what DETACH DELETE does; counted first).
DELETE_RELS_OF_NODES = (
    "UNWIND $ids AS id MATCH (n:_Node {id: id})-[r]-() WITH DISTINCT r DELETE r RETURN count(r) AS deleted"
)

#: Step 4.
DELETE_NODES = "UNWIND $ids AS id MATCH (n:_Node {id: id}) DETACH DELETE n RETURN count(*) AS deleted"

DELETE_PENDING_OF_SOURCES = "UNWIND $sources AS s MATCH (p:_Pending {source: s}) DELETE p RETURN count(*) AS deleted"

ADD_PENDING = (
    "UNWIND $rows AS row "
    "MERGE (p:_Pending {id: row.id}) "
    "SET p.source = row.source, p.side = row.side, p.ref = row.ref, p.rel = row.rel "
    "RETURN count(p) AS written"
)
LIST_PENDING = "MATCH (p:_Pending) RETURN p.id AS id, p.source AS source, p.side AS side, p.ref AS ref, p.rel AS rel"
DELETE_PENDING = "UNWIND $ids AS id MATCH (p:_Pending {id: id}) DELETE p RETURN count(*) AS deleted"

# -- ledger, feeds, runs ----------------------------------------------------------------------------------------
LEDGER_OF_FEED = "MATCH (l:_Ledger {feed: $feed}) RETURN l.id AS source, l.hash AS hash"
LEDGER_LOOKUP = "UNWIND $sources AS s MATCH (l:_Ledger {id: s}) RETURN l.id AS source, l.hash AS hash"
RECORD_LEDGER = "UNWIND $rows AS row MERGE (l:_Ledger {id: row.source}) SET l.feed = $feed, l.hash = row.hash"
FORGET_LEDGER = "UNWIND $sources AS s MATCH (l:_Ledger {id: s}) DELETE l"
FEED_STATE = "MATCH (f:_Feed {id: $feed}) RETURN f.file_hash AS file_hash"
SET_FEED_STATE = "MERGE (f:_Feed {id: $feed}) SET f.file_hash = $file_hash"
RECORD_RUN = "MERGE (r:_Run {id: $run_id}) SET r.started = $started, r.report = $report"
LIST_RUNS = "MATCH (r:_Run) RETURN r.report AS report ORDER BY r.started DESC, r.id DESC LIMIT $limit"

# -- reads ------------------------------------------------------------------------------------------------------
#: A node and all its relationships in one round trip (collect skips the nulls of a node without any).
GET_NODE_VIEW = (
    "MATCH (n:_Node {id: $id}) "
    "OPTIONAL MATCH (n)-[o]->(m:_Node) "
    "WITH n, collect(CASE WHEN o IS NULL THEN null ELSE "
    "{id: o.id, type: type(o), start: n.id, end: m.id, props: properties(o)} END) AS outgoing "
    "OPTIONAL MATCH (n)<-[i]-(p:_Node) "
    "RETURN n.id AS id, labels(n) AS labels, properties(n) AS props, outgoing, "
    "collect(CASE WHEN i IS NULL THEN null ELSE "
    "{id: i.id, type: type(i), start: p.id, end: n.id, props: properties(i)} END) AS incoming"
)
GET_NODES = "UNWIND $ids AS id MATCH (n:_Node {id: id}) RETURN n.id AS id, labels(n) AS labels, properties(n) AS props"

#: The projection path: streamed in id order (fetch_size batches), sources included for content_hash/migrate.
ITER_NODES = "MATCH (n:_Node) RETURN n.id AS id, labels(n) AS labels, properties(n) AS props ORDER BY n.id"
#: Template: {label}.
ITER_NODES_OF_LABEL = "MATCH (n:{label}) RETURN n.id AS id, labels(n) AS labels, properties(n) AS props ORDER BY n.id"
ITER_RELS = (
    "MATCH (a:_Node)-[r]->(b:_Node) "
    "RETURN r.id AS id, type(r) AS type, a.id AS start, b.id AS end, properties(r) AS props ORDER BY r.id"
)
#: Template: {rel_type}.
ITER_RELS_OF_TYPE = (
    "MATCH (a:_Node)-[r:{rel_type}]->(b:_Node) "
    "RETURN r.id AS id, type(r) AS type, a.id AS start, b.id AS end, properties(r) AS props ORDER BY r.id"
)

#: Template: {label}. Counts come from the label's count store: no scan.
COUNT_LABEL = "MATCH (n:{label}) RETURN count(n) AS count"
#: Template: {rel_type}.
COUNT_REL_TYPE = "MATCH ()-[r:{rel_type}]->() RETURN count(r) AS count"
COUNT_PENDING = "MATCH (p:_Pending) RETURN count(p) AS count"

# -- search -----------------------------------------------------------------------------------------------------
#: Lexical: BM25 over the ``text`` of text-bearing nodes. $query is built by the store (every word quoted).
SEARCH_FULLTEXT = (
    "CALL db.index.fulltext.queryNodes('wk_text', $query) YIELD node, score "
    "WHERE any(l IN labels(node) WHERE l IN $labels) "
    "RETURN node.id AS id, labels(node) AS labels, score "
    "LIMIT $limit"
)

#: Vector search by procedure (Neo4j 5.11 up to 2025.x; deprecated in Cypher 25 from 2026.04, see below).
#: $index is one label's vector index; only vectors of $model computed for the node's current text count.
SEARCH_VECTOR_PROCEDURE = (
    "CALL db.index.vector.queryNodes($index, $k, $vector) YIELD node, score "
    "WHERE node._vector_model = $model AND node._vector_hash = node._text_hash "
    "RETURN node.id AS id, score"
)

#: Vector search with the SEARCH clause (Cypher 25, Neo4j 2026.01+). Template: {label}, {name} (its index).
SEARCH_VECTOR_CLAUSE = (
    "CYPHER 25 "
    "MATCH (node:{label}) "
    "SEARCH node IN (VECTOR INDEX {name} FOR $vector LIMIT $k) SCORE AS score "
    "WITH node, score WHERE node._vector_model = $model AND node._vector_hash = node._text_hash "
    "RETURN node.id AS id, score"
)

#: Template: {label} (text-bearing): nodes whose current text has no vector for $model.
TEXTS_TO_EMBED = (
    "MATCH (n:{label}) WHERE n._text_hash IS NOT NULL "
    "AND (n._vector_model IS NULL OR n._vector_model <> $model OR n._vector_hash IS NULL "
    "OR n._vector_hash <> n._text_hash) "
    "RETURN n.id AS id, n.text AS text, n._text_hash AS text_hash ORDER BY n.id"
)
CACHED_VECTORS = "UNWIND $ids AS id MATCH (c:_VectorCache {id: id}) RETURN c.text_hash AS text_hash, c.vector AS vector"
SET_NODE_VECTORS = (
    "UNWIND $rows AS row MATCH (n:_Node {id: row.id}) "
    "SET n._vector = row.vector, n._vector_model = $model, n._vector_hash = row.text_hash "
    "RETURN count(n) AS written"
)
CACHE_VECTORS = (
    "UNWIND $rows AS row MERGE (c:_VectorCache {id: row.cache_id}) "
    "ON CREATE SET c.model = $model, c.text_hash = row.text_hash, c.vector = row.vector"
)

# -- maintenance ------------------------------------------------------------------------------------------------
#: Empties the database of everything WhoKnows wrote (product and internal labels). Tests and migrate --replace.
CLEAR_BATCH = (
    "MATCH (n) WHERE n:_Node OR n:_Ledger OR n:_Feed OR n:_Pending OR n:_Run OR n:_VectorCache "
    "WITH n LIMIT $batch DETACH DELETE n RETURN count(*) AS deleted"
)

# -- Graph Data Science (an optional server plugin): network measures in the server -------------------------------
#: The GDS library's version; the procedure is unknown (a ClientError) where GDS is not installed.
GDS_VERSION = "CALL gds.version() YIELD gdsVersion RETURN gdsVersion AS version"

#: The person graph WhoKnows analyses (graph/analytics/projection.py builds it from the store), projected into
#: GDS's in-memory catalogue under the name $graph: one row per tie {source, target, weight}, undirected, and
#: one row {source, target: null} per person without ties (so they are counted, as the Python path counts them).
GDS_PROJECT_TIES = (
    "UNWIND $ties AS tie "
    "MATCH (a:_Node {id: tie.source}) "
    "OPTIONAL MATCH (b:_Node {id: tie.target}) "
    "WITH gds.graph.project($graph, a, b, {relationshipProperties: {weight: coalesce(tie.weight, 1.0)}}, "
    "{undirectedRelationshipTypes: ['*']}) AS g "
    "RETURN g.graphName AS graph, g.nodeCount AS nodes, g.relationshipCount AS ties"
)

#: Brandes betweenness (unweighted, exact), as the Python path computes it below its sampling threshold.
GDS_BETWEENNESS = (
    "CALL gds.betweenness.stream($graph) YIELD nodeId, score RETURN gds.util.asNode(nodeId).id AS id, score"
)

#: PageRank over tie strength (damping 0.85, as networkx's default).
GDS_PAGERANK = (
    "CALL gds.pageRank.stream($graph, {relationshipWeightProperty: 'weight', dampingFactor: 0.85}) "
    "YIELD nodeId, score RETURN gds.util.asNode(nodeId).id AS id, score"
)

#: Louvain communities over tie strength.
GDS_LOUVAIN = (
    "CALL gds.louvain.stream($graph, {relationshipWeightProperty: 'weight'}) "
    "YIELD nodeId, communityId RETURN gds.util.asNode(nodeId).id AS id, communityId AS community"
)

#: The projection is dropped after use (no error if it is already gone).
GDS_DROP = "CALL gds.graph.drop($graph, false) YIELD graphName RETURN graphName AS graph"
