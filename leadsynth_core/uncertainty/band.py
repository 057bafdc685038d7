"""Synthesis with a calibrated band: the 12-lead record plus ``band_low``/``band_high`` per sample.

One pass through the network gives both the synthesized leads and the members' spread
(:class:`~.members.SpreadNet`: its mean channels are exactly the model's output), so the
band costs little more than the synthesis itself.  The spread is windowed and
cross-faded like the mean (:func:`~leadsynth_core.models.loaded.run_windowed`), so the
band is computed for any length; :mod:`leadsynth_core.streaming` calls this chunk by
chunk for recordings that do not fit in memory.

Leads the algebra computes from a synthesized lead (III, aVR, aVL and aVF when only I
or only II is measured) get the band of that combination: for ``a I + b II`` the
half-width is ``|a| h_I + |b| h_II`` (a measured lead's ``h`` is 0), which is exact when
one of them is measured and an upper bound otherwise.  Measured and derived leads carry
NaN: they have no model error.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import os
from collections.abc import Sequence

import numpy as np

from ..errors import MissingLeadError, ModelError
from ..leads import parse_lead_list
from ..models.card import ModelCard
from ..models.features import MODEL_FS, resample
from ..models.loaded import LoadedModel, run_windowed
from ..models.registry import load_model, select_model
from ..progress import CancelToken, ProgressCallback
from ..record import EcgRecord, Provenance
from ..synthesis import synthesize
from .calibration import Calibration, LeadSetCalibration, read_calibration, spread_envelope
from .factors import ratio_factor, spread_factor
from .members import SpreadNet, has_members, require_members
from .probe import probe_rms

log = logging.getLogger(__name__)

__all__ = ["BandedRecord", "synthesize_with_band", "synthesize_with_band_if_any"]

# Each frontal lead as a I + b II (Einthoven and Goldberger; as in leadsynth_core.leads).
_LIMB = {"I": (1.0, 0.0), "II": (0.0, 1.0), "III": (-1.0, 1.0), "aVR": (-0.5, -0.5),
         "aVL": (1.0, -0.5), "aVF": (-0.5, 1.0)}


@dataclasses.dataclass
class BandedRecord:
    """A synthesized record with its band.

    ``low`` and ``high`` are float32 arrays of the shape of ``record.signal`` (mV), NaN in
    every column that is not synthesized; ``level`` is the nominal coverage and
    ``calibration`` a one-line text naming the calibration sources.
    """

    record: EcgRecord
    low: np.ndarray
    high: np.ndarray
    level: float
    calibration: str
    #: The self-check's factor on the band (1: none, see :mod:`.probe`).
    probe_factor: float = 1.0
    #: The mean over the recording of the factor of the members' overall disagreement (1: none,
    #: :mod:`.factors`; it varies along a long recording).
    spread_factor: float = 1.0

    @property
    def half_width(self) -> np.ndarray:
        """``(high - low) / 2`` (mV), NaN where there is no band."""
        return (self.high - self.low) / 2.0


class _BandModel(LoadedModel):
    """A :class:`LoadedModel` whose ``predict`` also keeps the band half-widths it computed.

    Built per call (never shared), so the kept half-widths belong to that call.
    """

    def __init__(self, base: LoadedModel, factors: LeadSetCalibration) -> None:
        super().__init__(base.card, base.module)
        self._spread_net = SpreadNet(base.module)
        self._q, self._eps = factors.arrays(base.card.outputs)
        self._probe = factors.probe
        self._spread = factors.spread
        self.half_widths: dict[str, np.ndarray] = {}
        self.probe_factor = 1.0
        self.spread_factor = 1.0

    def predict(self, record: EcgRecord, inputs: str | Sequence[str], *,
                progress: ProgressCallback | None = None, cancel: CancelToken | None = None) -> dict[str, np.ndarray]:
        measured = parse_lead_list(inputs)
        missing = [n for n in measured if n not in record.lead_names]
        if missing:
            raise MissingLeadError(f"{record.source or 'record'}: missing lead(s) {', '.join(missing)}")
        p = self.prepare_arrays(record, measured, with_target=False)
        z = run_windowed(self._spread_net, p.x, self.card.window, self.card.hop, progress=progress, cancel=cancel)
        c = len(self.card.outputs)
        self.probe_factor = self._self_check(record, measured)
        env = spread_envelope(z[c:], MODEL_FS)
        local: np.ndarray | float = 1.0
        if self._spread:
            rows = [k for k, name in enumerate(self.card.outputs) if name not in p.measured]
            local = spread_factor(env, rows, float(self._spread["reference"]), float(self._spread["kappa"]))
        self.spread_factor = float(np.mean(local))
        half = self._q * (env + self._eps) * self.probe_factor * local
        out: dict[str, np.ndarray] = {}
        n = record.n_samples
        for k, name in enumerate(self.card.outputs):
            if name in p.measured:
                continue
            out[name] = _to_record(z[k] * p.scale, record.fs, n)
            self.half_widths[name] = _smooth_to_record(half[k] * p.scale, record.fs, n)
        return out


    def _self_check(self, record: EcgRecord, measured: Sequence[str]) -> float:
        probe = self._probe
        if not probe:
            return 1.0
        if any(n not in record.lead_names for n in probe["inputs"]):
            # Inputs given as other frontal leads (e.g. I and aVF): the check would need the
            # algebra first; leave the band as calibrated rather than guess.
            log.info("band self-check skipped: %s not all in the record", ", ".join(probe["inputs"]))
            return 1.0
        model = _probe_model(str(probe["model"]), str(probe["model_sha256"]))
        rms = probe_rms(model, record, measured, probe["inputs"], probe["target"])
        return ratio_factor(rms, float(probe["reference_rms"]), float(probe["gamma"]))


@functools.cache
def _probe_model(model_id: str, sha256: str) -> LoadedModel:
    model = load_model(model_id)
    if model.card.weights_sha256 != sha256:
        raise ModelError(f"the band's self-check was calibrated with other weights of {model_id!r}; "
                         "run: python -m leadsynth_core.uncertainty.calibrate")
    return model


def _smooth_to_record(sig: np.ndarray, fs: float, n: int) -> np.ndarray:
    """A smooth, positive curve (the band's half-width: a 0.2-s envelope) at the record's rate.

    Linear interpolation instead of the polyphase filter of the signal: the envelope has
    no content near the model's Nyquist frequency, it stays positive (no filter ringing),
    and it costs a fraction of a polyphase resampling at 1 kHz.
    """
    t = np.arange(n) * (MODEL_FS / fs)
    return np.interp(t, np.arange(sig.shape[0]), sig)


def _to_record(sig: np.ndarray, fs: float, n: int) -> np.ndarray:
    """Model rate -> record rate and length (as :meth:`LoadedModel.predict` does)."""
    out = resample(sig, MODEL_FS, fs)
    if out.shape[0] < n:
        out = np.pad(out, (0, n - out.shape[0]), mode="edge")
    return out[:n]


def synthesize_with_band(
    record: EcgRecord,
    inputs: str | Sequence[str],
    model: str | os.PathLike[str] | ModelCard | LoadedModel | None = None,
    *,
    calibration: Calibration | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> BandedRecord:
    """:func:`~leadsynth_core.synthesis.synthesize` plus the calibrated band of every synthesized lead.

    ``calibration`` defaults to the model's stored one (:func:`.read_calibration`); the
    synthesized record equals what :func:`synthesize` returns for the same arguments.

    Raises
    ------
    ModelError
        The model is not a seed ensemble, or has no (current) calibration: the message
        names the command that makes one.
    """
    measured = parse_lead_list(inputs)
    if model is None:
        model = select_model(measured, patient_id=record.patient_id)
    loaded = load_model(model)
    require_members(loaded.module, loaded.card.id)
    if calibration is None:
        calibration = read_calibration(loaded.card)
    factors, text = calibration.for_inputs(loaded.input_leads(measured))
    banded = _BandModel(loaded, factors)
    out = synthesize(record, measured, banded, progress=progress, cancel=cancel)
    half = dict(banded.half_widths)
    for name, (a, b) in _LIMB.items():
        idx = out.lead_names.index(name)
        if out.provenance[idx] is Provenance.SYNTHESIZED and name not in half:
            zero = np.zeros(out.n_samples)
            half[name] = abs(a) * half.get("I", zero) + abs(b) * half.get("II", zero)
    low = np.full(out.signal.shape, np.nan, dtype=np.float32)
    high = np.full(out.signal.shape, np.nan, dtype=np.float32)
    for j, (name, prov) in enumerate(zip(out.lead_names, out.provenance, strict=True)):
        if prov is Provenance.SYNTHESIZED:
            h = half[name]
            sig = out.signal[:, j].astype(np.float64)
            low[:, j] = sig - h
            high[:, j] = sig + h
    return BandedRecord(record=out, low=low, high=high, level=calibration.level, calibration=text,
                        probe_factor=banded.probe_factor, spread_factor=banded.spread_factor)


def synthesize_with_band_if_any(
    record: EcgRecord,
    inputs: str | Sequence[str],
    model: LoadedModel,
    *,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> tuple[EcgRecord, BandedRecord | None, str]:
    """:func:`synthesize_with_band` where the model has a band, else :func:`synthesize`.

    Returns the synthesized record, the banded result (``None`` without a band) and why
    there is none (empty with a band): a model that is not a seed ensemble, or one without
    a current calibration.  The viewer and ``leadsynth measure`` show a band whenever the
    model gives one, and the values without it otherwise.
    """
    if not has_members(model.module):
        why = f"no band: model {model.card.id} is not a seed ensemble"
    else:
        try:
            calibration = read_calibration(model.card)
        except ModelError as exc:  # no calibration, or one for other weights
            why = f"no band: {exc}"
        else:
            banded = synthesize_with_band(record, inputs, model, calibration=calibration,
                                          progress=progress, cancel=cancel)
            return banded.record, banded, ""
    return synthesize(record, inputs, model, progress=progress, cancel=cancel), None, why
