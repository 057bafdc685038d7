"""Bad hospital exports for the corpus of ``scripts/make_bad_corpus.py`` (folder ``formats/``).

XML entity bombs and external entities, an empty aECG, a Philips document of an unknown
version, MUSE files without a rhythm or with broken base64, DICOM files without a waveform,
with a waveform of another kind (audio, respiratory) or with truncated waveform data, a
PNG named ``.dcm``, EDF files whose header lies about their length, and Apple Watch ECG
exports with a text line among the samples, a unit that is not a voltage, another lead, a
rate of 0, Latin-1 bytes or no samples at all; AliveCor ATC files with a wrong checksum, cut
short, of an unknown version, without a fmt block, with a half sample or an undefined sample
format; SCP-ECG records with a wrong CRC, reference beats, bimodal compression, a custom Huffman
table, no rhythm section or a lead shorter than its samples.  Every file is
written byte for byte by this module (fixed UIDs, no dates), so the build is deterministic.
"""

from __future__ import annotations

import base64
import io
import struct
from collections.abc import Callable
from pathlib import Path

import numpy as np

AddCase = Callable[..., None]

_MUSE_LEAD = """      <LeadData>
         <LeadSampleCountTotal>{n}</LeadSampleCountTotal>
         <LeadAmplitudeUnitsPerBit>4.88</LeadAmplitudeUnitsPerBit>
         <LeadAmplitudeUnits>MICROVOLTS</LeadAmplitudeUnits>
         <LeadID>{lead}</LeadID>
         <LeadSampleSize>2</LeadSampleSize>
         <WaveFormData>{data}</WaveFormData>
      </LeadData>
"""


def muse_xml(kind: str = "Rhythm", data: str | None = None, n: int = 50, prolog: str = "", body: str = "") -> bytes:
    """A small MUSE RestingECG document (leads I and II) for the corpus and the fuzzer."""
    samples = (np.arange(n) % 20 - 10).astype("<i2").tobytes()
    b64 = data if data is not None else base64.b64encode(samples).decode()
    leads = "".join(_MUSE_LEAD.format(n=n, lead=lead, data=b64) for lead in ("I", "II"))
    return (
        f'<?xml version="1.0" encoding="ISO-8859-1"?>\n{prolog}<RestingECG>{body}\n'
        f"   <Waveform>\n      <WaveformType>{kind}</WaveformType>\n      <SampleBase>500</SampleBase>\n"
        f"      <SampleExponent>0</SampleExponent>\n{leads}   </Waveform>\n</RestingECG>\n"
    ).encode("latin-1")


def _bomb() -> bytes:
    levels = ['<!ENTITY e0 "ECGECGECGECGECGECGECGECGECGECG">']
    levels += [f'<!ENTITY e{i} "{("&e" + str(i - 1) + ";") * 10}">' for i in range(1, 10)]
    return muse_xml(prolog="<!DOCTYPE RestingECG [\n" + "\n".join(levels) + "\n]>\n",
                    body="<MuseInfo><MuseVersion>&e9;</MuseVersion></MuseInfo>")


def _external() -> bytes:
    return muse_xml(prolog='<!DOCTYPE RestingECG [<!ENTITY id SYSTEM "file:///etc/passwd">]>\n',
                    body="<PatientDemographics><PatientID>&id;</PatientID></PatientDemographics>")


def _philips(version: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<restingecgdata xmlns="http://www3.medical.philips.com">\n'
        f"  <documentinfo><documenttype>SierraECG</documenttype><documentversion>{version}</documentversion>"
        "</documentinfo>\n</restingecgdata>\n"
    ).encode()


