"""The training-data folder that ``leadsynth prepare`` writes and ``leadsynth train`` reads.

A shard folder holds::

    manifest.json        format, version, model rate, leads, shards (records, bytes), totals
    index.csv            one row per usable record (:data:`INDEX_FIELDS`)
    splits.json          which record ids are train / validation / test, and the rule used
    report.json          every record dropped (and why) or flagged
    shard-00000.h5 ...   the signals (below)
    shard-00000.json     per-shard completion marker (rows + dropped), written last

Each ``shard-NNNNN.h5`` stores the 8 independent leads (I, II, V1..V6) of its records at
the model rate, high-passed like the training data of the shipped models
(:func:`leadsynth_core.training.data.model_space_leads`), concatenated in time:
``signals`` (total_samples, 8) int16, gzip-compressed in chunks of 4096 samples, with
``scale`` (records, 8) float32 mV per count, ``offset`` and ``length`` (records,) int64 and
``record_id``.  int16 with a per-record, per-lead scale keeps 15 bits of the largest
excursion (0.15 uV per count for a 5 mV lead), a quarter of float64's size.

Everything is written to a temporary name and moved into place with :func:`os.replace`;
``manifest.json`` is written last, so a folder without it is an unfinished ``prepare``.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import DatasetError
from ..models.features import INDEPENDENT_LEADS, MODEL_FS

__all__ = [
    "FORMAT",
    "VERSION",
    "MANIFEST",
    "INDEX",
    "SPLITS",
    "REPORT",
    "PLAN",
    "INDEX_FIELDS",
    "SPLIT_NAMES",
    "IndexRow",
    "ShardSet",
    "atomic_write_text",
    "shard_name",
    "write_shard",
    "open_shards",
]

FORMAT = "leadsynth-shards"
VERSION = 1
MANIFEST = "manifest.json"
INDEX = "index.csv"
SPLITS = "splits.json"
REPORT = "report.json"
PLAN = "plan.json"
SPLIT_NAMES: tuple[str, ...] = ("train", "validation", "test")
#: Columns of ``index.csv``.
INDEX_FIELDS: tuple[str, ...] = (
    "record_id", "shard", "row", "source", "path", "key", "patient_id", "fs", "samples", "seconds",
    "length", "quality", "flags",
)
_CHUNK = 4096
_FULL_SCALE = 32767


def shard_name(k: int) -> str:
    """``shard-00003`` for shard 3 (add ``.h5`` / ``.json``)."""
    return f"shard-{k:05d}"


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and :func:`os.replace`."""
    tmp = path.with_name(f".tmp-{path.name}-{os.getpid()}")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def _quantize(leads: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(8, T) mV -> (T, 8) int16 and the (8,) mV-per-count scale."""
    peak = np.max(np.abs(leads), axis=1)
    scale = np.maximum(peak / _FULL_SCALE, 1e-7)
    q = np.rint(leads / scale[:, None]).clip(-_FULL_SCALE, _FULL_SCALE).astype(np.int16)
    return q.T, scale.astype(np.float32)


def write_shard(path: Path, record_ids: Sequence[str], arrays: Sequence[np.ndarray]) -> int:
    """Write one shard file atomically; returns its size in bytes.

    ``arrays`` are (8, T) float32 mV in model space, one per record id.
    """
    import h5py  # the shard reader/writer is the only user

    lengths = np.array([a.shape[1] for a in arrays], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
    total = int(lengths.sum())
    tmp = path.with_name(f".tmp-{path.name}-{os.getpid()}")
    try:
        with h5py.File(tmp, "w") as f:
            f.attrs["format"] = FORMAT
            f.attrs["version"] = VERSION
            f.attrs["fs"] = MODEL_FS
            f.attrs["leads"] = ",".join(INDEPENDENT_LEADS)
            f.attrs["n_records"] = len(arrays)
            sig = f.create_dataset(
                "signals", shape=(total, len(INDEPENDENT_LEADS)), dtype="int16",
                chunks=(min(total, _CHUNK), len(INDEPENDENT_LEADS)), compression="gzip", compression_opts=4,
                shuffle=True,
            )
            scales = np.zeros((len(arrays), len(INDEPENDENT_LEADS)), dtype=np.float32)
            for i, a in enumerate(arrays):
                q, scales[i] = _quantize(np.asarray(a, dtype=np.float64))
                sig[offsets[i] : offsets[i] + lengths[i]] = q
            f.create_dataset("scale", data=scales)
            f.create_dataset("offset", data=offsets)
            f.create_dataset("length", data=lengths)
            f.create_dataset("record_id", data=np.array(list(record_ids), dtype=h5py.string_dtype()))
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path.stat().st_size


@dataclasses.dataclass(frozen=True)
class IndexRow:
    """One usable record of a shard folder (a row of ``index.csv``)."""

    record_id: str
    shard: int
    row: int
    source: str
    path: str
    key: str
    patient_id: str
    fs: float
    samples: int
    seconds: float
    length: int
    quality: str
    flags: str

    @classmethod
    def from_csv(cls, d: dict[str, str]) -> IndexRow:
        return cls(
            record_id=d["record_id"], shard=int(d["shard"]), row=int(d["row"]), source=d["source"], path=d["path"],
            key=d["key"], patient_id=d["patient_id"], fs=float(d["fs"]), samples=int(d["samples"]),
            seconds=float(d["seconds"]), length=int(d["length"]), quality=d["quality"], flags=d["flags"],
        )

    def to_csv(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def _read_json(path: Path, what: str) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DatasetError(f"{path}: cannot read the {what}: {exc}") from None


class ShardSet:
    """A checked shard folder, open for reading crops (see :func:`open_shards`)."""

    def __init__(self, folder: Path, manifest: dict[str, Any], rows: list[IndexRow], splits: dict[str, list[str]]):
        self.folder = folder
        self.manifest = manifest
        self.rows = rows
        self.splits = splits
        self._by_id = {r.record_id: i for i, r in enumerate(rows)}
        self._files: dict[int, Any] = {}
        self._scales: dict[int, np.ndarray] = {}
        self._offsets: dict[int, np.ndarray] = {}

    def __getstate__(self) -> dict[str, Any]:
        # Sent to loader processes: they open the shard files themselves.
        return {**self.__dict__, "_files": {}, "_scales": {}, "_offsets": {}}

    @property
    def data_id(self) -> str:
        """Identifies the data (``manifest["data_id"]``), stored in checkpoints."""
        return str(self.manifest.get("data_id", ""))

    def split(self, name: str) -> list[int]:
        """Row numbers (into :attr:`rows`) of split ``name``."""
        return [self._by_id[i] for i in self.splits.get(name, [])]

    def _open(self, shard: int) -> Any:
        f = self._files.get(shard)
        if f is None:
            import h5py

            # Opened lazily, per process (h5py handles must not cross a fork).
            f = h5py.File(self.folder / f"{shard_name(shard)}.h5", "r", rdcc_nbytes=16 * 2**20)
            self._files[shard] = f
            self._scales[shard] = f["scale"][...].astype(np.float64)
            self._offsets[shard] = f["offset"][...]
        return f

    def crop(self, i: int, start: int, length: int) -> np.ndarray:
        """Samples ``[start, start + length)`` of row ``i``: (8, length) float64 mV."""
        r = self.rows[i]
        f = self._open(r.shard)
        off = int(self._offsets[r.shard][r.row]) + start
        q = f["signals"][off : off + length]
        return q.T.astype(np.float64) * self._scales[r.shard][r.row][:, None]

    def close(self) -> None:
        for f in self._files.values():
            f.close()
        self._files.clear()


def open_shards(folder: str | os.PathLike[str]) -> ShardSet:
    """Check a shard folder against its manifest, index and splits, and open it.

    Raises
    ------
    DatasetError
        Naming the folder or file: not a folder, not a shard folder, an unfinished
        ``prepare``, a format this version cannot read, an index that disagrees with its
        shards (missing file, other size, other records), a split naming unknown records,
        or no training records.
    """
    import h5py

    root = Path(folder)
    if not root.is_dir():
        raise DatasetError(f"{root}: not a folder (give the folder 'leadsynth prepare --out' wrote)")
    man_path = root / MANIFEST
    if not man_path.is_file():
        if (root / PLAN).is_file():
            raise DatasetError(
                f"{root}: unfinished 'leadsynth prepare' (no {MANIFEST}); run the same prepare command with --resume"
            )
        raise DatasetError(
            f"{root}: not a shard folder (no {MANIFEST}); make one with 'leadsynth prepare DATA --out {root}'"
        )
    manifest = _read_json(man_path, "manifest")
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise DatasetError(f"{man_path}: field 'format' is not {FORMAT!r}; not a shard folder")
    if manifest.get("version") != VERSION:
        raise DatasetError(f"{man_path}: field 'version' is {manifest.get('version')!r}; this version reads {VERSION}")
    if float(manifest.get("fs", 0)) != MODEL_FS or manifest.get("leads") != list(INDEPENDENT_LEADS):
        raise DatasetError(f"{man_path}: fields 'fs'/'leads' are not {MODEL_FS:g} Hz / {','.join(INDEPENDENT_LEADS)}")
    idx_path = root / INDEX
    if not idx_path.is_file():
        raise DatasetError(f"{idx_path}: the index is missing; the folder is damaged, prepare it again")
    try:
        with idx_path.open(newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            if tuple(reader.fieldnames or ()) != INDEX_FIELDS:
                raise DatasetError(f"{idx_path}: columns {reader.fieldnames} are not {', '.join(INDEX_FIELDS)}")
            rows = [IndexRow.from_csv(d) for d in reader]
    except (KeyError, ValueError, TypeError) as exc:
        if isinstance(exc, DatasetError):
            raise
        raise DatasetError(f"{idx_path}: a row cannot be read: {exc}") from None
    if len(rows) != manifest.get("n_records"):
        raise DatasetError(
            f"{idx_path}: {len(rows)} rows but {MANIFEST} says n_records={manifest.get('n_records')}; "
            "the index disagrees with the shards"
        )
    by_shard: dict[int, list[IndexRow]] = {}
    for r in rows:
        by_shard.setdefault(r.shard, []).append(r)
    shards = {int(s["shard"]): s for s in manifest.get("shards", [])}
    unknown = sorted(set(by_shard) - set(shards))
    if unknown:
        raise DatasetError(f"{idx_path}: rows name shard(s) {unknown[:5]} that {MANIFEST} does not list")
    for k, info in sorted(shards.items()):
        path = root / f"{shard_name(k)}.h5"
        mine = sorted(by_shard.get(k, []), key=lambda r: r.row)
        if not path.is_file():
            raise DatasetError(f"{path}: shard listed in {MANIFEST} is missing")
        if path.stat().st_size != info.get("bytes"):
            raise DatasetError(
                f"{path}: {path.stat().st_size} bytes but {MANIFEST} says {info.get('bytes')}; "
                "the shard was changed or damaged after prepare"
            )
        try:
            with h5py.File(path, "r") as f:
                ids = [x.decode() if isinstance(x, bytes) else str(x) for x in f["record_id"][...]]
                lengths = f["length"][...]
                ok = f.attrs.get("format") == FORMAT and f["signals"].shape[1] == len(INDEPENDENT_LEADS)
        except (OSError, KeyError) as exc:
            raise DatasetError(f"{path}: not a readable shard: {exc}") from None
        if not ok:
            raise DatasetError(f"{path}: not a {FORMAT} shard")
        if ids != [r.record_id for r in mine] or [int(x) for x in lengths] != [r.length for r in mine]:
            raise DatasetError(
                f"{idx_path}: the index disagrees with {path.name} (records or lengths differ); prepare the folder again"
            )
    split_path = root / SPLITS
    if not split_path.is_file():
        raise DatasetError(f"{split_path}: the split file is missing; prepare the folder again")
    doc = _read_json(split_path, "split file")
    known = {r.record_id for r in rows}
    splits: dict[str, list[str]] = {}
    for name in SPLIT_NAMES:
        ids = doc.get(name, []) if isinstance(doc, dict) else None
        if not isinstance(ids, list):
            raise DatasetError(f"{split_path}: field {name!r} is not a list of record ids")
        bad = [i for i in ids if i not in known]
        if bad:
            raise DatasetError(f"{split_path}: field {name!r} names record(s) not in {INDEX}: {', '.join(bad[:3])}")
        splits[name] = ids
    if not splits["train"]:
        raise DatasetError(f"{split_path}: the train split is empty")
    return ShardSet(root, manifest, rows, splits)
