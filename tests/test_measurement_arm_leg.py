"""The right-arm / left-leg electrode check: the arm check's rule on lead II, and which swap is named."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from measurement_synth import swap_arm_leg, swap_arms, synthetic_record

from leadsynth_core.cli import main
from leadsynth_core.io import read_record, write_record
from leadsynth_core.leads import derive_limb_leads
from leadsynth_core.measurement import (
    ElectrodeReversal,
    check_arm_electrodes,
    check_arm_leg_electrodes,
    electrode_cautions,
)
from leadsynth_core.training.augment import swap_arm_leg_electrodes


def test_a_normal_heart_is_not_flagged() -> None:
    rec = synthetic_record(einthoven=True)
    assert check_arm_leg_electrodes(rec) is None and electrode_cautions(rec) == ()


def test_the_swap_inverts_lead_ii_and_is_flagged_by_its_p_wave_and_qrs() -> None:
    rec = swap_arm_leg(synthetic_record(einthoven=True)).select(["I", "II", "V1", "V2"])  # no lateral lead
    found = check_arm_leg_electrodes(rec)
    assert isinstance(found, ElectrodeReversal) and found.electrodes == ("RA", "LL") and found.lead == "II"
    assert not found.arms and found.negative_waves == ("P", "QRS")
    assert found.areas_mv_ms["P"] < 0 and found.areas_mv_ms["QRS"] < 0
    assert found.text().startswith("Right-arm and left-leg electrodes possibly swapped: P and QRS negative in lead II")
    assert "a low atrial rhythm with a left axis reads alike" in found.text()
    assert "leads I and II as measured, III, aVR and aVF derived from them" in found.text()
    assert "(aVL is right)" in found.text()
    assert found.short_text().startswith("CAUTION: RA/LL electrodes possibly swapped (P and QRS negative in lead II)")
    assert len(found.short_text()) < 150  # one line of the printed page
    assert electrode_cautions(rec) == (found,)
    # Lead II is needed: a watch's lead I alone cannot show this swap.
    assert check_arm_leg_electrodes(rec.select(["I"])) is None


def test_the_record_level_swap_matches_the_training_one() -> None:
    rec = synthetic_record(einthoven=True)
    x = np.zeros((8, rec.n_samples))
    x[0], x[1] = rec.lead("I"), rec.lead("II")
    y = swap_arm_leg_electrodes(x)
    swapped = swap_arm_leg(rec)
    np.testing.assert_allclose(y[0], swapped.lead("I"), atol=1e-5)
    np.testing.assert_allclose(y[1], swapped.lead("II"), atol=1e-5)
    # What the cables do: I' = -III, II' = -II, III' = -I, aVR and aVF exchanged, aVL unchanged.
    true = derive_limb_leads(rec.lead("I"), rec.lead("II"))
    np.testing.assert_allclose(swapped.lead("III"), -rec.lead("I"), atol=1e-4)
    np.testing.assert_allclose(swapped.lead("aVR"), true["aVF"], atol=1e-4)
    np.testing.assert_allclose(swapped.lead("aVL"), true["aVL"], atol=1e-4)


def test_the_chest_confirms_it_and_a_real_record_is_named_right(shared_data: Path) -> None:
    ludb = read_record(shared_data / "ludb" / "data" / "1")
    assert electrode_cautions(ludb) == ()
    (found,) = electrode_cautions(swap_arm_leg(ludb))
    assert found.electrodes == ("RA", "LL") and found.lateral == "V6" and found.mirrors_lateral
    assert "lead II is the mirror image of the measured V6" in found.text()
    assert "mirrors V6" in found.short_text() and len(found.short_text()) < 150
    # The same record with the arms swapped fires both checks (its true III is negative, and
    # is lead II now); the chest names the arm swap alone.
    arms = swap_arms(ludb)
    assert check_arm_leg_electrodes(arms) is not None
    (named,) = electrode_cautions(arms)
    assert named.arms and named == check_arm_electrodes(arms)


@pytest.mark.parametrize("leads", [("I", "II"), ("I", "II", "V1", "V2")])
def test_without_the_chest_the_p_waves_name_one_swap(shared_data: Path, leads: tuple[str, ...]) -> None:
    """Undone, a swap must leave P upright in I and II: only the one that inverts the lead with
    the more negative P wave can, so each swap is named as itself."""
    ludb = read_record(shared_data / "ludb" / "data" / "1")
    for swap, arms in ((swap_arms, True), (swap_arm_leg, False)):
        cautions = electrode_cautions(swap(ludb).select(list(leads)))
        assert len(cautions) == 1 and cautions[0].arms is arms


def test_the_command_line_prints_it_and_the_caution_bar_offers_no_arm_swap(shared_data: Path, tmp_path: Path,
                                                                          capsys) -> None:
    rec = swap_arm_leg(read_record(shared_data / "ludb" / "data" / "1"))
    (found,) = electrode_cautions(rec)
    src = write_record(rec, tmp_path / "swapped")
    assert main(["synthesize", str(src), "--inputs", "I,II,V4", "--out", str(tmp_path / "out")]) == 0
    assert f"CAUTION:     {found.text()}" in capsys.readouterr().out
