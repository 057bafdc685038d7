"""Render the personalization wizard's review page to a PNG (for the docs and reviews).

Usage::

    PYTHONPATH=. QT_QPA_PLATFORM=offscreen python scripts/wizard_screenshot.py \
        docs/screenshot_wizard_review.png [--ludb ../shared/data/ludb/data] \
        [--settings-png docs/screenshot_wizard_settings.png]

It runs the real viewer and wizard end to end in a throw-away user folder
(``LEADSYNTH_HOME`` and the Qt settings point into a temporary directory, so the user's
library is never touched): seven dated "visits" of one patient are added to the library
(LUDB records 1-7 where the LUDB folder exists, else slices of the bundled synthetic
demo recordings), the newest is opened in the viewer, the wizard fine-tunes on the
others with its default settings, and the review page is grabbed.  Nothing is accepted.
Exit status 0 on success, 1 on failure or time-out.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from a checkout
    sys.path.insert(0, str(ROOT))
from _viewer_session import open_viewer, save_grab, throwaway_home, wait_until  # noqa: E402

from leadsynth_core.paths import reference_data_dir  # noqa: E402

DEFAULT_LUDB = reference_data_dir() / "ludb" / "data"
PATIENT = "LUDB-demo"
TIMEOUT_S = 300.0

log = logging.getLogger("wizard_screenshot")


def write_visits(ludb: Path, folder: Path) -> list[Path]:
    """Seven dated visits of one patient (no patient id in the files), oldest first."""
    from leadsynth_core import io as lsio

    records = []
    if (ludb / "1.hea").exists():
        records = [lsio.read_record(ludb / str(k)) for k in range(1, 8)]
    else:
        # Synthetic demo recordings: 10-s slices of the long one plus the two short ones.
        long = lsio.read_record(lsio.sample_path("demo_12lead_long"))
        records = [long.slice_time(s, s + 10.0) for s in (0.0, 9.0, 18.0, 26.0)]
        records += [lsio.read_record(lsio.sample_path(n)) for n in ("demo_12lead", "demo_12lead_b")]
        records.append(long.slice_time(long.duration - 10.0))
    paths = []
    for k, rec in enumerate(records, start=1):
        rec = rec.replace(recorded_at=dt.datetime(2025, 3, k, 10, 0), source=None, patient_id=None)
        paths.append(lsio.write_record(rec, folder / f"visit{k}"))
    return paths


def render(out: Path, ludb: Path, settings_png: Path | None = None) -> None:
    from leadsynth_core.library import Library

    with throwaway_home("leadsynth-wizard-") as home:
        (home / "visits").mkdir()
        paths = write_visits(ludb, home / "visits")
        with Library() as lib:
            report = lib.add_recordings(paths, patient_id=PATIENT)
        if report.failed:
            raise RuntimeError(f"cannot add the visits: {report.failed}")

        app, window = open_viewer(1600, 980)
        from app.state.document import ViewerDocument

        deadline = time.monotonic() + TIMEOUT_S
        window.set_inputs(("I", "II", "V2", "V4"))
        window.open_path(paths[-1])
        doc = window.document
        wait_until(
            app, lambda: doc.state == ViewerDocument.DONE and doc.result is not None, "synthesis", deadline
        )
        wizard = window.personalize_dialog()
        try:
            wizard.next()
            wait_until(app, wizard.recordings_page.isComplete, "the recordings list", deadline)
            wizard.next()
            app.processEvents()
            if settings_png is not None:
                save_grab(wizard, settings_png)  # device, time estimate, base model
                log.info("wrote %s", settings_png)
            wizard.next()
            wait_until(app, wizard.training_page.isComplete, "the fine-tune", deadline)
            wizard.next()
            app.processEvents()
            save_grab(wizard, out)
            log.info("wrote %s (%s)", out, wizard.state.result.verdict)
        finally:
            wizard.reject()  # discard: nothing is saved
            window.close()
            app.processEvents()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("png", type=Path, help="the PNG to write")
    ap.add_argument("--ludb", type=Path, default=DEFAULT_LUDB, help="LUDB data folder (default: %(default)s)")
    ap.add_argument("--settings-png", type=Path, help="also grab the settings page (device and time estimate) here")
    args = ap.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        render(args.png, args.ludb, args.settings_png)
    except (TimeoutError, RuntimeError, OSError) as exc:
        print(f"wizard_screenshot: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
