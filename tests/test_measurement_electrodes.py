"""The arm-electrode check (leadsynth_core.measurement.electrodes): fires on a swap, not on a normal heart."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest
from measurement_synth import swap_arms, synthetic_record

from leadsynth_core.cli import main
from leadsynth_core.io import read_record, write_record
from leadsynth_core.measurement.electrodes import (
    MIRROR_R,
    ElectrodeReversal,
    check_arm_electrodes,
    electrode_cautions,
)
from leadsynth_core.record import Provenance


def test_a_normal_heart_is_not_flagged() -> None:
    assert check_arm_electrodes(synthetic_record(einthoven=True)) is None
    assert check_arm_electrodes(synthetic_record(einthoven=True).select(["I"])) is None


def test_swapped_arms_are_flagged_by_the_p_wave_and_qrs_of_lead_i() -> None:
    found = check_arm_electrodes(swap_arms(synthetic_record(einthoven=True)))
    assert isinstance(found, ElectrodeReversal)
    assert found.negative_waves == ("P", "QRS") and found.p_wave_measured
    assert found.areas_mv_ms["P"] < 0 and found.areas_mv_ms["QRS"] < 0
    assert "Arm electrodes possibly swapped" in found.text() and "lead I" in found.text()
    assert "no P wave" not in found.text()
    # A watch on the other wrist: lead I alone, inverted.
    only_i = swap_arms(synthetic_record(einthoven=True)).select(["I"])
    assert check_arm_electrodes(only_i) is not None


def test_without_a_p_wave_the_qrs_and_t_wave_decide_and_the_caution_says_so() -> None:
    rec = synthetic_record(einthoven=True, p_mv=0.0).select(["I", "II", "V1", "V2"])
    assert check_arm_electrodes(rec) is None
    found = check_arm_electrodes(swap_arms(rec))
    assert found is not None and found.negative_waves == ("QRS", "T") and not found.p_wave_measured
    assert found.lateral is None and found.leads == ("I", "II")
    assert "no P wave measured" in found.text()


def _with_lateral(rec, v6: np.ndarray):  # noqa: ANN001, ANN202 - test helper
    sig = np.array(rec.signal, dtype=np.float64)
    sig[:, rec.lead_names.index("V6")] = v6
    return dataclasses.replace(rec, signal=sig.astype(np.float32))


def test_the_measured_lateral_lead_confirms_a_swap_as_its_mirror_image() -> None:
    swapped = swap_arms(synthetic_record(einthoven=True, p_mv=0.0))
    found = check_arm_electrodes(swapped)
    assert found is not None and found.lateral == "V6" and found.leads == ("I", "II", "V6")
    assert found.r_lateral is not None and found.r_lateral < MIRROR_R and found.mirrors_lateral
    assert "lead I is the mirror image of the measured V6 (r = " in found.text() and "no P wave" not in found.text()
    assert ", mirrors V6)" in found.short_text() and len(found.short_text()) < 150
    # Without V6 the file's V5 is compared.
    v5 = check_arm_electrodes(swapped.select(["I", "II", "V5"]))
    assert v5 is not None and v5.lateral == "V5"


def test_a_lead_i_that_looks_like_v6_is_the_heart_not_the_cables() -> None:
    # Lead I inverted, and V6 with it (an extreme axis, a dextrocardia): no swap, whatever the
    # limb leads alone would say.
    swapped = swap_arms(synthetic_record(einthoven=True))
    assert check_arm_electrodes(swapped.select(["I", "II"])) is not None
    alike = _with_lateral(swapped, swapped.signal[:, 0])
    assert check_arm_electrodes(alike) is None
    # A lateral lead unrelated to lead I (flat, or noise) leaves the limb-lead rule to decide.
    flat = _with_lateral(swapped, np.zeros(swapped.n_samples))
    found = check_arm_electrodes(flat)
    assert found is not None and found.negative_waves == ("P", "QRS") and not found.mirrors_lateral


def test_a_mirror_image_of_v6_is_a_swap_even_with_an_upright_p_wave() -> None:
    # The QRS of lead I negative with its P wave upright reads as an axis from the limb leads
    # (the test above); the chest shows lead I is V6 upside down.
    rec = synthetic_record(einthoven=True)
    sig = np.array(rec.signal, dtype=np.float64)
    col = {n: j for j, n in enumerate(rec.lead_names)}
    t = np.arange(sig.shape[0]) / rec.fs
    p_wave = np.zeros_like(t, dtype=bool)
    for r in np.arange(0.6, rec.duration - 0.5, 1.0):
        p_wave |= (t > r - 0.25) & (t < r - 0.06)
    sig[~p_wave, col["I"]] *= -1.0  # every wave of lead I inverted but the P wave
    mixed = dataclasses.replace(rec, signal=sig.astype(np.float32))
    assert check_arm_electrodes(mixed.select(["I", "II"])) is None
    found = check_arm_electrodes(mixed.select(["I", "II", "V6"]))
    assert found is not None and found.negative_waves == ("QRS",) and found.mirrors_lateral


def test_a_negative_qrs_with_an_upright_p_wave_is_an_axis_not_a_swap() -> None:
    # Extreme right axis: QRS net negative in lead I, but the sinus P wave stays upright.
    rec = synthetic_record(einthoven=True)
    sig = np.array(rec.signal, dtype=np.float64)
    col = {n: j for j, n in enumerate(rec.lead_names)}
    t = np.arange(sig.shape[0]) / rec.fs
    for r in np.arange(0.6, rec.duration - 0.5, 1.0):  # the R peaks of synthetic_record
        qrs = (t > r - 0.045) & (t < r + 0.045)
        sig[qrs, col["I"]] *= -1.0
    flipped = dataclasses.replace(rec, signal=sig.astype(np.float32)).select(["I"])
    assert check_arm_electrodes(flipped) is None


def test_no_measured_lead_i_no_check() -> None:
    rec = swap_arms(synthetic_record(einthoven=True))
    assert check_arm_electrodes(rec.select(["II", "V2", "V4"])) is None
    prov = tuple(Provenance.DERIVED if n == "I" else Provenance.MEASURED for n in rec.lead_names)
    assert check_arm_electrodes(dataclasses.replace(rec, provenance=prov)) is None
    flat = dataclasses.replace(rec, signal=np.zeros_like(rec.signal)).select(["I"])
    assert check_arm_electrodes(flat) is None


def test_real_records_as_recorded_and_swapped(shared_data: Path) -> None:
    for path in (shared_data / "cinc2021" / "PTB_PTBXL" / "S0002", shared_data / "ludb" / "data" / "1"):
        rec = read_record(path)
        assert check_arm_electrodes(rec) is None, path.name
        for leads in (["I", "II"], list(rec.lead_names)):
            found = check_arm_electrodes(swap_arms(rec).select(leads))
            assert found is not None and found.negative_waves == ("P", "QRS"), (path.name, leads)
    # S0002's lead I looks like none of its chest leads (median-beat r with V6 -0.09): with V6 the
    # limb-lead rule still decides; LUDB 1's is V6's mirror image once swapped.
    s2 = check_arm_electrodes(swap_arms(read_record(shared_data / "cinc2021" / "PTB_PTBXL" / "S0002")))
    assert s2 is not None and s2.lateral == "V6" and not s2.mirrors_lateral
    l1 = check_arm_electrodes(swap_arms(read_record(shared_data / "ludb" / "data" / "1")))
    assert l1 is not None and l1.mirrors_lateral


@pytest.mark.parametrize("start_s", [0.0, 2.0])
def test_the_window_measured_is_reported(start_s: float) -> None:
    found = check_arm_electrodes(swap_arms(synthetic_record(12.0, einthoven=True)), start_s=start_s,
                                 duration_s=8.0)
    assert found is not None and found.window_s == (start_s, start_s + 8.0)


def test_cautions_carry_a_printed_line_and_the_cli_prints_them(shared_data: Path, tmp_path: Path, capsys) -> None:
    rec = read_record(shared_data / "ludb" / "data" / "1")
    assert electrode_cautions(rec) == ()
    (found,) = electrode_cautions(swap_arms(rec))
    assert found.short_text().startswith("CAUTION: arm electrodes possibly swapped (P and QRS negative in lead I, "
                                         "mirrors V6)")
    assert len(found.short_text()) < 150  # one line of the printed page
    src = write_record(swap_arms(rec), tmp_path / "swapped")
    assert main(["synthesize", str(src), "--inputs", "I,II,V4", "--out", str(tmp_path / "out")]) == 0
    printed = capsys.readouterr().out
    assert f"CAUTION:     {found.text()}" in printed
    assert main(["measure", str(src)]) == 0
    assert f"CAUTION: {found.text()}" in capsys.readouterr().out
    assert main(["measure", str(src), "--json", str(tmp_path / "m.json")]) == 0
    assert json.loads((tmp_path / "m.json").read_text())["cautions"] == [found.text()]
    write_record(rec, tmp_path / "as_recorded")
    assert main(["synthesize", str(tmp_path / "as_recorded"), "--inputs", "I,II,V4", "--out", str(tmp_path / "o2")]) == 0
    assert "CAUTION" not in capsys.readouterr().out
    assert main(["measure", str(tmp_path / "as_recorded"), "--json", str(tmp_path / "m2.json")]) == 0
    assert json.loads((tmp_path / "m2.json").read_text())["cautions"] == []
