"""Streaming synthesis of long recordings: bounded memory, no seams, nothing half-written."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from leadsynth_core.errors import CancelledError, RecordFormatError
from leadsynth_core.io import Hdf5RecordWriter, read_record, sample_path
from leadsynth_core.progress import CancelToken
from leadsynth_core.streaming import synthesize_file
from leadsynth_core.synthesis import synthesize

INPUTS = ("I", "II", "V2", "V4")


@pytest.fixture(scope="module")
def long_record(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 4-lead, 2-minute recording (the demo sample tiled) in the project's HDF5 schema."""
    base = read_record(sample_path()).select(INPUTS)
    reps = int(np.ceil(120 * base.fs / base.n_samples))
    path = tmp_path_factory.mktemp("long") / "holter.h5"
    with Hdf5RecordWriter(path, base.fs, INPUTS, patient_id="p1") as writer:
        for _ in range(reps):
            writer.append(base.signal)
    return path


def test_streamed_equals_in_memory_without_seams(long_record: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.h5"
    fractions: list[float] = []
    synthesize_file(long_record, out, INPUTS, chunk_s=30.0, margin_s=3.0,
                    progress=lambda f, m: fractions.append(f))
    streamed = read_record(out)
    whole = synthesize(read_record(long_record), INPUTS)
    assert streamed.lead_names == whole.lead_names
    assert streamed.provenance == whole.provenance
    assert streamed.n_samples == whole.n_samples
    src = read_record(long_record)
    for lead in INPUTS:  # measured leads: bit-identical
        np.testing.assert_array_equal(streamed.lead(lead), src.lead(lead))
    for lead in streamed.leads_with("synthesized"):
        a, b = streamed.lead(lead), whole.lead(lead)
        assert np.corrcoef(a, b)[0, 1] > 0.995
        # No seam: the sample-to-sample step at chunk borders is like anywhere else.
        step = np.abs(np.diff(a))
        border = [int(k * 30 * streamed.fs) for k in range(1, 4)]
        assert max(step[i - 2:i + 2].max() for i in border) <= np.percentile(step, 99.9) * 1.5 + 1e-3
    assert fractions[-1] == pytest.approx(1.0)


def test_cancel_leaves_no_file(long_record: Path, tmp_path: Path) -> None:
    out = tmp_path / "cancelled.h5"
    token = CancelToken()

    def progress(fraction: float, message: str) -> None:
        if fraction > 0.2:
            token.cancel()

    with pytest.raises(CancelledError):
        synthesize_file(long_record, out, INPUTS, chunk_s=20.0, progress=progress, cancel=token)
    assert list(tmp_path.iterdir()) == []


def test_output_must_be_hdf5(long_record: Path, tmp_path: Path) -> None:
    with pytest.raises(RecordFormatError, match=r"\.h5"):
        synthesize_file(long_record, tmp_path / "out.dat", INPUTS)
