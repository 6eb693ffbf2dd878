#!/usr/bin/env bash
# Install (if needed), build the demo organisation into the embedded store (if not there yet), open the app.
# Every step says what it does before it starts and how long it took, so a first run is never silent.
set -euo pipefail
cd "$(dirname "$0")/.."
START=$SECONDS
step() { printf '\n[%s] %s\n' "$1" "$2" >&2; }
took() { printf '      done in %d s\n' "$((SECONDS - $1))" >&2; }

t=$SECONDS
if [ -x .venv/bin/python ]; then
  step "1/4" "Checking the install in ./.venv (quick once installed) …"
else
  step "1/4" "Installing WhoKnows into ./.venv: torch (CPU), the bundled embedding model, Streamlit … (a few minutes the first time)"
fi
bash scripts/install.sh
took "$t"
. .venv/bin/activate
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
STORE=${WHOKNOWS_STORE:-var/whoknows.db}
if [ ! -f "$STORE" ]; then
  t=$SECONDS
  step "2/4" "Building the demo organisation into $STORE: generate it, ingest it, embed its texts (about 2 minutes) …"
  whoknows demo --store "$STORE"
  took "$t"
  # network measures for the map and profiles, kept beside the store: the first map then opens in ~3 s, not ~9 s
  t=$SECONDS
  step "3/4" "Computing the network measures for the map and profiles (about 20 seconds) …"
  python -m whoknows.webapp.precompute --store "$STORE"
  took "$t"
else
  step "2/4" "The demo store $STORE is already built (delete it to build it again)."
  whoknows status --store "$STORE" --runs 1
  step "3/4" "Network measures: computed when the store was built."
fi
if [ "${WHOKNOWS_NO_APP:-0}" = "1" ]; then
  printf '\nReady in %d s (WHOKNOWS_NO_APP=1: not starting the app).\n' "$((SECONDS - START))" >&2
  exit 0
fi
PORT=${WHOKNOWS_PORT:-8501}
step "4/4" "Starting the app: open http://localhost:$PORT"
printf '      ready in %d s so far; Ctrl+C stops it\n' "$((SECONDS - START))" >&2
exec streamlit run app.py --server.port "$PORT" -- --store "$STORE"
