"""The measurement engine: record -> median beats -> delineation -> global and per-lead values."""

from __future__ import annotations

import numpy as np

from ..record import EcgRecord
from .beats import FLAT_MV, NotMeasurable, form_beats, median_at_beats
from .delineate import DelineationSettings, delineate_median, pr_baseline
from .globals import GlobalValues, global_values
from .per_lead import LeadValues, measure_lead
from .result import LeadMeasurement, Measurements

__all__ = ["measure_record", "WINDOW_S"]

#: Measured on this much of the record from ``start_s`` (a cart's 10-s recording).
WINDOW_S = 10.0


def _not_measurable(record: EcgRecord, names: tuple[str, ...], reason: str, window: tuple[float, float]) -> Measurements:
    prov = {n: str(record.provenance_of(n)) for n in names}
    leads = {n: LeadMeasurement(n, prov[n], LeadValues(), reason="not measurable: " + reason) for n in names}
    return Measurements(source=record.source or "record", measurable=False, reason=reason, values=GlobalValues(),
                        leads=leads, fs=record.fs, model_id=record.model_id, lead_names=names, window_s=window)


def measure_record(
    record: EcgRecord,
    *,
    start_s: float = 0.0,
    duration_s: float | None = WINDOW_S,
    settings: DelineationSettings | None = None,
) -> Measurements:
    """Measure ``record`` (its standard leads; every other channel when it has none).

    Right-sided and posterior leads the file recorded (V4R, V7...) are measured too, on the
    beats and fiducials of the standard leads (a cart's global QRS onset and J point come
    from the 12), and listed after them.

    Parameters
    ----------
    record
        Any record (measured, derived and synthesized leads alike: each lead's result
        carries its provenance).
    start_s, duration_s
        The stretch measured (``duration_s=None``: to the end).  Ten seconds, as a cart.
    settings
        Delineation thresholds (the tuned defaults when ``None``).

    Returns
    -------
    Measurements
        With ``measurable=False`` and the reason (every value ``None``) when no beat
        can be delineated: flat, noise, asystole, paced.
    """
    names = record.standard_leads or record.lead_names
    stop_s = record.duration if duration_s is None else min(record.duration, start_s + duration_s)
    window = (float(start_s), float(stop_s))
    a, b = int(round(start_s * record.fs)), int(round(stop_s * record.fs))
    x = np.asarray(record.select(names).signal[a:b], dtype=np.float64)
    source = record.source or "record"
    try:
        beats = form_beats(x, record.fs, names, source=source)
    except NotMeasurable as exc:
        reason = str(exc).removeprefix(f"{source}: ")
        return _not_measurable(record, names, reason, window)
    fs = record.fs
    fid = delineate_median(beats.median, fs, beats.r_index, beats.rr_s, settings, beats.beats)
    med = beats.median - fid.baseline_mv  # every lead against its PR baseline
    col = {n: i for i, n in enumerate(names)}
    lead_i = med[:, col["I"]] if "I" in col else None
    if "aVF" in col:
        lead_avf = med[:, col["aVF"]]
    elif "I" in col and "II" in col:
        lead_avf = med[:, col["II"]] - 0.5 * med[:, col["I"]]  # exact lead algebra
    else:
        lead_avf = None
    values = global_values(beats.rr_ms, fid, fs, lead_i, lead_avf)
    raw, baselines = beats.median, fid.baseline_mv
    # Without standard leads every channel is measured above already.
    extra = record.measured_supplementary_leads if record.standard_leads else ()
    if extra:
        raw_extra = median_at_beats(record.select(extra).signal[a:b], beats)
        base_extra = pr_baseline(raw_extra, fs, fid)
        raw = np.concatenate([raw, raw_extra], axis=1)
        baselines = np.concatenate([baselines, base_extra])
        med = np.concatenate([med, raw_extra - base_extra], axis=1)
        col.update({n: len(names) + i for i, n in enumerate(extra)})
        names = names + extra
    leads = {}
    for n in names:
        j = col[n]
        prov = str(record.provenance_of(n))
        if np.ptp(raw[:, j]) < FLAT_MV:
            leads[n] = LeadMeasurement(n, prov, LeadValues(), reason=f"flat lead (median beat under {FLAT_MV} mV)")
            continue
        leads[n] = LeadMeasurement(n, prov, measure_lead(raw[:, j], fs, fid, float(baselines[j])))
    return Measurements(source=source, measurable=True, reason=None, values=values, leads=leads, fs=fs,
                        model_id=record.model_id, fiducials=fid, median=med, lead_names=names,
                        n_beats=beats.n_beats, window_s=window, r_peaks=np.asarray(beats.r_peaks, dtype=int))
