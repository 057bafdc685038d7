"""Write a (synthesized) 12-lead record as DICOM ECG Waveform Storage, for a PACS.

* SOP class: 12-Lead ECG Waveform Storage when the record fits its constraints (at most
  16384 samples per channel, 200-1000 Hz, at most 13 channels); General ECG Waveform
  Storage otherwise.  A new SOP Instance UID and Series Instance UID every time; the source
  study's Study Instance UID, Accession Number and Study ID when the source had them
  (``metadata["source_study"]``), so the result files beside the original.
* One multiplex group ``RHYTHM`` of signed 16-bit samples; per channel SCP-ECG Channel
  Source code, sensitivity in uV chosen so that the channel's peak fits (resolution <= 1 uV
  for ECG amplitudes under 32 mV), baseline 0, skew 0.
* Provenance: each synthesized channel's Channel Label reads ``V3 SYNTHESIZED`` (derived:
  ``III DERIVED``), the Derivation Description says which leads were synthesized by which
  model from which measured leads, and the Waveform Annotation Sequence starts with a
  "SYNTHESIZED LEADS: ..." text a PACS viewer shows.
"""

from __future__ import annotations

import datetime as _dt
import os
from pathlib import Path
from typing import Any

import numpy as np

from .._version import __version__
from ..errors import RecordFormatError
from ..record import EcgRecord, Provenance
from ._common import atomic_paths
from .dicom_ecg import SCPECG_LEAD_CODES

__all__ = ["write_dicom_ecg", "TWELVE_LEAD_SOP", "GENERAL_ECG_SOP"]

TWELVE_LEAD_SOP = "1.2.840.10008.5.1.4.1.1.9.1.1"
GENERAL_ECG_SOP = "1.2.840.10008.5.1.4.1.1.9.1.2"
#: Sensitivities (uV per count) tried in order: the finest whose range holds the peak.
_SENSITIVITIES = (0.5, 1.0, 2.0, 2.5, 5.0, 10.0, 20.0, 50.0, 100.0, 1000.0)
#: Steps of carts' own files, coarsest first (a 5-uV signal also sits on the 2.5-uV grid).
_SOURCE_STEPS = (5.0, 4.88, 2.5, 1.0, 0.5)


def _code(value: str, scheme: str, meaning: str, version: str | None = None) -> Any:
    from pydicom.dataset import Dataset

    item = Dataset()
    item.CodeValue = value
    item.CodingSchemeDesignator = scheme
    if version:
        item.CodingSchemeVersion = version
    item.CodeMeaning = meaning
    return item


def _label(name: str, prov: Provenance) -> str:
    word = {Provenance.SYNTHESIZED: " SYNTHESIZED", Provenance.DERIVED: " DERIVED", Provenance.MEASURED: ""}[prov]
    return f"{name}{word}"[:16]


def _sensitivity(x: np.ndarray, where: str, name: str) -> float:
    """uV per count: the source's own step where the samples sit on one (measured leads from a
    cart: GE 4.88 uV, Philips 5 uV, aECG 2.5 uV), so they are stored exactly; otherwise the
    finest step whose range holds the peak."""
    peak_uv = float(np.max(np.abs(x))) * 1000.0 if x.size else 0.0
    uv = x.astype(np.float64) * 1000.0
    for step in _SOURCE_STEPS:
        counts = uv / step
        if peak_uv / step <= 32767 and np.abs(counts - np.rint(counts)).max() < 0.01:
            return step
    for s in _SENSITIVITIES:
        if peak_uv / s <= 32767:
            return s
    raise RecordFormatError(f"{where}: lead {name} peaks at {peak_uv / 1000:.1f} mV, beyond what DICOM ECG can hold")


def _text(text: str) -> Any:
    from pydicom.dataset import Dataset

    ann = Dataset()
    ann.UnformattedTextValue = text[:10240]
    ann.ReferencedWaveformChannels = [1, 0]  # group 1, all channels
    ann.AnnotationGroupNumber = 0
    return ann


