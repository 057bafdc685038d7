"""Small training-data folders for the prepare/train tests, made of the shared real records.

The records are linked (never copied) into a temporary folder with one sub-folder per
source, so ``leadsynth prepare`` sees a mix of formats and rates: LUDB WFDB at 500 Hz,
Challenge 2021 ``.hea`` + ``.mat`` at 500 Hz, PTB-XL WFDB at 100 Hz and SPH HDF5.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from child_env import child_env

ROOT = Path(__file__).resolve().parents[1]


def _link(src: Path, dst_folder: Path) -> None:
    dst_folder.mkdir(parents=True, exist_ok=True)
    for f in src.parent.glob(src.stem + ".*"):
        target = dst_folder / f.name
        if not target.exists():
            os.symlink(f.resolve(), target)


def make_data_folder(shared: Path, dest: Path, n_ludb: int = 12) -> Path:
    """``dest`` with sources ``ludb`` (n_ludb records), ``cinc`` (3), ``ptbxl`` (1, 100 Hz), ``sph`` (2)."""
    for k in range(1, n_ludb + 1):
        _link(shared / "ludb" / "data" / f"{k}.hea", dest / "ludb")
    for name in ("A0001", "A0002", "A0003"):
        _link(shared / "cinc2021" / "CPSC_CPSC-Extra" / f"{name}.hea", dest / "cinc")
    _link(next((shared / "ptbxl" / "records100").rglob("00001_lr.hea")), dest / "ptbxl")
    for name in ("SPH00001", "SPH00002"):
        _link(shared / "sph" / f"{name}.h5", dest / "sph")
    return dest


def make_shards(shared: Path, base: Path) -> Path:
    """``base/shards``: ``leadsynth prepare`` of :func:`make_data_folder`'s records (20 % validation)."""
    from leadsynth_core.training.prepare import prepare

    data = make_data_folder(shared, base / "records")
    prepare([str(data)], base / "shards", workers=1, val_fraction=0.2, isolate=False)
    return base / "shards"


def leadsynth(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Run ``python -m leadsynth_core.cli ARGS`` in a child process (this worktree's code)."""
    env = child_env(OMP_NUM_THREADS="1")
    return subprocess.run(
        [sys.executable, "-m", "leadsynth_core.cli", *args], capture_output=True, text=True, env=env, cwd=ROOT,
        timeout=timeout,
    )


def losses(run_dir: Path) -> list[float]:
    """The per-step training losses of ``run_dir/log.csv``."""
    lines = (run_dir / "log.csv").read_text(encoding="utf-8").splitlines()[1:]
    steps = [int(line.split(",")[0]) for line in lines]
    assert steps == list(range(1, len(steps) + 1)), steps
    return [float(line.split(",")[2]) for line in lines]
