"""Calibrated uncertainty bands for synthesized leads (see ``docs/uncertainty.md``)."""
