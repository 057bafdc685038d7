"""Measurements a cardiologist reads: intervals, axes, amplitudes and ST levels per lead.

``measure_record(record) -> Measurements`` (median beats of all leads, global fiducial
points, global and per-lead values, each lead with its provenance; ``measurable=False`` with
the reason when nothing can be delineated) and ``compare_measurements(truth, synthesized)``
(differences and clinically meaningful disagreement flags); ``compare_with_device`` puts
the global values beside the cart's own (``metadata["device_report"]``);
``check_arm_electrodes``, ``check_arm_leg_electrodes`` / ``electrode_cautions`` flag a suspected
swap of the arm electrodes or of the right-arm and left-leg ones, and ``swap_electrodes``
undoes either (exact for every lead; ``electrodes_swapped_back`` reads which from the audit trail).  Definitions in
``docs/measurements.md``.
"""

from .beats import NotMeasurable
from .compare import Comparison, compare_measurements, transition_zone
from .delineate import DelineationSettings, Fiducials
from .device import DeviceRow, compare_with_device, device_values
from .electrodes import (
           ARM_LEG,
           ARMS,
           ElectrodeReversal,
           check_arm_electrodes,
           check_arm_leg_electrodes,
           electrode_cautions,
)
from .engine import WINDOW_S, measure_record
from .result import GLOBAL_KEYS, LEAD_KEYS, LeadMeasurement, Measurements, basis_notes
from .swap_back import electrodes_swapped_back, swap_electrodes

__all__ = ["measure_record", "Measurements", "LeadMeasurement", "Fiducials", "DelineationSettings",
           "NotMeasurable", "compare_measurements", "Comparison", "transition_zone", "WINDOW_S",
           "GLOBAL_KEYS", "LEAD_KEYS", "basis_notes", "DeviceRow", "compare_with_device", "device_values",
           "check_arm_electrodes", "check_arm_leg_electrodes", "electrode_cautions", "ElectrodeReversal", "swap_electrodes", "electrodes_swapped_back",
           "ARMS", "ARM_LEG"]
