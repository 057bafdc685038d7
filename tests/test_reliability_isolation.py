"""The child-process probe of HDF5 files (``leadsynth_core.io.isolation``).

The three inputs of ``benchmarks/results/fuzz.json`` that libhdf5 cannot survive in
process (a hang, a segmentation fault, a 4-s read) must end in a ``RecordFormatError``
naming the file within the time limit, through the guard and through the CLI; a valid
file passes and reads normally, and is probed only once per process.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from child_env import child_env

from leadsynth_core import io as lsio
from leadsynth_core.errors import RecordFormatError, UnsupportedLeadError
from leadsynth_core.io import isolation

ROOT = Path(__file__).resolve().parents[1]
FUZZ = ROOT / "benchmarks" / "results" / "fuzz.json"
BAD_HDF5 = ROOT / "tests" / "data" / "bad" / "hdf5"

# fuzz.json index -> (how libhdf5 fails on it in process, probe time limit in s)
CRASHES: dict[int, tuple[str, float]] = {
    4403: ("hang", 5.0),
    11425: ("segfault", 5.0),
    17735: ("slow", isolation.DEFAULT_TIMEOUT_S),
}
# Start-up of the child and a busy machine, on top of the time limit.
SLACK_S = 10.0


def _crash_file(index: int, folder: Path) -> Path:
    entry = next(c for c in json.loads(FUZZ.read_text(encoding="utf-8"))["crashes"] if c["index"] == index)
    (name, data), = entry["files"].items()
    path = folder / f"fuzz{index}_{name}"
    path.write_bytes(base64.b64decode(data))
    return path


class _ChildCounter:
    """Counts the child processes the probe starts (wraps the real ``_run_child``)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls = 0
        self._real = isolation._run_child
        monkeypatch.setattr(isolation, "_run_child", self)

    def __call__(self, path: Path, fs: float | None, timeout_s: float, key: str | None = None) -> object:
        self.calls += 1
        return self._real(path, fs, timeout_s, key)


@pytest.fixture(autouse=True)
def _fresh_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(isolation, "_CACHE", {})


@pytest.mark.parametrize("index", sorted(CRASHES))
def test_guard_refuses_fuzz_crash(index: int, tmp_path: Path) -> None:
    kind, timeout_s = CRASHES[index]
    path = _crash_file(index, tmp_path)
    t0 = time.perf_counter()
    with pytest.raises(RecordFormatError) as err:
        lsio.guard_record(path, timeout_s=timeout_s)
    elapsed = time.perf_counter() - t0
    message = str(err.value)
    assert str(path) in message and "\n" not in message
    assert elapsed < timeout_s + SLACK_S
    if kind == "hang":
        assert f"did not finish reading this file within {timeout_s:g} s" in message
    elif kind == "segfault":
        assert "crashed (SIGSEGV)" in message


@pytest.mark.parametrize("index", sorted(CRASHES))
def test_cli_info_refuses_fuzz_crash(index: int, tmp_path: Path) -> None:
    path = _crash_file(index, tmp_path)
    env = child_env(LEADSYNTH_HOME=str(tmp_path / "home"))
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "leadsynth_core.cli", "info", str(path)],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=60)
    elapsed = time.perf_counter() - t0
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("leadsynth info: error: ") and str(path) in lines[0]
    assert "Traceback" not in proc.stderr
    assert elapsed < 30.0


