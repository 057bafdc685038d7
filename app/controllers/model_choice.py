"""Which model serves the open record: the patient's personal model, or the general one.

The patient of a record is the one its file names or, where the file names none (LUDB,
most exports), the one the library links it to.  :class:`PatientModelChoice` plugs into
:class:`~app.controllers.SynthesisController` as its ``choose_model`` (called in the
synthesis worker thread, hence the lock) and remembers, per patient and for this
session, a user's wish to go back to the general model.

This module does not import torch at import time (the viewer starts without it).
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from leadsynth_core.errors import LeadSynthError
from leadsynth_core.library import Library, RecordingEntry
from leadsynth_core.record import EcgRecord

if TYPE_CHECKING:
    from leadsynth_core.models import ModelCard

log = logging.getLogger(__name__)


def same_recording(entry: RecordingEntry, path: str | os.PathLike | None, key: str | None) -> bool:
    """True when ``entry`` is the file at ``path`` (any of a WFDB record's spellings)."""
    if path is None:
        return False
    a = Path(entry.path).resolve()
    b = Path(path).resolve()
    same = a == b or (a.suffix.lower() in (".hea", ".dat", "") and a.with_suffix("") == b.with_suffix(""))
    # Without a key (a single-record HDF5 file opened plainly) the path decides.
    return same and (key is None or (entry.record_key or None) == key)


def record_identity(record: EcgRecord) -> tuple[str, str | None]:
    """What a confirmation to run a personal model on a record is remembered by."""
    return str(record.source or id(record)), record.metadata.get("key")


def personal_summary(card: ModelCard) -> str:
    """``"personalized for patient P1, trained on 5 recordings, 2026-11-22"``."""
    n = len((card.training or {}).get("recordings", []))
    return (
        f"personalized for patient {card.patient_id}, trained on {n} recording{'s' if n != 1 else ''}, "
        f"{(card.created or '')[:10]}"
    )


class PatientModelChoice(QObject):
    """Resolves the patient of a record and picks the model for it."""

    changed = Signal()  # the user switched between personal and general, or a model was added

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._lock = threading.Lock()
        self._general_for: set[str] = set()
        self._patients: dict[tuple[str, str | None], str | None] = {}
        #: A personal model the user chose explicitly (Leads > Use a personal model), which
        #: serves every record it fits until cleared; and the (record, model) pairs of
        #: another patient for which the user confirmed it.
        self._selected: ModelCard | None = None
        self._confirmed: set[tuple[tuple[str, str | None], str]] = set()

    def patient_of(
        self, record: EcgRecord | None, path: str | Path | None = None, key: str | None = None
    ) -> str | None:
        """The record's patient: from its file, else from the library (cached per file)."""
        if record is None:
            return None
        if record.patient_id:
            return record.patient_id
        source = path or record.source
        if not source:
            return None
        cache_key = (str(Path(source).resolve()), key)
        with self._lock:
            if cache_key in self._patients:
                return self._patients[cache_key]
        pid = self._lookup(source, key)
        with self._lock:
            self._patients[cache_key] = pid
        return pid

    @staticmethod
    def _lookup(source: str | Path, key: str | None) -> str | None:
        try:
            with Library() as lib:
                ids = {
                    e.patient_id
                    for e in lib.list_recordings()
                    if e.patient_id and same_recording(e, source, key)
                }
        except LeadSynthError as exc:
            log.warning("library lookup of %s failed: %s", source, exc)
            return None
        return ids.pop() if len(ids) == 1 else None

    def choose(self, inputs: tuple[str, ...], record: EcgRecord | None) -> ModelCard:
        """The patient's newest personal model for ``inputs`` unless switched off, else the general one.

        Thread-safe; imports the model registry (and torch) on first use.
        """
        from leadsynth_core.models import check_model_patient, list_models, select_model

        pid = self.patient_of(record)
        with self._lock:
            general = pid is None or pid in self._general_for
            selected = self._selected
        if selected is not None and record is not None:
            # The core's patient rule: another patient's model only after the user
            # confirmed it for this record (PersonalModelGuard asks).
            if not check_model_patient(selected, pid).needs_confirmation or self.is_confirmed(record, selected):
                card = select_model(inputs, patient_id=selected.patient_id,
                                    cards=[selected, *list_models(include_personal=False)])
                if card.id == selected.id:
                    return card
        return select_model(inputs) if general else select_model(inputs, patient_id=pid)

    # ------------------------------------------------- an explicitly chosen personal model
    def selected(self) -> ModelCard | None:
        with self._lock:
            return self._selected

    def select_personal(self, card: ModelCard | None) -> None:
        """Serve records with ``card`` (a personal model) where it fits; None: back to the usual choice."""
        with self._lock:
            if card is self._selected:
                return
            self._selected = card
        log.info("personal model selected: %s", card.id if card is not None else "none")
        self.changed.emit()

    def is_confirmed(self, record: EcgRecord, card: ModelCard) -> bool:
        with self._lock:
            return (record_identity(record), card.id) in self._confirmed

    def confirm(self, record: EcgRecord, card: ModelCard) -> None:
        """The user agreed to run ``card`` (another patient's model) on ``record``."""
        with self._lock:
            self._confirmed.add((record_identity(record), card.id))
        log.warning("user confirmed personal model %s (patient %s) for %s", card.id, card.patient_id, record.source)
        self.changed.emit()

    def has_personal(self, patient_id: str) -> bool:
        """Whether the library holds a personal model of ``patient_id``."""
        try:
            with Library() as lib:
                return bool(lib.personal_models(patient_id))
        except LeadSynthError as exc:
            log.warning("library lookup of patient %s failed: %s", patient_id, exc)
            return False

    def uses_general(self, patient_id: str) -> bool:
        with self._lock:
            return patient_id in self._general_for

    def set_use_general(self, patient_id: str, general: bool) -> None:
        with self._lock:
            if general == (patient_id in self._general_for):
                return
            (self._general_for.add if general else self._general_for.discard)(patient_id)
        log.info("patient %s: %s model", patient_id, "general" if general else "personal")
        self.changed.emit()

    def model_added(self, patient_id: str) -> None:
        """A personal model was just accepted for ``patient_id``: use it, forget cached lookups."""
        with self._lock:
            self._patients.clear()
            self._general_for.discard(patient_id)
        self.changed.emit()
