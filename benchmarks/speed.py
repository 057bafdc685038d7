"""Synthesis speed and memory on this machine (one command: ``python benchmarks/speed.py``).

1. Model time for one 10-s, 500-Hz record (I,II,V2,V4 -> 12 leads; median of repeated
   runs after a warm-up), for every lead-set default model.
2. A 24-hour, 4-lead (I, II, V2, V4) recording at 250 Hz, synthesized to 12 leads while
   streaming from and to HDF5 (``leadsynth_core.streaming.synthesize_file``), run in a
   child process so that its peak resident memory is measured on its own.

3. The same 24-hour 4-lead recording's heart rate over time (``leadsynth rhythm``: its beats
   found chunk by chunk on the four measured leads), in a child process.

Targets (issue 3): 10-s record under 50 ms median; 24 h under 120 s with peak memory
under 2 GB (the synthesis and the heart rate alike).  ``--only rhythm`` reruns the heart
rate alone and keeps the other results.  Results: benchmarks/results/speed.json and speed.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from leadsynth_core.paths import reference_data_dir  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"
LEAD_SETS = ("I,II,V2,V4", "I,II,V4", "I,II,V3", "I,II", "I")


def _ten_second_record():
    from leadsynth_core.io import read_record, sample_path

    ludb = reference_data_dir() / "ludb" / "data" / "170"
    if ludb.with_suffix(".hea").exists():
        return read_record(ludb)
    return read_record(sample_path())


def bench_ten_seconds(repeats: int) -> list[dict]:
    import torch

    from leadsynth_core.models import load_model, select_model
    from leadsynth_core.synthesis import synthesize

    torch.set_num_threads(os.cpu_count() or 1)
    rec = _ten_second_record()
    rows = []
    for inputs in LEAD_SETS:
        loaded = load_model(select_model(inputs.split(",")))
        synthesize(rec, inputs, loaded)  # warm-up (allocations, lazy init)
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            synthesize(rec, inputs, loaded)
            times.append(time.perf_counter() - t0)
        rows.append({
            "inputs": inputs, "model": loaded.card.id, "record": rec.source,
            "fs": rec.fs, "seconds": rec.duration,
            "median_ms": 1000 * statistics.median(times), "p90_ms": 1000 * float(np.percentile(times, 90)),
            "repeats": repeats,
        })
        print(f"10-s record, {inputs:<11} {loaded.card.id:<24} median {rows[-1]['median_ms']:.1f} ms")
    return rows


def make_holter(path: Path, hours: float, leads: tuple[str, ...] = ("I", "II", "V2", "V4")) -> None:
    """A 250-Hz recording of ``leads`` built by tiling real-looking beats, written in chunks."""
    from leadsynth_core.io import Hdf5RecordWriter, read_record, sample_path
    from leadsynth_core.preprocess import resample

    base = read_record(sample_path())
    block = resample(np.asarray(base.select(leads).signal, dtype=np.float64), base.fs, 250.0, axis=0)
    n_total = int(hours * 3600 * 250)
    rng = np.random.default_rng(0)
    with Hdf5RecordWriter(path, 250.0, leads, patient_id="benchmark-holter", source="benchmarks/speed.py") as w:
        written = 0
        while written < n_total:
            n = min(len(block), n_total - written)
            # Small random scaling and noise so that chunks are not identical.
            chunk = block[:n] * rng.uniform(0.9, 1.1) + rng.normal(0, 0.01, (n, len(leads)))
            w.append(chunk.astype(np.float32))
            written += n


def _child_stream(src: str, dst: str, inputs: str) -> None:
    from leadsynth_core.streaming import synthesize_file

    t0 = time.perf_counter()
    synthesize_file(src, dst, inputs)
    elapsed = time.perf_counter() - t0
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"seconds": elapsed, "peak_rss_mb": peak_kb / 1024}))


def _child_score(src: str, inputs: str) -> None:
    from leadsynth_core.agreement import score_recording

    t0 = time.perf_counter()
    ag = score_recording(src, inputs, segment_s=10.0, reference="highpass")
    elapsed = time.perf_counter() - t0
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"seconds": elapsed, "peak_rss_mb": peak_kb / 1024, "segments": ag.n_segments,
                      "whole_mean_pcc": ag.whole["mean"]["pcc"]}))


def _child_rhythm(src: str, leads: str) -> None:
    from leadsynth_core.measurement.rhythm import rhythm_of_file

    t0 = time.perf_counter()
    trend = rhythm_of_file(src, leads.split(","))
    elapsed = time.perf_counter() - t0
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"seconds": elapsed, "peak_rss_mb": peak_kb / 1024, "beats": trend.n_beats,
                      "mean_bpm": trend.mean_rate()}))


def bench_rhythm(hours: float, leads: str = "I,II,V2,V4") -> dict:
    """The heart rate of a whole 4-lead recording (leadsynth rhythm), in a child process."""
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "holter.h5"
        make_holter(src, hours)
        code = (f"import sys; sys.path.insert(0, {str(ROOT)!r}); "
                f"from benchmarks.speed import _child_rhythm; _child_rhythm({str(src)!r}, {leads!r})")
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        result = json.loads(proc.stdout.strip().splitlines()[-1])
        result.update({"hours": hours, "leads": leads, "fs": 250.0})
    print(f"{hours:g}-h heart rate over time: {result['seconds']:.1f} s, peak memory {result['peak_rss_mb']:.0f} MB, "
          f"{result['beats']} beats")
    return result


def bench_score(hours: float, inputs: str = "I,II,V2,V4") -> dict:
    """Score a whole 12-lead recording segment by segment (leadsynth agreement), in a child process."""
    from leadsynth_core.leads import STANDARD_LEADS

    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "holter12.h5"
        make_holter(src, hours, STANDARD_LEADS)
        file_mb = src.stat().st_size / 1e6
        code = (f"import sys; sys.path.insert(0, {str(ROOT)!r}); "
                f"from benchmarks.speed import _child_score; _child_score({str(src)!r}, {inputs!r})")
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        result = json.loads(proc.stdout.strip().splitlines()[-1])
        result.update({"hours": hours, "inputs": inputs, "fs": 250.0, "file_mb": file_mb})
    print(f"{hours:g}-h 12-lead scoring: {result['seconds']:.1f} s, peak memory {result['peak_rss_mb']:.0f} MB "
          f"for a {file_mb:.0f} MB file")
    return result


def bench_holter(hours: float, inputs: str = "I,II,V2,V4") -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        src, dst = Path(tmp) / "holter.h5", Path(tmp) / "holter_12lead.h5"
        t0 = time.perf_counter()
        make_holter(src, hours)
        print(f"made a {hours:g}-h 4-lead recording in {time.perf_counter() - t0:.0f} s "
              f"({src.stat().st_size / 1e6:.0f} MB)")
        code = (f"import sys; sys.path.insert(0, {str(ROOT)!r}); "
                f"from benchmarks.speed import _child_stream; _child_stream({str(src)!r}, {str(dst)!r}, {inputs!r})")
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        result = json.loads(proc.stdout.strip().splitlines()[-1])
        result.update({"hours": hours, "inputs": inputs, "fs": 250.0,
                       "output_mb": dst.stat().st_size / 1e6})
    print(f"{hours:g}-h streaming synthesis: {result['seconds']:.1f} s, peak memory {result['peak_rss_mb']:.0f} MB")
    return result


def write_markdown(result: dict) -> str:
    lines = [
        f"Measured on {result['machine']} ({result['cpus']} CPU cores, torch threads {result['threads']}).",
        "",
        "| measure | inputs | model | result | target |",
        "|---|---|---|---|---|",
    ]
    for r in result["ten_second"]:
        ok = "met" if r["median_ms"] < 50 else "MISSED"
        lines.append(f"| 10-s 500-Hz record, median of {r['repeats']} | {r['inputs']} | {r['model']} | "
                     f"{r['median_ms']:.1f} ms | < 50 ms ({ok}) |")
    h = result.get("holter")
    if h:
        ok_t = "met" if h["seconds"] < 120 else "MISSED"
        ok_m = "met" if h["peak_rss_mb"] < 2048 else "MISSED"
        lines.append(f"| {h['hours']:g}-h 4-lead 250-Hz recording, HDF5 -> HDF5 streaming | {h['inputs']} | default | "
                     f"{h['seconds']:.1f} s, peak {h['peak_rss_mb']:.0f} MB | < 120 s ({ok_t}), < 2 GB ({ok_m}) |")
    sc = result.get("score")
    if sc:
        ok_m = "met" if sc["peak_rss_mb"] < sc["file_mb"] else "MISSED"
        lines.append(f"| {sc['hours']:g}-h 12-lead 250-Hz recording ({sc['file_mb']:.0f} MB) scored whole, "
                     f"{sc['segments']} segments of 10 s (`leadsynth agreement`) | {sc['inputs']} | default | "
                     f"{sc['seconds']:.1f} s, peak {sc['peak_rss_mb']:.0f} MB | peak below the file size ({ok_m}) |")
    rh = result.get("rhythm")
    if rh:
        ok_t = "met" if rh["seconds"] < 120 else "MISSED"
        ok_m = "met" if rh["peak_rss_mb"] < 2048 else "MISSED"
        lines.append(f"| {rh['hours']:g}-h 4-lead 250-Hz recording, heart rate over time ({rh['beats']} beats; "
                     f"`leadsynth rhythm`) | {rh['leads']} | - | {rh['seconds']:.1f} s, peak {rh['peak_rss_mb']:.0f} MB "
                     f"| < 120 s ({ok_t}), < 2 GB ({ok_m}) |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--hours", type=float, default=24.0, help="length of the long recording (0 skips it)")
    parser.add_argument("--only", choices=("rhythm",), help="rerun this part alone, keeping the other results")
    args = parser.parse_args(argv)
    if args.only == "rhythm":
        result = json.loads((RESULTS / "speed.json").read_text())
        result["rhythm"] = bench_rhythm(args.hours)
        return _write(result)
    import torch

    result = {
        "machine": f"{platform.machine()} {platform.processor() or platform.system()}",
        "cpus": os.cpu_count(), "threads": torch.get_num_threads(),
        "python": platform.python_version(), "torch": torch.__version__,
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "ten_second": bench_ten_seconds(args.repeats),
    }
    if args.hours > 0:
        result["holter"] = bench_holter(args.hours)
        result["score"] = bench_score(args.hours)
        result["rhythm"] = bench_rhythm(args.hours)
    return _write(result)


def _write(result: dict) -> int:
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "speed.json").write_text(json.dumps(result, indent=2))
    md = write_markdown(result)
    (RESULTS / "speed.md").write_text(md)
    print(md)
    return 0


if __name__ == "__main__":
    sys.exit(main())
