"""What the CLI writes is text, never terminal commands: names, titles and rejection messages come from the data.

A person named ``Ada \\x1b]52;c;<base64>\\x07`` would otherwise write the clipboard of whoever runs
``whoknows status`` (OSC 52), and ``\\x1b[2J`` would clear their screen. click strips its own colour codes when
the output is not a terminal, but only CSI sequences: an OSC survives a pipe into ``less -R`` or a log viewer.

:func:`printable` removes every control character and escape sequence except SGR (``\\x1b[...m``: the colours
and bold click itself writes on a terminal, and harmless in data), and except tab and newline.
:func:`safe_streams` wraps ``sys.stdout``/``sys.stderr`` for the length of a command, so every output path
(``click.echo``, ``print``, JSON) is covered without each command remembering to clean its values.
"""

from __future__ import annotations

import contextlib
import re
import sys
from collections.abc import Iterator
from typing import Any, TextIO

# an OSC/DCS/APC/PM/SOS string (to BEL or ST, or to the end), a CSI sequence, any other ESC pair, lone controls
_SEQUENCE = re.compile(
    r"\x1b[\]PX^_][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|[\x9d\x90\x98\x9e\x9f][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?"
    r"|\x1b[ -~]?"
    r"|\r(?!\n)"
    r"|[\x00-\x08\x0b\x0c\x0e-\x1a\x1c-\x1f\x7f-\x9f]"
)
_SGR = re.compile(r"\x1b\[[0-9;]*m")


def _keep_sgr(m: re.Match[str]) -> str:
    text = m.group(0)
    return text if _SGR.fullmatch(text) else ""


def printable(text: str) -> str:
    """``text`` without control characters or escape sequences other than SGR colours, tab and newline."""
    return _SEQUENCE.sub(_keep_sgr, text)


class SafeText:
    """A text stream that writes :func:`printable` text to the stream it wraps (everything else is that
    stream's: encoding, isatty, buffer...)."""

    def __init__(self, inner: TextIO) -> None:
        self._inner = inner

    def write(self, text: str) -> int:
        self._inner.write(printable(text))
        return len(text)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


@contextlib.contextmanager
def safe_streams() -> Iterator[None]:
    """Clean everything written to stdout and stderr while the block runs."""
    out, err = sys.stdout, sys.stderr
    sys.stdout = SafeText(out)
    sys.stderr = SafeText(err)
    try:
        yield
    finally:
        sys.stdout, sys.stderr = out, err


__all__ = ["SafeText", "printable", "safe_streams"]
