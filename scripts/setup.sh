#!/usr/bin/env bash
# Create .venv with the CPU build of PyTorch and LeadSynth (editable) with its dev extras.
# Idempotent: a second run only checks that nothing changed (a few seconds).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
VENV=${LEADSYNTH_VENV:-.venv}
TORCH_SPEC=${LEADSYNTH_TORCH:-torch==2.13.0}   # the CPU build; users with a GPU may set their own

if [ ! -x "$VENV/bin/python" ]; then
    echo "[setup] creating $VENV"
    "$PYTHON" -m venv "$VENV"
fi
PY="$VENV/bin/python"

# Re-install only when the project's dependency declaration changed.
stamp="$VENV/.leadsynth-setup-stamp"
want=$( (cat pyproject.toml; echo "$TORCH_SPEC") | sha256sum | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && "$PY" -c "import leadsynth_core, app, torch" 2>/dev/null; then
    echo "[setup] environment up to date ($VENV)"
    exit 0
fi
echo "[setup] installing into $VENV"
"$PY" -m pip install -q --disable-pip-version-check --upgrade pip
# Torch first and pinned: an unpinned torch would pull a multi-GB CUDA build.
"$PY" -m pip install -q --disable-pip-version-check "$TORCH_SPEC"
"$PY" -m pip install -q --disable-pip-version-check -e ".[dev]"
echo "$want" > "$stamp"
echo "[setup] done"
