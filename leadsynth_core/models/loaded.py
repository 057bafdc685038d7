"""A model ready to run: card + network in eval mode + the model-space conversions."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

from ..errors import MissingLeadError, SynthesisError
from ..leads import parse_lead_list
from ..progress import CancelToken, ProgressCallback, check, report
from ..record import EcgRecord
from .card import ModelCard
from .features import (
    INDEPENDENT_LEADS,
    MODEL_FS,
    any_subset_channels,
    independent_lead_set,
    independent_leads,
    pad_to_multiple,
    resample,
    robust_scale,
    to_model_space,
)
from .networks import LENGTH_MULTIPLE

__all__ = ["LoadedModel", "Prepared", "run_windowed", "crossfade_weights"]

log = logging.getLogger(__name__)


@dataclasses.dataclass
class Prepared:
    """Model-space view of one record.

    ``x`` is (C_in, T) float32, ``y`` (C_out, T) float32 or ``None`` when the record lacks
    an output lead, ``scale`` the per-record amplitude (mV) that model space is divided by,
    ``measured`` the independent leads given as input.
    """

    x: np.ndarray
    y: np.ndarray | None
    scale: float
    measured: tuple[str, ...]


def crossfade_weights(window: int, overlap: int, first: bool, last: bool) -> np.ndarray:
    """Per-sample weights of one window for overlap-add: raised-cosine ramps over the overlap.

    The ramps never reach exactly 0 so the weight sum stays positive everywhere.
    """
    w = np.ones(window, dtype=np.float64)
    if overlap > 0:
        k = np.arange(overlap)
        ramp = 0.5 - 0.5 * np.cos(np.pi * (k + 0.5) / overlap)
        if not first:
            w[:overlap] = ramp
        if not last:
            w[-overlap:] = ramp[::-1]
    return w


#: Windows run through the network in one forward pass.  Batching 8 windows of 10.24 s
#: halves the CPU time of a long recording on 2 cores (0.25 s -> 0.13 s for 32 windows of
#: the shipped ensembles) at a few MB of memory; results equal one-by-one runs up to
#: float rounding (eval mode: every window is computed independently).
WINDOW_BATCH = 8


def run_windowed(
    module: nn.Module,
    x: np.ndarray,
    window: int,
    hop: int,
    *,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    batch: int = WINDOW_BATCH,
) -> np.ndarray:
    """Run ``module`` over ``x`` (C_in, T) in windows joined by a cross-faded overlap-add.

    Records no longer than one window are run whole (padded to a multiple of 16).  Longer
    ones are cut into windows of ``window`` samples every ``hop`` (the last one ending at
    the record's end), run ``batch`` at a time.  The cancel token is checked and progress
    reported between batches.
    """
    n = x.shape[-1]
    if n <= window:
        starts = [0]
    else:
        starts = list(range(0, n - window, hop)) + [n - window]
    out: np.ndarray | None = None
    weight = np.zeros(n, dtype=np.float64)
    overlap = window - hop
    batch = max(1, int(batch))
    for b0 in range(0, len(starts), batch):
        check(cancel)
        group = starts[b0 : b0 + batch]
        segs, lengths = zip(*(pad_to_multiple(x[:, s : s + window], LENGTH_MULTIPLE) for s in group), strict=True)
        stacked = np.ascontiguousarray(np.stack(segs), dtype=np.float32)  # same length: all windows are full
        with torch.no_grad():
            ys = module(torch.from_numpy(stacked)).numpy()
        for j, (s, length) in enumerate(zip(group, lengths, strict=True)):
            k = b0 + j
            y = ys[j, :, :length].astype(np.float64)
            if out is None:
                out = np.zeros((y.shape[0], n), dtype=np.float64)
            w = crossfade_weights(length, min(overlap, length), first=k == 0, last=k == len(starts) - 1)
            out[:, s : s + length] += y * w
            weight[s : s + length] += w
        done = min(b0 + batch, len(starts))
        report(progress, done / len(starts), f"window {done} of {len(starts)}")
    check(cancel)
    assert out is not None
    return out / weight


class LoadedModel:
    """A model card with its network (eval mode) and the conversions to model space.

    Attributes
    ----------
    card
        The :class:`ModelCard`.
    module
        The :class:`torch.nn.Module`, in eval mode, on the CPU.
    fs
        Model sampling rate (Hz).
    """

    def __init__(self, card: ModelCard, module: nn.Module) -> None:
        self.card = card
        self.module = module.eval()
        self.fs = float(card.fs)

    @property
    def id(self) -> str:
        return self.card.id

    def __repr__(self) -> str:
        return f"LoadedModel({self.card.summary()})"

    # ------------------------------------------------------------- conversions
    def input_leads(self, measured: Sequence[str]) -> tuple[str, ...]:
        """The independent leads this model will be fed for ``measured`` (validated)."""
        indep = independent_lead_set(measured)
        if not self.card.accepts(indep):
            raise SynthesisError(
                f"model {self.card.id!r} takes {', '.join(self.card.inputs)}; the measured leads "
                f"{', '.join(measured)} give {', '.join(indep) or 'no usable lead'}"
            )
        return indep

    def prepare_arrays(self, record: EcgRecord, inputs: str | Sequence[str], *, with_target: bool = True) -> Prepared:
        """Model-space arrays of ``record`` with ``inputs`` measured (see :class:`Prepared`)."""
        measured = parse_lead_list(inputs)
        record.require_leads(measured)
        indep = self.input_leads(measured)
        meas_sig = independent_leads({n: record.lead(n) for n in measured}, measured)
        hp = float(self.card.normalization.get("highpass_hz", 0.5))
        ms = to_model_space(meas_sig, record.fs, hp)
        length = next(iter(ms.values())).shape[0]
        scale = robust_scale(np.stack([ms[n] for n in indep]), self.card.normalization["method"])
        values = {n: ms[n] / scale for n in indep}
        if self.card.any_subset:
            x = any_subset_channels(values, length)
        else:
            x = np.stack([values[n] for n in self.card.inputs]).astype(np.float32)
        y = None
        if with_target:
            y = self._target(record, hp, scale, length)
        return Prepared(x=x, y=y, scale=scale, measured=indep)

    def _target(self, record: EcgRecord, hp: float, scale: float, length: int) -> np.ndarray | None:
        present = set(record.standard_leads)
        try:
            truth = independent_leads({n: record.lead(n) for n in present}, sorted(present))
        except SynthesisError:
            return None
        if not all(n in truth for n in self.card.outputs):
            return None
        ms = to_model_space({n: truth[n] for n in self.card.outputs}, record.fs, hp)
        return np.stack([ms[n][:length] / scale for n in self.card.outputs]).astype(np.float32)

    def prepare(self, record: EcgRecord, inputs: str | Sequence[str]) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Model-space tensors for fine-tuning: ``x`` (1, C_in, T) and ``y`` (1, C_out, T) or None.

        ``T`` is the record's length at the model rate cut down to a multiple of 16 (at
        most 15 samples, 60 ms, are dropped) so that no padded, made-up target is trained
        on.  ``y`` is ``None`` when the record lacks one of the model's output leads.
        ``forward(x)`` approximates ``y``; ``module.head`` can be trained on
        ``module.features(x)`` directly.

        Raises
        ------
        MissingLeadError
            If an input lead is not in the record.
        SynthesisError
            If the model does not take that lead set.
        """
        p = self.prepare_arrays(record, inputs)
        t = (p.x.shape[-1] // LENGTH_MULTIPLE) * LENGTH_MULTIPLE
        if t == 0:
            raise SynthesisError(f"{record.source or 'record'}: too short for the model")
        x = torch.from_numpy(np.ascontiguousarray(p.x[:, :t]))[None]
        y = None if p.y is None else torch.from_numpy(np.ascontiguousarray(p.y[:, :t]))[None]
        return x, y

    # -------------------------------------------------------------- inference
    def predict(
        self,
        record: EcgRecord,
        inputs: str | Sequence[str],
        *,
        progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
    ) -> dict[str, np.ndarray]:
        """Predict the model's output leads that are not measured.

        Returns ``{independent lead: samples}`` in mV at the record's rate and length,
        baseline-free (high-passed like the training targets).
        """
        measured = parse_lead_list(inputs)
        missing = [n for n in measured if n not in record.lead_names]
        if missing:
            raise MissingLeadError(
                f"{record.source or 'record'}: missing lead(s) {', '.join(missing)}; "
                f"leads present: {', '.join(record.lead_names) or 'none'}"
            )
        p = self.prepare_arrays(record, measured, with_target=False)
        y = run_windowed(self.module, p.x, self.card.window, self.card.hop, progress=progress, cancel=cancel)
        out: dict[str, np.ndarray] = {}
        for k, name in enumerate(self.card.outputs):
            if name in p.measured:
                continue
            sig = resample(y[k] * p.scale, MODEL_FS, record.fs)
            n = record.n_samples
            if sig.shape[0] < n:  # resample_poly rounds up; never down, but stay safe
                sig = np.pad(sig, (0, n - sig.shape[0]), mode="edge")
            out[name] = sig[:n]
        log.debug("model %s predicted %s for %s", self.card.id, ", ".join(out), record.source)
        return out

    def missing_outputs(self, measured: Sequence[str]) -> list[str]:
        """Independent leads neither measured nor produced by this model."""
        indep = set(independent_lead_set(measured))
        return [n for n in INDEPENDENT_LEADS if n not in indep and n not in self.card.outputs]
