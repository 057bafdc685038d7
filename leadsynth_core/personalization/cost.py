"""How long a fine-tune takes on each device, and so where ``device="auto"`` runs it.

One home for the time model that :func:`~leadsynth_core.personalization.personalize`
uses to resolve ``"auto"`` and the wizard uses for its estimate, so the two never disagree.

Why ``auto`` is not simply "the GPU if there is one": the default fine-tune (the head only,
five 10-s recordings, 60 epochs) is a few hundred tiny optimizer steps.  On a GPU each step
costs a kernel launch and a synchronization, and the first use of CUDA in a process loads
its libraries.  Measured (``benchmarks/results/gpu.md``, ``benchmarks/results/personalization.md``):
0.84 s warm and 6.41 s for the first call on an NVIDIA H200, against 0.23 s on one thread of
this project's 2-core CPU.  The GPU only pays for itself on long fine-tunes: the whole
network, or many minutes of signal.

The constants are seconds measured on one thread of an AMD EPYC core (the project's CI
machine, 2026-12-04, ``personalize`` on LUDB 161-165 tiled to 10-300 s each, 15-240 epochs,
the 512 k-parameter ``linres-i-ii-v2-v4`` and the 20-parameter ``linear-i-ii-v2-v4``, one and
five recordings; least squares over those runs, which ``benchmarks/device_choice.py``
measures again) and, for the accelerator, the H200 figures above.  How much faster a GPU does the arithmetic itself was not separable in those runs
(the default job is all overhead there); :data:`ACCELERATOR_SPEEDUP` is an assumption, and
it only decides jobs far longer than the default.
"""

from __future__ import annotations

import dataclasses
import math

from ..errors import PersonalizationError
from ..models.features import MODEL_FS
from ..options import DEVICES, TRAINABLE
from ..runtime import accelerator, accelerator_started, training_ready
from .fit import _WINDOW_BATCH

__all__ = ["ACCELERATOR_SPEEDUP", "DevicePlan", "choose_device", "estimate_seconds", "plan_device"]

# Every device: the call itself, and reading one recording's metadata and splitting it.
_OVERHEAD_S = 0.02
_PER_RECORDING_S = 0.025
# Once per process, on every device (it is Python work on the CPU): PyTorch's first optimizer
# imports its compiler stack (runtime.training_ready; 0.77 s measured, the first call of a
# fresh process 1.01 s against 0.20 s for the next ones).
_FIRST_FIT_S = 0.8
# Per model-rate sample, always on the CPU: resampling, filtering and normalising both parts.
_PREPARE_S_PER_SAMPLE = 3e-7
# Per sample and parameter: the frozen features (once) and the held-out scoring (base and
# personal model), both forward passes.
_FORWARD_S_PER_SAMPLE_PARAM = 4.85e-12
# Per sample and epoch for the head alone (a pointwise linear map over the frozen features),
# the shipped models' head (a model with fewer features trains its head faster: 2.75e-8 for
# the linear baselines).
_HEAD_S_PER_SAMPLE_EPOCH = 4.25e-8
# Per sample, epoch and parameter for the windowed fine-tunes (forward and backward passes).
_NETWORK_S_PER_SAMPLE_EPOCH_PARAM = {"last_blocks": 2.1e-12, "all": 7.8e-12}

# Accelerator: a fixed cost per optimizer step (launch and synchronisation; 0.84 s for the
# default job's 300 steps on the H200, less its CPU-side preparation), a one-off start-up per
# process (the CUDA context: 6.41 s for a fresh process's first fine-tune, less the warm 0.84 s
# and the first-optimizer cost above, which that first call paid too), and the arithmetic
# this many times faster than one CPU thread.
_ACCELERATOR_STEP_S = 0.0022
_ACCELERATOR_START_S = 6.41 - 0.84 - _FIRST_FIT_S
#: Assumed, not measured: how much faster an accelerator runs the fine-tune's arithmetic.
ACCELERATOR_SPEEDUP = 10.0


def _steps(trainable: str, samples: float, n_recordings: int, epochs: int, window: int,
           batch_samples: int | None) -> int:
    """Optimizer steps of the fine-tune (``fit._fit``'s minibatches)."""
    if trainable == "head":
        per_epoch = n_recordings if batch_samples is None else math.ceil(samples / max(1, batch_samples))
    else:
        per_epoch = math.ceil(samples / max(1, window) / _WINDOW_BATCH)
    return max(1, per_epoch) * max(1, epochs)


