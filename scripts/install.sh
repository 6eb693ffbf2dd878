#!/usr/bin/env bash
# Install WhoKnows and everything it needs into ./.venv (idempotent). torch is pinned and installed FIRST:
# an unpinned torch would pull a multi-GB CUDA build; torch==2.13.0 is the CPU build this project targets.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
say() { printf '      %s\n' "$1" >&2; }  # what the next step does (scripts/demo.sh shows it: a first run is never silent)
if [ ! -x .venv/bin/python ]; then
  say "creating ./.venv"
  "$PY" -m venv .venv
fi
. .venv/bin/activate
say "pip: upgrading pip"
python -m pip install --quiet --upgrade pip
say "pip: torch 2.13.0, CPU build (the largest download; already there on a re-run)"
python -m pip install --quiet torch==2.13.0
say "pip: WhoKnows and its dependencies (sentence-transformers, Streamlit, networkx, ...)"
python -m pip install --quiet -e ".[dev]"
if [ "${WHOKNOWS_SKIP_SYSTEM:-0}" != "1" ]; then
  # a real browser for the web UI tests (Debian's chromium + driver)
  if ! command -v chromium >/dev/null 2>&1; then
    if command -v apt-get >/dev/null 2>&1; then
      say "apt-get: Debian's chromium, for the browser tests"
      (apt-get update -qq && apt-get install -y -qq chromium chromium-driver) >/dev/null 2>&1 \
        || echo "warning: could not install chromium; browser tests will be skipped" >&2
    fi
  fi
  # Neo4j's own Cypher front end for the Cypher lint
  if [ -f tests/cypher_lint/package.json ] && command -v npm >/dev/null 2>&1; then
    say "npm: Neo4j's Cypher front end, for the Cypher lint"
    npm ci --prefix tests/cypher_lint --no-audit --no-fund --silent
  fi
fi