def test_valid_file_passes_then_reads_normally(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    counter = _ChildCounter(monkeypatch)
    path = tmp_path / "valid.h5"
    shutil.copyfile(lsio.sample_path(), path)
    lsio.guard_record(path)
    assert counter.calls == 1
    record = lsio.read_record(path)
    expected = lsio.read_record(lsio.sample_path())
    np.testing.assert_array_equal(record.signal, expected.signal)
    assert record.lead_names == expected.lead_names


def test_probe_is_cached_per_file_version(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    counter = _ChildCounter(monkeypatch)
    path = tmp_path / "valid.h5"
    shutil.copyfile(lsio.sample_path(), path)
    lsio.probe_hdf5(path)
    lsio.guard_record(path)
    lsio.guard_record(str(path), key=None)
    assert counter.calls == 1
    # A rewritten file (new modification time) is a different file: probed again.
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    lsio.guard_record(path)
    assert counter.calls == 2


def test_refusal_is_cached(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    counter = _ChildCounter(monkeypatch)
    path = _crash_file(11425, tmp_path)
    for _ in range(2):
        with pytest.raises(RecordFormatError, match="crashed"):
            lsio.guard_record(path)
    assert counter.calls == 1


def test_child_error_keeps_class_and_message(tmp_path: Path) -> None:
    path = tmp_path / "project_bad_leads.h5"
    shutil.copyfile(BAD_HDF5 / "project_bad_leads.h5", path)
    with pytest.raises(UnsupportedLeadError) as direct:
        lsio.read_record(path)
    with pytest.raises(UnsupportedLeadError) as probed:
        lsio.guard_record(path)
    assert str(probed.value) == str(direct.value)


def test_no_child_when_not_needed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    counter = _ChildCounter(monkeypatch)
    crash = _crash_file(11425, tmp_path)
    lsio.guard_record(crash, isolate=False)  # switched off: the caller takes the risk
    lsio.guard_record(lsio.sample_path())  # bundled samples are trusted
    assert counter.calls == 0


def test_cli_no_isolation_switch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    from leadsynth_core.cli import main

    counter = _ChildCounter(monkeypatch)
    path = tmp_path / "valid.h5"
    shutil.copyfile(lsio.sample_path(), path)
    assert main(["info", "--header-only", "--no-isolation", str(path)]) == 0
    assert counter.calls == 0
    assert main(["info", "--header-only", str(path)]) == 0
    assert counter.calls == 1
    assert "leads (12)" in capsys.readouterr().out


def test_frozen_entry_scripts_know_the_probe_flag() -> None:
    """A frozen build has no ``python -m``: both entry scripts must route the probe flag."""
    from leadsynth_core.io.isolation import FROZEN_PROBE_FLAG

    root = Path(__file__).resolve().parents[1] / "installers"
    for name in ("leadsynth_cli_entry.py", "leadsynth_gui_entry.py"):
        text = (root / name).read_text(encoding="utf-8")
        assert f'sys.argv[1] == "{FROZEN_PROBE_FLAG}"' in text, name
        assert "probe_child_main(sys.argv[2:])" in text, name


def test_many_record_file_is_probed_by_its_first_records_and_the_chosen_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A CODE-15 part file holds 20,000 exams: the child must not walk them all (it would
    time out and refuse a good file); it probes the first few and the one asked for."""
    import h5py

    from leadsynth_core.io import _probe_child

    n = 40
    path = tmp_path / "code15.h5"
    with h5py.File(path, "w") as f:
        d = f.create_dataset("tracings", shape=(n, 4096, 12), dtype="f4")
        d[...] = np.random.default_rng(0).normal(scale=0.1, size=(n, 4096, 12)).astype("f4")
        f.create_dataset("exam_id", data=np.arange(n) + 500)
    keys = lsio.list_records(path)
    report = _probe_child.probe(str(path), None)
    assert report["keys"] == keys and list(report["records"]) == keys[: _probe_child.PROBE_RECORDS]
    report = _probe_child.probe(str(path), None, keys[-1])
    assert list(report["records"]) == [*keys[: _probe_child.PROBE_RECORDS], keys[-1]]

    counter = _ChildCounter(monkeypatch)
    lsio.guard_record(path)  # the viewer listing the file
    lsio.guard_record(path, key=keys[3])  # a record the listing probed: no second child
    assert counter.calls == 1
    lsio.guard_record(path, key=keys[-1])  # one it did not: probed on its own, once
    lsio.guard_record(path, key=keys[-1])
    assert counter.calls == 2
    assert lsio.read_record(path, key=keys[-1]).n_samples == 4096


def test_a_time_out_is_not_cached(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A time-out may come from a busy machine: opening the file again probes it again."""
    counter = _ChildCounter(monkeypatch)
    path = _crash_file(4403, tmp_path)  # hangs libhdf5
    for _ in range(2):
        with pytest.raises(RecordFormatError, match=r"within 2 s; it is probably damaged \(if the computer"):
            lsio.guard_record(path, timeout_s=2.0)
    assert counter.calls == 2
