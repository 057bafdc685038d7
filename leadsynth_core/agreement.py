"""Agreement over time: where in a recording does the synthesis follow the truth, and where not.

A whole-record PCC hides the ten seconds of ectopy, noise or lead swap where a model fails;
researchers inspecting failure cases need the figure per segment.  This module scores every
synthesized lead that the file also measured, segment by segment (10 s by default), plus
the exact whole-record metrics:

* :func:`segment_agreement` for a record and its synthesis already in memory;
* :func:`score_recording` for a file of any length, read and synthesized chunk by chunk
  (memory bounded by the chunk, like :func:`~leadsynth_core.streaming.synthesize_file`).
  Its whole-record PCC, RMSE, MAE and SNR come from running sums, so a 24-hour recording
  is scored exactly without ever being held whole.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import logging
import math
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .errors import MissingLeadError, OptionError, SignalQualityError
from .leads import canonical_lead_name
from .metrics import lead_metrics, mean_over_leads, snr_db_from_powers
from .progress import CancelToken, ProgressCallback, check, report
from .record import EcgRecord, Provenance
from .scoring import DEFAULT_REFERENCE, REFERENCE_MEANS, check_reference, compared_leads, reference_signal

__all__ = [
    "Agreement",
    "WorstSegment",
    "score_recording",
    "segment_agreement",
    "write_agreement",
]

log = logging.getLogger(__name__)

#: Default segment length (s): the length of a standard 12-lead ECG.
SEGMENT_S = 10.0
#: A trailing piece shorter than this (s) joins the segment before it.
MIN_TAIL_S = 2.0



@dataclasses.dataclass(frozen=True)
class WorstSegment:
    """One segment where the synthesis agreed least with the truth."""

    start_s: float
    stop_s: float
    mean_pcc: float
    worst_lead: str
    worst_pcc: float


@dataclasses.dataclass(frozen=True)
class Agreement:
    """Per-segment and whole-record agreement of synthesized leads with the measured truth.

    Attributes
    ----------
    leads
        The scored leads: synthesized from ``inputs`` and measured in the file.
    starts_s, stops_s
        Segment bounds in seconds from the start of the recording, shape ``(n_segments,)``.
    pcc, rmse_mv
        Shape ``(n_segments, n_leads)``; PCC is ``nan`` where a segment of a lead is flat.
    whole
        ``{lead: {"pcc", "rmse", "mae", "snr_db"}, "mean": {...}}`` over the whole recording
        (the same definitions as :func:`leadsynth_core.metrics.lead_metrics`).
    """

    source: str
    inputs: tuple[str, ...]
    model_id: str | None
    reference: str
    fs: float
    duration_s: float
    segment_s: float
    leads: tuple[str, ...]
    starts_s: np.ndarray
    stops_s: np.ndarray
    pcc: np.ndarray
    rmse_mv: np.ndarray
    whole: dict[str, dict[str, float]]

    @property
    def n_segments(self) -> int:
        return int(self.starts_s.size)

    def mean_pcc(self) -> np.ndarray:
        """Mean PCC over the scored leads, per segment (``nan`` where every lead is flat)."""
        out = np.full(self.n_segments, np.nan)
        ok = ~np.all(np.isnan(self.pcc), axis=1)
        if ok.any():
            out[ok] = np.nanmean(self.pcc[ok], axis=1)
        return out

    def worst(self, k: int = 10) -> list[WorstSegment]:
        """The ``k`` segments with the lowest mean PCC, worst first (flat segments last)."""
        mean = self.mean_pcc()
        order = np.argsort(np.where(np.isnan(mean), np.inf, mean), kind="stable")[: max(0, k)]
        out = []
        for i in order:
            row = self.pcc[i]
            if np.all(np.isnan(row)):
                lead, value = self.leads[0], float("nan")
            else:
                j = int(np.nanargmin(row))
                lead, value = self.leads[j], float(row[j])
            out.append(WorstSegment(float(self.starts_s[i]), float(self.stops_s[i]), float(mean[i]), lead, value))
        return out

    def segment_at(self, seconds: float) -> int | None:
        """Index of the segment holding time ``seconds``, or None outside the recording."""
        if self.n_segments == 0 or seconds < 0 or seconds >= self.stops_s[-1]:
            return None
        return int(np.searchsorted(self.stops_s, seconds, side="right"))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (non-finite numbers become ``None``)."""
        def f(x: float) -> float | None:
            return float(x) if math.isfinite(x) else None

        mean = self.mean_pcc()
        return {
            "source": self.source,
            "inputs": list(self.inputs),
            "model": self.model_id,
            "reference": self.reference,
            "reference_means": REFERENCE_MEANS[self.reference],
            "fs": self.fs,
            "duration_s": self.duration_s,
            "segment_s": self.segment_s,
            "leads": list(self.leads),
            "whole": {lead: {k: f(v) for k, v in m.items()} for lead, m in self.whole.items()},
            "segments": [
                {
                    "start_s": f(self.starts_s[i]),
                    "stop_s": f(self.stops_s[i]),
                    "mean_pcc": f(mean[i]),
                    "pcc": {lead: f(self.pcc[i, j]) for j, lead in enumerate(self.leads)},
                    "rmse_mv": {lead: f(self.rmse_mv[i, j]) for j, lead in enumerate(self.leads)},
                }
                for i in range(self.n_segments)
            ],
        }

    def to_csv(self) -> str:
        """One row per segment: start, stop, mean PCC, then PCC and RMSE (mV) per lead."""
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(["start_s", "stop_s", "mean_pcc"] + [f"pcc_{ld}" for ld in self.leads]
                        + [f"rmse_mv_{ld}" for ld in self.leads])
        mean = self.mean_pcc()
        for i in range(self.n_segments):
            writer.writerow([f"{self.starts_s[i]:.3f}", f"{self.stops_s[i]:.3f}", _fmt(mean[i])]
                            + [_fmt(v) for v in self.pcc[i]] + [_fmt(v) for v in self.rmse_mv[i]])
        return buf.getvalue()


