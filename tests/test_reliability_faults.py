"""Faults during work: a full disk, an unwritable target, a process killed mid-write,
a recording that disappears after it entered the library.

Nothing may be lost or left half-written: a failed export or model save raises a
LeadSynth error naming the target and leaves no file (not even a temporary); a killed
library writer leaves a consistent SQLite file holding every committed row.
"""

from __future__ import annotations

import errno
import json
import os
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from child_env import child_env
from killing import kill_when

from leadsynth_core.errors import LeadSynthError, ModelError, RecordFormatError
from leadsynth_core.io import Hdf5RecordWriter, read_record, write_record
from leadsynth_core.leads import STANDARD_LEADS
from leadsynth_core.library import Library
from leadsynth_core.models import ModelCard, build_network, save_model
from leadsynth_core.record import EcgRecord, Provenance

ROOT = Path(__file__).resolve().parents[1]
posix_only = pytest.mark.skipif(sys.platform == "win32", reason="needs POSIX resource limits and signals")


def _record(n: int = 5000, seed: int = 0, patient: str | None = None) -> EcgRecord:
    rng = np.random.default_rng(seed)
    t = np.arange(n) / 500.0
    sig = np.sin(2 * np.pi * 1.1 * t)[:, None] * rng.uniform(0.2, 1.5, 12)[None, :]
    sig += 0.02 * rng.standard_normal((n, 12))
    return EcgRecord(signal=sig.astype(np.float32), fs=500.0, lead_names=STANDARD_LEADS, patient_id=patient,
                     provenance=(Provenance.MEASURED,) * 12)


def _card(cid: str = "fault-test") -> ModelCard:
    return ModelCard(id=cid, name="fault test", architecture="linear",
                     arch_params={"in_channels": 3, "out_channels": 5}, inputs=["I", "II", "V3"],
                     outputs=["V1", "V2", "V4", "V5", "V6"], training={"data": "none"})


def _files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


# ------------------------------------------------------------------ full disk
_FULL_DISK = textwrap.dedent(
    """
    # Runs with a file-size limit: every write past LIMIT bytes fails with EFBIG, in
    # Python and in libhdf5 alike (the closest portable stand-in for a full disk).
    import json, resource, signal, sys
    from pathlib import Path
    import numpy as np
    sys.path.insert(0, sys.argv[3])
    from test_reliability_faults import _card, _record
    from leadsynth_core.errors import LeadSynthError
    from leadsynth_core.io import Hdf5RecordWriter, write_record
    from leadsynth_core.models import build_network, save_model
    out, limit = Path(sys.argv[1]), int(sys.argv[2])
    rec = _record(20000)
    module = build_network("linear", in_channels=3, out_channels=5)
    with __import__("torch").no_grad():
        module.head.weight.normal_()  # random weights do not compress: the file is big
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    results = {}
    def attempt(name, func):
        try:
            func()
            results[name] = "written"
        except LeadSynthError as exc:
            results[name] = f"{type(exc).__name__}: {exc}"
    attempt("wfdb", lambda: write_record(rec, out / "wfdb_out"))
    attempt("hdf5", lambda: write_record(rec, out / "hdf5_out.h5"))
    def stream():
        with Hdf5RecordWriter(out / "stream_out.h5", 500.0, rec.lead_names) as w:
            for i in range(20):
                w.append(rec.signal)
    attempt("stream", stream)
    attempt("model", lambda: save_model(module, _card(), out / "models" / "model_out"))
    print(json.dumps(results))
    """
)


@posix_only
@pytest.mark.parametrize("limit", [0, 200, 60_000])
def test_full_disk_fails_cleanly_and_leaves_nothing(tmp_path: Path, limit: int) -> None:
    out = tmp_path / "out"
    (out / "models").mkdir(parents=True)
    env = child_env()
    proc = subprocess.run([sys.executable, "-c", _FULL_DISK, str(out), str(limit), str(ROOT / "tests")],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)
    # A native crash in libhdf5 (it used to segfault on a failed write) ends with a signal.
    assert proc.returncode == 0, proc.stderr[-2000:]
    results = json.loads(proc.stdout.strip().splitlines()[-1])
    for name in ("wfdb", "hdf5", "stream"):
        assert results[name].startswith("RecordFormatError: "), results
        assert f"{name}_out" in results[name] and "cannot write the record: File too large" in results[name]
    if results["model"] == "written":  # small enough for the limit: then it is whole
        from leadsynth_core.models import load_model

        assert load_model(out / "models" / "model_out.json").card.id == "fault-test"
        assert _files(out) == ["models", "models/model_out.json", "models/model_out.safetensors"]
    else:
        assert results["model"].startswith("ModelError: ") and "model_out: cannot write model" in results["model"]
        assert _files(out) == ["models"], "a failed write left files behind"
    if limit < 250:  # the weight file alone is larger than that
        assert results["model"] != "written"


