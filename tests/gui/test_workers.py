"""The viewer's worker runner reports what a user can cause as a user error, not as a bug."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from PySide6.QtWidgets import QWidget

from app.controllers.workers import TaskRunner
from leadsynth_core.errors import LeadSynthError, OptionError

pytestmark = pytest.mark.gui


def _bad_options() -> list:
    from leadsynth_core.agreement import score_recording
    from leadsynth_core.scoring import check_reference
    from leadsynth_core.streaming import synthesize_file
    from leadsynth_core.training.data import split_paths

    return [
        lambda tmp: check_reference("lowpass"),
        lambda tmp: score_recording(tmp / "x.hea", "I,II", segment_s=0.2),
        lambda tmp: synthesize_file(tmp / "x.hea", tmp / "out.h5", "I,II", chunk_s=0.0),
        lambda tmp: split_paths("test"),
    ]


@pytest.mark.parametrize("case", range(4))
def test_bad_option_values_are_user_errors(qtbot, monkeypatch, tmp_path: Path, case: int) -> None:
    hooked: list = []
    monkeypatch.setattr(sys, "excepthook", lambda *args: hooked.append(args))
    owner = QWidget()  # the runner lives as in the viewer: a child of a widget
    qtbot.addWidget(owner)
    runner = TaskRunner(owner)
    errors: list[BaseException] = []
    bad = _bad_options()[case]
    runner.start("check", lambda _p, _c: bad(tmp_path), on_success=lambda _r: None, on_error=errors.append)
    qtbot.waitUntil(lambda: bool(errors) or bool(hooked), timeout=10_000)
    qtbot.waitUntil(lambda: runner.active_count() == 0, timeout=10_000)
    assert runner.shutdown()
    qtbot.wait(20)  # let the finished threads' objects be deleted while their runner lives
    assert not hooked
    assert isinstance(errors[0], OptionError) and isinstance(errors[0], LeadSynthError)
    assert ":" in str(errors[0])  # names the option
