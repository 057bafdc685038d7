"""Where ``personalize(device="auto")`` runs, and how close the time model it decides by is.

Usage::

    PYTHONPATH=. python benchmarks/device_choice.py [--data ../shared/data] [--repeats 3]

Runs ``personalize()`` (base ``linres-i-ii-v2-v4``, inputs I,II,V2,V4, five LUDB recordings
161-165 tiled to the length named, held-out scoring included) over a grid of signal lengths,
epochs and trainable parts on the CPU and, where there is one, on the CUDA GPU (its first call
in this process timed apart: that one pays CUDA's start-up); then the default job as the first
fine-tune of a fresh process, with and without ``runtime.prepare_training()`` before it.  Each row: the median wall time
against ``personalization.cost.estimate_seconds``, and where there is a GPU, which device was
faster against the one ``auto`` picks.  A machine whose ratios stray far from 1 is one whose
"auto" choice and wizard estimates would be off: the constants in ``cost.py`` say where they
were measured.

Results: benchmarks/results/device_choice.json and device_choice.md (the README's "Where a
fine-tune runs").
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from a checkout
    sys.path.insert(0, str(ROOT))

from leadsynth_core.io import read_record  # noqa: E402
from leadsynth_core.models import count_parameters, load_model  # noqa: E402
from leadsynth_core.options import DEFAULT_EPOCHS  # noqa: E402
from leadsynth_core.paths import reference_data_dir  # noqa: E402
from leadsynth_core.personalization.cost import choose_device, estimate_seconds  # noqa: E402
from leadsynth_core.personalize import personalize  # noqa: E402
from leadsynth_core.runtime import cpu_cores  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"
BASE, LEADS = "linres-i-ii-v2-v4", "I,II,V2,V4"
#: (seconds per recording, epochs, trainable): the default job first.
GRID = ((10, 60, "head"), (60, 60, "head"), (300, 60, "head"), (300, 240, "head"), (10, 60, "last_blocks"),
        (10, 60, "all"), (60, 60, "all"))


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _recordings(data: Path, seconds: float) -> list:
    """LUDB 161-165, each tiled (repeated end to end) to ``seconds``: timing needs length, not novelty."""
    recs = [read_record(data / "ludb" / "data" / str(i)) for i in range(161, 166)]
    return [r.replace(signal=np.tile(r.signal, (int(np.ceil(seconds / r.duration)), 1))[: int(round(seconds * r.fs))])
            for r in recs]


def _time(base, recs, epochs: int, trainable: str, device: str, repeats: int) -> list[float]:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        personalize(base, LEADS, recs, patient_id="timing", device=device, epochs=epochs, trainable=trainable)
        times.append(time.perf_counter() - t0)
    return times


# One fine-tune of the default job as the first of a fresh process, imports and reading
# excluded; with "prepare", runtime.prepare_training() (the wizard's warm-up) runs first.
_FIRST_CALL = """
import sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from benchmarks.device_choice import BASE, LEADS, _recordings
from leadsynth_core.models import load_model
from leadsynth_core.personalize import personalize
from leadsynth_core.runtime import prepare_training, training_ready
recs, base = _recordings(Path(sys.argv[2]), 10), load_model(BASE)
if sys.argv[4] == "prepare":
    prepare_training()
ready = training_ready()
t = time.perf_counter()
personalize(base, LEADS, recs, patient_id="timing", device=sys.argv[3])
print(ready, time.perf_counter() - t)
"""


def first_calls(data: Path, device: str, repeats: int) -> dict[str, Any]:
    """The default job as a fresh process's first fine-tune, with and without the warm-up first."""
    out: dict[str, Any] = {}
    for mode in ("cold", "prepare"):
        runs, ready = [], None
        for _ in range(repeats):
            done = subprocess.run([sys.executable, "-c", _FIRST_CALL, str(ROOT), str(data), device, mode],
                                  capture_output=True, text=True, check=True, timeout=600)
            flag, seconds = done.stdout.split()[-2:]
            ready = flag == "True"
            runs.append(float(seconds))
        out[mode] = {"median_s": statistics.median(runs), "runs_s": runs, "training_ready": ready}
    return out


