"""Network architectures, chosen by name.

Every network maps ``(batch, C_in, T)`` to ``(batch, C_out, T)`` for any ``T`` that is a
multiple of 16, and exposes

* ``self.head``: its final :class:`torch.nn.Conv1d` (kernel 1), the only layer the
  personalization engine fine-tunes;
* ``features(x)``: the input of the head, so that ``forward(x) == head(features(x))``.

Architectures (:data:`ARCHITECTURES`):

``linear``
    One 1x1 convolution: a population linear regression from the inputs to the outputs,
    its weights a least-squares fit (the floor every learned model must beat).
``unet``
    Gradowski & Buchner's 1D U-Net: 4 down blocks, a bottleneck, 4 up blocks; two
    conv3+BN+ReLU per block, max-pool 2, transposed conv 2, a final 1x1 conv, no output
    activation.  ``base_width`` (default 8) sets the first block's width.
``linres``
    Linear plus residual: the U-Net body's last feature maps are concatenated with the raw
    inputs and one 1x1 head maps both to the outputs.  The head's columns for the raw
    inputs *are* the linear path (initialised from the least-squares fit) and its other
    columns are the U-Net's final 1x1 conv, so personalization re-fits the linear mixing
    and the residual's last projection together.
``linres_ensemble``
    ``members`` linear-plus-residual networks trained with different seeds, as ONE network:
    the features are the raw inputs followed by every member's U-Net features, and one 1x1
    head holds each member's head divided by ``members`` (their linear columns summed), so
    the output is exactly the members' mean (:func:`ensemble_of`).  Averaging seeds cuts
    the run-to-run spread that dominates accuracy on unseen hospitals; the single pointwise
    head keeps personalization what it is for the other models.
``compact``
    A small encoder-decoder in the spirit of Malpani et al.: three strided conv encoder
    stages, three transposed-conv decoder stages with one BatchNorm after the first
    decoder block, and a 1x1 head.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from ..errors import ModelError

__all__ = [
    "ARCHITECTURES",
    "LENGTH_MULTIPLE",
    "LinearNet",
    "UNet1d",
    "LinearResidualUNet",
    "LinresEnsemble",
    "ensemble_of",
    "CompactNet",
    "build_network",
    "count_parameters",
]

#: Every architecture accepts lengths that are a multiple of this.
LENGTH_MULTIPLE = 16


class _DoubleConv(nn.Sequential):
    """Two conv3 + BN + ReLU (one U-Net block)."""

    def __init__(self, c_in: int, c_out: int) -> None:
        super().__init__(
            nn.Conv1d(c_in, c_out, 3, padding=1, bias=False),
            nn.BatchNorm1d(c_out),
            nn.ReLU(inplace=True),
            nn.Conv1d(c_out, c_out, 3, padding=1, bias=False),
            nn.BatchNorm1d(c_out),
            nn.ReLU(inplace=True),
        )


class _UNetBody(nn.Module):
    """The U-Net without its final 1x1 conv; outputs ``base_width`` feature maps."""

    def __init__(self, in_channels: int, base_width: int = 8, depth: int = 4) -> None:
        super().__init__()
        widths = [base_width * 2**k for k in range(depth)]
        self.down = nn.ModuleList()
        c = in_channels
        for w in widths:
            self.down.append(_DoubleConv(c, w))
            c = w
        self.pool = nn.MaxPool1d(2)
        self.bottleneck = _DoubleConv(c, 2 * c)
        c = 2 * c
        self.upsample = nn.ModuleList()
        self.up = nn.ModuleList()
        for w in reversed(widths):
            self.upsample.append(nn.ConvTranspose1d(c, w, 2, stride=2))
            self.up.append(_DoubleConv(2 * w, w))
            c = w
        self.out_channels = widths[0]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        skips = []
        for block in self.down:
            x = block(x)
            skips.append(x)
            x = self.pool(x)
        x = self.bottleneck(x)
        for upsample, block, skip in zip(self.upsample, self.up, reversed(skips), strict=True):
            x = block(torch.cat([upsample(x), skip], dim=1))
        return x


class LinearNet(nn.Module):
    """A 1x1 convolution: ``y = W x + b`` at every sample."""

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__()
        self.in_channels, self.out_channels = in_channels, out_channels
        self.head = nn.Conv1d(in_channels, out_channels, 1)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return x

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))


class UNet1d(nn.Module):
    """Gradowski & Buchner's 1D U-Net (see the module docstring)."""

    def __init__(self, in_channels: int, out_channels: int, base_width: int = 8, depth: int = 4) -> None:
        super().__init__()
        self.in_channels, self.out_channels = in_channels, out_channels
        self.body = _UNetBody(in_channels, base_width, depth)
        self.head = nn.Conv1d(self.body.out_channels, out_channels, 1)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))


