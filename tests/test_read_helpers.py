"""Helpers shared by the tests/test_read_*.py files (no tests here): run a reader on bytes, split what it gave."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ingest.report import Notice, Rejection

FIXTURES = Path(__file__).parent / "fixtures" / "structured"


def shared_data() -> Path:
    """The real evaluation data: ``shared/`` beside the repository (CI), else the workplace copy."""
    beside = Path(__file__).resolve().parents[2] / "shared" / "data"
    return beside if beside.is_dir() else Path("/work/shared/data")


def run(
    reader: Callable[..., Any], data: bytes | str, name: str = "input.csv"
) -> tuple[list, list[Rejection], list[Notice]]:
    """Records, rejections and notices a reader gives for ``data``."""
    raw = data.encode() if isinstance(data, str) else data
    notices: list[Notice] = []
    records: list = []
    rejections: list[Rejection] = []
    for item in reader(io.BytesIO(raw), name, notices=notices):
        (rejections if isinstance(item, Rejection) else records).append(item)
    return records, rejections, notices


def run_file(reader: Callable[..., Any], fixture: str) -> tuple[list, list[Rejection], list[Notice]]:
    return run(reader, (FIXTURES / fixture).read_bytes(), fixture)
