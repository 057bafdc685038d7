"""Measurements a cardiologist reads: intervals, axes, amplitudes and ST levels per lead."""
