"""The log file: a failing command writes its traceback to the rotating log in the
user log folder (LEADSYNTH_HOME here), never to the console, and no sample values.

(``-vv`` asks for debug output on the console, tracebacks included; the failing runs
here use the default and ``-v``.)"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
from child_env import child_env

from leadsynth_core.io import write_record
from leadsynth_core.leads import STANDARD_LEADS
from leadsynth_core.record import EcgRecord

ROOT = Path(__file__).resolve().parents[1]
BAD = ROOT / "tests" / "data" / "bad"
#: Distinctive sample values (mV): none of their spellings may appear in the log.
MARKERS = (3.141593, -2.718282, 1.414214)


def _run(args: list[str], home: Path) -> subprocess.CompletedProcess[str]:
    env = child_env(LEADSYNTH_HOME=str(home))
    return subprocess.run([sys.executable, "-m", "leadsynth_core.cli", *args], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=180)


def test_failing_commands_log_tracebacks_to_the_file_only_and_no_samples(tmp_path: Path) -> None:
    home = tmp_path / "home"
    n = 5000
    t = np.arange(n) / 500.0
    sig = (np.sin(2 * np.pi * 1.3 * t)[:, None] * np.linspace(0.3, 1.2, 12)[None, :]).astype(np.float32)
    sig[100:112] = np.array(MARKERS * 4, dtype=np.float32)  # the values the log must not show
    good = write_record(EcgRecord(signal=sig, fs=500.0, lead_names=STANDARD_LEADS, patient_id="LOGTEST"),
                        tmp_path / "good")
    runs = [
        (["-vv", "info", str(good)], 0),
        (["-vv", "synthesize", str(good), "--inputs", "I,II,V3", "--out", str(tmp_path / "syn")], 0),
        (["info", str(BAD / "hdf5" / "nan.h5")], 2),
        (["-v", "info", str(BAD / "wfdb" / "gain_tiny.hea")], 2),
        (["synthesize", str(good), "--inputs", "I,II,V3", "--model", str(BAD / "models" / "hash_mismatch.json"),
          "--out", str(tmp_path / "syn2")], 2),
    ]
    for args, code in runs:
        proc = _run(args, home)
        assert proc.returncode == code, (args, proc.stderr)
        assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout
        if code == 2:
            assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    log_file = home / "logs" / "leadsynth.log"
    text = log_file.read_text(encoding="utf-8")
    # One traceback per failing command, with the error that ended it.
    assert text.count("Traceback (most recent call last)") == 3
    assert "SignalQualityError: " in text and "nan.h5" in text
    assert "gain_tiny.hea: lead II has 100 sample(s) beyond the plausible range" in text
    assert "ModelError: " in text and "hash_mismatch.safetensors" in text
    # No sample values: not as mV, not as the WFDB digital units they are stored as.
    for value in MARKERS:
        for spelling in (f"{value:.3f}", f"{value:.4f}", f"{value:g}", str(int(round(value * 1e6))),
                         str(int(round(value * 1e3)))):
            assert spelling not in text, f"sample value {spelling} in the log"
    assert not re.search(r"array\(\[", text), "an array repr reached the log"
