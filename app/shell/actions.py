"""The main window's menus, tool bar and keyboard shortcuts (one QAction each).

A mixin of :class:`app.shell.main_window.MainWindow`: the actions call the window's own
slots (open, export, save, dialogs) and the view state's setters, so this module only
builds and checks them; it holds no state of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QMenu

from leadsynth_core.errors import LeadSynthError
from leadsynth_core.measurement.electrodes import INVERTED_LEAD
from leadsynth_core.measurement.swap_back import (
    SWAP_BACK_NOTES,
    SWAP_BACK_PREFIXES,
    SWAPPABLE,
    electrode_words,
)

from ..state.paper import gain_fits
from ..state.settings import GAINS_MM_MV, LAYOUTS, LOWPASS_CHOICES_HZ, NOTCH_CHOICES_HZ, SPEEDS_MM_S
from ..views.lead_picker import PRESETS
from . import dialogs


class MenusAndActions:
    """Builds the menu bar and tool bar of a ``QMainWindow`` subclass and keeps the checks in step."""

    # Set by the main window before _build_actions runs.
    view_state: Any

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

    def _check_swap_actions(self) -> None:
        """Check the swap-back action of the pair the open record has swapped back (none: none);
        enable those the open record can be corrected for (it has the lead the swap inverts)."""
        record = self.document.record
        pair = self.document.electrodes_swapped_back
        for electrodes, act in self.swap_actions.items():
            act.setChecked(electrodes == pair)
            act.setEnabled(record is not None and INVERTED_LEAD[electrodes] in record.lead_names)

    def _swap_back_from_menu(self, electrodes: tuple[str, str], on: bool) -> None:
        self.records.swap_back(electrodes if on else None)
        self._check_swap_actions()  # a refused swap leaves the record, and so the checks, as they were

    def _build_actions(self) -> None:
        mb = self.menuBar()
        vs = self.view_state
        f = mb.addMenu("&File")
        open_act = self._action(f, "&Open…", self.open_dialog, QKeySequence.StandardKey.Open)
        self.recent_menu = f.addMenu("Open &recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        self._action(f, "Open ne&xt file in this folder", lambda: self.open_neighbour(1), "Ctrl+]",
                     tip="The next recording of the open file's folder (a batch of patch or watch exports, one by one)")
        self._action(f, "Open pre&vious file in this folder", lambda: self.open_neighbour(-1), "Ctrl+[",
                     tip="The previous recording of the open file's folder")
        self._action(f, "Open from the &library…", lambda: self.library_ui.dialog(), "Ctrl+Shift+L",
                     tip="The library's patients and their recordings, with who interpreted them: a reading list")
        self._action(f, "&Add this recording to the library…", lambda: self.library_ui.add_current(),
                     tip="File the open recording under a patient: a prior for their later ECGs, on the "
                         "reading list, served by their personal model")
        f.addSeparator()
        pdf_act = self._action(f, "Export view as &PDF…", self.export_pdf_dialog, "Ctrl+E")
        self._action(f, "Export view as P&NG…", self.export_png_dialog, "Ctrl+Shift+E")
        self._action(f, "Export &report as PDF…", self.export_report_dialog, "Ctrl+Shift+R",
                     tip="The 12-lead page and the median-beat page with the measurements, one PDF for the "
                         "patient's file")
        self.print_action = self._action(f, "&Print…", self.print_dialog, QKeySequence.StandardKey.Print,
                                         tip="Print the page on a printer, A4 landscape at true paper scale")
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
        # One checkable action per swap the software can undo; checking one undoes the other first.
        self.swap_actions: dict[tuple[str, str], QAction] = {}
        for pair, mnemonic in zip(SWAPPABLE, ("&back", "bac&k"), strict=True):
            words = electrode_words(pair)
            self.swap_actions[pair] = self._action(
                leads, f"{words[0].upper()}{words[1:]} swapped: swap {mnemonic}",
                lambda on, p=pair: self._swap_back_from_menu(p, on), checkable=True,
                tip=f"The recording was made with the {words} swapped: "
                    f"{SWAP_BACK_NOTES[pair].removeprefix(SWAP_BACK_PREFIXES[pair])} (exact); the page says so")
        self._check_swap_actions()  # none enabled before a file is open
        leads.addSeparator()
        self._action(leads, "&Personalize the model for this patient…", self.personalize_dialog, "Ctrl+Shift+P",
                     tip="Fine-tune the model on the patient's past 12-lead recordings")
        self._action(leads, "Use a personal &model…", self.model_guard.choose_dialog,
                     tip="Serve the records you open with one patient's personal model (asks before "
                         "running it on another patient's record)")

        v = mb.addMenu("&View")
        self.layout_actions: dict[str, QAction] = {}
        g = QActionGroup(self)
        for name in LAYOUTS:
            self.layout_actions[name] = self._action(v, f"Layout {name}", lambda _=False, n=name: vs.set_layout(n),
                                                     checkable=True, group=g)
        self._action(v, "Next layout", lambda: vs.set_layout(LAYOUTS[(LAYOUTS.index(vs.layout) + 1) % len(LAYOUTS)]), "L")
        self.cabrera_action = self._action(
            v, "Cabrera limb-lead order", lambda on: vs.set_limb_order("cabrera" if on else "standard"), "Shift+L",
            checkable=True,
            tip="Limb leads in the frontal plane's own order, aVL, I, \u2212aVR, II, aVF, III (aVR drawn upside "
                "down), on the page, the median beats and the print")
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
        self._action(v, "Next gain", self._next_gain, "G")
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
        self.band_action = self._action(
            v, "Uncertainty band", vs.set_band, "U", checkable=True,
            tip="Shade the calibrated 90 % band around every synthesized trace")
        self.band_presentation_action = self._action(
            v, "Uncertainty band in presentation mode", vs.set_band_in_presentation, checkable=True,
            tip="Keep the band in presentation mode (off there unless chosen)")

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
        self._action(h, "&Keyboard shortcuts…", self.shortcuts_dialog, QKeySequence.StandardKey.HelpContents,
                     tip="Every command that has a key, from the menus themselves")
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
        self.cabrera_action.setIconText("Cabrera")
        for group in (self.mode_actions, {**self.layout_actions, "cabrera": self.cabrera_action},
                      self.speed_actions, self.gain_actions):
            tools.addSeparator()
            for act in group.values():
                tools.addAction(act)
        self._sync_actions()

    def open_neighbour(self, step: int) -> None:
        """Open the recording ``step`` places after (before) the open one in its folder's order."""
        from leadsynth_core.io import neighbour_record  # (io: imported when asked, as the window does)

        path = self.document.path
        if path is None:
            self.notifier.error("No file open", "open a recording first; the next one of its folder follows")
            return
        try:
            target = neighbour_record(path, step)
        except (LeadSynthError, OSError) as exc:
            self.notifier.error("Cannot list the folder", exc)
            return
        if target is None:
            self.notifier.info(f"{'Last' if step > 0 else 'First'} recording of {path.parent}")
            return
        self.open_path(target)

    def _next_gain(self) -> None:
        """The next gain whose 1-mV pulse fits a row of the layout (12x1 stops at 10 mm/mV)."""
        vs = self.view_state
        fitting = [g for g in GAINS_MM_MV if gain_fits(vs.layout, g)] or [GAINS_MM_MV[0]]
        later = [g for g in fitting if g > vs.gain]
        vs.set_gain(later[0] if later else fitting[0])

    def _sync_actions(self) -> None:
        vs = self.view_state
        for gval, act in self.gain_actions.items():
            # A calibration pulse taller than the row would run into the next row's.
            act.setEnabled(gain_fits(vs.layout, gval))
        self.layout_actions[vs.layout].setChecked(True)
        self.cabrera_action.setChecked(vs.limb_order == "cabrera")
        self.mode_actions[vs.mode].setChecked(True)
        if vs.speed in self.speed_actions:
            self.speed_actions[vs.speed].setChecked(True)
        if vs.gain in self.gain_actions:
            self.gain_actions[vs.gain].setChecked(True)
        self.dark_action.setChecked(vs.theme == "dark")
        self.band_action.setChecked(vs.band)
        self.band_presentation_action.setChecked(vs.band_in_presentation)
        self.baseline_action.setChecked(vs.filters.baseline)
        if vs.filters.notch_hz in self.notch_actions:
            self.notch_actions[vs.filters.notch_hz].setChecked(True)
        if vs.filters.lowpass_hz in self.lowpass_actions:
            self.lowpass_actions[vs.filters.lowpass_hz].setChecked(True)
