"""Run a Python snippet in a child process and SIGKILL it at a moment it announces.

Used by the tests that show a real kill (not an exception) during a library write or a
model save leaves everything consistent.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from child_env import child_env

ROOT = Path(__file__).resolve().parents[1]


def kill_when(script: str, args: list[str], marker: str, *, delay_s: float = 0.0) -> str:
    """Start ``python -c script *args``; once it prints ``marker``, wait ``delay_s`` and SIGKILL it.

    Returns what the child printed to stdout after the marker.  Fails the test if the
    child ends before announcing the marker, or is not ended by the kill.
    """
    env = child_env()
    proc = subprocess.Popen(
        [sys.executable, "-c", script, *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT,
    )
    try:
        line = proc.stdout.readline()
        if line.strip() != marker:
            proc.kill()
            _out, err = proc.communicate(timeout=60)
            raise AssertionError(f"child did not reach {marker!r}: {line!r}\n{err}")
        if delay_s:
            time.sleep(delay_s)
        os.kill(proc.pid, signal.SIGKILL)
        out, _err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == -signal.SIGKILL, proc.returncode
    return out
