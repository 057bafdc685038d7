"""The wizard's patient page: recordings already in the library can be assigned to the
chosen patient or removed (issue 13, item 3), and a duplicate add says which entry it is."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from personalization_data import make_record  # noqa: E402
from PySide6.QtWidgets import QWidget  # noqa: E402

from app.controllers.notify import Notifier  # noqa: E402
from app.wizard.jobs import WizardJobs  # noqa: E402
from app.wizard.page_patient import PatientPage  # noqa: E402
from app.wizard.state import DEFAULT_EPOCHS, DEFAULT_LR, WizardState  # noqa: E402
from leadsynth_core.io import write_record  # noqa: E402
from leadsynth_core.library import Library  # noqa: E402
from leadsynth_core.options import DEFAULT_EPOCHS as CORE_EPOCHS  # noqa: E402
from leadsynth_core.options import DEFAULT_LR as CORE_LR  # noqa: E402

pytestmark = pytest.mark.gui


@pytest.fixture
def page(qtbot, error_boxes, tmp_path: Path):
    """The patient page as the wizard builds it: state, jobs and notifier owned by one host
    widget, so that all of them go with it (nothing left for a later test's event loop)."""
    host = QWidget()
    qtbot.addWidget(host)
    state = WizardState(inputs=("I", "II", "V2", "V4"), open_record=None, open_path=None, open_key=None,
                        open_patient=None, current_model=None, parent=host)
    jobs = WizardJobs(host)
    p = PatientPage(state, jobs, Notifier(host, interactive=False))
    p.setParent(host)
    p.initializePage()
    yield p
    assert jobs.shutdown()  # no worker left running


def _files(folder: Path, n: int = 3) -> list[Path]:
    folder.mkdir()
    return [write_record(make_record(3, 40 + i, seconds=3), folder / f"S000{i + 1}") for i in range(n)]


def test_assign_unassigned_recordings_to_the_chosen_patient(page, qtbot, tmp_path: Path, error_boxes) -> None:
    files = _files(tmp_path / "ptb")
    with Library() as lib:
        lib.add_recordings(files)  # added without a patient
    page.choose_patient("patient001")
    box = page.library_box
    assert box.list.count() == 3 and "no patient" in box.list.item(0).text()
    assert "3 recording(s) in the library have no patient" in box.hint.text() and "Assign to patient001" in box.hint.text()
    assert not box.assign_button.isEnabled()
    box.list.item(0).setSelected(True)
    box.list.item(1).setSelected(True)
    assert box.assign_button.isEnabled() and box.assign_button.text() == "Assign to patient001"
    box.assign_button.click()
    with Library() as lib:
        assert len(lib.list_recordings("patient001")) == 2 and len(lib.unassigned_recordings()) == 1
    assert "2 complete 12-lead of 2 recordings" in page.patient_info.text()
    assert sum("patient patient001" in box.list.item(i).text() for i in range(box.list.count())) == 2
    # Remove one from the library: the file stays.
    row = next(i for i in range(box.list.count()) if "no patient" in box.list.item(i).text())
    box.list.item(row).setSelected(True)
    box.remove_button.click()
    with Library() as lib:
        assert lib.unassigned_recordings() == []
    assert all(f.exists() for f in files) and box.list.count() == 2
    assert not error_boxes


def test_duplicate_add_names_the_entry_and_selects_it(page, qtbot, tmp_path: Path) -> None:
    files = _files(tmp_path / "ptb", n=1)
    with Library() as lib:
        (entry,) = lib.add_recordings(files).added
    page.choose_patient("patient001")
    with qtbot.waitSignal(page._jobs.added, timeout=30_000):
        page.add_paths([str(files[0])])
    text = page.add_label.text()
    assert f"already in the library as #{entry.id} (no patient)" in text and "Assign to patient001" in text
    assert page.library_box.selected_ids() == [entry.id]


def test_wizard_defaults_come_from_the_core() -> None:
    assert (DEFAULT_EPOCHS, DEFAULT_LR) == (CORE_EPOCHS, CORE_LR)
