"""Measure > Interpret this ECG: the reader's interpretation filed in the library with what the
page shows, shown in the Interpretation dock, printed on the report's pages, and flagged when
the page no longer shows what it was read on."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.render import median_page, page
from leadsynth_core.io import sample_path
from leadsynth_core.library import Library, identify_record

from .conftest import wait_synthesis

pytestmark = pytest.mark.gui


def _open(qtbot, window, inputs: tuple[str, ...]) -> None:
    window.set_inputs(inputs, fixed=True)
    window.open_path(sample_path())
    wait_synthesis(qtbot, window)
    qtbot.waitUntil(lambda: window.interpretation_ui.controller.ready, timeout=20000)


@pytest.fixture
def drawn_footers(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """The footer lines each painted page draws (the 12-lead page's and the median page's)."""
    drawn: list[list[str]] = []
    original = page.draw_footer

    def record(painter, lines, *args, **kwargs):  # noqa: ANN001, ANN202 (the painter's own signature)
        drawn.append(list(lines))
        return original(painter, lines, *args, **kwargs)

    monkeypatch.setattr(page, "draw_footer", record)
    monkeypatch.setattr(median_page, "draw_footer", record)
    return drawn


def test_filed_shown_printed_and_flagged_when_the_page_differs(qtbot, make_window, tmp_path: Path, error_boxes,
                                                               drawn_footers) -> None:
    w = make_window()
    _open(qtbot, w, ("I", "II", "V4"))
    ui = w.interpretation_ui
    panel = ui.panel
    assert panel.status.text() == "Not interpreted yet." and panel.write_button.text() == "Interpret…"
    assert ui.page_lines() == ()
    # The dialog says what is read before anything is written; nothing to file until both are given.
    dialog = ui.dialog()
    assert "a reconstruction: V1, V2, V3, V5, V6 SYNTHESIZED from I, II, V4" in dialog.shown.text()
    assert dialog.amends is None and not dialog.cautions.isVisibleTo(dialog)
    assert not dialog.file_button.isEnabled()
    dialog.reader.setText("Dr A. Reader")
    dialog.text.setPlainText("Sinus rhythm 60/min.  Normal axis.\nNo acute ST change.")
    assert dialog.file_button.isEnabled()
    dialog.deleteLater()
    assert ui.file("Dr A. Reader", "Sinus rhythm 60/min.  Normal axis.\nNo acute ST change.")
    assert w.settings.value("reading/reader") == "Dr A. Reader"
    (entry,) = ui.controller.entries
    assert entry.context.synthesized == ("V1", "V2", "V3", "V5", "V6") and entry.context.inputs == ("I", "II", "V4")
    # Compare mode on a 12-lead file: the reader saw the recorded truth under each synthesized lead.
    assert entry.context.truth_shown == entry.context.synthesized
    assert entry.one_line().startswith("Interpretation (Dr A. Reader, ") and \
        "by model " + w.document.result.model_id + ", drawn over their recorded truth): Sinus" in entry.one_line()
    assert entry.context.model_id == w.document.result.model_id
    with Library() as lib:  # in the library, under the file's content
        assert lib.interpretations(identify_record(sample_path())) == [entry]
    assert "Sinus rhythm 60/min." in panel.text.toPlainText() and panel.write_button.text() == "Amend…"
    assert not panel.caution.isVisible()
    # Printed on both pages of the report, as the last footer lines.
    assert w.export_report(tmp_path / "report.pdf") is not None
    assert len(drawn_footers) == 2
    for lines in drawn_footers:
        assert lines[-1] == entry.one_line() and isinstance(lines[-1], page.BoldLine)  # printed in bold
        assert "read on a reconstruction: V1, V2, V3, V5, V6 SYNTHESIZED from I, II, V4" in lines[-1]
    # The same reconstruction without its truth (review mode): not what was read, and said so.
    w.view_state.set_mode("review")
    assert panel.caution.isVisibleTo(panel) and "without their recorded truth" in panel.caution.text()
    w.view_state.set_mode("compare")
    assert not panel.caution.isVisibleTo(panel)
    # Read on I, II, V4; now the page shows another reconstruction: the dock and the page say so.
    w.set_inputs(("I", "II"), fixed=True)
    wait_synthesis(qtbot, w)
    assert panel.caution.isVisibleTo(panel) and "it shows a reconstruction: V1, V2, V3, V4, V5, V6 SYNTHESIZED from I, II by" in panel.caution.text()
    lines = w.page_args()["extras"].lines
    assert lines[-2] == entry.one_line()
    assert lines[-1].startswith("CAUTION: the interpretation above was read on a reconstruction: V1, V2, V3, V5, V6")
    # The same words may confirm it on this other view: an amendment, kept in order.
    dialog = ui.dialog()
    dialog.reader.setText("Dr B")
    dialog.text.setPlainText(entry.text)
    assert dialog.file_button.isEnabled() and "amends interpretation #1" in dialog.amends.text()
    dialog.deleteLater()
    assert ui.file("Dr B", entry.text)
    assert [e.amends for e in ui.controller.entries] == [None, entry.id]
    assert not panel.caution.isVisibleTo(panel) and panel.status.text() == "Interpretation in force (amends 1 earlier):"
    assert not error_boxes


def test_found_again_when_the_recording_is_opened_and_repeat_refused(qtbot, make_window, error_boxes) -> None:
    first = make_window()
    _open(qtbot, first, ("I", "II", "V2", "V4"))
    assert first.interpretation_ui.file("Dr A", "Normal ECG.")
    first.close()
    w = make_window()
    _open(qtbot, w, ("I", "II", "V2", "V4"))
    (entry,) = w.interpretation_ui.controller.entries
    assert entry.reader == "Dr A" and w.interpretation_ui.page_lines() == (entry.one_line(),)
    # Amending with the very text it has, on the same view, says nothing new: not offered.
    dialog = w.interpretation_ui.dialog()
    assert dialog.text.toPlainText() == "Normal ECG." and dialog.reader.text() == "Dr A"
    assert not dialog.file_button.isEnabled()
    dialog.deleteLater()
    assert not error_boxes


def test_nothing_to_interpret_without_a_recording(make_window, error_boxes) -> None:
    w = make_window()
    assert w.interpretation_ui.dialog() is None
    assert error_boxes == [("Cannot interpret yet", "open a recording first")]
    assert not w.interpretation_ui.panel.write_button.isEnabled()


def test_the_measurement_report_carries_it_last(qtbot, make_window, error_boxes) -> None:
    w = make_window()
    _open(qtbot, w, ("I", "II", "V4"))
    assert "interpretation" not in w.measurement_ui.report()
    assert w.interpretation_ui.file("Dr A", "Sinus rhythm.\nNo acute ST change.")
    doc = w.measurement_ui.report()
    assert doc["interpretation"]["text"] == "Sinus rhythm.\nNo acute ST change." and "caution" not in doc["interpretation"]
    text = w.measurement_ui.copy_measurements()
    assert text.splitlines()[-3:] == [f"interpretation #1 ({doc['interpretation']['heading']}):",
                                      "  Sinus rhythm.", "  No acute ST change."]
    w.set_inputs(("I", "II"), fixed=True)
    wait_synthesis(qtbot, w)
    caution = w.measurement_ui.report()["interpretation"]["caution"]
    assert caution.startswith("read on a reconstruction: V1, V2, V3, V5, V6 SYNTHESIZED from I, II, V4")
    assert w.measurement_ui.copy_measurements().splitlines()[-1] == f"  CAUTION: {caution}"
    assert not error_boxes


def test_standard_statements_are_inserted_and_enter_never_files(qtbot, make_window, error_boxes) -> None:
    from PySide6.QtCore import Qt

    from leadsynth_core.library.interpretations import standard_statements

    statements = standard_statements()
    assert statements[0] == "Normal ECG" and "1st degree AV block" in statements and "fQRS wave" in statements
    assert "Synthesized leads: findings in them are to be confirmed on a recorded 12-lead ECG" in statements
    w = make_window()
    _open(qtbot, w, ("I", "II", "V4"))
    dialog = w.interpretation_ui.dialog()
    dialog.show()
    dialog.reader.setText("Dr A")
    dialog.text.setPlainText("Sinus rhythm")
    dialog.text.moveCursor(dialog.text.textCursor().MoveOperation.End)
    dialog.statement.setEditText("Prolonged QT interval")
    qtbot.keyClick(dialog.statement.lineEdit(), Qt.Key.Key_Return)
    assert dialog.text.toPlainText() == "Sinus rhythm Prolonged QT interval. "
    assert dialog.isVisible() and dialog.result() == 0  # Enter inserted; it did not file
    dialog.statement.setEditText("Normal ECG")
    dialog.insert_button.click()
    assert dialog.text.toPlainText().endswith("interval. Normal ECG. ")
    qtbot.keyClick(dialog.reader, Qt.Key.Key_Return)  # nor does Enter in the reader's name
    assert dialog.isVisible() and dialog.result() == 0
    dialog.close()
    dialog.deleteLater()
    assert w.interpretation_ui.controller.entries == [] and not error_boxes


def test_the_electrode_caution_heads_the_dialog(qtbot, make_window, shared_data: Path, tmp_path: Path,
                                                error_boxes) -> None:
    from measurement_synth import swap_arms

    from leadsynth_core.io import read_record, write_record

    swapped = write_record(swap_arms(read_record(shared_data / "ludb" / "data" / "1")), tmp_path / "swapped")
    w = make_window()
    w.set_inputs(("I", "II", "V4"), fixed=True)
    w.open_path(swapped)
    wait_synthesis(qtbot, w)
    qtbot.waitUntil(lambda: w.interpretation_ui.controller.ready, timeout=20000)
    (caution,) = w.document.cautions
    dialog = w.interpretation_ui.dialog()
    assert dialog.cautions.isVisibleTo(dialog) and caution.short_text() in dialog.cautions.text()
    dialog.deleteLater()
    # A file without one: no caution box.
    w.open_path(sample_path())
    wait_synthesis(qtbot, w)
    qtbot.waitUntil(lambda: w.interpretation_ui.controller.ready and w.document.cautions == (), timeout=20000)
    dialog = w.interpretation_ui.dialog()
    assert not dialog.cautions.isVisibleTo(dialog)
    dialog.deleteLater()
    assert not error_boxes


def test_a_bold_line_is_printed_in_bold(qtbot) -> None:
    import numpy as np
    from PySide6.QtGui import QColor, QImage, QPainter

    def ink(line: str) -> int:
        image = QImage(800, 60, QImage.Format.Format_Grayscale8)
        image.fill(QColor("white"))
        painter = QPainter(image)
        page.draw_footer(painter, [line], 1.0, 1.0, 180.0, 4.0)
        painter.end()
        bits = np.frombuffer(image.constBits(), np.uint8, count=image.bytesPerLine() * image.height())
        return int((bits < 128).sum())

    text = "Interpretation (Dr A, 2026-12-05 20:37; read on the leads as recorded): Normal ECG."
    assert ink(page.BoldLine(text)) > 1.15 * ink(text) > 0
