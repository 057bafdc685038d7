"""Swapping two limb electrodes back (leadsynth_core.measurement.swap_back): exact on every lead,
its own inverse, named in the audit trail, and the same from every command."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from measurement_synth import swap_arm_leg, swap_arms, synthetic_record

from leadsynth_core.cli import main
from leadsynth_core.errors import MissingLeadError, OptionError
from leadsynth_core.io import read_record, write_record
from leadsynth_core.measurement.electrodes import ARM_LEG, ARMS, check_arm_electrodes, electrode_cautions
from leadsynth_core.measurement.swap_back import (
    SWAP_BACK_NOTES,
    SWAP_BACK_PREFIXES,
    electrodes_swapped_back,
    leads_changed,
    parse_electrode_pair,
    swap_back_step,
    swap_electrodes,
)
from leadsynth_core.record import EcgRecord

#: Each swap the software undoes, with the tests' own model of what a cart records with it
#: (measurement_synth: I and II recabled, the other frontal leads recomputed, chest unchanged).
SWAPS: list[tuple[tuple[str, str], Callable[[EcgRecord], EcgRecord]]] = [(ARMS, swap_arms), (ARM_LEG, swap_arm_leg)]
IDS = ["RA-LA", "RA-LL"]


@pytest.mark.parametrize(("pair", "cart"), SWAPS, ids=IDS)
def test_swapping_back_undoes_a_swap_exactly_on_every_lead(shared_data: Path, pair, cart) -> None:
    rec = read_record(shared_data / "ludb" / "data" / "1")
    swapped = cart(rec)
    back = swap_electrodes(swapped, pair)
    # The file stores its augmented leads rounded to 1 uV: the test's swap recomputes them.
    np.testing.assert_allclose(back.signal, rec.signal, atol=1e-3)
    assert back.lead_names == rec.lead_names and back.provenance == rec.provenance
    assert electrodes_swapped_back(back) == pair and back.processing == (SWAP_BACK_NOTES[pair],)
    assert f"processing:   {SWAP_BACK_NOTES[pair]}" in back.describe()
    # The check that named the swap is silent once it is undone.
    assert electrode_cautions(back) == ()
    assert [c.electrodes for c in electrode_cautions(swapped)] == [pair]
    # Its own inverse: twice is the record as read, the note gone again.
    twice = swap_electrodes(back, pair)
    np.testing.assert_allclose(twice.signal, swapped.signal, atol=1e-3)
    assert electrodes_swapped_back(twice) is None and twice.processing == () and "processing" not in twice.metadata


def test_the_two_maps_as_a_cardiologist_reads_them() -> None:
    """The 12-lead notes state the maps of the textbooks (Batchvarov et al. 2007)."""
    assert SWAP_BACK_NOTES[ARMS] == ("arm electrodes swapped back by software: I = -I as recorded, "
                                     "II and III, aVR and aVL exchanged; chest leads as recorded")
    assert SWAP_BACK_NOTES[ARM_LEG] == ("right-arm and left-leg electrodes swapped back by software: "
                                        "II = -II as recorded, I = -III and III = -I as recorded, "
                                        "aVR and aVF exchanged; chest leads as recorded")
    assert leads_changed(ARMS) == ("I", "II", "III", "aVR", "aVL")
    assert leads_changed(ARM_LEG) == ("I", "II", "III", "aVR", "aVF")


@pytest.mark.parametrize(("pair", "leads", "expected"), [
    (ARMS, ["I"], "I = -I as recorded"),
    (ARMS, ["I", "II"], "I = -I as recorded, II = II - I as recorded"),
    (ARMS, ["I", "II", "V2", "V4"], "I = -I as recorded, II = II - I as recorded; chest leads as recorded"),
    (ARMS, ["I", "III", "aVF"], "I = -I as recorded, III = III + I as recorded"),
    (ARMS, ["I", "aVR"], "I = -I as recorded, aVR from the corrected I and II"),
    (ARM_LEG, ["II"], "II = -II as recorded"),
    (ARM_LEG, ["I", "II"], "II = -II as recorded, I = I - II as recorded"),
    (ARM_LEG, ["I", "II", "V2", "V4"], "II = -II as recorded, I = I - II as recorded; chest leads as recorded"),
    (ARM_LEG, ["II", "III", "aVL"], "II = -II as recorded, III = III - II as recorded"),
    (ARM_LEG, ["II", "aVR"], "II = -II as recorded, aVR from the corrected I and II"),
], ids=lambda v: ",".join(v) if isinstance(v, list) else None)
def test_swapping_back_with_fewer_limb_leads_uses_the_lead_algebra(pair, leads: list[str], expected: str) -> None:
    cart = dict(SWAPS)[pair]
    rec = synthetic_record(einthoven=True, noise_mv=0.0)  # noise would break the lead algebra
    back = swap_electrodes(cart(rec).select(leads), pair)
    np.testing.assert_allclose(back.signal, rec.select(leads).signal, atol=2e-6)
    # The audit trail names what was done to the leads this record has, and nothing else.
    (step,) = back.processing
    assert step == swap_back_step(leads, pair) and step.startswith(SWAP_BACK_PREFIXES[pair])
    assert step.removeprefix(SWAP_BACK_PREFIXES[pair]) == expected


def test_swapping_back_needs_the_lead_the_swap_inverts() -> None:
    with pytest.raises(MissingLeadError, match="arm electrodes back needs lead I; the record has II, V2"):
        swap_electrodes(synthetic_record().select(["II", "V2"]), ARMS)
    with pytest.raises(MissingLeadError, match="left-leg electrodes back needs lead II; the record has I, V2"):
        swap_electrodes(synthetic_record().select(["I", "V2"]), ARM_LEG)


def test_one_swap_at_a_time_and_only_the_two_known() -> None:
    back = swap_electrodes(swap_arms(synthetic_record(einthoven=True)), ARMS)
    # The two swaps do not commute: the other one is refused until the record is as read again.
    with pytest.raises(OptionError, match="arm electrodes are swapped back already; show it as recorded"):
        swap_electrodes(back, ARM_LEG)
    assert electrodes_swapped_back(swap_electrodes(swap_electrodes(back, ARMS), ARM_LEG)) == ARM_LEG
    with pytest.raises(OptionError, match="valid: RA/LA, RA/LL"):
        swap_electrodes(back, ("LA", "LL"))


@pytest.mark.parametrize(("text", "pair"), [("RA,LA", ARMS), ("la/ra", ARMS), ("RA-LL", ARM_LEG), (" ll , ra ", ARM_LEG)])
def test_electrode_pairs_are_read_as_carts_write_them(text: str, pair) -> None:
    assert parse_electrode_pair(text) == pair


def test_an_unknown_pair_is_refused_with_the_valid_ones(capsys) -> None:
    with pytest.raises(OptionError, match="valid: RA,LA, RA,LL"):
        parse_electrode_pair("LA,LL")
    with pytest.raises(SystemExit):
        main(["measure", "x.hea", "--swap-back", "RA,RL"])
    assert "cannot swap these back; valid: RA,LA, RA,LL" in capsys.readouterr().err
    with pytest.raises(SystemExit):  # one swap at a time from the command line too
        main(["measure", "x.hea", "--swap-back", "RA,LL", "--swap-arms"])
    assert "not allowed with argument" in capsys.readouterr().err


@pytest.mark.parametrize(("pair", "cart", "option"), [(ARMS, swap_arms, ["--swap-arms"]),
                                                      (ARMS, swap_arms, ["--swap-back", "RA,LA"]),
                                                      (ARM_LEG, swap_arm_leg, ["--swap-back", "RA,LL"])],
                         ids=["swap-arms", "RA,LA", "RA,LL"])
@pytest.mark.parametrize("suffix", ["", ".h5", ".edf", ".dcm"])
def test_cli_swaps_back_and_every_output_says_so(shared_data: Path, tmp_path: Path, capsys, suffix: str,
                                                 pair, cart, option: list[str]) -> None:
    rec = read_record(shared_data / "ludb" / "data" / "1")
    src = write_record(cart(rec), tmp_path / "swapped")
    out = tmp_path / f"out{suffix}"
    assert main(["synthesize", str(src), "--inputs", "I,II,V4", "--out", str(out), *option]) == 0
    printed = capsys.readouterr().out
    assert f"processing:  {SWAP_BACK_NOTES[pair]}" in printed and "CAUTION" not in printed
    written = read_record(out if suffix else tmp_path / "out")
    assert written.processing == (SWAP_BACK_NOTES[pair],)  # kept by every writer, read back
    for lead in ("I", "II", "III", "aVR", "aVL", "aVF", "V4"):  # measured or derived: as cabled right
        np.testing.assert_allclose(written.signal[:, written.index(lead)], rec.signal[:, rec.index(lead)],
                                   atol=0.01, err_msg=lead)  # EDF/DICOM store 16-bit samples


@pytest.mark.parametrize(("pair", "cart", "option"), [(ARMS, swap_arms, "RA,LA"), (ARM_LEG, swap_arm_leg, "RA,LL")],
                         ids=IDS)
def test_cli_measure_and_agreement_swap_back(shared_data: Path, tmp_path: Path, capsys, pair, cart,
                                             option: str) -> None:
    src = write_record(cart(read_record(shared_data / "ludb" / "data" / "1")), tmp_path / "swapped")
    assert main(["measure", str(src), "--swap-back", option, "--json", str(tmp_path / "m.json")]) == 0
    doc = json.loads((tmp_path / "m.json").read_text())
    assert doc["processing"] == [SWAP_BACK_NOTES[pair]] and doc["cautions"] == []
    assert main(["measure", str(src), "--json", str(tmp_path / "m2.json")]) == 0
    doc2 = json.loads((tmp_path / "m2.json").read_text())
    assert doc2["processing"] == [] and len(doc2["cautions"]) == 1
    # The frontal axis of the record as cabled right, not the swapped one.
    assert abs(doc["axis_deg"]["qrs"] - doc2["axis_deg"]["qrs"]) > 60
    capsys.readouterr()
    assert main(["agreement", str(src), "--inputs", "I,II,V4", "--swap-back", option]) == 0
    assert capsys.readouterr().out.startswith(f"processing: {SWAP_BACK_PREFIXES[pair]}every chunk")


@pytest.mark.parametrize(("pair", "cart"), SWAPS, ids=IDS)
def test_whole_file_scoring_swaps_each_chunk_back(shared_data: Path, tmp_path: Path, pair, cart) -> None:
    from leadsynth_core.agreement import score_recording

    rec = read_record(shared_data / "ludb" / "data" / "1")
    src = write_record(cart(rec), tmp_path / "swapped")
    as_read = score_recording(src, "I,II,V4", chunk_s=5.0, margin_s=1.0)
    back = score_recording(src, "I,II,V4", chunk_s=5.0, margin_s=1.0, swap_back=pair)
    right = score_recording(write_record(rec, tmp_path / "right"), "I,II,V4", chunk_s=5.0, margin_s=1.0)
    # Swapped back, the file scores as the correctly cabled one does, better than as read.
    for lead in ("V1", "V6"):
        np.testing.assert_allclose(back.whole[lead]["pcc"], right.whole[lead]["pcc"], atol=0.01)
        assert back.whole[lead]["pcc"] >= as_read.whole[lead]["pcc"] - 0.01


def test_streamed_synthesis_swaps_each_chunk_back(shared_data: Path, tmp_path: Path) -> None:
    from leadsynth_core.streaming import synthesize_file

    rec = read_record(shared_data / "ludb" / "data" / "1")
    src = write_record(swap_arm_leg(rec), tmp_path / "swapped")
    out = synthesize_file(src, tmp_path / "out.h5", "I,II,V4", chunk_s=4.0, margin_s=1.0, swap_back=ARM_LEG)
    written = read_record(out)
    assert written.processing == (SWAP_BACK_NOTES[ARM_LEG],)
    for lead in ("I", "II", "aVR", "aVF"):
        np.testing.assert_allclose(written.signal[:, written.index(lead)], rec.signal[:, rec.index(lead)],
                                   atol=1e-3, err_msg=lead)
    assert check_arm_electrodes(written) is None
