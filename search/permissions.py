"""Who may see which document, and who may appear in results at all.

The rule lives in :mod:`graph.access` (docs/search.md, "Permissions"), so that search and the graph analytics
apply one rule; this module re-exports it under the names search has always used.

A document the viewer may not see is dropped before any scoring, so it neither shows in their evidence nor
changes their ranking (retrieval over-fetches so the visible result depth stays the same).
"""

from __future__ import annotations

from graph.access import ANONYMOUS, Viewer, load_viewer, person_node_id, person_visible

__all__ = ["ANONYMOUS", "Viewer", "load_viewer", "person_node_id", "person_visible"]
