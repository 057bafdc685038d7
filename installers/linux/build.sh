#!/usr/bin/env bash
# Build the Linux one-folder bundle of LeadSynth, pack it as a tarball and smoke-test the
# tarball as a user would get it.  Run from anywhere:
#
#   installers/linux/build.sh              build with .venv (or $LEADSYNTH_BUILD_PYTHON)
#   installers/linux/build.sh --fresh-venv build in a new isolated venv (build/installer-venv)
#   installers/linux/build.sh --clean      drop PyInstaller's analysis cache first
#   installers/linux/build.sh --skip-build pack and test the existing dist/LeadSynth/
#
# Output: dist/LeadSynth/ (the bundle), dist/LeadSynth-<version>-linux-<arch>.tar.gz,
# dist/build-results.md (sizes, start-up times).  Needs no network except for --fresh-venv
# (PyPI).  An AppImage is not made: appimagetool is neither in Debian nor on PyPI, and this
# script downloads no binaries.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"

FRESH=0 CLEAN=() SKIP_BUILD=0
for arg in "$@"; do
    case "$arg" in
        --fresh-venv) FRESH=1 ;;
        --clean) CLEAN=(--clean) ;;
        --skip-build) SKIP_BUILD=1 ;;
        -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
        *) echo "build.sh: unknown option $arg" >&2; exit 2 ;;
    esac
done

VERSION=$(sed -n 's/^__version__ *= *"\([^"]*\)".*/\1/p' leadsynth_core/_version.py)
[ -n "$VERSION" ] || { echo "build.sh: no __version__ in leadsynth_core/_version.py" >&2; exit 1; }
ARCH=$(uname -m)
NAME="LeadSynth-$VERSION-linux-$ARCH"
TARBALL="dist/$NAME.tar.gz"

# ---------------------------------------------------------------- build environment
if [ "$FRESH" = 1 ]; then
    PY=build/installer-venv/bin/python
    if [ ! -x "$PY" ]; then
        python3 -m venv build/installer-venv
        "$PY" -m pip install --upgrade pip
        # The CPU-only torch wheel keeps the bundle ~2 GB smaller than PyPI's CUDA build and
        # the spec has nothing to strip.  Point pip at it, e.g.
        #   PIP_EXTRA_INDEX_URL=https://download.pytorch.org/whl/cpu installers/linux/build.sh --fresh-venv
        "$PY" -m pip install ".[installer]"
    fi
else
    PY=${LEADSYNTH_BUILD_PYTHON:-.venv/bin/python}
fi
[ -x "$PY" ] || { echo "build.sh: no Python at $PY (make .venv, set LEADSYNTH_BUILD_PYTHON or use --fresh-venv)" >&2; exit 1; }
if ! "$PY" -c "import PyInstaller" 2>/dev/null; then
    "$PY" -m pip install "pyinstaller>=6.0"
fi
if "$PY" -c "import torch, sys; sys.exit(0 if torch.version.cuda else 1)" 2>/dev/null; then
    echo "build.sh: warning: this torch is a CUDA build; its CUDA libraries (GBs) will be bundled." >&2
fi

# ---------------------------------------------------------------- build
if [ "$SKIP_BUILD" = 0 ]; then
    # nice: a build takes minutes of CPU and must not starve other work on the machine.
    nice -n 10 "$PY" -m PyInstaller --noconfirm "${CLEAN[@]}" --log-level WARN \
        --distpath dist --workpath build/pyinstaller installers/leadsynth.spec
fi
[ -x dist/LeadSynth/leadsynth-gui ] && [ -x dist/LeadSynth/leadsynth ] \
    || { echo "build.sh: dist/LeadSynth is incomplete" >&2; exit 1; }

# ---------------------------------------------------------------- tarball
STAGE="build/tarball/$NAME"
rm -rf build/tarball
mkdir -p "$STAGE/icons"
cp -a dist/LeadSynth "$STAGE/LeadSynth"
cp installers/linux/install.sh installers/linux/uninstall.sh installers/linux/leadsynth.desktop \
   installers/linux/leadsynth-mime.xml "$STAGE/"
cp resources/icons/leadsynth.svg resources/icons/leadsynth-*.png "$STAGE/icons/"
cat > "$STAGE/README.txt" <<EOF
LeadSynth $VERSION for Linux ($ARCH).  No Python or other installation needed.

  Run in place:     ./LeadSynth/leadsynth-gui        (viewer)
                    ./LeadSynth/leadsynth --help     (command line)
  Install for you:  ./install.sh      (menu entry, icon, .hea/.h5/.hdf5 "Open with")
  Install for all:  sudo ./install.sh --system
  Remove:           ~/.local/lib/leadsynth/uninstall.sh   (or /opt/leadsynth/uninstall.sh)
