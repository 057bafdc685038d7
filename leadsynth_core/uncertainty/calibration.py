"""Split-conformal calibration of the band, stored as a JSON file beside the model.

The band's half-width, in model units (the record's amplitude scale divides them out),
is ``q[lead] * (envelope(spread)[lead] + eps[lead]) * f``: the ensemble members' spread
(:mod:`.members`), its local envelope (:func:`spread_envelope`), a per-lead floor
``eps``, and the record's factor ``f`` (:mod:`.factors`: the self-check of :mod:`.probe`,
how much harder this recording is than the calibration records from its measured leads
alone, times the members' overall disagreement on it).  ``q`` is the split-conformal factor: on records from sources the model never
trained on, the fraction ``level`` of the scores ``|truth - mean| / (envelope + eps)``
lies at or below it, so on exchangeable data ``level`` of the true samples fall inside
the band.  Each record weighs the same (the same number of samples is drawn from each)
so that a 2-minute PTB recording does not outvote ten 10-s LUDB ones.

Why the envelope and not the raw spread: the members disagree at the QRS, but where a
QRS of the truth falls a few samples from the predicted one the error peaks just beside
it; the 0.2-s moving maximum of the spread, smoothed over 0.2 s, covers the whole
complex.  On LUDB 161-200 vs the PTB ``S`` records (calibrate on one, test on the other)
it held coverage better than the raw spread, a 2-s average or a constant band
(``benchmarks/results/uncertainty.md``).

The calibration file ``<model stem>.uncertainty.json`` records the weights' SHA-256 so a
retrained model is never used with another model's factors (re-run
``python -m leadsynth_core.uncertainty.calibrate``).
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from scipy.ndimage import maximum_filter1d, uniform_filter1d

from ..errors import ModelError
from ..files import atomic_write_text
from ..models.card import ModelCard
from ..models.features import MODEL_FS

__all__ = [
    "BAND_LEVEL",
    "ENVELOPE_S",
    "SUFFIX",
    "LeadSetCalibration",
    "Calibration",
    "spread_envelope",
    "conformal_factor",
    "fit_lead_set",
    "calibration_path",
    "read_calibration",
    "write_calibration",
]

#: The band's nominal coverage.
BAND_LEVEL = 0.9
#: Width (s) of the moving maximum and of the moving mean that make the spread's envelope.
ENVELOPE_S = 0.2
#: Samples drawn per record for fitting (equal weight per record).
_SAMPLES_PER_RECORD = 2500
#: Floors tried, as multiples of the median spread of the lead; the narrowest band wins.
_EPS_FRACTIONS = (0.25, 0.5, 1.0, 2.0)
SUFFIX = ".uncertainty.json"


def spread_envelope(spread: np.ndarray, fs: float = MODEL_FS, seconds: float = ENVELOPE_S) -> np.ndarray:
    """Moving maximum then moving mean of ``spread`` (..., T) over ``seconds`` (float64)."""
    n = max(1, int(round(seconds * fs)))
    s = np.asarray(spread, dtype=np.float64)
    return uniform_filter1d(maximum_filter1d(s, n, axis=-1, mode="nearest"), n, axis=-1, mode="nearest")


def conformal_factor(scores: np.ndarray, level: float = BAND_LEVEL) -> float:
    """The split-conformal quantile of ``scores``: the ``ceil((n + 1) level) / n`` empirical quantile."""
    s = np.sort(np.asarray(scores, dtype=np.float64).ravel())
    n = s.size
    if n == 0:
        raise ModelError("conformal calibration needs at least one score")
    k = min(n, int(np.ceil((n + 1) * level)))
    return float(s[k - 1])


@dataclasses.dataclass
class LeadSetCalibration:
    """Per-lead factors for one input lead set: ``q`` and ``eps`` (model units), and the data size."""

    q: dict[str, float]
    eps: dict[str, float]
    records: int = 0
    #: The self-check (:mod:`.probe`): ``inputs``, ``target``, ``model``, ``model_sha256``,
    #: ``reference_rms`` (median on the calibration records) and ``gamma``; None: no check.
    probe: dict[str, Any] | None = None
    #: The overall-spread factor (:mod:`.factors`): ``reference`` (median of the records' mean
    #: envelope over the synthesized leads, model units) and ``kappa``; None: no such factor.
    spread: dict[str, Any] | None = None
    #: How the exponents were chosen: the leave-one-source-out coverage per source.
    selection: dict[str, Any] | None = None

    def arrays(self, outputs: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """``q`` and ``eps`` as (C_out, 1) columns in the order of ``outputs``."""
        missing = [n for n in outputs if n not in self.q or n not in self.eps]
        if missing:
            raise ModelError(f"band calibration lacks lead(s) {', '.join(missing)}")
        q = np.array([self.q[n] for n in outputs], dtype=np.float64)[:, None]
        e = np.array([self.eps[n] for n in outputs], dtype=np.float64)[:, None]
        return q, e


def fit_lead_set(items: Sequence[tuple[np.ndarray, np.ndarray, np.ndarray]], outputs: Sequence[str],
                 level: float = BAND_LEVEL, factors: Sequence[float | np.ndarray] | None = None,
                 envs: Sequence[np.ndarray] | None = None) -> LeadSetCalibration:
    """Fit ``q`` and ``eps`` per lead from ``(truth, mean, spread)`` model-space arrays, one per record.

    Each array is (C_out, T) at the model rate; ``factors`` (one per record, default 1: a
    number, or one per sample (T,)) are the record factors (:mod:`.factors`), by which the
    band of that record is multiplied.  ``envs``: the spreads' envelopes
    (:func:`spread_envelope`), when the caller has them already.  For each lead the floor ``eps`` is the fraction of the median spread (of
    :data:`_EPS_FRACTIONS`) that gives the narrowest mean band at the calibrated ``q``.
    """
    if not items:
        raise ModelError("band calibration needs at least one record")
    factors = [1.0] * len(items) if factors is None else [np.asarray(f, dtype=np.float64) for f in factors]
    envs = [spread_envelope(sd) for _, _, sd in items] if envs is None else list(envs)
    # Dividing the error by the record's factor is the same as multiplying its band by it.
    errs = [np.abs(np.asarray(y, np.float64) - mu) / f for (y, mu, _), f in zip(items, factors, strict=True)]
    picks = [np.linspace(0, e.shape[1] - 1, min(_SAMPLES_PER_RECORD, e.shape[1])).astype(int) for e in errs]
    median = np.median(np.concatenate([e[:, p] for e, p in zip(envs, picks, strict=True)], axis=1), axis=1)
    q_out: dict[str, float] = {}
    eps_out: dict[str, float] = {}
    for c, name in enumerate(outputs):
        best: tuple[float, float, float] | None = None
        for frac in _EPS_FRACTIONS:
            eps = max(float(median[c]) * frac, 1e-6)
            scores = np.concatenate([e[c, p] / (v[c, p] + eps) for e, v, p in zip(errs, envs, picks, strict=True)])
            q = conformal_factor(scores, level)
            width = q * float(np.mean([np.mean(v[c] + eps) for v in envs]))
            if best is None or width < best[0]:
                best = (width, q, eps)
        assert best is not None
        q_out[name], eps_out[name] = round(best[1], 6), round(best[2], 8)
    return LeadSetCalibration(q=q_out, eps=eps_out, records=len(items))


@dataclasses.dataclass
class Calibration:
    """The band calibration of one model (every input lead set it was calibrated for)."""

    model_id: str
    weights_sha256: str
    lead_sets: dict[str, LeadSetCalibration]
    sources: list[str]
    level: float = BAND_LEVEL
    envelope_s: float = ENVELOPE_S
    method: str = ("split-conformal: half-width = q * (0.2-s envelope of the seed-ensemble members' spread + "
                   "eps) * self-check factor * overall-spread factor, per lead, per input lead set; self-check: "
                   "one measured lead predicted from the others by one any-subset member, (RMS error / "
                   "calibration median) clipped to 0.5-3, to the power gamma; overall spread: (the record's "
                   "mean envelope over the synthesized leads / calibration median) clipped to 0.5-3, to the "
                   "power kappa; gamma and kappa per lead set by leave-one-source-out over the calibration "
                   "sources")
    command: str = ""
    created: str = ""
    #: Set when the calibration is borrowed from a personal model's base model.
    borrowed_for: str | None = None

    def for_inputs(self, indep: Sequence[str]) -> tuple[LeadSetCalibration, str]:
        """The factors for an independent input lead set, and a one-line text naming the calibration.

        A lead set never calibrated (possible for the any-subset model) gets, per lead,
        the largest ``q`` and ``eps`` of the calibrated sets, and the text says so.
        """
        key = ",".join(indep)
        text = f"{int(round(100 * self.level))} % band, calibrated on {' + '.join(self.sources)}"
        if self.borrowed_for:
            text += f" for the general model {self.model_id} (personal model {self.borrowed_for} has no own calibration)"
        if key in self.lead_sets:
            return self.lead_sets[key], text
        if not self.lead_sets:
            raise ModelError(f"band calibration of {self.model_id} holds no lead set")
        leads = sorted({n for c in self.lead_sets.values() for n in c.q})
        q = {n: max(c.q[n] for c in self.lead_sets.values() if n in c.q) for n in leads}
        eps = {n: max(c.eps[n] for c in self.lead_sets.values() if n in c.eps) for n in leads}
        text += f"; inputs {key} not calibrated: the widest factors of {'; '.join(self.lead_sets)} (conservative)"
        return LeadSetCalibration(q=q, eps=eps, records=0, probe=None), text

    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d.pop("borrowed_for")
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any], where: str) -> Calibration:
        try:
            sets = {k: LeadSetCalibration(q={n: float(x) for n, x in v["q"].items()},
                                          eps={n: float(x) for n, x in v["eps"].items()},
                                          records=int(v.get("records", 0)),
                                          probe=dict(v["probe"]) if v.get("probe") else None,
                                          spread=dict(v["spread"]) if v.get("spread") else None,
                                          selection=dict(v["selection"]) if v.get("selection") else None)
                    for k, v in d["lead_sets"].items()}
            return cls(model_id=str(d["model_id"]), weights_sha256=str(d["weights_sha256"]), lead_sets=sets,
                       sources=[str(s) for s in d["sources"]], level=float(d.get("level", BAND_LEVEL)),
                       envelope_s=float(d.get("envelope_s", ENVELOPE_S)), method=str(d.get("method", "")),
                       command=str(d.get("command", "")), created=str(d.get("created", "")))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ModelError(f"{where}: not a band calibration file ({type(exc).__name__}: {exc})") from None


def calibration_path(card: ModelCard) -> Path:
    """``<model stem>.uncertainty.json`` beside the card."""
    if card.path is None:
        raise ModelError(f"model card {card.id!r} has no file location; save it first")
    return card.path.with_name(card.path.stem + SUFFIX)


def read_calibration(card: ModelCard, *, check_weights: bool = True) -> Calibration:
    """Read the calibration of ``card`` (for a personal model: its base model's).

    Raises
    ------
    ModelError
        If there is none, it is unreadable, or it was fitted to other weights (the message
        names the command that re-fits it).
    """
    path = calibration_path(card)
    borrowed: str | None = None
    if not path.exists() and card.is_personal and card.base_model:
        from ..models.registry import find_model

        base = find_model(str(card.base_model.get("id", "")))
        borrowed, card = card.id, base
        path = calibration_path(base)
    redo = f"run: python -m leadsynth_core.uncertainty.calibrate {card.id}"
    if not path.exists():
        raise ModelError(f"model {card.id!r} has no band calibration ({path} is missing); {redo}")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelError(f"{path}: cannot read band calibration: {exc}") from None
    cal = Calibration.from_dict(data, str(path))
    if check_weights and cal.weights_sha256 != card.weights_sha256:
        raise ModelError(f"{path}: calibrated for other weights of {card.id!r} (the model was retrained); {redo}")
    cal.borrowed_for = borrowed
    return cal


def write_calibration(cal: Calibration, path: str | os.PathLike[str]) -> Path:
    """Write ``cal`` as JSON atomically (:func:`leadsynth_core.files.atomic_write_text`)."""
    path = Path(path)
    atomic_write_text(path, json.dumps(cal.to_dict(), indent=2) + "\n")
    return path
