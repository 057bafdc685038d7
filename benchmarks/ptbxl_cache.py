"""PTB-XL records from a preprocessed cache (``ptbxl.npz``) for the benchmarks.

The cache (made by the accuracy work, kept outside the repository, e.g. ``/work/data_ext/cache``)
holds ``leads`` ``(N, 8, 2500)`` float16: 10 s at 250 Hz, already high-passed, in the order
I, II, V1-V6 (mV); ``strat_fold`` (PTB-XL's recommended split: fold 10 is the test fold),
``ecg_id`` and ``patient_id``.  The file is an uncompressed ``.npz`` of about 870 MB: the
``leads`` member is memory-mapped in place, so taking one fold reads only that fold's rows.

:func:`fold_records` returns :class:`~leadsynth_core.record.EcgRecord` objects: the 8 stored
leads ``measured``, III, aVR, aVL and aVF computed from I and II (``derived``), exactly as a
GE MUSE file of 8 stored leads is read.
"""

from __future__ import annotations

import struct
import zipfile
from pathlib import Path

import numpy as np

from leadsynth_core.errors import DatasetError
from leadsynth_core.leads import STANDARD_LEADS, derive_limb_leads
from leadsynth_core.record import EcgRecord, Provenance

__all__ = ["CACHE_FILE", "CACHE_LEADS", "CACHE_FS", "npz_member", "fold_records", "trained_ecg_ids"]

CACHE_FILE = "ptbxl.npz"
CACHE_LEADS: tuple[str, ...] = ("I", "II", "V1", "V2", "V3", "V4", "V5", "V6")
CACHE_FS = 250.0
_LOCAL_HEADER = struct.Struct("<4s5H3L2H")  # ZIP local file header (30 bytes)


def npz_member(path: Path, name: str) -> np.ndarray:
    """Array ``name`` of the ``.npz`` at ``path``: memory-mapped when stored uncompressed.

    ``np.load(..., mmap_mode="r")`` does not map ``.npz`` members; an uncompressed member is a
    plain ``.npy`` at a fixed offset in the file, so it is mapped there (read-only).
    """
    member = name if name.endswith(".npy") else f"{name}.npy"
    try:
        with zipfile.ZipFile(path) as zf:
            info = zf.getinfo(member)
            if info.compress_type != zipfile.ZIP_STORED:
                with zf.open(info) as fh:
                    return np.lib.format.read_array(fh, allow_pickle=False)
        with open(path, "rb") as fh:
            fh.seek(info.header_offset)
            fields = _LOCAL_HEADER.unpack(fh.read(_LOCAL_HEADER.size))
            if fields[0] != b"PK\x03\x04":
                raise DatasetError(f"{path}: member {member}: no ZIP local header at offset {info.header_offset}")
            name_len, extra_len = fields[-2], fields[-1]
            fh.seek(info.header_offset + _LOCAL_HEADER.size + name_len + extra_len)
            version = np.lib.format.read_magic(fh)
            readers = {(1, 0): np.lib.format.read_array_header_1_0, (2, 0): np.lib.format.read_array_header_2_0}
            if version not in readers:
                raise DatasetError(f"{path}: member {member} is .npy format {version}, not 1.0 or 2.0")
            shape, fortran, dtype = readers[version](fh)
            if dtype.hasobject:
                raise DatasetError(f"{path}: member {member} holds Python objects (not loaded: no pickles)")
            offset = fh.tell()
        return np.memmap(path, dtype=dtype, mode="r", shape=shape, order="F" if fortran else "C", offset=offset)
    except KeyError:
        raise DatasetError(f"{path}: no array '{name}' in the cache") from None
    except (zipfile.BadZipFile, ValueError) as exc:
        raise DatasetError(f"{path}: not a readable .npz cache ({exc})") from None


def trained_ecg_ids(splits_file: Path) -> set[int]:
    """PTB-XL ``ecg_id`` of every record a ``splits.json`` trains or validates on.

    The shipped models were trained on a few PTB-XL records of ``cinc2021/PTB_PTBXL``
    (``HR00009`` is ``ecg_id`` 9, which is in fold 10): those must not be scored as unseen.
    """
    import json

    try:
        splits = json.loads(Path(splits_file).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DatasetError(f"{splits_file}: cannot read the training splits ({exc})") from None
    out: set[int] = set()
    for part in ("train", "validation"):
        for name in (splits.get(part) or {}).get("ptbxl", ()):
            stem = str(name).rsplit("/", 1)[-1]
            digits = stem[2:] if stem.upper().startswith("HR") else ""
            if digits.isdigit():
                out.add(int(digits))
    return out


def fold_records(cache_dir: Path, fold: int = 10, limit: int | None = None, *,
                 exclude_ecg_ids: set[int] | frozenset[int] = frozenset()) -> tuple[list[EcgRecord], int]:
    """The records of PTB-XL ``strat_fold == fold`` in the cache (the first ``limit`` of them).

    Records in ``exclude_ecg_ids`` and every other record of the same patients are left out
    (a model that saw one recording of a patient has seen that patient).  Returns the records
    and how many of the fold were left out.
    """
    path = Path(cache_dir) / CACHE_FILE
    if not path.is_file():
        raise DatasetError(f"{path}: no PTB-XL cache here (expected {CACHE_FILE} in {cache_dir})")
    leads = npz_member(path, "leads")
    folds = np.asarray(npz_member(path, "strat_fold"))
    ids = np.asarray(npz_member(path, "ecg_id"))
    patients = np.asarray(npz_member(path, "patient_id"))
    if leads.ndim != 3 or leads.shape[1] != len(CACHE_LEADS) or leads.shape[0] != folds.shape[0]:
        raise DatasetError(f"{path}: field 'leads' has shape {leads.shape}; expected (N, {len(CACHE_LEADS)}, samples) "
                           f"with N = {folds.shape[0]} (the length of 'strat_fold')")
    rows = np.flatnonzero(folds == fold)
    seen_patients = set(patients[np.isin(ids, np.fromiter(exclude_ecg_ids, dtype=np.int64))].tolist())
    keep = ~np.isin(patients[rows], np.fromiter(seen_patients, dtype=np.int64))
    left_out = int(np.sum(~keep))
    rows = rows[keep]
    if limit is not None:
        rows = rows[: max(0, int(limit))]
    out = []
    for row in rows:
        x = np.asarray(leads[row], dtype=np.float32)  # (8, samples): reads this row only
        stored = dict(zip(CACHE_LEADS, x, strict=True))
        stored.update(derive_limb_leads(stored["I"], stored["II"]))
        signal = np.stack([stored[n] for n in STANDARD_LEADS], axis=1)
        prov = tuple(Provenance.MEASURED if n in CACHE_LEADS else Provenance.DERIVED for n in STANDARD_LEADS)
        out.append(EcgRecord(signal=signal, fs=CACHE_FS, lead_names=tuple(STANDARD_LEADS), provenance=prov,
                             patient_id=str(int(patients[row])), source=f"ptbxl/{int(ids[row]):05d}",
                             metadata={"format": "ptbxl-cache", "strat_fold": int(fold)}))
    return out, left_out
