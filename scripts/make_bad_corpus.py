"""Build the corpus of broken and hostile inputs under ``tests/data/bad/``.

Every file is small (the whole corpus stays well under 1 MB) and the build is
deterministic: running the script twice gives the same bytes (HDF5 files are written
without timestamps, model cards with a fixed creation time).  Each case is listed in
``tests/data/bad/MANIFEST.json`` with

* ``id``: the case name (also the file stem);
* ``kind``: ``record`` (read with ``leadsynth_core.io.read_record``) or ``model``
  (loaded with ``leadsynth_core.models.load_model``);
* ``path``: the file to open, relative to ``tests/data/bad``;
* ``files``: every file of the case;
* ``covers``: what the case is about, in words;
* ``error``: the class name in :mod:`leadsynth_core.errors` that must be raised;
* ``message``: a fragment (regular expression) the message must contain, besides the
  file name, which every message must name.

Usage::

    python scripts/make_bad_corpus.py            # (re)write tests/data/bad
    python scripts/make_bad_corpus.py --check    # exit 1 if the committed corpus is stale
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import shutil
import struct
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import h5py
import numpy as np

log = logging.getLogger("make_bad_corpus")

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "tests" / "data" / "bad"
N = 100  # samples per WFDB record: 2 leads x 100 x int16 = 400 bytes
FS = 500
LEADS12 = ("I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6")
#: Declared length of the "huge" cases: 10^11 samples (about 4.8 TB as float32 x 12).
HUGE = 10**11


@dataclass
class Case:
    id: str
    kind: str
    path: str
    covers: str
    error: str
    message: str
    files: list[str] = field(default_factory=list)


CASES: list[Case] = []
_BUILDERS: list[Callable[[Path], None]] = []


def case(func: Callable[[Path], None]) -> Callable[[Path], None]:
    _BUILDERS.append(func)
    return func


def _add(out: Path, kind: str, path: str, covers: str, error: str, message: str, files: list[str]) -> None:
    cid = Path(path).stem
    for f in files:
        if not (out / f).exists():
            raise RuntimeError(f"case {cid}: file {f} was not written")
    CASES.append(Case(cid, kind, path, covers, error, message, sorted(files)))


# ------------------------------------------------------------------------- WFDB
def _digital(n: int = N, leads: int = 2) -> np.ndarray:
    """A deterministic small int16 signal (a ramp with a few 'beats')."""
    t = np.arange(n)[:, None]
    x = (200 * np.sin(2 * np.pi * t / 50.0) + 40 * np.arange(leads)[None, :]).astype("<i2")
    return x


def _wfdb(
    out: Path,
    name: str,
    *,
    covers: str,
    error: str,
    message: str,
    n_header: str | None = None,
    n_data: int = N,
    fs: str = str(FS),
    gain: str = "1000/mV",
    leads: tuple[str, ...] = ("I", "II"),
    header_lines: list[str] | None = None,
    header_bytes: bytes | None = None,
    data: bytes | None = None,
    write_data: bool = True,
) -> None:
    folder = out / "wfdb"
    folder.mkdir(parents=True, exist_ok=True)
    if header_bytes is None:
        if header_lines is None:
            record = f"{name} {len(leads)} {fs} {n_header if n_header is not None else N}"
            header_lines = [record] + [f"{name}.dat 16 {gain} 16 0 0 0 0 {lead}" for lead in leads]
        header_bytes = ("\n".join(header_lines) + "\n").encode("ascii")
    (folder / f"{name}.hea").write_bytes(header_bytes)
    files = [f"wfdb/{name}.hea"]
    if write_data:
        payload = data if data is not None else _digital(n_data, len(leads)).tobytes()
        (folder / f"{name}.dat").write_bytes(payload)
        files.append(f"wfdb/{name}.dat")
    _add(out, "record", f"wfdb/{name}.hea", covers, error, message, files)


@case
def wfdb_cases(out: Path) -> None:
    _wfdb(out, "truncated_dat", n_data=40, covers="data file shorter than the header says",
          error="RecordFormatError", message=r"data file truncated_dat\.dat is truncated")
    _wfdb(out, "oversized_dat", n_data=3 * N, covers="data file longer than the header says",
          error="RecordFormatError", message=r"number of samples in the header \(100\) disagrees")
    _wfdb(out, "empty_dat", data=b"", covers="zero-byte data file",
          error="RecordFormatError", message=r"is truncated")
    _wfdb(out, "no_dat", write_data=False, covers="header without its data file",
          error="RecordFormatError", message=r"data file no_dat\.dat named in the header is missing")
    _wfdb(out, "signals_overdeclared",
          header_lines=["signals_overdeclared 3 500 100",
                        "signals_overdeclared.dat 16 1000/mV 16 0 0 0 0 I",
                        "signals_overdeclared.dat 16 1000/mV 16 0 0 0 0 II"],
          covers="header declares more signals than it has signal lines",
          error="RecordFormatError", message=r"declares 3 signals but has 2 signal lines")
    _wfdb(out, "signals_underdeclared",
          header_lines=["signals_underdeclared 1 500 100",
                        "signals_underdeclared.dat 16 1000/mV 16 0 0 0 0 I",
                        "signals_underdeclared.dat 16 1000/mV 16 0 0 0 0 II"],
          covers="header declares fewer signals than the data file holds",
          error="RecordFormatError", message=r"declares 1 signals but has 2 signal lines")
    _wfdb(out, "signals_billion",
          header_lines=["signals_billion 1000000000 500 100",
                        "signals_billion.dat 16 1000/mV 16 0 0 0 0 I"],
          covers="absurd signal count (10^9) in the record line",
          error="RecordFormatError", message=r"declares 1000000000 signals but has 1 signal lines")
    _wfdb(out, "huge_declared_wfdb", n_header=str(HUGE),
          covers="header claims 10^11 samples, the data file has 100: fail fast, allocate nothing",
          error="RecordFormatError", message=r"is truncated: header says 100000000000 samples")
    _wfdb(out, "samples_not_number", n_header="1e5",
          covers="number of samples written as a float",
          error="RecordFormatError", message=r"number of samples '1e5' is not a whole number")
    for name, fs, msg in (
        ("fs_zero", "0", r"sampling frequency '0' Hz is not plausible"),
        ("fs_negative", "-500", r"sampling frequency '-500' Hz is not plausible"),
        ("fs_1e9", "1e9", r"sampling frequency '1e9' Hz is not plausible"),
        ("fs_nan_text", "NaN", r"sampling frequency 'NaN' is not a number"),
        ("fs_inf_text", "inf", r"sampling frequency 'inf' is not a number"),
        ("fs_overflow", "1e999", r"sampling frequency '1e999' Hz is not plausible"),
    ):
        _wfdb(out, name, fs=fs, covers=f"absurd sampling rate {fs}", error="RecordFormatError", message=msg)
    for name, gain, msg in (
        ("gain_text", "abc/mV", r"signal I: gain 'abc/mV' is not a number"),
        ("gain_zero", "0/mV", r"signal I: gain is 0"),
        ("gain_negative", "-1000/mV", r"signal I: gain '-1000/mV' is negative"),
        ("gain_nan", "nan/mV", r"signal I: gain 'nan/mV' is not a number"),
        ("gain_overflow", "1e999/mV", r"signal I: gain '1e999/mV' is not a finite number"),
        ("gain_tiny", "1e-300/mV", r"lead II has 100 sample\(s\) beyond the plausible range"),
        ("gain_bad_unit", "1000/furlong", r"signal I has unknown physical unit 'furlong'"),
    ):
        _wfdb(out, name, gain=gain, covers=f"lying or uninterpretable gain {gain}",
              error="RecordFormatError", message=msg)
    _wfdb(out, "record_line_only_name", header_lines=["record_line_only_name"],
          covers="record line without the number of signals",
          error="RecordFormatError", message=r"has no valid number of signals")
    _wfdb(out, "signal_line_only_file",
          header_lines=["signal_line_only_file 2 500 100", "signal_line_only_file.dat",
                        "signal_line_only_file.dat"],
          covers="signal lines without format, gain or name",
          error="RecordFormatError", message=r"format field \[\] is not valid")
    _wfdb(out, "no_lead_names",
          header_lines=["no_lead_names 2 500 100", "no_lead_names.dat 16 1000/mV",
                        "no_lead_names.dat 16 1000/mV"],
          covers="signal lines without lead names",
          error="UnsupportedLeadError", message=r"signal 0 has an unknown lead name")
    _wfdb(out, "empty_header", header_bytes=b"",
          covers="zero-byte header", error="RecordFormatError", message=r"header is empty")
    _wfdb(out, "binary_header", header_bytes=bytes(range(256)) * 2,
          covers="binary garbage as a header", error="RecordFormatError", message=r"contains non-ASCII bytes")
    _wfdb(out, "non_utf8_lead",
          header_bytes=b"non_utf8_lead 2 500 100\nnon_utf8_lead.dat 16 1000/mV 16 0 0 0 0 I\n"
                       b"non_utf8_lead.dat 16 1000/mV 16 0 0 0 0 \xff\xfe\x80II\n",
          covers="non-UTF-8 bytes in a lead name (wfdb would drop them and read 'II')",
          error="RecordFormatError", message=r"signal line 2 .* contains non-ASCII bytes")
    _wfdb(out, "non_utf8_record_line",
          header_bytes=b"non_utf8_record_line \xc3\x28 500 100\nnon_utf8_record_line.dat 16 1000/mV 16 0 0 0 0 I\n"
                       b"non_utf8_record_line.dat 16 1000/mV 16 0 0 0 0 II\n",
          covers="non-UTF-8 bytes where the signal count should be", error="RecordFormatError",
          message=r"record line .* contains non-ASCII bytes")
    _wfdb(out, "multi_segment",
          header_lines=["multi_segment/2 2 500 100", "seg1 50", "seg2 50"],
          covers="multi-segment record (not supported)", error="RecordFormatError",
          message=r"multi-segment records are not supported")
    _wfdb(out, "unknown_lead", leads=("I", "MLII"), covers="MLII is not lead II",
          error="UnsupportedLeadError", message=r"signal 1 has an unknown lead name 'MLII'")
    _wfdb(out, "duplicate_lead", leads=("II", "ii"), covers="the same lead twice",
          error="UnsupportedLeadError", message=r"lead II appears twice")
    # WFDB stores -32768 as "no sample": the reader must refuse NaN, not pass it on.
    invalid = _digital()
    invalid[10:20, 1] = -32768
    _wfdb(out, "invalid_samples", data=invalid.tobytes(), covers="format-16 invalid-sample markers (NaN)",
          error="SignalQualityError", message=r"lead II has 10 non-finite sample\(s\)")
    # Path traversal: a header whose data file lies outside the record's folder.
    for name, target in (
        ("traversal_relative", "../../../../../../etc/passwd"),
        ("traversal_absolute", "/etc/passwd"),
        ("traversal_sibling", "../hdf5/nan.h5"),
        ("traversal_subdir", "sub/../../wfdb/truncated_dat.dat"),
    ):
        _wfdb(out, name, header_lines=[f"{name} 1 500 100", f"{target} 16 1000/mV 16 0 0 0 0 I"],
              write_data=False, covers=f"data file {target} outside the record's folder: refused, never read",
              error="RecordFormatError", message=r"outside the record's folder")


# ------------------------------------------------------------------------- HDF5
def _h5(out: Path, name: str, build: Callable[[h5py.File], None], *, covers: str, error: str, message: str) -> None:
    folder = out / "hdf5"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.h5"
    # track_order off and no timestamps: identical bytes on every run.
    with h5py.File(path, "w", libver=("earliest", "v108"), track_order=False) as f:
        build(f)
    _add(out, "record", f"hdf5/{name}.h5", covers, error, message, [f"hdf5/{name}.h5"])


def _project(f: h5py.File, signal: np.ndarray | None = None, **attrs: object) -> h5py.Group:
    f.attrs["format"] = "leadsynth-ecg"
    f.attrs["format_version"] = 1
    g = f.create_group("records").create_group("r")
    base: dict[str, object] = {"fs": 500.0, "lead_names": np.array(["I", "II"], dtype=h5py.string_dtype()),
                               "units": "mV"}
    base.update(attrs)
    for k, v in base.items():
        if v is not None:
            g.attrs[k] = v
    if signal is not None:
        g.create_dataset("signal", data=signal, track_times=False)
    return g


def _sig(n: int = 200, leads: int = 2, dtype: str = "<f4") -> np.ndarray:
    return (_digital(n, leads) / 1000.0).astype(dtype)


def _ecg(f: h5py.File, data: np.ndarray, fs: float | None = 500.0) -> None:
    ds = f.create_dataset("ecg", data=data, track_times=False)
    if fs is not None:
        ds.attrs["fs"] = fs


@case
def hdf5_cases(out: Path) -> None:
    _h5(out, "empty", lambda f: None, covers="HDF5 file with no datasets",
        error="RecordFormatError", message=r"HDF5 file is empty")
    _h5(out, "wrong_rank", lambda f: _ecg(f, _sig(200, 12)[:, 0]), covers="1-D 'ecg' dataset",
        error="RecordFormatError", message=r"dataset 'ecg' has rank 1")
    _h5(out, "rank3", lambda f: _ecg(f, _sig(24, 12).reshape(2, 12, 12)), covers="3-D 'ecg' dataset",
        error="RecordFormatError", message=r"dataset 'ecg' has rank 3")
    _h5(out, "wrong_shape", lambda f: _ecg(f, _sig(7, 5)), covers="'ecg' with no axis of 12 leads",
        error="RecordFormatError", message=r"dataset 'ecg' has shape \(7, 5\)")
    _h5(out, "strings", lambda f: _ecg(f, np.array([["a"] * 12] * 4, dtype=h5py.string_dtype())),
        covers="string samples", error="RecordFormatError", message=r"dataset 'ecg' has dtype object")
    _h5(out, "complex", lambda f: _ecg(f, _sig(50, 12).astype(np.complex64)), covers="complex samples",
        error="RecordFormatError", message=r"dataset 'ecg' has dtype complex64")
    _h5(out, "integers", lambda f: _ecg(f, _digital(50, 12)), covers="integer samples without gain",
        error="RecordFormatError", message=r"dataset 'ecg' has dtype int16")

    def nan(f: h5py.File) -> None:
        x = _sig(100, 12)
        x[5, 3] = np.nan
        _ecg(f, x)

    def inf(f: h5py.File) -> None:
        x = _sig(100, 12)
        x[7, 0] = -np.inf
        _ecg(f, x)

    _h5(out, "nan", nan, covers="NaN sample", error="SignalQualityError",
        message=r"lead aVR has 1 non-finite sample\(s\)")
    _h5(out, "inf", inf, covers="-inf sample", error="SignalQualityError",
        message=r"lead I has 1 non-finite sample\(s\)")
    _h5(out, "zero_length", lambda f: _ecg(f, np.zeros((0, 12), "<f4")), covers="zero-length dataset",
        error="RecordFormatError", message=r"empty sample range \[0, 0\) of 0 samples")
    _h5(out, "fs_nan_attr", lambda f: _ecg(f, _sig(100, 12), fs=float("nan")), covers="fs attribute NaN",
        error="RecordFormatError", message=r"attribute fs nan Hz is not plausible")
    _h5(out, "fs_negative_attr", lambda f: _ecg(f, _sig(100, 12), fs=-500.0), covers="fs attribute negative",
        error="RecordFormatError", message=r"attribute fs -500.0 Hz is not plausible")
    _h5(out, "fs_text_attr", lambda f: _ecg(f, _sig(100, 12), fs="fast"), covers="fs attribute is text",  # type: ignore[arg-type]
        error="RecordFormatError", message=r"attribute fs .*fast.* is not a number")
    _h5(out, "no_fs", lambda f: (_ecg(f, _sig(100, 12), fs=None), f.attrs.__setitem__("note", "x")),
        covers="'ecg' without fs in a non-SPH file", error="RecordFormatError",
        message=r"dataset 'ecg' has no 'fs' attribute")

    def huge(f: h5py.File) -> None:
        g = _project(f)
        # Chunked and never written: HDF5 allocates nothing, the file stays tiny.
        g.create_dataset("signal", shape=(HUGE, 2), dtype="<f4", chunks=(1024, 2), maxshape=(None, 2),
                         track_times=False)

    _h5(out, "huge_declared_h5", huge, covers="dataset declared 10^11 x 2 with no data: refused from its header, allocate nothing",
        error="RecordFormatError", message=r"declares shape .* stores only 0 bytes; the samples were never written")
    _h5(out, "project_no_fs", lambda f: _project(f, _sig(), fs=None), covers="project schema without fs",
        error="RecordFormatError", message=r"attribute 'fs' is missing")
    _h5(out, "project_fs_1e9", lambda f: _project(f, _sig(), fs=1e9), covers="project schema with fs 1e9",
        error="RecordFormatError", message=r"attribute fs 1000000000.0 Hz is not plausible")
    _h5(out, "project_lead_count", lambda f: _project(f, _sig(200, 3)),
        covers="signal columns disagree with lead_names", error="RecordFormatError",
        message=r"dataset 'signal' has 3 columns for 2 lead_names")
    _h5(out, "project_bad_leads",
        lambda f: _project(f, _sig(), lead_names=np.array(["I", "V13"], dtype=h5py.string_dtype())),
        covers="unknown lead name V13", error="UnsupportedLeadError", message=r"unknown lead name 'V13'")
    _h5(out, "project_bad_units", lambda f: _project(f, _sig(), units="furlong"),
        covers="unknown units attribute", error="RecordFormatError", message=r"unknown physical unit 'furlong'")
    _h5(out, "project_bad_provenance",
        lambda f: _project(f, _sig(), provenance=np.array(["measured", "guessed"], dtype=h5py.string_dtype())),
        covers="provenance value not measured/derived/synthesized", error="RecordFormatError",
        message=r"attribute provenance .* must hold measured/derived/synthesized")
    _h5(out, "project_bad_metadata", lambda f: _project(f, _sig(), metadata="{not json"),
        covers="metadata attribute is not JSON", error="RecordFormatError",
        message=r"attribute metadata is not valid JSON")
    _h5(out, "project_version_99", lambda f: (_project(f, _sig()), f.attrs.__setitem__("format_version", 99)),
        covers="schema version from the future", error="RecordFormatError",
        message=r"format_version 99 is not supported")
    _h5(out, "project_no_signal", lambda f: _project(f), covers="record group without its signal dataset",
        error="RecordFormatError", message=r"dataset 'signal' is missing")
    _h5(out, "unknown_layout", lambda f: f.create_dataset("something", data=np.zeros(3), track_times=False),
        covers="HDF5 file of some other program", error="RecordFormatError",
        message=r"unrecognised HDF5 layout")
    # Not HDF5 at all, and an HDF5 file cut in half.
    folder = out / "hdf5"
    (folder / "not_hdf5.h5").write_bytes(b"this is not an HDF5 file\n" * 4)
    _add(out, "record", "hdf5/not_hdf5.h5", "text file with an .h5 name", "RecordFormatError",
         r"not a readable HDF5 file", ["hdf5/not_hdf5.h5"])
    good = folder / ".good.tmp.h5"
    with h5py.File(good, "w", libver=("earliest", "v108")) as f:
        _ecg(f, _sig(400, 12))
    blob = good.read_bytes()
    good.unlink()
    (folder / "truncated.h5").write_bytes(blob[: len(blob) // 2])
    _add(out, "record", "hdf5/truncated.h5", "HDF5 file cut in half", "RecordFormatError",
         r"not a readable HDF5 file|cannot read", ["hdf5/truncated.h5"])


# ------------------------------------------------------------------------ models
def _safetensors_bytes(tensors: dict[str, np.ndarray], header_extra: dict | None = None) -> bytes:
    """Hand-written safetensors (so that the corpus does not depend on torch's writer)."""
    header: dict[str, object] = {}
    offset = 0
    blobs = []
    for name, arr in tensors.items():
        raw = np.ascontiguousarray(arr, dtype="<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(arr.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    if header_extra:
        header.update(header_extra)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(blobs)


def _linear_tensors(n_in: int, n_out: int) -> dict[str, np.ndarray]:
    w = (np.arange(n_out * n_in, dtype=np.float32).reshape(n_out, n_in, 1) / 10.0)
    return {"head.weight": w, "head.bias": np.zeros(n_out, np.float32)}


def _card(cid: str, *, inputs: list[str], outputs: list[str], n_in: int | None = None, sha: str = "",
          **extra: object) -> dict[str, object]:
    card: dict[str, object] = {
        "id": cid,
        "name": f"bad corpus case {cid}",
        "architecture": "linear",
        "arch_params": {"in_channels": n_in if n_in is not None else len(inputs), "out_channels": len(outputs)},
        "outputs": outputs,
        "inputs": inputs,
        "any_subset": False,
        "version": "1.0",
        "fs": 250.0,
        "window": 2560,
        "hop": 1920,
        "normalization": {"method": "record", "highpass_hz": 0.5},
        "training": {"data": "none: a test fixture of scripts/make_bad_corpus.py"},
        "metrics": {},
        "weights_sha256": sha,
        "base_model": None,
        "patient_id": None,
        "created": "2026-01-01T00:00:00+00:00",
        "description": "Deliberately broken model for the reliability tests.",
    }
    card.update(extra)
    return card


def _model(out: Path, cid: str, weights: bytes | None, card: dict[str, object] | bytes, *, covers: str,
           error: str, message: str, sha_of_weights: bool = True) -> None:
    folder = out / "models"
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    if weights is not None:
        (folder / f"{cid}.safetensors").write_bytes(weights)
        files.append(f"models/{cid}.safetensors")
        if sha_of_weights and isinstance(card, dict):
            card["weights_sha256"] = hashlib.sha256(weights).hexdigest()
    text = card if isinstance(card, bytes) else (json.dumps(card, indent=2) + "\n").encode()
    (folder / f"{cid}.json").write_bytes(text)
    files.append(f"models/{cid}.json")
    _add(out, "model", f"models/{cid}.json", covers, error, message, files)


@case
def model_cases(out: Path) -> None:
    ins, outs = ["I", "II", "V3"], ["V1", "V2", "V4", "V5", "V6"]
    good = _safetensors_bytes(_linear_tensors(3, 5))
    _model(out, "hash_mismatch", good, _card("hash_mismatch", inputs=ins, outputs=outs, sha="0" * 64),
           sha_of_weights=False, covers="weights whose SHA-256 is not the card's", error="ModelError",
           message=r"does not match the card's weights_sha256")
    # The card says four inputs (and in_channels 4); the weights were made for three.
    _model(out, "card_leads_not_in_weights", good,
           _card("card_leads_not_in_weights", inputs=["I", "II", "V2", "V4"], outputs=outs),
           covers="card names input leads the weights do not have", error="ModelError",
           message=r"weights do not fit architecture 'linear': shape mismatch head\.weight")
    _model(out, "card_unknown_lead", good, _card("card_unknown_lead", inputs=["I", "II", "V7"], outputs=outs),
           covers="card names a lead that does not exist", error="ModelError",
           message=r"card_unknown_lead\.json: model card 'card_unknown_lead': bad lead list")
    _model(out, "card_derived_lead", good, _card("card_derived_lead", inputs=["I", "aVR", "V3"], outputs=outs),
           covers="card takes a derived lead (aVR) as an input", error="ModelError",
           message=r"field 'inputs' names aVR")
    _model(out, "card_channel_mismatch", good,
           _card("card_channel_mismatch", inputs=ins, outputs=outs, n_in=8),
           covers="arch_params in_channels disagrees with the card's inputs", error="ModelError",
           message=r"arch_params in/out channels 8/5 do not match")
    _model(out, "not_safetensors", b"PK\x03\x04 this is a zip, not safetensors" + bytes(range(64)),
           _card("not_safetensors", inputs=ins, outputs=outs), covers="a .safetensors file that is not one",
           error="ModelError", message=r"not a readable safetensors file")
    huge_header = struct.pack("<Q", 2**62) + b"{}"
    _model(out, "safetensors_huge_header", huge_header, _card("safetensors_huge_header", inputs=ins, outputs=outs),
           covers="safetensors header length field of 2^62 bytes: fail fast", error="ModelError",
           message=r"not a readable safetensors file")
    lying = _safetensors_bytes({"head.weight": np.zeros((5, 3, 1), np.float32)},
                               {"head.bias": {"dtype": "F32", "shape": [HUGE], "data_offsets": [60, 60 + 4 * HUGE]}})
    _model(out, "safetensors_lying_shape", lying, _card("safetensors_lying_shape", inputs=ins, outputs=outs),
           covers="safetensors tensor declared 10^11 elements, file has 60 bytes", error="ModelError",
           message=r"not a readable safetensors file")
    _model(out, "pickle_posing", _pickle_payload(), _card("pickle_posing", inputs=ins, outputs=outs),
           covers="a pickle (torch.save style) posing as safetensors: must never be unpickled",
           error="ModelError", message=r"not a readable safetensors file")
    _model(out, "card_not_json", good, b"{ this is not json", covers="model card that is not JSON",
           error="ModelError", message=r"model card is not valid JSON")
    _model(out, "card_non_utf8", good, b'{"id": "\xff\xfe\x80"}', covers="model card with non-UTF-8 bytes",
           error="ModelError", message=r"model card is not valid (JSON|UTF-8)")
    _model(out, "card_is_list", good, b"[1, 2, 3]\n", covers="model card that is a JSON list",
           error="ModelError", message=r"a model card must be a JSON object")
    _model(out, "card_missing_fields", good, b'{"id": "card_missing_fields"}\n', covers="card missing required fields",
           error="ModelError", message=r"missing field\(s\) name, architecture, arch_params, outputs")
    _model(out, "card_unknown_arch", good, _card("card_unknown_arch", inputs=ins, outputs=outs, architecture="resnet9000"),
           covers="card names an architecture that does not exist", error="ModelError",
           message=r"field 'architecture': unknown architecture 'resnet9000'")
    _model(out, "weights_missing", None, _card("weights_missing", inputs=ins, outputs=outs, sha="0" * 64),
           covers="card whose weight file is missing", error="ModelError", message=r"weight file .* is missing")


@case
def format_cases(out: Path) -> None:
    """Hospital exports (XML, DICOM, EDF): built by the sibling module bad_corpus_formats.py."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("bad_corpus_formats", Path(__file__).with_name("bad_corpus_formats.py"))
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.build(out, _add)


def _pickle_payload() -> bytes:
    """A protocol-2 pickle that, if ever unpickled, would call ``leadsynth_bad_corpus.unpickled()``.

    The module does not exist, so unpickling fails loudly even where the tests' audit
    hook is not installed; it can do no harm.  The tests also watch for the
    ``pickle.find_class`` audit event, which fires before that import is attempted.
    """
    return (b"\x80\x02cleadsynth_bad_corpus\nunpickled\nq\x00)R." + b"PYTORCH-MODEL-POSING" * 2)


# ------------------------------------------------------------------------- main
def build(out: Path) -> list[Case]:
    CASES.clear()
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    for builder in _BUILDERS:
        builder(out)
    ids = [c.id for c in CASES]
    dupes = {i for i in ids if ids.count(i) > 1}
    if dupes:
        raise RuntimeError(f"duplicated case ids: {sorted(dupes)}")
    manifest = {
        "generator": "scripts/make_bad_corpus.py",
        "huge_declared_samples": HUGE,
        "cases": [c.__dict__ for c in CASES],
    }
    (out / "MANIFEST.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return list(CASES)


def _tree_digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*")) if p.is_file()
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="corpus folder (default tests/data/bad)")
    parser.add_argument("--check", action="store_true", help="only check that --out matches a fresh build")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if args.check:
        with tempfile.TemporaryDirectory() as tmp:
            build(Path(tmp) / "bad")
            fresh = _tree_digest(Path(tmp) / "bad")
        current = _tree_digest(args.out) if args.out.is_dir() else {}
        if fresh != current:
            diff = sorted(set(fresh.items()) ^ set(current.items()))
            log.error("%s is stale; rerun scripts/make_bad_corpus.py (%d differing entries, e.g. %s)",
                      args.out, len(diff), diff[:3])
            return 1
        log.info("%s is up to date (%d files)", args.out, len(current))
        return 0
    cases = build(args.out)
    total = sum(p.stat().st_size for p in args.out.rglob("*") if p.is_file())
    log.info("wrote %d cases, %d files, %d bytes to %s", len(cases), len(list(args.out.rglob("*.*"))), total, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
