"""Where model work runs: the device (CPU, CUDA, Apple MPS) and PyTorch's thread count.

One home for the two decisions every caller of PyTorch makes: personalization (training),
the viewer's synthesis (inference) and the wizard's device list.  PyTorch is imported
inside the functions, so importing this module stays cheap (the viewer's controllers import
it before torch is needed).
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING

from .errors import PersonalizationError
from .options import DEVICES

if TYPE_CHECKING:
    import torch

__all__ = [
    "DEVICES",
    "accelerator",
    "accelerator_started",
    "cpu_cores",
    "describe_cpu",
    "inference_threads",
    "prepare_training",
    "select_device",
    "torch_threads",
    "training_ready",
    "training_threads",
    "use_inference_threads",
]

log = logging.getLogger(__name__)


def select_device(device: str = "auto") -> tuple[torch.device, str]:
    """Resolve ``device`` (one of :data:`~leadsynth_core.options.DEVICES`) to a torch device and a description.

    ``auto`` picks CUDA, else Apple MPS, else the CPU (described with the threads
    :func:`training_threads` would use).  ``personalize`` then decides per fine-tune whether
    that accelerator is worth its overhead (:func:`leadsynth_core.personalization.cost.choose_device`).

    Raises
    ------
    PersonalizationError
        On an unknown name (listing the valid ones) or a device that is not available.
    """
    import torch

    name = str(device).lower()
    if name not in DEVICES:
        raise PersonalizationError(f"unknown device {device!r}; valid: {', '.join(DEVICES)}")
    mps_ok = _mps_available()
    if name == "auto":
        name = accelerator() or "cpu"
    if name == "cuda":
        if not torch.cuda.is_available():
            raise PersonalizationError("device 'cuda' requested but no CUDA GPU is available; use --device cpu or auto")
        dev = torch.device("cuda", torch.cuda.current_device())
        return dev, f"{dev} ({torch.cuda.get_device_name(dev)})"
    if name == "mps":
        if not mps_ok:
            raise PersonalizationError("device 'mps' requested but Apple MPS is not available; use cpu or auto")
        return torch.device("mps"), "mps (Apple GPU)"
    return torch.device("cpu"), describe_cpu(training_threads())


def _mps_available() -> bool:
    import torch

    return bool(getattr(torch.backends, "mps", None) and torch.backends.mps.is_available())


def accelerator() -> str | None:
    """The accelerator this machine has, ``"cuda"`` before ``"mps"``, or None."""
    import torch

    if torch.cuda.is_available():
        return "cuda"
    return "mps" if _mps_available() else None


def accelerator_started(name: str) -> bool:
    """Whether this process has already paid ``name``'s one-off start-up (CUDA: its context).

    Apple MPS has no measured start-up here, so it counts as started.
    """
    import torch

    return bool(torch.cuda.is_initialized()) if name == "cuda" else True


def training_ready() -> bool:
    """Whether this process has paid PyTorch's one-off cost of its first optimizer.

    Creating the first ``torch.optim`` optimizer of a process imports ``torch._dynamo`` (its
    constructor is wrapped to keep the compiler out), which took 0.77 s on this project's
    2-core CPU with torch 2.13: four times the whole default fine-tune once warm (0.2 s).
    Should a later torch stop importing it, this stays False and the time model merely
    over-estimates a warm fine-tune by that one-off cost.
    """
    return "torch._dynamo" in sys.modules


def prepare_training() -> None:
    """Pay that one-off cost now, so that the next fine-tune starts at once.

    The personalization wizard calls it in a worker when it opens, while the user is still
    choosing the recordings.
    """
    import torch

    torch.optim.Adam([torch.zeros(1, requires_grad=True)])


def cpu_cores() -> int:
    """The cores this process may use, not the machine's: containers and CI pin fewer."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


def training_threads() -> int:
    """Threads for training on the CPU: the cores that are free now, at most 8.

    OpenMP threads that wait for a descheduled sibling at every barrier make small
    convolutions many times slower on a busy machine (measured here: 0.45 s with one
    thread, 4.8 s with two, on two cores shared with a training job), so cores busy with
    other work (the 1-minute load average) are not counted.  Past ~8 threads these small
    networks get no faster.
    """
    cores = cpu_cores()
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):  # Windows has no load average
        load = 0.0
    free = int(cores - load + 0.5)
    return max(1, min(cores, free, 8))


def describe_cpu(threads: int) -> str:
    """``"cpu (N threads of M cores)"``: what a user is told the work runs on."""
    return f"cpu ({threads} thread{'s' if threads > 1 else ''} of {cpu_cores()} cores)"


@contextlib.contextmanager
def torch_threads(device: torch.device, threads: int) -> Iterator[None]:
    """Run the block with ``threads`` PyTorch CPU threads (restored after); no-op off the CPU."""
    import torch

    if device.type != "cpu":
        yield
        return
    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def inference_threads(cpus: int | None = None) -> int:
    """Threads PyTorch may use for synthesis in the viewer: half the logical CPUs, 1 to 4.

    The models are small; more threads buy little, and on a desktop that is busy with
    other programs OpenMP threads that wait for each other make synthesis many times
    slower (measured on 2 cores with one other busy process: 0.17 s with 1 thread,
    0.3-0.6 s with 2; with two, up to tens of seconds).
    """
    n = cpus if cpus is not None else (os.cpu_count() or 1)
    return max(1, min(4, n // 2))


@functools.cache
def use_inference_threads() -> None:
    """Set PyTorch's thread count for synthesis once per process (it is process-wide)."""
    import torch

    torch.set_num_threads(inference_threads())
    log.info("synthesis uses %d PyTorch thread(s)", torch.get_num_threads())
