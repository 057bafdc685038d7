"""Record + measured leads + model -> the full 12-lead record, with provenance.

:func:`synthesize` keeps the measured leads bit-identical, computes every lead the
algebra gives exactly (III, aVR, aVL, aVF and, from two frontal leads, I and II) and
asks a model only for the rest.  The output always has the 12 standard leads in the
order I, II, III, aVR, aVL, aVF, V1..V6 at the record's own rate and length.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence

import numpy as np

from .errors import MissingLeadError, SignalQualityError, SynthesisError
from .leads import STANDARD_LEADS, derive_limb_leads, parse_lead_list
from .models.card import ModelCard
from .models.features import FRONTAL_LEADS, independent_lead_set, independent_leads
from .models.loaded import LoadedModel
from .models.registry import load_model, select_model
from .options import FLAT_LEAD_PTP_MV
from .progress import CancelToken, ProgressCallback, check, report
from .record import EcgRecord, Provenance

__all__ = ["synthesize", "check_input_quality", "MIN_DURATION_S"]

log = logging.getLogger(__name__)

#: Shortest record accepted (seconds): less than one beat cannot be synthesized sensibly.
MIN_DURATION_S = 1.0
# A lead with more than this fraction of its samples at its own min or max is saturated
# (clipped at the amplifier rail).
_SATURATED_FRACTION = 0.2


def check_input_quality(record: EcgRecord, inputs: Sequence[str]) -> None:
    """Reject inputs that no model could use.

    Raises
    ------
    SignalQualityError
        If the record is shorter than :data:`MIN_DURATION_S`, or an input lead has
        non-finite samples, is flat, or is saturated; the message names the lead.
    """
    where = record.source or "record"
    if record.duration < MIN_DURATION_S:
        raise SignalQualityError(
            f"{where}: {record.duration:.3f} s is too short to synthesize (at least {MIN_DURATION_S:g} s needed)"
        )
    for name in inputs:
        x = record.lead(name)
        finite = np.isfinite(x)
        if not finite.all():
            what = "has no finite samples" if not finite.any() else f"has {int((~finite).sum())} NaN/inf samples"
            raise SignalQualityError(f"{where}: input lead {name} {what}")
        lo, hi = float(x.min()), float(x.max())
        if hi - lo < FLAT_LEAD_PTP_MV:
            raise SignalQualityError(f"{where}: input lead {name} is flat (range {hi - lo:.4f} mV)")
        at_rail = max(np.count_nonzero(x == lo), np.count_nonzero(x == hi)) / x.size
        if at_rail > _SATURATED_FRACTION:
            raise SignalQualityError(
                f"{where}: input lead {name} is saturated ({100 * at_rail:.0f}% of samples at its limit)"
            )


def _resolve_model(model: str | os.PathLike[str] | ModelCard | LoadedModel | None, measured: Sequence[str], patient_id: str | None) -> LoadedModel:
    if model is None:
        model = select_model(measured, patient_id=patient_id)
    return load_model(model)


def synthesize(
    record: EcgRecord,
    inputs: str | Sequence[str],
    model: str | os.PathLike[str] | ModelCard | LoadedModel | None = None,
    *,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> EcgRecord:
    """Synthesize the 12-lead ECG from the measured ``inputs`` of ``record``.

    Parameters
    ----------
    record
        The recording (any rate, any length of at least 1 s).
    inputs
        The leads that count as measured, e.g. ``"I,II,V2,V4"`` (any spelling
        :func:`leadsynth_core.leads.parse_lead_list` accepts).
    model
        ``None`` (choose with :func:`leadsynth_core.models.select_model`, honouring
        ``record.patient_id``), a model id, a path, a :class:`ModelCard` or a
        :class:`LoadedModel`.
    progress, cancel
        Progress callback and :class:`CancelToken`, used between windows.

    Returns
    -------
    EcgRecord
        The 12 standard leads in standard order, at the record's rate and length.
        Measured leads are bit-identical to the input's; the provenance says
        measured / derived / synthesized per lead; ``model_id`` names the model when any
        lead was synthesized.  Extra channels of the input are dropped.

    Raises
    ------
    MissingLeadError
        An input lead is not in the record (names it and the leads present).
    SignalQualityError
        The record is shorter than 1 s, or an input lead is flat, saturated or not finite.
    SynthesisError, ModelError
        No model takes that lead set, or the model cannot be loaded.
    CancelledError
        ``cancel`` was triggered.
    """
    measured = parse_lead_list(inputs)
    missing = [n for n in measured if n not in record.lead_names]
    if missing:
        raise MissingLeadError(
            f"{record.source or 'record'}: asked-for input lead(s) {', '.join(missing)} not in the record; "
            f"leads present: {', '.join(record.lead_names) or 'none'}"
        )
    check_input_quality(record, measured)
    report(progress, 0.0, "preparing")
    check(cancel)

    signals: dict[str, np.ndarray] = {}
    provenance: dict[str, Provenance] = {}
    for name in measured:
        signals[name] = np.array(record.lead(name), dtype=np.float32, copy=True)
        provenance[name] = Provenance.MEASURED

    indep = independent_lead_set(measured)
    frontal = [n for n in measured if n in FRONTAL_LEADS]
    needs_model = [n for n in STANDARD_LEADS if n not in measured]
    if len(frontal) >= 2:
        # I and II follow exactly; everything frontal is derived, only chest leads need a model.
        pair = independent_leads({n: record.lead(n) for n in frontal}, frontal)
        limb = {"I": pair["I"], "II": pair["II"], **derive_limb_leads(pair["I"], pair["II"])}
        for name in FRONTAL_LEADS:
            if name not in signals:
                signals[name] = np.asarray(limb[name], dtype=np.float32)
                provenance[name] = Provenance.DERIVED
        needs_model = [n for n in needs_model if n not in FRONTAL_LEADS]

    model_id: str | None = None
    model_patient: str | None = None
    if needs_model:
        loaded = _resolve_model(model, measured, record.patient_id)
        missing_out = loaded.missing_outputs(measured)
        if missing_out:
            raise SynthesisError(
                f"model {loaded.card.id!r} does not produce {', '.join(missing_out)} from {', '.join(measured)}"
            )

        def _progress(fraction: float, message: str) -> None:
            report(progress, 0.05 + 0.9 * fraction, message)

        predicted = loaded.predict(record, measured, progress=_progress, cancel=cancel)
        model_id = loaded.card.id
        # A personal model's patient goes with every output (ARCHITECTURE rule 8).
        model_patient = loaded.card.patient_id
        for name, sig in predicted.items():
            if name not in signals:
                signals[name] = sig.astype(np.float32)
                provenance[name] = Provenance.SYNTHESIZED
        if len(frontal) < 2:
            # One (or no) frontal lead measured: the other of I/II is synthesized, and so
            # is every lead the algebra computes from it.
            limb = derive_limb_leads(signals["I"], signals["II"])
            for name, sig in limb.items():
                if name not in signals:
                    signals[name] = np.asarray(sig, dtype=np.float32)
                    provenance[name] = Provenance.SYNTHESIZED
    check(cancel)
    absent = [n for n in STANDARD_LEADS if n not in signals]
    if absent:  # a model produced fewer leads than it promised
        raise SynthesisError(f"synthesis left lead(s) {', '.join(absent)} empty")
    # Right-sided and posterior leads the file recorded go along unchanged (rule 1): a
    # V4R or V7 a cart took for a reason must not vanish from the synthesized 12-lead.
    supplementary = record.measured_supplementary_leads
    for name in supplementary:
        signals[name] = np.asarray(record.lead(name), dtype=np.float32)
        provenance[name] = Provenance.MEASURED
    names = STANDARD_LEADS + supplementary
    out = np.stack([signals[n] for n in names], axis=1).astype(np.float32, copy=False)
    metadata = dict(record.metadata)
    metadata["leadsynth"] = {
        "measured": [n for n in STANDARD_LEADS if provenance[n] is Provenance.MEASURED],
        "derived": [n for n in STANDARD_LEADS if provenance[n] is Provenance.DERIVED],
        "synthesized": [n for n in STANDARD_LEADS if provenance[n] is Provenance.SYNTHESIZED],
        "model": model_id,
        "model_inputs": list(indep),
    }
    if supplementary:
        metadata["leadsynth"]["supplementary"] = list(supplementary)
    if model_patient:
        metadata["leadsynth"]["model_patient"] = model_patient
    report(progress, 1.0, "done")
    log.info(
        "synthesized %s from %s with model %s (%.1f s at %g Hz)",
        record.source, ",".join(measured), model_id, record.duration, record.fs,
    )
    return EcgRecord(
        signal=out,
        fs=record.fs,
        lead_names=names,
        provenance=tuple(provenance[n] for n in names),
        patient_id=record.patient_id,
        recorded_at=record.recorded_at,
        source=record.source,
        model_id=model_id,
        metadata=metadata,
    )
