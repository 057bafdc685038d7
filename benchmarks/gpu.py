"""What a CUDA GPU gives: personalization time and ``leadsynth train`` throughput, measured.

Usage (on a machine with a CUDA GPU; refuses to run without one)::

    PYTHONPATH=. python benchmarks/gpu.py [--data ../shared/data] [--steps 30]

* personalization: the default fine-tune (``personalize()``: five 10-s LUDB recordings
  161-165, 60 epochs, head only, lr 0.002, held-out scoring included) on ``cuda``, median of
  ``--repeats`` warm runs and the first call in a fresh process (imports excluded);
* prepare: ``leadsynth prepare`` of DATA with ``--prepare-workers`` processes;
* train: the dedicated I,II,V4 linres model (shipped architecture, width 8), 8.192-s crops,
  ``--device cuda`` at several global batches, loader processes and AMP on/off;
  samples/s over the steps after the first two (as ``benchmarks/training.py`` on the CPU).

Results: benchmarks/results/gpu.json and gpu.md.  The CPU figures of the same measures are
in training.md and personalization.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # this checkout's leadsynth_core, as PYTHONPATH=. does
from benchmarks.personalization import time_default  # noqa: E402
from benchmarks.training import EPOCH_RECORDS, _cli, _samples_per_s, bench_prepare  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"
LEADS = "I,II,V2,V4"
#: (global batch, loader processes, AMP): the product's CUDA default first (2 loaders, AMP on).
TRAIN_CONFIGS = ((32, 2, "on"), (32, 2, "off"), (32, 8, "on"), (256, 8, "on"), (256, 14, "on"), (256, 14, "off"))


def bench_personalize(data: Path, repeats: int) -> dict:
    from leadsynth_core.models import select_model

    return time_default(select_model(LEADS).id, LEADS, data, repeats, device="cuda")


def bench_train(shards: Path, tmp: Path, steps: int) -> list[dict]:
    out = []
    for batch, loaders, amp in TRAIN_CONFIGS:
        model = tmp / f"gpu-b{batch}-w{loaders}-{amp}"
        t0 = time.time()
        _cli("train", "--data", str(shards), "--inputs", "I,II,V4", "--out", str(model), "--steps", str(steps),
             "--batch", str(batch), "--device", "cuda", "--amp", amp, "--loader-workers", str(loaders),
             "--val-every", str(10 * steps), "--card-records", "1", "--no-progress")
        rate = _samples_per_s(model.with_name(model.name + ".run"), batch)
        card = json.loads(model.with_suffix(".json").read_text())
        out.append({"batch": batch, "loader_workers": loaders, "amp": amp, "crop_s": 8.192, "steps": steps,
                    "samples_per_s": round(rate, 1), "epoch_20000_records_min": round(EPOCH_RECORDS / rate / 60, 2),
                    "wall_s_with_start": round(time.time() - t0, 1), "device": card["training"].get("device")})
        print(f"train, batch {batch}, {loaders} loaders, AMP {amp}: {rate:.1f} samples/s", flush=True)
    return out


def write(results: dict) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "gpu.json").write_text(json.dumps(results, indent=1) + "\n")
    m, p, pr = results["machine"], results["personalize"], results["prepare"]
    lines = [
        "# One CUDA GPU, measured (`benchmarks/gpu.py`)", "",
        f"Machine: {m['gpu']}, {m['cpus']} CPU cores, torch {m['torch']}, {m['platform']}. "
        f"Command: `{results['command']}`. Date: {results['date']}.", "",
        "## Personalization (the default fine-tune on `cuda`)", "",
        f"{p['what']}; base `{p['base_model']}` ({p['inputs']}): median **{p['median_s']:.2f} s** over "
        f"{p['repeats']} warm runs (min {p['min_s']:.2f}, max {p['max_s']:.2f}) on {p['device']}; the first call in "
        f"a fresh process (CUDA start-up included, imports excluded) {p['first_call_in_fresh_process_s']:.2f} s. "
        f"Target < {p['target_s']:g} s. Verdict of the last run: {p['verdict']}.", "",
        f"## leadsynth prepare ({pr['records']} records, {pr['hours']} h, {pr['workers']} workers)", "",
        f"{pr['records_per_s']} records/s ({pr['seconds']} s).", "",
        "## leadsynth train --device cuda (dedicated I,II,V4 linres, 8.192-s crops)", "",
        "| global batch | loader processes | AMP | samples/s | epoch of 20,000 records |", "|---|---|---|---|---|",
    ]
    for t in results["train"]:
        lines.append(f"| {t['batch']} | {t['loader_workers']} | {t['amp']} | {t['samples_per_s']:,} | "
                     f"{t['epoch_20000_records_min']} min |")
    lines += ["", "The first row is the product's default on CUDA (2 loader processes, AMP on). Batch construction "
              "(crop read, augmentation, normalisation) runs in the loader processes on the CPU; where more "
              "loaders raise the rate, the GPU was waiting for batches.", ""]
    (RESULTS / "gpu.md").write_text("\n".join(lines))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--prepare-workers", type=int, default=8)
    args = ap.parse_args()
    if not torch.cuda.is_available():
        print("benchmarks/gpu.py: no CUDA GPU on this machine (the CPU figures are in training.md)", file=sys.stderr)
        return 2
    tmp = Path(tempfile.mkdtemp(prefix="leadsynth-gpu-bench-"))
    try:
        results = {
            "command": "PYTHONPATH=. python benchmarks/gpu.py " + " ".join(sys.argv[1:]),
            "date": time.strftime("%Y-%m-%d"),
            "machine": {"gpu": torch.cuda.get_device_name(0), "cpus": os.cpu_count(), "torch": torch.__version__,
                        "platform": platform.platform()},
        }
        results["personalize"] = bench_personalize(args.data, args.repeats)
        print(f"personalize on cuda: median {results['personalize']['median_s']:.2f} s", flush=True)
        results["prepare"] = bench_prepare(args.data, tmp, (args.prepare_workers,))[0]
        results["train"] = bench_train(tmp / f"shards{args.prepare_workers}", tmp, args.steps)
        write(results)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print((RESULTS / "gpu.md").read_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
