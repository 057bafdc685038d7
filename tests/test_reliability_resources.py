"""Bounded memory for long recordings: the header and a window of a long HDF5 or WFDB
recording are read without loading the whole recording.

The file here is 10 minutes of 12 leads at 500 Hz (14 MB of float32); the figures for
a 24-hour recording scale with the window, not with the file (docs/reliability.md).
"""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from leadsynth_core.errors import RecordFormatError
from leadsynth_core.io import Hdf5RecordWriter, inspect_record, read_record, read_window, write_record
from leadsynth_core.io._common import MAX_READ_VALUES
from leadsynth_core.leads import STANDARD_LEADS
from leadsynth_core.record import EcgRecord

FS = 500.0
MINUTES = 10
N = int(MINUTES * 60 * FS)
CHUNK = 30_000


def _chunk(start: int, n: int) -> np.ndarray:
    t = (start + np.arange(n)) / FS
    return (np.sin(2 * np.pi * 1.2 * t)[:, None] * np.linspace(0.2, 1.8, 12)[None, :]).astype(np.float32)


@pytest.fixture(scope="module")
def long_h5(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("long") / "long.h5"
    with Hdf5RecordWriter(path, FS, STANDARD_LEADS, patient_id="p-long") as w:
        for start in range(0, N, CHUNK):  # streamed: the test never holds the whole file either
            w.append(_chunk(start, min(CHUNK, N - start)))
    return path


@pytest.fixture(scope="module")
def long_wfdb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    n = N // 4  # 2.5 min: the WFDB writer takes a whole record in memory
    rec = EcgRecord(signal=_chunk(0, n), fs=FS, lead_names=STANDARD_LEADS)
    return write_record(rec, tmp_path_factory.mktemp("long_wfdb") / "long")


def _peak(func: Callable[[], Any]) -> tuple[Any, int]:
    tracemalloc.start()
    try:
        result = func()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_long_hdf5_header_and_window_in_bounded_memory(long_h5: Path) -> None:
    whole_bytes = N * 12 * 4
    info, peak_info = _peak(lambda: inspect_record(long_h5))
    assert info.n_samples == N and info.duration == MINUTES * 60
    assert peak_info < 256 * 1024
    window_n = int(10 * FS)  # the 10 s a screen shows
    start = N // 2 + 123
    t0 = time.perf_counter()
    window, peak_window = _peak(lambda: read_window(long_h5, start, start + window_n))
    elapsed = time.perf_counter() - t0
    np.testing.assert_array_equal(window.signal, _chunk(start, window_n))
    assert window.metadata["window"] == [start, start + window_n]
    # float32 result + the float64 conversion of one window: ~0.7 MB, whatever the file length.
    assert peak_window < 4 * window_n * 12 * 8, peak_window
    assert peak_window < whole_bytes / 10
    assert elapsed < 5.0


def test_window_memory_does_not_grow_with_the_file(long_h5: Path, tmp_path: Path) -> None:
    short = tmp_path / "short.h5"
    with Hdf5RecordWriter(short, FS, STANDARD_LEADS) as w:
        w.append(_chunk(0, 2 * CHUNK))
    window_n = 5000
    _, peak_short = _peak(lambda: read_window(short, 1000, 1000 + window_n))
    _, peak_long = _peak(lambda: read_window(long_h5, N - 2 * window_n, N - window_n))
    assert peak_long < 1.5 * peak_short + 64 * 1024


def test_long_wfdb_window_reads_only_the_window(long_wfdb: Path) -> None:
    n = N // 4
    window_n = int(10 * FS)
    window, peak_end = _peak(lambda: read_window(long_wfdb, n - window_n, n))
    assert window.n_samples == window_n
    np.testing.assert_allclose(window.signal, _chunk(n - window_n, window_n), atol=1e-3)
    _, peak_start = _peak(lambda: read_window(long_wfdb, 0, window_n))
    _, peak_whole = _peak(lambda: read_record(long_wfdb))
    # wfdb's conversions cost ~40 bytes per value read; what counts is that a window costs
    # the same at the end of the file as at its start, and a fraction of the whole.
    assert peak_end < 1.2 * peak_start + 64 * 1024
    assert peak_end < peak_whole / 5, (peak_end, peak_whole)


def test_whole_read_is_refused_above_the_limit_before_allocating(long_h5: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A whole read larger than MAX_READ_VALUES fails fast; windows still work."""
    import leadsynth_core.io._common as common

    assert MAX_READ_VALUES >= 3 * 3600 * 500 * 12  # 3 h of 12 leads at 500 Hz still reads whole
    monkeypatch.setattr(common, "MAX_READ_VALUES", N * 12 // 2)
    with pytest.raises(RecordFormatError, match=r"long\.h5.*too large to read whole.*read_window"):
        _, peak = _peak(lambda: read_record(long_h5))
    _, peak = _peak(lambda: _raises(lambda: read_record(long_h5)))
    assert peak < 256 * 1024
    assert read_window(long_h5, 0, 1000).n_samples == 1000


def _raises(func: Callable[[], Any]) -> None:
    with pytest.raises(RecordFormatError):
        func()
