"""Write the consumer-device test files: ``tests/data/apple_watch/`` and ``tests/data/alivecor/``.

Every file holds leads of the bundled synthetic sample ``demo_12lead_long`` (deepfake-ecg, not
a patient), so no patient's data is in the repository.

Apple Watch (the Health app's CSV; ``leadsynth_core.io.apple_watch_csv``): one file for every
quirk the reader handles, each lead I resampled from 500 to 512 Hz and written in microvolts
with three decimals, as the watch writes it.

* ``ecg_2026-03-14_en.csv``: English, as Apple writes it (30 s, the blank lines, ``µV``);
* ``ecg_pt_decimal_comma.csv``: Portuguese keys, decimal commas in every number;
* ``ecg_ja.csv``: Japanese keys, ``512ヘルツ`` with no space, ``uV``;
* ``ecg_bom_crlf.csv``: a byte-order mark, CRLF line ends, ``512.844 Hz``, an average heart rate line;
* ``ecg_no_lead_unit.csv``: no Lead and Unit lines (read as µV, with a note);
* ``ecg_afib_symptoms.txt``: another classification, symptoms given, named ``.txt`` (sniffed by content).

AliveCor ATC (spec 1.7; ``leadsynth_core.io.alivecor_atc``), 300 Hz, 500 nV per count, 30 s:

* ``kardia_6l_v3.atc``: KardiaMobile 6L, file version 3: I and II, and III, aVR, aVL, aVF
  computed from them in counts as the device does; a beat-annotation block;
* ``kardia_1l_enhanced_v4.atc``: KardiaMobile, version 4, the fmt block before the info
  block, every filter flag set (enhanced filter included), an average-beat block;
* ``kardia_6l_v5_extra_blocks.atc``: version 5, median-beat blocks and an unknown block.

AliveCor Kardia JSON (the Kardia Pro API's ``GET /v1/recordings/:id``;
``leadsynth_core.io.kardia_json``), the same 6L counts:

* ``kardia_6l_api.json``: raw and enhanced blocks with the reference's ECG Data Object keys
  (``leadI`` ... ``AVF``, ``mainsFrequency``, ``amplitudeResolution``), ``deviceInfo``,
  ``qtMeasurement``, an ``afib`` determination and a patient's note;
* ``kardia_1l_reference_keys.json``: lead I only, spelled as the reference's example response
  spells it (``lead_I``, ``mains_freq``) with ``amplitudeResolution`` added, samples first and
  the recording's fields after them.

Usage::

    python scripts/make_device_samples.py           # (re)write the files
    python scripts/make_device_samples.py --check   # exit 1 if the committed files are stale
    python scripts/make_device_samples.py --from-record REC --out ecg.csv [--seconds 30]
        # lead I of any record written as the watch writes it (for reviews and the docs; the
        # header's dates are made up, and such a file is no watch recording)
    python scripts/make_device_samples.py --from-record REC --out ecg.atc
        # I and II of any record as a KardiaMobile 6L file (300 Hz, 500 nV counts; the other
        # four limb leads computed from them as the device does)
"""

from __future__ import annotations

import argparse
import struct
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from leadsynth_core.io import read_record, sample_path  # noqa: E402
from leadsynth_core.preprocess import resample  # noqa: E402

OUT = ROOT / "tests" / "data" / "apple_watch"
OUT_ATC = ROOT / "tests" / "data" / "alivecor"
RATE = 512
ATC_RATE = 300
ATC_NV = 500  # nV per count, as every Kardia file


def lead_i_microvolts(seconds: float) -> np.ndarray:
    """Lead I of the bundled long sample at 512 Hz in µV, rounded as the watch writes it."""
    record = read_record(sample_path("demo_12lead_long"))
    x = record.signal[:, record.lead_names.index("I")].astype(np.float64)
    y = resample(x, record.fs, RATE)[: int(seconds * RATE)] * 1000.0
    return np.round(y, 3)


def _english(classification: str = "Sinus Rhythm", symptoms: str = "", lead_unit: bool = True) -> list[str]:
    head = [
        "Name,Synthetic Demo",
        'Date of Birth,"Jan 15, 1956"',
        "Recorded Date,2026-03-14 09:15:02 -0400",
        f"Classification,{classification}",
        f'Symptoms,"{symptoms}"' if "," in symptoms else f"Symptoms,{symptoms}",
        "Software Version,1.90",
        'Device,"Watch6,7"',
        "Sample Rate,512 hertz",
        "",
        "",
    ]
    return head + (["Lead,Lead I", "Unit,µV", ""] if lead_unit else [])


def _samples(y: np.ndarray, comma: bool = False) -> list[str]:
    text = [f"{v:.3f}".rstrip("0").rstrip(".") if v != 0 else "0" for v in y]
    return [t.replace(".", ",") for t in text] if comma else text


