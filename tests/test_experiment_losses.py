"""The correlation term of the large-data training script (scripts/experiments/finetune_big.py),
which made the shipped dedicated models: the derived limb leads it scores (no data needed)."""

from __future__ import annotations

import numpy as np
import torch
from script_modules import load_script

from leadsynth_core.leads import DERIVABLE_LEADS, derive_limb_leads
from leadsynth_core.models.features import INDEPENDENT_LEADS

fb = load_script("scripts/experiments/finetune_big.py", keep=False)


def test_derived_leads_take_the_measured_lead_from_the_input_and_the_synthesized_from_the_output() -> None:
    rng = np.random.default_rng(0)
    y8 = torch.from_numpy(rng.normal(size=(3, 8, 64)).astype(np.float32))  # clean targets, all 8 leads
    x = y8[:, :1] + 0.1  # lead I as measured: the target plus an input-side offset
    ii, oo = [0], list(range(1, 8))
    outs = torch.from_numpy(rng.normal(size=(2, 3, 7, 64)).astype(np.float32))  # 2 members
    o_all, y_all = fb.with_derived(outs, y8[:, oo], x, y8, ii, oo)
    assert o_all.shape == (2, 3, 11, 64) and y_all.shape == (3, 11, 64)
    torch.testing.assert_close(o_all[:, :, :7], outs)
    k_ii = oo.index(INDEPENDENT_LEADS.index("II"))
    for m in range(2):
        want = derive_limb_leads(x[:, 0].numpy(), outs[m, :, k_ii].numpy())
        for j, name in enumerate(DERIVABLE_LEADS):
            np.testing.assert_allclose(o_all[m, :, 7 + j].numpy(), want[name], rtol=1e-5, atol=1e-6)
    truth = derive_limb_leads(y8[:, 0].numpy(), y8[:, 1].numpy())
    for j, name in enumerate(DERIVABLE_LEADS):
        np.testing.assert_allclose(y_all[:, 7 + j].numpy(), truth[name], rtol=1e-5, atol=1e-6)


def test_correlation_term_is_zero_for_a_perfect_synthesis_and_blind_to_gain() -> None:
    rng = np.random.default_rng(1)
    y = torch.from_numpy(rng.normal(size=(4, 5, 128)).astype(np.float32))
    w = torch.ones(4, 5, 1)
    assert float(fb.pcc_loss(y[None], y, w)) < 1e-5
    assert float(fb.pcc_loss(3.0 * y[None] + 1.0, y, w)) < 1e-5
    assert float(fb.pcc_loss(-y[None], y, w)) > 1.99
