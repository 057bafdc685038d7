"""What each shipped model is: one :class:`ModelSpec` per model id."""

from __future__ import annotations

import dataclasses
from typing import Any

from ..errors import ModelError
from ..models.features import INDEPENDENT_LEADS

__all__ = ["ModelSpec", "MODEL_SPECS", "STANDARD_SETS", "get_spec", "set_slug"]

#: The reduced lead sets that get dedicated models (Gradowski & Buchner's sets).
STANDARD_SETS: tuple[tuple[str, ...], ...] = (
    ("I", "II", "V2", "V4"),
    ("I", "II", "V4"),
    ("I", "II", "V3"),
    ("I", "II"),
)


def set_slug(leads: tuple[str, ...] | list[str]) -> str:
    """``("I", "II", "V2", "V4")`` -> ``"i-ii-v2-v4"``."""
    return "-".join(n.lower() for n in leads)


@dataclasses.dataclass(frozen=True)
class ModelSpec:
    """How to build and train one model.

    ``kind`` is ``"linear"`` (least-squares fit), ``"anysubset"`` (trained from scratch on
    random lead subsets) or ``"dedicated"`` (initialised from ``base`` with the subset
    fixed, then fine-tuned).
    """

    id: str
    name: str
    kind: str
    architecture: str
    inputs: tuple[str, ...] = ()
    arch_params: dict[str, Any] = dataclasses.field(default_factory=dict)
    base: str | None = None
    steps: int = 0
    batch_size: int = 16
    crop_s: float = 8.192
    lr: float = 3e-4
    weight_decay: float = 2.5e-4
    synthetic_fraction: float = 0.0
    #: How real crops are drawn: ``"record"`` (every record equally likely, so the largest
    #: source dominates) or ``"source"`` (every source, i.e. hospital and device, equally
    #: likely, then a record within it).
    sampling: str = "record"
    #: Augmentations left out (``training.train.AUGMENTATION_KEYS``), for ablations.
    skip_augmentations: tuple[str, ...] = ()
    #: > 0: turn the heart vector of half the crops by up to this many degrees per axis
    #: (Dower transform; inputs and targets alike).  0 = off.
    vcg_rotation_deg: float = 0.0
    description: str = ""

    @property
    def outputs(self) -> tuple[str, ...]:
        if self.kind == "anysubset":
            return INDEPENDENT_LEADS
        return tuple(n for n in INDEPENDENT_LEADS if n not in self.inputs)


def _specs() -> dict[str, ModelSpec]:
    specs: dict[str, ModelSpec] = {}
    for leads in (*STANDARD_SETS, ("I",)):
        slug = set_slug(leads)
        specs[f"linear-{slug}"] = ModelSpec(
            id=f"linear-{slug}",
            name=f"Linear baseline {','.join(leads)}",
            kind="linear",
            architecture="linear",
            inputs=leads,
            description=(
                "Population linear regression (one 1x1 convolution, least squares on the training "
                "split): the floor every learned model must beat."
            ),
        )
    specs["anysubset"] = ModelSpec(
        id="anysubset",
        name="Any-subset linear+residual U-Net",
        kind="anysubset",
        architecture="linres",
        arch_params={"base_width": 8, "depth": 4},
        steps=6000,
        batch_size=16,
        synthetic_fraction=0.25,
        lr=1e-3,
        description=(
            "One network for any measured subset of I, II, V1..V6: 8 lead values (zero where not "
            "measured) + 8 mask channels in, the 8 independent leads out.  Linear path + U-Net "
            "residual; trained on random subsets (the four standard sets and {I} sampled often) of "
            "real training records plus deepfake-ecg synthetic ECGs, with device-like augmentation."
        ),
    )
    for leads in STANDARD_SETS:
        slug = set_slug(leads)
        specs[f"linres-{slug}"] = ModelSpec(
            id=f"linres-{slug}",
            name=f"Linear+residual U-Net {','.join(leads)}",
            kind="dedicated",
            architecture="linres",
            inputs=leads,
            arch_params={"base_width": 8, "depth": 4},
            base="anysubset",
            steps=1000,
            batch_size=16,
            synthetic_fraction=0.25,
            lr=3e-4,
            description=(
                f"Dedicated model for {','.join(leads)}: the any-subset network with the lead mask "
                "fixed (mask channels folded into the first convolution, unused inputs and outputs "
                "dropped), then fine-tuned on that lead set."
            ),
        )
    return specs


#: Model id -> spec, for every model ``python -m leadsynth_core.training`` can build.
MODEL_SPECS: dict[str, ModelSpec] = _specs()


def get_spec(model_id: str) -> ModelSpec:
    """The spec of ``model_id`` (ModelError listing the valid ids otherwise)."""
    try:
        return MODEL_SPECS[model_id]
    except KeyError:
        raise ModelError(f"unknown model id {model_id!r}; valid: {', '.join(MODEL_SPECS)}") from None