def files(y30: np.ndarray) -> dict[str, bytes]:
    """File name -> bytes of every test file."""
    y10 = y30[: 10 * RATE]
    out: dict[str, bytes] = {}
    out["ecg_2026-03-14_en.csv"] = "\n".join(_english() + _samples(y30)).encode("utf-8") + b"\n"
    pt = [
        "Nome,Demo Sintético",
        'Data de nascimento,"15/01/1956"',
        "Data de registo,2026-03-14 14:15:02 +0100",
        "Classificação,Ritmo sinusal",
        "Sintomas,",
        "Versão do software,1.90",
        'Dispositivo,"Watch6,7"',
        "Taxa de amostragem,512,000 hertz",
        "",
        "",
        "Derivação,Derivação I",
        "Unidade,µV",
        "",
    ]
    out["ecg_pt_decimal_comma.csv"] = "\n".join(pt + _samples(y10, comma=True)).encode("utf-8") + b"\n"
    ja = [
        "名前,デモ",
        "生年月日,1956/01/15",
        "記録日,2026-03-14 22:15:02 +0900",
        "分類,洞調律",
        "症状,",
        "ソフトウェアバージョン,1.90",
        'デバイス,"Watch6,7"',
        "サンプルレート,512ヘルツ",
        "リード,リードI",
        "単位,uV",
        "",
    ]
    out["ecg_ja.csv"] = "\n".join(ja + _samples(y10)).encode("utf-8") + b"\n"
    crlf = _english()[:7] + ["Sample Rate,512.844 Hz", "Average Heart Rate,72 bpm", "", "Lead,Lead I", "Unit,µV", ""]
    out["ecg_bom_crlf.csv"] = b"\xef\xbb\xbf" + "\r\n".join(crlf + _samples(y10)).encode("utf-8") + b"\r\n"
    out["ecg_no_lead_unit.csv"] = "\n".join(_english(lead_unit=False) + _samples(y10)).encode("utf-8") + b"\n"
    afib = _english(classification="Atrial Fibrillation", symptoms="Rapid, pounding, or fluttering heartbeat")
    out["ecg_afib_symptoms.txt"] = "\n".join(afib + _samples(y10)).encode("utf-8") + b"\n"
    return out


def write_from_record(record_path: str, out: Path, seconds: float) -> None:
    """Lead I of ``record_path`` (its first ``seconds``) as an English watch export at 512 Hz in µV."""
    record = read_record(record_path).slice_time(0.0, seconds)
    y = np.round(resample(record.lead("I").astype(np.float64), record.fs, RATE) * 1000.0, 3)
    head = _english()
    head[0] = f"Name,{Path(record_path).stem}"
    # The record's age at the made-up recording date (14 March 2026), so that no age caution
    # arises against the same patient's own ECGs; no date of birth when the record has no age.
    head[1] = f'Date of Birth,"Jan 1, {2026 - record.age}"' if record.age is not None else "Date of Birth,"
    out.write_bytes("\n".join(head + _samples(y)).encode("utf-8") + b"\n")


