"""The personalization wizard, driven end to end on real LUDB records (few epochs).

LUDB has one record per patient, so each test writes LUDB records 1-8 into ``tmp_path``
as eight dated "visits" and adds them to the (per-test) library with the explicit patient
id ``PT-1``.  Visit 8 lacks lead V3; visit 7 is the record open in the viewer.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtWidgets import QWizard  # noqa: E402

from leadsynth_core import io as lsio  # noqa: E402
from leadsynth_core.library import Library  # noqa: E402
from leadsynth_core.paths import personal_models_dir, user_data_dir  # noqa: E402
from leadsynth_core.runtime import training_ready  # noqa: E402

from .conftest import wait_synthesis  # noqa: E402

pytestmark = pytest.mark.gui

PATIENT = "PT-1"
INPUTS = ("I", "II", "V2", "V4")
FEW_EPOCHS = 8


def write_visits(shared_data: Path, folder: Path) -> list[Path]:
    """LUDB 1-8 as visits dated 2024-01-01 .. 08 (no patient id in the files); 8 lacks V3."""
    folder.mkdir()
    paths = []
    for k in range(1, 9):
        rec = lsio.read_record(shared_data / "ludb" / "data" / str(k))
        rec = rec.replace(recorded_at=dt.datetime(2024, 1, k, 9, 30), source=None, patient_id=None)
        if k == 8:
            rec = rec.select([n for n in rec.lead_names if n != "V3"])
        paths.append(lsio.write_record(rec, folder / f"visit{k}"))
    return paths


@pytest.fixture
def visits(shared_data: Path, tmp_path: Path) -> list[Path]:
    """The visits, in the library as recordings of PT-1 (the patient id given on adding)."""
    paths = write_visits(shared_data, tmp_path / "visits")
    with Library() as lib:
        report = lib.add_recordings(paths, patient_id=PATIENT)
    assert len(report.added) == 8, report.summary()
    return paths


def leftovers() -> list[Path]:
    """Files a personalization may have written: personal models and staging folders."""
    found = []
    for folder in (personal_models_dir(), user_data_dir() / "staging"):
        if folder.exists():
            found += [p for p in folder.rglob("*") if p.is_file()]
    return found


def library_models(patient: str = PATIENT) -> list:
    with Library() as lib:
        return lib.personal_models(patient)


@pytest.fixture
def viewer(make_window, qtbot, visits):
    """The main window with visit 7 open and synthesized."""
    window = make_window()
    window.set_inputs(INPUTS)
    window.open_path(visits[6])
    wait_synthesis(qtbot, window)
    return window


def open_wizard(window, qtbot):
    wizard = window.personalize_dialog()
    qtbot.waitExposed(wizard)
    return wizard


def next_button(wizard):
    return wizard.button(QWizard.WizardButton.NextButton)


def click_next(wizard, qtbot, timeout: int = 30_000) -> None:
    """Wait until Next is enabled (the page is complete), then click it like a user."""
    qtbot.waitUntil(next_button(wizard).isEnabled, timeout=timeout)
    next_button(wizard).click()


def go_to_recordings(wizard, qtbot) -> None:
    assert wizard.currentPage() is wizard.patient_page
    click_next(wizard, qtbot)
    qtbot.waitUntil(next_button(wizard).isEnabled, timeout=30_000)


def go_to_training(wizard, qtbot, *, epochs: int = FEW_EPOCHS, lr: float | None = None) -> None:
    go_to_recordings(wizard, qtbot)
    click_next(wizard, qtbot)
    page = wizard.settings_page
    page.advanced_button.click()
    page.epochs_spin.setValue(epochs)
    if lr is not None:
        page.lr_spin.setValue(lr)
    click_next(wizard, qtbot)
    assert wizard.currentPage() is wizard.training_page


def finish_training(wizard, qtbot) -> None:
    click_next(wizard, qtbot, timeout=120_000)
    assert wizard.currentPage() is wizard.review_page


# ------------------------------------------------------------------------------ tests
def test_patient_and_recordings_pages(viewer, qtbot, error_boxes):
    wizard = open_wizard(viewer, qtbot)
    # The open record names no patient; the library links it to PT-1.
    assert wizard.state.patient_id == PATIENT
    assert PATIENT in wizard.patient_page.open_label.text()
    assert wizard.patient_page.patient_combo.currentData() == PATIENT
    assert "7 complete 12-lead of 8 recordings" in wizard.patient_page.patient_info.text()
    go_to_recordings(wizard, qtbot)
    page, st = wizard.recordings_page, wizard.state
    assert page.tree.topLevelItemCount() == 8
    dates = [page.tree.topLevelItem(i).text(1) for i in range(8)]
    assert dates == sorted(dates, reverse=True) and dates[0] == "2024-01-08 09:30"
    by_name = {c.name: c for c in st.candidates}
    # Visit 8: greyed (no check box, disabled) with the reason; visit 7 is the open record.
    missing = page.item_for(by_name["visit8.hea"].id)
    assert missing.flags() == Qt.ItemFlag.NoItemFlags
    assert "missing lead" in missing.text(4) and "V3" in missing.text(4)
    assert page.item_for(by_name["visit7.hea"].id).flags() == Qt.ItemFlag.NoItemFlags
    # The five most recent usable ones are ticked by default: visits 2-6, not 1.
    ticked = {c.name for c in st.chosen()}
    assert ticked == {f"visit{k}.hea" for k in range(2, 7)}
    assert page.item_for(by_name["visit1.hea"].id).checkState(0) == Qt.CheckState.Unchecked
    # Ticking in the list changes the state; unticking all makes the page incomplete.
    page.item_for(by_name["visit1.hea"].id).setCheckState(0, Qt.CheckState.Checked)
    assert len(st.selected) == 6 and "6 recordings" in page.summary.text()
    for c in list(st.chosen()):
        page.item_for(c.id).setCheckState(0, Qt.CheckState.Unchecked)
    assert not page.isComplete() and not next_button(wizard).isEnabled()
    st.set_selected(by_name["visit8.hea"].id, True)  # an unusable one cannot be selected
    assert not st.selected
    wizard.reject()
    assert not error_boxes


def test_settings_page_defaults_and_estimate(viewer, qtbot):
    wizard = open_wizard(viewer, qtbot)
    go_to_recordings(wizard, qtbot)
    click_next(wizard, qtbot)
    page = wizard.settings_page
    # Base model: the one serving the viewer's selection; paper defaults behind Advanced.
    assert wizard.state.base.id == viewer.document.model_card.id
    assert not page.advanced.isVisibleTo(page)
    assert page.epochs_spin.value() == 60 and page.lr_spin.value() == pytest.approx(0.002)
    devices = [page.device_combo.itemText(i) for i in range(page.device_combo.count())]
    assert devices[0].startswith("Automatic: ") and any(
        d.startswith("cpu (") and "thread" in d for d in devices
    )
    # Five 10-s recordings, the head only: a fraction of a second on the CPU (0.23 s measured
    # here), which "auto" keeps even where there is a GPU (personalization.cost), once the
    # wizard's warm-up has paid PyTorch's first-optimizer cost.
    qtbot.waitUntil(training_ready, timeout=30_000)
    qtbot.waitUntil(lambda: "less than 1 s" in page.estimate_label.text(), timeout=5_000)
    text = page.estimate_label.text()
    assert "5 recording(s), 50 s of signal, 60 epochs, on the CPU" in text and "less than 1 s" in text
    page.advanced_button.click()
    assert page.advanced.isVisibleTo(page)
    page.epochs_spin.setValue(600)
    assert "600 epochs" in page.estimate_label.text() and wizard.state.epochs == 600
    wizard.reject()


def test_the_wizard_pays_the_first_optimizer_cost_while_the_user_chooses(viewer, qtbot, monkeypatch):
    # A process that has not fine-tuned yet: the wizard makes PyTorch's first optimizer in a
    # worker as it opens (0.8 s here), then the settings page re-estimates without it.
    import app.wizard.jobs as jobs

    ready = {"value": False}
    monkeypatch.setattr(jobs, "training_ready", lambda: ready["value"])
    monkeypatch.setattr("leadsynth_core.personalization.cost.training_ready", lambda: ready["value"])
    monkeypatch.setattr(jobs, "prepare_training", lambda: ready.update(value=True))
    wizard = open_wizard(viewer, qtbot)
    qtbot.waitUntil(lambda: ready["value"] and wizard.jobs.active() == 0, timeout=10_000)
    go_to_recordings(wizard, qtbot)
    click_next(wizard, qtbot)
    assert "less than 1 s" in wizard.settings_page.estimate_label.text()
    ready["value"] = False  # as if it had not run: the one-off cost is in the estimate
    wizard.settings_page.update_estimate()
    assert "about 1 s" in wizard.settings_page.estimate_label.text()
    ready["value"] = True
    wizard.jobs.training_prepared.emit()  # the warm-up's end re-estimates the settings page
    assert "less than 1 s" in wizard.settings_page.estimate_label.text()
    wizard.reject()


def test_cancel_mid_training_stops_fast_and_leaves_nothing(viewer, qtbot, error_boxes):
    wizard = open_wizard(viewer, qtbot)
    go_to_training(wizard, qtbot, epochs=200_000)  # minutes of work
    page = wizard.training_page
    qtbot.waitUntil(lambda: len(page.losses) >= 5, timeout=60_000)
    # The GUI stays responsive while it trains: the loss curve and the clock move.
    n = len(page.losses)
    qtbot.wait(300)
    assert len(page.losses) > n and "Elapsed" in page.time_label.text()
    assert "epoch" in page.progress.format()
    t0 = time.perf_counter()
    page.cancel_button.click()
    qtbot.waitUntil(lambda: wizard.jobs.active() == 0, timeout=2_000)
    assert time.perf_counter() - t0 < 0.5
    assert "cancelled" in page.status_label.text() and not next_button(wizard).isEnabled()
    assert wizard.state.review is None
    assert leftovers() == [] and library_models() == []
    wizard.reject()
    assert not error_boxes


def test_closing_the_wizard_during_training_joins_the_worker(viewer, qtbot):
    wizard = open_wizard(viewer, qtbot)
    go_to_training(wizard, qtbot, epochs=200_000)
    qtbot.waitUntil(lambda: len(wizard.training_page.losses) >= 1, timeout=60_000)
    assert wizard.jobs.training()
    wizard.close()  # the close box: reject -> done -> shutdown joins the thread
    assert wizard.jobs.active() == 0
    assert leftovers() == [] and library_models() == []


def test_review_says_when_personalization_did_not_help_and_discard_leaves_no_trace(
    viewer, qtbot, error_boxes
):
    wizard = open_wizard(viewer, qtbot)
    go_to_training(wizard, qtbot, lr=8.0)  # far too large: the head diverges
    finish_training(wizard, qtbot)
    page = wizard.review_page
    assert wizard.state.result.verdict == "worse"
    assert "Personalization did not help; keep the general model" in page.verdict_label.text()
    # Accept is offered only after an explicit "save anyway".
    assert not page.isComplete()
    assert not wizard.button(QWizard.WizardButton.FinishButton).isEnabled()
    page.keep_anyway.setChecked(True)
    assert wizard.button(QWizard.WizardButton.FinishButton).isEnabled()
    assert wizard.button(QWizard.WizardButton.CancelButton).text() == "Discard"
    wizard.button(QWizard.WizardButton.CancelButton).click()
    assert not wizard.isVisible() and wizard.jobs.active() == 0
    assert leftovers() == [] and library_models() == []
    assert not error_boxes


def test_accept_saves_the_model_and_the_viewer_uses_it(viewer, qtbot, error_boxes):
    general_id = viewer.document.model_card.id
    wizard = open_wizard(viewer, qtbot)
    go_to_training(wizard, qtbot)
    chosen_ids = set(wizard.state.selected)
    page = wizard.training_page
    finish_training(wizard, qtbot)
    assert len(page.losses) == FEW_EPOCHS
    review = wizard.review_page
    res = wizard.state.result
    assert res.verdict == "improved", res.table()
    assert "Personalization helped" in review.verdict_label.text()
    # Before/after on the held-out parts and on the open record (it has all 12 leads).
    assert review.holdout_table.rowCount() == len(res.leads) + 1
    assert review.open_table.isVisibleTo(review) and review.open_table.rowCount() == len(res.leads) + 1
    assert wizard.state.review.open_scores is not None
    # The overlay: truth, general and personal, labelled, for the chosen lead.
    review.lead_combo.setCurrentText("V5")
    names = [item.name() for item in review.plot.listDataItems()]
    assert names == ["V5 measured (truth)", "V5 SYNTHESIZED, general model", "V5 SYNTHESIZED, personal model"]
    assert_review_plot_style(review)
    assert "visit7.hea" in review.overlay_label.text()
    assert wizard.button(QWizard.WizardButton.FinishButton).text() == "Accept"
    closed: list[int] = []
    wizard.finished.connect(closed.append)
    wizard.button(QWizard.WizardButton.FinishButton).click()
    # The model is written in a worker: the wizard stays (Accept and Discard disabled)
    # until it is saved, and the GUI thread never waits for the files.
    assert not wizard.button(QWizard.WizardButton.FinishButton).isEnabled()
    assert wizard.jobs.is_saving() and not closed
    qtbot.waitUntil(lambda: bool(closed), timeout=30_000)

    models = library_models()
    assert len(models) == 1
    model = models[0]
    assert model.patient_id == PATIENT and model.base_model_id == general_id
    assert set(model.recording_ids) == chosen_ids
    assert Path(model.path).is_file()

    # The viewer re-synthesizes with the personal model and says so.
    qtbot.waitUntil(
        lambda: getattr(viewer.document.model_card, "patient_id", None) == PATIENT, timeout=60_000
    )
    wait_synthesis(qtbot, viewer)
    assert viewer.document.result.model_id == model.id
    today = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d")
    text = viewer.model_indicator.label.text()
    assert f"personalized for patient {PATIENT}, trained on 5 recordings, {today}" in text
    # ... and switches back to the general model on request.
    switch = viewer.model_indicator.switch_button
    assert switch.isVisible() and switch.text() == "Use general model"
    switch.click()
    qtbot.waitUntil(
        lambda: viewer.document.model_card is not None and viewer.document.model_card.id == general_id,
        timeout=60_000,
    )
    wait_synthesis(qtbot, viewer)
    assert "general" in viewer.model_indicator.label.text()
    assert switch.text() == "Use personal model"
    assert not error_boxes


def test_adding_recordings_for_a_new_patient_in_a_worker(make_window, qtbot, shared_data, tmp_path):
    paths = write_visits(shared_data, tmp_path / "visits")
    window = make_window()
    window.set_inputs(INPUTS)
    window.open_path(paths[6])
    wait_synthesis(qtbot, window)
    wizard = open_wizard(window, qtbot)
    page = wizard.patient_page
    assert wizard.state.patient_id == "" and not next_button(wizard).isEnabled()
    assert "no patient id" in page.open_label.text()
    page.choose_patient("PT-9")
    assert next_button(wizard).isEnabled()
    page.add_paths([str(tmp_path / "visits")])
    assert not next_button(wizard).isEnabled()  # not while adding
    qtbot.waitUntil(next_button(wizard).isEnabled, timeout=60_000)
    assert "8 added" in page.add_label.text()
    assert page.patient_combo.currentData() == "PT-9"
    assert "7 complete 12-lead of 8 recordings" in page.patient_info.text()
    go_to_recordings(wizard, qtbot)
    assert len(wizard.state.selected) == 5
    wizard.reject()


def test_without_an_open_record_the_review_draws_a_held_out_part(make_window, qtbot, visits, error_boxes):
    window = make_window()
    window.set_inputs(INPUTS)
    wizard = open_wizard(window, qtbot)
    page = wizard.patient_page
    assert "No record is open" in page.open_label.text() and not next_button(wizard).isEnabled()
    # Typing an unknown id, then picking the patient from the library list.
    qtbot.keyClicks(page.patient_combo.lineEdit(), "PT-404")
    assert wizard.state.patient_id == "PT-404" and "not in the library" in page.patient_info.text()
    page.patient_combo.setCurrentIndex(page.patient_combo.findData(PATIENT))
    assert wizard.state.patient_id == PATIENT and next_button(wizard).isEnabled()
    go_to_training(wizard, qtbot)
    assert {c.name for c in wizard.state.chosen()} == {f"visit{k}.hea" for k in range(3, 8)}
    finish_training(wizard, qtbot)
    review = wizard.review_page
    assert wizard.state.review.open_scores is None and not review.open_table.isVisibleTo(review)
    assert "held-out last" in review.overlay_label.text() and "visit7.hea" in review.overlay_label.text()
    wizard.reject()
    assert leftovers() == [] and library_models() == []
    assert not error_boxes


def assert_review_plot_style(review) -> None:
    """The project's trace style: no dashes; both syntheses in the synthesized hue, the
    personal model in the synthesized colour itself, the general one washed out; the
    truth in the measured ink."""
    from app.render.theme import LIGHT

    truth, general, personal = review.plot.listDataItems()
    pens = {item.name(): item.opts["pen"] for item in (truth, general, personal)}
    assert all(pen.style() == Qt.PenStyle.SolidLine for pen in pens.values()), pens
    assert personal.opts["pen"].color() == LIGHT.synthesized
    assert truth.opts["pen"].color() == LIGHT.measured
    washed = general.opts["pen"].color()
    assert washed != LIGHT.synthesized and washed.hue() == pytest.approx(LIGHT.synthesized.hue(), abs=3)
    assert washed.lightness() > LIGHT.synthesized.lightness()
    assert "dashed" not in review.plot.plotItem.titleLabel.text


def test_review_plot_draws_syntheses_solid_in_the_synthesized_colour(qtbot) -> None:
    """The review page's overlay alone (no training): the style, for every lead shown."""
    from types import SimpleNamespace

    import numpy as np

    from app.wizard.page_review import ReviewPage

    t = np.linspace(0, 2, 1000)
    wave = {lead: np.sin(2 * np.pi * t * k) for k, lead in enumerate(("V1", "V5"), start=1)}
    overlay = SimpleNamespace(label="test", fs=500.0, truth=wave, general=dict(wave), personal=dict(wave))
    page = ReviewPage(SimpleNamespace(review=SimpleNamespace(overlay=overlay)))
    qtbot.addWidget(page)
    for lead in ("V1", "V5"):
        page.show_lead(lead)
        assert [item.name() for item in page.plot.listDataItems()] == [
            f"{lead} measured (truth)", f"{lead} SYNTHESIZED, general model", f"{lead} SYNTHESIZED, personal model"]
        assert_review_plot_style(page)
