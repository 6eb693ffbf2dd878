#!/usr/bin/env bash
# Install from scratch (if needed), lint, type-check and run the whole test suite: the README's test command and CI's.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
. .venv/bin/activate
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
ruff check .
ruff format --check .
mypy  # the files and settings are in pyproject.toml ([tool.mypy]); DEVELOPERS.md, "Types"
python -m pytest -n 2 --dist loadfile -q "$@"
