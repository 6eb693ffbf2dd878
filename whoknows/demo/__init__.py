"""The demo organisation: a believable, deterministic company exported in the formats WhoKnows reads.

``generate_demo(out_dir, seed=7)`` writes SCIM people and groups, an xAPI statement stream, a course
catalogue, CSV memberships and interactions and a folder of knowledge assets under ``out_dir/data``, and the
planted truth (who really knows what, who bridges departments, which records are malformed) to
``out_dir/truth.json``, outside the data folder so an ingest of ``data/`` never sees the answers.
"""

from whoknows.demo.generator import DemoTruth, generate_demo

__all__ = ["DemoTruth", "generate_demo"]
