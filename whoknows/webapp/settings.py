"""Where the app's store is and whether sign-in is configured: read from the command line, the environment
and ``st.secrets`` (passed in as plain mappings so this module stays Streamlit-free and testable)."""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from graph.open import DEFAULT_STORE
from whoknows.errors import ConfigError

#: Groups smaller than this are never shown on their own (maps, tie matrices, per-department figures).
MIN_GROUP_SIZE = 5


def store_url(argv: Sequence[str], env: Mapping[str, str] | None = None) -> str:
    """The store the app serves: ``--store`` after ``--`` on the streamlit command line
    (``streamlit run app.py -- --store var/whoknows.db``), else ``WHOKNOWS_STORE``, else ``var/whoknows.db``.

    Abbreviations are refused (``allow_abbrev=False``) so a test runner's own flags are never taken for ours.
    """
    env = os.environ if env is None else env
    parser = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    parser.add_argument("--store", default=None)
    args, _ = parser.parse_known_args(list(argv))
    return args.store or env.get("WHOKNOWS_STORE") or str(DEFAULT_STORE)


def check_store_exists(url: str) -> None:
    """The app opens the store read-only: a missing file is a setup mistake, said plainly with the fix."""
    if "://" in url and not url.startswith("sqlite:///"):
        return
    path = Path(url.removeprefix("sqlite:///"))
    if not path.is_file():
        raise ConfigError(
            f"no store at {path}; build one with 'whoknows demo --store {path}' or "
            f"'whoknows ingest --store {path} EXPORTS...', or pass --store / set WHOKNOWS_STORE"
        )


def auth_configured(secrets: Mapping[str, Any]) -> bool:
    """Sign-in is on when ``st.secrets`` has an ``[auth]`` section (Streamlit's OIDC settings)."""
    try:
        section = secrets.get("auth")
    except Exception:  # st.secrets raises when there is no secrets file at all
        return False
    return isinstance(section, Mapping) and len(section) > 0


def admin_emails(secrets: Mapping[str, Any]) -> frozenset[str]:
    """Admins by e-mail: ``[whoknows] admins = ["km@example.org"]`` in secrets, or ``WHOKNOWS_ADMINS`` (comma list)."""
    emails: list[str] = []
    try:
        section = secrets.get("whoknows") or {}
        emails.extend(section.get("admins") or [])
    except Exception:
        pass
    emails.extend(e for e in os.environ.get("WHOKNOWS_ADMINS", "").split(",") if e.strip())
    return frozenset(e.strip().lower() for e in emails)


def _beside_store(url: str, env: Mapping[str, str] | None, variable: str, name: str) -> Path:
    """``$variable``, else ``<store>.<name>`` beside a file store, else ``var/<name>`` for a server store."""
    env = os.environ if env is None else env
    if env.get(variable):
        return Path(env[variable])
    if "://" in url and not url.startswith("sqlite:///"):
        return Path("var") / name
    path = Path(url.removeprefix("sqlite:///"))
    return path.with_name(f"{path.name}.{name}")


def optout_requests_path(url: str, env: Mapping[str, str] | None = None) -> Path:
    """Where opt-out requests made in the app are recorded for an admin to apply: ``WHOKNOWS_OPTOUT_FILE`` or
    ``<store>.optout-requests.jsonl`` beside a file store (``var/optout-requests.jsonl`` for a server store)."""
    return _beside_store(url, env, "WHOKNOWS_OPTOUT_FILE", "optout-requests.jsonl")


def profile_log_path(url: str, env: Mapping[str, str] | None = None) -> Path:
    """Where changes people make to their own topics are logged for administrators (whoknows/selfassert.py):
    ``WHOKNOWS_PROFILE_LOG`` or ``<store>.profile-changes.jsonl`` (``var/profile-changes.jsonl`` for a server)."""
    return _beside_store(url, env, "WHOKNOWS_PROFILE_LOG", "profile-changes.jsonl")


def network_cache_dir(url: str, env: Mapping[str, str] | None = None) -> Path | None:
    """Where the network measures are kept between server starts (whoknows/webapp/precompute.py).

    ``WHOKNOWS_CACHE_DIR`` (empty: keep them in memory only) or, for a file store, ``<store>.cache/`` beside it;
    for a server store ``var/cache``.
    """
    env = os.environ if env is None else env
    if "WHOKNOWS_CACHE_DIR" in env:
        return Path(env["WHOKNOWS_CACHE_DIR"]) if env["WHOKNOWS_CACHE_DIR"] else None
    if "://" in url and not url.startswith("sqlite:///"):
        return Path("var") / "cache"
    path = Path(url.removeprefix("sqlite:///"))
    return path.with_name(path.name + ".cache")


def remote_photos(secrets: Mapping[str, Any], env: Mapping[str, str] | None = None) -> bool:
    """Whether profiles may show photos the directory links on another host (``[whoknows] remote_photos = true``
    or ``WHOKNOWS_REMOTE_PHOTOS=1``). Off by default: the browser would fetch each one from that host, which is
    a request leaving the machine and tells that host who looked at whom. Inline (``data:``) photos always show."""
    env = os.environ if env is None else env
    if env.get("WHOKNOWS_REMOTE_PHOTOS", "").strip().lower() in ("1", "true", "yes"):
        return True
    try:
        section = secrets.get("whoknows") or {}
        return section.get("remote_photos") is True
    except Exception:
        return False
