"""``python -m leadsynth_core.training MODEL_ID --out DIR [--resume]``."""

from __future__ import annotations

import sys

from .run import main

if __name__ == "__main__":
    sys.exit(main())
