"""The graph: one store protocol, an embedded SQLite backend, a Neo4j backend, and network analytics."""
