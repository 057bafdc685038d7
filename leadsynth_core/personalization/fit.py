"""The fine-tune itself: which parameters train, and the seeded Adam loop (head on frozen
features, or the last blocks / the whole network on windows)."""

from __future__ import annotations

import time
from collections.abc import Callable

import torch
from torch import nn

from ..errors import PersonalizationError
from ..models.networks import LENGTH_MULTIPLE
from ..progress import CancelToken, ProgressCallback, check, report
from .result import EpochReport

# Whole-network training: windows per minibatch.
_WINDOW_BATCH = 8


def _chunks(x: torch.Tensor, length: int) -> list[torch.Tensor]:
    """Cut (1, C, T) into windows of ``length`` (the last one aligned to the end)."""
    t = x.shape[-1]
    if t <= length:
        return [x]
    starts = list(range(0, t - length + 1, length))
    if starts[-1] + length < t:
        starts.append(t - length)
    return [x[..., s : s + length] for s in starts]


def _select_trainable(module: nn.Module, trainable: str, k: int) -> list[nn.Parameter]:
    for p in module.parameters():
        p.requires_grad_(False)
    if trainable == "all":
        params = list(module.parameters())
    else:
        params = list(module.head.parameters())
        if trainable == "last_blocks":
            # The last k weight layers before the head (registration order follows the
            # forward pass in every shipped architecture) and the BatchNorm layers after
            # the first of them.
            named = [(n, m) for n, m in module.named_modules() if n and not n.startswith("head")]
            weighted = [i for i, (_, m) in enumerate(named) if isinstance(m, (nn.Conv1d, nn.ConvTranspose1d, nn.Linear))]
            if not weighted:
                raise PersonalizationError("trainable='last_blocks': the model has no layer before its head")
            first = weighted[-min(k, len(weighted))]
            for _, m in named[first:]:
                if isinstance(m, (nn.Conv1d, nn.ConvTranspose1d, nn.Linear, nn.BatchNorm1d)):
                    params += [p for p in m.parameters(recurse=False)]
    for p in params:
        p.requires_grad_(True)
    return params


def _head_is_pointwise(module: nn.Module) -> bool:
    head = getattr(module, "head", None)
    return isinstance(head, nn.Conv1d) and head.kernel_size == (1,) and head.groups == 1 and head.dilation == (1,)


def _fit(
    module: nn.Module,
    xs: list[torch.Tensor],
    ys: list[torch.Tensor],
    targets: list[int],
    *,
    trainable: str,
    k: int,
    epochs: int,
    lr: float,
    batch_samples: int | None,
    seed: int,
    device: torch.device,
    window: int,
    progress: ProgressCallback | None,
    cancel: CancelToken | None,
    on_epoch: Callable[[EpochReport], None] | None,
) -> list[float]:
    """Fine-tune ``module`` in place; return the mean loss per epoch."""
    # A private generator: the minibatch order is seeded without touching torch's global RNG.
    gen = torch.Generator(device="cpu").manual_seed(int(seed))
    module.to(device)
    # BatchNorm statistics stay those of the base model: a few recordings cannot
    # estimate them, and eval mode makes training and inference agree.
    module.eval()
    params = _select_trainable(module, trainable, k)
    tgt = torch.tensor(targets, dtype=torch.long)
    history: list[float] = []

    if trainable == "head" and _head_is_pointwise(module):
        # Frozen body: features once, then a per-sample linear regression by Adam.
        feats, outs, bounds = [], [], [0]
        for i, (x, y) in enumerate(zip(xs, ys, strict=True)):
            for xc, yc in zip(_chunks(x, window), _chunks(y, window), strict=True):
                check(cancel)
                with torch.no_grad():
                    f = module.features(xc.to(device))
                feats.append(f[0].transpose(0, 1))  # (L, C_f)
                outs.append(yc[0][tgt].transpose(0, 1).to(device))  # (L, C_target)
            bounds.append(bounds[-1] + sum(x.shape[-1] for x in _chunks(x, window)))
            report(progress, 0.15 + 0.1 * (i + 1) / len(xs), "computing frozen features")
        f_all = torch.cat(feats)
        y_all = torch.cat(outs)
        head: nn.Conv1d = module.head
        w = head.weight.detach()[:, :, 0][tgt].clone().requires_grad_(True)  # (C_target, C_f)
        b = (head.bias.detach()[tgt].clone() if head.bias is not None else torch.zeros(len(targets), device=device))
        b.requires_grad_(True)
        opt = torch.optim.Adam([w, b], lr=lr)
        n = f_all.shape[0]
        t0 = time.perf_counter()
        for epoch in range(epochs):
            if batch_samples is None:
                # One minibatch per recording, as one median beat per recording in Malpani et al.
                rec_order = torch.randperm(len(bounds) - 1, generator=gen).tolist()
                batches = [torch.arange(bounds[r], bounds[r + 1], device=device) for r in rec_order]
            else:
                order = torch.randperm(n, generator=gen).to(device)
                batches = [order[s : s + batch_samples] for s in range(0, n, batch_samples)]
            total = 0.0
            for idx in batches:
                check(cancel)
                pred = f_all[idx] @ w.T + b
                loss = torch.mean((pred - y_all[idx]) ** 2)
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                total += float(loss.detach()) * idx.numel()
            history.append(total / n)
            _epoch_done(epoch, epochs, history[-1], t0, progress, on_epoch)
        with torch.no_grad():
            head.weight[tgt, :, 0] = w.detach()
            if head.bias is not None:
                head.bias[tgt] = b.detach()
        return history

    # General case: run the network, train the selected parameters on windows.
    length = min(window, min(x.shape[-1] for x in xs))
    length = max(LENGTH_MULTIPLE, (length // LENGTH_MULTIPLE) * LENGTH_MULTIPLE)
    xw = torch.cat([c for x in xs for c in _chunks(x, length)]).to(device)
    yw = torch.cat([c for y in ys for c in _chunks(y, length)])[:, tgt].to(device)
    opt = torch.optim.Adam(params, lr=lr)
    n = xw.shape[0]
    t0 = time.perf_counter()
    for epoch in range(epochs):
        order = torch.randperm(n, generator=gen).to(device)
        total = 0.0
        for s in range(0, n, _WINDOW_BATCH):
            check(cancel)
            idx = order[s : s + _WINDOW_BATCH]
            pred = module(xw[idx])[:, tgt]
            loss = torch.mean((pred - yw[idx]) ** 2)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            total += float(loss.detach()) * idx.numel()
        history.append(total / n)
        _epoch_done(epoch, epochs, history[-1], t0, progress, on_epoch)
    return history


def _epoch_done(
    epoch: int,
    epochs: int,
    loss: float,
    t0: float,
    progress: ProgressCallback | None,
    on_epoch: Callable[[EpochReport], None] | None,
) -> None:
    elapsed = time.perf_counter() - t0
    eta = elapsed / (epoch + 1) * (epochs - epoch - 1)
    report(progress, 0.25 + 0.65 * (epoch + 1) / epochs, f"epoch {epoch + 1}/{epochs}, loss {loss:.5f}, ETA {eta:.1f} s")
    if on_epoch is not None:
        on_epoch(EpochReport(epoch + 1, epochs, loss, elapsed, eta))
