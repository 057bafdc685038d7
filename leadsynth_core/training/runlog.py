"""Where ``leadsynth train`` records its progress: a CSV and, if installed, TensorBoard events."""

from __future__ import annotations

import csv
import logging
from pathlib import Path
from typing import Any

from .shards import atomic_write_text

__all__ = ["RunLog", "CSV_FIELDS"]

log = logging.getLogger(__name__)

#: Columns of ``log.csv`` (validation columns are empty on steps without validation).
CSV_FIELDS: tuple[str, ...] = ("step", "epoch", "loss", "lr", "samples_per_s", "val_loss", "val_pcc", "time_s")


class RunLog:
    """``log.csv`` in the run folder (one row per step) and ``events/`` for TensorBoard.

    On resume the rows after the checkpoint's step are dropped: those steps are computed
    again, with the same batches.
    """

    def __init__(self, folder: Path, resume_step: int | None) -> None:
        self.path = folder / "log.csv"
        if resume_step is not None and self.path.exists():
            with self.path.open(newline="", encoding="utf-8") as fh:
                kept = [r for r in csv.DictReader(fh) if r.get("step", "").isdigit() and int(r["step"]) <= resume_step]
            lines = [",".join(CSV_FIELDS)] + [",".join(r.get(k, "") or "" for k in CSV_FIELDS) for r in kept]
            atomic_write_text(self.path, "\n".join(lines) + "\n")
        elif not self.path.exists() or resume_step is None:
            atomic_write_text(self.path, ",".join(CSV_FIELDS) + "\n")
        self._fh = self.path.open("a", encoding="utf-8", newline="")
        self._csv = csv.writer(self._fh, lineterminator="\n")
        self._tb: Any = None
        try:
            from torch.utils.tensorboard import SummaryWriter  # optional: needs the tensorboard package
        except ImportError:
            log.info("TensorBoard not installed: logging to %s only", self.path)
        else:
            self._tb = SummaryWriter(str(folder / "events"))

    @property
    def tensorboard(self) -> bool:
        return self._tb is not None

    def write(self, step: int, values: dict[str, float | None]) -> None:
        row = [step] + [("" if values.get(k) is None else f"{values[k]:.6g}") for k in CSV_FIELDS[1:]]
        self._csv.writerow(row)
        self._fh.flush()
        if self._tb is not None:
            for k in ("loss", "lr", "samples_per_s", "val_loss", "val_pcc"):
                if values.get(k) is not None:
                    self._tb.add_scalar(("val/" if k.startswith("val_") else "train/") + k, values[k], step)

    def close(self) -> None:
        self._fh.close()
        if self._tb is not None:
            self._tb.close()