def _fmt(x: float) -> str:
    return f"{x:.4f}" if math.isfinite(x) else ""


def _segment_bounds(n: int, seg: int, min_tail: int) -> list[tuple[int, int]]:
    """``[(i0, i1), ...]`` covering ``[0, n)`` in pieces of ``seg``; a short tail joins its neighbour."""
    bounds = [(i, min(n, i + seg)) for i in range(0, n, seg)]
    if len(bounds) > 1 and bounds[-1][1] - bounds[-1][0] < min_tail:
        last = bounds.pop()
        bounds[-1] = (bounds[-1][0], last[1])
    return bounds


def _segment_rows(truth: np.ndarray, est: np.ndarray, bounds: Sequence[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
    """PCC and RMSE per segment and lead; ``truth`` and ``est`` are (n, n_leads) float64."""
    pcc = np.full((len(bounds), truth.shape[1]), np.nan)
    rmse = np.full((len(bounds), truth.shape[1]), np.nan)
    for s, (i0, i1) in enumerate(bounds):
        t = truth[i0:i1]
        e = est[i0:i1]
        rmse[s] = np.sqrt(np.mean((t - e) ** 2, axis=0))
        tc = t - t.mean(axis=0)
        ec = e - e.mean(axis=0)
        denom = np.sqrt(np.sum(tc * tc, axis=0) * np.sum(ec * ec, axis=0))
        num = np.sum(tc * ec, axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            r = np.where(denom > 0, num / np.where(denom > 0, denom, 1.0), np.nan)
        pcc[s] = np.clip(r, -1.0, 1.0)
    return pcc, rmse


def _check_options(segment_s: float, reference: str) -> None:
    if not (math.isfinite(segment_s) and segment_s >= 1.0):
        raise OptionError(f"segment_s: must be at least 1 s (got {segment_s})")
    check_reference(reference)


def segment_agreement(
    truth: EcgRecord,
    synthesized: EcgRecord,
    leads: Iterable[str] | None = None,
    *,
    segment_s: float = SEGMENT_S,
    reference: str = DEFAULT_REFERENCE,
) -> Agreement:
    """Score ``synthesized`` against ``truth`` per segment and over the whole record.

    Parameters
    ----------
    truth
        The record as read (its measured leads are the truth).
    synthesized
        The output of :func:`leadsynth_core.synthesis.synthesize` for ``truth``.
    leads
        Leads to score (default: :func:`leadsynth_core.scoring.compared_leads`).
    segment_s
        Segment length in seconds (at least 1); a trailing piece under 2 s joins the
        segment before it.
    reference
        One of :data:`leadsynth_core.scoring.REFERENCES`: ``"highpass"`` (baseline wander
        removed at 0.5 Hz) or ``"raw"`` (the stored samples).

    Raises
    ------
    SignalQualityError
        If the records differ in rate or length.
    MissingLeadError
        If there is nothing to compare (no synthesized lead is measured in ``truth``).
    """
    _check_options(segment_s, reference)
    names = tuple(canonical_lead_name(n) for n in leads) if leads is not None else compared_leads(truth, synthesized)
    if not names:
        raise MissingLeadError(
            f"{truth.source or 'record'}: nothing to compare: no synthesized lead is measured in the file"
        )
    if truth.fs != synthesized.fs or truth.n_samples != synthesized.n_samples:
        lead_metrics(truth, synthesized, names)  # raises the rate/length error
    truth.require_leads(names)
    synthesized.require_leads(names)
    fs, n = truth.fs, truth.n_samples
    bounds = _segment_bounds(n, int(round(segment_s * fs)), int(round(MIN_TAIL_S * fs)))
    t = reference_signal(np.stack([truth.lead(ld) for ld in names], axis=1).astype(np.float64), fs, reference)
    e = np.stack([synthesized.lead(ld) for ld in names], axis=1).astype(np.float64)
    pcc, rmse = _segment_rows(t, e, bounds)
    sums = _RunningSums(len(names))
    sums.add(t, e)
    inputs = tuple(synthesized.metadata.get("leadsynth", {}).get("measured", ()))
    return _assemble(str(truth.source or ""), inputs, synthesized.model_id, reference, fs, n, segment_s,
                     names, bounds, pcc, rmse, sums)


def _assemble(source: str, inputs: tuple[str, ...], model_id: str | None, reference: str, fs: float, n: int,
              segment_s: float, names: tuple[str, ...], bounds: Sequence[tuple[int, int]], pcc: np.ndarray,
              rmse: np.ndarray, sums: _RunningSums) -> Agreement:
    return Agreement(
        source=source,
        inputs=inputs,
        model_id=model_id,
        reference=reference,
        fs=fs,
        duration_s=n / fs,
        segment_s=float(segment_s),
        leads=names,
        starts_s=np.array([b[0] for b in bounds], dtype=np.float64) / fs,
        stops_s=np.array([b[1] for b in bounds], dtype=np.float64) / fs,
        pcc=pcc,
        rmse_mv=rmse,
        whole=sums.metrics(names),
    )


class _RunningSums:
    """Sufficient statistics for exact whole-record PCC, RMSE, MAE and SNR per lead."""

    def __init__(self, n_leads: int) -> None:
        self.n = 0
        self.st = np.zeros(n_leads)
        self.se = np.zeros(n_leads)
        self.stt = np.zeros(n_leads)
        self.see = np.zeros(n_leads)
        self.ste = np.zeros(n_leads)
        self.sabs = np.zeros(n_leads)
        self.sdd = np.zeros(n_leads)
        self.raw_tt = np.zeros(n_leads)  # sum of t^2 unshifted: the SNR's signal power
        # A shift keeps the sums of squares well conditioned over 24 h of a drifting
        # baseline (the first chunk's mean is as good as any).
        self.shift_t: np.ndarray | None = None
        self.shift_e: np.ndarray | None = None

    def add(self, t: np.ndarray, e: np.ndarray) -> None:
        d = t - e
        self.sabs += np.abs(d).sum(axis=0)
        self.sdd += (d * d).sum(axis=0)
        if self.shift_t is None:
            self.shift_t, self.shift_e = t.mean(axis=0), e.mean(axis=0)
        tc, ec = t - self.shift_t, e - self.shift_e
        self.n += t.shape[0]
        self.st += tc.sum(axis=0)
        self.se += ec.sum(axis=0)
        self.stt += (tc * tc).sum(axis=0)
        self.see += (ec * ec).sum(axis=0)
        self.ste += (tc * ec).sum(axis=0)
        self.raw_tt += (t * t).sum(axis=0)

    def metrics(self, leads: Sequence[str]) -> dict[str, dict[str, float]]:
        n = max(self.n, 1)
        var_t = self.stt - self.st ** 2 / n
        var_e = self.see - self.se ** 2 / n
        cov = self.ste - self.st * self.se / n
        out: dict[str, dict[str, float]] = {}
        for j, lead in enumerate(leads):
            denom = math.sqrt(max(var_t[j], 0.0) * max(var_e[j], 0.0))
            r = float(np.clip(cov[j] / denom, -1.0, 1.0)) if denom > 0 else float("nan")
            snr = snr_db_from_powers(float(self.raw_tt[j]), float(self.sdd[j]))
            out[lead] = {"pcc": r, "rmse": math.sqrt(self.sdd[j] / n), "mae": float(self.sabs[j] / n), "snr_db": snr}
        out["mean"] = mean_over_leads(out, leads)
        return out


def score_recording(
    src: str | os.PathLike[str],
    inputs: str | Sequence[str],
    model: Any = None,
    *,
    key: str | None = None,
    segment_s: float = SEGMENT_S,
    chunk_s: float = 600.0,
    margin_s: float = 10.0,
    reference: str = DEFAULT_REFERENCE,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    swap_back: tuple[str, str] | None = None,
) -> Agreement:
    """Synthesize the record in ``src`` from ``inputs`` chunk by chunk and score it.

    Each chunk (``chunk_s``, rounded to whole segments) is synthesized with ``margin_s``
    of context on each side, so chunk edges see the same context as the middle of the
    recording; only the chunk itself is scored.  Memory is bounded by the chunk.

    Parameters
    ----------
    src, key
        Any record :func:`leadsynth_core.io.read_window` reads (and its HDF5 key).
    inputs, model
        As for :func:`leadsynth_core.synthesis.synthesize` (``model`` None: the best
        model for ``inputs`` and the record's patient).
    segment_s, reference
        As for :func:`segment_agreement`.  The high-pass runs over the chunk with its
        margins, so its edge transients never reach the scored samples.
    swap_back
        Two limb electrodes to swap back in every chunk read, the measured truth included,
        ``("RA", "LA")`` or ``("RA", "LL")`` (:func:`leadsynth_core.measurement.swap_electrodes`).

    Raises
    ------
    MissingLeadError
        If the file measures none of the synthesized leads (nothing to compare).
    """
    from .io import inspect_record, read_window
    from .leads import parse_lead_list
    from .models import load_model, select_model
    from .synthesis import MIN_DURATION_S, synthesize

    _check_options(segment_s, reference)
    if chunk_s <= 0 or margin_s < 0:
        raise OptionError(f"chunk_s, margin_s: chunk_s must be > 0 and margin_s >= 0 (got {chunk_s}, {margin_s})")
    measured = parse_lead_list(inputs)
    info = inspect_record(src, key=key)
    fs, n = info.fs, info.n_samples
    if n < MIN_DURATION_S * fs:
        read_window(src, 0, n, key=key)  # a damaged file says what is wrong with it first
        raise SignalQualityError(f"{src}: {n / fs:.2f} s recorded; at least {MIN_DURATION_S:g} s is needed")
    seg = int(round(segment_s * fs))
    chunk = max(1, int(round(chunk_s / segment_s))) * seg
    margin = int(round(margin_s * fs))
    loaded = load_model(model if model is not None else select_model(measured, patient_id=info.patient_id))
    bounds = _segment_bounds(n, seg, int(round(MIN_TAIL_S * fs)))

    names: tuple[str, ...] = ()
    sums: _RunningSums | None = None
    pcc_rows: list[np.ndarray] = []
    rmse_rows: list[np.ndarray] = []
    b = 0  # next segment to score
    start = 0
    while start < n:
        check(cancel)
        stop = min(n, start + chunk)
        # The chunk's last segment may have absorbed a short tail: score whole segments only.
        while b < len(bounds) and bounds[b][1] <= stop:
            b += 1
        if b < len(bounds) and bounds[b][0] < stop:
            stop = bounds[b][1]
            b += 1
        a0, a1 = max(0, start - margin), min(n, stop + margin)
        window = read_window(src, a0, a1, key=key)
        if swap_back is not None:
            from .measurement.swap_back import swap_electrodes

            window = swap_electrodes(window, swap_back)
        out = synthesize(window, measured, loaded, cancel=cancel)
        if sums is None:
            names = compared_leads(window, out)
            if not names:
                raise MissingLeadError(
                    f"{src}: nothing to compare: the file does not measure the synthesized leads "
                    f"({', '.join(out.leads_with(Provenance.SYNTHESIZED)) or 'none'})"
                )
            sums = _RunningSums(len(names))
        t = reference_signal(np.stack([window.lead(ld) for ld in names], axis=1).astype(np.float64), fs, reference)
        t = t[start - a0: stop - a0]
        e = np.stack([out.lead(ld)[start - a0: stop - a0] for ld in names], axis=1).astype(np.float64)
        sums.add(t, e)
        local = [(i0 - start, i1 - start) for i0, i1 in bounds if start <= i0 and i1 <= stop]
        p, r = _segment_rows(t, e, local)
        pcc_rows.append(p)
        rmse_rows.append(r)
        report(progress, stop / n, f"scored {stop / fs:.0f} of {n / fs:.0f} s")
        start = stop
    assert sums is not None  # n >= 1 s, so the loop ran
    log.info("scored %s from %s with %s: %d segments of %g s", src, ",".join(measured), loaded.card.id,
             len(bounds), segment_s)
    return _assemble(str(src) + (f"::{key}" if key else ""), measured, loaded.card.id, reference, fs, n,
                     segment_s, names, bounds, np.concatenate(pcc_rows, axis=0),
                     np.concatenate(rmse_rows, axis=0), sums)



def write_agreement(agreement: Agreement, path: str | os.PathLike[str]) -> Path:
    """Write ``agreement`` as CSV (one row per segment) or JSON (everything), by suffix.

    Written atomically: a failure (read-only folder, full disk) leaves no partial file.
    """
    import json

    from .io import atomic_paths

    target = Path(path)
    suffix = target.suffix.lower()
    if suffix == ".csv":
        text = agreement.to_csv()
    elif suffix == ".json":
        text = json.dumps(agreement.to_dict(), indent=1) + "\n"
    else:
        raise OptionError(f"{target}: unknown format {suffix or '(no suffix)'!r}; valid: .csv, .json")
    with atomic_paths([target]) as (tmp,):
        tmp.write_text(text, encoding="utf-8")
    log.info("wrote agreement of %s to %s", agreement.source, target)
    return target
