"""Synthesis of recordings too long to hold in memory: from a file to an HDF5 file.

A 24-hour Holter-style recording is read window by window (``io.read_window``),
synthesized chunk by chunk with :func:`~leadsynth_core.synthesis.synthesize`, and
appended to an :class:`~leadsynth_core.io.Hdf5RecordWriter`.  Neighbouring chunks
overlap by ``2 * margin``; the synthesized leads are cross-faded linearly over the
overlap so that no seam appears where chunks meet, while measured and derived leads
are copied, never blended, so they stay bit-identical to the input.  Memory stays
bounded by the chunk size whatever the recording's length.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import numpy as np

from .errors import OptionError, RecordFormatError
from .io import Hdf5RecordWriter, inspect_record, read_window
from .leads import parse_lead_list
from .models import LoadedModel, ModelCard, load_model, select_model
from .options import HDF5_SUFFIXES
from .progress import CancelToken, ProgressCallback, check, report
from .record import Provenance
from .synthesis import MIN_DURATION_S, synthesize

__all__ = ["synthesize_file"]

log = logging.getLogger(__name__)



def synthesize_file(
    src: str | os.PathLike[str],
    dst: str | os.PathLike[str],
    inputs: str | list[str] | tuple[str, ...],
    model: str | os.PathLike[str] | ModelCard | LoadedModel | None = None,
    *,
    key: str | None = None,
    chunk_s: float = 600.0,
    margin_s: float = 10.0,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    uncertainty: bool = False,
    swap_back: tuple[str, str] | None = None,
) -> Path:
    """Synthesize the 12-lead ECG of the record in ``src`` into the HDF5 file ``dst``.

    Parameters
    ----------
    src, key
        Any record :func:`leadsynth_core.io.read_window` reads (and its HDF5 key).
    dst
        Output path ending in ``.h5`` or ``.hdf5`` (project schema, written atomically:
        a failure or a cancel leaves no file behind).
    inputs, model
        As for :func:`leadsynth_core.synthesis.synthesize`.
    chunk_s, margin_s
        Seconds synthesized per step, and the context added on each side of a chunk
        (also the half-width of the cross-fade between chunks).
    uncertainty
        Also write the calibrated band (``band_low``/``band_high``, see
        :mod:`leadsynth_core.uncertainty`), cross-faded between chunks like the
        synthesized leads.
    swap_back
        Two limb electrodes to swap back in every chunk read, ``("RA", "LA")`` or
        ``("RA", "LL")`` (:func:`leadsynth_core.measurement.swap_electrodes`; the file says so
        in its audit trail).  ``None``: the leads as recorded.

    Returns
    -------
    Path
        ``dst``.
    """
    dst = Path(dst)
    if dst.suffix.lower() not in HDF5_SUFFIXES:
        raise RecordFormatError(
            f"{dst}: streaming synthesis writes HDF5; use a name ending in {' or '.join(HDF5_SUFFIXES)}"
        )
    if chunk_s <= 0 or margin_s < 0:
        raise OptionError(f"chunk_s, margin_s: chunk_s must be > 0 and margin_s >= 0 (got {chunk_s}, {margin_s})")
    measured = parse_lead_list(inputs)
    info = inspect_record(src, key=key)
    fs, n = info.fs, info.n_samples
    chunk = max(int(round(chunk_s * fs)), int(np.ceil(MIN_DURATION_S * fs)))
    margin = int(round(margin_s * fs))
    if model is None:
        model = select_model(measured, patient_id=info.patient_id)
    loaded = load_model(model)

    calibration = None
    if uncertainty:
        from .uncertainty.calibration import read_calibration
        from .uncertainty.members import require_members

        require_members(loaded.module, loaded.card.id)
        calibration = read_calibration(loaded.card)
    writer: Hdf5RecordWriter | None = None
    # Output already computed past the last write: the signal, and the band's low and high.
    tail: list[np.ndarray] | None = None
    blend_cols: np.ndarray | None = None
    try:
        for start in range(0, n, chunk):
            check(cancel)
            stop = min(n, start + chunk)
            a, b = max(0, start - margin), min(n, stop + margin)
            window = read_window(src, a, b, key=key)
            if swap_back is not None:
                from .measurement.swap_back import swap_electrodes

                window = swap_electrodes(window, swap_back)
            if calibration is not None:
                from .uncertainty.band import synthesize_with_band

                banded = synthesize_with_band(window, measured, loaded, calibration=calibration)
                out = banded.record
                parts = [np.array(out.signal, dtype=np.float32), banded.low, banded.high]
            else:
                out = synthesize(window, measured, loaded)
                parts = [np.array(out.signal, dtype=np.float32)]
            if writer is None:
                kwargs = dict(
                    key="record", patient_id=info.patient_id, recorded_at=info.recorded_at,
                    source=str(src) + (f"::{key}" if key else ""), model_id=out.model_id,
                    metadata={"leadsynth": out.metadata.get("leadsynth", {}), "streamed": True,
                              **({"processing": list(out.processing)} if out.processing else {})},
                )
                if calibration is not None:
                    from .uncertainty.files import BandHdf5Writer

                    writer = BandHdf5Writer(dst, fs, out.lead_names, out.provenance, level=banded.level,
                                            calibration=banded.calibration, **kwargs)
                else:
                    writer = Hdf5RecordWriter(dst, fs, out.lead_names, out.provenance, **kwargs)
                blend_cols = np.array([p is Provenance.SYNTHESIZED for p in out.provenance])
            if tail is not None and len(tail[0]):
                # ``tail`` covers [a, a + len(tail)) as computed by the previous chunk.
                m = len(tail[0])
                ramp = np.linspace(0.0, 1.0, m + 2, dtype=np.float64)[1:-1, None]
                for old, new in zip(tail, parts, strict=True):
                    head = new[:m]
                    mixed = (1.0 - ramp) * old[:, blend_cols] + ramp * head[:, blend_cols]
                    head[:, blend_cols] = mixed.astype(np.float32)
            # Keep back what the next chunk will also compute, write the rest.
            keep_from = (stop - margin) - a if stop < n else len(parts[0])
            keep_from = max(keep_from, 0)
            writer.append(*(x[:keep_from] for x in parts))
            tail = [x[keep_from:] for x in parts]
            report(progress, stop / n, f"synthesized {stop / fs:.0f} of {n / fs:.0f} s")
        if writer is None:
            raise RecordFormatError(f"{src}: record has no samples")
        check(cancel)
        path = writer.finish()
    except BaseException:
        if writer is not None:
            writer.abort()
        raise
    log.info("streamed synthesis %s -> %s (%d samples at %g Hz)", src, dst, n, fs)
    return path
