"""Application icons (SVG master plus PNG/ICO/ICNS renditions), found via importlib.resources."""
