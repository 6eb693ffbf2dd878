"""What a page shows lives in its URL (``st.query_params``): the query, the filters, the person or document
opened. A reload restores it and a copied link shows a colleague the same thing (their own permissions apply:
the URL carries what was asked, never who asked or what they were allowed to see).

Pages read their widgets' first values from the URL (:func:`param`, :func:`choice`, :func:`number`) and write
the values in use back after each run (:func:`publish`); a widget's later values come from the session as
usual (text inputs and select boxes are keyed by their ``key`` alone, so a default read from the URL never
resets what the person typed). A URL is input like any other: a value that is not one of the options, not a
number or out of range is ignored, never an error.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

import streamlit as st

T = TypeVar("T")
MAX_PARAM_CHARS = 2000


def param(name: str, params: Mapping[str, str] | None = None) -> str | None:
    """A query parameter's value (trimmed, at most :data:`MAX_PARAM_CHARS`), None when absent or empty."""
    params = st.query_params if params is None else params
    value = params.get(name)
    if not isinstance(value, str):
        return None
    value = value.strip()[:MAX_PARAM_CHARS]
    return value or None


def choice(name: str, options: Sequence[T], params: Mapping[str, str] | None = None) -> int | None:
    """The index of the URL's value among ``options`` (compared as text), None when absent or not an option."""
    value = param(name, params)
    if value is None:
        return None
    return next((i for i, o in enumerate(options) if str(o) == value), None)


def number(name: str, default: int, lo: int, hi: int, params: Mapping[str, str] | None = None) -> int:
    """An integer parameter within [lo, hi], else ``default``."""
    value = param(name, params)
    try:
        n = int(value) if value is not None else default
    except ValueError:
        return default
    return n if lo <= n <= hi else default


def flag(name: str, params: Mapping[str, str] | None = None) -> bool:
    return (param(name, params) or "").lower() in ("1", "true", "yes", "on")


def encode(values: Mapping[str, Any], defaults: Mapping[str, Any] | None = None) -> dict[str, str | None]:
    """What :func:`publish` writes: each value as text, None (remove) for empty values and defaults."""
    defaults = defaults or {}
    out: dict[str, str | None] = {}
    for k, v in values.items():
        if v is None or v == "" or (k in defaults and v == defaults[k]) or v is False:
            out[k] = None
        elif v is True:
            out[k] = "1"
        else:
            out[k] = str(v)
    return out


def publish(values: Mapping[str, Any], defaults: Mapping[str, Any] | None = None) -> None:
    """Make the URL say what the page shows: set these parameters, drop the empty and default ones. Only what
    changed is written (each write is a message to the browser)."""
    for k, v in encode(values, defaults).items():
        if v is None:
            if k in st.query_params:
                del st.query_params[k]
        elif st.query_params.get(k) != v:
            st.query_params[k] = v


def text_input(label: str, *, key: str, name: str, **kwargs: Any) -> str:
    """A text input whose first value comes from the URL parameter ``name``."""
    return st.text_input(label, value=param(name) or "", key=key, **kwargs)
