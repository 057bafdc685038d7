"""Whole-source hold-out from scratch: the starting networks and the linear baselines.

    PYTHONPATH=. .venv/bin/python scripts/experiments/holdout_scratch_init.py CACHE OUT [--holdout cinc2011,cpsc,sph]

For each dedicated lead set: the linear baseline least-squares fitted on the training sources
without the held-out ones (``OUT/linear-<set>``), and a fresh seed ensemble (three linres
networks, seeds 0-2, of ``--width``/``--depth``, the product's 8/4 by default) whose linear
path starts at that fit and whose residual starts at zero (``OUT/init/linres-<set>``), for ``finetune_big.py --holdout``
to train from scratch.  Used to re-decide the linear share on sources no weight has seen
(docs/models.md, "The linear blend, re-decided").
"""

from __future__ import annotations

import argparse
import copy
import sys
from pathlib import Path

import torch

from leadsynth_core.models.networks import LinearResidualUNet, ensemble_of
from leadsynth_core.models.registry import load_model, save_model, shipped_models_dir
from leadsynth_core.training.linear import fit_linear, linear_network

sys.path.insert(0, str(Path(__file__).resolve().parent))
from finetune_big import load_sources  # noqa: E402

SETS = {"I,II,V4": "i-ii-v4", "I,II,V2,V4": "i-ii-v2-v4", "I,II,V3": "i-ii-v3", "I,II": "i-ii", "I": "i"}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("cache", type=Path)
    p.add_argument("out", type=Path)
    p.add_argument("--holdout", default="cinc2011,cpsc,sph")
    p.add_argument("--sets", default="I,II,V4;I,II,V2,V4")
    p.add_argument("--width", type=int, default=8, help="base_width of each member (the capacity study)")
    p.add_argument("--depth", type=int, default=4)
    a = p.parse_args()
    held = {s for s in a.holdout.split(",") if s}
    sources = load_sources(a.cache, held)
    records = [r for recs in sources.values() for r in recs]
    print("training records:", {k: len(v) for k, v in sources.items()}, flush=True)
    for leads in a.sets.split(";"):
        slug = SETS[leads]
        shipped = load_model(shipped_models_dir() / f"linres-{slug}.json").card
        inputs, outputs = list(shipped.inputs), list(shipped.outputs)
        w, b = fit_linear(records, inputs, outputs)
        lin_card = copy.deepcopy(load_model(shipped_models_dir() / f"linear-{slug}.json").card)
        lin_card.training = {"data": f"least squares on the training sources without {sorted(held)}",
                             "held_out_sources": sorted(held), "records": len(records)}
        lin_card.metrics = {}
        save_model(linear_network(w, b), lin_card, a.out / f"linear-{slug}")
        nets = []
        for seed in range(3):
            torch.manual_seed(seed)
            net = LinearResidualUNet(len(inputs), len(outputs), base_width=a.width, depth=a.depth)
            with torch.no_grad():
                net.head.weight[:, : len(inputs), 0] = torch.from_numpy(w).float()
                net.head.bias.copy_(torch.from_numpy(b).float())
            nets.append(net)
        card = copy.deepcopy(shipped)
        card.arch_params = {**card.arch_params, "base_width": a.width, "depth": a.depth}
        card.training = {"data": f"from scratch without {sorted(held)}" if held else "from scratch",
                         "held_out_sources": sorted(held)}
        card.metrics = {}
        if held:
            card.name = f"hold-out {leads} (from scratch, without {','.join(sorted(held))})"
        else:  # a candidate for shipping (scripts/experiments/ship_scratch.sh)
            card.name = f"Linear+residual U-Net {leads} (mean of 3 seeds)"
        card.description = (
            f"Dedicated model for {leads}, trained from scratch on the large sources: three linear+residual "
            "U-Nets (seeds 0-2) whose linear path starts at the least-squares fit and whose residual starts at "
            "zero, trained together on the mean of the members' errors (scripts/experiments/finetune_big.py); "
            "shipped as their mean (one network, one pointwise head over all members' features)."
        )
        save_model(ensemble_of(nets), card, a.out / "init" / f"linres-{slug}")
        print("wrote", leads, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
