"""What File > Open from the library lists: the library's patients and each one's recordings,
with whether their files are still there and whether (and by whom) they have been interpreted.

A reader works through a patient's ECGs, or through the recordings nobody has read yet; the
rows say that much before a file is opened.  The library is a local SQLite file and these are
a few small queries, so they run in the GUI thread, as the wizard's library box does.
"""

from __future__ import annotations

import dataclasses

from leadsynth_core.errors import LeadSynthError
from leadsynth_core.leads import describe_leads
from leadsynth_core.library import Interpretation, Library, PatientEntry, RecordingEntry, record_files

__all__ = ["LibraryRow", "NO_PATIENT", "ALL_PATIENTS", "library_patients", "library_rows"]

#: The patient list's entry for recordings filed without a patient.
NO_PATIENT = "(no patient)"
#: The patient list's first entry: every recording of the library (with "only not
#: interpreted", a reader's worklist across patients).
ALL_PATIENTS = "(all patients)"


@dataclasses.dataclass(frozen=True)
class LibraryRow:
    """One recording as the browser lists it."""

    entry: RecordingEntry
    interpretation: Interpretation | None
    exists: bool

    @property
    def recorded(self) -> str:
        return self.entry.recorded_text()

    @property
    def leads(self) -> str:
        return describe_leads(self.entry.leads)

    @property
    def length(self) -> str:
        d = self.entry.duration
        return f"{d:.1f} s" if d < 120 else f"{d / 60:.1f} min" if d < 7200 else f"{d / 3600:.1f} h"

    @property
    def read_text(self) -> str:
        """Who interpreted it and when, and whether on a reconstruction; "not interpreted"."""
        i = self.interpretation
        if i is None:
            return "not interpreted"
        return f"{i.reader}, {i.local_time()}" + (" (on a reconstruction)" if i.context.on_reconstruction else "")

    @property
    def file_text(self) -> str:
        return self.entry.file_label if self.exists else f"MISSING: {self.entry.location}"


def library_patients(library: Library) -> list[PatientEntry]:
    """The library's patients (with counts), in id order."""
    return library.list_patients()


def library_rows(library: Library, patient_id: str | None) -> list[LibraryRow]:
    """The recordings of ``patient_id`` (None: those without a patient; :data:`ALL_PATIENTS`:
    every one, most recent first across patients), with their interpretation in force and
    whether their file is where the library says."""
    if patient_id == ALL_PATIENTS:
        entries = sorted(library.list_recordings(), key=lambda r: (r.recorded_at or "", r.added_at), reverse=True)
    elif patient_id is not None:
        entries = library.list_recordings(patient_id)
    else:
        entries = [r for r in library.list_recordings() if r.patient_id is None]
    read = library.interpretations_in_force(entries)
    return [LibraryRow(e, read.get(e.id), _files_exist(e.path)) for e in entries]


def _files_exist(path: str) -> bool:
    """Whether every file of the recording is there (a WFDB record is named without its suffix)."""
    try:
        return all(f.exists() for f in record_files(path))
    except (LeadSynthError, OSError):
        return False
