"""Frozen entry point of ``leadsynth-gui`` (the PyInstaller bundle has no console-script shims)."""

import multiprocessing
import sys

from app.main import main

if __name__ == "__main__":
    # A frozen program re-executes itself for every spawned worker process (macOS and
    # Windows start method); without this the worker would open a second main window.
    multiprocessing.freeze_support()
    # leadsynth_core.io.isolation checks an HDF5 file in a child process; frozen, that child
    # is this executable started with isolation.FROZEN_PROBE_FLAG (spelled out here so that
    # a normal start imports nothing more).
    if len(sys.argv) > 1 and sys.argv[1] == "--leadsynth-probe-hdf5-child":
        from leadsynth_core.io._probe_child import main as probe_child_main

        sys.exit(probe_child_main(sys.argv[2:]))
    sys.exit(main())