EOF
tar -C build/tarball -czf "$TARBALL" "$NAME"
rm -rf build/tarball  # a second ~900 MB copy of the bundle; the tarball is what we test
echo "packed $TARBALL"

# ---------------------------------------------------------------- smoke test
# On the unpacked tarball, with an environment that has no Python of ours on PATH and no
# PYTHONPATH/virtualenv, as on a clinician's machine.
T=$(mktemp -d /tmp/leadsynth-smoke.XXXXXX)
trap 'rm -rf "$T"' EXIT
tar -C "$T" -xzf "$TARBALL"
B="$T/$NAME/LeadSynth"
SAMPLE="$B/_internal/resources/samples/demo_12lead.h5"
CLEAN_ENV=(env -i HOME="$T/home" PATH=/usr/bin:/bin LANG=C.UTF-8 QT_QPA_PLATFORM=offscreen LEADSYNTH_HOME="$T/home/leadsynth")
mkdir -p "$T/home"
fail() { echo "SMOKE TEST FAILED: $*" >&2; exit 1; }

out=$("${CLEAN_ENV[@]}" "$B/leadsynth" --version)
[ "$out" = "leadsynth $VERSION" ] || fail "leadsynth --version printed '$out', expected 'leadsynth $VERSION'"
echo "ok: $out"

"${CLEAN_ENV[@]}" "$B/leadsynth" synthesize "$SAMPLE" --inputs I,II,V2,V4 --out "$T/o" \
    || fail "leadsynth synthesize exited $?"
grep -q "^# leadsynth: measured=I,II,V2,V4;" "$T/o.hea" || fail "o.hea lacks the provenance line"
grep -q "^# software: LeadSynth $VERSION\$" "$T/o.hea" || fail "o.hea does not name LeadSynth $VERSION"
[ -s "$T/o.dat" ] || fail "o.dat missing"
echo "ok: leadsynth synthesize -> o.hea + o.dat"

# Hospital formats: their readers and writers come from pydicom, edfio, sierraecg and
# defusedxml, which the bundle must carry. Written by the bundled CLI, then read back by it.
for ext in dcm edf; do
  "${CLEAN_ENV[@]}" "$B/leadsynth" synthesize "$SAMPLE" --inputs I,II,V2,V4 --out "$T/o.$ext" \
      || fail "leadsynth synthesize --out o.$ext exited $?"
  "${CLEAN_ENV[@]}" "$B/leadsynth" info "$T/o.$ext" | grep -q "^rate: *500 Hz" \
      || fail "leadsynth info could not read back o.$ext"
  echo "ok: leadsynth synthesize -> o.$ext, read back"
done
# The real carts' exports of ../shared/data/formats (GE MUSE, Philips, CardioSoft, HL7 aECG,
# DICOM), when that folder is present: every file not named bad_* opens.
FORMATS="${LEADSYNTH_SHARED_DATA:-$ROOT/../shared/data}/formats"
if [ -d "$FORMATS" ]; then
  n=0
  while IFS= read -r f; do
    "${CLEAN_ENV[@]}" "$B/leadsynth" info "$f" >/dev/null || fail "leadsynth info $f exited $?"
    n=$((n + 1))
  done < <(find "$FORMATS" -type f \( -name '*.xml' -o -name '*.dcm' \) ! -name 'bad_*' | sort)
  echo "ok: leadsynth info opened $n real hospital exports ($FORMATS)"
else
  echo "note: $FORMATS absent: the real hospital exports were not tried"
fi

# A user's HDF5 file (not a bundled sample) is first read by a child process; frozen, that
# child is the executable itself (installers/leadsynth_cli_entry.py routes the flag).
cp "$SAMPLE" "$T/user.h5"
"${CLEAN_ENV[@]}" "$B/leadsynth" info "$T/user.h5" | grep -q "^rate: *500 Hz" \
    || fail "leadsynth info on a user's HDF5 file (checked in a child process) failed"
echo "ok: leadsynth info on a user's HDF5 file (frozen child-process check passed)"
# A file on which libhdf5 segfaults in process (found by benchmarks/fuzz.py): refused, one line.
"$PY" - "$T/crash.h5" <<'EOF' || fail "could not write the fuzz crash file"
import base64, json, sys
entry = next(c for c in json.load(open("benchmarks/results/fuzz.json"))["crashes"] if c["index"] == 11425)
(_, data), = entry["files"].items()
open(sys.argv[1], "wb").write(base64.b64decode(data))
EOF
set +e
err=$("${CLEAN_ENV[@]}" "$B/leadsynth" info "$T/crash.h5" 2>&1 >/dev/null)
rc=$?
set -e
[ "$rc" = 2 ] && echo "$err" | grep -q "crashed (SIGSEGV)" \
    || fail "the segfaulting HDF5 file was not refused cleanly (exit $rc: $err)"