def _enospc(*args: object, **kwargs: object) -> None:
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_enospc_while_writing_wfdb_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same through a monkeypatched write (runs everywhere, also where rlimits do not)."""
    real = Path.write_bytes

    def half_then_full(self: Path, data: bytes) -> int:
        real(self, data[: len(data) // 2])  # half of the samples reach the disk...
        _enospc()  # ...then it is full
        return 0

    monkeypatch.setattr(Path, "write_bytes", half_then_full)
    with pytest.raises(RecordFormatError, match=r"out: cannot write the record: No space left on device"):
        write_record(_record(), tmp_path / "out")
    assert _files(tmp_path) == []


def test_enospc_while_saving_a_model_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import leadsynth_core.models.registry as registry

    def half_then_full(tensors: dict, filename: str, metadata: dict | None = None) -> None:
        Path(filename).write_bytes(b"\0" * 100)
        _enospc()

    monkeypatch.setattr(registry, "save_file", half_then_full)
    module = build_network("linear", in_channels=3, out_channels=5)
    with pytest.raises(ModelError, match=r"m1: cannot write model: No space left on device"):
        save_model(module, _card(), tmp_path / "m1")
    assert _files(tmp_path) == []


def test_unwritable_targets_fail_cleanly(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A target under a regular file (what chmod cannot simulate for root) is refused."""
    blocker = tmp_path / "not_a_folder"
    blocker.write_text("x")
    rec = _record(1000)
    for target in (blocker / "out", blocker / "out.h5", blocker / "sub" / "out"):
        with pytest.raises(RecordFormatError, match=rf"{target}: cannot write the record: (Not a directory|File exists)"):
            write_record(rec, target)
    with pytest.raises(RecordFormatError, match="cannot write the record: (Not a directory|File exists)"):
        Hdf5RecordWriter(blocker / "s.h5", 500.0, STANDARD_LEADS)
    with pytest.raises(ModelError, match=r"not_a_folder/m: cannot write model"):
        save_model(build_network("linear", in_channels=3, out_channels=5), _card(), blocker / "m")
    # Through the CLI: exit 2, one line, no traceback, nothing written.
    from leadsynth_core.cli import main

    src = write_record(rec, tmp_path / "src")
    code = main(["synthesize", str(src), "--inputs", "I,II,V3", "--out", str(blocker / "syn")])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert "not_a_folder/syn" in err and ("Not a directory" in err or "File exists" in err)
    assert _files(tmp_path) == ["not_a_folder", "src.dat", "src.hea"]


# -------------------------------------------------------------- killed writer
_LIBRARY_WRITER = textwrap.dedent(
    """
    # Adds recordings and models to the library as fast as it can, printing each
    # committed step; the test kills it with SIGKILL at a random moment.
    import sys
    from pathlib import Path
    sys.path.insert(0, sys.argv[3])
    from test_reliability_faults import _card, _record
    from leadsynth_core.io import write_record
    from leadsynth_core.library import Library
    from leadsynth_core.models import build_network, save_model
    db, data, first = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[4])
    module = build_network("linear", in_channels=3, out_channels=5)
    with Library(db) as lib:
        print("READY", flush=True)
        for i in range(first, first + 10_000):
            path = write_record(_record(500, seed=i, patient="p1"), data / f"r{i}")
            rep = lib.add_recordings([path])
            assert len(rep.added) == 1, rep.summary()
            print(f"RECORDING {i}", flush=True)
            card = save_model(module, _card(f"m{i}"), data / f"m{i}")
            lib.add_model(card, card.path.with_suffix(".safetensors"),
                          recording_ids=[rep.added[0].id])
            print(f"MODEL {i}", flush=True)
    """
)


