"""Where a benchmark's results go: ``benchmarks/results/NAME.json`` and ``.md`` (the README block
``results:NAME``, pasted by ``scripts/update_readme.py``)."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def write_results(out: Path, res: dict, markdown: Callable[[dict], str]) -> str:
    """Write ``res`` as ``out``.json and its table as ``out``.md; return the table."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps(res, indent=2) + "\n")
    text = markdown(res)
    out.with_suffix(".md").write_text(text)
    return text


def benchmark_main(
    name: str, description: str, argv: list[str] | None, run: Callable[[Path], dict],
    markdown: Callable[[dict], str], needs: Sequence[str],
) -> int:
    """The command line of a benchmark on the shared data: ``--data-root``, ``--threads``, ``--out``;
    exit 1 naming what is missing when a folder of ``needs`` (relative to the data) is absent."""
    import torch

    from leadsynth_core.paths import reference_data_dir

    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--data-root", type=Path, default=None, help="the shared data folder (default: found)")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / name)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    data = args.data_root or reference_data_dir()
    missing = [n for n in needs if not (data / n).is_dir()]
    if missing:
        print(f"{name}: no {', '.join(missing)} under {data}: nothing to measure", file=sys.stderr)
        return 1
    t0 = time.perf_counter()
    res = run(data)
    res["seconds"] = time.perf_counter() - t0
    res["threads"] = args.threads
    print(write_results(args.out, res, markdown))
    return 0