def measure(data: Path, repeats: int) -> dict[str, Any]:
    base = load_model(BASE)
    params = count_parameters(base.module, trainable_only=False)
    gpu = torch.cuda.is_available()
    devices = ["cpu", "cuda"] if gpu else ["cpu"]
    rows, first_gpu_s = [], None
    _time(base, _recordings(data, 10), 60, "head", "cpu", 1)  # warm-up: first-call costs of torch and scipy
    for seconds, epochs, trainable in GRID:
        recs = _recordings(data, seconds)
        total = sum(r.duration for r in recs)
        row: dict[str, Any] = {"seconds_each": seconds, "signal_s": total, "epochs": epochs, "trainable": trainable}
        for dev in devices:
            if dev == "cuda" and first_gpu_s is None:
                first_gpu_s = _time(base, recs, epochs, trainable, dev, 1)[0]
            runs = _time(base, recs, epochs, trainable, dev, repeats)
            est = estimate_seconds(params, total, len(recs), epochs, trainable=trainable, device=dev, window=base.card.window)
            row[dev] = {"median_s": statistics.median(runs), "runs_s": runs, "estimate_s": est}
        if gpu:
            row["faster"] = min(devices, key=lambda d: row[d]["median_s"])
            row["auto_picks"] = choose_device("cuda", params, total, len(recs), epochs, trainable=trainable,
                                              window=base.card.window, started=True)
        rows.append(row)
    # The job _FIRST_CALL runs: five 10-s recordings, personalize()'s default epochs.
    first, default_recs = {}, _recordings(data, 10)
    for dev in devices:
        first[dev] = first_calls(data, dev, repeats)
        for m in first[dev].values():
            m["estimate_s"] = estimate_seconds(params, sum(r.duration for r in default_recs), len(default_recs),
                                               DEFAULT_EPOCHS, device=dev, started=False,
                                               warm=m["training_ready"], window=base.card.window)
    try:
        load = [round(x, 2) for x in os.getloadavg()]
    except (AttributeError, OSError):
        load = None
    return {
        "command": " ".join(["PYTHONPATH=. python benchmarks/device_choice.py", *sys.argv[1:]]),
        "date": time.strftime("%Y-%m-%d"), "base_model": BASE, "parameters": params, "repeats": repeats,
        "machine": {"cpu": _cpu_name(), "cores": cpu_cores(),
                    "gpu": torch.cuda.get_device_name(0) if gpu else None, "torch": torch.__version__,
                    "load_average_1_5_15": load},
        "first_gpu_call_s": first_gpu_s, "rows": rows, "first_fine_tune_of_a_process": first,
    }


def write(results: dict[str, Any]) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "device_choice.json").write_text(json.dumps(results, indent=2) + "\n")
    m = results["machine"]
    gpu = m["gpu"]
    lines = [
        "## Where a fine-tune runs (`device=\"auto\"`)",
        "",
        f"`{results['command']}`, {results['date']}: `personalize()` of `{results['base_model']}` "
        f"({results['parameters']:,} parameters) on five LUDB recordings (161-165) tiled to the length shown, "
        f"median of {results['repeats']} runs, against the time model `auto` decides by "
        f"(`leadsynth_core/personalization/cost.py`). Machine: {m['cpu']}, {m['cores']} cores"
        + (f", {gpu}" if gpu else ", no GPU") + f", load average {m['load_average_1_5_15']}.",
        "",
    ]
    head = "| signal | epochs | trains | CPU s (estimate) |"
    rule = "|---|---|---|---|"
    if gpu:
        head += " GPU s (estimate) | faster | auto picks |"
        rule += "---|---|---|"
    lines += [head, rule]
    for r in results["rows"]:
        c = r["cpu"]
        line = (f"| 5 x {r['seconds_each']} s | {r['epochs']} | {r['trainable']} | "
                f"{c['median_s']:.2f} ({c['estimate_s']:.2f}) |")
        if gpu:
            g = r["cuda"]
            line += f" {g['median_s']:.2f} ({g['estimate_s']:.2f}) | {r['faster']} | {r['auto_picks']} |"
        lines.append(line)
    lines += [
        "",
        "The first fine-tune of a process (the default job, 5 x 10 s, head, 60 epochs; a fresh process each, "
        f"median of {results['repeats']}, model and recordings already loaded) pays PyTorch's one-off "
        "first-optimizer cost unless `runtime.prepare_training()` paid it before, as the personalization wizard "
        "does in a worker when it opens:",
        "",
        "| device | first fine-tune s (estimate) | after prepare_training s (estimate) |",
        "|---|---|---|",
    ]
    for dev, f in results["first_fine_tune_of_a_process"].items():
        c, p = f["cold"], f["prepare"]
        lines.append(f"| {dev} | {c['median_s']:.2f} ({c['estimate_s']:.2f}) | {p['median_s']:.2f} ({p['estimate_s']:.2f}) |")
    lines.append("")
    if gpu:
        lines += [f"The first GPU call of the process (CUDA start-up) took {results['first_gpu_call_s']:.2f} s.", ""]
    else:
        lines += [
            "No GPU here, so `auto` is the CPU. On an NVIDIA H200 (`benchmarks/results/gpu.md`) the default job "
            "(first row) took 0.84 s warm and 6.41 s for the first call of a process: a head-only fine-tune is a few "
            "hundred tiny steps, each a kernel launch and a synchronisation, so `auto` keeps such jobs on the CPU "
            "and sends the long ones (hours of signal, or the whole network once CUDA is running) to the GPU.",
            "",
        ]
    (RESULTS / "device_choice.md").write_text("\n".join(lines))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=reference_data_dir())
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    if not (args.data / "ludb" / "data" / "161.hea").exists():
        print(f"benchmarks/device_choice.py: no LUDB records under {args.data}", file=sys.stderr)
        return 2
    write(measure(args.data, args.repeats))
    print((RESULTS / "device_choice.md").read_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