def _builders():
    import importlib.util

    spec = importlib.util.spec_from_file_location("bad_corpus_formats", ROOT / "scripts" / "bad_corpus_formats.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def limb_counts(seconds: float = 30.0, path: str | Path | None = None) -> dict[bytes, np.ndarray]:
    """I and II of the bundled long sample (or of ``path``) at 300 Hz in 500-nV counts, and III,
    aVR, aVL, aVF computed from those counts (rounded) as a KardiaMobile 6L computes them."""
    record = read_record(sample_path("demo_12lead_long") if path is None else path)
    i, ii = (np.round(resample(record.lead(lead).astype(np.float64), record.fs, ATC_RATE)[: int(seconds * ATC_RATE)]
                      / (ATC_NV * 1e-6)) for lead in ("I", "II"))
    return {b"ecg ": i, b"ecg2": ii, b"ecg3": ii - i, b"ecg4": np.round(-(i + ii) / 2),
            b"ecg5": np.round(i - ii / 2), b"ecg6": np.round(ii - i / 2)}


def atc_files() -> dict[str, bytes]:
    """File name -> bytes of every ATC test file."""
    b = _builders()
    six = limb_counts()
    ann = b.atc_block(b"ann ", struct.pack("<I", ATC_RATE) + b"".join(struct.pack("<IH", t, 1) for t in range(150, 9000, 240)))
    beat = np.round(np.hanning(450) * 800)
    return {
        "kardia_6l_v3.atc": b.atc_bytes(six, version=3, flags=2, extra=(ann,)),
        "kardia_1l_enhanced_v4.atc": b.atc_bytes(
            {b"ecg ": six[b"ecg "]}, version=4, flags=2 | 4 | 8 | 16 | 32 | 64, fmt_first=True,
            info=b.atc_info(hardware="kardia_mobile", software="Kardia 5.20.0", device_data="SN=AC1L000000"),
            extra=(b.atc_block(b"avg ", beat.astype("<i2").tobytes()), ann)),
        "kardia_6l_v5_extra_blocks.atc": b.atc_bytes(
            six, version=5, flags=0,
            extra=(b.atc_block(b"med ", beat.astype("<i2").tobytes()), b.atc_block(b"med2", beat.astype("<i2").tobytes()),
                   b.atc_block(b"zzz1", b"\x01\x02\x03\x04"))),
    }


def kardia_json_files() -> dict[str, bytes]:
    """File name -> bytes of every Kardia JSON test file."""
    import json

    six = limb_counts()
    keys = {b"ecg ": "leadI", b"ecg2": "leadII", b"ecg3": "leadIII", b"ecg4": "AVR", b"ecg5": "AVL", b"ecg6": "AVF"}
    samples = {keys[k]: [int(v) for v in x] for k, x in six.items()}
    # AliveCor's enhanced filter smooths the waveform: a 5-point moving average stands in for it.
    smooth = {k: [int(v) for v in np.round(np.convolve(x, np.ones(5) / 5, mode="same"))] for k, x in samples.items()}

    def block(values: dict[str, list[int]], **keys: object) -> dict[str, object]:
        return {"frequency": ATC_RATE, **keys, "amplitudeResolution": ATC_NV, "numLeads": len(values), "samples": values}

    six_doc = {
        "id": "3wde1eem9vy4y1a0rv3y98u2a", "patientID": "wNSEDeLOEPQE5rznkJmwbnjpxfdst93i",
        "algorithmDetermination": "afib", "duration": 30000, "heartRate": 76,
        "note": "Palpitations after climbing stairs", "recordedAt": "2026-02-03T08:15:00-05:00",
        "data": {"raw": block(samples, mainsFrequency=60), "enhanced": block(smooth, mainsFrequency=60)},
        "deviceInfo": {"hardwareType": "kardia_6l", "hardwareRevision": "X08", "firmwareRevision": "1.3.4"},
        "qtMeasurement": {"qt": {"Value": 392}, "rr": {"Value": 789.5}, "qtcb": {"Value": 441}, "qtcf": {"Value": 424}},
    }
    one = {"data": {"raw": {"frequency": ATC_RATE, "mains_freq": 50, "amplitudeResolution": ATC_NV,
                            "samples": {"lead_I": samples["leadI"]}}},
           "id": "5e84b0dab8dfa268b1180aaa", "patientID": "wNSEDeLOEPQE5rznkJmwbnjpxfdst93i",
           "algorithmDetermination": "normal", "duration": 30000, "heartRate": 65,
           "recordedAt": "2026-01-15T18:40:12+01:00"}
    return {"kardia_6l_api.json": json.dumps(six_doc).encode("utf-8") + b"\n",
            "kardia_1l_reference_keys.json": json.dumps(one).encode("utf-8") + b"\n"}


def write(folder: Path, folder_atc: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files(lead_i_microvolts(30.0)).items():
        (folder / name).write_bytes(data)
    folder_atc.mkdir(parents=True, exist_ok=True)
    for name, data in (atc_files() | kardia_json_files()).items():
        (folder_atc / name).write_bytes(data)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the committed files differ from a rebuild")
    parser.add_argument("--from-record", metavar="REC", help="write lead I of this record as a watch export instead")
    parser.add_argument("--out", type=Path, help="the file --from-record writes")
    parser.add_argument("--seconds", type=float, default=30.0, help="how much of --from-record (default 30, as the watch)")
    args = parser.parse_args(argv)
    if args.from_record:
        if args.out is None:
            parser.error("--from-record needs --out")
        if args.out.suffix.lower() == ".atc":
            args.out.write_bytes(_builders().atc_bytes(limb_counts(args.seconds, args.from_record), version=5, flags=0))
        else:
            write_from_record(args.from_record, args.out, args.seconds)
        print(f"wrote {args.out}")
        return 0
    if not args.check:
        write(OUT, OUT_ATC)
        print(f"wrote {OUT} and {OUT_ATC}")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        write(Path(tmp) / "a", Path(tmp) / "b")
        stale = sorted(
            p.name for sub, out in (("a", OUT), ("b", OUT_ATC)) for p in (Path(tmp) / sub).iterdir()
            if not (out / p.name).exists() or (out / p.name).read_bytes() != p.read_bytes()
        )
    if stale:
        print(f"stale: {', '.join(stale)}; run python scripts/make_device_samples.py")
        return 1
    print("up to date")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