def dicom_bytes(sop_class: str, *, waveform: bool = True, truncate: bool = False, n: int = 50) -> bytes:
    """A small DICOM waveform file with fixed UIDs (``waveform=False``: no WaveformSequence)."""
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.sequence import Sequence
    from pydicom.uid import ExplicitVRLittleEndian

    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = sop_class
    meta.MediaStorageSOPInstanceUID = "1.2.826.0.1.3680043.8.498.1"
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    meta.ImplementationClassUID = "1.2.826.0.1.3680043.8.498.2"
    meta.ImplementationVersionName = "LEADSYNTH_BAD"
    ds = Dataset()
    ds.file_meta = meta
    ds.preamble = b"\0" * 128
    ds.SOPClassUID = sop_class
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.Modality = "ECG"
    ds.PatientID = "BAD"
    if waveform:
        group = Dataset()
        group.WaveformOriginality = "ORIGINAL"
        group.NumberOfWaveformChannels = 2
        group.NumberOfWaveformSamples = n
        group.SamplingFrequency = "500"
        channels = []
        for i, lead in enumerate(("I", "II")):
            ch = Dataset()
            src = Dataset()
            src.CodeValue, src.CodingSchemeDesignator, src.CodeMeaning = f"5.6.3-9-{i + 1}", "SCPECG", f"Lead {lead}"
            ch.ChannelSourceSequence = Sequence([src])
            unit = Dataset()
            unit.CodeValue, unit.CodingSchemeDesignator, unit.CodeMeaning = "uV", "UCUM", "microvolt"
            ch.ChannelSensitivity = "5"
            ch.ChannelSensitivityUnitsSequence = Sequence([unit])
            ch.ChannelSensitivityCorrectionFactor = "1"
            ch.ChannelBaseline = "0"
            ch.WaveformBitsStored = 16
            channels.append(ch)
        group.ChannelDefinitionSequence = Sequence(channels)
        group.WaveformBitsAllocated = 16
        group.WaveformSampleInterpretation = "SS"
        data = (np.arange(2 * n) % 40 - 20).astype("<i2").tobytes()
        group.WaveformData = data[: len(data) // 3] if truncate else data
        ds.WaveformSequence = Sequence([group])
    buf = io.BytesIO()
    ds.save_as(buf, enforce_file_format=True)
    return buf.getvalue()


def edf_bytes(n_records: int = 2, declared: int | None = None, header_bytes: int | None = None,
              labels: tuple[str, ...] = ("ECG I", "ECG II"), fs: int = 50) -> bytes:
    """A small EDF file (``declared``: the number of data records the header claims)."""
    ns = len(labels)

    def field(value: object, width: int) -> bytes:
        return str(value).ljust(width)[:width].encode("ascii")

    head = (field(0, 8) + field("X X X X", 80) + field("Startdate X X X X", 80) + field("01.01.00", 8)
            + field("00.00.00", 8) + field(header_bytes or 256 * (ns + 1), 8) + field("", 44)
            + field(n_records if declared is None else declared, 8) + field(1, 8) + field(ns, 4))
    per = [
        [field(lab, 16) for lab in labels], [field("AgAgCl", 80)] * ns, [field("uV", 8)] * ns,
        [field(-3276.8, 8)] * ns, [field(3276.7, 8)] * ns, [field(-32768, 8)] * ns, [field(32767, 8)] * ns,
        [field("", 80)] * ns, [field(fs, 8)] * ns, [field("", 32)] * ns,
    ]
    head += b"".join(b"".join(col) for col in per)
    data = (np.arange(n_records * ns * fs) % 100 - 50).astype("<i2").tobytes()
    return head + data


_PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(64))


def atc_block(block_id: bytes, data: bytes, checksum: int | None = None) -> bytes:
    """One ATC block: id, length, data and the byte-sum checksum (or ``checksum`` instead)."""
    head = block_id + struct.pack("<I", len(data))
    total = (sum(head) + sum(data)) & 0xFFFFFFFF if checksum is None else checksum
    return head + data + struct.pack("<I", total)


def atc_info(recorded: str = "2026-02-03T08:15:00.120-05:00", hardware: str = "triangle hw1.0 fw2.1",
             software: str = "Kardia 5.20.0", device_data: str = "SN=AC6L000000,BAT=80") -> bytes:
    """The data of an ATC info block (fixed-width, zero-padded ASCII fields of spec 1.7)."""
    fields = ((recorded, 32), ("00000000-0000-4000-8000-000000000000", 40), ("", 44), ("iPhone", 32),
              (software, 32), (hardware, 32), (device_data, 52))
    return b"".join(text.encode("ascii").ljust(n, b"\0") for text, n in fields)


def atc_bytes(leads: dict[bytes, np.ndarray], *, version: int = 3, fs: int = 300, resolution_nv: int = 500,
              flags: int = 2, sample_format: int = 1, extra: tuple[bytes, ...] = (), fmt_first: bool = False,
              info: bytes | None = None) -> bytes:
    """An AliveCor ATC file (spec 1.7): signature, version, info and fmt blocks, one block per lead
    (``{b"ecg ": int16 counts, ...}``), then the ``extra`` blocks as given."""
    fmt = atc_block(b"fmt ", struct.pack("<BHHBH", sample_format, fs, resolution_nv, flags, 0))
    head = [atc_block(b"info", atc_info() if info is None else info), fmt]
    if fmt_first:
        head.reverse()
    body = [atc_block(block_id, np.asarray(x, dtype="<i2").tobytes()) for block_id, x in leads.items()]
    return b"ALIVE\0\0\0" + struct.pack("<I", version) + b"".join(head + body + list(extra))


