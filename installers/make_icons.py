"""Render resources/icons/leadsynth.svg into the PNG, ICO and ICNS files the installers need.

Run from the repository root with the project's virtualenv (it needs PySide6 and Pillow)::

    python installers/make_icons.py

Qt's own SVG renderer is used (not ImageMagick or librsvg) so the rendition is the same on
every maintainer's machine and needs nothing beyond the project's dependencies.  The
outputs are committed; rerun this only after editing the SVG.
"""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path

ICONS = Path(__file__).resolve().parents[1] / "resources" / "icons"
SVG = ICONS / "leadsynth.svg"
#: Sizes freedesktop icon themes, Windows and macOS ask for.
PNG_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)


def render_png(size: int) -> bytes:
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(str(SVG))
    if not renderer.isValid():
        raise SystemExit(f"{SVG}: Qt cannot parse this SVG")
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(0)  # transparent corners outside the rounded tile
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buf, "PNG")
    buf.close()
    return bytes(data.data())


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PIL import Image
    from PySide6.QtGui import QGuiApplication

    _app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    images: dict[int, Image.Image] = {}
    for size in PNG_SIZES:
        png = render_png(size)
        (ICONS / f"leadsynth-{size}.png").write_bytes(png)
        images[size] = Image.open(io.BytesIO(png)).convert("RGBA")
    # Each ICO size gets its own rendering (crisper than Pillow's downscaling of one image).
    largest = images[max(ICO_SIZES)]
    largest.save(ICONS / "leadsynth.ico", format="ICO", sizes=[(s, s) for s in ICO_SIZES],
                 append_images=[images[s] for s in ICO_SIZES if s != max(ICO_SIZES)])
    # Pillow writes the ICNS sizes (16..1024) from the 512 px image.
    images[512].save(ICONS / "leadsynth.icns", format="ICNS")
    print(f"wrote {len(PNG_SIZES)} PNGs, leadsynth.ico and leadsynth.icns to {ICONS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
