"""Frozen entry point of ``leadsynth`` (the PyInstaller bundle has no console-script shims)."""

import multiprocessing
import sys

from leadsynth_core.cli import main

if __name__ == "__main__":
    # A frozen program re-executes itself for every spawned worker process (macOS and
    # Windows start method); without this the worker would rerun the command line.
    multiprocessing.freeze_support()
    sys.exit(main())