class LinearResidualUNet(nn.Module):
    """Linear path + U-Net residual sharing one 1x1 head (see the module docstring)."""

    def __init__(self, in_channels: int, out_channels: int, base_width: int = 8, depth: int = 4) -> None:
        super().__init__()
        self.in_channels, self.out_channels = in_channels, out_channels
        self.body = _UNetBody(in_channels, base_width, depth)
        self.head = nn.Conv1d(in_channels + self.body.out_channels, out_channels, 1)
        # Start as "linear path only": the residual columns begin at zero so training
        # starts from the linear solution instead of from noise.
        with torch.no_grad():
            self.head.weight[:, in_channels:].zero_()

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([x, self.body(x)], dim=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))

    def set_linear_path(self, weight: torch.Tensor, bias: torch.Tensor) -> None:
        """Set the linear columns of the head, ``weight`` (C_out, C_in), and its bias."""
        with torch.no_grad():
            self.head.weight[:, : self.in_channels, 0] = weight
            self.head.bias.copy_(bias)


class LinresEnsemble(nn.Module):
    """The mean of ``members`` linear-plus-residual networks as one network (module docstring)."""

    def __init__(self, in_channels: int, out_channels: int, base_width: int = 8, depth: int = 4,
                 members: int = 3) -> None:
        super().__init__()
        if members < 1:
            raise ModelError(f"linres_ensemble: members must be at least 1, not {members}")
        self.in_channels, self.out_channels, self.members = in_channels, out_channels, members
        self.bodies = nn.ModuleList(_UNetBody(in_channels, base_width, depth) for _ in range(members))
        width = self.bodies[0].out_channels
        self.head = nn.Conv1d(in_channels + members * width, out_channels, 1)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([x, *(body(x) for body in self.bodies)], dim=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))


def ensemble_of(nets: list[LinearResidualUNet]) -> LinresEnsemble:
    """One :class:`LinresEnsemble` whose output is exactly the mean of ``nets``' outputs.

    The nets must share inputs, outputs, width and depth (same spec, other seeds).
    """
    if not nets or not all(isinstance(n, LinearResidualUNet) for n in nets):
        raise ModelError("ensemble_of needs one or more linres networks")
    first = nets[0]
    shapes = {(n.in_channels, n.out_channels, tuple(n.head.weight.shape)) for n in nets}
    if len(shapes) != 1:
        raise ModelError(f"ensemble_of: the networks differ in shape: {sorted(shapes)}")
    k, c_in = len(nets), first.in_channels
    width = first.body.out_channels
    ens = LinresEnsemble(c_in, first.out_channels, base_width=width, depth=len(first.body.down), members=k)
    with torch.no_grad():
        w = torch.zeros_like(ens.head.weight)
        w[:, :c_in] = sum(n.head.weight[:, :c_in] for n in nets) / k
        for i, n in enumerate(nets):
            ens.bodies[i].load_state_dict(n.body.state_dict())
            w[:, c_in + i * width: c_in + (i + 1) * width] = n.head.weight[:, c_in:] / k
        ens.head.weight.copy_(w)
        ens.head.bias.copy_(sum(n.head.bias for n in nets) / k)
    return ens


