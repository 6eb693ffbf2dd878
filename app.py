"""WhoKnows web app entry point (Streamlit). The full app (search, profiles, maps, spread, risk) is built on
top of the same library; until then this page shows what the store holds."""

from __future__ import annotations

import argparse
import sys

import streamlit as st

from graph.open import default_store_url, open_store


def _store_url() -> str:
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--store", default=None)
    args, _ = parser.parse_known_args(sys.argv[1:])
    return args.store or default_store_url()


@st.cache_resource
def get_store(url: str):  # type: ignore[no-untyped-def]
    return open_store(url, read_only=True)


def main() -> None:
    st.set_page_config(page_title="WhoKnows", layout="wide")
    st.title("WhoKnows")
    url = _store_url()
    store = get_store(url)
    st.caption(f"store: {url}")
    st.json(store.counts())


main()
