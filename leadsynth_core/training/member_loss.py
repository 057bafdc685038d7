"""The per-member loss of a seed ensemble (deep-ensemble style).

A shipped learned model is a :class:`~leadsynth_core.models.networks.LinresEnsemble`: one
network whose output is the mean of its members (``linear path + bias + k x member i's
residual columns``, :mod:`leadsynth_core.uncertainty.members`).  Trained on the mean's error
alone, the members would be free to drift apart in ways that cancel in the mean, and their
disagreement, which the uncertainty band reads as "the data did not teach this", would
stop meaning anything.  So ``leadsynth train`` trains each member on its own output: the
loss is the mean over members of each member's masked MSE.  The saved network is unchanged
in form: its output is still the members' mean.

The member outputs come from :func:`leadsynth_core.uncertainty.members.member_outputs`, the
same function the band uses, so training and the band agree on what a member is.
"""

from __future__ import annotations

import torch
from torch import nn

from ..uncertainty.members import has_members, member_outputs
from .scoring import masked_mse

__all__ = ["MemberStack", "member_mse", "uses_member_loss"]


def uses_member_loss(net: nn.Module, enabled: bool) -> bool:
    """Whether a run trains ``net`` on the per-member loss (a seed ensemble, unless turned off)."""
    return enabled and has_members(net)


class MemberStack(nn.Module):
    """``(B, C_in, T) -> (members, B, C_out, T)``: every member's own output.

    A module (rather than a function call) so that DistributedDataParallel can wrap it:
    its forward is the training forward, and its parameters are the ensemble's.
    """

    def __init__(self, ensemble: nn.Module) -> None:
        super().__init__()
        self.inner = ensemble

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return member_outputs(self.inner, x)


def member_mse(outputs: torch.Tensor, target: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    """Mean over members of each member's :func:`~.scoring.masked_mse`.

    ``outputs`` (members, B, C, T), ``target`` (B, C, T), ``weight`` (B, C, 1).  Every member
    sees the same weight, so this equals the masked MSE over all members' samples at once.
    """
    return torch.stack([masked_mse(o, target, weight) for o in outputs]).mean()
