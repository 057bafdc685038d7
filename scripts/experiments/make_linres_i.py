"""The start of the dedicated lead-I model: the shipped any-subset ensemble with its mask fixed to I.

    PYTHONPATH=. .venv/bin/python scripts/experiments/make_linres_i.py runs/big/i0

Until 2026-11-30 lead I alone was synthesized by the any-subset model.  Fixing its mask to
``I`` (``training.convert.dedicated_network``: mask channels folded into the first
convolution, unused inputs and outputs dropped) gives a ``linres_ensemble`` whose output
equals the any-subset model's for lead I; ``finetune_big.py`` then trains it on lead I alone
(``scripts/experiments/train_linres_i.sh`` runs the whole recipe).  The card keeps the
any-subset model's training record and names what it was derived from.
"""

from __future__ import annotations

import copy
import sys
from pathlib import Path

from leadsynth_core.models.features import INDEPENDENT_LEADS
from leadsynth_core.models.registry import load_model, save_model, shipped_models_dir
from leadsynth_core.training.convert import dedicated_network


def main() -> int:
    out = Path(sys.argv[1])
    any_m = load_model(shipped_models_dir() / "anysubset.json")
    net, arch, params = dedicated_network(any_m.module, ["I"])
    card = copy.deepcopy(any_m.card)
    card.id = "linres-i"
    card.name = "Linear+residual U-Net I (mean of 3 seeds)"
    card.architecture = arch
    card.arch_params = {**params, "in_channels": 1, "out_channels": len(INDEPENDENT_LEADS) - 1}
    card.inputs = ["I"]
    card.outputs = [n for n in INDEPENDENT_LEADS if n != "I"]
    card.any_subset = False
    card.training = {**card.training, "derived_from": {
        "model": "anysubset", "weights_sha256": any_m.card.weights_sha256,
        "how": "the any-subset ensemble with its mask fixed to I (training.convert.dedicated_network)"}}
    card.metrics = {}
    card.description = (
        "Dedicated model for I (a watch or a one-lead patch): the any-subset network with the lead mask "
        "fixed to I (mask channels folded into the first convolution, unused inputs and outputs dropped), "
        "then trained on lead I alone.  Shipped as the mean of 3 such networks (the any-subset model's "
        "three seeds; one network, one pointwise head over all members' features).")
    save_model(net, card, out / "linres-i")
    print("wrote", out / "linres-i")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
