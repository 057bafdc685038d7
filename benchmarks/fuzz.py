"""Fuzz the WFDB and HDF5 readers with byte and token mutations of small valid files.

Every input goes through ``list_records``, ``inspect_record`` and ``read_record``.  The
outcome of one input is

* ``ok``: it read, and the record is sane (float32, finite, one name per column,
  plausible rate);
* ``handled``: a :class:`~leadsynth_core.errors.LeadSynthError` naming the file;
* ``crash``: any other exception, a LeadSynth error that does not name the file, an
  insane record, a native crash (the worker process died), or a read slower than
  ``--slow`` seconds.

The work runs in a worker process that records the input it is about to try, so a
segfault inside libhdf5 is reported with its input instead of ending the run.

Usage::

    python benchmarks/fuzz.py                      # 20,000 inputs -> benchmarks/results/fuzz.json
    python benchmarks/fuzz.py --inputs 500 --json /tmp/f.json --seed 7

Deterministic for a given ``--seed`` and ``--inputs``.
"""

from __future__ import annotations

import argparse
import base64
import dataclasses
import json
import logging
import os
import random
import re
import subprocess
import sys
import tempfile
import time
import traceback
import warnings
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from leadsynth_core.errors import LeadSynthError  # noqa: E402

log = logging.getLogger("fuzz")

DEFAULT_JSON = ROOT / "benchmarks" / "results" / "fuzz.json"


# ------------------------------------------------------------------------- seeds
@dataclasses.dataclass(frozen=True)
class Seed:
    """A small valid record: ``files`` (name -> bytes), opened through ``entry``."""

    name: str
    kind: str  # "wfdb", "hdf5" or "formats" (MUSE XML, EDF, DICOM)
    files: dict[str, bytes]
    entry: str


def _wfdb_seed(name: str, fmt: str, bits: float, n: int = 64, leads: tuple[str, ...] = ("I", "II", "V2"),
               offset: int = 0, extra: str = "") -> Seed:
    fmt_field = f"{fmt}+{offset}" if offset else fmt
    header = [f"{name} {len(leads)} 500 {n}{extra}"]
    header += [f"{name}.dat {fmt_field} 1000(0)/mV 16 0 0 0 0 {lead}" for lead in leads]
    header += ["# Age: 61", "# Sex: F", "# patient_id: P001"]
    rng = np.random.default_rng(len(name))
    values = rng.integers(-100, 100, n * len(leads))  # frame-interleaved digital samples
    data = b"\0" * offset + _encode(fmt, values)
    assert len(data) == offset + int(np.ceil(n * len(leads) * bits / 8))
    return Seed(name, "wfdb", {f"{name}.hea": ("\n".join(header) + "\n").encode(), f"{name}.dat": data},
                f"{name}.hea")


def _encode(fmt: str, v: np.ndarray) -> bytes:
    """Digital samples in WFDB storage format ``fmt`` (none of them the 'invalid' marker)."""
    if fmt == "16":
        return v.astype("<i2").tobytes()
    if fmt == "61":
        return v.astype(">i2").tobytes()
    if fmt == "32":
        return v.astype("<i4").tobytes()
    if fmt == "24":
        return b"".join(int(x).to_bytes(3, "little", signed=True) for x in v)
    if fmt == "80":
        return (v + 128).astype(np.uint8).tobytes()
    if fmt == "160":
        return (v + 32768).astype("<u2").tobytes()
    if fmt == "8":  # first differences; the first sample starts from the header's initial value 0
        return np.clip(np.diff(v, prepend=0), -127, 127).astype(np.int8).tobytes()
    if fmt == "212":  # two 12-bit samples in three bytes
        u = (v.astype(np.int64) & 0xFFF)
        if u.size % 2:
            u = np.append(u, 0)
        a, b = u[0::2], u[1::2]
        packed = np.stack([a & 0xFF, ((a >> 8) & 0x0F) | (((b >> 8) & 0x0F) << 4), b & 0xFF], axis=1)
        return packed.astype(np.uint8).tobytes()
    raise ValueError(f"no encoder for format {fmt}")


