"""An any-subset network with its lead mask fixed: the start of a dedicated model.

:func:`~leadsynth_core.training.train.dedicated_from_any_subset` does it for one ``linres``
network; the shipped any-subset model is a ``linres_ensemble`` (the mean of several linres
networks in one head), which is split into its members, converted member by member and put
together again with :func:`~leadsynth_core.models.networks.ensemble_of`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

from ..errors import ModelError
from ..models.networks import LinearResidualUNet, LinresEnsemble, ensemble_of
from .train import dedicated_from_any_subset

__all__ = ["ensemble_members", "dedicated_network"]


def ensemble_members(ens: LinresEnsemble) -> list[LinearResidualUNet]:
    """The linres networks whose mean ``ens`` is (``ensemble_of(ensemble_members(e))`` equals ``e``)."""
    k, c_in = ens.members, ens.in_channels
    width = ens.bodies[0].out_channels
    members = []
    for i, body in enumerate(ens.bodies):
        net = LinearResidualUNet(c_in, ens.out_channels, base_width=width, depth=len(body.down))
        net.body.load_state_dict(body.state_dict())
        with torch.no_grad():
            net.head.weight[:, :c_in] = ens.head.weight[:, :c_in]
            net.head.weight[:, c_in:] = ens.head.weight[:, c_in + i * width : c_in + (i + 1) * width] * k
            net.head.bias.copy_(ens.head.bias)
        members.append(net)
    return members


def dedicated_network(any_subset: nn.Module, inputs: Sequence[str]) -> tuple[nn.Module, str, dict[str, Any]]:
    """``any_subset`` with the mask fixed to ``inputs``: (network, architecture, arch_params)."""
    if isinstance(any_subset, LinresEnsemble):
        nets = [dedicated_from_any_subset(m, inputs) for m in ensemble_members(any_subset)]
        ens = ensemble_of(nets)
        return ens, "linres_ensemble", {"base_width": ens.bodies[0].out_channels,
                                        "depth": len(ens.bodies[0].down), "members": ens.members}
    if isinstance(any_subset, LinearResidualUNet):
        net = dedicated_from_any_subset(any_subset, inputs)
        return net, "linres", {"base_width": net.body.out_channels, "depth": len(net.body.down)}
    raise ModelError(f"a {type(any_subset).__name__} any-subset network cannot be turned into a dedicated one "
                     "(linres and linres_ensemble can)")
