"""Least-squares fit of the linear baselines (and of the linear path of ``linres``)."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
import torch

from ..models.features import INDEPENDENT_LEADS, robust_scale
from ..models.networks import LinearNet
from .data import TrainingRecord

__all__ = ["fit_linear", "linear_network"]

log = logging.getLogger(__name__)

# A tiny ridge keeps the normal equations well conditioned (V-leads are strongly
# correlated) without measurably biasing the fit: the Gram diagonal is ~1e4-1e6.
_RIDGE = 1e-3


def fit_linear(
    records: Sequence[TrainingRecord],
    inputs: Sequence[str],
    outputs: Sequence[str],
    normalization: str = "record",
) -> tuple[np.ndarray, np.ndarray]:
    """Least-squares ``y = W x + b`` over all samples of ``records`` in model space.

    Inputs and targets are divided by the per-record scale of the inputs, exactly as at
    inference.  Returns ``W`` (C_out, C_in) and ``b`` (C_out,).
    """
    ii = [INDEPENDENT_LEADS.index(n) for n in inputs]
    oo = [INDEPENDENT_LEADS.index(n) for n in outputs]
    c = len(ii) + 1
    gram = np.zeros((c, c))
    cross = np.zeros((c, len(oo)))
    for rec in records:
        x = rec.leads[ii].astype(np.float64)
        s = robust_scale(x, normalization)
        xa = np.vstack([x / s, np.ones((1, x.shape[1]))])
        y = rec.leads[oo].astype(np.float64) / s
        gram += xa @ xa.T
        cross += xa @ y.T
    gram[np.diag_indices(c - 1)] += _RIDGE
    sol = np.linalg.solve(gram, cross)  # (C_in + 1, C_out)
    return sol[:-1].T.copy(), sol[-1].copy()


def linear_network(weight: np.ndarray, bias: np.ndarray) -> LinearNet:
    """A :class:`LinearNet` holding ``weight`` (C_out, C_in) and ``bias``."""
    net = LinearNet(weight.shape[1], weight.shape[0])
    with torch.no_grad():
        net.head.weight.copy_(torch.from_numpy(weight).float()[:, :, None])
        net.head.bias.copy_(torch.from_numpy(bias).float())
    return net.eval()
