"""The spread of a seed ensemble's members, from the one network it is shipped as.

A ``linres_ensemble`` network (:class:`~leadsynth_core.models.networks.LinresEnsemble`)
computes ``head(features(x))`` where the features are the raw inputs followed by every
member's U-Net features, and the head holds each member's residual projection divided by
the number of members (their linear columns summed, a blended linear baseline folded into
the same columns).  Member ``i``'s own output is therefore

    member_i = linear(x) + bias + k * r_i,      r_i = W_i f_i

and the ensemble output is ``linear(x) + bias + sum_i r_i``, the members' mean.  The
members disagree only in their residuals, so their spread (population standard deviation)
is ``k * std_i(r_i)``.  That is computed here from the same features as the mean, in one
pass: the mean channels are ``module.head(features)``, exactly what ``module(x)`` gives.

Why the members: they were trained with different seeds on the same data, and they agree
where the data taught them and drift apart where it did not (unusual morphologies,
noise, devices never seen).  Whatever the weights, a model file of this architecture
carries its members, so nothing here depends on one training run.
"""

from __future__ import annotations

import torch
from torch import nn

from ..errors import ModelError
from ..models.networks import LinresEnsemble

__all__ = ["member_outputs", "SpreadNet", "has_members", "require_members"]


def has_members(module: nn.Module) -> bool:
    """Whether ``module`` is a seed ensemble of two or more members."""
    return isinstance(module, LinresEnsemble) and module.members >= 2


def require_members(module: nn.Module, model_id: str) -> None:
    """Raise :class:`ModelError` naming ``model_id`` unless ``module`` is a seed ensemble."""
    if not has_members(module):
        raise ModelError(
            f"model {model_id!r} is not a seed ensemble (architecture linres_ensemble with two or more "
            "members): it has no calibrated band; choose a shipped learned model"
        )


def _residuals(module: LinresEnsemble, feats: torch.Tensor) -> torch.Tensor:
    """Each member's residual contribution ``r_i`` (members, batch, C_out, T)."""
    c_in, k = module.in_channels, module.members
    width = (feats.shape[1] - c_in) // k
    w = module.head.weight[:, :, 0]  # (C_out, C_in + k * width)
    parts = []
    for i in range(k):
        cols = slice(c_in + i * width, c_in + (i + 1) * width)
        parts.append(torch.einsum("oc,bct->bot", w[:, cols], feats[:, cols]))
    return torch.stack(parts)


def member_outputs(module: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """Every member's own output (members, batch, C_out, T); their mean is ``module(x)``.

    Raises
    ------
    ModelError
        If ``module`` is not a seed ensemble of at least two members.
    """
    if not has_members(module):
        raise ModelError(f"{type(module).__name__} is not a seed ensemble: it has no members to compare")
    assert isinstance(module, LinresEnsemble)
    feats = module.features(x)
    mean = module.head(feats)
    r = _residuals(module, feats)
    return mean[None] + module.members * r - r.sum(dim=0, keepdim=True)


class SpreadNet(nn.Module):
    """``(batch, C_in, T) -> (batch, 2 * C_out, T)``: the ensemble mean, then the members' spread.

    The first ``C_out`` channels are ``module.head(module.features(x))``, bit-identical to
    ``module(x)``; the next ``C_out`` are the members' standard deviation (model units).
    It runs through :func:`~leadsynth_core.models.loaded.run_windowed` like any network, so
    the spread is windowed and cross-faded exactly as the mean is, for any length.
    """

    def __init__(self, module: nn.Module) -> None:
        super().__init__()
        if not has_members(module):
            raise ModelError(
                f"{type(module).__name__} is not a seed ensemble (architecture linres_ensemble with "
                "two or more members): no calibrated band can be computed from it"
            )
        self.inner = module

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        module = self.inner
        feats = module.features(x)
        mean = module.head(feats)
        r = _residuals(module, feats)
        spread = module.members * r.std(dim=0, unbiased=False)
        return torch.cat([mean, spread], dim=1)
