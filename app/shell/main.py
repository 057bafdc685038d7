"""``leadsynth-gui [RECORD] [--key KEY] [--inputs I,II,V2,V4] [--screenshot PNG]``.

Without RECORD the bundled sample recording opens.  ``--screenshot`` renders the window
offscreen once the record is loaded and synthesized, writes the PNG and exits (0 on
success, 2 at once with the reader's message when the record cannot be opened, 1 when
synthesis failed or timed out).  Without ``--inputs`` each file opens with the best
measured-lead set it can supply; ``--inputs`` fixes the set.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from leadsynth_core import __version__
from leadsynth_core.cli import add_swap_back_argument

log = logging.getLogger(__name__)

#: Longest wait for load + synthesis before a screenshot run gives up.
SCREENSHOT_TIMEOUT_S = 300
#: Tabs a ``--screenshot`` can show.
TABS = ("12-lead", "median")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    # QtCore only (the platform plug-in is chosen when the application starts, later).
    from ..state.settings import GAINS_MM_MV, LAYOUTS, LIMB_ORDERS

    ap = argparse.ArgumentParser(prog="leadsynth-gui", description="LeadSynth ECG viewer")
    ap.add_argument("record", nargs="?", help="WFDB record (.hea), HDF5 (.h5/.hdf5), CPSC .mat, GE MUSE / Philips / "
                    "CardioSoft / HL7 aECG XML, DICOM ECG or EDF/BDF; default: the bundled sample")
    ap.add_argument("--key", help="record key inside a multi-record HDF5 file")
    ap.add_argument("--inputs", help="leads that count as measured, e.g. I,II,V2,V4")
    ap.add_argument("--screenshot", metavar="PNG", help="render the window offscreen after synthesis, write PNG, exit")
    ap.add_argument("--layout", choices=LAYOUTS, help="page layout (12x1 starts at the cart's 5 mm/mV)")
    ap.add_argument("--limb-order", choices=LIMB_ORDERS,
                    help="limb-lead order: standard (I, II, III, aVR, aVL, aVF) or cabrera (aVL, I, -aVR, II, aVF, III)")
    ap.add_argument("--gain", type=float, choices=GAINS_MM_MV, metavar="MM_PER_MV",
                    help=f"gain in mm/mV ({', '.join(f'{g:g}' for g in GAINS_MM_MV)})")
    ap.add_argument("--tab", choices=TABS, default="12-lead", help="tab a --screenshot shows (default 12-lead)")
    ap.add_argument("--report", metavar="PDF", help="write the ECG report (the 12-lead page and the median-beat page "
                    "with the measurements, as File > Export report) after synthesis, and exit")
    add_swap_back_argument(ap)  # the command line's own option: Leads > ... electrodes swapped: swap back
    ap.add_argument("--version", action="version", version=f"leadsynth-gui {__version__}")
    return ap.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    batch = bool(args.screenshot or args.report)  # a run that writes a file and exits
    if batch and "QT_QPA_PLATFORM" not in os.environ:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"  # a screenshot needs no display

    # Qt imports after the platform choice above.
    import pyqtgraph as pg
    from PySide6.QtCore import Qt, QTimer
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QApplication

    from leadsynth_core import io as lsio
    from leadsynth_core.errors import LeadSynthError
    from leadsynth_core.leads import parse_lead_list
    from leadsynth_core.logs import configure_logging

    from ..state.settings import APPLICATION, ORGANIZATION, Settings
    from .main_window import MainWindow
    from .resources import app_icon

    configure_logging(console=True)
    # Fractional scale factors (125 %, 150 %) kept exact: calibrated millimetres need it.
    if QApplication.instance() is None:
        QGuiApplication.setHighDpiScaleFactorRoundingPolicy(Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationVersion(__version__)
    # Window and task-bar icon; the desktop file name lets Wayland shells match the window to
    # the leadsynth.desktop entry the Linux installer writes.
    app.setWindowIcon(app_icon())
    app.setDesktopFileName("leadsynth")
    pg.setConfigOptions(antialias=True, background=None)

    # A screenshot run must not wait on a modal error box that nobody can click,
    # and must look the same whatever the user last chose: default, unsaved settings.
    window = MainWindow(Settings(ephemeral=batch), interactive=not batch)
    if args.layout:
        window.view_state.set_layout(args.layout)
    if args.limb_order:
        window.view_state.set_limb_order(args.limb_order)
    if args.gain:
        window.view_state.set_gain(args.gain)
    if args.inputs:
        try:
            window.set_inputs(parse_lead_list(args.inputs), fixed=True)
        except LeadSynthError as exc:
            print(f"leadsynth-gui: {exc}", file=sys.stderr)
            window.close()  # stops the model-selection worker before we leave
            window.deleteLater()
            return 2
    try:
        record = Path(args.record) if args.record else lsio.sample_path()
    except LeadSynthError as exc:
        print(f"leadsynth-gui: {exc}", file=sys.stderr)
        record = None
    status: dict[str, int] = {"code": 0}

    if batch:
        out = Path(args.screenshot or args.report)
        doc = window.document
        window.resize(1680, 1000)

        def finish(code: int, message: str = "") -> None:
            if "done" in status:
                return
            status["done"] = 1
            if code == 0 and args.report:
                out.parent.mkdir(parents=True, exist_ok=True)
                errors: list[str] = []
                window.notifier.error_raised.connect(lambda _title, text: errors.append(text))
                if window.export_report(out) is None:
                    code, message = 1, errors[-1] if errors else f"{out}: the report was not written"
            elif code == 0:
                window.tabs.setCurrentWidget(window.median if args.tab == "median" else window.grid)
                app.processEvents()
                if args.tab == "median":
                    window.median.wait_idle()  # its beats are found in a worker
                out.parent.mkdir(parents=True, exist_ok=True)
                if not window.grab().save(str(out)):
                    code, message = 1, f"{out}: cannot write the screenshot"
            if message:
                print(f"leadsynth-gui: {message}", file=sys.stderr)
            status["code"] = code
            window.close()

        def on_state(state: str, message: str) -> None:
            if state == doc.DONE or (state == doc.IDLE and doc.record is not None):
                QTimer.singleShot(0, lambda: finish(0))
            elif state in (doc.FAILED, doc.CANCELLED):
                QTimer.singleShot(0, lambda: finish(1, message))

        doc.synthesis_state_changed.connect(on_state)
        # A file that cannot be opened ends the run at once (exit 2, the reader's message).
        window.records.failed.connect(lambda _p, m: QTimer.singleShot(0, lambda: finish(2, m)))
        # Parented to the window: the guard dies with it instead of firing in a later run.
        guard = QTimer(window)
        guard.setSingleShot(True)
        guard.timeout.connect(lambda: finish(1, "timed out waiting for synthesis"))
        guard.start(SCREENSHOT_TIMEOUT_S * 1000)
    window.show()
    if record is not None:
        window.open_path(record, args.key, swap_back=args.swap_back)
    elif batch:
        window.close()  # stops the model-selection worker before we leave
        window.deleteLater()
        return 1
    app.exec()
    window.deleteLater()
    return status["code"]


if __name__ == "__main__":
    sys.exit(main())
