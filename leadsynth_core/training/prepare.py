"""``leadsynth prepare``: turn folders of records into a shard folder for training.

The work is planned first, in the main process (every record file under every DATA
folder, in a fixed order, split into shards of ``shard_size`` files), and written to
``plan.json``.  Worker processes then convert one shard each (read, check, resample,
high-pass, quantize) and write ``shard-NNNNN.h5`` and then its marker
``shard-NNNNN.json``, both by atomic rename: a shard counts as done only when its marker
exists, so a killed worker or a killed run leaves nothing that could be read as complete.
``--resume`` re-plans, checks that the plan is the one on disk, and converts only the
shards without a marker.  At the end the index, the split file, the report and, last, the
manifest are written.

Splits are declared, not guessed: records of a source named by ``holdout_sources`` form
the ``test`` split; the others go to ``validation`` or ``train`` by a hash of their
patient (``source:patient_id``; a record without a patient id is its own patient), so one
patient is never on both sides and adding records never moves a patient.
"""

from __future__ import annotations

import concurrent.futures as cf
import hashlib
import json
import logging
import multiprocessing
import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ..errors import DatasetError, LeadSynthError
from ..models.features import INDEPENDENT_LEADS, MODEL_FS
from . import shards as sh
from .quality import assess

__all__ = ["Unit", "plan_units", "prepare", "assign_splits", "DEFAULT_SHARD_SIZE", "DEFAULT_MIN_SECONDS", "read_patients", "read_split_file"]

log = logging.getLogger(__name__)

#: Record files per shard.
DEFAULT_SHARD_SIZE = 500
#: Shortest usable record: one training crop (2048 samples at 250 Hz).
DEFAULT_MIN_SECONDS = 8.192

Unit = tuple[str, str, str]  # (file path, source name, record id: source/path below DATA)


def _parse_data_arg(arg: str) -> tuple[str | None, Path]:
    """``NAME=PATH`` or ``PATH``."""
    if "=" in arg and not Path(arg).exists():
        name, _, path = arg.partition("=")
        if name and "/" not in name and os.sep not in name:
            return name, Path(path)
    return None, Path(arg)


def plan_units(data: Sequence[str]) -> list[Unit]:
    """Every record file under the DATA arguments, with its source name, in a fixed order.

    A DATA argument is a folder (searched recursively), a record file, or ``NAME=PATH``
    to name its source.  Without a name, a record's source is the first folder below the
    DATA folder that holds it (``DATA/ludb/...`` -> ``ludb``), or the DATA folder's own
    name for records directly in it.

    Raises
    ------
    DatasetError
        For a DATA path that does not exist, a folder with no record file, or two
        records that would get the same id.
    """
    from ..io import find_records

    units: list[Unit] = []
    for arg in data:
        name, path = _parse_data_arg(arg)
        if not path.exists():
            raise DatasetError(f"{path}: no such file or folder")
        if path.is_dir():
            found = find_records(path)
            if not found:
                raise DatasetError(f"{path}: no record file the readers accept (WFDB .hea, HDF5, CPSC .mat) under it")
            for f in found:
                rel = f.relative_to(path)
                f = Path(os.path.abspath(f))  # the index names files wherever train runs from
                if name:
                    units.append((str(f), name, f"{name}/{rel.as_posix()}"))
                elif len(rel.parts) > 1:
                    units.append((str(f), rel.parts[0], rel.as_posix()))
                else:
                    units.append((str(f), path.resolve().name, f"{path.resolve().name}/{rel.as_posix()}"))
        else:
            src = name or path.resolve().parent.name
            units.append((os.path.abspath(path), src, f"{src}/{path.name}"))
    seen: dict[str, str] = {}
    for f, _src, rid in units:
        if rid in seen:
            raise DatasetError(
                f"{f} and {seen[rid]} would both be record {rid!r}; name the DATA folders apart with NAME=PATH"
            )
        seen[rid] = f
    return units


