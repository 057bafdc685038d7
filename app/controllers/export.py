"""Exports: the current page to PDF/PNG at true paper scale, the synthesized 12-lead to files.

The page itself is painted by :func:`app.render.page.render_page`; this module writes it
to a file and builds the worker tasks that write records.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QMarginsF
from PySide6.QtGui import QImage, QPageLayout, QPageSize, QPainter, QPdfWriter
from PySide6.QtPrintSupport import QPrinter

from leadsynth_core import __version__
from leadsynth_core.errors import LeadSynthError
from leadsynth_core.io import write_record
from leadsynth_core.measurement import Measurements
from leadsynth_core.progress import CancelToken
from leadsynth_core.record import EcgRecord
from leadsynth_core.uncertainty.files import carries_band, write_banded

from ..render.measurement_marks import ExportExtras
from ..render.median_page import median_page_fits, render_median_page
from ..render.page import A4_LANDSCAPE_MM, render_page
from ..render.theme import theme
from ..state.band import BandData
from ..state.document import ViewerDocument, ViewState
from ..state.median_paper import MedianBeats

log = logging.getLogger(__name__)

PNG_DPI = 300


class ExportError(LeadSynthError):
    """The view or the record could not be exported."""


def _painter_of(doc: ViewerDocument, state: ViewState, extras: ExportExtras | None,
                median: MedianBeats | None, marks: Measurements | None) -> Callable[[QPainter, float], None]:
    """What paints the page: the 12-lead page, or (``median``) the median-beat page."""
    if median is None:
        return lambda painter, dpmm: render_page(painter, doc, state, dpmm=dpmm, th=theme("light"), extras=extras)
    if median.error or not median.beats:
        raise ExportError(f"no median beats to export: {median.error or 'no beats found'}")
    why = median_page_fits(median, state)
    if why is not None:
        raise ExportError(why)
    lines = extras.lines if extras is not None else ()
    return lambda painter, dpmm: render_median_page(painter, doc, state, median, dpmm, theme("light"), marks, lines)


def export_pdf(path: str | Path, doc: ViewerDocument, state: ViewState, extras: ExportExtras | None = None,
               median: MedianBeats | None = None, marks: Measurements | None = None) -> Path:
    """Write the current page as an A4-landscape PDF at true scale (``extras``: calipers, measurements);
    with ``median`` the median-beat page instead (``marks``: the measurement drawn on its beats)."""
    kind = "median beats" if median is not None else "12-lead"
    return _write_pdf(Path(path), f"LeadSynth {kind} {doc.path.name if doc.path else ''}",
                      [_painter_of(doc, state, extras, median, marks)])


def export_report_pdf(path: str | Path, doc: ViewerDocument, state: ViewState, extras: ExportExtras | None,
                      median: MedianBeats | None, marks: Measurements | None) -> Path:
    """The two pages a cart prints for the patient's file, in one PDF: the 12-lead page (with
    ``extras``) and the median-beat page (with ``marks``), both at true scale; the 12-lead page
    alone when ``median`` is None (a recording whose beats could not be found)."""
    pages = [_painter_of(doc, state, extras, None, None)]
    if median is not None:
        pages.append(_painter_of(doc, state, extras, median, marks))
    return _write_pdf(Path(path), f"LeadSynth ECG report {doc.path.name if doc.path else ''}", pages)


def _write_pdf(p: Path, title: str, pages: list[Callable[[QPainter, float], None]]) -> Path:
    writer = QPdfWriter(str(p))
    writer.setResolution(600)
    writer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Landscape,
                                     QMarginsF(0, 0, 0, 0), QPageLayout.Unit.Millimeter))
    writer.setTitle(title)
    writer.setCreator(f"LeadSynth {__version__}")
    painter = QPainter()
    if not painter.begin(writer):
        raise ExportError(f"{p}: cannot write the PDF (is the folder writable?)")
    try:
        for k, paint in enumerate(pages):
            if k:
                writer.newPage()
            paint(painter, writer.resolution() / 25.4)
    finally:
        painter.end()
    if not p.exists() or p.stat().st_size == 0:
        raise ExportError(f"{p}: the PDF was not written")
    log.info("exported PDF %s (%d page(s))", p, len(pages))
    return p


def export_png(path: str | Path, doc: ViewerDocument, state: ViewState, extras: ExportExtras | None = None,
               dpi: int = PNG_DPI, median: MedianBeats | None = None, marks: Measurements | None = None) -> Path:
    """Write the current page as a PNG at ``dpi`` (stored in the file, so it prints to scale);
    ``median``, ``marks``: as :func:`export_pdf`."""
    p = Path(path)
    paint = _painter_of(doc, state, extras, median, marks)
    dpmm = dpi / 25.4
    image = QImage(int(round(A4_LANDSCAPE_MM[0] * dpmm)), int(round(A4_LANDSCAPE_MM[1] * dpmm)),
                   QImage.Format.Format_RGB32)
    dpm = int(round(dpi / 0.0254))
    image.setDotsPerMeterX(dpm)
    image.setDotsPerMeterY(dpm)
    painter = QPainter(image)
    try:
        paint(painter, dpmm)
    finally:
        painter.end()
    if not image.save(str(p), "PNG"):
        raise ExportError(f"{p}: cannot write the PNG (is the folder writable?)")
    log.info("exported PNG %s", p)
    return p


def record_writer(record: EcgRecord, path: Path, band: BandData | None = None
                  ) -> Callable[[Callable[[float, str], None], object], Path]:
    """A worker task that writes ``record`` (WFDB, HDF5, DICOM or EDF+ by extension) atomically.

    With ``band`` (the calibrated band computed for exactly this ``record``) and a format
    that can hold it, the band is written too, as ``leadsynth synthesize --uncertainty``
    writes it: HDF5 ``band_low``/``band_high``, WFDB ``<name>_band`` beside the record.
    """
    if band is not None and band.result is not record:
        raise ExportError("the band belongs to another synthesis result; synthesize again before saving")

    def work(progress: Callable[[float, str], None], _cancel: object) -> Path:
        progress(0.0, f"writing {path.name}")
        if band is not None and carries_band(path):
            from leadsynth_core.uncertainty.band import BandedRecord  # imports torch: only when saving a band

            half = band.half_width.astype("float64")
            sig = record.signal.astype("float64")
            banded = BandedRecord(record=record, low=(sig - half).astype("float32"),
                                  high=(sig + half).astype("float32"), level=band.level,
                                  calibration=band.calibration)
            out = write_banded(banded, path)
        else:
            out = write_record(record, path)
        progress(1.0, "written")
        return Path(out)

    return work


def long_record_writer(src: Path, dst: Path, inputs: Sequence[str], model: object,
                       key: str | None, *, uncertainty: bool = False,
                       swap_back: tuple[str, str] | None = None
                       ) -> Callable[[Callable[[float, str], None], CancelToken], Path]:
    """A worker task that streams the synthesis of a whole long recording to HDF5.

    The viewer holds one window only; :func:`leadsynth_core.streaming.synthesize_file`
    reads, synthesizes and writes chunk by chunk (bounded memory, atomic output), with the
    band when ``uncertainty``, every chunk with the limb electrodes ``swap_back`` names
    swapped back (as the viewer shows it).
    """

    def work(progress: Callable[[float, str], None], cancel: CancelToken) -> Path:
        from leadsynth_core.streaming import synthesize_file  # imports torch: only when saving

        return Path(synthesize_file(src, dst, tuple(inputs), model, key=key, progress=progress, cancel=cancel,
                                    uncertainty=uncertainty, swap_back=swap_back))

    return work


def print_page(printer: QPrinter, doc: ViewerDocument, state: ViewState, extras: ExportExtras | None = None,
               median: MedianBeats | None = None, marks: Measurements | None = None) -> None:
    """Print the current page on ``printer`` at true paper scale (A4 landscape); ``extras``,
    ``median``, ``marks``: as :func:`export_pdf`.

    The printer is set to full-page mode with no margins, so the page renderer's
    millimetres start at the paper's corner, as in the PDF export (a printer's unprintable
    border may cut the outermost millimetres, never rescale the trace).
    """
    printer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Landscape,
                                      QMarginsF(0, 0, 0, 0), QPageLayout.Unit.Millimeter))
    printer.setFullPage(True)  # after the layout, which would reset it
    paint = _painter_of(doc, state, extras, median, marks)
    printer.setDocName(f"LeadSynth {'median beats' if median is not None else '12-lead'} "
                       f"{doc.path.name if doc.path else ''}")
    painter = QPainter()
    if not painter.begin(printer):
        raise ExportError("cannot start printing (is the printer available?)")
    try:
        paint(painter, printer.resolution() / 25.4)
    finally:
        painter.end()
    log.info("printed the page (%s dpi)", printer.resolution())
