"""``scripts/run.sh`` says what to install when Qt cannot start (scripts/qt_doctor.sh)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCTOR = ROOT / "scripts" / "qt_doctor.sh"
XCB_ABORT = (
    "qt.qpa.plugin: From 6.5.0, xcb-cursor0 or libxcb-cursor0 is needed to load the Qt xcb platform plugin.\n"
    'qt.qpa.plugin: Could not load the Qt platform plugin "xcb" in "" even though it was found.\n'
)

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the advice is for Linux desktops")


def _fake_python(tmp_path: Path) -> Path:
    """A stand-in interpreter whose Qt start prints $ERR and exits $STATUS, as a real one would."""
    fake = tmp_path / "python"
    fake.write_text(
        "#!/usr/bin/env bash\n"
        'case "$2" in *QGuiApplication*) printf %s "$ERR" >&2; exit $STATUS ;; esac\n'
        f"echo {tmp_path / 'no-plugin.so'}\n"
    )
    fake.chmod(0o755)
    return fake


def _run(fake: Path, stderr: str, status: int, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
    return subprocess.run(
        ["bash", str(DOCTOR), str(fake)], env={**base, "ERR": stderr, "STATUS": str(status), **env},
        capture_output=True, text=True, timeout=60,
    )


def test_missing_xcb_libraries_print_the_apt_get_line(tmp_path: Path) -> None:
    fake = _fake_python(tmp_path)
    proc = _run(fake, XCB_ABORT, 134)
    assert proc.returncode == 1
    assert "sudo apt-get install libxcb-cursor0" in proc.stderr and "libxkbcommon-x11-0" in proc.stderr
    assert "Missing system libraries: libxcb-cursor.so.0" in proc.stderr
    assert "xcb-cursor0 or libxcb-cursor0 is needed" in proc.stderr  # Qt's own words are kept


def test_no_display_says_so(tmp_path: Path) -> None:
    err = 'qt.qpa.xcb: could not connect to display \nqt.qpa.plugin: Could not load the Qt platform plugin "xcb"\n'
    proc = _run(_fake_python(tmp_path), err, 134)
    assert proc.returncode == 1 and "no display" in proc.stderr and "offscreen" in proc.stderr
    assert "apt-get" not in proc.stderr


def test_working_qt_and_offscreen_pass_silently(tmp_path: Path) -> None:
    proc = _run(_fake_python(tmp_path), "", 0)
    assert proc.returncode == 0 and proc.stderr == ""
    proc = _run(_fake_python(tmp_path), XCB_ABORT, 134, QT_QPA_PLATFORM="offscreen")
    assert proc.returncode == 0 and proc.stderr == ""


def test_run_script_asks_the_doctor_before_starting_the_viewer() -> None:
    lines = (ROOT / "scripts" / "run.sh").read_text().splitlines()
    doctor = next(i for i, ln in enumerate(lines) if "scripts/qt_doctor.sh" in ln and not ln.lstrip().startswith("#"))
    viewer = next(i for i, ln in enumerate(lines) if ln.startswith("exec ") and "leadsynth-gui" in ln)
    assert doctor < viewer and "|| exit 1" in lines[doctor]