def write_dicom_ecg(record: EcgRecord, path: str | os.PathLike[str]) -> Path:
    """Write ``record`` as a DICOM ECG waveform file (atomically) and return the path."""
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.sequence import Sequence
    from pydicom.uid import PYDICOM_IMPLEMENTATION_UID, ExplicitVRLittleEndian, generate_uid

    path = Path(path)
    where = str(path)
    names = [n for n in record.lead_names if n in SCPECG_LEAD_CODES]
    if not names:
        raise RecordFormatError(f"{where}: the record has no standard ECG lead to write")
    fits_12 = record.n_samples <= 16384 and 200 <= record.fs <= 1000 and len(names) <= 13
    sop_class = TWELVE_LEAD_SOP if fits_12 else GENERAL_ECG_SOP
    now = _dt.datetime.now()
    when = record.recorded_at or now
    src = dict(record.metadata.get("source_study", {}) or {})

    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = sop_class
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    meta.ImplementationClassUID = PYDICOM_IMPLEMENTATION_UID
    ds = Dataset()
    ds.file_meta = meta
    ds.preamble = b"\0" * 128
    ds.SpecificCharacterSet = "ISO_IR 192"
    ds.SOPClassUID = sop_class
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.InstanceCreationDate = now.strftime("%Y%m%d")
    ds.InstanceCreationTime = now.strftime("%H%M%S")
    # Patient, study: the source's where known (the result belongs to the same study).
    ds.PatientName = ""
    ds.PatientID = record.patient_id or ""
    ds.PatientBirthDate = ""
    sex = record.metadata.get("sex")
    ds.PatientSex = sex if sex in ("M", "F") else ""
    age = record.metadata.get("age")
    if isinstance(age, int) and 0 <= age < 1000:
        ds.PatientAge = f"{age:03d}Y"
    ds.StudyInstanceUID = src.get("study_instance_uid") or generate_uid()
    ds.StudyDate = when.strftime("%Y%m%d")
    ds.StudyTime = when.strftime("%H%M%S")
    ds.ReferringPhysicianName = ""
    ds.StudyID = str(src.get("study_id", ""))[:16]
    ds.AccessionNumber = str(src.get("accession_number", ""))[:16]
    ds.Modality = "ECG"
    ds.SeriesInstanceUID = generate_uid()
    ds.SeriesNumber = 900
    ds.SeriesDescription = "LeadSynth SYNTHESIZED LEADS"
    ds.Manufacturer = "LeadSynth"
    ds.SoftwareVersions = f"LeadSynth {__version__}"
    ds.InstanceNumber = 1
    ds.ContentDate = now.strftime("%Y%m%d")
    ds.ContentTime = now.strftime("%H%M%S")
    ds.AcquisitionDateTime = when.strftime("%Y%m%d%H%M%S")
    ds.AcquisitionContextSequence = Sequence([])
    synth = record.leads_with(Provenance.SYNTHESIZED)
    derived = record.leads_with(Provenance.DERIVED)
    measured = record.measured_standard_leads
    description = (
        f"SYNTHESIZED LEADS: {','.join(synth) or 'none'} synthesized by LeadSynth model={record.model_id or '?'} "
        f"from measured {','.join(measured) or 'none'}; derived by lead algebra: {','.join(derived) or 'none'}"
        + "".join(f"; processing: {step}" for step in record.processing)  # the audit trail
    )
    ds.DerivationDescription = description[:1024]
    if synth or derived:
        if src.get("sop_instance_uid"):
            ref = Dataset()
            ref.ReferencedSOPClassUID = TWELVE_LEAD_SOP
            ref.ReferencedSOPInstanceUID = src["sop_instance_uid"]
            ds.SourceWaveformSequence = Sequence([ref])

    group = Dataset()
    group.MultiplexGroupTimeOffset = "0"
    group.WaveformOriginality = "DERIVED" if synth else "ORIGINAL"
    group.NumberOfWaveformChannels = len(names)
    group.NumberOfWaveformSamples = record.n_samples
    group.SamplingFrequency = f"{record.fs:g}"
    group.MultiplexGroupLabel = "RHYTHM"
    channels = []
    counts = np.empty((record.n_samples, len(names)), dtype="<i2")
    for c, name in enumerate(names):
        x = record.lead(name).astype(np.float64)
        prov = record.provenance_of(name)
        sens = _sensitivity(x, where, name)
        counts[:, c] = np.clip(np.rint(x * 1000.0 / sens), -32768, 32767).astype("<i2")
        ch = Dataset()
        ch.ChannelLabel = _label(name, prov)
        ch.ChannelSourceSequence = Sequence([_code(SCPECG_LEAD_CODES[name], "SCPECG", f"Lead {name}", "1.3")])
        if prov is not Provenance.MEASURED:
            # The source modifier says in coded form what the label says in words.
            ch.ChannelSourceModifiersSequence = Sequence([_code(
                "LS-" + prov.value.upper()[:8], "99LEADSYNTH", f"{prov.value} lead (not measured)")])
        ch.ChannelSensitivity = f"{sens:g}"
        ch.ChannelSensitivityUnitsSequence = Sequence([_code("uV", "UCUM", "microvolt", "1.4")])
        ch.ChannelSensitivityCorrectionFactor = "1"
        ch.ChannelBaseline = "0"
        ch.ChannelSampleSkew = "0"
        ch.WaveformBitsStored = 16
        channels.append(ch)
    group.ChannelDefinitionSequence = Sequence(channels)
    group.WaveformBitsAllocated = 16
    group.WaveformSampleInterpretation = "SS"
    group.WaveformData = counts.tobytes()
    ds.WaveformSequence = Sequence([group])
    notes = [_text(description)]
    if synth:
        notes.insert(0, _text(f"SYNTHESIZED LEADS: {', '.join(synth)} are computed by a model "
                              f"(model={record.model_id or '?'}), not recorded from electrodes"))
    ds.WaveformAnnotationSequence = Sequence(notes)
    with atomic_paths([path]) as (tmp,):
        ds.save_as(tmp, enforce_file_format=True)
    return path
