#!/usr/bin/env bash
# Build LeadSynth.app and a .dmg on macOS (run on the architecture you ship: arm64 or x86_64;
# PyInstaller does not cross-build).  From anywhere:
#
#   installers/macos/build.sh [--clean] [--skip-build]
#
# Needs: Python 3.11 with a venv at .venv holding the project and PyInstaller
# (python3.11 -m venv .venv && .venv/bin/pip install -e ".[installer]"), and hdiutil (part of
# macOS).  Output: dist/LeadSynth.app and dist/LeadSynth-<version>-macos-<arch>.dmg.
# Signing/notarization is not done here: set CODESIGN_IDENTITY to sign the .app with that
# identity (then notarize the dmg with `xcrun notarytool submit ... --wait`); an unsigned
# app must be opened the first time with right-click > Open.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
CLEAN=() SKIP_BUILD=0
for arg in "$@"; do
    case "$arg" in
        --clean) CLEAN=(--clean) ;;
        --skip-build) SKIP_BUILD=1 ;;
        *) echo "build.sh: unknown option $arg" >&2; exit 2 ;;
    esac
done
PY=${LEADSYNTH_BUILD_PYTHON:-.venv/bin/python}
VERSION=$(sed -n 's/^__version__ *= *"\([^"]*\)".*/\1/p' leadsynth_core/_version.py)
ARCH=$(uname -m)
DMG="dist/LeadSynth-$VERSION-macos-$ARCH.dmg"

if [ "$SKIP_BUILD" = 0 ]; then
    "$PY" -m PyInstaller --noconfirm "${CLEAN[@]}" --distpath dist --workpath build/pyinstaller installers/leadsynth.spec
fi
APP=dist/LeadSynth.app
BIN="$APP/Contents/MacOS"
[ -x "$BIN/leadsynth-gui" ] && [ -x "$BIN/leadsynth" ] || { echo "build.sh: $APP is incomplete" >&2; exit 1; }

if [ -n "${CODESIGN_IDENTITY:-}" ]; then
    codesign --deep --force --options runtime --timestamp --sign "$CODESIGN_IDENTITY" "$APP"
fi

# Smoke test of the bundle.
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
out=$("$BIN/leadsynth" --version)
[ "$out" = "leadsynth $VERSION" ] || { echo "leadsynth --version printed '$out'" >&2; exit 1; }
SAMPLE=$(find "$APP/Contents" -name demo_12lead.h5 | head -1)
"$BIN/leadsynth" synthesize "$SAMPLE" --inputs I,II,V2,V4 --out "$T/o"
QT_QPA_PLATFORM=offscreen "$BIN/leadsynth-gui" "$SAMPLE" --screenshot "$T/x.png"
[ -s "$T/x.png" ] || { echo "no screenshot written" >&2; exit 1; }
/usr/libexec/PlistBuddy -c "Print :CFBundleDocumentTypes" "$APP/Contents/Info.plist" >/dev/null
echo "smoke test passed"

# The dmg holds the app and a link to /Applications, so installing is one drag.
rm -rf "$T/dmg" "$DMG"
mkdir -p "$T/dmg"
cp -R "$APP" "$T/dmg/"
ln -s /Applications "$T/dmg/Applications"
hdiutil create -volname "LeadSynth $VERSION" -srcfolder "$T/dmg" -ov -format UDZO "$DMG"
echo "built $DMG"
echo "The command line is inside the app: /Applications/LeadSynth.app/Contents/MacOS/leadsynth"
