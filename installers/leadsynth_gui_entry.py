"""Frozen entry point of ``leadsynth-gui`` (the PyInstaller bundle has no console-script shims)."""

import multiprocessing
import sys

from app.main import main

if __name__ == "__main__":
    # A frozen program re-executes itself for every spawned worker process (macOS and
    # Windows start method); without this the worker would open a second main window.
    multiprocessing.freeze_support()
    sys.exit(main())
