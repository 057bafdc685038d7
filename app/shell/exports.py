"""The window's exports, printing and saving (File menu): the page to PDF, PNG or a printer at
true scale (the 12-lead page, or the median-beat page while its tab is shown), the ECG report
(both pages in one PDF), the synthesized 12-lead to a file.

A mixin of :class:`app.shell.main_window.MainWindow` (kept out of it: one concept per module,
and the window stays under the size limit); the painting is :mod:`app.controllers.export`'s.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from leadsynth_core.errors import LeadSynthError
from leadsynth_core.io import save_filter
from leadsynth_core.uncertainty.files import carries_band

from ..controllers import export
from ..render.measurement_marks import ExportExtras
from . import dialogs

__all__ = ["PagesAndFiles"]


class PagesAndFiles:
    """Export view (PDF/PNG), Export report, Print and Save synthesized 12-lead of a ``QMainWindow`` subclass."""

    # Set by the main window.
    document: Any
    view_state: Any
    settings: Any
    notifier: Any
    tasks: Any
    tabs: Any
    median: Any
    median_beats: Any
    measurements: Any
    measurement_ui: Any
    interpretation_ui: Any
    rhythm: Any

    def _default_export_name(self, suffix: str) -> str:
        base = self.document.path.stem if self.document.path else "ecg"
        page = "_median" if suffix in (".pdf", ".png") and self.tabs.currentWidget() is self.median else ""
        return str(Path(self.settings.value("files/last_dir") or ".") /
                   f"{base}_{'-'.join(self.document.inputs)}{page}{suffix}")

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
            page = self.page_args()
            if p.suffix.lower() == ".pdf":
                out = export.export_pdf(p, self.document, self.view_state, **page)
            else:
                out = export.export_png(p, self.document, self.view_state, **page)
        except (LeadSynthError, OSError) as exc:
            self.notifier.error("Export failed", exc)
            return None
        self.notifier.info(f"Exported {out}")
        return out

    def print_dialog(self) -> bool:
        """File > Print: the system print dialog, then the page at true scale (A4 landscape)."""
        from PySide6.QtPrintSupport import QPrintDialog, QPrinter

        if self.document.record is None:
            self.notifier.error("Nothing to print", "open a record first")
            return False
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        dialog = QPrintDialog(printer, self)
        dialog.setWindowTitle("Print the ECG page")
        if dialog.exec() != QPrintDialog.DialogCode.Accepted:
            return False
        try:
            export.print_page(printer, self.document, self.view_state, **self.page_args())
        except LeadSynthError as exc:
            self.notifier.error("Printing failed", exc)
            return False
        self.notifier.info(f"Page sent to {printer.printerName() or printer.outputFileName() or 'the printer'} at true scale")
        return True

    def page_args(self) -> dict[str, object]:
        """What the exported or printed page shows: the 12-lead page with its calipers and
        measurement lines, or, while the Median beats tab is shown, the median-beat page with
        its measurement marks (the beats computed first if they are still being found)."""
        page: dict[str, object] = {"extras": self.export_extras()}
        if self.tabs.currentWidget() is self.median:
            self.median.wait_idle()
            if self.median.beats is None:
                raise export.ExportError("the median beats are not computed yet; try again in a moment")
            page["median"], page["marks"] = self.median.beats, self.measurements.shown
        return page

    def export_extras(self) -> ExportExtras:
        """What a page carries beyond the traces: the calipers, the measurement and prior-ECG
        lines, the heart rate over a recording longer than the page, and last, as a report's
        signature, the reader's interpretation."""
        extras = self.measurement_ui.export_extras()
        rhythm = self.rhythm.page_line()
        return dataclasses.replace(extras, lines=(*extras.lines, *((rhythm,) if rhythm else ()),
                                                  *self.interpretation_ui.page_lines()))

    def export_report_dialog(self) -> None:
        if self.document.record is None:
            self.notifier.error("Nothing to export", "open a record first")
            return
        start = self._default_export_name(".pdf").removesuffix(".pdf") + "_report.pdf"
        path = dialogs.ask_save_path(self, "Export report as PDF", start, "PDF (*.pdf)")
        if path:
            self.export_report(path)

    def export_report(self, path: str | Path) -> Path | None:
        """Write the 12-lead page and the median-beat page (the beats of the current window, found
        here if the Median beats tab has not found them) as one PDF."""
        if self.document.record is None:
            self.notifier.error("Nothing to export", "open a record first")
            return None
        median = self.median_beats.compute_now()
        # No beats to be found (a flat or unreadable stretch): the 12-lead page alone, and why.
        missing = None
        if median is None or median.error or not median.beats:
            missing = (median.error if median is not None else None) or "no beats found"
        try:
            out = export.export_report_pdf(path, self.document, self.view_state, self.export_extras(),
                                           None if missing else median, self.measurements.shown)
        except (LeadSynthError, OSError) as exc:
            self.notifier.error("Export failed", exc)
            return None
        self.notifier.info(f"Exported {out}" + (f" (the 12-lead page only: no median beats, {missing})"
                                                if missing else ""))
        return out

    def save_record_dialog(self) -> None:
        path = dialogs.ask_save_path(self, "Save synthesized 12-lead", self._default_export_name(".hea"), save_filter())
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
        band = self.document.band if self.document.band is not None and self.document.band.result is result else None
        what = ""
        if band is not None:
            what = (f" with the {int(round(100 * band.level))} % band" if carries_band(p)
                    else f" (without the band: {p.suffix or 'this format'} cannot hold it; save as .h5 or WFDB)")
        self.tasks.start("export", export.record_writer(result, p, band),
                         on_success=lambda out: self.notifier.info(f"Saved {out}{what}"),
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
        writer = export.long_record_writer(doc.path, path, doc.inputs, doc.model_card, doc.key,
                                           uncertainty=doc.band is not None,
                                           swap_back=doc.electrodes_swapped_back)
        self.tasks.start("export", writer,
                         on_success=lambda out: self.notifier.info(f"Saved {out}"),
                         on_error=lambda exc: self.notifier.error("Save failed", exc),
                         on_progress=lambda f, m: self.document.synthesis_progress.emit(f, m))