def _hdf5_seeds(tmp: Path) -> list[Seed]:
    import h5py

    from leadsynth_core.io import write_record
    from leadsynth_core.leads import STANDARD_LEADS
    from leadsynth_core.record import EcgRecord, Provenance

    rng = np.random.default_rng(0)
    seeds = []
    sig = (rng.standard_normal((64, 12)) * 0.3).astype(np.float32)
    prov = (Provenance.MEASURED,) * 4 + (Provenance.SYNTHESIZED,) * 8
    rec = EcgRecord(signal=sig, fs=500.0, lead_names=STANDARD_LEADS, provenance=prov, patient_id="P001",
                    model_id="m1", metadata={"age": 61})
    p = write_record(rec, tmp / "project.h5")
    seeds.append(Seed("project", "hdf5", {"project.h5": p.read_bytes()}, "project.h5"))
    with h5py.File(tmp / "ecg.h5", "w", libver=("earliest", "v108")) as f:
        ds = f.create_dataset("ecg", data=sig.T.astype(np.float16), track_times=False)
        ds.attrs["fs"] = 500.0
    seeds.append(Seed("ecg", "hdf5", {"ecg.h5": (tmp / "ecg.h5").read_bytes()}, "ecg.h5"))
    with h5py.File(tmp / "code15.h5", "w", libver=("earliest", "v108")) as f:
        f.create_dataset("tracings", data=np.stack([sig, -sig]), track_times=False)
        f.create_dataset("exam_id", data=np.array([11, 12]), track_times=False)
    seeds.append(Seed("code15", "hdf5", {"code15.h5": (tmp / "code15.h5").read_bytes()}, "code15.h5"))
    return seeds


