"""The product's one root exception and its narrow subclasses.

Callers catch :class:`WhoKnowsError` to handle anything the product raises on purpose; the subclasses let
them tell a bad store URL from a bad input file from a missing model without parsing messages. Messages say
what would have been valid, because the person reading them is usually fixing an export or a command line.
"""

from __future__ import annotations


class WhoKnowsError(Exception):
    """Root of every error WhoKnows raises on purpose."""


class ConfigError(WhoKnowsError):
    """A setting, URL or command-line value is not one the product accepts."""


class StoreError(WhoKnowsError):
    """The graph store cannot do what was asked (locked, corrupt, unreachable, wrong schema)."""


class StoreUnavailableError(StoreError):
    """The store cannot be reached or opened (missing file, unreachable server, bad credentials)."""


class SchemaError(StoreError):
    """A label, relationship type or property is not part of the product's graph schema."""


class NotFoundError(WhoKnowsError):
    """A node, person, document or run that was asked for does not exist."""


class IngestError(WhoKnowsError):
    """An input cannot be ingested at all (unknown format, unreadable path).

    Record-level problems are not raised: they become rejections in the ingest report so good records land.
    """


class ModelError(WhoKnowsError):
    """The embedding model cannot be loaded offline or gives vectors of an unexpected shape."""


class SearchError(WhoKnowsError):
    """A search request is invalid (empty query, unknown filter value)."""


class AnalyticsError(WhoKnowsError):
    """A network analysis cannot run on the given graph or parameters."""
