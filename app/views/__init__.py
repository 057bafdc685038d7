"""Widgets that show the document: each observes ``ViewerDocument`` / ``ViewState``."""
