"""The arm-electrode caution in the viewer: above the traces while the file is open, first on the page."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from measurement_synth import swap_arms
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