def blend_with_linear(net: LinearResidualUNet | LinresEnsemble, linear: LinearNet, alpha: float) -> nn.Module:
    """A copy of ``net`` whose output is ``(1 - alpha) * net(x) + alpha * linear(x)``, exactly.

    Both take the same input channels and give the same outputs (same lead set, same
    features).  The linear model is folded into ``net``'s pointwise head (its linear
    columns and bias), so the blend is a network of ``net``'s own architecture.
    """
    if not 0.0 <= alpha <= 1.0:
        raise ModelError(f"blend weight alpha must lie in [0, 1], not {alpha}")
    return shift_along_linear(net, linear, alpha)


def shift_along_linear(net: LinearResidualUNet | LinresEnsemble, linear: LinearNet, weight: float) -> nn.Module:
    """:func:`blend_with_linear` for any ``weight``, negative ones included.

    A negative weight moves an already blended network away from its linear baseline
    (``scripts/experiments/eval_blend_shipped.py`` re-decides the shipped share that way); a
    product blend never subtracts, which is why :func:`blend_with_linear` refuses it.
    """
    import copy

    if (linear.in_channels, linear.out_channels) != (net.in_channels, net.out_channels):
        raise ModelError(
            f"cannot blend: linear model {linear.in_channels}->{linear.out_channels} channels, "
            f"network {net.in_channels}->{net.out_channels}"
        )
    out = copy.deepcopy(net)
    c_in = net.in_channels
    with torch.no_grad():
        w = out.head.weight
        w.mul_(1.0 - weight)
        w[:, :c_in] += weight * linear.head.weight[:, :, :]
        out.head.bias.mul_(1.0 - weight).add_(weight * linear.head.bias)
    return out.eval()


class CompactNet(nn.Module):
    """Small encoder-decoder after Malpani et al. (see the module docstring)."""

    def __init__(self, in_channels: int, out_channels: int, base_width: int = 16, kernel_size: int = 7) -> None:
        super().__init__()
        self.in_channels, self.out_channels = in_channels, out_channels
        w = base_width
        pad = kernel_size // 2
        self.encoder = nn.Sequential(
            nn.Conv1d(in_channels, w, kernel_size, stride=2, padding=pad),
            nn.ReLU(inplace=True),
            nn.Conv1d(w, 2 * w, kernel_size, stride=2, padding=pad),
            nn.ReLU(inplace=True),
            nn.Conv1d(2 * w, 4 * w, kernel_size, stride=2, padding=pad),
            nn.ReLU(inplace=True),
        )
        self.decoder = nn.Sequential(
            nn.ConvTranspose1d(4 * w, 2 * w, 2, stride=2),
            nn.BatchNorm1d(2 * w),  # the one BN, after the first decoder block
            nn.ReLU(inplace=True),
            nn.ConvTranspose1d(2 * w, w, 2, stride=2),
            nn.ReLU(inplace=True),
            nn.ConvTranspose1d(w, w, 2, stride=2),
            nn.ReLU(inplace=True),
        )
        self.head = nn.Conv1d(w, out_channels, 1)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.encoder(x))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))


#: Architecture name -> constructor ``(in_channels, out_channels, **params)``.
ARCHITECTURES: dict[str, Callable[..., nn.Module]] = {
    "linear": LinearNet,
    "unet": UNet1d,
    "linres": LinearResidualUNet,
    "linres_ensemble": LinresEnsemble,
    "compact": CompactNet,
}


def build_network(architecture: str, **params: Any) -> nn.Module:
    """Build a network by name; ``params`` holds ``in_channels``, ``out_channels`` and extras.

    Raises
    ------
    ModelError
        On an unknown architecture name (listing the valid ones) or bad parameters.
    """
    try:
        cls = ARCHITECTURES[architecture]
    except KeyError:
        raise ModelError(
            f"unknown architecture {architecture!r}; valid: {', '.join(sorted(ARCHITECTURES))}"
        ) from None
    try:
        return cls(**params)
    except TypeError as exc:
        raise ModelError(f"bad parameters for architecture {architecture!r}: {exc}") from None


def count_parameters(module: nn.Module, *, trainable_only: bool = True) -> int:
    """Number of trainable parameters, or of all of them (``trainable_only=False``: the size
    a forward pass computes with, frozen parts included)."""
    return sum(p.numel() for p in module.parameters() if p.requires_grad or not trainable_only)
