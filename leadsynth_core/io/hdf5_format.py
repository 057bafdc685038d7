"""HDF5 records: the project's own schema, CODE-15%-style ``tracings`` and single ``ecg`` datasets.

The project schema is documented in ``docs/hdf5_schema.md``.  In short::

    /                       attrs: format="leadsynth-ecg", format_version=1,
                            software="LeadSynth <version>"
    /records/<key>/         one group per record; attrs fs, lead_names, provenance,
                            units="mV", patient_id, recorded_at (ISO 8601), source,
                            model_id, model_patient_id (personal models), metadata (JSON)
    /records/<key>/signal   float32 (n_samples, n_leads), mV, chunked, resizable

Reads of a sample range touch only that slice of the file (HDF5 hyperslab), so a
24-hour recording can be browsed and synthesized window by window.

The code lives in one module per concern: ``_hdf5_base`` (schema names, opening, layout
detection), one module per read layout (``_hdf5_project``, ``_hdf5_ecg``, ``_hdf5_code15``),
``_hdf5_read`` (list, inspect, read) and ``_hdf5_write``.  This module is their one public
face inside :mod:`leadsynth_core.io`.
"""

from __future__ import annotations

from ._hdf5_base import SCHEMA_NAME, SCHEMA_VERSION, is_hdf5
from ._hdf5_read import inspect_hdf5, list_hdf5, read_hdf5
from ._hdf5_write import Hdf5RecordWriter, write_hdf5

__all__ = [
    "SCHEMA_NAME",
    "SCHEMA_VERSION",
    "Hdf5RecordWriter",
    "list_hdf5",
    "inspect_hdf5",
    "read_hdf5",
    "write_hdf5",
    "is_hdf5",
]
