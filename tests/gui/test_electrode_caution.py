"""The electrode cautions in the viewer: above the traces while the file is open, first on the page,
with the swap they name undone from the bar or the Leads menu."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from measurement_synth import swap_arm_leg, swap_arms
from PySide6.QtGui import QImage

from app.render.page import FOOTER_EDGE_MM, footer_lines
from leadsynth_core.io import read_record, write_record
from leadsynth_core.measurement.electrodes import ARM_LEG, ARMS
from leadsynth_core.measurement.swap_back import SWAP_BACK_NOTES

from .conftest import wait_synthesis

pytestmark = pytest.mark.gui


def test_a_swapped_file_is_cautioned_and_a_normal_one_is_not(qtbot, make_window, shared_data: Path,
                                                               tmp_path: Path, error_boxes) -> None:
    rec = read_record(shared_data / "ludb" / "data" / "1")
    swapped = write_record(swap_arms(rec), tmp_path / "swapped")
    w = make_window()
    w.open_path(swapped)
    wait_synthesis(qtbot, w)
    assert len(w.document.cautions) == 1
    caution = w.document.cautions[0]
    assert w.caution_bar.isVisible() and caution.text() in w.caution_bar.text()
    assert footer_lines(w.document, w.view_state)[0] == caution.short_text()
    # The extra line closes the footer up instead of pushing its last line off the sheet.
    png = w.export_view(tmp_path / "page.png")
    image = QImage(str(png)).convertToFormat(QImage.Format.Format_Grayscale8)
    ink = np.frombuffer(image.constBits(), np.uint8, count=image.bytesPerLine() * image.height())
    rows = ink.reshape(image.height(), image.bytesPerLine())[:, :image.width()].min(axis=1)
    edge_px = int(FOOTER_EDGE_MM * 300 / 25.4) - 2
    assert rows[-edge_px:].min() > 128, "footer text within the bottom edge of the page"
    assert rows[-6 * edge_px:-edge_px].min() < 128  # ... and the footer does reach down there
    # The next file has its own check: the bar goes with the file it was about.
    w.open_path(write_record(rec, tmp_path / "as_recorded"))
    wait_synthesis(qtbot, w)
    qtbot.waitUntil(lambda: w.document.path is not None and w.document.path.name.startswith("as_recorded"))
    assert w.document.cautions == () and not w.caution_bar.isVisible()
    assert not footer_lines(w.document, w.view_state)[0].startswith("CAUTION")
    assert not error_boxes


@pytest.mark.parametrize(("pair", "cart", "button"), [(ARMS, swap_arms, "Swap arm electrodes back"),
                                                      (ARM_LEG, swap_arm_leg, "Swap RA/LL electrodes back")],
                         ids=["RA-LA", "RA-LL"])
def test_swapping_back_from_the_bar_and_the_menu(qtbot, make_window, shared_data: Path, tmp_path: Path,
                                                 error_boxes, pair, cart, button: str) -> None:
    from app.views.caution_bar import AS_RECORDED_TEXT

    rec = read_record(shared_data / "ludb" / "data" / "1")
    swapped = cart(rec)
    w = make_window()
    w.open_path(write_record(swapped, tmp_path / "swapped"))
    wait_synthesis(qtbot, w)
    doc, bar = w.document, w.caution_bar
    (caution,) = doc.cautions
    assert caution.electrodes == pair
    assert bar.text().count("\u26a0") == 1  # one swap named, not both
    assert footer_lines(doc, w.view_state)[0] == caution.short_text()
    # The button offers to undo the swap the caution names, and only that one.
    assert bar.button.isVisible() and bar.button.text() == button
    before = dict(doc.scores)
    bar.button.click()
    wait_synthesis(qtbot, w)
    # The leads as cabled right: the limb leads are the original's, no caution, the bar says what was done.
    assert doc.electrodes_swapped_back == pair and doc.cautions == ()
    for lead in ("I", "II"):
        np.testing.assert_allclose(doc.record.lead(lead), rec.lead(lead), atol=1e-3)
    for lead in ("aVR", "aVL", "aVF"):  # derived from the corrected I, II
        np.testing.assert_allclose(doc.result.lead(lead), rec.lead(lead), atol=2e-3)
    assert bar.isVisible() and "swapped back by software" in bar.text() and bar.button.text() == AS_RECORDED_TEXT
    assert "The limb leads shown are not as recorded" in bar.text()
    assert [p for p, act in w.swap_actions.items() if act.isChecked()] == [pair]
    assert f"PROCESSED: {SWAP_BACK_NOTES[pair]}" in footer_lines(doc, w.view_state)
    assert SWAP_BACK_NOTES[pair] in w.record_panel.fields["Notes"].text()
    # The synthesized chest leads follow the corrected limb leads: never worse by more than rounding.
    for lead in ("V1", "V6"):
        assert doc.scores[lead].pcc >= before[lead].pcc - 0.01
    # The menu undoes it: the file as recorded, cautioned again.
    w.swap_actions[pair].trigger()
    wait_synthesis(qtbot, w)
    assert doc.electrodes_swapped_back is None and len(doc.cautions) == 1
    assert not any(act.isChecked() for act in w.swap_actions.values())
    np.testing.assert_allclose(doc.record.lead("I"), swapped.lead("I"), atol=1e-3)
    assert not any(line.startswith("PROCESSED") for line in footer_lines(doc, w.view_state))
    # The other pair from the menu while this one is swapped back: the record as read, then the other swap.
    other = ARM_LEG if pair == ARMS else ARMS
    bar.button.click()
    wait_synthesis(qtbot, w)
    w.swap_actions[other].trigger()
    wait_synthesis(qtbot, w)
    assert doc.electrodes_swapped_back == other and doc.record.processing == (SWAP_BACK_NOTES[other],)
    assert [p for p, act in w.swap_actions.items() if act.isChecked()] == [other]
    w.swap_actions[pair].trigger()
    wait_synthesis(qtbot, w)
    assert doc.electrodes_swapped_back == pair
    np.testing.assert_allclose(doc.record.lead("II"), rec.lead("II"), atol=1e-3)
    # A saved 12-lead says so.
    w.save_record(tmp_path / "saved.h5")
    qtbot.waitUntil(lambda: not w.tasks.is_running("export"), timeout=60_000)
    assert read_record(tmp_path / "saved.h5").processing == (SWAP_BACK_NOTES[pair],)
    # The next file opens as recorded.
    w.open_path(write_record(rec, tmp_path / "as_recorded"))
    wait_synthesis(qtbot, w)
    qtbot.waitUntil(lambda: w.document.path is not None and w.document.path.name.startswith("as_recorded"))
    assert doc.electrodes_swapped_back is None and not bar.isVisible()
    assert not any(act.isChecked() for act in w.swap_actions.values())
    assert not error_boxes


def test_a_long_file_swapped_back_stays_swapped_back_window_after_window(qtbot, make_window, shared_data: Path,
                                                                          tmp_path: Path, error_boxes) -> None:
    from leadsynth_core.io import Hdf5RecordWriter, read_window

    rec = read_record(shared_data / "ludb" / "data" / "1")
    swapped = swap_arm_leg(rec)
    src = tmp_path / "long.h5"
    with Hdf5RecordWriter(src, swapped.fs, swapped.lead_names) as writer:
        for k in range(12):  # two minutes, each block scaled: a window from the wrong place shows
            writer.append(swapped.signal * np.float32(1.0 + 0.1 * k))
    w = make_window()
    w.settings.set_value("files/long_recording_mb", 0.5)
    w.open_path(src)
    wait_synthesis(qtbot, w)
    doc = w.document
    assert doc.is_long and len(doc.cautions) == 1
    w.caution_bar.button.click()
    wait_synthesis(qtbot, w)
    assert doc.electrodes_swapped_back == ARM_LEG
    w.view_state.set_position(95.0, doc.duration)
    qtbot.waitUntil(lambda: doc.covers(95.0, 96.0) and not w.tasks.is_running("window"), timeout=30_000)
    wait_synthesis(qtbot, w)
    raw = read_window(src, doc.offset, doc.offset + doc.record.n_samples)
    assert doc.record.processing == (SWAP_BACK_NOTES[ARM_LEG],)
    np.testing.assert_allclose(doc.record.lead("I"), -raw.lead("III"), atol=1e-5)
    np.testing.assert_allclose(doc.record.lead("II"), -raw.lead("II"), atol=1e-5)
    # Saved whole, streamed chunk by chunk: swapped back throughout.
    w.save_record(tmp_path / "long_12lead.h5")
    qtbot.waitUntil(lambda: not w.tasks.is_running("export"), timeout=120_000)
    out = read_record(tmp_path / "long_12lead.h5")
    assert out.processing == (SWAP_BACK_NOTES[ARM_LEG],)
    full = read_record(src)
    np.testing.assert_allclose(out.lead("II"), -full.lead("II"), atol=1e-5)
    assert not error_boxes


def test_a_file_opened_swapped_back(qtbot, make_window, shared_data: Path, tmp_path: Path, error_boxes) -> None:
    # What leadsynth-gui RECORD --swap-back RA,LL does.
    from app.shell.main import parse_args

    assert parse_args(["r.hea", "--swap-back", "RA,LL"]).swap_back == ARM_LEG
    assert parse_args(["r.hea", "--swap-arms"]).swap_back == ARMS
    rec = read_record(shared_data / "ludb" / "data" / "1")
    w = make_window()
    w.open_path(write_record(swap_arm_leg(rec), tmp_path / "swapped"), swap_back=ARM_LEG)
    wait_synthesis(qtbot, w)
    assert w.document.electrodes_swapped_back == ARM_LEG and w.document.cautions == ()
    assert w.swap_actions[ARM_LEG].isChecked() and not w.swap_actions[ARMS].isChecked()
    np.testing.assert_allclose(w.document.record.lead("I"), rec.lead("I"), atol=1e-3)
    assert not error_boxes


def test_a_watch_recording_swapped_back_says_only_lead_i_changed(qtbot, make_window, shared_data: Path,
                                                                 tmp_path: Path, error_boxes) -> None:
    rec = read_record(shared_data / "ludb" / "data" / "1")
    w = make_window()
    w.open_path(write_record(swap_arms(rec).select(["I"]), tmp_path / "watch"), swap_back=ARMS)
    wait_synthesis(qtbot, w)
    text = w.caution_bar.text()
    assert "I = -I as recorded." in text and "Lead I shown is not as recorded" in text
    assert "II and III" not in text and "chest" not in text
    assert not error_boxes


def test_the_menu_offers_only_the_swaps_a_file_can_be_corrected_for(qtbot, make_window, shared_data: Path,
                                                                    tmp_path: Path, error_boxes) -> None:
    w = make_window()
    assert not any(act.isEnabled() for act in w.swap_actions.values())  # nothing open
    rec = read_record(shared_data / "ludb" / "data" / "1")
    w.open_path(write_record(swap_arms(rec).select(["I"]), tmp_path / "watch"))
    wait_synthesis(qtbot, w)
    # Lead I alone: the arm swap can be undone; the RA/LL swap needs lead II.
    assert w.swap_actions[ARMS].isEnabled() and not w.swap_actions[ARM_LEG].isEnabled()
    assert not error_boxes
