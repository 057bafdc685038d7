"""Entry point of ``leadsynth-gui`` and ``python -m app.main`` (see :mod:`app.shell.main`).

Kept at this path so the installed script (``app.main:main``), the installers and every
documented ``python -m app.main ...`` command stay valid.  Imports no Qt: the shell picks
the Qt platform before Qt loads.
"""

from __future__ import annotations

import sys

from app.shell.main import SCREENSHOT_TIMEOUT_S, main, parse_args

__all__ = ["SCREENSHOT_TIMEOUT_S", "main", "parse_args"]

if __name__ == "__main__":
    sys.exit(main())
