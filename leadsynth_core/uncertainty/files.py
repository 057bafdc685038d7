"""The band in files: HDF5 datasets beside ``signal`` and a WFDB companion record.

HDF5 (``docs/hdf5_schema.md``): in the record group, ``band_low`` and ``band_high``,
float32 of the shape of ``signal``, mV, NaN for measured and derived leads, each with
attributes ``band_level`` (0.9), ``calibration`` (text naming the calibration sources) and
``units`` ("mV").

WFDB: ``<name>_band.hea/.dat`` beside ``<name>``: two channels per synthesized lead,
``<lead>_low`` and ``<lead>_high`` (mV, 1 uV resolution, format 32); the main record's
header names it in a ``# leadsynth-band:`` comment line.  The companion is not an ECG
record (its channels are not leads), so the ECG readers do not open it;
:func:`read_wfdb_band` does.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import h5py
import numpy as np

from ..errors import RecordFormatError
from ..io import Hdf5RecordWriter, atomic_paths, output_format, wfdb_header_path, write_wfdb
from ..record import Provenance

if TYPE_CHECKING:  # annotations only: reading and writing band files needs no torch (the viewer's save)
    from .band import BandedRecord

__all__ = ["BandHdf5Writer", "write_banded_hdf5", "read_hdf5_band", "write_banded_wfdb", "read_wfdb_band",
           "BAND_COMMENT_TAG", "BAND_FORMATS", "carries_band", "write_banded"]

#: Output formats (:func:`leadsynth_core.io.output_format`) that can hold the band.
BAND_FORMATS = ("hdf5", "wfdb")


def carries_band(path: str | Path) -> bool:
    """Whether a record written to ``path`` can keep its band (HDF5 or WFDB; not DICOM or EDF+)."""
    return output_format(path) in BAND_FORMATS

BAND_COMMENT_TAG = "leadsynth-band:"
_UV_PER_MV = 1000.0


class BandHdf5Writer(Hdf5RecordWriter):
    """:class:`~leadsynth_core.io.Hdf5RecordWriter` that also streams ``band_low``/``band_high``.

    ``append(chunk, low, high)`` takes three arrays of the same shape; everything else
    (atomic write, abort on error) is the base writer's.
    """

    def __init__(self, path: str | Path, fs: float, lead_names: Sequence[str],
                 provenance: Sequence[Provenance | str] | None = None, *, level: float, calibration: str,
                 **kwargs: Any) -> None:
        super().__init__(path, fs, lead_names, provenance, **kwargs)
        try:
            group = self._file["records"][self.key]  # type: ignore[index]
            n_leads = len(self.lead_names)
            self._bands = []
            for name in ("band_low", "band_high"):
                ds = group.create_dataset(name, shape=(0, n_leads), maxshape=(None, n_leads), dtype=np.float32,
                                          chunks=self._ds.chunks, fillvalue=np.nan)
                ds.attrs["band_level"] = float(level)
                ds.attrs["calibration"] = str(calibration)
                ds.attrs["units"] = "mV"
                self._bands.append(ds)
        except BaseException:
            self.abort()
            raise

    def append(self, chunk: np.ndarray, low: np.ndarray | None = None, high: np.ndarray | None = None) -> None:
        """Append ``chunk`` (n, n_leads) and its band (same shape, NaN where there is none)."""
        if low is None or high is None:
            raise RecordFormatError(f"{self.path}: a banded record needs band_low and band_high with every chunk")
        start = self.n_samples
        data = np.asarray(chunk)
        for band in (low, high):
            if np.shape(band) != data.shape:
                raise RecordFormatError(f"{self.path}: band chunk {np.shape(band)} differs from signal chunk {data.shape}")
        super().append(chunk)
        stop = self.n_samples
        for ds, band in zip(self._bands, (low, high), strict=True):
            ds.resize(stop, axis=0)
            ds[start:stop, :] = np.asarray(band, dtype=np.float32)


def write_banded_hdf5(banded: BandedRecord, path: str | Path, key: str = "record") -> Path:
    """Write a :class:`BandedRecord` as a one-record HDF5 file (atomically)."""
    r = banded.record
    writer = BandHdf5Writer(path, r.fs, r.lead_names, r.provenance, level=banded.level,
                            calibration=banded.calibration, key=key, patient_id=r.patient_id,
                            recorded_at=r.recorded_at, source=r.source, model_id=r.model_id,
                            metadata={"leadsynth": r.metadata.get("leadsynth", {}),
                                      **({"processing": list(r.processing)} if r.processing else {})})
    try:
        writer.append(r.signal, banded.low, banded.high)
    except BaseException:
        writer.abort()
        raise
    return writer.finish()


def read_hdf5_band(path: str | Path, key: str | None = None, start: int = 0,
                   stop: int | None = None) -> tuple[np.ndarray, np.ndarray, float, str] | None:
    """``(low, high, level, calibration)`` of one record (rows ``start:stop``), or None without a band."""
    with h5py.File(path, "r") as f:
        keys = sorted(f["records"].keys()) if "records" in f else []
        if key is None:
            if len(keys) != 1:
                return None
            key = keys[0]
        group = f["records"].get(key)
        if group is None or "band_low" not in group or "band_high" not in group:
            return None
        lo, hi = group["band_low"], group["band_high"]
        return (np.asarray(lo[start:stop], dtype=np.float32), np.asarray(hi[start:stop], dtype=np.float32),
                float(lo.attrs.get("band_level", np.nan)), str(lo.attrs.get("calibration", "")))


def _band_name(hea: Path) -> str:
    return hea.with_suffix("").name + "_band"


def write_banded_wfdb(banded: BandedRecord, path: str | Path) -> tuple[Path, Path]:
    """Write the record at ``path`` and its band as ``<name>_band`` beside it; return both headers."""
    r = banded.record
    hea = wfdb_header_path(path)
    band_hea = hea.with_name(_band_name(hea) + ".hea")
    cols = [j for j, p in enumerate(r.provenance) if p is Provenance.SYNTHESIZED]
    names = [f"{r.lead_names[j]}_{side}" for j in cols for side in ("low", "high")]
    data = np.empty((r.n_samples, len(names)), dtype=np.float64)
    for k, j in enumerate(cols):
        data[:, 2 * k] = banded.low[:, j]
        data[:, 2 * k + 1] = banded.high[:, j]
    if cols and not np.isfinite(data).all():
        raise RecordFormatError(f"{band_hea}: the band holds non-finite values for synthesized leads")
    digital = np.rint(data * _UV_PER_MV).astype("<i4")
    dat = band_hea.with_suffix(".dat")
    lines = [f"{band_hea.stem} {len(names)} {r.fs:.12g} {r.n_samples}"]
    for k, name in enumerate(names):
        col = digital[:, k].astype(np.int64)
        init = int(col[0]) if col.size else 0
        checksum = int(col.sum()) & 0xFFFF
        checksum = checksum - 65536 if checksum >= 32768 else checksum
        lines.append(f"{dat.name} 32 {_UV_PER_MV:.0f}(0)/mV 32 0 {init} {checksum} 0 {name}")
    lines.append(f"# leadsynth-band-of: {hea.stem}")
    lines.append(f"# band_level: {banded.level:g}")
    lines.append(f"# calibration: {_one_line(banded.calibration)}")
    lines.append("# channels: <lead>_low and <lead>_high per synthesized lead, mV (measured and derived leads have none)")
    comment = (f"{BAND_COMMENT_TAG} {band_hea.stem} ({int(round(100 * banded.level))} % band of the synthesized "
               f"leads, low/high per lead)")
    # The companion first: the main header must never name a band record that is not there.
    if names:
        with atomic_paths([dat, band_hea]) as (tmp_dat, tmp_hea):
            tmp_dat.write_bytes(digital.tobytes(order="C"))
            tmp_hea.write_text("\n".join(lines) + "\n", encoding="utf-8")
    main = write_wfdb(r, hea, comments=[comment] if names else [])
    return main, band_hea


def write_banded(banded: BandedRecord, path: str | Path) -> Path:
    """Write ``banded`` in the format ``path`` names (HDF5 or WFDB, see :func:`carries_band`); the file written."""
    fmt = output_format(path)
    if fmt == "hdf5":
        return write_banded_hdf5(banded, path)
    if fmt == "wfdb":
        return write_banded_wfdb(banded, path)[0]
    raise RecordFormatError(f"{path}: the band is written with HDF5 (.h5) or WFDB output only, not {fmt.upper()}")


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", str(text)).strip()


def read_wfdb_band(path: str | Path) -> tuple[list[str], np.ndarray, np.ndarray]:
    """``(leads, low, high)`` of a ``<name>_band`` record (arrays (n, n_leads), mV)."""
    import wfdb

    hea = wfdb_header_path(path)
    rec = wfdb.rdrecord(str(hea.with_suffix("")), physical=True)
    names = list(rec.sig_name)
    sig = np.asarray(rec.p_signal, dtype=np.float64)
    leads = [n[: -len("_low")] for n in names[0::2]]
    if [f"{n}_{s}" for n in leads for s in ("low", "high")] != names:
        raise RecordFormatError(f"{hea}: not a band record (channels {', '.join(names)})")
    return leads, sig[:, 0::2], sig[:, 1::2]
