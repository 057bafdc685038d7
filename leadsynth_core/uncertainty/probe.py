"""A truth-free self-check that widens the band on recordings harder than the calibration data.

The members of a seed ensemble agree with one another also where they are all wrong: on a
hospital, device or disease unlike the training data their spread stays small while the
error grows (calibrated on LUDB alone, the band held 70-83 % instead of 90 % on the PTB
``S`` records).  Every recording with two or more measured leads carries its own check:
leave one measured lead out, predict it from the others with one member of the any-subset
model, and compare with what was measured.  The normalised RMS error of that prediction,
relative to its median on the calibration records, says how much harder this recording
is; the band is scaled by ``clip(ratio, 0.5, 3) ** gamma``, with ``gamma`` chosen per input
lead set at calibration (:mod:`.factors`).

Which lead is left out (:func:`probe_design`): the last measured chest lead, else I
(predicted from II; on LUDB <-> PTB that held the I + II band at 84/94 % where II from I
gave 79/96 %, chosen on these two sources).  With one measured lead there is nothing to check and the factor is 1.
One member, not the whole ensemble, keeps the cost at about a third of a synthesis.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

from ..leads import CHEST_LEADS
from ..models.features import independent_leads, to_model_space
from ..models.loaded import LoadedModel, run_windowed
from ..models.networks import LinresEnsemble
from ..record import EcgRecord
from .members import require_members

__all__ = ["PROBE_MODEL", "probe_design", "probe_rms", "MemberNet"]

#: The model that predicts the left-out lead (it takes any subset).
PROBE_MODEL = "anysubset"


class MemberNet(nn.Module):
    """One member of a seed ensemble as a network of its own (only that member's body runs)."""

    def __init__(self, module: LinresEnsemble, member: int = 0) -> None:
        super().__init__()
        self.inner, self.member = module, member

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        m = self.inner
        c_in, k = m.in_channels, m.members
        feats = m.bodies[self.member](x)
        width = feats.shape[1]
        w = m.head.weight[:, :, 0]
        cols = slice(c_in + self.member * width, c_in + (self.member + 1) * width)
        lin = torch.einsum("oc,bct->bot", w[:, :c_in], x) + m.head.bias[None, :, None]
        return lin + k * torch.einsum("oc,bct->bot", w[:, cols], feats)


def probe_design(indep: Sequence[str]) -> tuple[tuple[str, ...], str] | None:
    """``(probe inputs, left-out lead)`` for an independent input lead set, or None (one lead)."""
    indep = tuple(indep)
    if len(indep) < 2:
        return None
    chest = [n for n in indep if n in CHEST_LEADS]
    target = chest[-1] if chest else "I"
    return tuple(n for n in indep if n != target), target


def probe_rms(probe: LoadedModel, record: EcgRecord, measured: Sequence[str], inputs: Sequence[str],
              target: str) -> float:
    """Normalised RMS error (model units) of ``target`` predicted from ``inputs`` by one member.

    ``measured`` are the record's measured leads (``target`` and ``inputs`` are among their
    independent leads); nothing but measured samples is used.
    """
    require_members(probe.module, probe.card.id)
    assert isinstance(probe.module, LinresEnsemble)
    p = probe.prepare_arrays(record, list(inputs), with_target=False)
    y = run_windowed(MemberNet(probe.module), p.x, probe.card.window, probe.card.hop)
    k = probe.card.outputs.index(target)
    truth = independent_leads({n: record.lead(n) for n in measured}, list(measured))[target]
    hp = float(probe.card.normalization.get("highpass_hz", 0.5))
    t = to_model_space({target: truth}, record.fs, hp)[target][: y.shape[1]] / p.scale
    return float(np.sqrt(np.mean((t - y[k, : t.shape[0]]) ** 2)))

