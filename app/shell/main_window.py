"""The main window: assembles the document, the controllers, the views and the actions.

It holds no ECG state of its own (that is :class:`~app.state.document.ViewerDocument` and
:class:`~app.state.document.ViewState`); it wires user gestures to controllers and shows
status.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QByteArray, Qt
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QLabel,
    QMainWindow,
    QProgressBar,
    QPushButton,
    QTabWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
    QWizard,
)

from leadsynth_core.errors import LeadSynthError
from leadsynth_core.leads import parse_lead_list
from leadsynth_core.record import Provenance

from ..controllers import AgreementController, RecordController, SynthesisController
from ..controllers.measurements import MeasurementController
from ..controllers.median import MedianController
from ..controllers.model_choice import PatientModelChoice
from ..controllers.notify import Notifier
from ..controllers.rhythm import RhythmController
from ..controllers.window_paging import WindowPager
from ..controllers.workers import TaskRunner
from ..render.theme import apply_palette
from ..state.document import ViewerDocument, ViewState
from ..state.filters import DisplayFilters
from ..state.settings import Settings
from ..views.agreement_view import AgreementView
from ..views.band_overlay import BandOverlay
from ..views.caution_bar import CautionBar
from ..views.dataset_dialog import DatasetDialog
from ..views.ecg_grid import EcgGridView
from ..views.lead_picker import LeadPicker
from ..views.median_view import MedianBeatView
from ..views.metrics_table import MetricsTable
from ..views.model_indicator import ModelIndicator
from ..views.record_panel import RecordPanel
from . import dialogs
from .actions import MenusAndActions
from .exports import PagesAndFiles
from .interpretation import InterpretationUi
from .library import LibraryUi
from .measurements import MeasurementUi
from .model_guard import PersonalModelGuard
from .shortcuts import ShortcutsDialog

log = logging.getLogger(__name__)


class MainWindow(MenusAndActions, PagesAndFiles, QMainWindow):
    """The viewer's window; its menus, tool bar and shortcuts come from :class:`MenusAndActions`,
    its exports, printing and saving from :class:`PagesAndFiles`."""

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
        #: The user's choice of measured leads (a file that cannot supply it opens with the
        #: best set it can: ``controllers.input_choice``); None once fixed by ``--inputs``.
        self._preferred_inputs: tuple[str, ...] | None = parse_lead_list(self.settings.value("leads/inputs"))
        self.records = RecordController(self.document, self.tasks, self.notifier, self,
                                        long_threshold_mb=lambda: self.settings.value("files/long_recording_mb"),
                                        preferred_inputs=lambda: self._preferred_inputs)
        self.pager = WindowPager(self.document, self.view_state, self.tasks, self.notifier, self)
        self.synthesis = SynthesisController(self.document, self.tasks, self.notifier, self)
        self.model_choice = PatientModelChoice(self)  # a patient's personal model, or the general one
        self.synthesis.choose_model = self.model_choice.choose
        self.model_guard = PersonalModelGuard(self.document, self.model_choice, self.notifier, self)
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
        self.band_overlay = BandOverlay(self.grid, self.document, self.view_state)
        self.measurements = MeasurementController(self.document, self.view_state, self.tasks, self)
        self.median_beats = MedianController(self.document, self.view_state, self.tasks, self)
        self.median = MedianBeatView(self.document, self.view_state, self.median_beats, measurements=self.measurements)
        self.rhythm = RhythmController(self.document, self.tasks, self.notifier, self)
        self.agreement_view = AgreementView(self.document, self.view_state, self.agreement, self.notifier, self.rhythm)
        self.agreement_view.jump_requested.connect(self.show_time)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.grid, "12-lead")
        self.tabs.addTab(self.median, "Median beats")
        self.tabs.addTab(self.agreement_view, "Agreement over time")
        self.tabs.currentChanged.connect(lambda i: self.median.set_active(self.tabs.widget(i) is self.median))
        self.caution_bar = CautionBar(self.document, self.records)
        central = QWidget()
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addWidget(self.caution_bar)
        column.addWidget(self.tabs, 1)
        self.setCentralWidget(central)

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
        self.interpretation_ui = InterpretationUi(self, self.measurement_ui.menu)
        self.library_ui = LibraryUi(self)
        self.records.opened.connect(self._on_opened)
        self.document.synthesis_state_changed.connect(self._on_synthesis_state)
        self.document.synthesis_progress.connect(self._on_progress)
        self.document.record_changed.connect(self._update_title)
        self.document.record_changed.connect(self._check_swap_actions)
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
        self.view_state.set_presenting(on)  # the band is off there unless chosen for it
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

    def set_inputs(self, leads: tuple[str, ...], *, fixed: bool = False) -> None:
        """Count ``leads`` as measured; ``fixed``: keep them for every file opened later
        (``--inputs``) instead of choosing the best set each file can supply."""
        try:
            self.document.set_inputs(leads)
        except LeadSynthError as exc:
            self.notifier.error("Invalid lead selection", exc)
            return
        self.settings.set_value("leads/inputs", ",".join(self.document.inputs))
        self._preferred_inputs = None if fixed else self.document.inputs

    def open_path(self, path: str | Path, key: str | None = None, *,
                  swap_back: tuple[str, str] | None = None) -> None:
        """Open ``path`` (asking for the record of a multi-record HDF5 file when no key);
        ``swap_back``: with those two limb electrodes swapped back (``leadsynth-gui --swap-back RA,LL``)."""
        p = Path(path)
        if key is None:
            try:
                chosen, key = dialogs.ask_record_key(self, p)
                if chosen and self.notifier.interactive:  # a batch run reports the missing rate instead
                    chosen, p = dialogs.ask_missing_rate(self, p)
            except (LeadSynthError, OSError) as exc:
                self.records.fail(p, exc)  # a batch run ends on this, as on a reader's failure
                return
            if not chosen:
                return
        self.records.open(p, key, swap_back=swap_back)

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

    def shortcuts_dialog(self) -> ShortcutsDialog:
        """Help > Keyboard shortcuts (generated from the menus' actions)."""
        dialog = ShortcutsDialog(self.menuBar(), self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog

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
        from ..wizard.wizard import PersonalizeWizard  # loads torch: only when asked for

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
        order = "  Cabrera" if vs.limb_order == "cabrera" else ""
        self.scale_label.setText(f"{vs.layout}{order}  {vs.speed:g} mm/s  {vs.gain:g} mm/mV  {vs.mode}")

    def _update_title(self) -> None:
        p = self.document.path
        self.setWindowTitle(f"LeadSynth - {p.name}" if p else "LeadSynth")

    def _on_synthesis_state(self, state: str, message: str) -> None:
        running = state == ViewerDocument.RUNNING
        self.progress.setVisible(running)
        self.cancel_button.setVisible(running)
        if running:
            self.progress.setValue(0)
            self.progress.setFormat("synthesizing %p%")  # not the reader's last message
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
        self.library_ui.close()
        self.set_presentation(False)  # remember the normal window, not the full screen
        self.settings.set_value("window/geometry", bytes(self.saveGeometry().data()))
        self.settings.set_value("window/state", bytes(self.saveState().data()))
        self.settings.sync()
        super().closeEvent(event)
