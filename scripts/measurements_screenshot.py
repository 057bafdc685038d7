"""Render the viewer with its Measurements or Prior ECG dock to a PNG (for the docs and reviews).

Usage::

    PYTHONPATH=. QT_QPA_PLATFORM=offscreen python scripts/measurements_screenshot.py OUT.png \
        --record ../shared/data/ludb/data/55 --inputs I,II,V4 [--tab 12-lead|median] \
        [--prior ../shared/data/cinc2021/PTB_PTBXL/S0001.hea]

The real viewer opens the record in a throw-away settings folder, synthesizes from
``--inputs`` (with the band), measures the 10 s from the page start and, with ``--prior``,
compares them with that prior ECG of the patient; the window is grabbed with the
Measurements dock raised (the Prior ECG dock with ``--prior``) and the chosen tab shown.
The docs' screenshots come from here:

* ``docs/screenshot_measurements_ludb55.png``: ``--record LUDB/55 --inputs I,II,V4``;
* ``docs/screenshot_prior_ptb_s0003.png``: ``--record PTB/S0003 --inputs I,II,V4 --prior
  PTB/S0001.hea --tab median``.

Exit status 0 on success, 1 on failure or time-out.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from a checkout
    sys.path.insert(0, str(ROOT))
from _viewer_session import open_viewer, save_grab, settle, throwaway_home, wait_until  # noqa: E402

TIMEOUT_S = 120.0

log = logging.getLogger("measurements_screenshot")


def render(out: Path, record: Path, inputs: tuple[str, ...], tab: str, prior: Path | None) -> None:
    with throwaway_home("leadsynth-measurements-"):
        app, window = open_viewer(1680, 1000)
        window.set_inputs(inputs)
        window.open_path(record)
        ui = window.measurement_ui
        deadline = time.monotonic() + TIMEOUT_S

        def idle(done: Callable[[], bool]) -> Callable[[], bool]:
            return lambda: done() and not window.tasks.active_count()

        try:
            wait_until(app, idle(lambda: window.document.result is not None and window.document.band is not None),
                       "the viewer", deadline)
            (ui.prior_dock if prior is not None else ui.dock).raise_()
            if prior is not None:
                ui.set_prior(str(prior))
            if tab == "median":
                window.tabs.setCurrentWidget(window.median)
            wait_until(app, idle(lambda: window.measurements.shown is not None
                                 and (prior is None or ui.prior.comparison is not None)), "the viewer", deadline)
            settle(app, 30)
            save_grab(window, out)
        finally:
            window.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--record", type=Path, required=True)
    parser.add_argument("--inputs", default="I,II,V4")
    parser.add_argument("--tab", choices=("12-lead", "median"), default="12-lead")
    parser.add_argument("--prior", type=Path, default=None, help="a prior ECG of the patient: the Prior ECG dock")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        render(args.out, args.record, tuple(args.inputs.split(",")), args.tab, args.prior)
    except (TimeoutError, OSError) as exc:
        log.error("measurements_screenshot: %s", exc)
        return 1
    print(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
