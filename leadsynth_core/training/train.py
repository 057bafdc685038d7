"""The training loop of the learned models (any-subset and dedicated).

Batches are random crops of real training records (and, for a fraction of each batch,
of deepfake-ecg synthetic ECGs), converted exactly as at inference (model rate, 0.5 Hz
high-pass, per-record normalisation by the measured leads), with augmentations that keep
the physiology intact.  Checkpoints are written every ``_CHECKPOINT_EVERY`` steps; the
data of step ``k`` is drawn from ``numpy.random.default_rng([seed, k])`` so that a resumed
run sees exactly the batches an uninterrupted run would have seen.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from scipy import signal as sps
from torch import nn

from ..errors import ModelError
from ..files import atomic_paths
from ..models.features import INDEPENDENT_LEADS, MODEL_FS
from ..models.networks import LENGTH_MULTIPLE, LinearResidualUNet, build_network, count_parameters
from ..models.registry import load_model
from ..progress import CancelToken, ProgressCallback, report
from .augment import AUGMENTATION_KEYS, _augment, stretch_crop
from .data import TrainingRecord, load_training_records
from .specs import STANDARD_SETS, ModelSpec

__all__ = ["train_network", "dedicated_from_any_subset", "refit_head", "make_batch", "synthetic_pool", "AUGMENTATIONS",
           "AUGMENTATION_KEYS", "sampling_weights"]

log = logging.getLogger(__name__)

_CHECKPOINT_EVERY = 250
# Batches used for the closed-form head fit of a dedicated model.
_HEAD_FIT_BATCHES = 40
_N_LEADS = len(INDEPENDENT_LEADS)
_STANDARD_MASKS = [np.array([n in s for n in INDEPENDENT_LEADS]) for s in (*STANDARD_SETS, ("I",))]
# Fraction of any-subset samples drawn from the standard sets (the rest: random subsets).
_STANDARD_SET_FRACTION = 0.7
#: Augmentations applied to each training crop (names for the card and the log).
AUGMENTATIONS: tuple[str, ...] = (
    "per-lead gain jitter +-10% (inputs and targets: electrode placement/body habitus)",
    "device-like low-pass 35-100 Hz on some crops (inputs and targets)",
    "baseline-wander residue 0.05-0.5 Hz on inputs",
    "white noise on inputs",
    "50/60 Hz powerline on inputs",
    "random time shift (crop position)",
)


# ------------------------------------------------------------------ synthetic data
def synthetic_pool(n: int, cache_dir: Path, seed: int = 1234) -> np.ndarray:
    """``n`` deepfake-ecg ECGs in model space, (n, 8, 2500) float32 in mV, cached on disk.

    The Pulse2Pulse generator's channels are I, II, V1..V6 at 500 Hz; its raw output x 6
    is mV.  The pool is generated once (about 20 s per 1000 on 2 CPU cores) and reused.
    """
    cache_dir.mkdir(parents=True, exist_ok=True)
    path = cache_dir / f"deepfake_pool_{n}_{seed}.npy"
    if path.exists():
        return np.load(path, allow_pickle=False)
    import deepfakeecg  # only the training extra installs it

    gen = deepfakeecg.Generator()
    ckpt = Path(deepfakeecg.__file__).parent / "checkpoints" / "g_stat.pt"
    gen.load_state_dict(torch.load(ckpt, weights_only=True, map_location="cpu")["stat_dict"])
    gen.eval()
    torch_gen = torch.Generator().manual_seed(seed)
    chunks = []
    sos = sps.butter(2, 0.5, btype="highpass", fs=MODEL_FS, output="sos")
    with torch.no_grad():
        for start in range(0, n, 32):
            b = min(32, n - start)
            z = torch.rand((b, 8, 5000), generator=torch_gen) * 2 - 1
            x = gen(z).numpy().astype(np.float64) * 6.0
            x = sps.resample_poly(x, 1, 2, axis=-1)
            chunks.append(sps.sosfiltfilt(sos, x, axis=-1).astype(np.float32))
    pool = np.concatenate(chunks)
    with atomic_paths([path]) as (tmp,), open(tmp, "wb") as fh:
        np.save(fh, pool)
    log.info("generated %d synthetic ECGs to %s", n, path)
    return pool


# ------------------------------------------------------------------------ batches
def _robust_scale_batch(x: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Per-sample robust scale of the measured channels (same formula as inference)."""
    lo, hi = np.percentile(x, [1.0, 99.0], axis=-1)
    amp = (hi - lo) / 2.0  # (B, 8)
    s = (amp * mask).sum(axis=1) / np.maximum(mask.sum(axis=1), 1)
    return np.maximum(s, 0.05)


