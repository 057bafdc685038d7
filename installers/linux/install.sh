#!/bin/sh
# Install LeadSynth from this unpacked tarball; no Python needed.
#
#   ./install.sh                  for the current user (~/.local), no root needed
#   sudo ./install.sh --system    for every user (/opt/leadsynth, /usr/local/bin, /usr/share)
#   PREFIX=/some/where ./install.sh   anywhere else (bin/, lib/leadsynth/, share/ under it)
#
# Installs the program folder, the commands `leadsynth` and `leadsynth-gui`, a menu entry,
# the icon, and the file types .hea (new type application/x-wfdb-header) and .h5/.hdf5
# (the standard application/x-hdf) so a file manager offers "Open with LeadSynth".
# ./uninstall.sh (copied next to the program) removes all of it.
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
if [ "${1:-}" = "--system" ]; then
    APPDIR=/opt/leadsynth
    BINDIR=/usr/local/bin
    SHARE=/usr/share
else
    PREFIX=${PREFIX:-$HOME/.local}
    APPDIR=$PREFIX/lib/leadsynth
    BINDIR=$PREFIX/bin
    SHARE=${XDG_DATA_HOME:-$PREFIX/share}
    [ "$PREFIX" = "$HOME/.local" ] || SHARE=$PREFIX/share
fi

[ -x "$HERE/LeadSynth/leadsynth-gui" ] || { echo "install.sh: $HERE/LeadSynth/leadsynth-gui not found; run me from the unpacked tarball" >&2; exit 1; }

echo "Installing LeadSynth into $APPDIR"
# Replace, never merge: files of an older version must not linger in the bundle.
rm -rf "$APPDIR.new"
mkdir -p "$(dirname "$APPDIR")" "$BINDIR" "$SHARE/applications" "$SHARE/mime/packages"
cp -a "$HERE/LeadSynth" "$APPDIR.new"
cp "$HERE/uninstall.sh" "$APPDIR.new/uninstall.sh"
rm -rf "$APPDIR"
mv "$APPDIR.new" "$APPDIR"

# Symlinks work: the PyInstaller boot loader finds its _internal folder from the real path.
ln -sf "$APPDIR/leadsynth" "$BINDIR/leadsynth"
ln -sf "$APPDIR/leadsynth-gui" "$BINDIR/leadsynth-gui"

# Absolute Exec path: a desktop session's PATH often lacks ~/.local/bin.
sed -e "s|^Exec=leadsynth-gui|Exec=$APPDIR/leadsynth-gui|" -e "s|^TryExec=leadsynth-gui|TryExec=$APPDIR/leadsynth-gui|" \
    "$HERE/leadsynth.desktop" > "$SHARE/applications/leadsynth.desktop"
cp "$HERE/leadsynth-mime.xml" "$SHARE/mime/packages/leadsynth.xml"
for png in "$HERE"/icons/leadsynth-*.png; do
    size=$(basename "$png" .png | sed 's/leadsynth-//')
    mkdir -p "$SHARE/icons/hicolor/${size}x${size}/apps"
    cp "$png" "$SHARE/icons/hicolor/${size}x${size}/apps/leadsynth.png"
done
mkdir -p "$SHARE/icons/hicolor/scalable/apps"
cp "$HERE/icons/leadsynth.svg" "$SHARE/icons/hicolor/scalable/apps/leadsynth.svg"

# Refresh the desktop's caches where the tools exist (absent on servers: not an error).
if command -v update-mime-database >/dev/null 2>&1; then update-mime-database "$SHARE/mime" || true; fi
if command -v update-desktop-database >/dev/null 2>&1; then update-desktop-database "$SHARE/applications" || true; fi
if command -v gtk-update-icon-cache >/dev/null 2>&1; then gtk-update-icon-cache -q -t "$SHARE/icons/hicolor" || true; fi
if command -v xdg-mime >/dev/null 2>&1; then
    # Offer LeadSynth for .hea files by default; HDF5 stays with whatever the user chose.
    xdg-mime default leadsynth.desktop application/x-wfdb-header || true
fi

cat > "$APPDIR/install-paths.txt" <<PATHS
APPDIR=$APPDIR
BINDIR=$BINDIR
SHARE=$SHARE
PATHS
echo "Done.  Start it from the menu (LeadSynth) or run: $BINDIR/leadsynth-gui"
case ":$PATH:" in *":$BINDIR:"*) ;; *) echo "Note: $BINDIR is not on your PATH; add it to use 'leadsynth' in a terminal." ;; esac
