"""Reading and writing ECG records: WFDB, CPSC 2018 ``.mat``, HDF5, hospital exports and devices.

Hospital exports (GE MUSE, Philips Sierra, GE CardioSoft, HL7 aECG XML, DICOM ECG, EDF/BDF, SCP-ECG),
consumer devices (Apple Watch CSV and the Health export zip, AliveCor ATC) and CSV lead tables
are recognised by content and read through the same ``read_record``; DICOM, EDF+ and CSV are
also written (``write_record(record, "out.dcm" | "out.edf" | "out.csv")``); see docs/formats.md.

Every reader returns an :class:`~leadsynth_core.record.EcgRecord` in mV with canonical
lead names and per-lead provenance, or raises an error from
:mod:`leadsynth_core.errors` naming the file and the field at fault.
"""

from __future__ import annotations

from ..files import AtomicFiles, atomic_paths
from ..options import HDF5_SUFFIXES
from ._common import RecordInfo
from .api import (
    WRITE_FORMATS,
    find_records,
    inspect_record,
    list_records,
    neighbour_record,
    output_format,
    read_record,
    read_seconds,
    read_window,
    sample_path,
    write_record,
)
from .csv_format import copy_with_rate, lacks_rate
from .device_report import MEASUREMENT_LABELS, device_line, format_device_report, measurement_rows
from .formats import FORMATS, describe_formats, dialog_filter, save_filter
from .hdf5_format import SCHEMA_NAME, SCHEMA_VERSION, Hdf5RecordWriter, write_hdf5
from .isolation import guard_record, probe_hdf5
from .wfdb_format import wfdb_files, wfdb_header_path, write_wfdb

__all__ = [
    "RecordInfo",
    "read_record",
    "read_window",
    "read_seconds",
    "inspect_record",
    "list_records",
    "write_record",
    "output_format",
    "write_records",
    "find_records",
    "neighbour_record",
    "sample_path",
    "probe_hdf5",
    "guard_record",
    "Hdf5RecordWriter",
    "WRITE_FORMATS",
    "HDF5_SUFFIXES",
    "SCHEMA_NAME",
    "SCHEMA_VERSION",
    # The one atomic-write helper (leadsynth_core.files), re-exported for readers of io.
    "atomic_paths",
    "AtomicFiles",
    # Formats (docs/formats.md) and what a cart reported (metadata["device_report"]).
    "FORMATS",
    "describe_formats",
    "dialog_filter",
    "save_filter",
    "MEASUREMENT_LABELS",
    "measurement_rows",
    "format_device_report",
    "device_line",
    # A lead table without a rate: a copy stating the rate the user gives (the viewer asks).
    "copy_with_rate",
    "lacks_rate",
    # The files that make up a WFDB record (the library hashes them).
    "wfdb_files",
    "wfdb_header_path",
    # WFDB with extra header comment lines (the companion band record is named there).
    "write_wfdb",
]

#: Write several records into one project-schema HDF5 file (keys -> records).
write_records = write_hdf5
