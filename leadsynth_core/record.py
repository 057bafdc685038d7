"""The typed ECG record every part of LeadSynth passes around."""

from __future__ import annotations

import dataclasses
import datetime as _dt
import enum
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from .demographics import normalize_age, normalize_sex
from .errors import MissingLeadError, RecordFormatError, UnsupportedLeadError
from .leads import STANDARD_LEADS, canonical_lead_name, sort_leads, supplementary_leads

__all__ = ["Provenance", "EcgRecord", "format_hms"]


def format_hms(seconds: float) -> str:
    """``hh:mm:ss`` of a time position in a recording: the second it falls in (19.7 s is
    00:00:19, as a clock shows it); a recording of more than a day keeps counting hours."""
    total = max(0, int(seconds))
    h, rem = divmod(total, 3600)
    m, s = divmod(rem, 60)
    return f"{h:02d}:{m:02d}:{s:02d}"


class Provenance(str, enum.Enum):
    """Where the samples of one lead come from."""

    MEASURED = "measured"
    DERIVED = "derived"  # exact lead algebra from measured limb leads
    SYNTHESIZED = "synthesized"  # by a named model

    def __str__(self) -> str:
        return self.value


@dataclasses.dataclass(frozen=True, eq=False)
class EcgRecord:
    """A multi-lead ECG in mV.

    Attributes
    ----------
    signal
        float32 array of shape ``(n_samples, n_leads)`` in mV (read-only view).
    fs
        Sampling rate in Hz.
    lead_names
        One name per column.  Standard leads use their canonical spelling; extra
        channels (PTB's Frank leads ``vx, vy, vz``...) keep the name from the file.
    provenance
        One :class:`Provenance` per column.
    patient_id, recorded_at, source
        Patient identifier, recording time and source path, when known.
    model_id
        The model that synthesized the ``synthesized`` leads, if any.
    metadata
        Free-form extra information (header comments, age, sex, diagnoses...).
    """

    signal: np.ndarray
    fs: float
    lead_names: tuple[str, ...]
    provenance: tuple[Provenance, ...] = ()
    patient_id: str | None = None
    recorded_at: _dt.datetime | None = None
    source: str | None = None
    model_id: str | None = None
    metadata: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    def __post_init__(self) -> None:
        where = self.source or "<record>"
        sig = np.asarray(self.signal)
        if sig.ndim != 2:
            raise RecordFormatError(f"{where}: signal must be 2-D (samples x leads), got shape {sig.shape}")
        if not np.issubdtype(sig.dtype, np.number) or np.issubdtype(sig.dtype, np.complexfloating):
            raise RecordFormatError(f"{where}: signal has non-numeric dtype {sig.dtype}")
        sig = np.array(sig, dtype=np.float32, copy=True) if sig.dtype != np.float32 or sig.flags.writeable else sig
        sig.setflags(write=False)
        object.__setattr__(self, "signal", sig)
        try:
            fs = float(self.fs)
        except (TypeError, ValueError):
            raise RecordFormatError(f"{where}: sampling rate {self.fs!r} is not a number") from None
        if not np.isfinite(fs) or fs <= 0 or fs > 100_000:
            raise RecordFormatError(f"{where}: sampling rate {self.fs!r} Hz is not plausible (expected 0 < fs <= 100000)")
        object.__setattr__(self, "fs", fs)
        names = tuple(str(n) for n in self.lead_names)
        if len(names) != sig.shape[1]:
            raise RecordFormatError(f"{where}: {len(names)} lead names for {sig.shape[1]} signal columns")
        if len(set(names)) != len(names):
            dup = sorted({n for n in names if names.count(n) > 1})
            raise UnsupportedLeadError(f"{where}: duplicated lead name(s) {', '.join(dup)}")
        object.__setattr__(self, "lead_names", names)
        prov = self.provenance or (Provenance.MEASURED,) * len(names)
        prov = tuple(Provenance(p) for p in prov)
        if len(prov) != len(names):
            raise RecordFormatError(f"{where}: {len(prov)} provenance entries for {len(names)} leads")
        object.__setattr__(self, "provenance", prov)
        object.__setattr__(self, "metadata", dict(self.metadata))

    # ------------------------------------------------------------------ basics
    @property
    def n_samples(self) -> int:
        return int(self.signal.shape[0])

    @property
    def n_leads(self) -> int:
        return int(self.signal.shape[1])

    @property
    def duration(self) -> float:
        """Duration in seconds."""
        return self.n_samples / self.fs

    @property
    def time(self) -> np.ndarray:
        """Sample times in seconds."""
        return np.arange(self.n_samples) / self.fs

    @property
    def standard_leads(self) -> tuple[str, ...]:
        """The standard leads present, in standard order."""
        return sort_leads(n for n in self.lead_names if n in STANDARD_LEADS)

    @property
    def age(self) -> int | None:
        """The patient's age in whole years, ``None`` when the file does not say (normalized)."""
        return normalize_age(self.metadata.get("age"))

    @property
    def sex(self) -> str:
        """``"male"``, ``"female"`` or ``"unknown"``, whatever spelling the file uses."""
        return normalize_sex(self.metadata.get("sex"))

    def has_leads(self, leads: Iterable[str]) -> bool:
        return all(canonical_lead_name(n) in self.lead_names for n in leads)

    def index(self, lead: str) -> int:
        """Column index of ``lead`` (standard leads matched alias-insensitively)."""
        if lead in self.lead_names:
            return self.lead_names.index(lead)
        try:
            name = canonical_lead_name(lead)
        except UnsupportedLeadError:
            name = lead
        if name not in self.lead_names:
            raise MissingLeadError(
                f"{self.source or 'record'}: lead {lead!r} is not in the record; "
                f"leads present: {', '.join(self.lead_names)}"
            )
        return self.lead_names.index(name)

    def lead(self, lead: str) -> np.ndarray:
        """Samples of one lead (mV, read-only view)."""
        return self.signal[:, self.index(lead)]

    def provenance_of(self, lead: str) -> Provenance:
        return self.provenance[self.index(lead)]

    @property
    def processing(self) -> tuple[str, ...]:
        """The steps that changed the samples after they were read (``metadata["processing"]``),
        one sentence each, oldest first: the audit trail every writer keeps and every view shows.
        """
        return tuple(str(step) for step in self.metadata.get("processing", ()))

    def with_processing(self, steps: Iterable[str]) -> EcgRecord:
        """A copy whose audit trail is ``steps`` (replacing the old one; none: the key removed)."""
        meta = dict(self.metadata)
        meta.pop("processing", None)
        steps = [str(s) for s in steps]
        if steps:
            meta["processing"] = steps
        return self.replace(metadata=meta)

    def leads_with(self, provenance: Provenance | str) -> tuple[str, ...]:
        p = Provenance(provenance)
        return tuple(n for n, q in zip(self.lead_names, self.provenance, strict=True) if q is p)

    @property
    def measured_standard_leads(self) -> tuple[str, ...]:
        """The measured leads among the 12, in standard order: what a synthesis of this record
        was made from.  Supplementary leads (V4R, V7) are measured too, but never an input."""
        return tuple(n for n in self.standard_leads if self.provenance_of(n) is Provenance.MEASURED)

    @property
    def measured_supplementary_leads(self) -> tuple[str, ...]:
        """The right-sided and posterior leads (V4R, V7...) this record holds as measured, in
        :data:`~leadsynth_core.leads.SUPPLEMENTARY_LEADS` order: carried through synthesis,
        drawn after the 12 and measured on their beats."""
        return tuple(n for n in supplementary_leads(self.lead_names) if self.provenance_of(n) is Provenance.MEASURED)

    def require_leads(self, leads: Iterable[str]) -> None:
        """Raise :class:`MissingLeadError` naming the missing leads and the leads present."""
        wanted = [canonical_lead_name(n) for n in leads]
        missing = [n for n in wanted if n not in self.lead_names]
        if missing:
            raise MissingLeadError(
                f"{self.source or 'record'}: missing lead(s) {', '.join(missing)}; "
                f"leads present: {', '.join(self.lead_names) or 'none'}"
            )

    # ------------------------------------------------------------ derivations
    def select(self, leads: Sequence[str]) -> EcgRecord:
        """A record with only ``leads`` (in that order)."""
        self.require_leads([n for n in leads if n in STANDARD_LEADS or n.lower() in {x.lower() for x in STANDARD_LEADS}])
        idx = [self.index(n) for n in leads]
        return self.replace(
            signal=self.signal[:, idx],
            lead_names=tuple(self.lead_names[i] for i in idx),
            provenance=tuple(self.provenance[i] for i in idx),
        )

    def slice_time(self, start_s: float, stop_s: float | None = None) -> EcgRecord:
        """A record restricted to ``[start_s, stop_s)`` seconds."""
        a = max(0, int(round(start_s * self.fs)))
        b = self.n_samples if stop_s is None else min(self.n_samples, int(round(stop_s * self.fs)))
        return self.replace(signal=self.signal[a:b])

    def replace(self, **changes: Any) -> EcgRecord:
        """A copy with some fields changed (``dataclasses.replace``)."""
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, np.ndarray]:
        """``{lead name: samples}``."""
        return {n: self.signal[:, i] for i, n in enumerate(self.lead_names)}

    def describe(self) -> str:
        """A one-screen human summary (used by ``leadsynth info``)."""
        fmt = self.metadata.get("format")
        key = self.metadata.get("key")
        lines = [
            f"source:       {self.source or '-'}" + (f"  [key {key}]" if key else ""),
            f"format:       {fmt or '-'}",
            f"patient:      {self.patient_id or '-'}",
            f"recorded at:  {self.recorded_at.isoformat(sep=' ') if self.recorded_at else '-'}",
            f"rate:         {self.fs:g} Hz" + (" (assumed: the file does not store it)" if self.metadata.get("fs_assumed") else ""),
            f"duration:     {self.duration:.3f} s ({self.n_samples} samples)",
            f"leads ({self.n_leads}):",
        ]
        for i, (name, prov) in enumerate(zip(self.lead_names, self.provenance, strict=True)):
            x = self.signal[:, i].astype(np.float64)
            finite = np.isfinite(x)
            if finite.any():
                xf = x[finite]
                stats = f"min {xf.min():+8.3f}  max {xf.max():+8.3f}  std {xf.std():7.3f} mV"
            else:
                stats = "no finite samples"
            lines.append(f"  {name:<5} {prov.value:<12} {stats}")
        for prov in Provenance:
            names = self.leads_with(prov)
            if names:
                lines.append(f"{prov.value + ':':<14}{', '.join(names)}")
        if self.model_id:
            model_patient = (self.metadata.get("leadsynth") or {}).get("model_patient")
            whose = f" (personal model of patient {model_patient})" if model_patient else ""
            lines.append(f"model:        {self.model_id}{whose}")
        if "window" in self.metadata:
            a, b = self.metadata["window"]
            lines.append(f"window:       samples {a}..{b} of the file")
        if "age" in self.metadata:
            age = self.age
            lines.append(f"{'age:':<14}{age if age is not None else 'unknown'}"
                         + ("" if age is not None else f" (file says {self.metadata['age']!r})"))
        if "sex" in self.metadata:
            lines.append(f"{'sex:':<14}{self.sex}")
        if "dx" in self.metadata:
            from .diagnoses import describe_diagnoses

            for i, text in enumerate(describe_diagnoses(self.metadata["dx"])):
                lines.append(f"{'diagnosis:' if i == 0 else '':<14}{text}")
        for key in ("synthetic_demo", "generator"):
            if key in self.metadata:
                lines.append(f"{key + ':':<14}{self.metadata[key]}")
        for step in self.processing:
            lines.append(f"processing:   {step}")
        for note in self.metadata.get("notes", ()):
            lines.append(f"note:         {note}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (
            f"EcgRecord({self.n_leads} leads x {self.n_samples} samples @ {self.fs:g} Hz, "
            f"source={self.source!r}, patient={self.patient_id!r})"
        )