def _format_seeds() -> list[Seed]:
    """Hospital exports and consumer devices (kind ``formats``): MUSE XML, EDF, DICOM ECG, the Apple
    Watch CSV, AliveCor ATC and Kardia JSON, SCP-ECG and a CSV lead table, from the corpus builders."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("bad_corpus_formats", ROOT / "scripts" / "bad_corpus_formats.py")
    assert spec and spec.loader
    builders = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(builders)
    return [
        Seed("muse", "formats", {"muse.xml": builders.muse_xml(n=64)}, "muse.xml"),
        Seed("edf", "formats", {"edf.edf": builders.edf_bytes(n_records=2, fs=32)}, "edf.edf"),
        Seed("dicom", "formats", {"dicom.dcm": builders.dicom_bytes("1.2.840.10008.5.1.4.1.1.9.1.1", n=32)},
             "dicom.dcm"),
        Seed("applewatch", "formats", {"ecg.csv": builders.apple_watch_csv(samples=600).encode()}, "ecg.csv"),
        Seed("csv", "formats", {"ecg.csv": b"# sampling_rate: 500\ntime_s,I,II (uV)\n" + b"".join(
            f"{k / 500:.3f},{(k % 40 - 20) / 50:.2f},{k % 30 * 10}\n".encode() for k in range(300))}, "ecg.csv"),
        Seed("scp", "formats", {"ecg.scp": builders.scp_bytes(
            {1: np.arange(200) % 50 - 25, 2: np.arange(200) % 40 - 20})}, "ecg.scp"),
        Seed("atc", "formats", {"ecg.atc": builders.atc_bytes(
            {b"ecg ": np.arange(300) % 40 - 20, b"ecg2": np.arange(300) % 30 - 15})}, "ecg.atc"),
        Seed("kardia", "formats", {"ecg.json": json.dumps({
            "id": "r1", "patientID": "p1", "algorithmDetermination": "normal", "heartRate": 60,
            "recordedAt": "2026-01-01T10:00:00+01:00",
            "data": {"raw": {"frequency": 300, "mainsFrequency": 50, "amplitudeResolution": 500,
                             "samples": {"leadI": [k % 40 - 20 for k in range(300)],
                                         "leadII": [k % 30 - 15 for k in range(300)]}}}}).encode()}, "ecg.json"),
    ]


def make_seeds() -> list[Seed]:
    """The seed corpus: WFDB in several storage formats, three HDF5 layouts, hospital exports."""
    seeds = [
        _wfdb_seed("f16", "16", 16),
        _wfdb_seed("f212", "212", 12),
        _wfdb_seed("f8", "8", 8),
        _wfdb_seed("f80", "80", 8),
        _wfdb_seed("f24", "24", 24),
        _wfdb_seed("f32", "32", 32),
        _wfdb_seed("f61", "61", 16),
        _wfdb_seed("f160", "160", 16),
        _wfdb_seed("f16off", "16", 16, offset=24),
        _wfdb_seed("f16date", "16", 16, extra=" 12:30:00 01/10/1990"),
    ]
    with tempfile.TemporaryDirectory() as tmp:
        seeds += _hdf5_seeds(Path(tmp))
    return seeds + _format_seeds()


# --------------------------------------------------------------------- mutations
_INTERESTING_TOKENS = [
    "0", "-1", "1", "-0", "1e9", "1e309", "-1e309", "nan", "NaN", "inf", "-inf", "99999999999999999999",
    "4294967296", "2147483648", "65536", "0.0000001", "", "abc", "../../etc/passwd", "/etc/passwd", ".", "..",
    "16", "212", "310", "311", "508", "516", "24+99999999", "16x0", "16:-5", "1000(99999999999)/mV",
    "200/V", "1/uV", "0(0)/mV", "\x00", "\xff", "MLII", "-aVR", "aVR", "V7", "#", "/", "500/0", "500/-3(1)",
]
_INTERESTING_BYTES = [b"\x00", b"\xff", b"\x7f", b"\x80", b"\xff\xff\xff\xff", b"\x00\x00\x00\x80",
                      b"\xff\xff\xff\xff\xff\xff\xff\x7f", b"\n", b"\r", b"#", b" "]


def mutate_bytes(data: bytes, rng: random.Random, n_ops: int | None = None) -> bytes:
    """Byte-level mutations: flips, interesting values, insertions, deletions, truncation, splices."""
    buf = bytearray(data)
    for _ in range(n_ops if n_ops is not None else rng.randint(1, 4)):
        op = rng.randrange(7)
        pos = rng.randrange(len(buf) + 1) if buf else 0
        if op == 0 and buf:  # bit flip
            i = min(pos, len(buf) - 1)
            buf[i] ^= 1 << rng.randrange(8)
        elif op == 1 and buf:  # random byte
            buf[min(pos, len(buf) - 1)] = rng.randrange(256)
        elif op == 2:  # interesting value overwrite
            val = rng.choice(_INTERESTING_BYTES)
            buf[pos:pos + len(val)] = val
        elif op == 3:  # insert
            buf[pos:pos] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 16)))
        elif op == 4 and buf:  # delete a range
            del buf[pos:pos + rng.randint(1, 64)]
        elif op == 5:  # truncate
            del buf[pos:]
        elif op == 6 and len(buf) > 8:  # duplicate a block (extends structures)
            a = rng.randrange(len(buf) - 4)
            b = min(len(buf), a + rng.randint(4, 256))
            buf[pos:pos] = buf[a:b]
    return bytes(buf)


def mutate_header(text: bytes, rng: random.Random) -> bytes:
    """Token-level mutation of a WFDB header: replace, drop or duplicate fields and lines."""
    lines = text.decode("latin-1").split("\n")
    for _ in range(rng.randint(1, 3)):
        op = rng.randrange(5)
        li = rng.randrange(len(lines))
        tokens = lines[li].split(" ")
        if op == 0 and tokens:  # replace one field (or a part of a compound field)
            ti = rng.randrange(len(tokens))
            if rng.random() < 0.5:
                tokens[ti] = rng.choice(_INTERESTING_TOKENS)
            else:
                parts = re.split(r"([/()+:x])", tokens[ti])
                pi = rng.randrange(len(parts))
                parts[pi] = rng.choice(_INTERESTING_TOKENS)
                tokens[ti] = "".join(parts)
            lines[li] = " ".join(tokens)
        elif op == 1 and tokens:  # drop a field
            del tokens[rng.randrange(len(tokens))]
            lines[li] = " ".join(tokens)
        elif op == 2:  # drop a line
            del lines[li]
            if not lines:
                lines = [""]
        elif op == 3:  # duplicate a line
            lines.insert(li, lines[li])
        else:  # add a field
            tokens.insert(rng.randrange(len(tokens) + 1), rng.choice(_INTERESTING_TOKENS))
            lines[li] = " ".join(tokens)
    return "\n".join(lines).encode("latin-1", errors="replace")


def mutate(seed: Seed, rng: random.Random) -> dict[str, bytes]:
    """One fuzz input derived from ``seed``: mutate one of its files."""
    files = dict(seed.files)
    target = rng.choice(sorted(files))
    if target.endswith(".hea") and rng.random() < 0.7:
        files[target] = mutate_header(files[target], rng)
    else:
        files[target] = mutate_bytes(files[target], rng)
    if target.endswith(".dat") and rng.random() < 0.2:  # also disturb the header now and then
        files[seed.entry] = mutate_header(files[seed.entry], rng)
    return files


# ----------------------------------------------------------------------- oracle
def classify(path: Path) -> tuple[str, str]:
    """Run the public readers on ``path``; return ``(outcome, detail)`` (see module docstring)."""
    from leadsynth_core.io import inspect_record, list_records, read_record

    name = path.stem
    try:
        # Warnings are errors here, as in the test suite (pytest -W error): a numpy
        # overflow warning escaping the reader is a crash there.
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            keys = list_records(path)
            key = (keys[0] or None) if keys else None
            info = inspect_record(path, key=key)
            record = read_record(path, key=key)
    except LeadSynthError as exc:
        text = str(exc)
        if name not in text:
            return "crash", f"{type(exc).__name__} does not name the file: {text[:300]}"
        if "\n" in text.strip():
            return "crash", f"{type(exc).__name__} message spans lines: {text[:300]!r}"
        return "handled", type(exc).__name__
    except Exception as exc:  # noqa: BLE001 - any other exception is exactly what the fuzzer looks for
        frame = traceback.extract_tb(exc.__traceback__)[-1]
        return "crash", f"{type(exc).__name__}: {str(exc)[:300]} (at {frame.filename}:{frame.lineno})"
    sig = record.signal
    problems = []
    if sig.dtype != np.float32 or sig.ndim != 2 or sig.shape[1] != len(record.lead_names):
        problems.append(f"signal {sig.dtype} {sig.shape} for {len(record.lead_names)} leads")
    elif not np.isfinite(sig).all():
        problems.append("non-finite samples")
    if not (0 < record.fs <= 100_000):
        problems.append(f"fs {record.fs}")
    if info.n_samples and info.n_samples != sig.shape[0]:
        problems.append(f"inspect says {info.n_samples} samples, read gave {sig.shape[0]}")
    if len(record.provenance) != len(record.lead_names):
        problems.append("provenance length")
    if problems:
        return "crash", "insane record: " + "; ".join(problems)
    return "ok", ""


# ------------------------------------------------------------------------ worker
def _write_input(folder: Path, files: dict[str, bytes]) -> None:
    for old in folder.iterdir():
        old.unlink()
    for fname, data in files.items():
        (folder / fname).write_bytes(data)


def input_files(index: int, seed: int, seeds: list[Seed], kinds: tuple[str, ...]) -> tuple[Seed, dict[str, bytes]]:
    """The seed and the mutated files of input ``index`` (deterministic)."""
    usable = [s for s in seeds if s.kind in kinds]
    rng = random.Random(f"{seed}:{index}")
    s = usable[rng.randrange(len(usable))]
    return s, mutate(s, rng)


def run_inputs(start: int, stop: int, seed: int, seeds: list[Seed], slow_s: float,
               current: Path | None = None, kinds: tuple[str, ...] = ("wfdb", "hdf5"),
               hang_s: float | None = None, journal: Path | None = None) -> list[dict[str, Any]]:
    """Try inputs ``start..stop-1`` in this process; return one result per input.

    ``journal`` receives each result as one JSON line as soon as it is known, so the
    results survive a worker that dies on a later input.

    With ``hang_s``, an input still running after that many seconds makes
    :mod:`faulthandler` print the stack and end the process (the caller records a hang).
    """
    import faulthandler

    results = []
    with tempfile.TemporaryDirectory(prefix="leadsynth-fuzz-") as tmp:
        folder = Path(tmp) / "in"
        folder.mkdir()
        for index in range(start, stop):
            s, files = input_files(index, seed, seeds, kinds)
            if current is not None:
                current.write_text(json.dumps({"index": index, "seed": s.name}), encoding="utf-8")
            _write_input(folder, files)
            t0 = time.perf_counter()
            if hang_s:
                faulthandler.dump_traceback_later(hang_s, exit=True)
            try:
                outcome, detail = classify(folder / s.entry)
            finally:
                if hang_s:
                    faulthandler.cancel_dump_traceback_later()
            elapsed = time.perf_counter() - t0
            if outcome != "crash" and elapsed > slow_s:
                outcome, detail = "crash", f"slow: {elapsed:.2f} s"
            item: dict[str, Any] = {"index": index, "seed": s.name, "outcome": outcome, "detail": detail,
                                    "seconds": round(elapsed, 5)}
            if outcome == "crash":
                item["files"] = {k: base64.b64encode(v).decode() for k, v in files.items()}
            results.append(item)
            if journal is not None:
                with open(journal, "a", encoding="utf-8") as fh:
                    fh.write(json.dumps(item) + "\n")
    return results


def _worker_main(args: argparse.Namespace) -> int:
    import faulthandler

    faulthandler.enable()  # a native crash prints the Python stack it happened under
    seeds = make_seeds()
    run_inputs(args.start, args.stop, args.seed, seeds, args.slow, Path(args.current), tuple(args.kinds),
               hang_s=args.hang, journal=Path(args.out))
    return 0


# -------------------------------------------------------------------------- main
def _death_detail(returncode: int, stderr: str) -> str:
    """Describe why a worker died: a hang (faulthandler's timeout stack) or a native crash."""
    frames = re.findall(r'File "([^"]+)", line (\d+) in (\w+)', stderr)
    if frames:
        path, line, func = frames[0]  # faulthandler prints the innermost frame first
        where = "h5py" if "/h5py/" in path else Path(path).name
        at = f"({Path(path).name}:{line} in {func})"
        if "Timeout" in stderr:
            return f"hang in {where} {at}, no progress in the time limit"
        fatal = re.search(r"Fatal Python error: (.+)", stderr)
        if fatal:
            return f"native crash in {where} {at}: {fatal.group(1).strip()} (exit code {returncode})"
    return f"worker died with code {returncode}: {stderr.strip()[-400:]}"


def fuzz(n_inputs: int, seed: int, slow_s: float = 2.0, kinds: tuple[str, ...] = ("wfdb", "hdf5"),
         batch: int = 2000, hang_s: float = 10.0) -> dict[str, Any]:
    """Run ``n_inputs`` inputs in worker processes (restarted after a native crash)."""
    results: list[dict[str, Any]] = []
    t0 = time.perf_counter()
    start = 0
    with tempfile.TemporaryDirectory(prefix="leadsynth-fuzz-ctl-") as ctl:
        current, out = Path(ctl) / "current.json", Path(ctl) / "out.json"
        while start < n_inputs:
            stop = min(n_inputs, start + batch)
            for p in (current, out):
                p.unlink(missing_ok=True)
            cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", "--start", str(start), "--stop",
                   str(stop), "--seed", str(seed), "--slow", str(slow_s), "--current", str(current), "--out",
                   str(out), "--hang", str(hang_s), "--kinds", *kinds]
            env = dict(os.environ, PYTHONPATH=str(ROOT))
            proc = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True)
            done = ([json.loads(line) for line in out.read_text(encoding="utf-8").splitlines() if line]
                    if out.exists() else [])
            results += done
            if proc.returncode == 0 and len(done) == stop - start:
                start = stop
                continue
            # The worker died (a hang, a native crash or an uncaught BaseException) on the input after the
            # last one it journaled.
            where = {"index": done[-1]["index"] + 1 if done else start}
            s, files = input_files(where["index"], seed, make_seeds(), kinds)
            results.append({"index": where["index"], "seed": s.name, "outcome": "crash",
                            "detail": _death_detail(proc.returncode, proc.stderr),
                            "files": {k: base64.b64encode(v).decode() for k, v in files.items()}})
            start = where["index"] + 1
    elapsed = time.perf_counter() - t0
    counts = Counter(r["outcome"] for r in results)
    by_seed: dict[str, Counter[str]] = {}
    for r in results:
        by_seed.setdefault(r["seed"], Counter())[r["outcome"]] += 1
    errors = Counter(r["detail"] for r in results if r["outcome"] == "handled")
    crashes = [r for r in results if r["outcome"] == "crash"]
    return {
        "tool": "benchmarks/fuzz.py (seeded byte and header-token mutations of small valid files)",
        "seed": seed,
        "inputs_tried": len(results),
        "read_ok": counts["ok"],
        "failures_handled": counts["handled"],
        "crashes_found": counts["crash"],
        "handled_by_error_class": dict(sorted(errors.items())),
        "by_seed": {k: dict(v) for k, v in sorted(by_seed.items())},
        "slowest_input_s": max((r["seconds"] for r in results if "seconds" in r), default=0.0),
        "wall_s": round(elapsed, 1),
        "crashes": crashes[:50],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--inputs", type=int, default=20_000, help="number of fuzz inputs (default 20000)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--slow", type=float, default=2.0, help="seconds after which one input counts as a hang")
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON, help="result file")
    parser.add_argument("--hang", type=float, default=10.0,
                        help="seconds without progress after which an input counts as a hang (default 10)")
    parser.add_argument("--kinds", nargs="+", default=["wfdb", "hdf5"], choices=["wfdb", "hdf5", "formats"])
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--start", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--stop", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--current", default="", help=argparse.SUPPRESS)
    parser.add_argument("--out", default="", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        # Readers log a warning for each odd file; the fuzz run would drown in them.
        logging.basicConfig(level=logging.ERROR)
        return _worker_main(args)
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    log.setLevel(logging.INFO)
    logging.getLogger("leadsynth_core").setLevel(logging.ERROR)  # the seeds' "wrote HDF5" lines
    report = fuzz(args.inputs, args.seed, args.slow, tuple(args.kinds), hang_s=args.hang)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    log.info("%d inputs: %d read, %d handled, %d crashes (%.1f s) -> %s", report["inputs_tried"],
             report["read_ok"], report["failures_handled"], report["crashes_found"], report["wall_s"], args.json)
    for crash in report["crashes"][:10]:
        log.info("  crash #%d (%s): %s", crash["index"], crash["seed"], crash["detail"])
    return 1 if report["crashes_found"] else 0


if __name__ == "__main__":
    sys.exit(main())
