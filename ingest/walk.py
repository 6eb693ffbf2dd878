"""Finding the files of a folder to ingest without ever leaving it (DESIGN.md principle 8: data is never a path).

A symbolic link is never followed. A link whose target is inside the folder is skipped without a word: the
target is read where it is, under its own name, so nothing is lost and nothing is read twice. A link that
points out of the folder (``passwd.txt`` -> ``/etc/passwd``), one that points nowhere, and a loop of links
are rejections naming the link, so the person running the ingest sees them. Anything that is not a regular
file (a FIFO would block the reader forever, a device never ends) is a rejection too.

:func:`open_regular` re-checks at open time (``O_NOFOLLOW``): a file swapped for a link after the walk is
refused, not followed.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from ingest.records import Where
from ingest.report import Rejection

OUTSIDE_EXPECTED = "files inside the folder given (copy the file in, or ingest the folder it lives in)"


@dataclass(slots=True)
class Walk:
    """The regular files found (sorted) and the rejections for links and special files."""

    files: list[Path] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)


def _hidden(name: str) -> bool:
    return name.startswith(".")


def walk_inside(root: Path, *, skip_hidden: bool = True) -> Walk:
    """Every regular file under ``root`` reached without following a link (see the module docstring)."""
    out = Walk()
    top = Path(root)
    real_top = top.resolve()
    for dirpath, dirnames, filenames in os.walk(top, followlinks=False):
        here = Path(dirpath)
        if skip_hidden:
            dirnames[:] = [d for d in dirnames if not _hidden(d)]
        for d in list(dirnames):
            p = here / d
            if p.is_symlink():
                dirnames.remove(d)
                problem = _link_problem(p, real_top)
                if problem is not None:
                    out.rejections.append(problem)
        for f in filenames:
            if skip_hidden and _hidden(f):
                continue
            p = here / f
            if p.is_symlink():
                problem = _link_problem(p, real_top)
                if problem is not None:
                    out.rejections.append(problem)
                continue
            try:
                mode = p.lstat().st_mode
            except OSError as exc:
                out.rejections.append(_unreadable(p, exc))
                continue
            if stat.S_ISREG(mode):
                out.files.append(p)
            else:
                out.rejections.append(
                    Rejection(Where(str(p)), None, "not a regular file (a pipe, socket or device); not read", "files")
                )
    out.files.sort()
    return out


def _link_problem(link: Path, real_top: Path) -> Rejection | None:
    """None for a link to something inside ``real_top`` (skipped: its target is read as itself)."""
    try:
        target = link.resolve(strict=True)
    except RuntimeError:  # Python 3.11's report of a loop
        return _loop(link)
    except FileNotFoundError:
        return Rejection(Where(str(link)), None, "symbolic link to nothing (its target does not exist)", "a file")
    except OSError as exc:  # ELOOP from the OS on later Pythons, or a target that cannot be reached
        if exc.errno == 40:
            return _loop(link)
        return Rejection(Where(str(link)), None, f"symbolic link cannot be followed: {exc.strerror}", "a file")
    if target == real_top or real_top in target.parents:
        return None
    return Rejection(
        Where(str(link)),
        None,
        f"symbolic link to {target}, outside the folder being ingested; not followed",
        OUTSIDE_EXPECTED,
    )


def _loop(link: Path) -> Rejection:
    return Rejection(
        Where(str(link)), None, "symbolic link loop (the link leads back to itself); not followed", "a file"
    )


def _unreadable(path: Path, exc: OSError) -> Rejection:
    return Rejection(Where(str(path)), None, f"cannot be read: {exc.strerror or exc}", "a readable file")


def open_regular(path: Path, limit: int) -> bytes | Rejection | int:
    """The bytes of ``path`` if it is still a regular file (not a link) of at most ``limit`` bytes; its size
    when it is larger (nothing is read); a rejection when it cannot be opened as such."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if exc.errno == 40:  # ELOOP: it became a link after the walk
            return Rejection(
                Where(str(path)), None, "became a symbolic link while the ingest ran; not followed", "a file"
            )
        return _unreadable(path, exc)
    with os.fdopen(fd, "rb") as fp:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return Rejection(Where(str(path)), None, "not a regular file; not read", "files")
        if info.st_size > limit:
            return info.st_size
        data = fp.read(limit + 1)
    return len(data) if len(data) > limit else data


__all__ = ["Walk", "open_regular", "walk_inside"]