def _crc_ccitt(data: bytes) -> int:
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) & 0xFFFF if crc & 0x8000 else (crc << 1) & 0xFFFF
    return crc


def _scp_section(sid: int, body: bytes) -> bytes:
    head = struct.pack("<HI", sid, 16 + len(body)) + bytes([20, 20]) + (b"SCPECG" if sid == 0 else b"\0" * 6)
    return struct.pack("<H", _crc_ccitt(head + body)) + head + body


def scp_bytes(leads: dict[int, np.ndarray], *, flags: int = 0b100, tables: int = 0, order: int = 0,
              bimodal: int = 0, avm_nv: int = 5000, interval_us: int = 2000, drop: tuple[int, ...] = (),
              bad_crc: bool = False, cut_lead_bytes: int = 0) -> bytes:
    """An SCP-ECG record (sections 0, 1, 2, 3, 6) with uncoded 16-bit rhythm data, ``{SCP lead code:
    counts}``; the keyword arguments set the fields a broken file gets wrong."""
    n = len(next(iter(leads.values())))
    s1 = bytes([2]) + struct.pack("<H", 8) + b"TEST-01\0" + bytes([8]) + struct.pack("<H", 1) + b"\x02"
    s1 += bytes([25]) + struct.pack("<H", 4) + struct.pack("<HBB", 2026, 1, 2) + bytes([26]) + struct.pack("<H", 3)
    s1 += bytes([8, 30, 0]) + bytes([255, 0, 0])
    s2 = struct.pack("<H", tables)
    s3 = bytes([len(leads), flags]) + b"".join(struct.pack("<IIB", 1, n, code) for code in leads)
    data = [np.asarray(x, dtype="<i2").tobytes() for x in leads.values()]
    if cut_lead_bytes:
        data[-1] = data[-1][:-cut_lead_bytes]
    s6 = struct.pack("<HHBB", avm_nv, interval_us, order, bimodal) + b"".join(struct.pack("<H", len(d)) for d in data)
    s6 += b"".join(data)
    bodies = {1: s1, 2: s2, 3: s3, 6: s6}
    for sid in drop:
        bodies.pop(sid)
    pointers_len = 10 * 12
    offset = 6 + 16 + pointers_len + 1  # sections counted from byte 1
    table, blobs = b"", []
    for sid in range(12):
        if sid == 0:
            table += struct.pack("<HII", 0, 16 + pointers_len, 7)
            continue
        if sid in bodies:
            blob = _scp_section(sid, bodies[sid])
            table += struct.pack("<HII", sid, len(blob), offset)
            blobs.append(blob)
            offset += len(blob)
        else:
            table += struct.pack("<HII", sid, 0, 0)
    body = _scp_section(0, table) + b"".join(blobs)
    total = struct.pack("<I", 6 + len(body)) + body
    crc = _crc_ccitt(total) ^ (0xFFFF if bad_crc else 0)
    return struct.pack("<H", crc) + total


def apple_watch_csv(rate: str = "512 hertz", lead: str = "Lead I", unit: str = "µV", samples: int = 60,
                    inject: str | None = None) -> str:
    """An Apple Watch ECG export (Health app CSV) with one field set wrong; ``inject`` is a line put
    after the 50th sample."""
    head = ["Name,Test", 'Date of Birth,"Jan 1, 1960"', "Recorded Date,2026-01-02 08:00:00 +0000",
            "Classification,Sinus Rhythm", "Symptoms,", "Software Version,1.90", 'Device,"Watch6,7"',
            f"Sample Rate,{rate}", "", "", f"Lead,{lead}", f"Unit,{unit}", ""]
    values = [f"{(i * 37) % 200 - 100}.5" for i in range(samples)]
    if inject is not None:
        values.insert(50, inject)
    return "\n".join(head + values) + "\n"


