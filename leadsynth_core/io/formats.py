"""The table of formats LeadSynth reads and writes, and content sniffing for hospital exports.

:func:`sniff` recognises a file by its content (the DICOM ``DICM`` marker, the EDF/BDF
version field, the XML root element, the Apple Watch export's header), never by its
extension alone: a MUSE export called ``ecg.txt`` opens, a PNG called ``ecg.dcm`` is refused
as what it is.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

from ..record import EcgRecord
from . import (
    alivecor_atc,
    apple_health_zip,
    apple_watch_csv,
    cardiosoft_xml,
    csv_format,
    dicom_ecg,
    edf_format,
    hl7_aecg,
    kardia_json,
    muse_xml,
    philips_xml,
    scp_ecg,
)
from ._common import read_head
from .xml_safe import xml_root_name

__all__ = [
    "Format", "FORMATS", "VENDOR_KINDS", "sniff", "vendor_reader", "VENDOR_SUFFIXES", "describe_formats",
    "dialog_filter", "save_filter", "SAVE_FILTERS",
]


@dataclasses.dataclass(frozen=True)
class Format:
    """One row of the format table (``leadsynth info --formats``, docs/formats.md)."""

    kind: str
    name: str
    suffixes: tuple[str, ...]
    read: str
    write: str
    not_supported: str


FORMATS: tuple[Format, ...] = (
    Format("wfdb", "WFDB (PhysioNet, PTB-XL, LUDB, Challenge .hea + .dat/.mat)", (".hea", ".dat"),
           "all signals, units, patient/age/sex comments", "12-lead + provenance comment", "multi-segment records"),
    Format("hdf5", "HDF5 (project schema, SPH, CODE-15)", (".h5", ".hdf5"),
           "one or many records, windowed", "project schema, streamed", "-"),
    Format("cpsc", "CPSC 2018 MATLAB .mat", (".mat",), "12 leads, age, sex", "-", "-"),
    Format("muse", "GE MUSE RestingECG XML", (".xml",),
           "rhythm (8 stored leads, III/aVR/aVL/aVF derived), 12SL measurements, statements, patient",
           "-", "median beats, MUSE 7 uncompressed-only variants untested"),
    Format("philips", "Philips Sierra ECG XML 1.03/1.04/1.04.01/1.04.02", (".xml",),
           "12 leads (XLI), DXL measurements, statements, patient, cart", "-",
           "representative beats; other document versions are refused"),
    Format("cardiosoft", "GE CardioSoft CardiologyXML", (".xml",),
           "10-s strip, 12SL measurements, statements, patient", "-", "full-disclosure block, vector loops"),
    Format("aecg", "HL7 v3 annotated ECG (FDA aECG)", (".xml",),
           "rhythm series (origin + scale x digits), annotated intervals/axes, subject", "-",
           "derived (representative beat) series, multiple rhythm series"),
    Format("dicom", "DICOM 12-lead / General / Ambulatory ECG Waveform Storage", (".dcm",),
           "ORIGINAL multiplex group, sensitivity/baseline/units/skew, patient, annotations",
           "12-lead (General ECG beyond 16384 samples), provenance in labels + derivation", "other waveform kinds"),
    Format("edf", "EDF / EDF+ / BDF", (".edf", ".bdf"),
           "ECG-labelled channels (others kept aside), annotations, patient", "EDF+C, provenance in labels + annotations",
           "EDF+D (discontinuous)"),
    Format("scp", "SCP-ECG (EN 1064, ISO 11073-91064)", (".scp",),
           "rhythm leads (default Huffman table or uncoded; first or second differences), patient ID/age/sex, "
           "acquisition time, the cart and its filters, its global measurements and statements; file CRC checked",
           "-", "reference-beat subtraction, bimodal compression, custom Huffman tables (refused, saying which)"),
    Format("applewatch", "Apple Watch ECG (Health app CSV export)", (".csv",),
           "lead I, rate, unit, recording time, age from the date of birth, the watch's classification; "
           "any language of the phone", "-", "the name (never read); the Health app's PDF"),
    Format("atc", "AliveCor ATC (KardiaMobile, KardiaMobile 6L, Kardia 12L)", (".atc",),
           "every ECG block (1, 6 or 12 leads), rate, resolution, the app's filter flags, recording time, "
           "phone and recorder; block checksums verified", "-",
           "average and median beats, beat annotations, acceleration (not read); file versions above 5"),
    Format("kardia", "AliveCor Kardia JSON (Kardia Pro API recording)", (".json",),
           "raw samples of every lead (KardiaMobile 1 lead, 6L: I, II and the four it computes, drawn as derived), "
           "rate, amplitude resolution, mains frequency, recording time, patient ID, the Kardia determination, "
           "heart rate and QT values, the patient's note; the API's list of recordings as a multi-record file "
           "(key: its local recording time and id)", "-",
           "the enhanced (filtered) samples when raw ones are present; files without amplitudeResolution; Kardia 12L"),
    Format("csv", "CSV lead table (a column per lead)", (".csv", ".tsv", ".txt"),
           "columns named by lead (units in the name or a '# unit:' line), rate from '# sampling_rate:' or a time "
           "column, comma, semicolon (decimal comma) or tab separated", "any leads + provenance comment lines",
           "a rate or unit the file does not state (never guessed; unitless values above 20 are refused)"),
    Format("healthzip", "Apple Health export (export.zip)", (".zip",),
           "every Apple Watch ECG of electrocardiograms/, one record each (key: its file name), unpacked in memory",
           "-", "the rest of the export (never read)"),
)

#: The single-record kinds handled by this module's readers (the others, HDF5 and the Health
#: export zip among them, are read by key in api.py).
VENDOR_KINDS = ("muse", "philips", "cardiosoft", "aecg", "dicom", "edf", "scp", "applewatch", "atc", "kardia",
                "csv")
VENDOR_SUFFIXES = (".xml", ".dcm", ".edf", ".bdf", ".scp", ".csv", ".zip", ".atc", ".json", ".tsv", ".txt")

_XML_ROOTS = {
    muse_xml.ROOT: "muse",
    philips_xml.ROOT: "philips",
    cardiosoft_xml.ROOT: "cardiosoft",
    hl7_aecg.ROOT: "aecg",
}


def sniff(path: Path) -> str | None:
    """The vendor kind of ``path`` from its first bytes, or None (not one of them, unreadable)."""
    head = read_head(path)
    if head is None:
        return None
    if dicom_ecg.is_dicom(head):
        return "dicom"
    if edf_format.is_edf(head):
        return "edf"
    if alivecor_atc.is_atc(head):
        return "atc"
    if kardia_json.is_kardia_json(head):
        return "kardia"
    if scp_ecg.is_scp(head, path.stat().st_size):
        return "scp"
    if apple_watch_csv.is_apple_watch_csv(head):
        return "applewatch"
    if csv_format.is_csv_table(head):
        return "csv"
    if apple_health_zip.is_health_export(path, head):
        return "healthzip"
    root = xml_root_name(path, head)
    return _XML_ROOTS.get(root) if root else None


def vendor_reader(kind: str) -> Callable[..., EcgRecord]:
    """``reader(path, start, stop)`` of a vendor kind."""
    return {
        "muse": muse_xml.read_muse,
        "philips": philips_xml.read_philips,
        "cardiosoft": cardiosoft_xml.read_cardiosoft,
        "aecg": hl7_aecg.read_aecg,
        "dicom": dicom_ecg.read_dicom_ecg,
        "edf": edf_format.read_edf,
        "applewatch": apple_watch_csv.read_apple_watch_csv,
        "atc": alivecor_atc.read_atc,
        "kardia": kardia_json.read_kardia_json,
        "scp": scp_ecg.read_scp,
        "csv": csv_format.read_csv_table,
    }[kind]


def describe_formats() -> str:
    """The format table as text (``leadsynth info --formats``)."""
    lines = ["Formats (recognised by content; the extension is only a hint):"]
    for f in FORMATS:
        lines.append(f"  {f.name}  [{' '.join(f.suffixes)}]")
        lines.append(f"      read:          {f.read}")
        lines.append(f"      write:         {f.write}")
        lines.append(f"      not supported: {f.not_supported}")
    return "\n".join(lines)


#: The Save dialog's entry for each format ``write_record`` writes, in the dialog's order.
SAVE_FILTERS: tuple[tuple[str, str], ...] = (
    ("wfdb", "WFDB record (*.hea)"),
    ("hdf5", "HDF5 (*.h5 *.hdf5)"),
    ("dicom", "DICOM 12-lead ECG, for a PACS (*.dcm)"),
    ("edf", "EDF+ (*.edf)"),
    ("csv", "CSV table, provenance in its # lines (*.csv)"),
)


def save_filter() -> str:
    """Name filters of the formats the viewer saves to (plain text, no Qt here)."""
    return ";;".join(text for _kind, text in SAVE_FILTERS)


def dialog_filter() -> str:
    """Name filters for a file dialog (``"All ECG records (*.hea ...);;GE MUSE XML (*.xml);;..."``).

    Plain text (no Qt here): the viewer's Open dialog and the wizard's file picker use it.
    """
    patterns = sorted({f"*{s}" for f in FORMATS for s in f.suffixes if s != ".dat"})
    parts = [f"All ECG records ({' '.join(patterns)})"]
    for f in FORMATS:
        shown = " ".join(f"*{s}" for s in f.suffixes if s != ".dat")
        parts.append(f"{f.name.split(' (')[0]} ({shown})")
    parts.append("All files (*)")
    return ";;".join(parts)
