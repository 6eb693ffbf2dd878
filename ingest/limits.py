"""The limits every reader keeps, so that no file can take the ingest's memory or time (DESIGN.md principle 8).

One frozen :class:`Limits` object holds them all, with defaults that no ordinary export comes near and that keep
the worst file the defaults accept within about a gigabyte of memory and half a minute (bench/hostile.py
measures it). A value over a limit is a rejection naming the limit and how to raise it, never a crash and never a
silent cut.

How to change them (docs/formats-documents.md, "Limits"): environment variables ``WHOKNOWS_LIMIT_<NAME>``
(``WHOKNOWS_LIMIT_DOCUMENT_BYTES=200000000``), ``whoknows ingest --limit NAME=VALUE`` (repeatable), or
``ingest_paths(..., limits=Limits(...))`` from Python. The active limits are process-wide while an ingest
runs (:func:`using`), so forked reader processes see the same ones; :func:`current` reads them.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from whoknows.errors import ConfigError

MiB = 1 << 20


@dataclass(frozen=True, slots=True)
class Limits:
    """Upper bounds on what one input may make the ingest do. Every field is a positive number."""

    #: bytes of one document file (checked before it is read)
    document_bytes: int = 32 * MiB
    #: bytes of one HTML page (its element tree takes about 35 bytes of memory per byte of page)
    html_bytes: int = 16 * MiB
    #: characters of text extracted from one document (a PDF or DOCX may expand far beyond its file size)
    extracted_chars: int = 4_000_000
    #: passages (chunks) one document may make
    chunks_per_document: int = 10_000
    #: bytes of the YAML front matter of a Markdown document
    front_matter_bytes: int = 64 * 1024
    #: YAML aliases (``*name``) front matter may use: 0 refuses them (a "billion laughs" needs them)
    yaml_aliases: int = 0
    #: nesting depth of HTML elements (libxml2's own default cap is 256)
    html_depth: int = 256
    #: characters of one line that Markdown heading and front-matter patterns look at
    pattern_line_chars: int = 10_000
    #: total uncompressed bytes of the XML parts of a DOCX (a zip: a small file can hold gigabytes)
    zip_expanded_bytes: int = 32 * MiB
    #: uncompressed / compressed size of a DOCX's XML parts
    zip_ratio: int = 100
    #: nesting depth of a JSON value (SCIM and xAPI need about 8)
    json_depth: int = 64
    #: digits of one JSON integer (Python's own cap is 4,300, past which it raises)
    json_int_digits: int = 1_000
    #: bytes of a JSON document read whole (a list or wrapper object; NDJSON is streamed and has no such cap)
    json_document_bytes: int = 256 * MiB
    #: bytes of one line of a structured file (an NDJSON record, a CSV row)
    line_bytes: int = 4 * MiB
    #: characters of one CSV cell
    cell_chars: int = 100_000
    #: physical lines one quoted CSV value may span before its opening quote is taken as unclosed
    quoted_lines: int = 1_000
    #: Monte-Carlo cascades one spread estimate may run
    simulations: int = 100_000

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.name == "yaml_aliases":
                if not isinstance(value, int) or value < 0:
                    raise ConfigError(f"limit yaml_aliases={value!r} must be 0 (refuse) or a positive integer")
            elif not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise ConfigError(f"limit {f.name}={value!r} must be a positive integer")

    def replace(self, **changes: int) -> Limits:
        unknown = set(changes) - set(names())
        if unknown:
            raise ConfigError(f"unknown limit(s) {', '.join(sorted(unknown))}; expected one of: {', '.join(names())}")
        return dataclasses.replace(self, **changes)

    def hint(self, name: str, *, flag: bool = True) -> str:
        """How to raise limit ``name``: said in every rejection that a limit caused. ``flag=False`` where the
        command has no ``--limit`` option (only ``ingest`` has one), so that the hint names only what exists."""
        how = f"WHOKNOWS_LIMIT_{name.upper()}=N" + (f" or --limit {name}=N" if flag else "")
        return f"raise it with {how} (now {getattr(self, name):,})"


def names() -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(Limits))


def parse_assignments(items: Mapping[str, str] | list[str] | tuple[str, ...]) -> dict[str, int]:
    """``["document_bytes=1000", ...]`` (or a mapping) -> ``{"document_bytes": 1000}``; numbers may use ``_``
    or ``,`` separators and a ``k``/``M``/``G`` suffix (powers of 1,024 for byte limits, of 1,000 otherwise)."""
    pairs = list(items.items()) if isinstance(items, Mapping) else [_split(x) for x in items]
    out: dict[str, int] = {}
    for name, raw in pairs:
        key = name.strip().lower().replace("-", "_")
        if key not in names():
            raise ConfigError(f"unknown limit {name!r}; expected one of: {', '.join(names())}")
        out[key] = _number(key, raw)
    return out


def _split(item: str) -> tuple[str, str]:
    name, sep, value = item.partition("=")
    if not sep:
        raise ConfigError(f"limit {item!r} is not NAME=VALUE; e.g. document_bytes=64M")
    return name, value


def _number(name: str, raw: str) -> int:
    text = raw.strip().replace("_", "").replace(",", "")
    base = 1024 if name.endswith("bytes") else 1000
    scale = 1
    if text[-1:].lower() in ("k", "m", "g"):
        scale = base ** ("kmg".index(text[-1].lower()) + 1)
        text = text[:-1]
    try:
        return int(text) * scale
    except ValueError:
        raise ConfigError(f"limit {name}={raw!r} is not a whole number (e.g. 64M, 1000)") from None


def from_env(environ: Mapping[str, str] | None = None) -> Limits:
    """The defaults, changed by any ``WHOKNOWS_LIMIT_<NAME>`` environment variable."""
    env = os.environ if environ is None else environ
    prefix = "WHOKNOWS_LIMIT_"
    given = {k[len(prefix) :].lower(): v for k, v in env.items() if k.startswith(prefix)}
    return Limits().replace(**parse_assignments(given)) if given else Limits()


_active: Limits | None = None
_from_env: Limits | None = None


def current() -> Limits:
    """The limits in force: those of the running ingest (:func:`using`), else the defaults and the environment
    (read once per process: readers ask per line)."""
    global _from_env
    if _active is not None:
        return _active
    if _from_env is None:
        _from_env = from_env()
    return _from_env


@contextlib.contextmanager
def using(limits: Limits | None) -> Iterator[Limits]:
    """Make ``limits`` (None: :func:`from_env`) the ones :func:`current` returns for the duration."""
    global _active
    before = _active
    _active = limits if limits is not None else from_env()
    try:
        yield _active
    finally:
        _active = before


__all__ = ["Limits", "current", "from_env", "names", "parse_assignments", "using"]
