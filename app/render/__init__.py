"""Rendering shared by the screen and the exports: paper painting, trace styles, themes."""
