"""Where the fine-tune can run, in words a user understands, and how long it will take.

Qt-free.  Devices come from :func:`leadsynth_core.runtime.select_device`, so the
wizard offers exactly what ``personalize`` will accept.
"""

from __future__ import annotations

import dataclasses
import logging

import torch

from leadsynth_core.errors import ModelError, PersonalizationError
from leadsynth_core.models import ModelCard, count_parameters, load_model
from leadsynth_core.models.features import MODEL_FS
from leadsynth_core.runtime import DEVICES, select_device

log = logging.getLogger(__name__)

# Rough costs measured on a laptop-class CPU thread (linear and U-Net models, head
# fine-tuning): per model-rate sample and epoch of the head, and per sample and
# parameter of the one frozen forward pass.
_HEAD_S_PER_SAMPLE_EPOCH = 6e-7
_FORWARD_S_PER_SAMPLE_PARAM = 2e-10
_OVERHEAD_S = 1.0
_PER_RECORDING_S = 0.15
# An accelerator runs the per-sample work about this much faster.
_ACCELERATOR_SPEEDUP = 10.0


@dataclasses.dataclass(frozen=True)
class DeviceChoice:
    """One entry of the device list: the value for ``personalize(device=...)`` and its text."""

    value: str
    text: str
    accelerator: bool


def _cuda_text() -> str:
    dev, text = select_device("cuda")
    props = torch.cuda.get_device_properties(dev)
    return f"{text}, {props.total_memory / 2**30:.0f} GiB"


def device_choices() -> list[DeviceChoice]:
    """Automatic first (naming what it picks), then every available device."""
    found: list[DeviceChoice] = []
    for name in DEVICES[1:]:
        try:
            _dev, text = select_device(name)
        except PersonalizationError:
            continue  # not available on this machine
        if name == "cuda":
            text = _cuda_text()
        found.append(DeviceChoice(name, text, name != "cpu"))
    _auto_dev, auto_text = select_device("auto")
    auto = next((c for c in found if c.value == _auto_dev.type), None)
    text = f"Automatic: {auto.text if auto else auto_text}"
    return [DeviceChoice("auto", text, bool(auto and auto.accelerator)), *found]


_PARAMETERS: dict[tuple[str, str], int] = {}


def _parameters(card: ModelCard) -> int:
    """Parameter count of a model, loaded once per model (the estimate follows every keystroke)."""
    key = (card.id, card.weights_sha256)
    if key not in _PARAMETERS:
        try:
            _PARAMETERS[key] = count_parameters(load_model(card).module)
        except ModelError as exc:
            log.warning("cannot size model %s for the time estimate: %s", card.id, exc)
            return 0  # the fine-tune itself will report the broken model
    return _PARAMETERS[key]


def estimate_seconds(
    card: ModelCard, signal_seconds: float, n_recordings: int, epochs: int, accelerator: bool
) -> float:
    """A rough wall time for ``personalize`` with head fine-tuning (the default)."""
    params = _parameters(card)
    samples = max(0.0, signal_seconds) * MODEL_FS
    per_sample = samples * (_HEAD_S_PER_SAMPLE_EPOCH * max(1, epochs) + _FORWARD_S_PER_SAMPLE_PARAM * params)
    if accelerator:
        per_sample /= _ACCELERATOR_SPEEDUP
    return _OVERHEAD_S + _PER_RECORDING_S * n_recordings + per_sample


def describe_seconds(seconds: float) -> str:
    if seconds < 10:
        return f"about {max(1, round(seconds))} s"
    if seconds < 120:
        return f"about {round(seconds / 5) * 5:.0f} s"
    return f"about {seconds / 60:.0f} min"
