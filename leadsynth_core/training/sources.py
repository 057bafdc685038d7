"""Per-source sampling of ``leadsynth train --source-weights``.

Without weights a training run goes through its records in epochs (every record once per
epoch, :class:`~leadsynth_core.training.batches.EpochOrder`), so a source weighs as much as
its record count: 17,000 PTB-XL records would drown 160 LUDB records.  With
``--source-weights ptbxl=0.45,ludb=0.2,...`` every real crop first draws its *source* with
the given probability (weights are renormalised over the sources), then one of that
source's training records uniformly, as the large-data fine-tuning of the shipped models
did (``docs/models.md``).  The source of a record is the ``source`` column of the shard
folder's ``index.csv`` (``leadsynth prepare``: the first folder below a DATA folder, or the
NAME of ``NAME=PATH``).

Every source of the training split must be given a weight, or ``*=W`` gives one to all the
sources not named; a weight of 0 leaves a source out of training (a whole-source hold-out
that still validates on it, if it has validation records).  Draws come from the
micro-batch's own generator (``default_rng([seed, step, index])``), so a run with weights
resumes exactly and gives the same batches on any number of processes.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..errors import TrainingError
from .shards import ShardSet

__all__ = ["SourceSampler", "parse_source_weights", "source_sampler"]

#: The key of ``--source-weights`` that gives a weight to every source not named.
OTHERS = "*"


def parse_source_weights(text: str) -> dict[str, float]:
    """``"ptbxl=0.45,ludb=0.2,*=0.05"`` -> ``{"ptbxl": 0.45, "ludb": 0.2, "*": 0.05}``.

    Raises
    ------
    TrainingError
        For an item without ``=``, a weight that is not a finite number >= 0, or a source
        named twice.
    """
    out: dict[str, float] = {}
    for item in (s.strip() for s in text.split(",")):
        if not item:
            continue
        name, eq, value = item.partition("=")
        name = name.strip()
        if not eq or not name:
            raise TrainingError(f"--source-weights: {item!r} is not SOURCE=WEIGHT (e.g. ptbxl=0.45,ludb=0.2)")
        try:
            w = float(value)
        except ValueError:
            raise TrainingError(f"--source-weights: weight {value!r} of {name!r} is not a number") from None
        if not np.isfinite(w) or w < 0:
            raise TrainingError(f"--source-weights: weight {value!r} of {name!r} must be a number >= 0")
        if name in out:
            raise TrainingError(f"--source-weights: source {name!r} is given twice")
        out[name] = w
    if not out:
        raise TrainingError("--source-weights: no SOURCE=WEIGHT given")
    return out


class SourceSampler:
    """Draws a training row: a source by weight, then one of its rows uniformly.

    Parameters
    ----------
    names, weights
        The sources drawn from (weight > 0) and their probabilities (summing to 1).
    rows
        For each source, the row numbers (into ``ShardSet.rows``) of its training records.
    """

    def __init__(self, names: Sequence[str], weights: Sequence[float], rows: Sequence[Sequence[int]]) -> None:
        self.names = list(names)
        self.p = np.asarray(weights, dtype=np.float64)
        self.rows = [np.asarray(r, dtype=np.int64) for r in rows]

    def draw(self, rng: np.random.Generator) -> int:
        """One row number."""
        k = int(rng.choice(len(self.names), p=self.p)) if len(self.names) > 1 else 0
        rows = self.rows[k]
        return int(rows[rng.integers(len(rows))])

    def describe(self) -> dict[str, dict[str, float]]:
        """``{source: {"weight": p, "records": n}}`` for the run log and the model card."""
        return {n: {"weight": round(float(p), 6), "records": len(r)}
                for n, p, r in zip(self.names, self.p, self.rows, strict=True)}


def source_sampler(data: ShardSet, train_rows: Sequence[int], weights: dict[str, float]) -> SourceSampler:
    """The sampler of ``weights`` (:func:`parse_source_weights`) over the training rows of ``data``.

    Raises
    ------
    TrainingError
        Naming the valid sources (those of the training split, with their record counts):
        for a source that has no training record, a source of the training split left
        without a weight (and no ``*=W``), or weights that leave nothing to draw.
    """
    by_source: dict[str, list[int]] = {}
    for i in train_rows:
        by_source.setdefault(data.rows[i].source, []).append(i)
    valid = ", ".join(f"{s} ({len(r)})" for s, r in sorted(by_source.items()))
    unknown = sorted(n for n in weights if n != OTHERS and n not in by_source)
    if unknown:
        raise TrainingError(
            f"--source-weights: {', '.join(unknown)}: no training record of {data.folder} has this source; "
            f"the sources of its training split (index.csv, column 'source') are: {valid}"
        )
    missing = sorted(s for s in by_source if s not in weights)
    if missing and OTHERS not in weights:
        raise TrainingError(
            f"--source-weights: no weight for {', '.join(missing)}; give every source of the training split a "
            f"weight (0 leaves one out) or '*=W' for all not named; the sources are: {valid}"
        )
    chosen = [(s, weights.get(s, weights.get(OTHERS, 0.0))) for s in sorted(by_source)]
    chosen = [(s, w) for s, w in chosen if w > 0]
    if not chosen:
        raise TrainingError(f"--source-weights: every weight is 0, nothing to train on; the sources are: {valid}")
    total = sum(w for _s, w in chosen)
    return SourceSampler([s for s, _w in chosen], [w / total for _s, w in chosen], [by_source[s] for s, _w in chosen])
