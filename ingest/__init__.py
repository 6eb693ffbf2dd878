"""Ingestion: readers turn exports (files) into typed records; the pipeline writes them into the graph store."""
