"""Name and describe the correlation-term cards of a final folder as shipped models (from their blend alpha).

    python scripts/experiments/describe_pcc_cards.py runs/pcc12/final

The run cards carry the starting point's name and description; the shipped ones say what the
weights are: the recipe, the correlation term, and the linear share folded in.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from leadsynth_core.training.blend import blend_description, blend_name

src = Path(sys.argv[1])
TRAIN = ("trained from scratch on the large sources: three linear+residual U-Nets (seeds 0-2) whose linear path "
         "starts at the least-squares fit and whose residual starts at zero, trained together on the mean of the "
         "members' errors with a correlation term (loss: MSE + {w} x mean (1 - PCC) per crop and synthesized lead{d}; "
         "scripts/experiments/finetune_big.py --pcc-weight {w}{flag}){shift}{swap}, one cosine schedule of 12,000 steps "
         "(scripts/experiments/ship_scratch.sh); shipped as their mean (one network, one pointwise head over all "
         "members' features).")
for p in sorted(src.glob("linres-*.json")):
    card = json.loads(p.read_text())
    leads = ",".join(card["inputs"])
    # The weight the run was trained with, from its own command (the cards of one folder may differ).
    weight = re.search(r"--pcc-weight (\S+)", card["training"]["continued"]["command"])
    if weight is None:
        sys.exit(f"{p}: not a correlation-term run (no --pcc-weight in its command)")
    blend = card["training"].get("blend_with_linear")
    name = f"Linear+residual U-Net {leads} (mean of 3 seeds)"
    card["name"] = blend_name(name, blend["alpha"]) if blend else name
    tail = blend_description(blend["linear_model"], blend["alpha"]) if blend else ""
    # What the run's loss really scored (finetune_big.py applies --pcc-derived only where I or II is synthesized).
    derived = "III, aVR, aVL, aVF included" in card["training"]["continued"]["loss"]
    # The chest-electrode shift (training.augment.shift_chest_electrodes), where the run used one.
    shift = card["training"]["continued"].get("chest_shift")
    # The arm-electrode swap (training.augment.swap_arm_electrodes), likewise.
    swap = card["training"]["continued"].get("arm_swap")
    train = TRAIN.format(w=f"{float(weight.group(1)):g}", flag=" --pcc-derived" if derived else "",
                         d=", III, aVR, aVL and aVF derived from I and II included" if derived else "",
                         shift=(f", each chest electrode of half the crops moved by up to {shift:g} of the spacing "
                                f"to its neighbours (--chest-shift {shift:g}: other hands place the electrodes "
                                "elsewhere)") if shift else "",
                         swap=(f", {swap:g} of the crops recorded with the arm electrodes swapped (--arm-swap {swap:g}: "
                               "I and II read -I and III, the chest leads stay, as a cart records a reversal)")
                         if swap else "")
    card["description"] = f"Dedicated model for {leads}, {train}{tail}"
    p.write_text(json.dumps(card, indent=2) + "\n")
    print(p.stem, "|", card["name"], "|", card["description"][-160:])
