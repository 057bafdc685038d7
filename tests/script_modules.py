"""Import a script of the repository (``scripts/``, ``benchmarks/``) as a module, for its tests.

Scripts are not a package; their tests load them by path.  The module is registered in
``sys.modules`` under ``name`` while it runs, because dataclasses look their module up while
the class is built.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]


def load_script(relative: str, name: str | None = None, *, keep: bool = True) -> ModuleType:
    """The module of ``ROOT / relative``; ``keep=False`` takes it out of ``sys.modules`` again."""
    name = name or Path(relative).stem
    spec = importlib.util.spec_from_file_location(name, ROOT / relative)
    assert spec is not None and spec.loader is not None, relative
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    finally:
        if not keep:
            del sys.modules[name]
    return module
