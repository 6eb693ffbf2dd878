#!/usr/bin/env bash
# Install from scratch (if needed) and run the whole test suite: the README's test command and CI's.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
. .venv/bin/activate
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
ruff check .
ruff format --check .
python -m pytest -n 2 --dist loadfile -q "$@"
