"""What a user does to a library after adding recordings: assign or change a recording's
patient, find recordings by id or by file, and look at one patient.

:class:`PatientVerbs` is a mixin of :class:`~leadsynth_core.library.Library` (kept apart so
the store stays one readable module); every write is one transaction, like the store's.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import logging
from collections.abc import Iterable
from pathlib import Path

from ..errors import LeadSynthError, LibraryError
from .entries import ModelEntry, PatientEntry, RecordingEntry, _check_patient_id, _now, _recording
from .files import hash_record_files

__all__ = ["PatientVerbs", "PatientSummary", "assign_command", "recording_id"]

log = logging.getLogger("leadsynth_core.library")


def recording_id(what: str | int | Path) -> int | None:
    """The library id ``what`` names (``12``, ``"12"`` or ``"#12"``, as ``library list`` shows
    them); None for anything else (a record file)."""
    if isinstance(what, int):
        return what
    text = str(what).strip()
    return int(text.lstrip("#")) if text.lstrip("#").isdigit() else None


def assign_command(recording_id: int, patient_id: str | None = None) -> str:
    """The CLI command that assigns a recording to a patient (for messages that say how)."""
    return f"leadsynth library assign {recording_id} --patient {patient_id or 'ID'}"


@dataclasses.dataclass(frozen=True)
class PatientSummary:
    """One patient: the counts, every recording (most recent first) and every personal model."""

    patient: PatientEntry
    recordings: tuple[RecordingEntry, ...]
    models: tuple[ModelEntry, ...]


class PatientVerbs:
    """Assign, find and show (mixed into :class:`~leadsynth_core.library.Library`, whose
    ``_conn``, ``_transaction``, ``get_recording``, ``list_patients``, ``list_recordings``,
    ``latest_complete_recordings`` and ``personal_models`` these use)."""

    def assign_patient(
        self, recording_ids: Iterable[int], patient_id: str | None, *, force: bool = False
    ) -> list[RecordingEntry]:
        """Set (or, with ``None``, clear) the patient of recordings already in the library.

        All or nothing: one transaction for every recording given.

        Parameters
        ----------
        recording_ids
            Library ids of the recordings.
        patient_id
            The patient; created if new.  ``None`` leaves the recordings without a patient.
        force
            Also relabel a recording whose own file names another patient (refused
            otherwise, naming the file and its patient).

        Raises
        ------
        LibraryError
            An id is not in the library; a personal model was fine-tuned on a recording
            and would then rest on another patient's data (remove the model first); the
            file names another patient and ``force`` is false.
        """
        from .. import io as ecg_io

        pid = _check_patient_id(patient_id) if patient_id is not None else None
        ids = list(dict.fromkeys(int(i) for i in recording_ids))
        if not ids:
            raise LibraryError("no recordings given to assign")
        entries = [self.get_recording(i) for i in ids]
        for e in entries:
            if e.patient_id == pid:
                continue
            used = [r[0] for r in self._conn.execute(
                "SELECT model_id FROM model_recordings WHERE recording_id = ?", (e.id,))]
            if used:
                raise LibraryError(
                    f"recording #{e.id} ({e.path}) was used to fine-tune the personal model(s) "
                    f"{', '.join(used)} of patient {e.patient_id}; remove those first "
                    f"('leadsynth library remove-model ID')"
                )
            if pid is not None and not force:
                try:
                    own = ecg_io.inspect_record(e.path, key=e.key).patient_id
                except LeadSynthError:
                    own = None  # a moved file cannot contradict the user
                if own and own != pid:
                    raise LibraryError(
                        f"{e.path}: the file itself names patient {own!r}, not {pid!r}; "
                        "not relabelled (give --force if the file's patient id is wrong)"
                    )
        with self._transaction() as cur:
            if pid is not None:
                cur.execute("INSERT OR IGNORE INTO patients (id, created_at) VALUES (?, ?)", (pid, _now()))
            for e in entries:
                cur.execute("UPDATE recordings SET patient_id = ? WHERE id = ?", (pid, e.id))
        log.info("library %s: recording(s) %s assigned to patient %s", self.path, ids, pid)
        return [self.get_recording(i) for i in ids]

    def find_recordings(self, what: str | int | Path) -> list[RecordingEntry]:
        """The recordings ``what`` names: a library id (``12`` or ``"#12"``) or a record file.

        A file is matched by content (SHA-256 of its files, wherever it now is), so the
        path the user has at hand works even if the library knows it under another one;
        a multi-record HDF5 file gives all of its records.

        Raises
        ------
        LibraryError
            No such id, the file cannot be read, or the file is not in the library (the
            message says how to add it).
        """
        text = str(what).strip()
        rid = recording_id(what)
        if rid is not None:
            return [self.get_recording(rid)]
        sha = hash_record_files(text)
        rows = self._conn.execute("SELECT * FROM recordings WHERE sha256 = ? ORDER BY id", (sha,)).fetchall()
        if not rows:
            raise LibraryError(
                f"{text}: not in the library; add it with 'leadsynth library add {text} --patient ID'"
            )
        return [_recording(r) for r in rows]

    def get_patient(self, patient_id: str) -> PatientEntry:
        """One patient with counts (:class:`LibraryError` naming the known patients if absent)."""
        pid = _check_patient_id(patient_id)
        patients = self.list_patients()
        for p in patients:
            if p.id == pid:
                return p
        known = ", ".join(p.id for p in patients) or "none yet"
        raise LibraryError(f"{self.path}: no patient {pid!r} in the library (patients: {known})")

    def patient_summary(self, patient_id: str) -> PatientSummary:
        """Everything the library holds for one patient."""
        patient = self.get_patient(patient_id)
        return PatientSummary(
            patient, tuple(self.list_recordings(patient.id)), tuple(self.personal_models(patient.id))
        )

    def prior_recordings(self, path: str | Path, key: str | None = None, patient_id: str | None = None,
                         recorded_at: _dt.datetime | None = None, *,
                         by_content: bool = True) -> tuple[str, list[RecordingEntry]]:
        """This recording's patient and the complete 12-lead recordings of theirs that it can be
        read against (``measurement.serial``), most recent first.

        The patient is ``patient_id`` (the file's own identifier) when the library knows it,
        else the one the library files this recording under (found by content, wherever the
        file now is).  This recording itself is left out, and so is any recorded after it
        when both times are known (the library's, else ``recorded_at``, the file's own).
        Recordings whose files are gone are skipped.  ``by_content=False``: do not hash the
        file to find it (a Holter file of gigabytes), rely on ``patient_id``.

        Raises
        ------
        LibraryError
            No patient can be found for this recording (the message says how to file it).
        """
        this: RecordingEntry | None = None
        try:
            if by_content:
                this = next((e for e in self.find_recordings(path) if (e.key or None) == (key or None)), None)
        except LibraryError:
            this = None  # not in the library: its own patient identifier may still be
        known = {p.id for p in self.list_patients()}
        pid = patient_id.strip() if patient_id and patient_id.strip() in known else (this.patient_id if this else None)
        if pid is None:
            raise LibraryError(
                f"{path}: no patient for this recording in the library (its file names "
                f"{'a patient the library does not know' if patient_id else 'none'}); file it with "
                f"'leadsynth library add {path} --patient ID', or choose the prior ECG's file")
        when = (this.recorded_at if this is not None else None) or (recorded_at.isoformat() if recorded_at else None)
        usable = self.latest_complete_recordings(pid, n=None, exclude=[this.id] if this is not None else ())
        out = [e for e in usable if not (when and e.recorded_at and e.recorded_at > when)]
        return pid, out

    def unassigned_recordings(self) -> list[RecordingEntry]:
        """Recordings with no patient (added without ``--patient`` from files that name none)."""
        return [r for r in self.list_recordings() if r.patient_id is None]

