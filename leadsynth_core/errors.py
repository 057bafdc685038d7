"""The one error hierarchy of LeadSynth.

Every error a user can provoke with a file, a lead choice or a model derives from
:class:`LeadSynthError`; the CLI and the GUI show its message and nothing else (no
traceback).  Messages name the file and the field at fault.
"""

from __future__ import annotations

__all__ = [
    "LeadSynthError",
    "RecordFormatError",
    "UnsupportedLeadError",
    "MissingLeadError",
    "SignalQualityError",
    "ModelError",
    "SynthesisError",
    "PersonalizationError",
    "LibraryError",
    "DatasetError",
    "TrainingError",
    "PatientMismatchError",
    "CancelledError",
    "OptionError",
    "MissingRateError",
]


class LeadSynthError(Exception):
    """Base class of every error LeadSynth raises on purpose."""


class RecordFormatError(LeadSynthError, ValueError):
    """A recording file cannot be interpreted (bad header, truncated data, bad units...)."""


class MissingRateError(RecordFormatError):
    """A table of samples states no sampling rate; only the user can supply it (the viewer asks)."""


class UnsupportedLeadError(LeadSynthError, ValueError):
    """A lead name is unknown, ambiguous or duplicated."""


class MissingLeadError(LeadSynthError, KeyError):
    """Leads the caller asked for are not in the record."""

    def __str__(self) -> str:  # KeyError quotes its message; keep it readable
        return str(self.args[0]) if self.args else ""


class SignalQualityError(LeadSynthError, ValueError):
    """A lead is flat, saturated, not finite, or the record is too short to use."""


class ModelError(LeadSynthError, ValueError):
    """A model file or model card is missing, corrupt or inconsistent."""


class SynthesisError(LeadSynthError, RuntimeError):
    """Synthesis could not be carried out for the requested lead set."""


class PersonalizationError(LeadSynthError, RuntimeError):
    """Fine-tuning for a patient was refused or failed."""


class LibraryError(LeadSynthError, RuntimeError):
    """The patient library (SQLite) refused an operation."""


class DatasetError(LeadSynthError, ValueError):
    """A training data folder (shards, index, splits) is missing, unfinished or inconsistent,
    or a folder of records holds nothing usable."""


class TrainingError(LeadSynthError, RuntimeError):
    """A training run was refused or stopped (bad options, a failed rank, a checkpoint that
    cannot be written)."""


class PatientMismatchError(LeadSynthError, ValueError):
    """A personal model was asked to run on a record of another patient without confirmation."""


class CancelledError(LeadSynthError):
    """Long work was cancelled by the user; nothing was left behind."""


class OptionError(LeadSynthError, ValueError):
    """An option has a value outside its choices or range (a reference, a segment length,
    a split fraction...); the message names the option and the valid values."""
