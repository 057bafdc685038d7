"""Render the viewer's "Agreement over time" tab to a PNG (for the docs and reviews).

Usage::

    PYTHONPATH=. QT_QPA_PLATFORM=offscreen python scripts/agreement_screenshot.py \
        docs/screenshot_agreement.png [--record ../shared/data/cinc2021/PTB_PTBXL/S0002] [--inputs I,II,V4]

The real viewer opens the record (by default PTB ``S0002``, 115 s at 1000 Hz, a hospital
and device never trained on; the bundled long synthetic demo where the data folder is
absent) in a throw-away settings folder, synthesizes from ``--inputs``, scores 5-s segments
against the baseline-corrected truth, and the tab is grabbed.  Exit status 0 on success,
1 on failure or time-out.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from a checkout
    sys.path.insert(0, str(ROOT))
from _viewer_session import open_viewer, save_grab, settle, throwaway_home, wait_until  # noqa: E402

from leadsynth_core.paths import reference_data_dir  # noqa: E402

DEFAULT_RECORD = reference_data_dir() / "cinc2021" / "PTB_PTBXL" / "S0002"
TIMEOUT_S = 120.0

log = logging.getLogger("agreement_screenshot")


def render(out: Path, record: Path, inputs: tuple[str, ...]) -> None:
    from leadsynth_core import io as lsio

    if not record.with_suffix(".hea").exists() and not record.exists():
        record = lsio.sample_path("demo_12lead_long")
    with throwaway_home("leadsynth-agreement-"):
        app, window = open_viewer(1600, 900)
        window.set_inputs(inputs)
        window.view_state.set_score_reference("highpass")  # table, badges and tab alike
        window.agreement.set_options(segment_s=5.0)
        window.open_path(record)
        deadline = time.monotonic() + TIMEOUT_S
        doc = window.document
        try:
            wait_until(app, lambda: doc.agreement is not None and not window.tasks.active_count(),
                       "the segment scores", deadline)
            window.tabs.setCurrentWidget(window.agreement_view)
            settle(app, 20)
            save_grab(window, out)
            log.info("wrote %s (%d segments, whole mean PCC %.3f)", out, doc.agreement.n_segments,
                     doc.agreement.whole["mean"]["pcc"])
        finally:
            window.close()
            app.processEvents()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("png", type=Path, help="the PNG to write")
    ap.add_argument("--record", type=Path, default=DEFAULT_RECORD, help="record to open (default: %(default)s)")
    ap.add_argument("--inputs", default="I,II,V4", help="measured leads (default: %(default)s)")
    args = ap.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        render(args.png, args.record, tuple(args.inputs.split(",")))
    except (TimeoutError, RuntimeError, OSError) as exc:
        print(f"agreement_screenshot: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
