"""Exponential moving averages of a network's weights (a shadow copy per decay).

Averaging the weights along the last stretch of training is a cheap way to land in a flatter
region than the last step's, which often transfers better to data the network never saw
(Polyak averaging; Izmailov et al. 2018, SWA). The trained network is left as it is: each
average is a separate state dict, read out with :meth:`WeightAverages.state_dict_for`.

Buffers are averaged too (BatchNorm's running mean and variance follow the averaged weights
closely enough at the end of a decaying schedule); integer buffers (``num_batches_tracked``)
are copied.  Every average starts from the weights it was made with, so after t updates
decay**t of that starting network is still in it: choose a decay whose horizon (about
1 / (1 - decay) steps) is short against the run.
"""

from __future__ import annotations

from collections.abc import Iterable

import torch


class WeightAverages:
    """One exponential moving average of ``module``'s state per decay in ``decays``."""

    def __init__(self, module: torch.nn.Module, decays: Iterable[float]) -> None:
        self.decays = tuple(float(d) for d in decays)
        for d in self.decays:
            if not 0.0 < d < 1.0:
                raise ValueError(f"an average's decay must lie in (0, 1), not {d}")
        state = module.state_dict()
        self.shadows = {d: {k: v.detach().clone() for k, v in state.items()} for d in self.decays}

    @torch.no_grad()
    def update(self, module: torch.nn.Module) -> None:
        """Move every average one step towards ``module``'s current state."""
        state = module.state_dict()
        for d, shadow in self.shadows.items():
            for k, v in state.items():
                if v.is_floating_point():
                    shadow[k].mul_(d).add_(v.detach(), alpha=1.0 - d)
                else:
                    shadow[k].copy_(v)

    def state_dict_for(self, decay: float) -> dict[str, torch.Tensor]:
        """The averaged state for one of the decays, loadable with ``load_state_dict``."""
        try:
            return self.shadows[float(decay)]
        except KeyError:
            raise ValueError(f"no average with decay {decay}; valid: {', '.join(map(str, self.decays))}") from None

    def to_checkpoint(self) -> dict[str, dict[str, torch.Tensor]]:
        return {str(d): s for d, s in self.shadows.items()}

    def load_checkpoint(self, saved: dict[str, dict[str, torch.Tensor]]) -> None:
        for d in self.decays:
            if str(d) in saved:
                self.shadows[d] = {k: v.clone() for k, v in saved[str(d)].items()}