echo "ok: a file that crashes libhdf5 is refused: $err"

"${CLEAN_ENV[@]}" "$B/leadsynth-gui" "$SAMPLE" --inputs I,II,V2,V4 --screenshot "$T/x.png" \
    || fail "leadsynth-gui --screenshot exited $?"
# Check the PNG with the build Python's Qt: the header says PNG, the size is the window size
# app.main sets for screenshots, and the picture is not one flat colour.
"$PY" - "$T/x.png" <<'EOF' || fail "screenshot check"
import os, sys
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from PySide6.QtGui import QGuiApplication, QImage
path = sys.argv[1]
with open(path, "rb") as fh:
    assert fh.read(8) == b"\x89PNG\r\n\x1a\n", "not a PNG file"
app = QGuiApplication([])
img = QImage(path)
assert (img.width(), img.height()) == (1680, 1000), f"size {img.width()}x{img.height()}, expected 1680x1000"
colours = {img.pixel(x, y) for x in range(0, img.width(), 7) for y in range(0, img.height(), 7)}
assert len(colours) > 20, f"only {len(colours)} distinct colours: blank window?"
print(f"ok: screenshot {img.width()}x{img.height()}, {len(colours)} distinct colours in a 7-px sample")
EOF

# install.sh into a scratch prefix, then run through the installed symlink.
# (update-mime-database rightly notes that a scratch prefix is not on XDG_DATA_DIRS: logged, not shown)
"${CLEAN_ENV[@]}" PREFIX="$T/prefix" sh "$T/$NAME/install.sh" >"$T/install.log" 2>&1 || { cat "$T/install.log"; fail "install.sh"; }
out=$("${CLEAN_ENV[@]}" "$T/prefix/bin/leadsynth" --version) || fail "installed leadsynth"
[ "$out" = "leadsynth $VERSION" ] || fail "installed leadsynth --version printed '$out'"
grep -q "^Exec=$T/prefix/lib/leadsynth/leadsynth-gui %f" "$T/prefix/share/applications/leadsynth.desktop" \
    || fail "installed .desktop file has the wrong Exec line"
"${CLEAN_ENV[@]}" sh "$T/prefix/lib/leadsynth/uninstall.sh" >"$T/uninstall.log" 2>&1 || { cat "$T/uninstall.log"; fail "uninstall.sh"; }
[ ! -e "$T/prefix/lib/leadsynth" ] && [ ! -e "$T/prefix/bin/leadsynth" ] || fail "uninstall.sh left files"
echo "ok: install.sh / uninstall.sh into a scratch prefix"

# ---------------------------------------------------------------- sizes and start-up times
# Whole-process wall time, first run (cold-ish: the tarball was just unpacked) and best of 3.
timeit() {
    local label=$1; shift
    local times=()
    for _ in 1 2 3 4; do
        /usr/bin/time -f "%e %M" -o "$T/time.txt" "${CLEAN_ENV[@]}" "$@" >/dev/null 2>&1 || fail "$label"
        times+=("$(cat "$T/time.txt")")
    done
    local first=${times[0]%% *} rss=${times[0]##* }
    local best
    best=$(printf '%s\n' "${times[@]:1}" | cut -d' ' -f1 | sort -g | head -1)
    printf '| `%s` | %s s | %s s | %s MiB |\n' "$label" "$first" "$best" "$((rss / 1024))"
}
{
    echo "# LeadSynth $VERSION Linux build results ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPU cores)"
    echo
    echo "| artefact | size |"
    echo "|---|---|"
    echo "| dist/LeadSynth/ (unpacked bundle) | $(du -sh dist/LeadSynth | cut -f1) |"
    echo "| $TARBALL | $(du -sh "$TARBALL" | cut -f1) |"
    echo
    echo "| command (frozen, whole process) | first run | best of next 3 | peak RSS |"
    echo "|---|---|---|---|"
    timeit "leadsynth --version" "$B/leadsynth" --version
    timeit "leadsynth-gui --screenshot (bundled sample, I,II,V2,V4)" \
        "$B/leadsynth-gui" "$SAMPLE" --inputs I,II,V2,V4 --screenshot "$T/y.png"
} | tee dist/build-results.md
echo "all smoke tests passed; results in dist/build-results.md"
