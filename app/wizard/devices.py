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
from leadsynth_core.personalization.cost import DevicePlan, plan_device
from leadsynth_core.runtime import DEVICES, accelerator, select_device

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class DeviceChoice:
    """One entry of the device list: the value for ``personalize(device=...)`` and its text."""

    value: str
    text: str


def _cuda_text() -> str:
    dev, text = select_device("cuda")
    props = torch.cuda.get_device_properties(dev)
    return f"{text}, {props.total_memory / 2**30:.0f} GiB"


def device_choices() -> list[DeviceChoice]:
    """Automatic first (naming what it chooses between), then every available device."""
    found: list[DeviceChoice] = []
    for name in DEVICES[1:]:
        try:
            _dev, text = select_device(name)
        except PersonalizationError:
            continue  # not available on this machine
        if name == "cuda":
            text = _cuda_text()
        found.append(DeviceChoice(name, text))
    cpu = next(c for c in found if c.value == "cpu")
    acc = next((c for c in found if c.value == accelerator()), None)
    # personalize() decides "auto" per fine-tune (personalization.cost): a short head-only
    # fine-tune is faster on the CPU than on a GPU, whose start-up alone takes seconds.
    text = (f"Automatic: the faster for this fine-tune, {cpu.text} or {acc.text}" if acc
            else f"Automatic: {cpu.text}")
    return [DeviceChoice("auto", text), *found]


_PARAMETERS: dict[tuple[str, str], int] = {}


def _parameters(card: ModelCard) -> int:
    """Parameter count of a model, loaded once per model (the estimate follows every keystroke)."""
    key = (card.id, card.weights_sha256)
    if key not in _PARAMETERS:
        try:
            _PARAMETERS[key] = count_parameters(load_model(card).module, trainable_only=False)
        except ModelError as exc:
            log.warning("cannot size model %s for the time estimate: %s", card.id, exc)
            return 0  # the fine-tune itself will report the broken model
    return _PARAMETERS[key]


def estimate(card: ModelCard, signal_seconds: float, n_recordings: int, epochs: int, device: str) -> DevicePlan:
    """Where ``personalize`` with head fine-tuning (the wizard's) will run on ``device`` and about how long it takes."""
    return plan_device(device, _parameters(card), signal_seconds, n_recordings, epochs, window=card.window)


def describe_seconds(seconds: float) -> str:
    if seconds < 1:
        return "less than 1 s"
    if seconds < 10:
        return f"about {round(seconds)} s"
    if seconds < 120:
        return f"about {round(seconds / 5) * 5:.0f} s"
    return f"about {seconds / 60:.0f} min"