def read_patients(path: str | os.PathLike[str]) -> dict[str, str]:
    """Record file stem -> patient id, from a CSV the user gives (``--patients``).

    Columns: ``record`` (a file name or path; its stem is matched) and ``patient_id``;
    PTB-XL's own ``ptbxl_database.csv`` works as it is (``filename_lr`` and ``filename_hr``
    name the files).  PTB-XL writes ids as ``15709.0``: a trailing ``.0`` is dropped.

    Raises
    ------
    DatasetError
        If the file cannot be read or lacks the columns.
    """
    import csv

    p = Path(path)
    try:
        with p.open(newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            cols = [c for c in ("record", "filename_lr", "filename_hr") if c in (reader.fieldnames or [])]
            if "patient_id" not in (reader.fieldnames or []) or not cols:
                raise DatasetError(
                    f"{p}: needs a 'patient_id' column and a 'record' (or PTB-XL 'filename_lr'/'filename_hr') column; "
                    f"found {', '.join(reader.fieldnames or []) or 'none'}"
                )
            out: dict[str, str] = {}
            for row in reader:
                pid = (row.get("patient_id") or "").strip()
                pid = pid[:-2] if pid.endswith(".0") else pid
                for c in cols:
                    if row.get(c) and pid:
                        out[Path(row[c]).stem if Path(row[c]).suffix in (".hea", ".mat", ".h5", ".hdf5", ".dat")
                            else Path(row[c]).name] = pid
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise DatasetError(f"{p}: cannot read the patients file: {exc}") from None
    return out


def _record_keys(path: str, isolate: bool) -> list[str]:
    from ..io import guard_record, list_records

    guard_record(path, isolate=isolate)
    return list_records(path)


def convert_shard(job: dict[str, Any]) -> dict[str, Any]:
    """Worker: convert the files of one shard and write it (see the module docstring)."""
    from ..io import read_record

    out = Path(job["out"])
    k = int(job["shard"])
    ids: list[str] = []
    arrays = []
    rows: list[dict[str, Any]] = []
    dropped: list[dict[str, str]] = []
    flagged: list[dict[str, str]] = []
    for path, src, base_id in job["units"]:
        try:
            keys = _record_keys(path, job["isolate"])
        except (LeadSynthError, OSError) as exc:
            dropped.append({"record_id": base_id, "path": path, "reason": f"unreadable: {exc}"})
            continue
        for key in keys:
            rid = base_id + (f"#{key}" if key else "")
            try:
                rec = read_record(path, key=key or None)
                verdict = assess(rec, job["min_seconds"])
            except (LeadSynthError, OSError, MemoryError) as exc:
                dropped.append({"record_id": rid, "path": path, "reason": f"unreadable: {exc}"})
                continue
            except Exception as exc:  # noqa: BLE001 -- one odd file must not end a prepare of thousands
                log.warning("%s: %s while reading; dropped", path, type(exc).__name__, exc_info=True)
                dropped.append({"record_id": rid, "path": path,
                                "reason": f"unreadable: {type(exc).__name__}: {exc}"})
                continue
            if verdict.leads is None:
                dropped.append({"record_id": rid, "path": path, "reason": verdict.reason})
                continue
            if verdict.flags:
                flagged.append({"record_id": rid, "path": path, "flags": "; ".join(verdict.flags)})
            rows.append({
                "record_id": rid, "shard": k, "row": len(arrays), "source": src, "path": path, "key": key or "",
                "patient_id": rec.patient_id or job["patients"].get(Path(path).stem, ""), "fs": rec.fs,
                "samples": rec.n_samples,
                "seconds": round(rec.duration, 3), "length": int(verdict.leads.shape[1]), "quality": verdict.quality,
                "flags": "; ".join(verdict.flags),
            })
            ids.append(rid)
            arrays.append(verdict.leads)
    name = sh.shard_name(k)
    size = sh.write_shard(out / f"{name}.h5", ids, arrays) if arrays else 0
    if not arrays and (out / f"{name}.h5").exists():
        (out / f"{name}.h5").unlink()  # left by an earlier try of this shard
    marker = {"shard": k, "bytes": size, "rows": rows, "dropped": dropped, "flagged": flagged,
              "files": len(job["units"])}
    # The marker goes last: it is what says the shard is complete.
    sh.atomic_write_text(out / f"{name}.json", json.dumps(marker))
    return {"shard": k, "files": len(job["units"]), "kept": len(rows), "dropped": len(dropped)}


def _group_fraction(group: str) -> float:
    """A fixed number in [0, 1) per patient group (SHA-256: the same on every machine)."""
    return int(hashlib.sha256(group.encode("utf-8")).hexdigest()[:15], 16) / 16**15


def _stem_of(name: str) -> str:
    p = Path(name)
    return p.stem if p.suffix.lower() in (".hea", ".mat", ".h5", ".hdf5", ".dat") else p.name


def read_split_file(path: str | os.PathLike[str]) -> dict[str, str]:
    """Declared splits (``--split-file``): record file stem or record id -> train/validation/test/exclude.

    A CSV with columns ``record`` and ``split``; or PTB-XL's ``ptbxl_database.csv`` as it is,
    whose ``strat_fold`` gives PTB-XL's recommended split (fold 10 test, fold 9 validation,
    folds 1-8 train).

    Raises
    ------
    DatasetError
        If the file cannot be read, lacks the columns or names an unknown split.
    """
    import csv

    p = Path(path)
    try:
        with p.open(newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            fields = reader.fieldnames or []
            out: dict[str, str] = {}
            if "record" in fields and "split" in fields:
                for n, row in enumerate(reader, start=2):
                    split = (row["split"] or "").strip().lower()
                    if split not in (*sh.SPLIT_NAMES, "exclude"):
                        raise DatasetError(f"{p}: line {n}: split {row['split']!r} is not train, validation, test "
                                           "or exclude")
                    out[row["record"].strip()] = split
                    out[_stem_of(row["record"].strip())] = split
            elif "strat_fold" in fields and ("filename_lr" in fields or "filename_hr" in fields):
                for row in reader:
                    fold = int(float(row["strat_fold"]))
                    split = "test" if fold == 10 else ("validation" if fold == 9 else "train")
                    for c in ("filename_lr", "filename_hr"):
                        if row.get(c):
                            out[_stem_of(row[c])] = split
            else:
                raise DatasetError(f"{p}: needs columns 'record' and 'split' (or PTB-XL's 'strat_fold' and "
                                   f"'filename_lr'/'filename_hr'); found {', '.join(fields) or 'none'}")
    except (OSError, UnicodeDecodeError, csv.Error, ValueError) as exc:
        if isinstance(exc, DatasetError):
            raise
        raise DatasetError(f"{p}: cannot read the split file: {exc}") from None
    return out


def assign_splits(rows: Sequence[dict[str, Any]], val_fraction: float, holdout_sources: Sequence[str],
                  declared: dict[str, str] | None = None) -> dict[str, Any]:
    """The split document (``splits.json``) of the usable records ``rows``.

    ``declared`` (:func:`read_split_file`) fixes the split of the records it names (by
    record id or file stem); the others follow the rule.
    """
    held = set(holdout_sources)
    declared = declared or {}
    groups: dict[str, list[str]] = {}
    test: list[str] = []
    fixed: dict[str, list[str]] = {"train": [], "validation": [], "test": [], "exclude": []}
    for r in rows:
        d = declared.get(r["record_id"]) or declared.get(_stem_of(r.get("path", "")))
        if d is not None:
            fixed[d].append(r["record_id"])
            continue
        if r["source"] in held:
            test.append(r["record_id"])
            continue
        g = f"{r['source']}:{r['patient_id']}" if r["patient_id"] else f"record:{r['record_id']}"
        groups.setdefault(g, []).append(r["record_id"])
    frac = {g: _group_fraction(g) for g in groups}
    val_groups = {g for g in groups if frac[g] < val_fraction}
    if val_fraction > 0 and not val_groups and len(groups) > 1:
        val_groups = {min(groups, key=frac.__getitem__)}  # small data: at least one patient validates
    if len(val_groups) == len(groups) and groups:
        val_groups.discard(max(groups, key=frac.__getitem__))  # ... and at least one trains
    with_ids = sum(1 for g in groups if not g.startswith("record:"))
    return {
        "rule": (
            "records named in the split file (if any) as declared there; test = every other record of the "
            "held-out sources; the rest by patient group (source:patient_id, or the "
            "record alone when it names no patient): validation when sha256(group) / 16^64 < val_fraction "
            "(at least one group), else train"
        ),
        "val_fraction": val_fraction,
        "holdout_sources": sorted(held),
        "patient_groups": len(groups),
        "groups_with_patient_id": with_ids,
        "declared": {k: len(v) for k, v in fixed.items()},
        "train": fixed["train"] + [i for g, ids in groups.items() if g not in val_groups for i in ids],
        "validation": fixed["validation"] + [i for g, ids in groups.items() if g in val_groups for i in ids],
        "test": fixed["test"] + test,
        "excluded": fixed["exclude"],
    }


def _done_shards(out: Path, n: int) -> set[int]:
    done = set()
    for k in range(n):
        marker = out / f"{sh.shard_name(k)}.json"
        if not marker.is_file():
            continue
        try:
            info = json.loads(marker.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            continue  # cannot happen with atomic writes; redo the shard then
        h5 = out / f"{sh.shard_name(k)}.h5"
        if info.get("bytes", 0) == 0 or (h5.is_file() and h5.stat().st_size == info["bytes"]):
            done.add(k)
    return done


def prepare(
    data: Sequence[str],
    out: str | os.PathLike[str],
    *,
    workers: int = 1,
    resume: bool = False,
    shard_size: int | None = None,
    min_seconds: float = DEFAULT_MIN_SECONDS,
    val_fraction: float = 0.1,
    holdout_sources: Sequence[str] = (),
    isolate: bool = True,
    patients: str | os.PathLike[str] | None = None,
    split_file: str | os.PathLike[str] | Sequence[str | os.PathLike[str]] | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Prepare ``data`` into the shard folder ``out``; returns the manifest.

    ``on_progress(files_done, files_total)`` is called as shards complete.  ``split_file``
    may be several files (``--split-file`` repeated); a record they declare differently is an error.

    Raises
    ------
    DatasetError
        Before any work: bad DATA, an unknown held-out source, ``out`` already prepared,
        or an unfinished run in ``out`` without ``resume`` (or with another plan).
        After the work: no usable record at all; a worker that died (the finished shards
        are kept for ``resume``).
    """
    out = Path(out)
    if not 0.0 <= val_fraction < 1.0:
        raise DatasetError(f"--val-fraction {val_fraction} must be in [0, 1)")
    if shard_size is not None and shard_size < 1:
        raise DatasetError(f"--shard-size {shard_size} must be at least 1")
    units = plan_units(data)
    patient_of = read_patients(patients) if patients is not None else {}
    files = [] if split_file is None else [split_file] if isinstance(split_file, (str, os.PathLike)) else split_file
    declared: dict[str, str] = {}
    for f in files:
        for key, split in read_split_file(f).items():
            if declared.setdefault(key, split) != split:
                raise DatasetError(f"{f}: record {key!r} is declared {split!r} here but {declared[key]!r} by an "
                                   "earlier --split-file")
    sources = sorted({u[1] for u in units})
    bad = [s for s in holdout_sources if s not in sources]
    if bad:
        raise DatasetError(f"--holdout-source {', '.join(bad)}: no such source; the sources are {', '.join(sources)}")
    if holdout_sources and set(holdout_sources) == set(sources):
        raise DatasetError("--holdout-source holds out every source; nothing would be left to train on")
    if out.exists() and not out.is_dir():
        raise DatasetError(f"{out}: exists and is not a folder")
    if (out / sh.MANIFEST).exists():
        raise DatasetError(f"{out}: already a prepared shard folder; choose another --out or delete it")
    plan_path = out / sh.PLAN
    old = None
    if plan_path.exists():
        if not resume:
            raise DatasetError(f"{out}: holds an unfinished prepare; add --resume to continue it, or choose another --out")
        try:
            old = json.loads(plan_path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise DatasetError(f"{plan_path}: cannot read the plan: {exc}") from None
    if shard_size is None:
        # Enough shards to keep every worker busy (4 each), at most DEFAULT_SHARD_SIZE files
        # per shard; a resumed run keeps the first run's choice.
        shard_size = int(old["shard_size"]) if isinstance(old, dict) and "shard_size" in old else int(
            min(DEFAULT_SHARD_SIZE, max(16, -(-len(units) // (4 * max(workers, 1))))))
    plan = {"format": sh.FORMAT, "version": sh.VERSION, "units": units, "shard_size": shard_size,
            "min_seconds": min_seconds,
            "patients": hashlib.sha256(json.dumps(sorted(patient_of.items())).encode()).hexdigest()[:16]}
    if old is not None:
        if old != json.loads(json.dumps(plan)):
            raise DatasetError(
                f"{plan_path}: the records or options differ from the unfinished run's; resume with the same "
                "DATA, --shard-size and --min-seconds, or choose another --out"
            )
    elif out.exists() and any(out.iterdir()):
        raise DatasetError(f"{out}: folder is not empty and is not a shard folder; choose an empty or new --out")
    out.mkdir(parents=True, exist_ok=True)
    sh.atomic_write_text(plan_path, json.dumps(plan))
    n_shards = -(-len(units) // shard_size)
    jobs = [
        {"out": str(out), "shard": k, "units": units[k * shard_size : (k + 1) * shard_size], "isolate": isolate,
         "min_seconds": min_seconds,
         "patients": {Path(u[0]).stem: patient_of[Path(u[0]).stem] for u in units[k * shard_size : (k + 1) * shard_size]
                      if Path(u[0]).stem in patient_of}}
        for k in range(n_shards)
    ]
    done = _done_shards(out, n_shards)
    todo = [j for j in jobs if j["shard"] not in done]
    files_done = sum(len(j["units"]) for j in jobs if j["shard"] in done)
    if done:
        log.info("resuming: %d of %d shards already complete in %s", len(done), n_shards, out)
    t0 = time.time()
    if on_progress:
        on_progress(files_done, len(units))
    if todo:
        if workers <= 1:
            for j in todo:
                files_done += convert_shard(j)["files"]
                if on_progress:
                    on_progress(files_done, len(units))
        else:
            ctx = multiprocessing.get_context("spawn")  # no fork of a process that may hold threads
            with cf.ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
                futures = [pool.submit(convert_shard, j) for j in todo]
                try:
                    for fut in cf.as_completed(futures):
                        files_done += fut.result()["files"]
                        if on_progress:
                            on_progress(files_done, len(units))
                except cf.process.BrokenProcessPool:
                    for f in futures:
                        f.cancel()
                    complete = len(_done_shards(out, n_shards))
                    raise DatasetError(
                        f"{out}: a prepare worker stopped unexpectedly (killed, or out of memory); {complete} of "
                        f"{n_shards} shards are complete; run the same command with --resume to continue"
                    ) from None
    return _finish(out, n_shards, len(units), val_fraction, holdout_sources, time.time() - t0, workers, data, declared)


def _finish(out: Path, n_shards: int, n_files: int, val_fraction: float, holdout: Sequence[str], seconds: float,
            workers: int, data: Sequence[str], declared: dict[str, str]) -> dict[str, Any]:
    rows: list[dict[str, Any]] = []
    dropped: list[dict[str, str]] = []
    flagged: list[dict[str, str]] = []
    shards = []
    for k in range(n_shards):
        info = json.loads((out / f"{sh.shard_name(k)}.json").read_text(encoding="utf-8"))
        rows += info["rows"]
        dropped += info["dropped"]
        flagged += info["flagged"]
        if info["rows"]:
            shards.append({"shard": k, "records": len(info["rows"]), "bytes": info["bytes"]})
    reasons: dict[str, int] = {}
    for d in dropped:
        kind = d["reason"].split(":")[0].split(" (")[0]
        reasons[kind] = reasons.get(kind, 0) + 1
    report = {"records_kept": len(rows), "records_dropped": len(dropped), "records_flagged": len(flagged),
              "dropped_by_reason": reasons, "dropped": dropped, "flagged": flagged}
    sh.atomic_write_text(out / sh.REPORT, json.dumps(report, indent=1))
    if not rows:
        raise DatasetError(
            f"{', '.join(data)}: no usable record among the {n_files} file(s) ({len(dropped)} dropped; reasons: "
            + ", ".join(f"{k} x{v}" for k, v in reasons.items()) + f"); see {out / sh.REPORT}"
        )
    import csv
    import io

    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=sh.INDEX_FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    sh.atomic_write_text(out / sh.INDEX, buf.getvalue())
    splits = assign_splits(rows, val_fraction, holdout, declared)
    sh.atomic_write_text(out / sh.SPLITS, json.dumps(splits, indent=1))
    sources: dict[str, int] = {}
    for r in rows:
        sources[r["source"]] = sources.get(r["source"], 0) + 1
    data_id = hashlib.sha256(buf.getvalue().encode("utf-8")).hexdigest()[:16]
    manifest = {
        "format": sh.FORMAT, "version": sh.VERSION, "fs": MODEL_FS, "leads": list(INDEPENDENT_LEADS),
        "storage": "int16 x per-record per-lead scale (mV/count), gzip 4 + shuffle, chunks of 4096 samples",
        "highpass_hz": 0.5, "data_id": data_id, "n_records": len(rows), "n_files": n_files,
        "n_dropped": len(dropped), "n_flagged": len(flagged), "sources": sources,
        "hours": round(sum(r["length"] for r in rows) / MODEL_FS / 3600, 3),
        "splits": {**{k: len(splits[k]) for k in sh.SPLIT_NAMES}, "excluded": len(splits["excluded"])}, "shards": shards,
        "prepare": {"seconds": round(seconds, 1), "workers": workers},
    }
    sh.atomic_write_text(out / sh.MANIFEST, json.dumps(manifest, indent=1))
    return manifest
