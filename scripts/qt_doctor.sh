#!/usr/bin/env bash
# Check that Qt can open a window here; if it cannot, say what to install.
#   bash scripts/qt_doctor.sh [PYTHON]      (default: .venv/bin/python)
# Exit 0 when Qt starts, 1 (with advice on stderr) when it does not.  scripts/run.sh calls it
# before opening the viewer, so a missing system library is a one-line instruction instead of
# Qt's "could not load the Qt platform plugin" abort.
set -uo pipefail
cd "$(dirname "$0")/.."
py="${1:-.venv/bin/python}"

# The system packages Qt's xcb platform plugin needs on Debian/Ubuntu (PySide6 >= 6.5).
APT_PACKAGES="libxcb-cursor0 libxkbcommon-x11-0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0 libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 libxcb-xkb1 libegl1 libgl1 libfontconfig1 libdbus-1-3"

case "${QT_QPA_PLATFORM:-}" in
    offscreen | minimal | vnc) exit 0 ;;  # no window system needed
esac
[ "$(uname -s)" = "Linux" ] || exit 0  # macOS and Windows wheels bring what they need

err="$("$py" -c 'import sys; from PySide6.QtGui import QGuiApplication; QGuiApplication(sys.argv[:1])' 2>&1 >/dev/null)"
status=$?
[ "$status" -eq 0 ] && exit 0

{
    echo "LeadSynth: Qt cannot open a window on this machine (exit status $status)."
    if printf '%s' "$err" | grep -qi "could not connect to display"; then
        echo "  There is no display (DISPLAY='${DISPLAY:-}')."
        echo "  Run it on a desktop session, or render without one:"
        echo "    QT_QPA_PLATFORM=offscreen bash scripts/run.sh RECORD --screenshot out.png"
    else
        plugin="$("$py" -c 'import os, PySide6; print(os.path.join(os.path.dirname(PySide6.__file__), "Qt", "plugins", "platforms", "libqxcb.so"))' 2>/dev/null)"
        missing=""
        if [ -n "$plugin" ] && [ -f "$plugin" ] && command -v ldd >/dev/null 2>&1; then
            missing="$(ldd "$plugin" 2>/dev/null | awk '/not found/ {print $1}' | sort -u | tr '\n' ' ')"
        fi
        if printf '%s' "$err" | grep -qi "xcb-cursor0"; then
            missing="libxcb-cursor.so.0 $missing"
        fi
        [ -n "$missing" ] && echo "  Missing system libraries: $missing"
        echo "  On Debian/Ubuntu install the libraries Qt needs, then run this again:"
        echo "    sudo apt-get install $APT_PACKAGES"
        echo "  (Fedora: sudo dnf install xcb-util-cursor xcb-util-wm xcb-util-image xcb-util-keysyms xcb-util-renderutil libxkbcommon-x11)"
    fi
    echo "  Qt said:"
    printf '%s\n' "$err" | sed -n '1,6p' | sed 's/^/    /'
} >&2
exit 1
