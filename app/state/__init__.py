"""Viewer state: the document (record, synthesis, scores), its view state and the settings."""
