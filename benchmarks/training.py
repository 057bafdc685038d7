"""Throughput of ``leadsynth prepare`` (records/s) and ``leadsynth train`` (samples/s).

Usage::

    PYTHONPATH=. python benchmarks/training.py [--data ../shared/data] [--steps 10] [--batch 32]

* prepare: every record of DATA (the shared folder: 263 records, 1.07 h, WFDB / Challenge /
  CPSC / HDF5 at 100-1000 Hz) with 1 and 2 worker processes;
* train: a dedicated I,II,V4 linres model (the shipped architecture, width 8), crops of
  8.192 s, global batch ``--batch``, as 1 process (1 and 2 threads) and as 2 gloo
  processes (``--nproc 2``, 1 thread each); samples/s over the steps after the first two;
* batch construction alone (crop read + augmentation + normalisation), per process;
* epoch time for 20,000 records (one crop per record per epoch) from those rates.

Where no GPU is present the GPU figures are ESTIMATES, labelled as such: the forward
cost of the network is counted (multiply-accumulates of every convolution), and a GPU
rank is taken to be limited by its batch construction (2 loader processes by default).
Results: benchmarks/results/training.json and training.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # this checkout's leadsynth_core, as PYTHONPATH=. does
RESULTS = ROOT / "benchmarks" / "results"
EPOCH_RECORDS = 20_000


def _cli(*args: str, threads: int = 1) -> float:
    # This checkout first, then whatever PYTHONPATH already named (packages installed beside it).
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    env = {**os.environ, "PYTHONPATH": path, "OMP_NUM_THREADS": str(threads)}
    t0 = time.time()
    res = subprocess.run([sys.executable, "-m", "leadsynth_core.cli", *args], cwd=ROOT, env=env,
                         capture_output=True, text=True)
    if res.returncode:
        raise SystemExit(f"leadsynth {' '.join(args)} failed:\n{res.stderr[-3000:]}")
    return time.time() - t0


def bench_prepare(data: Path, tmp: Path, worker_counts: tuple[int, ...] = (1, 2)) -> list[dict]:
    """``leadsynth prepare`` of DATA into ``tmp/shards<workers>`` once per worker count."""
    out = []
    for workers in worker_counts:
        folder = tmp / f"shards{workers}"
        wall = _cli("prepare", str(data), "--out", str(folder), "--workers", str(workers))
        man = json.loads((folder / "manifest.json").read_text())
        work = man["prepare"]["seconds"]
        out.append({
            "workers": workers, "records": man["n_files"], "hours": man["hours"], "seconds": work,
            "wall_s_with_start": round(wall, 1), "records_per_s": round(man["n_files"] / work, 2),
            "record_hours_per_s": round(man["hours"] / work, 4),
            "bytes": sum(s["bytes"] for s in man["shards"]),
        })
        print(f"prepare, {workers} worker(s): {out[-1]['records_per_s']} records/s", flush=True)
    return out


def _samples_per_s(run: Path, batch: int, skip: int = 2) -> float:
    rows = [line.split(",") for line in (run / "log.csv").read_text().splitlines()[1:]]
    t = [float(r[7]) for r in rows]
    return (len(t) - skip) * batch / (t[-1] - t[skip - 1])


def bench_train(shards: Path, tmp: Path, steps: int, batch: int) -> list[dict]:
    configs = [("1 process, 1 thread", 1, 1), ("1 process, 2 threads", 1, 2), ("2 processes (gloo), 1 thread each", 2, 1)]
    out = []
    for label, nproc, threads in configs:
        model = tmp / f"model{nproc}-{threads}"
        _cli("train", "--data", str(shards), "--inputs", "I,II,V4", "--out", str(model), "--steps", str(steps),
             "--batch", str(batch), "--nproc", str(nproc), "--threads", str(threads), "--val-every", str(10 * steps),
             "--card-records", "1", "--no-progress", threads=threads)
        rate = _samples_per_s(model.with_name(model.name + ".run"), batch)
        out.append({"config": label, "processes": nproc, "threads_per_process": threads, "batch": batch,
                    "crop_s": 8.192, "samples_per_s": round(rate, 1),
                    "epoch_20000_records_min": round(EPOCH_RECORDS / rate / 60, 1)})
        print(f"train, {label}: {rate:.1f} samples/s", flush=True)
    return out


def bench_batches(shards: Path, batch: int) -> dict:
    from leadsynth_core.models.networks import build_network, count_parameters
    from leadsynth_core.training.batches import EpochOrder, micro_batch
    from leadsynth_core.training.shards import open_shards

    torch.set_num_threads(1)
    data = open_shards(shards)
    order = EpochOrder(data.split("train"), 0)
    mask = np.array([1, 1, 0, 0, 0, 1, 0, 0], dtype=np.float32)
    t0 = time.time()
    n = 0
    for s in range(6):
        x, _y, _m = micro_batch(data, order, step=s, index=0, micro_batches=1, batch_size=batch, length=2048, seed=0,
                                fixed_mask=mask)
        n += len(x)
    build = n / (time.time() - t0)
    net = build_network("linres", in_channels=3, out_channels=5, base_width=8, depth=4)
    macs = [0]

    def hook(m: torch.nn.Module, _i: object, o: torch.Tensor) -> None:
        if isinstance(m, (torch.nn.Conv1d, torch.nn.ConvTranspose1d)):
            macs[0] += o.shape[-1] * o.shape[1] * m.in_channels * m.kernel_size[0]

    handles = [m.register_forward_hook(hook) for m in net.modules()]
    net(torch.zeros(1, 3, 2048))
    for h in handles:
        h.remove()
    gflop = 3 * 2 * macs[0] / 1e9  # forward + backward ~ 3x forward; 2 FLOP per MAC
    return {"batch_build_samples_per_s_per_process": round(build, 1), "train_gflop_per_sample": round(gflop, 3),
            "parameters": count_parameters(net, trainable_only=False)}


def gpu_estimate(b: dict) -> dict:
    loaders = 2
    data_bound = b["batch_build_samples_per_s_per_process"] * loaders
    compute_bound = 10e12 / (b["train_gflop_per_sample"] * 1e9)  # 10 TFLOPS effective: small 1-D convolutions
    rate = min(data_bound, compute_bound)
    return {
        "label": "ESTIMATE (no GPU on the benchmark machine)",
        "assumptions": f"one GPU rank with {loaders} loader processes (--loader-workers default on CUDA) building "
                       f"batches at the measured CPU rate; GPU compute at 10 TFLOPS effective",
        "data_bound_samples_per_s": round(data_bound), "compute_bound_samples_per_s": round(compute_bound),
        "samples_per_s": round(rate), "epoch_20000_records_min": round(EPOCH_RECORDS / rate / 60, 1),
        "amp": "AMP on/off: no difference expected while batch construction is the limit (estimate)",
    }


def write(results: dict) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "training.json").write_text(json.dumps(results, indent=1) + "\n")
    m = results["machine"]
    lines = [
        "# Training throughput (`benchmarks/training.py`)", "",
        f"Machine: {m['cpus']} CPU cores ({m['platform']}), load average {m['load_before']} before and "
        f"{m.get('load_after', '?')} after the run, torch {m['torch']}, no GPU. Command: `{results['command']}`.", "",
        "The machine was shared and oversubscribed (load average far above its core count): every figure is a "
        "floor, and the parallel ones (2 workers, 2 threads) lost most to other jobs. Rerun on an idle machine "
        "for representative numbers.", "",
        "## leadsynth prepare (the shared folder: 263 records, 1.07 h, 100-1000 Hz, 4 formats)", "",
        "| workers | records/s | record-hours/s | seconds | shard bytes |", "|---|---|---|---|---|",
    ]
    for p in results["prepare"]:
        lines.append(f"| {p['workers']} | {p['records_per_s']} | {p['record_hours_per_s']} | {p['seconds']} | {p['bytes']:,} |")
    lines += ["", "## leadsynth train (dedicated I,II,V4 linres, 8.192-s crops, measured)", "",
              "| configuration | global batch | samples/s | epoch of 20,000 records |", "|---|---|---|---|"]
    for t in results["train"]:
        lines.append(f"| {t['config']} | {t['batch']} | {t['samples_per_s']} | {t['epoch_20000_records_min']} min |")
    b, g = results["batches"], results["gpu_estimate"]
    lines += [
        "", f"Batch construction alone (crop read from the shards + augmentation + normalisation): "
        f"{b['batch_build_samples_per_s_per_process']} samples/s per process; the network: {b['parameters']:,} "
        f"parameters, {b['train_gflop_per_sample']} GFLOP per training sample.", "",
        "## One GPU: ESTIMATE, not measured (no GPU on this machine)", "",
        "Measured on an NVIDIA H200 by `benchmarks/gpu.py`: see gpu.md (README, \"On a GPU\"). The estimate "
        "below is what this machine's batch rate would allow.", "",
        f"{g['assumptions']}: data-bound {g['data_bound_samples_per_s']:,} samples/s, compute-bound "
        f"{g['compute_bound_samples_per_s']:,} samples/s, so about **{g['samples_per_s']:,} samples/s** and "
        f"**{g['epoch_20000_records_min']} min per epoch of 20,000 records** (estimate). {g['amp']}. More "
        "`--loader-workers` raise the data bound proportionally while CPU cores last.", "",
    ]
    (RESULTS / "training.md").write_text("\n".join(lines))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--batch", type=int, default=32)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="leadsynth-bench-"))
    try:
        results = {
            "command": "PYTHONPATH=. python benchmarks/training.py " + " ".join(sys.argv[1:]),
            "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "torch": torch.__version__,
                        "load_before": round(os.getloadavg()[0], 1), "gpu": torch.cuda.is_available()},
        }
        results["prepare"] = bench_prepare(args.data, tmp)
        shards = tmp / "shards2"
        results["batches"] = bench_batches(shards, args.batch)
        results["train"] = bench_train(shards, tmp, args.steps, args.batch)
        results["gpu_estimate"] = gpu_estimate(results["batches"])
        results["machine"]["load_after"] = round(os.getloadavg()[0], 1)
        write(results)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print((RESULTS / "training.md").read_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
