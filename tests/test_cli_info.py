"""``leadsynth info``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from leadsynth_core.cli import main
from leadsynth_core.io import write_records
from leadsynth_core.leads import STANDARD_LEADS
from leadsynth_core.record import EcgRecord, Provenance


def _rec(n: int) -> EcgRecord:
    sig = np.tile(np.linspace(-1, 1, n, dtype=np.float32)[:, None], (1, 12))
    prov = (Provenance.MEASURED,) * 2 + (Provenance.DERIVED,) * 4 + (Provenance.SYNTHESIZED,) * 6
    return EcgRecord(signal=sig, fs=500, lead_names=STANDARD_LEADS, provenance=prov, model_id="m-1", patient_id="p9")


def test_info_multi_record_lists_keys_then_describes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_records({"first": _rec(1000), "second": _rec(2500)}, tmp_path / "two.h5")
    assert main(["info", str(path)]) == 0
    out = capsys.readouterr().out
    assert "2 records" in out and "  first" in out and "  second" in out
    assert main(["info", str(path), "--key", "second"]) == 0
    out = capsys.readouterr().out
    assert "duration:     5.000 s (2500 samples)" in out
    assert "synthesized:  V1, V2, V3, V4, V5, V6" in out
    assert "model:        m-1" in out and "patient:      p9" in out
    assert main(["info", str(path), "--key", "first", "--header-only"]) == 0
    out = capsys.readouterr().out
    assert "1000 samples" in out and "  aVR   derived" in out


def test_info_bad_file_is_one_line_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "x.hea").write_text("x 1 0 10\nx.dat 16 1000/mV 16 0 0 0 0 I\n")
    assert main(["info", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("leadsynth info: error: ") and "sampling frequency '0'" in err
    assert "Traceback" not in err


def test_info_real_ptb(shared_data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["info", str(shared_data / "ptbdb" / "patient001" / "s0010_re")]) == 0
    out = capsys.readouterr().out
    assert "patient:      patient001" in out and "1990-10-01" in out
    assert "  vx    measured" in out and "rate:         1000 Hz" in out