@posix_only
def test_library_survives_sigkill_at_random_moments(tmp_path: Path) -> None:
    """Three writers killed at random points of add_recordings/add_model: every committed row
    is there, nothing half-done is, and the file passes SQLite's checks.  (tests/test_library.py
    kills one add at a fixed point; this covers random points of both write paths.)"""
    db = tmp_path / "lib.sqlite3"
    data = tmp_path / "data"
    data.mkdir()
    rng = np.random.default_rng(7)
    committed_recordings: set[int] = set()
    committed_models: set[int] = set()
    first = 0
    for _round in range(3):
        out = kill_when(_LIBRARY_WRITER, [str(db), str(data), str(ROOT / "tests"), str(first)], "READY",
                        delay_s=float(rng.uniform(0.3, 1.2)))
        for line in out.splitlines():
            kind, _, number = line.partition(" ")
            if kind == "RECORDING":
                committed_recordings.add(int(number))
            elif kind == "MODEL":
                committed_models.add(int(number))
        first += 10_000
        conn = sqlite3.connect(db)
        try:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
            paths = [Path(r[0]).name for r in conn.execute("SELECT path FROM recordings")]
            models = [r[0] for r in conn.execute("SELECT id FROM models")]
            links = conn.execute("SELECT COUNT(*) FROM model_recordings").fetchone()[0]
        finally:
            conn.close()
        have_recordings = {int(p[1:].split(".")[0]) for p in paths}
        have_models = {int(m[1:]) for m in models}
        # Every committed step is there; at most the one in flight when the kill came is
        # there too (it committed before its line was printed).
        assert committed_recordings <= have_recordings and len(have_recordings - committed_recordings) <= 1
        assert committed_models <= have_models and len(have_models - committed_models) <= 1
        assert links == len(have_models)
    assert len(committed_recordings) >= 3, "the writer never got going; the test proves nothing"
    with Library(db) as lib:
        assert lib.integrity_check() == []
        assert {c.status for c in lib.check_recordings()} == {"ok"}


# --------------------------------------------------- recordings that go away
def test_recording_deleted_or_truncated_after_it_entered_the_library(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    paths = [write_record(_record(2000, seed=i, patient="p9"), data / f"r{i}") for i in range(3)]
    with Library(tmp_path / "lib.sqlite3") as lib:
        assert len(lib.add_recordings(paths).added) == 3
        by_name = {Path(e.path).stem: e for e in lib.list_recordings("p9")}
        (data / "r0.dat").unlink()  # the data file alone is gone, the header stays
        (data / "r1.dat").write_bytes((data / "r1.dat").read_bytes()[:100])  # cut short
        checks = {Path(c.recording.path).stem: c for c in lib.check_recordings("p9")}
        assert checks["r0"].status == "missing" and "r0.dat" in checks["r0"].detail
        assert checks["r1"].status == "changed"
        assert checks["r2"].status == "ok"
        # Opening them is reported with the file named, never a crash.
        with pytest.raises(RecordFormatError, match=r"r0\.hea: data file r0\.dat named in the header is missing"):
            read_record(by_name["r0"].path)
        with pytest.raises(RecordFormatError, match=r"r1\.hea: data file r1\.dat is truncated"):
            read_record(by_name["r1"].path)
        # Choosing training recordings skips the missing one and does not raise.
        latest = lib.latest_complete_recordings("p9", n=5)
        assert "r0" not in {Path(e.path).stem for e in latest}
        assert lib.integrity_check() == []


def test_library_add_reports_bad_files_instead_of_raising(tmp_path: Path) -> None:
    """Corpus files added to the library land in ``failed`` with their reason."""
    bad = ROOT / "tests" / "data" / "bad"
    picks = [bad / "wfdb" / "truncated_dat.hea", bad / "wfdb" / "traversal_absolute.hea",
             bad / "hdf5" / "huge_declared_h5.h5", bad / "hdf5" / "nan.h5", bad / "hdf5" / "truncated.h5"]
    with Library(tmp_path / "lib.sqlite3") as lib:
        rep = lib.add_recordings(picks, patient_id="p1")
        assert rep.added == [] and len(rep.failed) == len(picks)
        for (label, reason), pick in zip(sorted(rep.failed), sorted(picks), strict=True):
            assert pick.stem in label and pick.stem in reason
        assert lib.list_recordings() == [] and lib.integrity_check() == []


def test_leadsynth_errors_are_what_the_cli_catches() -> None:
    assert issubclass(RecordFormatError, LeadSynthError) and issubclass(ModelError, LeadSynthError)