def estimate_seconds(
    params: int,
    signal_seconds: float,
    n_recordings: int,
    epochs: int,
    *,
    trainable: str = "head",
    device: str = "cpu",
    started: bool = True,
    warm: bool = True,
    window: int = 2560,
    batch_samples: int | None = None,
) -> float:
    """Rough wall time of :func:`personalize` (reading the files excluded).

    ``params``: the base model's parameter count; ``signal_seconds``: all the recordings
    together (training and held-out parts); ``device``: ``"cpu"`` or an accelerator
    (``"cuda"``, ``"mps"``); ``started``: whether this process has used the accelerator
    already (its start-up is paid once); ``warm``: whether this process has already paid
    PyTorch's first-optimizer cost (:func:`~leadsynth_core.runtime.training_ready`).
    """
    if trainable not in TRAINABLE:
        raise PersonalizationError(f"unknown trainable={trainable!r}; valid: {', '.join(TRAINABLE)}")
    samples = max(0.0, float(signal_seconds)) * MODEL_FS
    n = max(1, int(n_recordings))
    fixed = (0.0 if warm else _FIRST_FIT_S) + _OVERHEAD_S + _PER_RECORDING_S * n + samples * (_PREPARE_S_PER_SAMPLE + _FORWARD_S_PER_SAMPLE_PARAM * params)
    if trainable == "head":
        work = samples * _HEAD_S_PER_SAMPLE_EPOCH * max(1, epochs)
    else:
        work = samples * _NETWORK_S_PER_SAMPLE_EPOCH_PARAM[trainable] * params * max(1, epochs)
    if device == "cpu":
        return fixed + work
    steps = _steps(trainable, samples, n, epochs, window, batch_samples)
    start = 0.0 if started else _ACCELERATOR_START_S
    return fixed + start + steps * _ACCELERATOR_STEP_S + work / ACCELERATOR_SPEEDUP


def choose_device(
    accelerator: str | None,
    params: int,
    signal_seconds: float,
    n_recordings: int,
    epochs: int,
    *,
    trainable: str = "head",
    started: bool = True,
    window: int = 2560,
    batch_samples: int | None = None,
) -> str:
    """What ``device="auto"`` runs this fine-tune on: ``"cpu"`` or ``accelerator``, whichever is estimated faster.

    ``accelerator``: the one this machine has (``"cuda"``, ``"mps"``) or None.  A tie goes to
    the CPU, whose results do not depend on a driver.
    """
    if accelerator is None or accelerator == "cpu":
        return "cpu"
    kw = {"trainable": trainable, "window": window, "batch_samples": batch_samples}
    return _race(accelerator, started, (params, signal_seconds, n_recordings, epochs), kw).device


@dataclasses.dataclass(frozen=True)
class DevicePlan:
    """Where a fine-tune will run and about how long it takes there."""

    #: ``"cpu"``, ``"cuda"`` or ``"mps"``.
    device: str
    seconds: float
    #: For ``"auto"`` on a machine with an accelerator: the device passed over and its estimate.
    passed_over: tuple[str, float] | None = None


def _race(accelerator: str, started: bool, job: tuple[int, float, int, int], kw: dict) -> DevicePlan:
    """The CPU against ``accelerator`` on ``job``: the faster, the other with its estimate."""
    cpu_s = estimate_seconds(*job, device="cpu", **kw)
    acc_s = estimate_seconds(*job, device=accelerator, started=started, **kw)
    if acc_s < cpu_s:
        return DevicePlan(accelerator, acc_s, ("cpu", cpu_s))
    return DevicePlan("cpu", cpu_s, (accelerator, acc_s))


def plan_device(
    device: str,
    params: int,
    signal_seconds: float,
    n_recordings: int,
    epochs: int,
    *,
    trainable: str = "head",
    window: int = 2560,
    batch_samples: int | None = None,
) -> DevicePlan:
    """Resolve ``device`` (one of :data:`~leadsynth_core.options.DEVICES`) for this fine-tune on this machine.

    ``"auto"`` becomes the CPU or the machine's accelerator by :func:`choose_device`; a named
    device stays what it is (whether it is there is :func:`~leadsynth_core.runtime.select_device`'s
    concern).
    """
    name = str(device).lower()
    if name not in DEVICES:
        raise PersonalizationError(f"unknown device {device!r}; valid: {', '.join(DEVICES)}")
    kw = {"trainable": trainable, "window": window, "batch_samples": batch_samples, "warm": training_ready()}
    job = (params, signal_seconds, n_recordings, epochs)
    acc = accelerator() if name == "auto" else None
    if acc is None:
        name = "cpu" if name == "auto" else name
        started = name == "cpu" or accelerator_started(name)
        return DevicePlan(name, estimate_seconds(*job, device=name, started=started, **kw))
    return _race(acc, accelerator_started(acc), job, kw)
