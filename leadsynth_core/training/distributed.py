"""Data-parallel training with PyTorch's own engine (DistributedDataParallel).

``leadsynth train`` runs as one process, or as one of ``WORLD_SIZE`` processes started by
``torchrun`` (which sets ``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK``, ``MASTER_ADDR``/``PORT``).
``--nproc N`` on one machine starts ``python -m torch.distributed.run --standalone
--nproc-per-node N`` with the same arguments.  The process group uses NCCL on GPUs and gloo
on CPUs; each process drives the GPU of its ``LOCAL_RANK``.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import subprocess
import sys
from collections.abc import Sequence

import torch

from ..errors import TrainingError

__all__ = ["DistContext", "setup", "teardown", "launch", "all_reduce_mean", "barrier"]

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class DistContext:
    """Where this process stands: ``rank`` of ``world``, its device, its backend (or ``None``)."""

    rank: int
    world: int
    local_rank: int
    device: torch.device
    backend: str | None

    @property
    def is_main(self) -> bool:
        return self.rank == 0


def _env_int(name: str, default: int) -> int:
    try:
        return int(os.environ.get(name, default))
    except ValueError:
        raise TrainingError(f"environment variable {name}={os.environ.get(name)!r} is not an integer") from None


def setup(device: str = "auto") -> DistContext:
    """Resolve the device and, under torchrun, join the process group."""
    world = _env_int("WORLD_SIZE", 1)
    rank = _env_int("RANK", 0)
    local_rank = _env_int("LOCAL_RANK", 0)
    name = device.lower()
    if name not in ("auto", "cpu", "cuda"):
        raise TrainingError(f"--device {device!r}: valid devices are auto, cpu, cuda")
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    if name == "cuda":
        if not torch.cuda.is_available():
            raise TrainingError("--device cuda: no CUDA GPU is available; use --device cpu or auto")
        if local_rank >= torch.cuda.device_count():
            raise TrainingError(
                f"LOCAL_RANK {local_rank} but this machine has {torch.cuda.device_count()} GPU(s); "
                "start at most one process per GPU"
            )
        torch.cuda.set_device(local_rank)
        dev = torch.device("cuda", local_rank)
    else:
        dev = torch.device("cpu")
    backend = None
    if world > 1:
        import torch.distributed as dist

        backend = "nccl" if dev.type == "cuda" else "gloo"
        if not dist.is_initialized():
            dist.init_process_group(backend=backend)
    return DistContext(rank, world, local_rank, dev, backend)


def teardown(ctx: DistContext) -> None:
    if ctx.backend is not None:
        import torch.distributed as dist

        if dist.is_initialized():
            dist.destroy_process_group()


def barrier(ctx: DistContext) -> None:
    if ctx.backend is not None:
        import torch.distributed as dist

        dist.barrier()


def all_reduce_mean(ctx: DistContext, value: float) -> float:
    """The mean of ``value`` over all processes (``value`` itself for one process)."""
    if ctx.backend is None:
        return value
    import torch.distributed as dist

    t = torch.tensor([value], dtype=torch.float64, device=ctx.device if ctx.backend == "nccl" else "cpu")
    dist.all_reduce(t)
    return float(t.item()) / ctx.world


def launch(nproc: int, argv: Sequence[str]) -> int:
    """Run ``leadsynth train ARGV`` as ``nproc`` processes via ``torch.distributed.run``.

    Returns the launcher's exit code (0 when every process finished).
    """
    cmd = [
        sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc-per-node={nproc}",
        "-m", "leadsynth_core.cli", "train", *argv,
    ]
    log.info("launching %d processes: %s", nproc, " ".join(cmd))
    env = dict(os.environ)
    # torchrun would otherwise set OMP_NUM_THREADS=1 with a warning; the ranks set their
    # own thread count (--threads).
    env.setdefault("OMP_NUM_THREADS", "1")
    try:
        return subprocess.call(cmd, env=env)
    except KeyboardInterrupt:
        return 130
