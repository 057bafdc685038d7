#!/usr/bin/env bash
# Set up (if needed) and open the LeadSynth viewer on the bundled sample recording.
# Extra arguments go to leadsynth-gui (e.g. a RECORD path, --inputs I,II,V4, --screenshot out.png).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/leadsynth-gui "$@"
