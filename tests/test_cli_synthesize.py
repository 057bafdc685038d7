"""The command-line contract of ARCHITECTURE.md: synthesize, evaluate, models."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import wfdb

from leadsynth_core.cli import main
from leadsynth_core.io import read_record
from leadsynth_core.leads import STANDARD_LEADS

RECORDS = {
    "ptbxl_100hz": "ptbxl/records100/00000/00001_lr",
    "ptb_1000hz": "cinc2021/PTB_PTBXL/S0002",
    "ludb_500hz": "ludb/data/170",
}


def _provenance_line(hea: Path) -> str:
    lines = [ln for ln in hea.read_text().splitlines() if ln.startswith("#") and "leadsynth:" in ln]
    assert len(lines) == 1, lines
    return lines[0].lstrip("#").strip()


def _field(line: str, name: str) -> list[str]:
    # measured=I,II,V2,V4 derived=... : fields separated by white space or ';'
    for part in line.replace(";", " ").split():
        if part.startswith(name + "="):
            value = part.split("=", 1)[1]
            return [] if value in {"", "-"} else value.split(",")
    raise AssertionError(f"{name} missing from {line!r}")


@pytest.mark.parametrize("which", sorted(RECORDS))
def test_synthesize_writes_12_lead_wfdb_with_provenance(shared_data: Path, tmp_path: Path, which: str, capsys) -> None:
    src = shared_data / RECORDS[which]
    out = tmp_path / "out" / "synth"
    out.parent.mkdir()
    rc = main(["synthesize", str(src), "--inputs", "I,II,V2,V4", "--out", str(out)])
    assert rc == 0, capsys.readouterr().err
    original = read_record(src)

    rec = wfdb.rdrecord(str(out), physical=True)
    assert rec.sig_name == list(STANDARD_LEADS)
    assert [u.lower() for u in rec.units] == ["mv"] * 12
    assert rec.fs == pytest.approx(original.fs)
    assert rec.sig_len == original.n_samples

    line = _provenance_line(out.with_suffix(".hea"))
    assert _field(line, "measured") == ["I", "II", "V2", "V4"]
    assert _field(line, "derived") == ["III", "aVR", "aVL", "aVF"]
    assert _field(line, "synthesized") == ["V1", "V3", "V5", "V6"]
    assert _field(line, "model")

    # Measured leads equal the input's: to within the input file's own resolution.
    back = read_record(out)
    for lead in ("I", "II", "V2", "V4"):
        i = list(STANDARD_LEADS).index(lead)
        resolution = 1.0 / original.metadata.get("gains", {}).get(lead, 1000.0)
        np.testing.assert_allclose(back.lead(lead), original.lead(lead), atol=resolution / 2 + 1e-6)
        np.testing.assert_allclose(rec.p_signal[:, i], original.lead(lead), atol=resolution / 2 + 1e-6)
    assert back.provenance_of("V1").value == "synthesized"
    assert back.provenance_of("III").value == "derived"


def test_synthesize_missing_input_lead_is_a_clean_error(tmp_path: Path, capsys) -> None:
    from leadsynth_core.io import sample_path

    rc = main(["synthesize", str(sample_path()), "--inputs", "I,II,V7", "--out", str(tmp_path / "x")])
    err = capsys.readouterr().err
    assert rc == 2
    assert "V7" in err and "Traceback" not in err
    assert not list(tmp_path.iterdir())


def test_evaluate_writes_per_record_and_per_lead_metrics(shared_data: Path, tmp_path: Path, capsys) -> None:
    data = tmp_path / "data"
    data.mkdir()
    # A small folder of real records, linked (never copied into the project).
    for n in (161, 162):
        for ext in ("hea", "dat"):
            (data / f"{n}.{ext}").symlink_to(shared_data / "ludb" / "data" / f"{n}.{ext}")
    out = tmp_path / "eval.json"
    rc = main(["evaluate", str(data), "--inputs", "I,II,V2,V4", "--json", str(out)])
    assert rc == 0, capsys.readouterr().err
    result = json.loads(out.read_text())
    assert result["n_records"] == 2
    assert result["inputs"] == ["I", "II", "V2", "V4"]
    for rec in result["records"]:
        assert set(rec["leads"]) == {"V1", "V3", "V5", "V6"}
        for m in rec["leads"].values():
            assert set(m) == {"pcc", "rmse", "mae", "snr_db"}
            assert -1.0 <= m["pcc"] <= 1.0 and m["rmse"] > 0 and m["mae"] > 0
    means = [r["mean"]["pcc"] for r in result["records"]]
    assert result["mean"]["pcc"] == pytest.approx(float(np.mean(means)))


def test_models_lists_shipped_cards(capsys) -> None:
    assert main(["models"]) == 0
    out = capsys.readouterr().out
    assert "linear" in out
    assert main(["models", "--json"]) == 0
    cards = json.loads(capsys.readouterr().out)
    assert all({"id", "inputs", "outputs", "fs"} <= set(c) for c in cards)


def test_synthesize_to_hdf5_streams_and_keeps_provenance(tmp_path: Path, capsys) -> None:
    from leadsynth_core.io import sample_path

    out = tmp_path / "synth.h5"
    assert main(["synthesize", str(sample_path()), "--inputs", "I,II,V4", "--out", str(out)]) == 0
    assert "synthesized: V1,V2,V3,V5,V6" in capsys.readouterr().out
    rec = read_record(out)
    src = read_record(sample_path())
    assert rec.lead_names == STANDARD_LEADS
    for lead in ("I", "II", "V4"):
        np.testing.assert_array_equal(rec.lead(lead), src.lead(lead))
    assert rec.leads_with("derived") == ("III", "aVR", "aVL", "aVF")
    # A second run refuses to overwrite without --force.
    assert main(["synthesize", str(sample_path()), "--inputs", "I,II,V4", "--out", str(out)]) == 2
    assert "--force" in capsys.readouterr().err


def test_only_the_file_this_run_writes_counts_as_existing(tmp_path: Path, capsys) -> None:
    """``--out o.dcm`` beside an existing WFDB ``o.hea`` (or ``o.h5``) is another file: written."""
    from leadsynth_core.io import sample_path

    args = ["synthesize", str(sample_path()), "--inputs", "I,II,V4", "--out"]
    assert main([*args, str(tmp_path / "o")]) == 0  # WFDB o.hea + o.dat
    for other in ("o.dcm", "o.edf", "o.h5"):
        assert main([*args, str(tmp_path / other)]) == 0, capsys.readouterr().err
        assert (tmp_path / other).exists()
    capsys.readouterr()
    for again in ("o", "o.hea", "o.dcm", "o.h5"):
        assert main([*args, str(tmp_path / again)]) == 2
        assert "output exists; use --force" in capsys.readouterr().err
