"""The arm-electrode caution in the viewer: above the traces while the file is open, first on the page."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from measurement_synth import swap_arm_leg, swap_arms
from PySide6.QtGui import QImage

from app.render.page import FOOTER_EDGE_MM, footer_lines
from leadsynth_core.io import read_record, write_record

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


def test_right_arm_and_left_leg_swapped_is_cautioned_without_the_arm_button(qtbot, make_window, shared_data: Path,
                                                                            tmp_path: Path, error_boxes) -> None:
    rec = read_record(shared_data / "ludb" / "data" / "1")
    w = make_window()
    w.open_path(write_record(swap_arm_leg(rec), tmp_path / "ra_ll"))
    wait_synthesis(qtbot, w)
    (caution,) = w.document.cautions
    assert caution.electrodes == ("RA", "LL")
    assert w.caution_bar.isVisible() and caution.text() in w.caution_bar.text()
    assert w.caution_bar.text().count("\u26a0") == 1  # one swap named, not both
    assert not w.caution_bar.button.isVisible()  # "Swap arm electrodes back" would not undo this one
    assert footer_lines(w.document, w.view_state)[0] == caution.short_text()
    assert not error_boxes


def test_swapping_the_arms_back_from_the_bar_and_the_menu(qtbot, make_window, shared_data: Path,
                                                           tmp_path: Path, error_boxes) -> None:
    from app.views.caution_bar import AS_RECORDED_TEXT, SWAP_BACK_TEXT
    from leadsynth_core.measurement.electrodes import SWAP_BACK_NOTE

    rec = read_record(shared_data / "ludb" / "data" / "1")
    swapped = swap_arms(rec)
    w = make_window()
    w.open_path(write_record(swapped, tmp_path / "swapped"))
    wait_synthesis(qtbot, w)
    doc, bar = w.document, w.caution_bar
    assert bar.button.isVisible() and bar.button.text() == SWAP_BACK_TEXT
    before = dict(doc.scores)
    bar.button.click()
    wait_synthesis(qtbot, w)
    # The leads as cabled right: lead I is the original's, no caution, the bar says what was done.
    assert doc.arms_swapped_back and doc.cautions == ()
    np.testing.assert_allclose(doc.record.lead("I"), rec.lead("I"), atol=1e-3)
    np.testing.assert_allclose(doc.result.lead("aVL"), rec.lead("aVL"), atol=2e-3)  # derived from the fixed I, II
    assert bar.isVisible() and "swapped back by software" in bar.text() and bar.button.text() == AS_RECORDED_TEXT
    assert w.swap_arms_action.isChecked()
    assert f"PROCESSED: {SWAP_BACK_NOTE}" in footer_lines(doc, w.view_state)
    assert SWAP_BACK_NOTE in w.record_panel.fields["Notes"].text()
    # The synthesized lateral leads follow the corrected lead I (the swap-trained model was
    # already close; never worse by more than rounding).
    assert doc.scores["V6"].pcc >= before["V6"].pcc - 0.01
    # The menu undoes it: the file as recorded, cautioned again.
    w.swap_arms_action.trigger()
    wait_synthesis(qtbot, w)
    assert not doc.arms_swapped_back and len(doc.cautions) == 1 and not w.swap_arms_action.isChecked()
    np.testing.assert_allclose(doc.record.lead("I"), swapped.lead("I"), atol=1e-3)
    assert not any(line.startswith("PROCESSED") for line in footer_lines(doc, w.view_state))
    # A saved 12-lead says so.
    bar.button.click()
    wait_synthesis(qtbot, w)
    w.save_record(tmp_path / "saved.h5")
    qtbot.waitUntil(lambda: not w.tasks.is_running("export"), timeout=60_000)
    assert read_record(tmp_path / "saved.h5").processing == (SWAP_BACK_NOTE,)
    # The next file opens as recorded.
    w.open_path(write_record(rec, tmp_path / "as_recorded"))
    wait_synthesis(qtbot, w)
    qtbot.waitUntil(lambda: w.document.path is not None and w.document.path.name.startswith("as_recorded"))
    assert not doc.arms_swapped_back and not bar.isVisible() and not w.swap_arms_action.isChecked()
    assert not error_boxes


def test_a_long_file_swapped_back_stays_swapped_back_window_after_window(qtbot, make_window, shared_data: Path,
                                                                          tmp_path: Path, error_boxes) -> None:
    from leadsynth_core.io import Hdf5RecordWriter, read_window
    from leadsynth_core.measurement.electrodes import SWAP_BACK_NOTE

    rec = read_record(shared_data / "ludb" / "data" / "1")
    swapped = swap_arms(rec)
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
    assert doc.arms_swapped_back
    w.view_state.set_position(95.0, doc.duration)
    qtbot.waitUntil(lambda: doc.covers(95.0, 96.0) and not w.tasks.is_running("window"), timeout=30_000)
    wait_synthesis(qtbot, w)
    raw = read_window(src, doc.offset, doc.offset + doc.record.n_samples)
    assert doc.record.processing == (SWAP_BACK_NOTE,)
    np.testing.assert_allclose(doc.record.lead("I"), -raw.lead("I"), atol=1e-5)
    np.testing.assert_allclose(doc.record.lead("II"), raw.lead("III"), atol=1e-5)
    # Saved whole, streamed chunk by chunk: swapped back throughout.
    w.save_record(tmp_path / "long_12lead.h5")
    qtbot.waitUntil(lambda: not w.tasks.is_running("export"), timeout=120_000)
    out = read_record(tmp_path / "long_12lead.h5")
    assert out.processing == (SWAP_BACK_NOTE,)
    full = read_record(src)
    np.testing.assert_allclose(out.lead("I"), -full.lead("I"), atol=1e-5)
    assert not error_boxes


def test_a_file_opened_swapped_back(qtbot, make_window, shared_data: Path, tmp_path: Path, error_boxes) -> None:
    # What leadsynth-gui RECORD --swap-arms does.
    rec = read_record(shared_data / "ludb" / "data" / "1")
    w = make_window()
    w.open_path(write_record(swap_arms(rec), tmp_path / "swapped"), swap_arms=True)
    wait_synthesis(qtbot, w)
    assert w.document.arms_swapped_back and w.document.cautions == () and w.swap_arms_action.isChecked()
    np.testing.assert_allclose(w.document.record.lead("I"), rec.lead("I"), atol=1e-3)
    assert not error_boxes


def test_a_watch_recording_swapped_back_says_only_lead_i_changed(qtbot, make_window, shared_data: Path,
                                                                 tmp_path: Path, error_boxes) -> None:
    rec = read_record(shared_data / "ludb" / "data" / "1")
    w = make_window()
    w.open_path(write_record(swap_arms(rec).select(["I"]), tmp_path / "watch"), swap_arms=True)
    wait_synthesis(qtbot, w)
    text = w.caution_bar.text()
    assert "I = -I as recorded." in text and "Lead I shown is not as recorded" in text
    assert "II and III" not in text and "chest" not in text
    assert not error_boxes
