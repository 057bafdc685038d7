"""Measurements in the main window: the panel dock, calipers on both ECG pages, the export.

Kept out of ``main_window`` (one concept per module): :class:`MeasurementUi` adds the
"Measurements" and "Prior ECG" docks (tabbed with the Scores), the calipers of the 12-lead
page (their legs are in paper millimetres, read through the current speed and gain) and
those of the median-beat page, the Measure menu (Calipers K, Marching calipers Shift+K,
Compare with a prior ECG Ctrl+Shift+O, Copy measurements Ctrl+Shift+C, Export measurements
Ctrl+Shift+M), and :meth:`MeasurementUi.export_extras` for the PDF/PNG export.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDockWidget, QMenu

from leadsynth_core.errors import LeadSynthError
from leadsynth_core.measurement import basis_notes
from leadsynth_core.measurement.report import render_report
from leadsynth_core.measurement.serial import no_change_sentence

from ..controllers.measurements import MeasurementController
from ..controllers.prior import PriorController
from ..render.measurement_marks import ExportExtras
from ..views.calipers import Calipers
from ..views.measurements_panel import MeasurementsPanel
from ..views.prior_panel import PriorPanel
from . import dialogs

log = logging.getLogger(__name__)

#: Largest recording (all its files) hashed in the GUI thread to find it in the library.
LIBRARY_HASH_MAX_BYTES = 64 * 1024 * 1024

if TYPE_CHECKING:  # pragma: no cover
    from .main_window import MainWindow


def _v(x: float | None, unit: str = "") -> str:
    return "-" if x is None else f"{x:.0f}{unit}"


def measurement_lines(ctl: MeasurementController) -> tuple[str, ...]:
    """Footer lines of the export: global values (measured beside), ST levels, flags."""
    ctl.ensure()
    m, t, cmp = ctl.shown, ctl.truth, ctl.comparison
    if m is None:
        return ()
    if not m.measurable:
        return (f"Measurements: not measurable - {m.reason}", *_cart_line(ctl))
    g = m.values
    synth = any(lm.provenance == "synthesized" for lm in m.leads.values())
    head = (f"Measurements (median beats, 10 s from page start, {'synthesized 12-lead' if synth else 'as read'}): "
            f"HR {_v(g.heart_rate_bpm)} bpm, PR {_v(g.pr_ms)} ms, QRS {_v(g.qrs_ms)} ms, QT {_v(g.qt_ms)} ms, "
            f"QTc Bazett {_v(g.qtc_bazett_ms)} / Fridericia {_v(g.qtc_fridericia_ms)} ms, "
            f"axes P {_v(g.axis_p_deg)} QRS {_v(g.axis_qrs_deg)} T {_v(g.axis_t_deg)} deg")
    band = ctl.value_band("st_j60_mv")
    st = ", ".join(f"{n}{'*' if lm.provenance == 'synthesized' else ''} "
                   f"{'-' if lm.values.st_j60_mv is None else f'{lm.values.st_j60_mv:+.2f}'}"
                   f"{f'±{band[n]:.2f}' if n in band and lm.values.st_j60_mv is not None else ''}"
                   for n, lm in m.leads.items())
    lines = [head]
    if synth:  # which leads those global values rest on (the panel tints them, the CLI marks them ~)
        notes = basis_notes(m.synthesized_basis("qrs_ms"), m.axis_leads_synthesized)
        lines.append("These global values are " + "; ".join(notes) + ".")
    lines.append(f"ST at J+60 ms (mV; * synthesized{', ± the 90 % band there' if band else ''}): {st}")
    if cmp is not None and t is not None and t.measurable:
        tv = t.values
        flags = list(cmp.global_flags) + [f"{n} {_short(f)}" for n, fl in cmp.lead_flags.items() for f in fl]
        lines.append(f"Measured truth: QRS {_v(tv.qrs_ms)} ms, QT {_v(tv.qt_ms)} ms.  Disagreements: "
                     + ("; ".join(flags) if flags else "none flagged"))
    return (*lines, *_cart_line(ctl))


def _cart_line(ctl: MeasurementController) -> tuple[str, ...]:
    """The cart's own measurements of the recording (its device report), when the file has them."""
    cart = [r for r in ctl.device_rows() if r.device is not None]
    if not cart:
        return ()
    report = ctl.device_report or {}
    return (f"Cart's own measurements ({report.get('device') or 'device'}, not LeadSynth's): "
            + ", ".join(f"{r.label} {r.device:.0f}{'†' if r.note else ''}" for r in cart)
            + (" († QTc formula not stated)" if any(r.note for r in cart) else ""),)


