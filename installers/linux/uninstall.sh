#!/bin/sh
# Remove LeadSynth as installed by install.sh (run the copy in the installed program folder,
# or pass --system / PREFIX=... exactly as for install.sh).  User data (settings, the
# recordings library, personal models) is kept, in ~/.local/share/LeadSynth (or $LEADSYNTH_HOME).
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
if [ -f "$HERE/install-paths.txt" ]; then
    . "$HERE/install-paths.txt"
elif [ "${1:-}" = "--system" ]; then
    APPDIR=/opt/leadsynth BINDIR=/usr/local/bin SHARE=/usr/share
else
    PREFIX=${PREFIX:-$HOME/.local}
    APPDIR=$PREFIX/lib/leadsynth BINDIR=$PREFIX/bin SHARE=${XDG_DATA_HOME:-$PREFIX/share}
    [ "$PREFIX" = "$HOME/.local" ] || SHARE=$PREFIX/share
fi

# Only our own symlinks: never a same-named command that some other package installed.
for cmd in leadsynth leadsynth-gui; do
    if [ -L "$BINDIR/$cmd" ] && [ "$(readlink "$BINDIR/$cmd")" = "$APPDIR/$cmd" ]; then rm -f "$BINDIR/$cmd"; fi
done
rm -f "$SHARE/applications/leadsynth.desktop" "$SHARE/mime/packages/leadsynth.xml"
rm -f "$SHARE"/icons/hicolor/*/apps/leadsynth.png "$SHARE/icons/hicolor/scalable/apps/leadsynth.svg"
if command -v update-mime-database >/dev/null 2>&1; then update-mime-database "$SHARE/mime" || true; fi
if command -v update-desktop-database >/dev/null 2>&1; then update-desktop-database "$SHARE/applications" || true; fi
case "$APPDIR" in
    */leadsynth) rm -rf "$APPDIR" ;;  # guard: never delete a folder not named by install.sh
    *) echo "uninstall.sh: refusing to delete unexpected folder $APPDIR" >&2; exit 1 ;;
esac
echo "LeadSynth removed (your settings, library and personal models were kept)."
