"""Round trip of every real hospital export through synthesis, DICOM and EDF+.

For each readable file of ``../shared/data/formats``: read it, synthesize the 12-lead from
I, II, V2, V4 with the default shipped model, write DICOM (``.dcm``) and EDF+ (``.edf``),
and read each back three ways: LeadSynth's reader (samples and provenance), and the format's
own library (``pydicom.Dataset.waveform_array``, ``edfio``).  Reports the largest absolute
difference to the synthesized record (uV) and whether provenance and model survived; and the
largest difference of the measured leads to the source file (measured samples are carried
unchanged up to the written format's resolution).

Usage::

    PYTHONPATH=. python benchmarks/formats_roundtrip.py [--data ../shared/data/formats]

Writes ``benchmarks/results/formats_roundtrip.json`` and ``.md``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from leadsynth_core.errors import LeadSynthError  # noqa: E402
from leadsynth_core.io import read_record, write_record  # noqa: E402
from leadsynth_core.record import Provenance  # noqa: E402
from leadsynth_core.synthesis import synthesize  # noqa: E402

INPUTS = "I,II,V2,V4"


def one(path: Path, tmp: Path) -> dict:
    import edfio
    import pydicom
    import torch

    torch.set_num_threads(1)
    source = read_record(path)
    result = synthesize(source, INPUTS, None)
    row: dict = {"file": str(path.relative_to(path.parents[1])), "format": source.metadata.get("format"),
                 "model": result.model_id}
    for suffix in (".dcm", ".edf"):
        out = write_record(result, tmp / f"{path.stem}{suffix}")
        back = read_record(out)
        if suffix == ".dcm":
            lib = pydicom.dcmread(out).waveform_array(0) / 1000.0
        else:
            lib = np.stack([s.data for s in edfio.read_edf(out).signals], axis=1)
        measured = [n for n in result.lead_names if result.provenance_of(n) is Provenance.MEASURED]
        row[suffix[1:]] = {
            "max_abs_err_uv_leadsynth": float(np.abs(back.signal - result.signal).max() * 1000),
            "max_abs_err_uv_library": float(np.abs(lib - result.signal).max() * 1000),
            "measured_vs_source_max_uv": float(max(np.abs(back.lead(n) - source.lead(n)).max() for n in measured) * 1000),
            "provenance_same": back.provenance == result.provenance,
            "model_same": back.model_id == result.model_id,
        }
    return row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "formats")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "formats_roundtrip.json")
    args = parser.parse_args(argv)
    rows, refused = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for path in sorted(p for p in args.data.rglob("*") if p.is_file() and p.name != "README.md"):
            try:
                rows.append(one(path, Path(tmp)))
            except LeadSynthError as exc:
                refused.append({"file": str(path.relative_to(args.data)), "error": str(exc)})
    result = {"inputs": INPUTS, "files": rows, "refused": refused}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    md = ["| file | format | DICOM err (LeadSynth / pydicom) uV | EDF err (LeadSynth / edfio) uV | "
          "measured vs source uV (DICOM / EDF) | provenance + model kept |", "|---|---|---|---|---|---|"]
    for r in rows:
        d, e = r["dcm"], r["edf"]
        kept = all(x["provenance_same"] and x["model_same"] for x in (d, e))
        md.append(f"| {r['file']} | {r['format']} | {d['max_abs_err_uv_leadsynth']:.3f} / {d['max_abs_err_uv_library']:.3f} | "
                  f"{e['max_abs_err_uv_leadsynth']:.3f} / {e['max_abs_err_uv_library']:.3f} | "
                  f"{d['measured_vs_source_max_uv']:.3f} / {e['measured_vs_source_max_uv']:.3f} | {'yes' if kept else 'NO'} |")
    md.append("")
    md.append(f"Refused ({len(refused)}): " + "; ".join(f"{r['file']}: {r['error'].split(': ', 1)[-1]}" for r in refused))
    args.out.with_suffix(".md").write_text("\n".join(md) + "\n", encoding="utf-8")
    print("\n".join(md))
    return 0


if __name__ == "__main__":
    sys.exit(main())
