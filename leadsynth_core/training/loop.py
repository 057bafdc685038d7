"""``leadsynth train``: train a dedicated or any-subset model on a shard folder.

One engine with the shipped models: the same networks (:func:`~leadsynth_core.models.networks.build_network`,
``linres`` by default), batches (:mod:`.batches`, built on ``train._augment``), learning-rate
schedule (``train._lr_at``: warm-up then cosine), loss (mean squared error on the normalised
synthesized leads), dedicated-from-any-subset conversion and closed-form head fit, model card
(:func:`.run.build_card`) and writer (:func:`~leadsynth_core.models.registry.save_model`).

Global batch and learning-rate rule: ``--batch`` is the *global* batch, whatever the number
of processes ``W``; it is computed as ``M`` micro-batches (``--micro-batches``, default ``W``),
each with its own BatchNorm statistics, process ``r`` taking micro-batches ``r, r+W, ...``.
The loss of a step is the mean of its micro-batch losses, so its gradient does not depend
on ``W``: ``--lr`` belongs to the global batch and is used as given (change ``--batch`` and
you should scale ``--lr`` with it yourself; nothing is rescaled behind your back).  Runs
with the same ``--batch``, ``--micro-batches`` and ``--seed`` compute the same steps on any
number of processes <= ``M``, up to floating-point summation order.

Only rank 0 writes (checkpoints, logs, the model); all ranks read the checkpoint on
``--resume``, which therefore works with any number of processes.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import logging
import math
import platform
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from ..errors import DatasetError, ModelError, TrainingError
from ..leads import parse_lead_list
from ..models.card import ModelCard
from ..models.features import INDEPENDENT_LEADS, MODEL_FS
from ..models.networks import LENGTH_MULTIPLE, LinearResidualUNet, LinresEnsemble, build_network
from ..models.registry import load_model, save_model
from ..paths import user_data_dir
from .batches import (
    EpochOrder,
    MicroBatchStream,
    iterate,
    micro_batch,
    rank_micro_batches,
    validation_batches,
)
from .checkpoint import load_checkpoint, save_checkpoint
from .console import ProgressBar
from .convert import dedicated_network
from .distributed import DistContext, all_reduce_mean, barrier, setup, teardown
from .member_loss import MemberStack, member_mse, uses_member_loss
from .runlog import RunLog
from .scoring import calibrate_batchnorm, card_metrics, crop_pcc, masked_mse
from .shards import ShardSet, open_shards
from .sources import parse_source_weights, source_sampler
from .specs import ModelSpec
from .train import _lr_at, refit_head

__all__ = ["TrainOptions", "train", "run_folder"]

log = logging.getLogger(__name__)

_N = len(INDEPENDENT_LEADS)
_HEAD_FIT_BATCHES = 8
_GRAD_CLIP = 5.0


@dataclasses.dataclass
class TrainOptions:
    """The options of ``leadsynth train`` (see ``leadsynth train --help``)."""

    data: Path
    out: Path
    inputs: tuple[str, ...] | None = None  # None: any-subset
    base: str | None = None
    steps: int | None = None
    epochs: float | None = None
    batch: int = 64
    lr: float | None = None
    weight_decay: float = 2.5e-4
    seed: int = 0
    device: str = "auto"
    micro_batches: int | None = None
    val_every: int = 200
    checkpoint_every: int = 100
    crop_s: float = 8.192
    resume: bool = False
    amp: str = "auto"
    augment: bool = True
    val_records: int = 512
    card_records: int = 100
    base_width: int = 8
    depth: int = 4
    keep: str = "best"
    name: str | None = None
    synthetic_fraction: float = 0.0
    synthetic_pool: int = 2000
    cache_dir: Path | None = None
    loader_workers: int | None = None  # None: 2 on a GPU, 0 (batches built in the training process) on CPUs
    source_weights: str | None = None  # "ptbxl=0.45,ludb=0.2,*=0.05" (sources.parse_source_weights)
    member_loss: bool = True  # a seed ensemble trains each member on its own output (member_loss.py)
    progress: bool = True


def run_folder(out: Path) -> Path:
    """``MODEL.run/``: checkpoints and logs of the run that writes ``MODEL``."""
    return out.with_name(out.name + ".run")


def train(opts: TrainOptions, command: str = "") -> ModelCard | None:
    """Train; rank 0 returns the card of the model written, the other ranks ``None``."""
    opts = dataclasses.replace(opts, out=Path(opts.out), data=Path(opts.data))
    _check_options(opts)
    data = open_shards(opts.data)  # every bad folder or option is reported before any process group forms
    try:
        trainer = _Trainer(opts, data, command)
        ctx = setup(opts.device)
        try:
            trainer.ctx = ctx
            card = trainer.run()
            # Every rank leaves together: the others wait while rank 0 writes the model, so no
            # process tears its gloo connections down while another still holds them (a rank
            # that finished first once died with SIGABRT, "terminate called without an active
            # exception", in the full test suite).
            barrier(ctx)
            return card
        finally:
            teardown(ctx)
    finally:
        data.close()


def _check_options(o: TrainOptions) -> None:
    for name in ("batch", "val_every", "checkpoint_every"):
        if getattr(o, name) < 1:
            raise TrainingError(f"--{name.replace('_', '-')} must be at least 1")
    if o.steps is not None and o.steps < 1:
        raise TrainingError("--steps must be at least 1")
    if o.amp not in ("auto", "on", "off") or o.keep not in ("best", "last"):
        raise TrainingError("--amp must be auto, on or off; --keep best or last")
    if not 0.0 <= o.synthetic_fraction < 1.0 or o.synthetic_pool < 1:
        raise TrainingError("--synthetic-fraction must be in [0, 1) and --synthetic-pool at least 1")
    if o.out.suffix in (".json", ".safetensors"):
        raise TrainingError(f"--out {o.out}: give the model's stem (MODEL writes MODEL.safetensors + MODEL.json)")


class _Trainer:
    ctx: DistContext

    def __init__(self, opts: TrainOptions, data: ShardSet, command: str) -> None:
        self.o, self.data, self.command = opts, data, command
        self._refit_head = False
        self._base_info: dict[str, Any] = {}
        self._base_description = ""
        self._pool: np.ndarray | None = None
        self.length = int(round(opts.crop_s * MODEL_FS)) // LENGTH_MULTIPLE * LENGTH_MULTIPLE
        if self.length < LENGTH_MULTIPLE:
            raise TrainingError(f"--crop-s {opts.crop_s} is shorter than {LENGTH_MULTIPLE / MODEL_FS:.3f} s")
        self.train_rows = [i for i in data.split("train") if data.rows[i].length >= self.length]
        if not self.train_rows:
            raise DatasetError(f"{data.folder}: no training record is at least --crop-s {opts.crop_s} s long")
        val = [i for i in data.split("validation") if data.rows[i].length >= self.length]
        if len(val) > opts.val_records:  # an even spread over the split, always the same
            val = [val[k] for k in np.linspace(0, len(val) - 1, opts.val_records).round().astype(int)]
        self.val_rows = val
        self.sampler = (source_sampler(data, self.train_rows, parse_source_weights(opts.source_weights))
                        if opts.source_weights else None)
        if opts.inputs is None:
            self.inputs: tuple[str, ...] = ()
            self.fixed_mask = None
        else:
            try:
                self.inputs = tuple(parse_lead_list(",".join(opts.inputs)))
            except ValueError as exc:
                raise TrainingError(f"--inputs: {exc}") from None
            bad = [n for n in self.inputs if n not in INDEPENDENT_LEADS]
            if bad or not self.inputs or len(self.inputs) == _N:
                raise TrainingError(
                    f"--inputs {','.join(self.inputs)}: give 1 to 7 of {', '.join(INDEPENDENT_LEADS)} "
                    "(III, aVR, aVL, aVF follow from I and II)"
                )
            self.fixed_mask = np.array([n in self.inputs for n in INDEPENDENT_LEADS], dtype=np.float32)
        self.ii = [INDEPENDENT_LEADS.index(n) for n in self.inputs]
        self.oo = [k for k in range(_N) if k not in self.ii] if self.inputs else list(range(_N))
        self.run_dir = run_folder(opts.out)
        self.last_path = self.run_dir / "last.pt"
        self.best_path = self.run_dir / "best.pt"

    # ------------------------------------------------------------------ setup
    def _config(self) -> dict[str, Any]:
        o = self.o
        steps = o.steps or int(math.ceil((o.epochs or 10.0) * len(self.train_rows) / o.batch))
        return {
            "kind": "dedicated" if self.inputs else "anysubset", "inputs": list(self.inputs), "base": o.base,
            "data_id": self.data.data_id, "steps": steps, "batch": o.batch, "seed": o.seed,
            "lr": o.lr if o.lr is not None else (3e-4 if o.base else 1e-3), "weight_decay": o.weight_decay,
            "crop_samples": self.length, "augment": o.augment, "base_width": o.base_width, "depth": o.depth,
            "synthetic_fraction": o.synthetic_fraction, "synthetic_pool": o.synthetic_pool,
            "source_weights": self.sampler.describe() if self.sampler else None, "member_loss": o.member_loss,
        }

    def _network(self, cfg: dict[str, Any]) -> tuple[nn.Module, str, dict[str, Any]]:
        torch.manual_seed(cfg["seed"])  # the initial weights are part of what --seed fixes
        n_in = len(self.inputs) if self.inputs else 2 * _N
        self._refit_head = bool(self.inputs)  # a dedicated head starts from the least-squares fit
        if not self.o.base:
            params = {"base_width": cfg["base_width"], "depth": cfg["depth"]}
            return build_network("linres", in_channels=n_in, out_channels=len(self.oo), **params), "linres", params
        base = load_model(self.o.base)
        # The card of a fine-tune names what it continued from (a chain of rounds stays readable).
        self._base_description = base.card.description.strip()
        self._base_info = {"base_weights_sha256": base.card.weights_sha256, "base_training": base.card.training}
        params = {k: v for k, v in base.card.arch_params.items() if k not in ("in_channels", "out_channels")}
        if base.card.any_subset and not self.inputs:
            return base.module, base.card.architecture, params
        if base.card.any_subset and isinstance(base.module, (LinearResidualUNet, LinresEnsemble)):
            return dedicated_network(base.module, self.inputs)
        if not base.card.any_subset and tuple(base.card.inputs) == self.inputs:
            self._refit_head = False  # already fitted for these inputs
            return base.module, base.card.architecture, params
        raise ModelError(
            f"--base {self.o.base}: a {'any-subset' if base.card.any_subset else ','.join(base.card.inputs)} "
            f"{base.card.architecture} model cannot start a {'any-subset' if not self.inputs else ','.join(self.inputs)} "
            "model (fine-tune an any-subset linres model, or a dedicated model of the same inputs)"
        )

    def _batch_args(self, micro: int, cfg: dict[str, Any]) -> dict[str, Any]:
        skip = frozenset() if cfg["augment"] else frozenset(("gain", "lowpass", "wander", "noise", "powerline"))
        return {"micro_batches": micro, "batch_size": cfg["batch"], "length": self.length, "seed": cfg["seed"],
                "fixed_mask": self.fixed_mask, "skip_augmentations": skip, "pool": self._pool,
                "synthetic_fraction": cfg.get("synthetic_fraction", 0.0), "sampler": self.sampler}

    def _synthetic_pool(self, cfg: dict[str, Any]) -> np.ndarray | None:
        """The deepfake-ecg pool (``pip install leadsynth[train]``), made by rank 0 and cached."""
        if not cfg.get("synthetic_fraction"):
            return None
        from .train import synthetic_pool

        cache = self.o.cache_dir or user_data_dir() / "cache"
        try:
            if self.ctx.is_main:
                pool = synthetic_pool(cfg["synthetic_pool"], cache)
            barrier(self.ctx)  # the others read rank 0's cached file
            if not self.ctx.is_main:
                pool = synthetic_pool(cfg["synthetic_pool"], cache)
        except ModuleNotFoundError as exc:
            raise TrainingError(f"--synthetic-fraction needs the deepfake-ecg package ({exc}); "
                                "install it with: pip install deepfake-ecg") from None
        if pool.shape[-1] < self.length:
            raise TrainingError(f"--crop-s {self.o.crop_s} is longer than the synthetic ECGs ({pool.shape[-1] / MODEL_FS:g} s)")
        return pool

    def _batch(self, step: int, index: int, micro: int, cfg: dict[str, Any], order: EpochOrder):
        x16, y8, m = micro_batch(self.data, order, step=step, index=index, **self._batch_args(micro, cfg))
        return self._tensors(x16, y8, m)

    def _tensors(self, x16: np.ndarray, y8: np.ndarray, m: np.ndarray):
        dev = self.ctx.device
        if self.inputs:
            x, y = x16[:, self.ii], y8[:, self.oo]
            w = torch.ones(y.shape[0], y.shape[1], 1)
        else:
            x, y = x16, y8
            w = torch.from_numpy(1.0 - m)[:, :, None]  # learn only what is synthesized
        return torch.from_numpy(np.ascontiguousarray(x)).to(dev), torch.from_numpy(np.ascontiguousarray(y)).to(dev), w.to(dev)

    # ------------------------------------------------------------------- run
    def run(self) -> ModelCard | None:
        ctx, o = self.ctx, self.o
        cfg = self._config()
        state = None
        if self.last_path.exists():
            if not o.resume:
                raise TrainingError(
                    f"{self.run_dir}: holds a checkpoint of an earlier run; add --resume to continue it, "
                    "or choose another --out"
                )
            state = load_checkpoint(self.last_path)
            saved = json.loads(state["config"])
            for key in ("kind", "inputs", "data_id", "batch", "seed", "crop_samples", "source_weights", "member_loss"):
                if saved.get(key, cfg[key] if key in ("source_weights", "member_loss") else None) != cfg[key]:
                    raise TrainingError(
                        f"{self.last_path}: checkpoint has {key}={saved.get(key)!r}, this run {cfg[key]!r}; "
                        "resume with the same data and options, or choose another --out"
                    )
            if o.steps is not None and o.steps != saved.get("steps"):
                log.warning("--steps %d ignored: the resumed run keeps its %s steps", o.steps, saved.get("steps"))
            cfg = saved  # steps, lr and the rest continue as they were
        elif o.resume:
            log.warning("%s: no checkpoint to resume from; starting at step 0", self.last_path)
        micro = int(o.micro_batches or (state["micro_batches"] if state else ctx.world))
        if micro < ctx.world:
            if o.micro_batches:
                raise TrainingError(f"--micro-batches {micro} is fewer than the {ctx.world} processes")
            log.warning("micro-batches %d -> %d for %d processes: BatchNorm statistics now span %d samples",
                        micro, ctx.world, ctx.world, cfg["batch"] // ctx.world)
            micro = ctx.world
        if cfg["batch"] % micro:
            raise TrainingError(f"--batch {cfg['batch']} is not a multiple of the {micro} micro-batches")
        total = int(cfg["steps"])
        order = EpochOrder(self.train_rows, cfg["seed"])
        self._pool = self._synthetic_pool(cfg)
        net, arch, arch_params = self._network(cfg)
        if self._refit_head and state is None:
            # The new network is still on the CPU here (moved to the device below) and the
            # head's closed-form fit is a CPU computation: so are its batches, on every
            # device, which also makes a GPU run start from the CPU run's weights.
            fits = [tuple(t.cpu() for t in self._batch(10**6 + k, 0, 1, cfg, order))
                    for k in range(_HEAD_FIT_BATCHES)]
            if not o.base:
                calibrate_batchnorm(net, [x for x, _y, _w in fits])
            refit_head(net, [(x.numpy(), y.numpy()) for x, y, _w in fits])
        net.to(ctx.device)
        opt = torch.optim.AdamW(net.parameters(), lr=cfg["lr"], weight_decay=cfg["weight_decay"])
        use_amp = ctx.device.type == "cuda" and o.amp != "off"
        if o.amp == "on" and ctx.device.type != "cuda":
            log.warning("--amp on: mixed precision is used on CUDA GPUs only; running in float32")
        amp_dtype = torch.bfloat16 if use_amp and torch.cuda.is_bf16_supported() else torch.float16
        scaler = torch.amp.GradScaler("cuda") if use_amp and amp_dtype == torch.float16 else None
        step, best = 0, math.inf
        best_step = None
        if state is not None:
            net.load_state_dict(state["model"])
            opt.load_state_dict(state["optimizer"])
            if scaler is not None and state.get("scaler"):
                scaler.load_state_dict(state["scaler"])
            step, best = int(state["step"]), float(state.get("best", math.inf))
            best_step = state.get("best_step")
            if ctx.is_main:
                log.info("resumed at step %d of %d from %s (%d processes)", step, total, self.last_path, ctx.world)
        # A seed ensemble trains each member on its own output; the forward returns them all.
        members = uses_member_loss(net, bool(cfg.get("member_loss", True)))
        cfg["loss"] = "mean of the members' masked MSE" if members else "masked MSE of the output"
        model: nn.Module = MemberStack(net) if members else net
        loss_fn = member_mse if members else masked_mse
        if ctx.world > 1:
            from torch.nn.parallel import DistributedDataParallel as DDP

            model = DDP(model, device_ids=[ctx.local_rank] if ctx.device.type == "cuda" else None)
        val_batches = validation_batches(self.data, self.val_rows, length=self.length, batch_size=32,
                                         fixed_mask=self.fixed_mask) if ctx.is_main and self.val_rows else []
        runlog = None
        bar = None
        if ctx.is_main:
            self.run_dir.mkdir(parents=True, exist_ok=True)
            for stale in self.run_dir.glob(".tmp-*"):  # a checkpoint write that a kill interrupted
                stale.unlink()
            runlog = RunLog(self.run_dir, step if state is not None else None)
            bar = ProgressBar(total, "train", "steps", start=step) if o.progress else None
            start = (
                f"training {cfg['kind']} on {self.data.folder}: {len(self.train_rows)} train / {len(self.val_rows)} "
                f"validation records, {total} steps of {cfg['batch']} samples ({micro} micro-batches, {ctx.world} "
                f"process(es), {ctx.device}" + (f", AMP {str(amp_dtype).split('.')[-1]}" if use_amp else "")
                + f"), lr {cfg['lr']:.2g}, loss: {cfg['loss']}"
                + ("; sources " + ", ".join(f"{k} {v['weight']:.3g} ({v['records']})" for k, v in
                                             cfg["source_weights"].items()) if cfg.get("source_weights") else "")
                + (f", from step {step}" if step else "")
                + ("" if runlog.tensorboard else "; TensorBoard not installed: log.csv only")
            )
            log.info("%s", start)
            if o.progress:
                print(start, file=sys.stderr, flush=True)
        mine = rank_micro_batches(micro, ctx.rank, ctx.world)

        def checkpoint(path: Path, extra: dict[str, Any] | None = None) -> None:
            save_checkpoint(path, {
                "model": net.state_dict(), "optimizer": opt.state_dict(),
                "scaler": scaler.state_dict() if scaler is not None else {}, "step": step, "best": best,
                "best_step": best_step, "config": json.dumps(cfg), "micro_batches": micro, **(extra or {}),
            })

        workers = o.loader_workers if o.loader_workers is not None else (2 if ctx.device.type == "cuda" else 0)
        stream = iterate(MicroBatchStream(self.data, order, first_step=step, total_steps=total, mine=mine,
                                          **self._batch_args(micro, cfg)), workers)
        t0 = time.time()
        t_last, s_last = t0, step
        model.train()
        try:
            while step < total:
                for group in opt.param_groups:
                    group["lr"] = _lr_at(step, total, cfg["lr"])
                opt.zero_grad(set_to_none=True)
                local = 0.0
                for j in range(len(mine)):
                    x, y, w = self._tensors(*next(stream))
                    sync = contextlib.nullcontext() if ctx.world == 1 or j == len(mine) - 1 else model.no_sync()
                    with sync:
                        with torch.autocast(device_type=ctx.device.type, dtype=amp_dtype, enabled=use_amp):
                            loss = loss_fn(model(x), y, w)
                        # DDP averages gradients over W processes: W/M per micro-batch makes
                        # the step's gradient that of the mean of all M micro-batch losses.
                        scaled = loss * (ctx.world / micro)
                        (scaler.scale(scaled) if scaler is not None else scaled).backward()
                    local += float(loss.detach())
                if scaler is not None:
                    scaler.unscale_(opt)
                nn.utils.clip_grad_norm_(net.parameters(), _GRAD_CLIP)
                if scaler is not None:
                    scaler.step(opt)
                    scaler.update()
                else:
                    opt.step()
                step_loss = all_reduce_mean(ctx, local * ctx.world / micro)
                step += 1
                val_loss = val_pcc = None
                if ctx.is_main and val_batches and (step % o.val_every == 0 or step == total):
                    val_loss, val_pcc = self._validate(net, val_batches, use_amp, amp_dtype)
                    if val_loss < best:
                        best, best_step = val_loss, step
                        checkpoint(self.best_path)
                if ctx.is_main:
                    now = time.time()
                    rate = (step - s_last) * cfg["batch"] / max(now - t_last, 1e-9)
                    t_last, s_last = now, step
                    runlog.write(step, {"epoch": step * cfg["batch"] / len(self.train_rows), "loss": step_loss,
                                        "lr": opt.param_groups[0]["lr"], "samples_per_s": rate, "val_loss": val_loss,
                                        "val_pcc": val_pcc, "time_s": now - t0})
                    if bar is not None:
                        bar.update(step, f"loss {step_loss:.4f}" + (f" val {val_loss:.4f}" if val_loss is not None else ""))
                    if step % o.checkpoint_every == 0 or step == total:
                        checkpoint(self.last_path)
        finally:
            if runlog is not None:
                runlog.close()
        barrier(ctx)
        if not ctx.is_main:
            return None
        return self._write_model(net, arch, arch_params, cfg, micro, best, best_step, time.time() - t0)

    def _validate(self, net: nn.Module, batches, use_amp: bool, amp_dtype: torch.dtype) -> tuple[float, float]:
        net.eval()
        total_loss, n, pccs = 0.0, 0, []
        with torch.no_grad():
            for x16, y8, m in batches:
                x, y, w = self._tensors(x16, y8, m)
                with torch.autocast(device_type=self.ctx.device.type, dtype=amp_dtype, enabled=use_amp):
                    pred = net(x)
                total_loss += float(masked_mse(pred, y, w)) * len(x)
                n += len(x)
                pccs += crop_pcc(pred, y, w)
        net.train()
        return total_loss / max(n, 1), float(np.nanmean(pccs)) if pccs else float("nan")

    def _write_model(self, net: nn.Module, arch: str, arch_params: dict[str, Any], cfg: dict[str, Any], micro: int,
                     best: float, best_step: int | None, seconds: float) -> ModelCard:
        from .run import build_card

        o = self.o
        used = "last"
        if o.keep == "best" and best_step is not None and self.best_path.exists():
            net.load_state_dict(load_checkpoint(self.best_path)["model"])
            used = f"best (step {best_step}, validation loss {best:.5f})"
        net = net.to("cpu").eval()
        kind = cfg["kind"]
        spec = ModelSpec(
            id=o.out.name, name=o.name or f"{'Any-subset' if kind == 'anysubset' else ','.join(self.inputs)} model "
            f"trained on {self.data.folder.name}", kind=kind, architecture=arch, inputs=self.inputs,
            arch_params=arch_params, base=o.base, steps=cfg["steps"], batch_size=cfg["batch"],
            crop_s=self.length / MODEL_FS, lr=cfg["lr"], weight_decay=cfg["weight_decay"],
            description=(self._base_description + "  Then continued" if self._base_description else "Trained")
            + f" by leadsynth train on {self.data.folder} ({self.data.manifest.get('n_records')} records).",
        )
        info = {
            "data": f"{self.data.folder} (data_id {self.data.data_id}); sources "
                    + ", ".join(f"{k} {v}" for k, v in self.data.manifest.get("sources", {}).items()),
            "train_records": len(self.train_rows), "train_records_sha256": hashlib.sha256(  # portable: ids, no paths
                "\n".join(sorted(self.data.rows[i].record_id for i in self.train_rows)).encode()).hexdigest(),
            "validation_records": len(self.val_rows),
            "steps": cfg["steps"], "batch_size": cfg["batch"], "micro_batches": micro,
            "processes": self.ctx.world, "device": str(self.ctx.device), "crop_samples": self.length,
            "lr": cfg["lr"], "optimizer": "AdamW, cosine schedule with warm-up; global batch fixed, lr not rescaled",
            "seed": cfg["seed"], "augmentations": "train._augment" if cfg["augment"] else "none",
            "synthetic_fraction": cfg.get("synthetic_fraction", 0.0), "loss": cfg["loss"],
            "source_weights": cfg.get("source_weights"),
            "weights": used, "base_model": o.base, **self._base_info, "time_s": round(seconds, 1), "command": self.command,
            "torch": torch.__version__, "host": platform.machine(),
        }
        card = build_card(spec, net, info, list(self.data.manifest.get("sources", {})))
        card.metrics = card_metrics(self.data, self.val_rows[: o.card_records], self.inputs, card, net)
        card = save_model(net, card, o.out)
        log.info("model written: %s (+ .safetensors)", card.path)
        return card
