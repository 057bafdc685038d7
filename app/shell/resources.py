"""Locate the files shipped in the ``resources`` package (icons, samples, models).

Everything goes through :mod:`importlib.resources` rather than paths built from
``__file__``: the same call then works from a source checkout, an editable or a regular
``pip`` install, and the PyInstaller bundle (whose loader serves ``resources.*`` as a
package under ``sys._MEIPASS``).  The core finds its own resources the same way
(:func:`leadsynth_core.io.sample_path`, :func:`leadsynth_core.models.shipped_models_dir`).
"""

from __future__ import annotations

import importlib.resources
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtGui import QIcon

__all__ = ["resource_path", "icon_path", "app_icon", "ICON_SIZES"]

_PACKAGE = "resources"
#: PNG renditions shipped next to the SVG master (installers/make_icons.py writes them).
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def resource_path(*parts: str) -> Path:
    """Filesystem path of ``resources/<parts...>``; raises FileNotFoundError if it is missing.

    All supported installs keep the package as real files (no zip import), so a plain
    :class:`~pathlib.Path` is returned for Qt and h5py, which need one.
    """
    path = Path(str(importlib.resources.files(_PACKAGE).joinpath(*parts)))
    if not path.exists():
        raise FileNotFoundError(f"bundled resource {'/'.join(parts)} not found at {path}")
    return path


def icon_path(size: int | None = None) -> Path:
    """The application icon: the SVG master, or the PNG of ``size`` pixels."""
    if size is None:
        return resource_path("icons", "leadsynth.svg")
    if size not in ICON_SIZES:
        raise ValueError(f"no {size} px icon; shipped sizes: {', '.join(map(str, ICON_SIZES))}")
    return resource_path("icons", f"leadsynth-{size}.png")


def app_icon() -> QIcon:
    """A QIcon holding every PNG size, so each platform picks a sharp one.

    PNGs rather than the SVG: they need no SVG image-format plugin at run time, which a
    trimmed installer might not carry.
    """
    from PySide6.QtGui import QIcon

    icon = QIcon()
    for size in ICON_SIZES:
        icon.addFile(str(icon_path(size)))
    return icon
