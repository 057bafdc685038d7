"""The model-space input representation, shared by training and inference.

Everything a network sees is built here so that training and synthesis cannot drift
apart:

* the model rate is :data:`MODEL_FS` (250 Hz) whatever the record's rate;
* only the 8 independent leads I, II, V1..V6 are ever learned (:data:`INDEPENDENT_LEADS`);
  III, aVR, aVL and aVF follow from I and II by the lead algebra, and any two measured
  frontal leads give I and II exactly (:func:`independent_leads`);
* inputs and targets are high-passed (:data:`HIGHPASS_HZ`) so that baseline wander, which
  carries no information about the other leads, is neither learned nor predicted;
* amplitudes are normalised per record by a robust amplitude of the *measured* leads
  (:func:`robust_scale`), which removes device gain and body-habitus differences between
  hospitals; the network output is multiplied back by the same scale.

The any-subset representation (:func:`any_subset_channels`) has 16 channels: the 8
independent lead values (zero where not measured) followed by 8 mask channels (1 where
measured).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
from scipy import signal as sps

from .. import preprocess
from ..errors import SynthesisError
from ..leads import CHEST_LEADS, limb_leads_from_pair, sort_leads

__all__ = [
    "MODEL_FS",
    "HIGHPASS_HZ",
    "INDEPENDENT_LEADS",
    "FRONTAL_LEADS",
    "NORMALIZATION_METHODS",
    "independent_lead_set",
    "independent_leads",
    "resample",
    "highpass",
    "robust_scale",
    "to_model_space",
    "any_subset_channels",
    "pad_to_multiple",
]

log = logging.getLogger(__name__)

#: Sampling rate of every network (Hz).
MODEL_FS: float = 250.0
#: Cut-off of the baseline high-pass applied to inputs and targets (Hz).
HIGHPASS_HZ: float = 0.5
#: The leads a network may take or produce, in channel order.
INDEPENDENT_LEADS: tuple[str, ...] = ("I", "II", "V1", "V2", "V3", "V4", "V5", "V6")
FRONTAL_LEADS: tuple[str, ...] = ("I", "II", "III", "aVR", "aVL", "aVF")
#: Valid values of ``normalization["method"]`` in a model card.
NORMALIZATION_METHODS: tuple[str, ...] = ("record", "none")
# Below this robust amplitude (mV) a record is treated as having the floor amplitude:
# dividing by ~0 would blow noise up to full scale.
_MIN_SCALE_MV = 0.05


def independent_lead_set(measured: Iterable[str]) -> tuple[str, ...]:
    """Independent leads that a set of measured (canonical) lead names provides.

    Two or more frontal leads give I and II (exact algebra); a single frontal lead gives
    itself if it is I or II.  Chest leads give themselves.

    Raises
    ------
    SynthesisError
        If the only frontal lead measured is III, aVR, aVL or aVF: no shipped model takes
        it, and it does not determine I or II on its own.
    """
    measured = list(measured)
    frontal = [n for n in measured if n in FRONTAL_LEADS]
    out: list[str] = []
    if len(frontal) >= 2:
        out += ["I", "II"]
    elif len(frontal) == 1:
        if frontal[0] not in ("I", "II"):
            raise SynthesisError(
                f"a single frontal lead {frontal[0]} cannot be used as a model input; "
                "measure I or II, or two frontal leads (any two give I and II exactly)"
            )
        out.append(frontal[0])
    out += [n for n in measured if n in CHEST_LEADS]
    return sort_leads(out)


def independent_leads(signals: Mapping[str, np.ndarray], measured: Sequence[str]) -> dict[str, np.ndarray]:
    """The independent-lead signals (float64) given the measured leads' signals.

    ``signals`` maps canonical names to 1-D arrays (at any one rate).  See
    :func:`independent_lead_set` for which leads come out.
    """
    names = independent_lead_set(measured)
    frontal = [n for n in measured if n in FRONTAL_LEADS]
    out: dict[str, np.ndarray] = {}
    if len(frontal) >= 2:
        pair = limb_leads_from_pair({n: np.asarray(signals[n], dtype=np.float64) for n in frontal})
        if pair is None:  # cannot happen: any two distinct frontal leads are independent
            raise SynthesisError(f"frontal leads {', '.join(frontal)} do not determine I and II")
        out.update({k: np.asarray(v, dtype=np.float64) for k, v in pair.items()})
    for n in names:
        if n not in out:
            out[n] = np.asarray(signals[n], dtype=np.float64)
    return {n: out[n] for n in names}


def resample(x: np.ndarray, fs_in: float, fs_out: float, axis: int = -1) -> np.ndarray:
    """Polyphase resampling (``scipy.signal.resample_poly``) from ``fs_in`` to ``fs_out``.

    The output has ``ceil(n * fs_out / fs_in)`` samples along ``axis``.
    """
    # One implementation for the whole program (preprocess.resample: resample_poly with
    # the rate ratio as a fraction of denominator <= 1000); float64 in, float64 out.
    return preprocess.resample(np.asarray(x, dtype=np.float64), fs_in, fs_out, axis=axis)


def highpass(x: np.ndarray, fs: float, cutoff: float = HIGHPASS_HZ, axis: int = -1) -> np.ndarray:
    """Zero-phase 2nd-order Butterworth high-pass (baseline removal)."""
    if cutoff <= 0:
        return np.asarray(x, dtype=np.float64)
    sos = sps.butter(2, cutoff, btype="highpass", fs=fs, output="sos")
    return sps.sosfiltfilt(sos, np.asarray(x, dtype=np.float64), axis=axis)


def robust_scale(x: np.ndarray, method: str = "record") -> float:
    """Per-record amplitude scale of the measured channels ``x`` (channels x time).

    ``"record"``: mean over channels of half the 1st-99th percentile range, floored at
    0.05 mV; ``"none"``: 1.  Percentiles ignore the rare spikes and pacing artefacts
    that a max/min would follow.
    """
    if method == "none":
        return 1.0
    if method != "record":
        raise SynthesisError(
            f"unknown normalization method {method!r}; valid: {', '.join(NORMALIZATION_METHODS)}"
        )
    x = np.asarray(x, dtype=np.float64)
    lo, hi = np.percentile(x, [1.0, 99.0], axis=-1)
    amp = float(np.mean((hi - lo) / 2.0))
    return max(amp, _MIN_SCALE_MV)


def to_model_space(signals: Mapping[str, np.ndarray], fs: float, highpass_hz: float = HIGHPASS_HZ) -> dict[str, np.ndarray]:
    """Resample each signal to :data:`MODEL_FS` and high-pass it (float64)."""
    out = {}
    for name, sig in signals.items():
        y = resample(np.asarray(sig, dtype=np.float64), fs, MODEL_FS)
        out[name] = highpass(y, MODEL_FS, highpass_hz)
    return out


def any_subset_channels(values: Mapping[str, np.ndarray], length: int) -> np.ndarray:
    """The 16-channel any-subset input: 8 lead values (0 if absent) + 8 masks.

    ``values`` maps independent lead names to 1-D arrays of ``length`` samples
    (already in model space and normalised).
    """
    x = np.zeros((2 * len(INDEPENDENT_LEADS), length), dtype=np.float32)
    for k, name in enumerate(INDEPENDENT_LEADS):
        if name in values:
            x[k] = values[name]
            x[len(INDEPENDENT_LEADS) + k] = 1.0
    return x


def pad_to_multiple(x: np.ndarray, multiple: int = 16) -> tuple[np.ndarray, int]:
    """Pad the last axis of ``x`` (reflecting) up to a multiple; return it and the original length."""
    n = x.shape[-1]
    target = -(-n // multiple) * multiple
    if target == n:
        return x, n
    pad = target - n
    mode = "reflect" if n > pad else "edge"
    widths = [(0, 0)] * (x.ndim - 1) + [(0, pad)]
    return np.pad(x, widths, mode=mode), n
