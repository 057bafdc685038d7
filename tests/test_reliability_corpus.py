"""The corpus of broken and hostile inputs (tests/data/bad, built by scripts/make_bad_corpus.py).

Every case of ``tests/data/bad/MANIFEST.json`` must fail with its own error class and a
message that names the file and the field, quickly and without allocating much, through
the public API (``read_record`` / ``load_model``) and through the CLI (exit code 2, one
line on stderr, no traceback).  Path-traversal headers must never open a file outside
the record's folder, and a pickle posing as a model must never be unpickled.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from child_env import child_env
from script_modules import load_script

from leadsynth_core import errors
from leadsynth_core.cli import main as cli_main
from leadsynth_core.io import read_record, write_record
from leadsynth_core.leads import STANDARD_LEADS
from leadsynth_core.models import load_model
from leadsynth_core.record import EcgRecord

ROOT = Path(__file__).resolve().parents[1]
BAD = ROOT / "tests" / "data" / "bad"
MANIFEST = json.loads((BAD / "MANIFEST.json").read_text(encoding="utf-8"))
CASES: list[dict[str, Any]] = MANIFEST["cases"]
RECORD_CASES = [c for c in CASES if c["kind"] == "record"]
MODEL_CASES = [c for c in CASES if c["kind"] == "model"]
#: Wall time and traced-memory bounds for one bad input (generous for a loaded CI box;
#: the real figures are milliseconds and kilobytes, see docs/reliability.md).
TIME_LIMIT_S = 5.0
MEMORY_LIMIT_BYTES = 32 * 2**20


# --------------------------------------------------------------------------- audit
_AUDIT: dict[str, Any] = {"active": False, "opened": [], "unpickled": []}


def _audit_hook(event: str, args: tuple[Any, ...]) -> None:
    # Audit hooks cannot be removed; this one only records while a test has it active.
    if not _AUDIT["active"]:
        return
    if event == "open" and args and isinstance(args[0], (str, bytes, os.PathLike)):
        _AUDIT["opened"].append(os.fsdecode(args[0]))
    elif event == "pickle.find_class":
        _AUDIT["unpickled"].append(args)


sys.addaudithook(_audit_hook)


@contextmanager
def _audited() -> Iterator[dict[str, Any]]:
    _AUDIT.update(active=True, opened=[], unpickled=[])
    try:
        yield _AUDIT
    finally:
        _AUDIT["active"] = False


def _case_id(case: dict[str, Any]) -> str:
    return case["id"]


def _expect(case: dict[str, Any], exc: BaseException) -> None:
    """The error is the manifest's class, names the file, and carries the manifest's fragment."""
    expected = getattr(errors, case["error"])
    assert type(exc) is expected, f"{case['id']}: {type(exc).__name__} {exc}, expected {case['error']}"
    text = str(exc)
    stem = Path(case["path"]).stem
    assert stem in text, f"{case['id']}: message does not name the file: {text}"
    assert re.search(case["message"], text), f"{case['id']}: {text!r} lacks {case['message']!r}"
    assert "\n" not in text and "Traceback" not in text


# ------------------------------------------------------------------------ manifest
def test_manifest_lists_every_file_and_the_corpus_is_small() -> None:
    listed = {f for c in CASES for f in c["files"]}
    on_disk = {str(p.relative_to(BAD)) for p in BAD.rglob("*") if p.is_file() and p.name != "MANIFEST.json"}
    assert listed == on_disk
    assert len({c["id"] for c in CASES}) == len(CASES)
    for c in CASES:
        assert hasattr(errors, c["error"]) and issubclass(getattr(errors, c["error"]), errors.LeadSynthError)
        assert c["path"] in c["files"] and c["covers"] and c["message"]
        re.compile(c["message"])
    total = sum((BAD / f).stat().st_size for f in listed)
    assert total < 1_000_000, f"corpus is {total} bytes"
    assert len(RECORD_CASES) >= 50 and len(MODEL_CASES) >= 10


def test_corpus_is_deterministic_and_up_to_date() -> None:
    module = load_script("scripts/make_bad_corpus.py", keep=False)
    with tempfile.TemporaryDirectory() as tmp:
        module.build(Path(tmp) / "bad")
        fresh = module._tree_digest(Path(tmp) / "bad")
    current = {str(p.relative_to(BAD)): hashlib.sha256(p.read_bytes()).hexdigest()
               for p in sorted(BAD.rglob("*")) if p.is_file()}
    assert fresh == current, "tests/data/bad is stale: run scripts/make_bad_corpus.py"


# ----------------------------------------------------------------------------- API
def _bounded(func: Any, *args: Any) -> tuple[BaseException, float, int]:
    tracemalloc.start()
    t0 = time.perf_counter()
    try:
        func(*args)
    except Exception as exc:  # noqa: BLE001 - the assertion below checks the exact class
        caught: BaseException = exc
    else:
        caught = AssertionError("no error raised")
    finally:
        elapsed = time.perf_counter() - t0
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return caught, elapsed, peak


@pytest.mark.parametrize("case", RECORD_CASES, ids=_case_id)
def test_read_record_refuses(case: dict[str, Any]) -> None:
    exc, elapsed, peak = _bounded(read_record, BAD / case["path"])
    _expect(case, exc)
    assert elapsed < TIME_LIMIT_S, f"{case['id']} took {elapsed:.2f} s"
    assert peak < MEMORY_LIMIT_BYTES, f"{case['id']} allocated {peak / 2**20:.1f} MiB"


@pytest.mark.parametrize("case", MODEL_CASES, ids=_case_id)
def test_load_model_refuses(case: dict[str, Any]) -> None:
    exc, elapsed, peak = _bounded(load_model, BAD / case["path"])
    _expect(case, exc)
    assert elapsed < TIME_LIMIT_S
    assert peak < MEMORY_LIMIT_BYTES


@pytest.mark.parametrize("case", [c for c in RECORD_CASES if c["id"].startswith("traversal_")], ids=_case_id)
def test_traversal_never_opens_outside_the_record_folder(case: dict[str, Any]) -> None:
    folder = (BAD / case["path"]).parent.resolve()
    with _audited() as audit:
        with pytest.raises(errors.RecordFormatError, match="outside the record's folder"):
            read_record(BAD / case["path"])
    # The library hashes every file of a recording: it must not follow the name either.
    from leadsynth_core.library import record_files

    with _audited() as audit_lib:
        files = record_files(BAD / case["path"])
    outside = [p for p in audit["opened"] + audit_lib["opened"] + [str(f) for f in files]
               if not Path(p).resolve().is_relative_to(folder) and Path(p).resolve().suffix in ("", ".h5", ".dat")]
    assert outside == [], f"opened outside {folder}: {outside}"


def test_pickle_posing_as_model_is_never_unpickled(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import pickle

    import torch

    def forbidden(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a model file was unpickled")

    monkeypatch.setattr(torch, "load", forbidden)
    monkeypatch.setattr(pickle, "load", forbidden)
    monkeypatch.setattr(pickle, "loads", forbidden)
    with _audited() as audit:
        with pytest.raises(errors.ModelError, match="not a readable safetensors file"):
            load_model(BAD / "models" / "pickle_posing.json")
        # The same bytes as a bare .pt file, with no card: refused before any read.
        evil = tmp_path / "evil.pt"
        evil.write_bytes((BAD / "models" / "pickle_posing.safetensors").read_bytes())
        with pytest.raises(errors.ModelError, match="evil.pt: no model card found"):
            load_model(evil)
    assert audit["unpickled"] == []
    assert "leadsynth_bad_corpus" not in sys.modules
    # The payload really is a pickle (the test would prove nothing otherwise).
    assert (BAD / "models" / "pickle_posing.safetensors").read_bytes().startswith(b"\x80\x02c")


def test_huge_declared_hdf5_is_refused_from_its_header_without_allocating() -> None:
    """10^11 declared samples, none stored: refused by inspect, window and whole reads alike
    (a viewer would otherwise page through years of fill values), allocating nothing."""
    from leadsynth_core.io import inspect_record, read_record, read_window

    path = BAD / "hdf5" / "huge_declared_h5.h5"
    tracemalloc.start()
    try:
        for read in (lambda: inspect_record(path), lambda: read_window(path, 5_000_000_000, 5_000_001_000),
                     lambda: read_record(path)):
            with pytest.raises(errors.RecordFormatError, match=r"huge_declared_h5\.h5.*declares shape \(100000000000, 2\)"
                                                        r".*stores only 0 bytes"):
                read()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1 * 2**20


def test_large_datasets_that_store_their_samples_pass_the_storage_check(tmp_path: Path) -> None:
    """The storage check must not refuse real large files, compressed ones included."""
    import h5py

    from leadsynth_core.io import inspect_record, read_window

    n = 3_000_000  # 12 leads x 3e6 float32 = 137 MiB declared: above the check's threshold
    path = tmp_path / "big.h5"
    with h5py.File(path, "w") as f:
        ds = f.create_dataset("ecg", shape=(n, 12), dtype="f4", chunks=(50_000, 12), compression="gzip")
        ds.attrs["fs"] = 500.0
        block = np.zeros((50_000, 12), np.float32)  # a flat line: the best case for gzip
        block[::400] = 1.0  # with a 'beat' now and then
        for i in range(0, n, 50_000):
            ds[i:i + 50_000] = block
    info = inspect_record(path)
    assert info.n_samples == n
    assert read_window(path, n - 10, n).signal.shape == (10, 12)
    # Half written: still plausible storage, so the header reads; the reader does not guess.
    with h5py.File(path, "a") as f:
        del f["ecg"]
        ds = f.create_dataset("ecg", shape=(n, 12), dtype="f4", chunks=(50_000, 12))
        ds.attrs["fs"] = 500.0
        ds[: n // 2] = 0.5
    assert inspect_record(path).n_samples == n


# ----------------------------------------------------------------------------- CLI
def _cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = cli_main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _cli_error_line(case: dict[str, Any], code: int, err: str) -> None:
    assert code == 2, f"{case['id']}: exit code {code}"
    lines = err.strip().splitlines()
    assert len(lines) == 1, f"{case['id']}: stderr is not one line: {err!r}"
    assert "Traceback" not in err and Path(case["path"]).stem in lines[0]
    assert re.search(case["message"], lines[0]), lines[0]


@pytest.mark.parametrize("case", RECORD_CASES, ids=_case_id)
def test_cli_info_refuses(case: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    code, _out, err = _cli(["info", str(BAD / case["path"])], capsys)
    _cli_error_line(case, code, err)


@pytest.fixture(scope="module")
def good_record(tmp_path_factory: pytest.TempPathFactory) -> Path:
    fs, n = 500.0, 5000
    t = np.arange(n) / fs
    base = np.sin(2 * np.pi * 1.2 * t)[:, None] * np.linspace(0.3, 1.5, 12)[None, :]
    rec = EcgRecord(signal=base.astype(np.float32), fs=fs, lead_names=STANDARD_LEADS)
    return write_record(rec, tmp_path_factory.mktemp("good") / "good")


@pytest.mark.parametrize("case", MODEL_CASES, ids=_case_id)
def test_cli_synthesize_refuses_bad_models(
    case: dict[str, Any], good_record: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    code, _out, err = _cli(
        ["synthesize", str(good_record), "--inputs", "I,II,V3", "--model", str(BAD / case["path"]), "--out", str(out)],
        capsys,
    )
    _cli_error_line(case, code, err)
    assert list(tmp_path.iterdir()) == [], "a failed synthesis left files behind"


@pytest.mark.parametrize("case", [c for c in RECORD_CASES if c["id"] in ("truncated_dat", "nan", "huge_declared_h5")],
                         ids=_case_id)
def test_cli_synthesize_refuses_bad_records(case: dict[str, Any], tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    code, _out, err = _cli(
        ["synthesize", str(BAD / case["path"]), "--inputs", "I,II,V2,V4", "--out", str(tmp_path / "out")], capsys
    )
    _cli_error_line(case, code, err)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("case_id,argv", [
    ("traversal_absolute", ["info"]),
    ("huge_declared_h5", ["info"]),
    ("pickle_posing", ["synthesize"]),
])
def test_cli_in_a_real_process(case_id: str, argv: list[str], good_record: Path, tmp_path: Path) -> None:
    """A few cases through ``python -m leadsynth_core.cli`` itself: exit 2, one line, no traceback."""
    case = next(c for c in CASES if c["id"] == case_id)
    if argv == ["info"]:
        argv = ["info", str(BAD / case["path"])]
    else:
        argv = ["synthesize", str(good_record), "--inputs", "I,II,V3", "--model", str(BAD / case["path"]),
                "--out", str(tmp_path / "out")]
    env = child_env(LEADSYNTH_HOME=str(tmp_path / "home"))
    proc = subprocess.run([sys.executable, "-m", "leadsynth_core.cli", *argv], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=120)
    _cli_error_line(case, proc.returncode, proc.stderr)
    assert proc.stdout == ""


@pytest.mark.parametrize("case", RECORD_CASES, ids=_case_id)
def test_cli_agreement_refuses(case: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Scoring a whole recording reads it window by window: the same specific error, nothing written."""
    out = tmp_path / "seg.csv"
    code, _out, err = _cli(["agreement", str(BAD / case["path"]), "--inputs", "I,II,V2,V4", "--out", str(out)],
                           capsys)
    _cli_error_line(case, code, err)
    assert list(tmp_path.iterdir()) == []


def test_evaluating_the_corpus_skips_every_record_with_its_reason(tmp_path: Path) -> None:
    """A data set made only of broken files: nothing scored, each one listed with why, no crash."""
    from leadsynth_core.evaluation import evaluate_dataset

    for folder in ("wfdb", "hdf5"):
        files = sorted(p for p in (BAD / folder).rglob("*") if p.suffix in (".hea", ".h5", ".hdf5"))
        res = evaluate_dataset(BAD / folder, "I,II,V2,V4")
        assert res["n_records"] == 0 and res["records"] == []
        assert res["skipped"], folder
        assert all(s["reason"] for s in res["skipped"])
        assert len(res["skipped"]) <= len(files)