def _random_mask(rng: np.random.Generator) -> np.ndarray:
    if rng.random() < _STANDARD_SET_FRACTION:
        return _STANDARD_MASKS[rng.integers(len(_STANDARD_MASKS))].copy()
    while True:
        m = rng.random(_N_LEADS) < 0.5
        if 0 < m.sum() < _N_LEADS:
            return m


def make_batch(
    records: Sequence[TrainingRecord],
    pool: np.ndarray | None,
    rng: np.random.Generator,
    *,
    batch_size: int,
    length: int,
    synthetic_fraction: float,
    fixed_mask: np.ndarray | None = None,
    record_weights: np.ndarray | None = None,
    skip_augmentations: frozenset[str] = frozenset(),
    vcg_rotation_deg: float = 0.0,
    chest_shift: float = 0.0,
    arm_swap: float = 0.0,
    time_stretch: float = 0.0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One batch: any-subset inputs (B, 16, L), targets (B, 8, L), masks (B, 8), normalised.

    ``record_weights`` (summing to 1) draws real records unevenly (see
    :func:`sampling_weights`); ``None`` draws them uniformly.
    ``time_stretch`` > 0 resamples half the crops by a factor drawn from 1 +- that fraction
    (:func:`stretch_crop`; off by default, drawing no random numbers when off).
    """
    inputs = np.zeros((batch_size, 2 * _N_LEADS, length), dtype=np.float32)
    targets = np.zeros((batch_size, _N_LEADS, length), dtype=np.float32)
    masks = np.zeros((batch_size, _N_LEADS), dtype=np.float32)
    raw_in = np.zeros((batch_size, _N_LEADS, length))
    raw_tg = np.zeros((batch_size, _N_LEADS, length))
    for b in range(batch_size):
        if pool is not None and rng.random() < synthetic_fraction:
            src = pool[rng.integers(len(pool))]
        else:
            pick = rng.integers(len(records)) if record_weights is None else rng.choice(len(records), p=record_weights)
            src = records[pick].leads
        span = length
        if time_stretch > 0 and rng.random() < 0.5:
            span = min(int(round(length * rng.uniform(1.0 - time_stretch, 1.0 + time_stretch))), src.shape[-1])
        start = rng.integers(0, src.shape[-1] - span + 1)
        crop = src[:, start : start + span].astype(np.float64)
        if span != length:
            crop = stretch_crop(crop, length)
        raw_in[b], raw_tg[b] = _augment(crop, rng, skip_augmentations, vcg_rotation_deg, chest_shift, arm_swap)
        masks[b] = fixed_mask if fixed_mask is not None else _random_mask(rng)
    _normalise_batch(raw_in, raw_tg, masks, inputs, targets)
    return inputs, targets, masks


def _normalise_batch(raw_in: np.ndarray, raw_tg: np.ndarray, masks: np.ndarray, inputs: np.ndarray,
                     targets: np.ndarray) -> None:
    """Fill ``inputs`` (B, 16, L) and ``targets`` (B, 8, L) from augmented crops in mV.

    Each sample is divided by the robust scale of its measured leads (as at inference);
    unmeasured input channels are zero and the mask channels follow.
    """
    scale = _robust_scale_batch(raw_in, masks)[:, None, None]
    inputs[:, :_N_LEADS] = raw_in / scale * masks[:, :, None]
    inputs[:, _N_LEADS:] = masks[:, :, None]
    targets[:] = raw_tg / scale


SAMPLINGS: tuple[str, ...] = ("record", "source")


def sampling_weights(records: Sequence[TrainingRecord], method: str = "record") -> np.ndarray | None:
    """Probabilities of drawing each real record: ``None`` (uniform) for ``method="record"``,
    equal total weight per source for ``method="source"``."""
    if method == "record":
        return None
    if method != "source":
        raise ValueError(f"sampling {method!r} is not one of: {', '.join(SAMPLINGS)}")
    counts: dict[str, int] = {}
    for r in records:
        counts[r.source] = counts.get(r.source, 0) + 1
    w = np.array([1.0 / (len(counts) * counts[r.source]) for r in records])
    return w / w.sum()


# -------------------------------------------------------------- dedicated models
def dedicated_from_any_subset(any_subset: LinearResidualUNet, inputs: Sequence[str]) -> LinearResidualUNet:
    """A dedicated ``linres`` network equal to ``any_subset`` with the mask fixed to ``inputs``.

    The mask channels are constant, so their contribution to the first convolution is a
    per-channel constant, absorbed by the following BatchNorm (subtracted from its running
    mean; in training mode batch statistics remove it anyway), and their columns of the
    head fold into the head's bias.  Inputs that are not measured are zero and are dropped,
    as are the head's rows for the measured leads.  Only the first and last sample differ
    (the convolution's zero padding sees the mask drop to 0 there).
    """
    ii = [INDEPENDENT_LEADS.index(n) for n in inputs]
    oo = [k for k in range(_N_LEADS) if k not in ii]
    body_width = any_subset.body.out_channels
    net = LinearResidualUNet(len(ii), len(oo), base_width=body_width, depth=len(any_subset.body.down))
    src = any_subset.state_dict()
    dst = net.state_dict()
    with torch.no_grad():
        for k, v in src.items():
            if k == "body.down.0.0.weight":
                w = v  # (C, 16, 3)
                dst[k].copy_(w[:, ii])
                const = w[:, [_N_LEADS + i for i in ii]].sum(dim=(1, 2))
                dst["body.down.0.1.running_mean"].copy_(src["body.down.0.1.running_mean"] - const)
            elif k == "body.down.0.1.running_mean":
                continue
            elif k == "head.weight":
                w = v  # (8, 16 + W, 1)
                cols = ii + list(range(2 * _N_LEADS, 2 * _N_LEADS + body_width))
                dst[k].copy_(w[oo][:, cols])
            elif k == "head.bias":
                mask_cols = [_N_LEADS + i for i in ii]
                w = src["head.weight"]
                dst[k].copy_(v[oo] + w[oo][:, mask_cols, 0].sum(dim=1))
            else:
                dst[k].copy_(v)
    net.load_state_dict(dst)
    return net


def refit_head(net: nn.Module, batches: Sequence[tuple[np.ndarray, np.ndarray]], ridge: float = 1e-3) -> None:
    """Least-squares re-fit of ``net.head`` (a 1x1 conv) on ``net.features`` of ``batches``.

    The head is linear in the features, so its best weights for a frozen body have a
    closed form.  For ``linres`` the features include the raw inputs, so the result is at
    least as good on these batches as the linear baseline.  BatchNorm runs in eval mode.
    """
    was_training = net.training
    net.eval()
    gram = None
    cross = None
    with torch.no_grad():
        for xb, yb in batches:
            f = net.features(torch.from_numpy(xb)).double()  # (B, F, L)
            f = torch.cat([f, torch.ones_like(f[:, :1])], dim=1)
            fm = f.permute(1, 0, 2).reshape(f.shape[1], -1)
            ym = torch.from_numpy(yb).double().permute(1, 0, 2).reshape(yb.shape[1], -1)
            g, c = fm @ fm.T, fm @ ym.T
            gram = g if gram is None else gram + g
            cross = c if cross is None else cross + c
    assert gram is not None and cross is not None
    n = gram.shape[0] - 1
    gram[range(n), range(n)] += ridge * gram.diagonal()[:n].mean()
    sol = torch.linalg.solve(gram, cross)  # (F + 1, C_out)
    with torch.no_grad():
        net.head.weight.copy_(sol[:-1].T[:, :, None].float())
        net.head.bias.copy_(sol[-1].float())
    net.train(was_training)


def _dedicated_batch(inputs16: np.ndarray, targets: np.ndarray, ii: list[int], oo: list[int]) -> tuple[np.ndarray, np.ndarray]:
    return inputs16[:, ii], targets[:, oo]


# ------------------------------------------------------------------- the loop
def _lr_at(step: int, total: int, base: float) -> float:
    warm = min(200, total // 10)
    if step < warm:
        return base * (step + 1) / warm
    progress = (step - warm) / max(1, total - warm)
    return 1e-2 * base + 0.5 * (base - 1e-2 * base) * (1 + math.cos(math.pi * progress))


def train_network(
    spec: ModelSpec,
    out: Path,
    *,
    resume: bool = False,
    seed: int = 0,
    sources: Sequence[str] | None = None,
    steps: int | None = None,
    data_root: Path | None = None,
    cache_dir: Path | None = None,
    checkpoint_dir: Path | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> tuple[nn.Module, dict[str, Any]]:
    """Train ``spec`` (kind ``anysubset`` or ``dedicated``); returns the module and training info.

    Parameters
    ----------
    out
        Folder where the base model of a dedicated spec is looked for first.
    resume
        Continue from ``checkpoint_dir/last.pt`` if it exists.
    steps
        Override of ``spec.steps``.
    cache_dir
        Where the synthetic pool is cached (default ``cache/``).
    checkpoint_dir
        Default ``runs/checkpoints/<id>``; the checkpoint is written every 250 steps, at the
        end, and when cancelled.
    progress, cancel
        Progress callback (per 50 steps) and :class:`CancelToken` (checked every step;
        a checkpoint is written before :class:`CancelledError` is raised).
    """
    skip = frozenset(spec.skip_augmentations)
    unknown = sorted(skip - set(AUGMENTATION_KEYS))
    if unknown:
        raise ValueError(f"augmentation(s) {', '.join(unknown)} unknown; valid: {', '.join(AUGMENTATION_KEYS)}")
    total = int(steps if steps is not None else spec.steps)
    records = load_training_records("train", sources, data_root)
    length = int(round(spec.crop_s * MODEL_FS)) // LENGTH_MULTIPLE * LENGTH_MULTIPLE
    records = [r for r in records if r.leads.shape[-1] >= length]
    weights = sampling_weights(records, spec.sampling)
    cache_dir = Path(cache_dir) if cache_dir else Path("cache")
    pool = synthetic_pool(2000, cache_dir) if spec.synthetic_fraction > 0 else None

    torch.manual_seed(seed)  # the initial weights are part of what --seed fixes
    fixed_mask = None
    ii: list[int] = []
    oo: list[int] = []
    if spec.kind == "anysubset":
        net = build_network(spec.architecture, in_channels=2 * _N_LEADS, out_channels=_N_LEADS, **spec.arch_params)
    elif spec.kind == "dedicated":
        if spec.base is None:
            raise ModelError(f"dedicated model {spec.id} names no base model")
        base = load_model(out / spec.base if (out / f"{spec.base}.json").exists() else spec.base)
        if not isinstance(base.module, LinearResidualUNet):
            raise ModelError(f"base model {spec.base} is not a linres network")
        net = dedicated_from_any_subset(base.module, spec.inputs)
        fixed_mask = np.array([n in spec.inputs for n in INDEPENDENT_LEADS], dtype=np.float32)
        ii = [INDEPENDENT_LEADS.index(n) for n in spec.inputs]
        oo = [k for k in range(_N_LEADS) if k not in ii]
    else:
        raise ModelError(f"spec {spec.id}: kind {spec.kind!r} is not trained by train_network")

    if spec.kind == "dedicated" and not resume:
        # Closed-form head for the fixed lead set first: the any-subset head shares one
        # linear path between all subsets, a dedicated one can use the optimal mixing.
        fit_rng = np.random.default_rng([seed, 10**6])
        fit_batches = []
        for _ in range(_HEAD_FIT_BATCHES):
            x16, y8, _m = make_batch(
                records, pool, fit_rng, batch_size=spec.batch_size, length=length,
                synthetic_fraction=spec.synthetic_fraction, fixed_mask=fixed_mask, record_weights=weights,
                skip_augmentations=skip, vcg_rotation_deg=spec.vcg_rotation_deg,
            )
            fit_batches.append(_dedicated_batch(x16, y8, ii, oo))
        refit_head(net, fit_batches)
        log.info("%s: head re-fitted by least squares on %d batches", spec.id, len(fit_batches))
    opt = torch.optim.AdamW(net.parameters(), lr=spec.lr, weight_decay=spec.weight_decay)
    ckpt_dir = Path(checkpoint_dir) if checkpoint_dir else Path("runs") / "checkpoints" / spec.id
    ckpt_dir.mkdir(parents=True, exist_ok=True)
    ckpt_path = ckpt_dir / "last.pt"
    step = 0
    if resume and ckpt_path.exists():
        state = torch.load(ckpt_path, weights_only=True, map_location="cpu")
        net.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        step = int(state["step"])
        log.info("resumed %s at step %d from %s", spec.id, step, ckpt_path)
    log.info(
        "training %s: %d steps, batch %d x %d samples, %d real records, synthetic fraction %.2f, %d parameters",
        spec.id, total, spec.batch_size, length, len(records), spec.synthetic_fraction,
        count_parameters(net, trainable_only=False),
    )
    net.train()
    t0 = time.time()
    first_step = step
    running = 0.0

    def save_checkpoint() -> None:
        with atomic_paths([ckpt_path]) as (tmp,):
            torch.save({"model": net.state_dict(), "optimizer": opt.state_dict(), "step": step}, tmp)

    while step < total:
        if cancel is not None and cancel.cancelled:
            save_checkpoint()
            cancel.raise_if_cancelled()
        rng = np.random.default_rng([seed, step])
        x16, y8, m = make_batch(
            records, pool, rng, batch_size=spec.batch_size, length=length,
            synthetic_fraction=spec.synthetic_fraction, fixed_mask=fixed_mask, record_weights=weights,
            skip_augmentations=skip, vcg_rotation_deg=spec.vcg_rotation_deg,
        )
        if spec.kind == "dedicated":
            xb, yb = _dedicated_batch(x16, y8, ii, oo)
            x_t, y_t = torch.from_numpy(xb), torch.from_numpy(yb)
            weight = torch.ones(y_t.shape[0], y_t.shape[1], 1)
        else:
            x_t, y_t = torch.from_numpy(x16), torch.from_numpy(y8)
            # Learn only what is synthesized: measured leads are never replaced.
            weight = torch.from_numpy(1.0 - m)[:, :, None]
        for group in opt.param_groups:
            group["lr"] = _lr_at(step, total, spec.lr)
        pred = net(x_t)
        loss = (((pred - y_t) ** 2) * weight).sum() / (weight.sum() * y_t.shape[-1])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        nn.utils.clip_grad_norm_(net.parameters(), 5.0)
        opt.step()
        loss_value = float(loss.detach())
        running = 0.98 * running + 0.02 * loss_value if step else loss_value
        step += 1
        if step % 50 == 0:
            rate = (step - first_step) / max(time.time() - t0, 1e-9)
            log.info("%s step %d/%d loss %.4f lr %.2e (%.2f steps/s)", spec.id, step, total, running, opt.param_groups[0]["lr"], rate)
        report(progress, step / total, f"step {step} of {total}, loss {running:.4f}")
        if step % _CHECKPOINT_EVERY == 0 or step == total:
            save_checkpoint()
    net.eval()
    info = {
        "steps": total,
        "batch_size": spec.batch_size,
        "crop_samples": length,
        "lr": spec.lr,
        "optimizer": "AdamW, cosine schedule with warm-up",
        "real_records": len(records),
        "sampling": spec.sampling,
        "synthetic_fraction": spec.synthetic_fraction,
        "augmentations": list(AUGMENTATIONS),
        "skipped_augmentations": sorted(skip),
        "vcg_rotation_deg": spec.vcg_rotation_deg,
        "final_train_loss": round(running, 5),
        "base_model": spec.base,
    }
    return net, info