def build(out: Path, add: AddCase) -> None:
    """Write the format cases under ``out/formats`` and register each with ``add``."""
    folder = out / "formats"
    folder.mkdir(parents=True, exist_ok=True)

    def case(name: str, data: bytes, covers: str, message: str, error: str = "RecordFormatError") -> None:
        (folder / name).write_bytes(data)
        rel = f"formats/{name}"
        add(out, "record", rel, covers, error, message, [rel])

    case("xml_entity_bomb.xml", _bomb(), "XML entity bomb (billion laughs) in a MUSE document",
         r"declares an entity 'e0'; refused unexpanded")
    case("xml_external_entity.xml", _external(), "XML external entity (file:///etc/passwd) in a MUSE document",
         r"declares an external entity 'id' \(file:///etc/passwd\)")
    case("aecg_empty.xml", b'<?xml version="1.0"?>\n<AnnotatedECG xmlns="urn:hl7-org:v3">\n</AnnotatedECG>\n',
         "empty HL7 aECG document", r"AnnotatedECG document is empty")
    case("philips_unknown_version.xml", _philips("9.99"), "Philips Sierra XML of an unknown document version",
         r"documentversion '9\.99' of SierraECG is not supported")
    case("muse_median_only.xml", muse_xml(kind="Median"), "MUSE export with median beats but no rhythm",
         r"no Rhythm <Waveform> .*waveforms present: Median")
    case("muse_bad_base64.xml", muse_xml(data="!!not*base64!!"), "MUSE lead whose WaveFormData is not base64",
         r"lead I: WaveFormData is not valid base64")
    case("muse_count_lies.xml", muse_xml(n=50).replace(b">50<", b">5000000<"),
         "MUSE lead whose sample count disagrees with its data", r"LeadSampleCountTotal says 5000000 samples")
    case("xml_not_well_formed.xml", muse_xml()[:300], "truncated MUSE XML", r"not well-formed XML")
    twelve = "1.2.840.10008.5.1.4.1.1.9.1.1"
    case("dicom_no_waveform.dcm", dicom_bytes(twelve, waveform=False), "12-lead ECG DICOM without a waveform",
         r"holds no waveform \(WaveformSequence absent or empty\)")
    case("dicom_audio_waveform.dcm", dicom_bytes("1.2.840.10008.5.1.4.1.1.9.4.1"),
         "DICOM Basic Voice Audio waveform, not an ECG", r"SOP Class Basic Voice Audio Waveform Storage is not an ECG")
    case("dicom_respiratory_waveform.dcm", dicom_bytes("1.2.840.10008.5.1.4.1.1.9.6.1"),
         "DICOM Respiratory waveform, not an ECG", r"SOP Class Respiratory Waveform Storage is not an ECG")
    case("dicom_truncated_waveform.dcm", dicom_bytes(twelve, truncate=True),
         "DICOM ECG whose Waveform Data is shorter than its channels x samples", r"Waveform Data holds 66 bytes")
    case("not_dicom.dcm", _PNG, "a PNG named .dcm", r"content is not a format LeadSynth reads")
    case("edf_header_lies_length.edf", edf_bytes(n_records=2, declared=100000),
         "EDF header declaring 100000 data records, file holding 2", r"declares 100000 data records")
    case("edf_header_lies_size.edf", edf_bytes(header_bytes=4096), "EDF header size field inconsistent with its signals",
         r"2 signals and 4096 header bytes")
    case("edf_no_ecg.edf", edf_bytes(labels=("Resp", "SpO2")), "EDF whose channels are none of them ECG leads",
         r"no channel label names a standard ECG lead \(labels: Resp, SpO2\)")
    case("applewatch_text_in_samples.csv", apple_watch_csv(inject="n/a").encode(),
         "Apple Watch ECG export with a text line among its samples", r"line 64: 'n/a' is not a sample value")
    case("applewatch_unknown_unit.csv", apple_watch_csv(unit="mmHg").encode(),
         "Apple Watch ECG export whose Unit is not a voltage", r"Unit 'mmHg' is not one of µV, uV, mV")
    case("applewatch_lead_ii.csv", apple_watch_csv(lead="Lead II").encode(),
         "Apple Watch ECG export naming a lead other than I", r"an Apple Watch ECG records lead I only")
    case("applewatch_rate_zero.csv", apple_watch_csv(rate="0 hertz").encode(),
         "Apple Watch ECG export with a sample rate of 0 Hz", r"Sample Rate '0' Hz is not plausible")
    case("applewatch_not_utf8.csv", apple_watch_csv().encode("latin-1"),
         "Apple Watch ECG export saved as Latin-1 (the µ of its Unit line)", r"not UTF-8 text")
    lead = (np.arange(600) % 50 - 25).astype("<i2")
    good = atc_bytes({b"ecg ": lead, b"ecg2": lead})
    cut = good.index(b"ecg2")
    case("atc_bad_checksum.atc", good[:cut + 20] + bytes([good[cut + 20] ^ 0xFF]) + good[cut + 21:],
         "AliveCor ATC file whose lead II samples were changed after it was written",
         r"block 'ecg2' at byte \d+: checksum \d+ does not match the stored")
    case("atc_truncated.atc", good[:-500], "AliveCor ATC file cut short in its last block",
         r"block 'ecg2' at byte \d+ says 1200 bytes, the file ends")
    case("atc_version_9.atc", atc_bytes({b"ecg ": lead}, version=9), "AliveCor ATC file of an unknown version",
         r"ATC file version 9 is not one LeadSynth reads")
    case("atc_no_fmt.atc", b"ALIVE\0\0\0" + struct.pack("<I", 3) + atc_block(b"info", atc_info())
         + atc_block(b"ecg ", lead.tobytes()), "AliveCor ATC file without its fmt block",
         r"no 'fmt ' block \(sampling rate and amplitude resolution\)")
    case("atc_odd_length.atc", atc_bytes({b"ecg ": lead}, extra=(atc_block(b"ecg2", lead.tobytes()[:-1]),)),
         "AliveCor ATC lead block of an odd number of bytes", r"block 'ecg2' at byte \d+ holds 1199 bytes")
    case("atc_sample_format_2.atc", atc_bytes({b"ecg ": lead}, sample_format=2),
         "AliveCor ATC file of an undefined sample format", r"ECG sample format 2 is not 1 \(16-bit signed\)")
    rows = "".join(f"{i / 500:.3f},{(i % 40) / 100:.2f},{(i % 30) / 100:.2f}\n" for i in range(200))
    case("csv_no_rate.csv", ("I,II\n" + "".join(f"{(i % 40) / 100},{(i % 30) / 100}\n" for i in range(200))).encode(),
         "CSV lead table with neither a rate line nor a time column", r"no sampling rate: add a time column",
         error="MissingRateError")
    case("csv_irregular_time.csv", ("time_s,I,II\n" + rows.replace("0.100,", "0.150,")).encode(),
         "CSV lead table whose time column is not evenly spaced", r"the time column's steps are not regular")
    case("csv_unitless_counts.csv", ("# sampling_rate: 500\nI,II\n"
                                     + "".join(f"{i % 400},{i % 300}\n" for i in range(200))).encode(),
         "CSV lead table of ADC counts with no unit named", r"column I names no unit and reaches 199")
    case("csv_text_cell.csv", ("time_s,I,II\n" + rows.replace("0.020,0.10,", "0.020,n/a,", 1)).encode(),
         "CSV lead table with a cell that is not a number", r"line 12, column 2: 'n/a' is not a number")
    case("csv_ragged_row.csv", ("time_s,I,II\n" + rows.replace("0.020,0.10,0.10", "0.020,0.10", 1)).encode(),
         "CSV lead table with a row shorter than its header", r"line 12 holds 2 values, the header names 3 columns")
    case("csv_lead_twice.csv", ("time_s,I,Lead I\n" + rows).encode(), "CSV lead table with two columns for lead I",
         r"lead I has two columns")
    pair = {1: (np.arange(500) % 50 - 25) * 10, 2: (np.arange(500) % 40 - 20) * 10}
    case("scp_bad_crc.scp", scp_bytes(pair, bad_crc=True), "SCP-ECG record whose file CRC does not match",
         r"file CRC 0x[0-9a-f]{4} does not match the stored")
    case("scp_reference_beats.scp", scp_bytes(pair, flags=0b101), "SCP-ECG rhythm stored with reference-beat subtraction",
         r"reference-beat subtraction, which LeadSynth does not reconstruct")
    case("scp_bimodal.scp", scp_bytes(pair, bimodal=1), "SCP-ECG rhythm stored with bimodal compression",
         r"bimodal compression, which LeadSynth does not read")
    case("scp_custom_huffman.scp", scp_bytes(pair, tables=1), "SCP-ECG record with a custom Huffman table",
         r"section 2 holds 1 custom Huffman table")
    case("scp_no_rhythm.scp", scp_bytes(pair, drop=(6,)), "SCP-ECG record without section 6 (no rhythm data)",
         r"no section 6 \(rhythm data\)")
    case("scp_short_lead.scp", scp_bytes(pair, cut_lead_bytes=100), "SCP-ECG lead with fewer bytes than its samples",
         r"lead II: 900 bytes for 500 uncoded 16-bit samples")
    case("applewatch_header_only.csv", apple_watch_csv(samples=0).encode(),
         "an Apple Watch ECG header with no samples after it",
         r"content is not a format LeadSynth reads \(expected for \.csv: an Apple Watch ECG export")
