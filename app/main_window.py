"""The main window: assembles the document, the controllers, the views and the actions.

It holds no ECG state of its own (that is :class:`~app.document.ViewerDocument` and
:class:`~app.document.ViewState`); it wires user gestures to controllers and shows
status.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QByteArray, Qt
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QLabel,
    QMainWindow,
    QMenu,
    QProgressBar,
    QPushButton,
    QTabWidget,
    QToolBar,
    QWidget,
    QWizard,
)

from leadsynth_core.errors import LeadSynthError
from leadsynth_core.record import Provenance

from . import dialogs, export
from .controllers import AgreementController, RecordController, SynthesisController
from .dataset_dialog import DatasetDialog
from .document import ViewerDocument, ViewState
from .filters import DisplayFilters
from .long_recording import WindowPager
from .measurement_controller import MeasurementController
from .measurement_ui import MeasurementUi
from .notify import Notifier
from .settings import GAINS_MM_MV, LAYOUTS, LOWPASS_CHOICES_HZ, NOTCH_CHOICES_HZ, SPEEDS_MM_S, Settings
from .theme import apply_palette
from .views.agreement_view import AgreementView
from .views.ecg_grid import EcgGridView
from .views.lead_picker import PRESETS, LeadPicker
from .views.median_view import MedianBeatView
from .views.metrics_table import MetricsTable
from .views.record_panel import RecordPanel
from .wizard import ModelIndicator, PatientModelChoice
from .workers import TaskRunner

log = logging.getLogger(__name__)


class MainWindow(QMainWindow):
    def __init__(self, settings: Settings | None = None, parent: QWidget | None = None, *,
                 interactive: bool = True) -> None:
        super().__init__(parent)
        self.setWindowTitle("LeadSynth")
        self.setAcceptDrops(True)
        self.settings = settings or Settings(self)
        self.notifier = Notifier(self, interactive=interactive)
        self.tasks = TaskRunner(self)
        self.document = ViewerDocument(self)
        self.view_state = ViewState(self.settings, self)
        self.records = RecordController(self.document, self.tasks, self.notifier, self,
                                        long_threshold_mb=lambda: self.settings.value("files/long_recording_mb"))
        self.pager = WindowPager(self.document, self.view_state, self.tasks, self.notifier, self)
        self.synthesis = SynthesisController(self.document, self.tasks, self.notifier, self)
        self.model_choice = PatientModelChoice(self)  # a patient's personal model, or the general one
        self.synthesis.choose_model = self.model_choice.choose
        self.model_choice.changed.connect(self.synthesis.run)
        self.document.set_inputs(self.settings.value("leads/inputs"))
        self.synthesis.refresh_model()
        self.agreement = AgreementController(self.document, self.tasks, self.notifier, self)
        self._dataset: DatasetDialog | None = None
        #: Window state to restore when presentation mode ends (None: not presenting).
        self._before_presentation: tuple[QByteArray, QByteArray, bool] | None = None
        self.synthesis.set_reference(self.view_state.score_reference)
        self.agreement.set_options(segment_s=self.settings.value("agreement/segment_s"))
        self.agreement.options_changed.connect(self._save_agreement_options)

        self.grid = EcgGridView(self.document, self.view_state)
        self.measurements = MeasurementController(self.document, self.view_state, self)
        self.median = MedianBeatView(self.document, self.view_state, measurements=self.measurements)
        self.agreement_view = AgreementView(self.document, self.view_state, self.agreement, self.notifier)
        self.agreement_view.jump_requested.connect(self.show_time)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.grid, "12-lead")
        self.tabs.addTab(self.median, "Median beats")
        self.tabs.addTab(self.agreement_view, "Agreement over time")
        self.tabs.currentChanged.connect(lambda i: self.median.set_active(self.tabs.widget(i) is self.median))
        self.setCentralWidget(self.tabs)

        self.picker = LeadPicker(self.document)
        self.picker.selection_requested.connect(self.set_inputs)
        self.record_panel = RecordPanel(self.document)
        self.metrics = MetricsTable(self.document, self.view_state)
        self._add_dock("Measured leads", self.picker, Qt.DockWidgetArea.LeftDockWidgetArea)
        self._add_dock("Record", self.record_panel, Qt.DockWidgetArea.LeftDockWidgetArea)
        self._add_dock("Scores", self.metrics, Qt.DockWidgetArea.RightDockWidgetArea).setMinimumWidth(300)

        self._build_status_bar()
        self._build_actions()
        self.measurement_ui = MeasurementUi(self, self.measurements)
        self.records.opened.connect(self._on_opened)
        self.document.synthesis_state_changed.connect(self._on_synthesis_state)
        self.document.synthesis_progress.connect(self._on_progress)
        self.document.record_changed.connect(self._update_title)
        self.view_state.changed.connect(self._on_view_changed)
        self.grid.zoom_changed.connect(lambda r: self.zoom_label.setText(f"Zoom {100 * r:.0f}%"))
        self.notifier.info_posted.connect(lambda m: self.statusBar().showMessage(m, 8000))
        self.tasks.busy_changed.connect(self._on_busy)
        self._restore_window()
        self._update_status()
        apply_palette(QApplication.instance(), self.view_state.theme)

    # ---------------------------------------------------------------- set-up
    def _add_dock(self, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock-{title}")
        dock.setWidget(widget)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable | QDockWidget.DockWidgetFeature.DockWidgetFloatable)
        self.addDockWidget(area, dock)
        return dock

    def _build_status_bar(self) -> None:
        sb = self.statusBar()
        self.state_label = QLabel()
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(160)
        self.progress.setRange(0, 1000)
        self.progress.setVisible(False)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Cancel the running synthesis (Esc)")
        self.cancel_button.clicked.connect(self.synthesis.cancel)
        self.cancel_button.setVisible(False)
        self.filter_label = QLabel()
        self.scale_label = QLabel()
        self.zoom_label = QLabel()
        sb.addWidget(self.state_label, 1)
        sb.addWidget(self.progress)
        sb.addWidget(self.cancel_button)
        self.model_indicator = ModelIndicator(self.document, self.model_choice)
        sb.addPermanentWidget(self.model_indicator)
        sb.addPermanentWidget(self.filter_label)
        sb.addPermanentWidget(self.scale_label)
        sb.addPermanentWidget(self.zoom_label)

    def _action(self, menu: QMenu, text: str, slot: Callable[..., object],
                shortcut: str | QKeySequence | QKeySequence.StandardKey | None = None, *,
                checkable: bool = False, group: QActionGroup | None = None, tip: str = "") -> QAction:
        act = QAction(text, self)
        if shortcut is not None:
            act.setShortcut(QKeySequence(shortcut))
        act.setCheckable(checkable)
        if tip:
            act.setStatusTip(tip)
        if group is not None:
            group.addAction(act)
        act.triggered.connect(slot)
        menu.addAction(act)
        self.addAction(act)  # shortcuts work even while a dock has the focus
        return act

    def _build_actions(self) -> None:
        mb = self.menuBar()
        vs = self.view_state
        f = mb.addMenu("&File")
        open_act = self._action(f, "&Open…", self.open_dialog, QKeySequence.StandardKey.Open)
        self.recent_menu = f.addMenu("Open &recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        f.addSeparator()
        pdf_act = self._action(f, "Export view as &PDF…", self.export_pdf_dialog, "Ctrl+E")
        self._action(f, "Export view as P&NG…", self.export_png_dialog, "Ctrl+Shift+E")
        save_act = self._action(f, "&Save synthesized 12-lead…", self.save_record_dialog, QKeySequence.StandardKey.Save)
        f.addSeparator()
        self._action(f, "Evaluate a &data set…", self.dataset_dialog, "Ctrl+Shift+D",
                     tip="Synthesize and score every 12-lead record of a folder; the worst first")
        f.addSeparator()
        self._action(f, "&Quit", self.close, QKeySequence.StandardKey.Quit)

        leads = mb.addMenu("&Leads")
        for i, (text, preset, device) in enumerate(PRESETS):
            self._action(leads, f"Preset {text} ({device})", lambda _=False, p=preset: self.set_inputs(p), str(i + 1))
        leads.addSeparator()
        self._action(leads, "Cancel synthesis", self.synthesis.cancel, "Esc")
        leads.addSeparator()
        self._action(leads, "&Personalize the model for this patient…", self.personalize_dialog, "Ctrl+Shift+P",
                     tip="Fine-tune the model on the patient's past 12-lead recordings")

        v = mb.addMenu("&View")
        self.layout_actions: dict[str, QAction] = {}
        g = QActionGroup(self)
        for name in LAYOUTS:
            self.layout_actions[name] = self._action(v, f"Layout {name}", lambda _=False, n=name: vs.set_layout(n),
                                                     checkable=True, group=g)
        self._action(v, "Next layout", lambda: vs.set_layout(LAYOUTS[(LAYOUTS.index(vs.layout) + 1) % len(LAYOUTS)]), "L")
        v.addSeparator()
        g = QActionGroup(self)
        self.mode_actions = {
            "compare": self._action(v, "Compare with measured truth", lambda: vs.set_mode("compare"), "C", checkable=True, group=g),
            "review": self._action(v, "Review (device view only)", lambda: vs.set_mode("review"), "R", checkable=True, group=g),
        }
        v.addSeparator()
        self.speed_actions: dict[float, QAction] = {}
        g = QActionGroup(self)
        for s in SPEEDS_MM_S:
            self.speed_actions[s] = self._action(v, f"{s:g} mm/s", lambda _=False, s=s: vs.set_speed(s), checkable=True, group=g)
        self._action(v, "Next speed", lambda: vs.set_speed(SPEEDS_MM_S[(SPEEDS_MM_S.index(vs.speed) + 1) % len(SPEEDS_MM_S)]), "S")
        self.gain_actions: dict[float, QAction] = {}
        g = QActionGroup(self)
        for gval in GAINS_MM_MV:
            self.gain_actions[gval] = self._action(v, f"{gval:g} mm/mV", lambda _=False, x=gval: vs.set_gain(x), checkable=True, group=g)
        self._action(v, "Next gain", lambda: vs.set_gain(GAINS_MM_MV[(GAINS_MM_MV.index(vs.gain) + 1) % len(GAINS_MM_MV)]), "G")
        v.addSeparator()
        self._action(v, "Zoom in", lambda: self.grid.zoom(1.25), QKeySequence.StandardKey.ZoomIn)
        self._action(v, "Zoom out", lambda: self.grid.zoom(0.8), QKeySequence.StandardKey.ZoomOut)
        self._action(v, "True size (calibrated mm)", self.grid.true_size, "Ctrl+0")
        self._action(v, "Fit page", self.grid.fit_page, "F")
        self._action(v, "Next page", lambda: self.grid.step_time(1.0), QKeySequence.StandardKey.MoveToNextPage)
        self._action(v, "Previous page", lambda: self.grid.step_time(-1.0), QKeySequence.StandardKey.MoveToPreviousPage)
        self._action(v, "Forward 1/4 page", lambda: self.grid.step_time(0.25), "Right")
        self._action(v, "Back 1/4 page", lambda: self.grid.step_time(-0.25), "Left")
        v.addSeparator()
        self._action(v, "Median beats", lambda: self.tabs.setCurrentWidget(self.median if self.tabs.currentWidget() is self.grid else self.grid), "B")
        self._action(v, "Agreement over time", lambda: self.tabs.setCurrentWidget(
            self.agreement_view if self.tabs.currentWidget() is not self.agreement_view else self.grid), "A",
            tip="Per-segment PCC along the recording, and the worst segments")
        self._action(v, "Show the worst segment", self._show_worst, "Ctrl+J",
                     tip="Turn the page to the segment where the synthesis agrees least with the truth")
        self.dark_action = self._action(v, "Dark theme", lambda on: vs.set_theme("dark" if on else "light"), "T", checkable=True)
        self.presentation_action = self._action(
            v, "Presentation mode", self.set_presentation, "F11", checkable=True,
            tip="Full screen, the ECG page only (labels, legend and badges stay); F11 again to leave")

        flt = mb.addMenu("F&ilters")
        self.baseline_action = self._action(flt, "Remove baseline wander", lambda on: self._set_filter(baseline=on), "W", checkable=True)
        flt.addSeparator()
        self.notch_actions: dict[int, QAction] = {}
        g = QActionGroup(self)
        for hz in NOTCH_CHOICES_HZ:
            self.notch_actions[hz] = self._action(flt, f"Notch {hz} Hz" if hz else "Notch off",
                                                  lambda _=False, hz=hz: self._set_filter(notch_hz=hz), checkable=True, group=g)
        flt.addSeparator()
        self.lowpass_actions: dict[int, QAction] = {}
        g = QActionGroup(self)
        for hz in LOWPASS_CHOICES_HZ:
            self.lowpass_actions[hz] = self._action(flt, f"Low-pass {hz} Hz" if hz else "Low-pass off",
                                                    lambda _=False, hz=hz: self._set_filter(lowpass_hz=hz), checkable=True, group=g)
        h = mb.addMenu("&Help")
        self._action(h, "&About LeadSynth", lambda: dialogs.show_about(self))
        # The tool bar repeats the actions a reviewer uses all the time (same QActions).
        tools = self.addToolBar("Main")
        tools.setObjectName("toolbar-main")
        tools.setMovable(False)
        open_act.setIconText("Open")
        pdf_act.setIconText("PDF")
        save_act.setIconText("Save 12-lead")
        self.mode_actions["compare"].setIconText("Compare")
        self.mode_actions["review"].setIconText("Review")
        for name, act in self.layout_actions.items():
            act.setIconText(name)
        tools.addAction(open_act)
        tools.addAction(pdf_act)
        tools.addAction(save_act)
        for group in (self.mode_actions, self.layout_actions, self.speed_actions, self.gain_actions):
            tools.addSeparator()
            for act in group.values():
                tools.addAction(act)
        self._sync_actions()

    def _sync_actions(self) -> None:
        vs = self.view_state
        self.layout_actions[vs.layout].setChecked(True)
        self.mode_actions[vs.mode].setChecked(True)
        if vs.speed in self.speed_actions:
            self.speed_actions[vs.speed].setChecked(True)
        if vs.gain in self.gain_actions:
            self.gain_actions[vs.gain].setChecked(True)
        self.dark_action.setChecked(vs.theme == "dark")
        self.baseline_action.setChecked(vs.filters.baseline)
        if vs.filters.notch_hz in self.notch_actions:
            self.notch_actions[vs.filters.notch_hz].setChecked(True)
        if vs.filters.lowpass_hz in self.lowpass_actions:
            self.lowpass_actions[vs.filters.lowpass_hz].setChecked(True)

    def _restore_window(self) -> None:
        geom = self.settings.value("window/geometry")
        if geom:
            self.restoreGeometry(QByteArray(geom))
        else:
            self.resize(1600, 980)
        state = self.settings.value("window/state")
        if state:
            self.restoreState(QByteArray(state))

    # --------------------------------------------------------------- actions
    def set_presentation(self, on: bool) -> None:
        """Full screen with the ECG page alone (for a validation session's projector), or back.

        Only the window's furniture goes: every lead keeps its provenance label, the legend
        and the PCC badges, and the shortcuts keep working.  The window's own state
        (docks, tool bar, geometry) comes back as it was.
        """
        if on == self.is_presentation():
            return
        if on:
            self._before_presentation = (self.saveState(), self.saveGeometry(), self.isMaximized())
            for widget in (*self.findChildren(QDockWidget), *self.findChildren(QToolBar)):
                widget.hide()
            self.menuBar().hide()
            self.statusBar().hide()
            self.showFullScreen()
        else:
            state, geometry, maximized = self._before_presentation or (None, None, False)
            self._before_presentation = None
            self.menuBar().show()
            self.statusBar().show()
            self.showNormal()
            if geometry is not None:
                self.restoreGeometry(geometry)
            if state is not None:
                self.restoreState(state)
            if maximized:
                self.showMaximized()
        self.presentation_action.setChecked(on)
        self.grid.fit_page()

    def is_presentation(self) -> bool:
        return self._before_presentation is not None

    def show_time(self, seconds: float) -> None:
        """Turn the 12-lead page to ``seconds`` (a long recording loads that window)."""
        self.tabs.setCurrentWidget(self.grid)
        if self.document.record is not None:
            self.view_state.set_position(seconds, self.document.duration)

    def _show_worst(self) -> None:
        ag = self.document.agreement
        if ag is None:
            self.notifier.info("No segment scores yet (see the Agreement over time tab)")
            return
        worst = ag.worst(1)
        if worst:
            self.show_time(worst[0].start_s)

    def _save_agreement_options(self) -> None:
        self.settings.set_value("agreement/segment_s", self.agreement.segment_s)

    def set_inputs(self, leads: tuple[str, ...]) -> None:
        try:
            self.document.set_inputs(leads)
        except LeadSynthError as exc:
            self.notifier.error("Invalid lead selection", exc)
            return
        self.settings.set_value("leads/inputs", ",".join(self.document.inputs))

    def open_path(self, path: str | Path, key: str | None = None) -> None:
        """Open ``path`` (asking for the record of a multi-record HDF5 file when no key)."""
        p = Path(path)
        if key is None:
            try:
                keys = dialogs.needs_key_choice(p)
            except (LeadSynthError, OSError) as exc:
                self.notifier.error(f"Cannot open {p.name}", exc)
                return
            if keys:
                key = dialogs.choose_hdf5_key(self, p, keys)
                if key is None:
                    return
        self.records.open(p, key)

    def open_dialog(self) -> None:
        path = dialogs.ask_open_path(self, self.settings.value("files/last_dir"))
        if path:
            self.open_path(path)

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        recent = self.settings.recent_files()
        if not recent:
            self.recent_menu.addAction("(none)").setEnabled(False)
        for path in recent:
            act = self.recent_menu.addAction(path)
            act.triggered.connect(lambda _=False, p=path: self._open_recent(p))

    def _open_recent(self, entry: str) -> None:
        path, _, key = entry.partition("::")
        if not Path(path).exists():
            self.settings.remove_recent_file(entry)
            self.notifier.error("Recent file missing", f"{path}: the file no longer exists")
            return
        self.open_path(path, key or None)

    def _on_opened(self, path: str) -> None:
        entry = path + (f"::{self.document.key}" if self.document.key else "")
        self.settings.add_recent_file(entry)
        self.settings.set_value("files/last_dir", str(Path(path).parent))

    def _default_export_name(self, suffix: str) -> str:
        base = self.document.path.stem if self.document.path else "ecg"
        return str(Path(self.settings.value("files/last_dir") or ".") / f"{base}_{'-'.join(self.document.inputs)}{suffix}")

    def export_pdf_dialog(self) -> None:
        path = dialogs.ask_save_path(self, "Export view as PDF", self._default_export_name(".pdf"), "PDF (*.pdf)")
        if path:
            self.export_view(path)

    def export_png_dialog(self) -> None:
        path = dialogs.ask_save_path(self, "Export view as PNG", self._default_export_name(".png"), "PNG image (*.png)")
        if path:
            self.export_view(path)

    def export_view(self, path: str | Path) -> Path | None:
        """Paint the current page to PDF or PNG (fast: done in the GUI thread, painting needs it)."""
        if self.document.record is None:
            self.notifier.error("Nothing to export", "open a record first")
            return None
        p = Path(path)
        try:
            if p.suffix.lower() == ".pdf":
                out = export.export_pdf(p, self.document, self.view_state, self.measurement_ui.export_extras())
            else:
                out = export.export_png(p, self.document, self.view_state, self.measurement_ui.export_extras())
        except (LeadSynthError, OSError) as exc:
            self.notifier.error("Export failed", exc)
            return None
        self.notifier.info(f"Exported {out}")
        return out

    def save_record_dialog(self) -> None:
        path = dialogs.ask_save_path(self, "Save synthesized 12-lead", self._default_export_name(".hea"),
                                     "WFDB record (*.hea);;HDF5 (*.h5 *.hdf5)")
        if path:
            self.save_record(path)

    def save_record(self, path: str | Path) -> None:
        """Write the synthesized 12-lead (with its provenance) in a worker."""
        if self.document.is_long:
            # The result holds one window only: the whole file is streamed by the core.
            self._save_long_record(Path(path))
            return
        result = self.document.result
        if result is None:
            self.notifier.error("Nothing to save", "no synthesized record yet: open a record and choose the measured leads")
            return
        p = Path(path)
        self.tasks.start("export", export.record_writer(result, p),
                         on_success=lambda out: self.notifier.info(f"Saved {out}"),
                         on_error=lambda exc: self.notifier.error("Save failed", exc))

    def _save_long_record(self, path: Path) -> None:
        doc = self.document
        if doc.path is None or doc.model_card is None or not doc.needs_synthesis():
            self.notifier.error("Nothing to save", "no synthesized window yet: choose the measured leads first")
            return
        if path.suffix.lower() not in (".h5", ".hdf5"):
            self.notifier.error("Save failed", f"{path.name}: a long recording is saved as HDF5 (.h5), "
                                               "streamed chunk by chunk")
            return
        self.tasks.start("export", export.long_record_writer(doc.path, path, doc.inputs, doc.model_card, doc.key),
                         on_success=lambda out: self.notifier.info(f"Saved {out}"),
                         on_error=lambda exc: self.notifier.error("Save failed", exc),
                         on_progress=lambda f, m: self.document.synthesis_progress.emit(f, m))

    def dataset_dialog(self) -> DatasetDialog:
        """Show the (single, non-modal) data-set evaluation dialog."""
        if self._dataset is None:
            self._dataset = DatasetDialog(self.document, self.view_state, self.tasks, self.notifier, self)
            self._dataset.open_requested.connect(lambda path, key: self.open_path(path, key))
        self._dataset.show()
        self._dataset.raise_()
        return self._dataset

    def personalize_dialog(self) -> QWizard:
        """Open the personalization wizard (window-modal); an accepted model serves at once."""
        from .wizard.wizard import PersonalizeWizard  # loads torch: only when asked for

        wizard = PersonalizeWizard(self.document, self.model_choice, self.notifier, self)
        wizard.model_saved.connect(lambda card: self.model_choice.model_added(card.patient_id))
        wizard.finished.connect(wizard.deleteLater)
        wizard.open()
        return wizard

    def _set_filter(self, **change: object) -> None:
        f = self.view_state.filters
        values = {"baseline": f.baseline, "notch_hz": f.notch_hz, "lowpass_hz": f.lowpass_hz, **change}
        self.view_state.set_filters(DisplayFilters(**values))

    # ------------------------------------------------------------- reactions
    def _on_view_changed(self, what: str) -> None:
        if what == "theme":
            apply_palette(QApplication.instance(), self.view_state.theme)
        elif what == "score_reference":
            self.synthesis.set_reference(self.view_state.score_reference)  # the agreement follows the scores
        self._sync_actions()
        self._update_status()

    def _update_status(self) -> None:
        vs = self.view_state
        self.filter_label.setText(vs.filters.describe())
        self.scale_label.setText(f"{vs.layout}  {vs.speed:g} mm/s  {vs.gain:g} mm/mV  {vs.mode}")

    def _update_title(self) -> None:
        p = self.document.path
        self.setWindowTitle(f"LeadSynth - {p.name}" if p else "LeadSynth")

    def _on_synthesis_state(self, state: str, message: str) -> None:
        running = state == ViewerDocument.RUNNING
        self.progress.setVisible(running)
        self.cancel_button.setVisible(running)
        if running:
            self.progress.setValue(0)
        res = self.document.result
        if state == ViewerDocument.DONE and res is not None:
            # The model's id here: its full name is in the model indicator beside it.
            message = (f"Synthesized {', '.join(res.leads_with(Provenance.SYNTHESIZED)) or 'nothing'} "
                       f"from {', '.join(self.document.inputs)} with {res.model_id}")
            self.state_label.setToolTip(f"{message} ({self.document.model_name})")
        self.state_label.setText(message)

    def _on_progress(self, fraction: float, message: str) -> None:
        self.progress.setValue(int(fraction * 1000))
        if message:
            self.progress.setFormat(f"{message} %p%")

    def _on_busy(self, busy: bool) -> None:
        if busy:
            QApplication.setOverrideCursor(Qt.CursorShape.BusyCursor)
        else:
            QApplication.restoreOverrideCursor()

    # ------------------------------------------------------------ Qt events
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 (Qt API)
        if event.mimeData().hasUrls() and any(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 (Qt API)
        files = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if files:
            event.acceptProposedAction()
            self.open_path(files[0])

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt API)
        # Stop the workers first: no late result may reach a half-destroyed window.
        self.tasks.shutdown()
        if self._dataset is not None:
            self._dataset.close()
        self.set_presentation(False)  # remember the normal window, not the full screen
        self.settings.set_value("window/geometry", bytes(self.saveGeometry().data()))
        self.settings.set_value("window/state", bytes(self.saveState().data()))
        self.settings.sync()
        super().closeEvent(event)
