#!/usr/bin/env bash
# Set up (if needed) and run the whole test suite: CPU only, warnings are errors, Qt offscreen.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export QT_QPA_PLATFORM=${QT_QPA_PLATFORM:-offscreen}
export CUDA_VISIBLE_DEVICES=${LEADSYNTH_TEST_CUDA:-}   # CPU-only by default
.venv/bin/ruff check --quiet .
.venv/bin/lint-imports pyproject.toml
exec .venv/bin/python -m pytest -W error "$@"
