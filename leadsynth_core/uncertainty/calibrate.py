"""Fit (and re-fit after retraining) the band calibration of shipped models.

    python -m leadsynth_core.uncertainty.calibrate [MODEL_ID ...] [--data-root DIR] [--threads N]

For each model (default: every shipped seed-ensemble model), for its input lead set (the
any-subset model: each of the lead sets it is validated on), the model is run over the
hold-out records (:data:`HOLDOUT`: sources never trained on, checked against
``training/splits.json``), and the per-lead factors are fitted
(:func:`~.calibration.fit_lead_set`) and written to ``<model stem>.uncertainty.json``
beside the card.  It takes about a minute on one CPU thread.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import logging
import shlex
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import torch

from ..errors import LeadSynthError, ModelError
from ..io import read_record
from ..models.loaded import LoadedModel, run_windowed
from ..models.registry import list_models, load_model
from ..record import EcgRecord
from ..training.data import default_data_root, read_splits
from ..training.run import ANY_SUBSET_VALIDATION_SETS
from .calibration import Calibration, calibration_path, fit_lead_set, write_calibration
from .factors import RecordItem, record_factors, references, select_exponents
from .members import SpreadNet, has_members
from .probe import PROBE_MODEL, probe_design, probe_rms

__all__ = ["HOLDOUT", "holdout_records", "model_space_items", "lead_sets_of", "calibrate_model", "main"]

log = logging.getLogger(__name__)

#: Hold-out sources (name -> record paths relative to the data root): never trained on.
HOLDOUT: dict[str, list[str]] = {
    "LUDB 161-200": [f"ludb/data/{i}" for i in range(161, 201)],
    "PTB S0001-S0010": [f"cinc2021/PTB_PTBXL/S{i:04d}" for i in range(1, 11)],
}


def _check_never_trained() -> None:
    train = {p for paths in read_splits()["train"].values() for p in paths}
    leaked = [p for paths in HOLDOUT.values() for p in paths if p in train]
    if leaked:
        raise ModelError(f"hold-out records in the training split: {', '.join(leaked[:5])}")


def holdout_records(root: Path | None = None, sources: Sequence[str] | None = None) -> dict[str, list[EcgRecord]]:
    """The hold-out records by source, read from ``root`` (default ``../shared/data``)."""
    _check_never_trained()
    root = Path(root) if root is not None else default_data_root()
    names = list(sources) if sources is not None else list(HOLDOUT)
    bad = [s for s in names if s not in HOLDOUT]
    if bad:
        raise ModelError(f"unknown hold-out source(s) {', '.join(bad)}; valid: {', '.join(HOLDOUT)}")
    out: dict[str, list[EcgRecord]] = {}
    for name in names:
        paths = [root / p for p in HOLDOUT[name]]
        absent = [p for p in paths if not p.with_suffix(".hea").exists()]
        if absent:
            raise ModelError(f"hold-out record {absent[0]} not found (data root {root})")
        out[name] = [read_record(p) for p in paths]
    return out


def model_space_items(loaded: LoadedModel, records: Sequence[EcgRecord], inputs: Sequence[str]
                      ) -> list[tuple[np.ndarray, np.ndarray, np.ndarray, float]]:
    """``(truth, mean, spread, scale)`` in model space for each record holding every output lead."""
    net = SpreadNet(loaded.module)
    c = len(loaded.card.outputs)
    items = []
    for rec in records:
        p = loaded.prepare_arrays(rec, inputs)
        if p.y is None:
            continue
        z = run_windowed(net, p.x, loaded.card.window, loaded.card.hop)
        items.append((p.y.astype(np.float64), z[:c], z[c:], float(p.scale)))
    return items


def lead_sets_of(loaded: LoadedModel) -> list[tuple[str, ...]]:
    """The input lead sets a model is calibrated for."""
    if loaded.card.inputs:
        return [tuple(loaded.card.inputs)]
    return [tuple(s) for s in ANY_SUBSET_VALIDATION_SETS]


def calibrate_model(model: str | LoadedModel, records: dict[str, list[EcgRecord]], *, command: str = "",
                    write: bool = True, exponents: Mapping[str, tuple[float, float]] | None = None) -> Calibration:
    """Fit the calibration of ``model`` on ``records`` (source -> records); write it beside the card.

    ``exponents`` (input lead set "I,II,V4" -> ``(gamma, kappa)``) fixes the record factors'
    exponents; by default they are chosen by leave-one-source-out over ``records``
    (:func:`~.factors.select_exponents`; 0 with a single source).
    """
    loaded = load_model(model)
    if not has_members(loaded.module):
        raise ModelError(f"model {loaded.card.id!r} is not a seed ensemble; it has no member spread to calibrate")
    lead_sets = {}
    probe_model = load_model(PROBE_MODEL)
    outputs = list(loaded.card.outputs)
    for inputs in lead_sets_of(loaded):
        key = ",".join(inputs)
        rows = [k for k, n in enumerate(outputs) if n not in inputs]
        design = probe_design(inputs)
        by_source: dict[str, list[RecordItem]] = {}
        for source, recs in records.items():
            items: list[RecordItem] = []
            for rec in recs:
                for y, mu, sd, _ in model_space_items(loaded, [rec], inputs):
                    rms = probe_rms(probe_model, rec, inputs, design[0], design[1]) if design else None
                    items.append((y, mu, sd, rms))
            by_source[source] = items
        if exponents is not None and key in exponents:
            gamma, kappa = (float(x) for x in exponents[key])
            selection = None
        else:
            gamma, kappa, cov = select_exponents(by_source, outputs, rows)
            selection = {"rule": "leave-one-source-out, the worst coverage nearest the level",
                         "coverage": {s: round(c, 4) for s, c in cov.items()}} if cov else None
        every = [it for items in by_source.values() for it in items]
        probe_ref, spread_ref = references(every, rows)
        factors = record_factors(every, rows, probe_ref, spread_ref, gamma, kappa)
        fitted = fit_lead_set([it[:3] for it in every], outputs, factors=factors)
        if design is not None:
            fitted.probe = {"inputs": list(design[0]), "target": design[1], "model": probe_model.card.id,
                            "model_sha256": probe_model.card.weights_sha256, "reference_rms": round(probe_ref, 6),
                            "gamma": gamma}
        fitted.spread = {"reference": round(spread_ref, 6), "kappa": kappa}
        fitted.selection = selection
        lead_sets[key] = fitted
        log.info("calibrated %s for %s on %d records (gamma %.2f, kappa %.2f)", loaded.card.id, key, len(every),
                 gamma, kappa)
    cal = Calibration(
        model_id=loaded.card.id, weights_sha256=loaded.card.weights_sha256, lead_sets=lead_sets,
        sources=[f"{name} ({len(recs)} records, never trained on)" for name, recs in records.items()],
        command=command, created=_dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat(),
    )
    if write:
        path = write_calibration(cal, calibration_path(loaded.card))
        log.info("wrote %s", path)
    return cal


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m leadsynth_core.uncertainty.calibrate",
                                     description="Fit the calibrated band of seed-ensemble models on hold-out sources.")
    parser.add_argument("models", nargs="*", metavar="MODEL_ID", help="default: every shipped seed-ensemble model")
    parser.add_argument("--data-root", type=Path, default=None)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    torch.set_num_threads(max(1, args.threads))
    command = "python -m leadsynth_core.uncertainty.calibrate " + " ".join(
        shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:]))
    try:
        ids = args.models or [c.id for c in list_models(include_personal=False)
                              if c.architecture == "linres_ensemble"]
        records = holdout_records(args.data_root)
        for model_id in ids:
            calibrate_model(model_id, records, command=command.strip())
    except LeadSynthError as exc:
        log.error("calibration failed: %s", exc)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
