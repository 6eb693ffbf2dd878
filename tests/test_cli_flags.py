"""Every ``--flag`` the product's text names exists: in error messages, hints, help and docstrings.

Why: an error message is the one place a user is told what to type next, and it drifted (the embedder's said
``--model torch`` while the flag is ``--embedder``). The test reads every string literal of the product's code
(f-strings included), finds ``--flag`` tokens, and checks each against the options the commands really have:
the ``whoknows`` command's (per command when the text names one, ``whoknows search ... --limit``), and the
argparse options of the module that runs as its own program (``python -m whoknows.webapp.precompute``). A
flag followed by a word (``--embedder torch``) must be given a value that option accepts.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator, Sequence
from pathlib import Path

import click
import pytest

from whoknows.cli import main

ROOT = Path(__file__).resolve().parents[1]
PRODUCT = ["graph", "ingest", "search", "whoknows", "pages"]
FLAG_RE = re.compile(r"(?<![\w-])(--[a-z][a-z0-9-]*)(?:[ =]([a-z][a-z0-9_-]*))?")
COMMAND_RE = re.compile(r"whoknows (\w+)")

# Command lines of other programs that the product builds (not flags a person is told to type to WhoKnows).
OTHER_PROGRAMS = {
    "whoknows/webapp/launch.py",  # Chromium's and Streamlit's own flags, to start a browser and the app server
}
# ``python -m whoknows.webapp.precompute`` parses its own arguments (argparse).
PRECOMPUTE_FLAGS = {"--store", "--cache-dir", "--nice"}


def _strings(path: Path) -> Iterator[tuple[int, str]]:
    """String literals of a module, an f-string as its constant parts joined (placeholders dropped)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    inside_fstring: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            parts = [v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str)]
            inside_fstring.update(id(v) for v in node.values)
            yield node.lineno, " X ".join(parts)
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in inside_fstring:
            yield node.lineno, node.value


def _options() -> dict[str, dict[str, click.Option]]:
    """command name -> {flag: option} for every whoknows command."""
    out: dict[str, dict[str, click.Option]] = {}
    for name, cmd in main.commands.items():
        flags: dict[str, click.Option] = {}
        for param in cmd.params:
            if isinstance(param, click.Option):
                for flag in [*param.opts, *param.secondary_opts]:
                    flags[flag] = param
        out[name] = flags
    out[""] = {"--help": click.Option(["--help"], is_flag=True), "--version": click.Option(["--version"], is_flag=True)}
    return out


def _value_ok(option: click.Option, value: str) -> bool:
    if isinstance(option.type, click.Choice):
        return value in option.type.choices
    return True  # free values (paths, URLs, numbers) cannot be told apart from prose here


def flag_problems(root: Path = ROOT, product: Sequence[str] = PRODUCT) -> list[str]:
    """A flag in text that names a command (``whoknows status --json``) must be an option of that command;
    elsewhere an option of some command, and a value after it (``--embedder torch``) one that every command
    with that flag accepts (a hint in library code may surface under any of them)."""
    options = _options()
    problems = []
    files = [p for d in product for p in sorted((root / d).rglob("*.py"))] + [root / "app.py"]
    for path in files:
        rel = path.relative_to(root).as_posix()
        if rel in OTHER_PROGRAMS:
            continue
        for line, text in _strings(path):
            named = COMMAND_RE.findall(text)
            for flag, value in FLAG_RE.findall(text):
                if rel == "whoknows/webapp/precompute.py" and flag in PRECOMPUTE_FLAGS:
                    continue
                if "streamlit run" in text and flag == "--store":  # the app's own --store (after --)
                    continue
                scope = [c for c in named if c in options] or list(options)
                found = [options[c][flag] for c in scope if flag in options[c]]
                if not found:
                    where = f"whoknows {'/'.join(named)}" if named else "any whoknows command"
                    problems.append(f"{rel}:{line}: {flag} is not an option of {where}: {text[:100]!r}")
                elif value and not all(_value_ok(o, value) for o in found):
                    problems.append(f"{rel}:{line}: {flag} {value}: not a value {flag} takes: {text[:100]!r}")
    return problems


def test_every_flag_named_in_the_product_exists() -> None:
    assert flag_problems() == []


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("use --model torch or report the bug", "--model torch"),  # the old embedder hint: --model takes wc|ic|lt
        ("run 'whoknows status --limit 3'", "--limit is not an option of whoknows status"),
        ("pass --no-such-flag", "--no-such-flag is not an option"),
    ],
)
def test_the_check_catches_a_wrong_flag(tmp_path: Path, text: str, problem: str) -> None:
    pkg = tmp_path / "pages"
    pkg.mkdir()
    (pkg / "bad.py").write_text(f"MESSAGE = {text!r}\n")
    (tmp_path / "app.py").write_text("")
    problems = flag_problems(tmp_path, ["pages"])
    assert len(problems) == 1 and problem in problems[0]
