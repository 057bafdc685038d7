"""The PySide6 desktop application of LeadSynth (views, dialogs, workers)."""
