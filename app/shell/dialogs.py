"""Small dialogs: open a record (choosing one record of a multi-record HDF5), save, about."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox, QWidget

from leadsynth_core import __version__
from leadsynth_core import io as lsio
from leadsynth_core.options import HDF5_SUFFIXES, MULTI_RECORD_SUFFIXES

log = logging.getLogger(__name__)

#: Every format the core reads, one filter each (GE MUSE, Philips, CardioSoft, aECG, DICOM, EDF...).
#: Files are recognised by content, so "All files" opens a misnamed export too.
OPEN_FILTER = lsio.dialog_filter()


def ask_open_path(parent: QWidget, start_dir: str, title: str = "Open ECG record") -> str | None:
    path, _ = QFileDialog.getOpenFileName(parent, title, start_dir, OPEN_FILTER)
    return path or None


def choose_record_key(parent: QWidget, path: Path, keys: list[str]) -> str | None:
    """Let the user pick one record of a multi-record file (HDF5, a Health export zip; None = cancelled)."""
    if len(keys) <= 1:
        return keys[0] if keys else None
    key, ok = QInputDialog.getItem(parent, "Choose a record", f"{path.name} holds {len(keys)} records:", keys, 0, False)
    return key if ok else None


def needs_key_choice(path: Path) -> list[str]:
    """Keys of a multi-record file (HDF5, an Apple Health export zip; empty for anything else);
    errors propagate."""
    if path.suffix.lower() not in MULTI_RECORD_SUFFIXES:
        return []
    if path.suffix.lower() in HDF5_SUFFIXES:
        # The viewer's first read of a chosen file: a damaged HDF5 file can hang or crash
        # libhdf5, so it is checked in a child process first (cached; the later read is not).
        lsio.guard_record(path)
    keys = [k for k in lsio.list_records(path) if k]
    return keys if len(keys) > 1 else []


def ask_record_key(parent: QWidget, path: Path) -> tuple[bool, str | None]:
    """Which record of ``path`` to read: ``(True, None)`` for a single-record file, ``(True, key)``
    once the user chose one of a multi-record HDF5 file, ``(False, None)`` when they cancelled.
    Errors of reading the file's keys propagate."""
    keys = needs_key_choice(path)
    if not keys:
        return True, None
    key = choose_record_key(parent, path, keys)
    return key is not None, key


#: File name endings read as lead tables, the one kind of file that may state no sampling rate.
_TABLE_SUFFIXES = next(f.suffixes for f in lsio.FORMATS if f.kind == "csv")


def ask_missing_rate(parent: QWidget, path: Path) -> tuple[bool, Path]:
    """For a lead table that states no sampling rate, ask for it and return a copy that states it
    (``NAME.RATEHz.csv`` beside it; its audit trail, printed on every page, says the rate was
    entered); ``(True, path)`` for every other file, ``(False, path)`` when the user cancelled.
    Errors of writing the copy propagate; other errors of the file are left to the normal open.
    Decided from the file's first bytes (its comments and header row), so nothing is read twice."""
    if path.suffix.lower() not in _TABLE_SUFFIXES or not lsio.lacks_rate(path):
        return True, path
    fs, ok = QInputDialog.getDouble(
        parent, "Sampling rate", f"{path.name} names its leads but states no sampling rate (no time column, no\n"
        "'# sampling_rate:' line). Enter the rate the device recorded at; LeadSynth opens a copy that states it,\n"
        "and every page and file made from it says the rate was entered, not read.\n\nSampling rate (Hz):",
        500.0, 1.0, 100_000.0, 3)
    if not ok:
        return False, path
    return True, lsio.copy_with_rate(path, fs)


#: The last item of the library's prior list: choose a file instead.
OTHER_FILE = "Another file…"


def choose_library_prior(parent: QWidget, patient_id: str, entries: list) -> object | None:
    """Let the user pick one of a patient's recordings in the library (``RecordingEntry``) as the
    prior ECG, or :data:`OTHER_FILE`; ``None``: cancelled."""
    items = [f"#{e.id}   {e.recorded_text('no recording time')}   {e.file_label}" for e in entries] + [OTHER_FILE]
    item, ok = QInputDialog.getItem(
        parent, "Compare with a prior ECG",
        f"Complete 12-lead ECGs of patient {patient_id} in the library, most recent first:", items, 0, False)
    if not ok:
        return None
    return OTHER_FILE if item == OTHER_FILE else entries[items.index(item)]


def ask_save_path(parent: QWidget, title: str, start: str, filters: str) -> str | None:
    path, _ = QFileDialog.getSaveFileName(parent, title, start, filters)
    return path or None


def show_about(parent: QWidget) -> None:
    QMessageBox.about(
        parent,
        "About LeadSynth",
        f"<h3>LeadSynth {__version__}</h3>"
        "<p>Reduced-lead ECG synthesis viewer: measured leads are shown as recorded; leads computed "
        "from I and II are marked <i>derived</i>; leads reconstructed by a model are drawn as a thin solid blue line "
        "on a tinted cell and labelled <b>SYNTHESIZED</b> with the model's name.</p>"
        "<p>Synthesized leads are estimates, not measurements; they are not for diagnosis on their own.</p>",
    )
