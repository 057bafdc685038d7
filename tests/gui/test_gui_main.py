"""Smoke tests of the ``leadsynth-gui`` entry point."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication

from app.main import main
from leadsynth_core.errors import RecordFormatError
from leadsynth_core.io import sample_path

pytestmark = pytest.mark.gui


def _check_png(path: Path) -> None:
    image = QImage(str(path))
    assert not image.isNull()
    assert image.width() >= 1200 and image.height() >= 800


def test_screenshot_of_a_record(qapp, isolated_settings, tmp_path, shared_data) -> None:
    out = tmp_path / "shot.png"
    rc = main([str(shared_data / "ludb" / "data" / "1.hea"), "--inputs", "I,II,V2,V4", "--screenshot", str(out)])
    assert rc == 0
    _check_png(out)
    assert not [w for w in QApplication.topLevelWidgets() if w.isVisible()]


def test_screenshot_of_the_bundled_sample(qapp, isolated_settings, tmp_path) -> None:
    try:
        sample_path()
    except RecordFormatError as exc:
        pytest.skip(f"no bundled sample yet: {exc}")
    out = tmp_path / "sample.png"
    assert main(["--screenshot", str(out)]) == 0
    _check_png(out)


def test_report_of_a_record_and_a_report_that_cannot_be(qapp, isolated_settings, tmp_path, capsys) -> None:
    welch = Path(__file__).parents[1] / "data" / "scp" / "welch_allyn_pediatric_anon.scp"
    out = tmp_path / "reports" / "welch.pdf"
    assert main([str(welch), "--inputs", "I,II,V4", "--limb-order", "cabrera", "--report", str(out)]) == 0
    data = out.read_bytes()
    assert data.startswith(b"%PDF") and data.count(b"/Type /Page") - data.count(b"/Type /Pages") == 2
    assert not [w for w in QApplication.topLevelWidgets() if w.isVisible()]
    # At 20 mm/mV the median beats do not fit the sheet: exit 1, the reason, no file.
    tall = tmp_path / "tall.pdf"
    assert main([str(welch), "--inputs", "I,II,V4", "--gain", "20", "--report", str(tall)]) == 1
    assert "choose a smaller gain or speed" in capsys.readouterr().err and not tall.exists()


def test_bad_record_fails_the_screenshot(qapp, isolated_settings, tmp_path) -> None:
    bad = tmp_path / "bad.hea"
    bad.write_text("garbage\n")
    # A record that cannot be opened ends a batch run with exit status 2 (issue 13, item 6).
    assert main([str(bad), "--screenshot", str(tmp_path / "x.png")]) == 2
    assert not (tmp_path / "x.png").exists()


def test_bad_inputs_exit_2_without_leaking(qapp, isolated_settings, tmp_path) -> None:
    assert main(["--inputs", "I,XX", "--screenshot", str(tmp_path / "x.png")]) == 2
    assert not (tmp_path / "x.png").exists()
    assert not [w for w in QApplication.topLevelWidgets() if w.isVisible()]


def test_isolated_settings_hold_the_viewer_settings(qapp, isolated_settings) -> None:
    from app.state.settings import Settings

    settings = Settings()
    assert Path(settings.file_name).parent == isolated_settings
    settings.set_value("files/recent", ["/x/y.hea"])
    settings.sync()
    assert (isolated_settings / "viewer.ini").is_file()
    assert "y.hea" in (isolated_settings / "viewer.ini").read_text(encoding="utf-8")
