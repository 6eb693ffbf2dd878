"""Search: embeddings, lexical + vector retrieval, expert ranking with evidence, document search."""
