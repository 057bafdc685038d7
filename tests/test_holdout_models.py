"""The whole-source hold-out models kept in the repository for the cross-hospital tables.

``benchmarks/accuracy_external.py`` scores each of them on the sources its card says it never
saw; a card that forgot its held-out sources, or a model whose leads differ from the shipped
one it stands in for, would put a wrong figure in the README without any error.
"""

from __future__ import annotations

import pytest

from benchmarks import accuracy_external as ax
from leadsynth_core.models.registry import load_model, shipped_models_dir

CARDS = sorted(p for d in ax.default_holdout_dirs() for p in d.glob("*.json"))


def test_the_holdout_folder_holds_models() -> None:
    assert CARDS, f"no model card under {ax.HOLDOUT_MODELS}"
    assert (ax.HOLDOUT_MODELS / "README.md").is_file()


@pytest.mark.parametrize("card_path", CARDS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_each_holdout_model_loads_names_its_held_out_sources_and_matches_the_shipped_leads(card_path) -> None:
    model = load_model(card_path)  # checks the weights against the card's architecture
    held = set(ax.held_out_sources(model.card))
    groups = [g for g, needs in ax.HELD_GROUPS.items() if needs <= held]
    assert groups, f"{card_path.name} holds out {sorted(held)}: no table would score it"
    assert card_path.stem in ax.SETS.values(), f"{card_path.stem} is not a dedicated lead set's model"
    shipped = load_model(shipped_models_dir() / f"{card_path.stem}.json").card
    assert model.card.inputs == shipped.inputs
    assert model.card.outputs == shipped.outputs
    # the command that made it, so that a reader can rebuild it
    assert "holdout" in model.card.training["continued"]["command"]
    # and its folder says which sources it held out
    # (the shared PTB-XL copies and the big PTB-XL set count as one source)
    assert card_path.parent.name == "without-" + "-".join(sorted({s.removesuffix("_big") for s in held}))
