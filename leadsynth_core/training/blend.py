"""Blend a dedicated learned model with its linear baseline: steadier on other hospitals.

    python -m leadsynth_core.training.blend MODEL_ID --model-dir DIR --linear-dir DIR --alpha A --out DIR

The result is ``(1 - alpha) * learned + alpha * linear``, folded exactly into the learned
network's pointwise head (:func:`~leadsynth_core.models.networks.blend_with_linear`), so it
keeps the learned model's architecture, speed and personalization head.  Why: on whole
sources never trained on (CPSC and SPH held out, models trained on LUDB + PTB-XL only), a
quarter of the linear baseline was the best of the weights 0, 0.25, 0.5, 0.75, 1 for all
four dedicated lead sets (``scripts/experiments/eval_blend.py``, ``docs/models.md``): the
network's residual partly fits the training devices, and the linear path pulls it back.
Models trained with the correlation term in the loss (``docs/models.md``) want less of it:
a tenth was better than a quarter and than none on the whole-source hold-out of that recipe,
so their cards name their own ``alpha`` and why (``--chosen-by``).

``alpha`` 0 is "no blend": the learned model is written to ``out`` unchanged (same weights,
same card, no "0 % linear baseline" in its name), so that a recipe can pass its lead set's
share, 0 for lead I, without a branch of its own.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import shlex
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

from ..errors import LeadSynthError, ModelError
from ..models.card import ModelCard
from ..models.networks import LinearNet, LinearResidualUNet, LinresEnsemble, blend_with_linear
from ..models.registry import load_model, save_model
from .run import validate

__all__ = ["DEFAULT_ALPHA", "DEFAULT_CHOSEN_BY", "blend_description", "blend_name", "build_blend", "main"]

log = logging.getLogger(__name__)

#: Linear share chosen on the whole-source hold-out (see the module docstring).
DEFAULT_ALPHA = 0.25
#: How :data:`DEFAULT_ALPHA` was chosen, as the card records it.
DEFAULT_CHOSEN_BY = ("whole-source hold-out (trained on LUDB + PTB-XL, scored on CPSC + SPH): "
                     "best of alpha 0, 0.25, 0.5, 0.75, 1 on all four dedicated lead sets")


def blend_name(name: str, alpha: float) -> str:
    """The learned model's name with its linear share, e.g. "... (mean of 3 seeds, 10 % linear baseline)"."""
    share = f"{round(100 * alpha)} % linear baseline"
    return f"{name[:-1]}, {share})" if name.endswith(")") else f"{name} ({share})"


def blend_description(linear_id: str, alpha: float) -> str:
    """The sentence a blended card's description ends with (leading two spaces included)."""
    return (f"  Blended with the linear baseline {linear_id}: output = {1 - alpha:g} x network + {alpha:g} x linear, "
            "folded into the pointwise head.")


def build_blend(model_id: str, model_dir: Path, linear_dir: Path, out: Path, alpha: float = DEFAULT_ALPHA, *,
                data_root: Path | None = None, command: str = "", chosen_by: str = DEFAULT_CHOSEN_BY) -> ModelCard:
    """Blend ``model_dir/<model_id>`` with the linear baseline of its lead set into ``out/<model_id>``.

    ``alpha`` 0 copies the learned model unchanged (no linear baseline is read).  ``chosen_by``
    says in the card how ``alpha`` was chosen."""
    learned = load_model(Path(model_dir) / f"{model_id}.json")
    if "blend_with_linear" in (learned.card.training or {}):
        raise ModelError(f"{learned.card.path}: already blended with a linear baseline; blend the unblended model")
    if not isinstance(learned.module, (LinearResidualUNet, LinresEnsemble)) or not learned.card.inputs:
        raise ModelError(f"{model_id}: only dedicated linear-plus-residual models can be blended")
    if alpha == 0:
        # The files themselves: re-saving would re-encode the weights and change their hash.
        Path(out).mkdir(parents=True, exist_ok=True)
        src = Path(learned.card.path)
        for suffix in (".json", ".safetensors"):
            shutil.copyfile(src.with_suffix(suffix), Path(out) / f"{model_id}{suffix}")
        log.info("blend %s: alpha 0, copied unchanged to %s", model_id, out)
        return load_model(Path(out) / f"{model_id}.json").card
    linear_id = "linear-" + "-".join(lead.lower() for lead in learned.card.inputs)
    linear = load_model(Path(linear_dir) / f"{linear_id}.json")
    if not isinstance(linear.module, LinearNet):
        raise ModelError(f"{linear.card.path}: not a linear baseline")
    if (linear.card.inputs, linear.card.outputs) != (learned.card.inputs, learned.card.outputs):
        raise ModelError(f"{linear.card.path}: takes {linear.card.inputs} -> {linear.card.outputs}, "
                         f"but {model_id} takes {learned.card.inputs} -> {learned.card.outputs}")
    module = blend_with_linear(learned.module, linear.module, alpha)
    training = {
        **learned.card.training,
        "blend_with_linear": {
            "alpha": alpha,
            "linear_model": linear.card.id,
            "linear_weights_sha256": linear.card.weights_sha256,
            "learned_weights_sha256": learned.card.weights_sha256,
            "chosen_by": chosen_by,
            "command": command,
        },
    }
    card = dataclasses.replace(
        learned.card,
        name=blend_name(str(learned.card.name or model_id), alpha),
        training=training,
        description=learned.card.description + blend_description(linear.card.id, alpha),
        path=None,
        weights_sha256="",
    )
    card.metrics = validate(card, module, [list(card.inputs)], data_root)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    card = save_model(module, card, out / model_id)
    log.info("blend %s (alpha %g with %s) written to %s (validation mean PCC %.4f)",
             model_id, alpha, linear.card.id, card.path, card.metrics["mean_pcc"])
    return card


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m leadsynth_core.training.blend",
                                     description="Blend a dedicated model with its linear baseline.")
    parser.add_argument("model_id")
    parser.add_argument("--model-dir", required=True, type=Path, help="folder holding MODEL_ID.json (unblended)")
    parser.add_argument("--linear-dir", required=True, type=Path, help="folder holding the linear baselines")
    parser.add_argument("--alpha", type=float, default=DEFAULT_ALPHA, help="linear share (default %(default)s)")
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--data-root", type=Path, default=None)
    parser.add_argument("--chosen-by", default=DEFAULT_CHOSEN_BY,
                        help="how alpha was chosen, recorded in the card (default: the shipped quarter's reason)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    command = "python -m leadsynth_core.training.blend " + " ".join(shlex.quote(a) for a in (argv or sys.argv[1:]))
    try:
        build_blend(args.model_id, args.model_dir, args.linear_dir, args.out, args.alpha,
                    data_root=args.data_root, command=command, chosen_by=args.chosen_by)
    except LeadSynthError as exc:
        log.error("blend %s failed: %s", args.model_id, exc)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
