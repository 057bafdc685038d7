#!/usr/bin/env bash
# Set up (if needed) and open the LeadSynth viewer on the bundled sample recording.
# Extra arguments go to leadsynth-gui (e.g. a RECORD path, --inputs I,II,V4, --screenshot out.png).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# Say what to install when Qt cannot start (missing xcb libraries on a fresh Linux desktop).
# A --screenshot run renders offscreen and needs no window system.
case " $* " in
    *" --screenshot"*) ;;
    *) bash scripts/qt_doctor.sh .venv/bin/python || exit 1 ;;
esac
exec .venv/bin/leadsynth-gui "$@"
