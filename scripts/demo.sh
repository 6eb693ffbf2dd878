#!/usr/bin/env bash
# Install (if needed), build the demo organisation into the embedded store (if not there yet), open the app.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
. .venv/bin/activate
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
STORE=${WHOKNOWS_STORE:-var/whoknows.db}
if [ ! -f "$STORE" ]; then
  whoknows demo --store "$STORE"
  # network measures for the map and profiles, kept beside the store: the first map then opens in ~3 s, not ~9 s
  python -m whoknows.webapp.precompute --store "$STORE"
fi
whoknows status --store "$STORE" --runs 1
if [ "${WHOKNOWS_NO_APP:-0}" = "1" ]; then exit 0; fi
exec streamlit run app.py --server.headless true -- --store "$STORE"