def prior_lines(prior: PriorController) -> tuple[str, ...]:
    """Footer lines of the export: the changes from the prior ECG, when one is compared
    (call after :func:`measurement_lines`, which brings the measurements up to date)."""
    cmp = prior.comparison
    if cmp is None or prior.path is None:
        return ()
    when = f", recorded {cmp.prior_recorded_at:%Y-%m-%d %H:%M}" if cmp.prior_recorded_at else ""
    head = f"Against the prior ECG {prior.path.name}{when} (its first 10 s as recorded; change = now - prior): "
    claimed, left_open = cmp.claimed(), cmp.left_open()
    body = "changes: " + "; ".join(claimed) if claimed else no_change_sentence()
    if left_open:
        body += ". Open (neither claimed nor excluded): " + "; ".join(left_open)
    return (*(f"CAUTION: {c}" for c in cmp.cautions), head + body + ".")


def _short(flag: str) -> str:
    """A lead flag shortened for the one footer line (the panel and the CLI give it in full)."""
    if flag.startswith("T polarity flipped"):
        return "T flipped"
    return flag.replace("ST J+60 off by ", "ST J+60 ")


class MeasurementUi:
    """The measurement parts of one main window."""

    def __init__(self, window: MainWindow, controller: MeasurementController) -> None:
        self.window = window
        self.controller = controller
        self.panel = MeasurementsPanel(controller)
        self.dock = window._add_dock("Measurements", self.panel, Qt.DockWidgetArea.RightDockWidgetArea)
        self.dock.setMinimumWidth(300)
        scores = window.findChild(QDockWidget, "dock-Scores")
        if scores is not None:
            # Tabbed with the Scores: the per-lead table needs the dock's whole height.
            window.tabifyDockWidget(scores, self.dock)
            scores.raise_()
        state = window.view_state
        self.prior = PriorController(window.document, controller, window.tasks, window.notifier, window)
        self.prior_panel = PriorPanel(self.prior)
        self.prior_panel.choose_requested.connect(self.choose_prior)
        window.metrics.set_prior_source(self.prior)
        self.prior_dock = window._add_dock("Prior ECG", self.prior_panel, Qt.DockWidgetArea.RightDockWidgetArea)
        self.prior_dock.setMinimumWidth(300)
        window.tabifyDockWidget(self.dock, self.prior_dock)
        if scores is not None:
            scores.raise_()
        # A prior belongs to the recording it was chosen for: never carried to another file.
        window.records.opened.connect(lambda _path: self.prior.clear())
        # Its median beats go under this ECG's, dashed, on the Median beats page.
        self.prior.changed.connect(lambda: window.median_beats.set_prior(
            self.prior.record, self.prior.path.name if self.prior.path is not None else None))
        self.grid_calipers = Calipers(window.grid.view_box, seconds_per_unit=lambda: 1.0 / state.speed,
                                      mv_per_unit=lambda: 1.0 / state.gain, parent=window)
        bar = window.menuBar()
        help_menu = next((a for a in bar.actions() if a.text().replace("&", "") == "Help"), None)
        self.menu = menu = QMenu("&Measure", window)
        if help_menu is not None:
            bar.insertMenu(help_menu, menu)
        else:
            bar.addMenu(menu)
        def action(text: str, slot: object, key: str | None = None, tip: str = "",
                   checkable: bool = False) -> QAction:
            """A Measure menu entry, its key active in the whole window."""
            act = QAction(text, window)
            act.setCheckable(checkable)
            if key:
                act.setShortcut(QKeySequence(key))
            act.setStatusTip(tip)
            (act.toggled if checkable else act.triggered).connect(slot)
            menu.addAction(act)
            window.addAction(act)
            return act

        self.caliper_action = action("Calipers", self.set_calipers, "K", checkable=True,
                                     tip="Time and amplitude calipers on the 12-lead and median-beat pages: "
                                         "drag the legs; read ms, bpm and mV")
        self.march_action = action("Marching calipers", self.set_marching, "Shift+K", checkable=True,
                                   tip="Repeat the calipers' time span across the page to check regularity")
        menu.addSeparator()
        self.prior_action = action("Compare with a prior ECG…", self.choose_prior, "Ctrl+Shift+O",
                                   tip="Read this ECG against a prior 12-lead ECG of the same patient: changes of "
                                       "ST, T and intervals, synthesized leads with their band")
        self.clear_prior_action = action("Clear prior ECG", self.prior.clear)
        menu.addSeparator()
        self.copy_action = action("Copy measurements", self.copy_measurements, "Ctrl+Shift+C",
                                  tip="The measurements of the page's 10 s (with the prior ECG's changes) as a text "
                                      "table on the clipboard, as 'leadsynth measure' prints it")
        self.export_action = action("Export measurements…", self.export_measurements_dialog, "Ctrl+Shift+M",
                                    tip="The measurements as JSON (the document of 'leadsynth measure --json') or "
                                        "as the text table")
        menu.addSeparator()
        menu.addAction(self.dock.toggleViewAction())
        menu.addAction(self.prior_dock.toggleViewAction())

    def choose_prior(self) -> None:
        """Ask for a prior ECG of this patient and compare with it (the "Prior ECG" dock shows it)."""
        window = self.window
        if window.document.record is None:
            window.notifier.error("No ECG open", "open this patient's recording first, then its prior ECG")
            return
        pid, entries = self._library_priors()
        if entries:
            chosen = dialogs.choose_library_prior(window, pid, entries)
            if chosen is None:
                return
            if chosen is not dialogs.OTHER_FILE:
                self.set_prior(chosen.path, chosen.key, choose_key=False)
                return
        start = str(window.document.path.parent) if window.document.path else ""
        path = dialogs.ask_open_path(window, start, title="Choose a prior 12-lead ECG of this patient")
        if path:
            self.set_prior(path)

    def _library_priors(self) -> tuple[str, list]:
        """This patient's complete 12-lead ECGs in the library before this one ([] when the library
        knows neither the recording nor its patient)."""
        from leadsynth_core.library import Library
        from leadsynth_core.library.files import record_files

        doc = self.window.document
        if doc.path is None or doc.record is None:
            return "", []
        # Found by content (hashing the files) unless they are large: a Holter file is found
        # by its patient identifier only, never hashed in the GUI thread.
        small = sum(f.stat().st_size for f in record_files(doc.path) if f.exists()) <= LIBRARY_HASH_MAX_BYTES
        try:
            with Library() as lib:
                return lib.prior_recordings(doc.path, doc.key, doc.record.patient_id, doc.record.recorded_at,
                                            by_content=small)
        except (LeadSynthError, OSError) as exc:
            log.info("no library priors for %s: %s", doc.path, exc)
            return "", []

    def set_prior(self, path: str, key: str | None = None, *, choose_key: bool = True) -> None:
        """Compare with ``path`` (a multi-record HDF5 file: ``key``, or the reader chooses unless
        ``choose_key`` is False: a library recording names its key)."""
        window = self.window
        if key is None and choose_key:
            try:
                chosen, key = dialogs.ask_record_key(window, Path(path))
            except (LeadSynthError, OSError) as exc:
                window.notifier.error("Cannot read the prior ECG", exc)
                return
            if not chosen:
                return
        self.prior.set_prior(path, key)
        self.prior_dock.show()
        self.prior_dock.raise_()

    def set_calipers(self, on: bool) -> None:
        median = self.window.median
        if on and not self.grid_calipers.visible:
            self.grid_calipers.show()
        if on and not median.calipers.visible:
            median.show_calipers()  # on the beat of the lead chosen for them
        for cal in (self.grid_calipers, median.calipers):
            if not on and cal.visible:
                cal.hide()
        if self.caliper_action.isChecked() != on:
            self.caliper_action.setChecked(on)

    def set_marching(self, on: bool) -> None:
        for cal in (self.grid_calipers, self.window.median.calipers):
            cal.set_marching(on)
        if on and not self.caliper_action.isChecked():
            self.caliper_action.setChecked(True)

    def report(self) -> dict | None:
        """The measurement report of what the Measurements and Prior ECG docks show (None: no record)."""
        doc = self.controller.report(serial=self.prior.report())
        # The reader's interpretation goes with the values it rests on (the exported document
        # is the one a patient's file keeps), with the page's own caution when they differ.
        reading = self.window.interpretation_ui.controller.report()
        if doc is not None and reading is not None:
            doc["interpretation"] = reading
        return doc

    def copy_measurements(self) -> str | None:
        """Put the report's text table on the clipboard (for a report or the patient's file)."""
        from PySide6.QtWidgets import QApplication

        doc = self.report()
        if doc is None:
            self.window.notifier.error("No measurements", "open a record first")
            return None
        text = render_report(doc)
        QApplication.clipboard().setText(text)
        self.window.notifier.info("Measurements copied to the clipboard")
        return text

    def export_measurements_dialog(self) -> None:
        window = self.window
        if window.document.record is None:
            window.notifier.error("No measurements", "open a record first")
            return
        start = str(Path(window.settings.value("files/last_dir") or ".") /
                    f"{window.document.path.stem if window.document.path else 'ecg'}_measurements.json")
        path = dialogs.ask_save_path(window, "Export measurements", start, "JSON (*.json);;Text table (*.txt)")
        if path:
            self.export_measurements(path)

    def export_measurements(self, path: str | Path) -> Path | None:
        """Write the report: JSON for a ``.json`` path (``leadsynth measure --json``'s document),
        else its text table."""
        from leadsynth_core.files import atomic_write_text

        doc = self.report()
        if doc is None:
            self.window.notifier.error("No measurements", "open a record first")
            return None
        p = Path(path)
        text = json.dumps(doc, indent=2) if p.suffix.lower() == ".json" else render_report(doc) + "\n"
        try:
            atomic_write_text(p, text)
        except OSError as exc:
            self.window.notifier.error("Export failed", exc)
            return None
        self.window.notifier.info(f"Exported {p}")
        return p

    def export_extras(self) -> ExportExtras:
        cal = self.grid_calipers
        lines = measurement_lines(self.controller)
        return ExportExtras(calipers=cal.geometry(), caliper_text=cal.text(), march=tuple(cal.march_positions()),
                            lines=(*lines, *prior_lines(self.prior)))
