#!/usr/bin/env bash
# Install WhoKnows and everything it needs into ./.venv (idempotent). torch is pinned and installed FIRST:
# an unpinned torch would pull a multi-GB CUDA build; torch==2.13.0 is the CPU build this project targets.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
. .venv/bin/activate
python -m pip install --quiet --upgrade pip
python -m pip install --quiet torch==2.13.0
python -m pip install --quiet -e ".[dev]"
if [ "${WHOKNOWS_SKIP_SYSTEM:-0}" != "1" ]; then
  # a real browser for the web UI tests (Debian's chromium + driver)
  if ! command -v chromium >/dev/null 2>&1; then
    if command -v apt-get >/dev/null 2>&1; then
      (apt-get update -qq && apt-get install -y -qq chromium chromium-driver) >/dev/null 2>&1 \
        || echo "warning: could not install chromium; browser tests will be skipped" >&2
    fi
  fi
  # Neo4j's own Cypher front end for the Cypher lint
  if [ -f tests/cypher_lint/package.json ] && command -v npm >/dev/null 2>&1; then
    npm ci --prefix tests/cypher_lint --no-audit --no-fund --silent
  fi
fi
