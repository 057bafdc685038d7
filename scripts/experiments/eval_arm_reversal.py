"""How often the arm-electrode check fires, on recordings as recorded and with the arm electrodes swapped.

``leadsynth_core.measurement.electrodes.check_arm_electrodes`` on PTB-XL fold 9 (the seeded
selection sample of ``finalize_big.fold9_sample``) and on every CinC 2011 recording of the
model-space cache, each as recorded (I, II, V6) and with the swap applied (I -> -I, II -> II - I,
``training.augment.swap_arm_electrodes``); lead I alone, I with II, and I, II with the measured
V6 the check compares lead I with (a 12-lead file).  As recorded, a flag
is a false alarm or a real swap (PTB-XL's carts flagged three of 21,837; CinC 2011's
consumer recordings hold more; the last column counts the flags whose lead I is also
anti-correlated with the measured V6, r < -0.3, the swap's signature on the chest, which
no healthy heart shows); with the swap applied, a miss.

    python scripts/experiments/eval_arm_reversal.py CACHE [--fold9 800] [--shared ../shared/data]

``--shared``: also every LUDB, PTB ``S`` and SPH recording of the shared data, as recorded,
checked from I and II alone and with the whole file (V6 included); the flagged ones listed.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from finalize_big import fold9_sample  # noqa: E402

from leadsynth_core.io import read_record  # noqa: E402
from leadsynth_core.measurement.electrodes import check_arm_electrodes  # noqa: E402
from leadsynth_core.models.features import MODEL_FS  # noqa: E402
from leadsynth_core.record import EcgRecord  # noqa: E402
from leadsynth_core.training.augment import swap_arm_electrodes  # noqa: E402

ROWS = {"I": 0, "II": 1, "V5": 6, "V6": 7}


def _flags(arr: np.ndarray, leads: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Per record: flagged (bool) and which form fired (0 none, 1 P+QRS, 2 QRS+T, 3 QRS mirroring V6)."""
    flag = np.zeros(len(arr), bool)
    form = np.zeros(len(arr), int)
    for k, a in enumerate(arr):
        rows = [ROWS[n] for n in leads]  # model-space rows I, II, V1..V6
        rec = EcgRecord(signal=a[rows].T.astype(np.float64), fs=MODEL_FS, lead_names=leads)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # noisy consumer recordings: empty slices
            r = check_arm_electrodes(rec)
        if r is not None:
            flag[k] = True
            form[k] = {("P", "QRS"): 1, ("QRS", "T"): 2}.get(r.negative_waves, 3)  # 3: the mirror of V6 alone
    return flag, form


def _shared(root: Path) -> None:
    """The shared 12-lead recordings flagged as recorded, from I,II and from the whole file."""
    paths = ([q.with_suffix("") for q in sorted((root / "ludb" / "data").glob("*.hea"))]
             + [q.with_suffix("") for q in sorted((root / "cinc2021" / "PTB_PTBXL").glob("S*.hea"))]
             + sorted((root / "sph").glob("*.h5")))
    counts = [0, 0]
    for path in paths:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            rec = read_record(path)
            found = [check_arm_electrodes(rec.select(["I", "II"])), check_arm_electrodes(rec)]
        for k, f in enumerate(found):
            counts[k] += f is not None
        if any(found):
            print(f"{path.name}: I,II {found[0] and found[0].negative_waves}; whole file "
                  f"{found[1] and (found[1].negative_waves, found[1].r_lateral)}")
    print(f"shared data: {len(paths)} recordings; flagged from I,II {counts[0]}, from the whole file {counts[1]}",
          flush=True)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("cache", type=Path)
    p.add_argument("--fold9", type=int, default=800)
    p.add_argument("--shared", type=Path, default=None, help="the shared data folder (../shared/data)")
    a = p.parse_args()
    if a.shared is not None:
        _shared(a.shared)
    sets = {"PTB-XL fold 9": fold9_sample(a.cache, a.fold9),
            "CinC 2011": np.load(a.cache / "cinc2011.npz")["leads"].astype(np.float32)}
    print("| source | leads | records | flagged as recorded | flagged with the arms swapped | of which P+QRS "
          "| flagged as recorded with r(I, V6) < -0.3 |")
    print("|---|---|---|---|---|---|---|")
    for name, arr in sets.items():
        # swap_arm_electrodes works on model-space rows I, II, V1..V6 (C, T).
        swapped = np.stack([swap_arm_electrodes(x) for x in arr])
        r_i_v6 = np.array([np.corrcoef(x[0], x[7])[0, 1] for x in arr])  # rows I, II, V1..V6
        for leads in (("I",), ("I", "II"), ("I", "II", "V6")):
            f0, _ = _flags(arr, leads)
            f1, form1 = _flags(swapped, leads)
            print(f"| {name} | {','.join(leads)} | {len(arr)} | {f0.mean():.1%} ({f0.sum()}) | "
                  f"{f1.mean():.1%} | {np.mean(form1 == 1):.1%} | {np.sum(f0 & (r_i_v6 < -0.3))} of {f0.sum()} |",
                  flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
