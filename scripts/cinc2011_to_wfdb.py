"""Write the PhysioNet/CinC 2011 set-a recordings judged acceptable as WFDB, for ``leadsynth prepare``.

    .venv/bin/python scripts/cinc2011_to_wfdb.py EXT/set-a-parent OUT

The challenge's files (``../shared/data/external/README.md``: ``set-a/NAME.txt``, one CSV
text file per record, sample index then I, II, III, aVR, aVL, aVF, V1-V6 in microvolts at
500 Hz; ``Lists/RECORDS-Group I.txt`` the 772 judged acceptable) are not a format the
readers know.  This writes each acceptable recording as ``OUT/NAME.hea`` + ``.dat`` (mV),
leaving out those with a saturated stretch (a sample at or beyond +-16,000 uV: not usable
as truth), exactly the selection the shipped models were trained on (754 recordings).
The samples are written as read (divided by 1000); nothing is filtered or resampled here.
Existing outputs are kept, so a second run only adds what is missing.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from leadsynth_core.io import write_record
from leadsynth_core.leads import STANDARD_LEADS
from leadsynth_core.record import EcgRecord

SATURATED_UV = 16000
FS = 500.0


def read_cinc2011(path: Path) -> np.ndarray | None:
    """One set-a text file as (T, 12) mV in STANDARD_LEADS order, or None when a stretch is
    saturated (a sample at or beyond +-SATURATED_UV: not usable as truth)."""
    x = np.loadtxt(path, delimiter=",", dtype=np.float64)[:, 1:13]
    if np.any(np.abs(x) >= SATURATED_UV):
        return None
    return x / 1000.0


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("ext", type=Path, help="folder holding set-a/ and Lists/ (extract.sh's output)")
    p.add_argument("out", type=Path)
    a = p.parse_args()
    lists = a.ext / "Lists" / "RECORDS-Group I.txt"
    if not lists.is_file():
        print(f"{lists}: not found (run ../shared/data/external/extract.sh on the CinC 2011 snapshot)", file=sys.stderr)
        return 2
    names = lists.read_text().split()
    a.out.mkdir(parents=True, exist_ok=True)
    written = saturated = 0
    for name in names:
        if (a.out / f"{name}.hea").exists():
            written += 1
            continue
        x = read_cinc2011(a.ext / "set-a" / f"{name}.txt")
        if x is None:
            saturated += 1
            continue
        rec = EcgRecord(signal=x.astype(np.float32), fs=FS, lead_names=tuple(STANDARD_LEADS),
                        source="PhysioNet/CinC Challenge 2011 set-a", patient_id=name)
        write_record(rec, a.out / name, format="wfdb")
        written += 1
    print(f"{a.out}: {written} acceptable recordings as WFDB; {saturated} saturated left out (of {len(names)})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
