"""How often an electrode check fires, on recordings as recorded and with the electrodes swapped.

``--fault arms`` (default): the arm-electrode check.  ``--fault arm-leg``: the check for the
right-arm and left-leg electrodes swapped (``check_arm_leg_electrodes``; the swap applied is
``training.augment.swap_arm_leg_electrodes``, I -> I - II, II -> -II), in the same table.  The
last column, with lead II: what the viewer shows (``electrode_cautions``, which names at most
one swap) on the swapped recordings, the share named correctly and the share named as the
other swap.

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
from leadsynth_core.measurement.electrodes import (  # noqa: E402
    check_arm_electrodes,
    check_arm_leg_electrodes,
    electrode_cautions,
)
from leadsynth_core.models.features import MODEL_FS  # noqa: E402
from leadsynth_core.record import EcgRecord  # noqa: E402
from leadsynth_core.training.augment import swap_arm_electrodes, swap_arm_leg_electrodes  # noqa: E402

ROWS = {"I": 0, "II": 1, "V5": 6, "V6": 7}
#: --fault: (the check, the swap applied, the lead it inverts).
FAULTS = {"arms": (check_arm_electrodes, swap_arm_electrodes, "I"),
          "arm-leg": (check_arm_leg_electrodes, swap_arm_leg_electrodes, "II")}


def _record(a: np.ndarray, leads: tuple[str, ...]) -> EcgRecord:
    rows = [ROWS[n] for n in leads]  # model-space rows I, II, V1..V6
    return EcgRecord(signal=a[rows].T.astype(np.float64), fs=MODEL_FS, lead_names=leads)


def _flags(arr: np.ndarray, leads: tuple[str, ...], check=check_arm_electrodes) -> tuple[np.ndarray, np.ndarray]:
    """Per record: flagged (bool) and which form fired (0 none, 1 P+QRS, 2 QRS+T, 3 QRS mirroring V6)."""
    flag = np.zeros(len(arr), bool)
    form = np.zeros(len(arr), int)
    for k, a in enumerate(arr):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # noisy consumer recordings: empty slices
            r = check(_record(a, leads))
        if r is not None:
            flag[k] = True
            form[k] = {("P", "QRS"): 1, ("QRS", "T"): 2}.get(r.negative_waves, 3)  # 3: the mirror of V6 alone
    return flag, form


def _named(arr: np.ndarray, leads: tuple[str, ...]) -> tuple[float, float]:
    """Shares of ``arr`` the viewer's caution names as a right-arm/left-leg swap, and as an arm swap."""
    kinds = []
    for a in arr:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            kinds += [c.electrodes for c in electrode_cautions(_record(a, leads))]
    return kinds.count(("RA", "LL")) / len(arr), kinds.count(("RA", "LA")) / len(arr)


def _shared(root: Path, check=check_arm_electrodes) -> None:
    """The shared 12-lead recordings flagged as recorded, from I,II and from the whole file."""
    paths = ([q.with_suffix("") for q in sorted((root / "ludb" / "data").glob("*.hea"))]
             + [q.with_suffix("") for q in sorted((root / "cinc2021" / "PTB_PTBXL").glob("S*.hea"))]
             + sorted((root / "sph").glob("*.h5")))
    counts = [0, 0]
    for path in paths:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            rec = read_record(path)
            found = [check(rec.select(["I", "II"])), check(rec)]
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
    p.add_argument("--fault", choices=sorted(FAULTS), default="arms")
    a = p.parse_args()
    check, swap, lead = FAULTS[a.fault]
    if a.shared is not None:
        _shared(a.shared, check)
    sets = {"PTB-XL fold 9": fold9_sample(a.cache, a.fold9),
            "CinC 2011": np.load(a.cache / "cinc2011.npz")["leads"].astype(np.float32)}
    other = "an arm swap" if a.fault == "arm-leg" else "an RA/LL swap"
    extra = f" | swapped: named so by the viewer / named {other}"
    print(f"| source | leads | records | flagged as recorded | flagged with the electrodes swapped | of which P+QRS "
          f"| flagged as recorded with r({lead}, V6) < -0.3{extra} |")
    print("|---|---|---|---|---|---|---|---|")
    row = ROWS[lead]
    for name, arr in sets.items():
        # The swaps work on model-space rows I, II, V1..V6 (C, T).
        swapped = np.stack([swap(x) for x in arr])
        r_v6 = np.array([np.corrcoef(x[row], x[7])[0, 1] for x in arr])
        for leads in (("I",), ("I", "II"), ("I", "II", "V6")):
            if lead not in leads:
                continue
            f0, _ = _flags(arr, leads, check)
            f1, form1 = _flags(swapped, leads, check)
            named = " |"  # lead I alone: the viewer can only name the arm swap
            if "II" in leads:  # the viewer names one swap of the two it checks
                arm_leg, arms = _named(swapped, leads)
                right, wrong = (arm_leg, arms) if a.fault == "arm-leg" else (arms, arm_leg)
                named = f" {right:.1%} / {wrong:.1%} |"
            print(f"| {name} | {','.join(leads)} | {len(arr)} | {f0.mean():.1%} ({f0.sum()}) | "
                  f"{f1.mean():.1%} | {np.mean(form1 == 1):.1%} | {np.sum(f0 & (r_v6 < -0.3))} of {f0.sum()} |{named}",
                  flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
