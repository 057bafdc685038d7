"""``leadsynth train --data SHARDS --inputs I,II,V4 | --any-subset --out MODEL``: train a model.

Also under ``torchrun --nnodes M --nproc-per-node N -m leadsynth_core.cli train ...`` for
many GPUs or machines, or ``--nproc N`` on one machine (launches through
``torch.distributed.run``).  See ``docs/training.md``.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from pathlib import Path

__all__ = ["register"]

# Options passed on unchanged to the processes that --nproc starts.
_FORWARDED = ("data", "out", "base", "steps", "epochs", "batch", "lr", "weight_decay", "seed", "device",
              "micro_batches", "val_every", "checkpoint_every", "crop_s", "amp", "val_records", "card_records",
              "base_width", "depth", "keep", "name", "threads", "loader_workers", "synthetic_fraction",
              "synthetic_pool", "cache_dir", "source_weights")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "train",
        help="train a dedicated or any-subset model on shards from leadsynth prepare (one or many processes)",
        description=(
            "Train a synthesis model on a shard folder (leadsynth prepare): dedicated to --inputs, or --any-subset; "
            "from scratch or fine-tuned from --base. Validates on the validation split, logs MODEL.run/log.csv "
            "(and TensorBoard events if tensorboard is installed), keeps MODEL.run/last.pt and best.pt, and writes "
            "MODEL.safetensors + MODEL.json for 'leadsynth synthesize --model MODEL'. --batch is the global batch "
            "whatever the number of processes; --lr is used as given for it."
        ),
    )
    p.add_argument("--data", required=True, type=Path, metavar="SHARDS", help="shard folder from leadsynth prepare")
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--inputs", metavar="LEADS", help="measured leads of a dedicated model, e.g. I,II,V4")
    what.add_argument("--any-subset", action="store_true", help="one model for any subset of I, II, V1-V6")
    p.add_argument("--out", required=True, type=Path, metavar="MODEL", help="model stem: writes MODEL.safetensors, "
                   "MODEL.json and the run folder MODEL.run/")
    p.add_argument("--base", metavar="ID|PATH", help="fine-tune from this model (e.g. anysubset)")
    p.add_argument("--steps", type=int, help="optimizer steps (default: --epochs 10)")
    p.add_argument("--epochs", type=float, help="passes over the training records (sets --steps)")
    p.add_argument("--batch", type=int, default=64, help="GLOBAL batch (samples per step over all processes; default 64)")
    p.add_argument("--lr", type=float, help="peak learning rate for the global batch (default 1e-3, 3e-4 with --base)")
    p.add_argument("--weight-decay", type=float, default=2.5e-4)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--resume", action="store_true", help="continue from MODEL.run/last.pt (any number of processes)")
    p.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    p.add_argument("--nproc", type=int, default=1, help="processes on this machine (launches torch.distributed.run)")
    p.add_argument("--micro-batches", type=int, help="split the global batch into this many BatchNorm groups "
                   "(default: the number of processes); equal values give equal training on any process count")
    p.add_argument("--amp", choices=("auto", "on", "off"), default="auto", help="mixed precision on GPUs (auto: on)")
    p.add_argument("--val-every", type=int, default=200, help="validate every N steps (and at the end)")
    p.add_argument("--checkpoint-every", type=int, default=100, help="write MODEL.run/last.pt every N steps")
    p.add_argument("--crop-s", type=float, default=8.192, help="training crop length in seconds (default 8.192)")
    p.add_argument("--val-records", type=int, default=512, help="validation records used during training (at most)")
    p.add_argument("--card-records", type=int, default=100, help="validation records scored for the model card")
    p.add_argument("--base-width", type=int, default=8, help="network width (new models)")
    p.add_argument("--depth", type=int, default=4, help="U-Net depth (new models)")
    p.add_argument("--keep", choices=("best", "last"), default="best", help="write the best-validated or last weights")
    p.add_argument("--name", help="model name for its card")
    p.add_argument("--threads", type=int, default=None, help="CPU threads per process (default: CPUs / processes)")
    p.add_argument("--loader-workers", type=int, default=None,
                   help="processes per rank that build batches ahead (default: 2 on a GPU, 0 on CPUs)")
    p.add_argument("--synthetic-fraction", type=float, default=0.0,
                   help="share of each batch drawn from deepfake-ecg synthetic ECGs (as the shipped models: 0.25; "
                        "needs the deepfake-ecg package)")
    p.add_argument("--synthetic-pool", type=int, default=2000, help="synthetic ECGs generated once and cached")
    p.add_argument("--cache-dir", type=Path, default=None, help="where the synthetic pool is cached "
                   "(default: the user data folder)")
    p.add_argument("--source-weights", metavar="SRC=W,...", default=None,
                   help="draw each real crop's source by these weights, then a record of it (e.g. "
                        "ptbxl=0.45,cinc2011=0.15,ludb=0.2; '*=W' for every source not named; 0 leaves a source out; "
                        "sources are index.csv's 'source' column). Default: every training record once per epoch")
    p.add_argument("--no-member-loss", action="store_true",
                   help="train a seed ensemble (linres_ensemble base) on the error of its mean output only; by "
                        "default each member is trained on its own output, which keeps the uncertainty band meaningful")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def _child_argv(args: argparse.Namespace) -> list[str]:
    argv = ["--inputs", args.inputs] if args.inputs else ["--any-subset"]
    for key in _FORWARDED:
        value = getattr(args, key)
        if value is not None:
            argv += [f"--{key.replace('_', '-')}", str(value)]
    if args.resume:
        argv.append("--resume")
    if args.no_progress:
        argv.append("--no-progress")
    if args.no_member_loss:
        argv.append("--no-member-loss")
    return argv


def run(args: argparse.Namespace) -> int:
    from ..errors import TrainingError

    if args.nproc < 1:
        raise TrainingError("--nproc must be at least 1")
    if args.nproc > 1:
        if getattr(sys, "frozen", False):
            # torch.distributed.run is started as "python -m ...": a bundled program has no python.
            raise TrainingError("--nproc needs LeadSynth installed with pip (the bundled program trains in one "
                                "process); see docs/training.md")
        if "WORLD_SIZE" in os.environ:
            raise TrainingError("--nproc is for one machine; under torchrun leave it out (torchrun starts the processes)")
        from ..training.distributed import launch
        from ..training.loop import run_folder
        from ..training.shards import open_shards

        open_shards(args.data).close()  # a bad folder is reported once, before any process starts
        if args.threads is None:
            args.threads = max(1, (os.cpu_count() or 1) // args.nproc)
        code = launch(args.nproc, _child_argv(args))
        if code != 0:
            last = run_folder(args.out) / "last.pt"
            where = f"the last checkpoint is {last}" if last.exists() else "no checkpoint was written"
            raise TrainingError(
                f"a training process failed (launcher exit code {code}); {where}; fix the cause and run the same "
                "command with --resume (any --nproc)"
            )
        return 0
    import torch

    from ..training.loop import TrainOptions, train

    world = int(os.environ.get("WORLD_SIZE", "1"))
    threads = args.threads or max(1, (os.cpu_count() or 1) // max(int(os.environ.get("LOCAL_WORLD_SIZE", world)), 1))
    torch.set_num_threads(threads)
    opts = TrainOptions(
        data=args.data, out=args.out, inputs=tuple(args.inputs.split(",")) if args.inputs else None, base=args.base,
        steps=args.steps, epochs=args.epochs, batch=args.batch, lr=args.lr, weight_decay=args.weight_decay,
        seed=args.seed, device=args.device, micro_batches=args.micro_batches, val_every=args.val_every,
        checkpoint_every=args.checkpoint_every, crop_s=args.crop_s, resume=args.resume, amp=args.amp,
        val_records=args.val_records, card_records=args.card_records, base_width=args.base_width, depth=args.depth,
        keep=args.keep, name=args.name, progress=not args.no_progress,
        loader_workers=args.loader_workers, synthetic_fraction=args.synthetic_fraction,
        synthetic_pool=args.synthetic_pool, cache_dir=args.cache_dir, source_weights=args.source_weights,
        member_loss=not args.no_member_loss,
    )
    command = "leadsynth train " + " ".join(shlex.quote(a) for a in sys.argv[2:])
    card = train(opts, command=command)
    if card is not None:
        print(card.summary())
        print(f"written: {card.path.with_suffix('.safetensors')} + {card.path}; logs and checkpoints in "
              f"{args.out.with_name(args.out.name + '.run')}")
    return 0
