"""Reading the training recordings of a personalization: paths, library entries or records
in memory; each is kept (with its hash and patient) or excluded with the reason."""

from __future__ import annotations

import dataclasses
import hashlib
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..errors import LeadSynthError, PersonalizationError
from ..library import RecordingEntry, assess_quality, hash_record_files
from ..progress import CancelToken, check
from ..record import EcgRecord
from .result import ExcludedRecording


@dataclasses.dataclass
class _Loaded:
    record: EcgRecord
    label: str
    path: str | None
    key: str | None
    sha256: str
    patient_id: str | None
    library_id: int | None


RecordingLike = EcgRecord | RecordingEntry | str | os.PathLike


def _signal_sha256(record: EcgRecord) -> str:
    h = hashlib.sha256()
    h.update(",".join(record.lead_names).encode() + f"@{record.fs:g}".encode())
    h.update(np.ascontiguousarray(record.signal).tobytes())
    return h.hexdigest()


def _load_recordings(
    recordings: Sequence[RecordingLike], cancel: CancelToken | None
) -> tuple[list[_Loaded], list[ExcludedRecording]]:
    from .. import io as ecg_io

    kept: list[_Loaded] = []
    excluded: list[ExcludedRecording] = []
    for item in recordings:
        check(cancel)
        if isinstance(item, EcgRecord):
            label = item.source or f"<in-memory record {len(kept) + len(excluded) + 1}>"
        elif isinstance(item, RecordingEntry):
            label = f"{item.path}[{item.key}]" if item.key else item.path
        else:
            label = os.fspath(item)
        try:
            if isinstance(item, EcgRecord):
                src = Path(item.source) if item.source else None
                sha = hash_record_files(src) if src is not None and src.exists() else _signal_sha256(item)
                entry = _Loaded(item, label, item.source, None, sha, item.patient_id, None)
            elif isinstance(item, RecordingEntry):
                record = ecg_io.read_record(item.path, key=item.key)
                sha = hash_record_files(item.path)
                if sha != item.sha256:
                    excluded.append(ExcludedRecording(label, "the file changed since it was added to the library"))
                    continue
                entry = _Loaded(record, label, item.path, item.key, sha, item.patient_id or record.patient_id, item.id)
            else:
                record = ecg_io.read_record(label)
                path = record.source or label
                entry = _Loaded(record, label, str(Path(path).resolve()), None, hash_record_files(path),
                                record.patient_id, None)
        except LeadSynthError as exc:
            excluded.append(ExcludedRecording(label, f"cannot be read: {exc}"))
            continue
        same = next((k for k in kept if k.sha256 == entry.sha256 and k.key == entry.key), None)
        if same is not None:
            excluded.append(ExcludedRecording(label, f"the same recording as {same.label}"))
            continue
        complete, notes = assess_quality(entry.record)
        if not complete:
            excluded.append(ExcludedRecording(entry.label, "not a usable complete 12-lead recording: " + "; ".join(notes)))
            continue
        kept.append(entry)
    return kept, excluded


def _check_patients(
    kept: list[_Loaded], patient_id: str | None, allow_mixed: bool, warnings: list[str]
) -> str | None:
    named = {e.label: e.patient_id for e in kept if e.patient_id}
    ids = sorted(set(named.values()))
    if patient_id is None and len(ids) == 1:
        patient_id = ids[0]
    if patient_id is not None:
        others = {label: pid for label, pid in named.items() if pid != patient_id}
    else:
        others = named if len(ids) > 1 else {}
    if others:
        if patient_id is not None:
            listing = "; ".join(f"{label}: {pid}" for label, pid in others.items())
            msg = f"recordings of another patient than {patient_id!r}: {listing}"
        else:
            listing = "; ".join(f"{label}: {pid}" for label, pid in named.items())
            msg = f"recordings of {len(ids)} different patients ({', '.join(ids)}): {listing}"
        if not allow_mixed:
            raise PersonalizationError(
                f"{msg}. A personal model is fine-tuned on one patient's recordings only; "
                "remove those recordings or allow mixed patients explicitly"
            )
        warnings.append(f"mixed patients allowed: {msg}")
    unnamed = [e.label for e in kept if not e.patient_id]
    if unnamed and patient_id is not None:
        warnings.append(
            f"{len(unnamed)} recording(s) name no patient; taken as patient {patient_id} on the caller's word"
        )
    if patient_id is None:
        warnings.append("no patient id given or found in the recordings; the model cannot be saved for a patient")
    return patient_id


def _electrode_warnings(kept: list[_Loaded], warnings: list[str]) -> None:
    """A recording taken with the arm electrodes swapped teaches the head a mapping from an
    inverted lead I that the patient's correctly placed recordings contradict: say which.
    Not excluded: the same pattern in every recording of one patient is their heart
    (dextrocardia), not a cable."""
    from ..measurement import electrode_cautions

    for e in kept:
        for caution in electrode_cautions(e.record):
            warnings.append(f"{e.label}: {caution.text()}")
