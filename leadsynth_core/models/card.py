"""Model cards: the JSON description shipped next to every safetensors weight file."""

from __future__ import annotations

import dataclasses
import datetime as _dt
import json
from pathlib import Path
from typing import Any

from ..errors import ModelError
from ..leads import parse_lead_list
from .features import INDEPENDENT_LEADS, NORMALIZATION_METHODS

__all__ = ["ModelCard", "CARD_SUFFIX", "WEIGHTS_SUFFIX", "read_card", "write_card_text"]

CARD_SUFFIX = ".json"
WEIGHTS_SUFFIX = ".safetensors"


@dataclasses.dataclass
class ModelCard:
    """Everything needed to rebuild, run and judge a model.

    Attributes
    ----------
    id
        Unique identifier (also the file stem), e.g. ``"linres-i-ii-v2-v4"``.
    name, version, description
        Human-readable name, version string and description.
    architecture, arch_params
        Name in :data:`leadsynth_core.models.networks.ARCHITECTURES` and its constructor
        parameters (``in_channels``, ``out_channels``, ...).
    inputs
        Independent leads the model takes, in standard order; empty for an any-subset
        model (``any_subset=True``), which takes any non-empty subset of the 8.
    outputs
        Independent leads the model produces, in standard order.
    fs, window, hop
        Model rate (Hz), inference window and hop (samples at ``fs``).
    normalization
        ``{"method": "record"|"none", "highpass_hz": float}``.
    training, metrics
        How it was trained (data, steps, seed, time, command) and its validation metrics.
    weights_sha256
        SHA-256 of the weight file (hex); checked on load.
    base_model, patient_id
        For personal models: ``{"id", "sha256"}`` of the base model and the patient.
    created
        ISO-8601 UTC creation time.
    """

    id: str
    name: str
    architecture: str
    arch_params: dict[str, Any]
    outputs: list[str]
    inputs: list[str] = dataclasses.field(default_factory=list)
    any_subset: bool = False
    version: str = "1.0"
    fs: float = 250.0
    window: int = 2560
    hop: int = 1920
    normalization: dict[str, Any] = dataclasses.field(
        default_factory=lambda: {"method": "record", "highpass_hz": 0.5}
    )
    training: dict[str, Any] = dataclasses.field(default_factory=dict)
    metrics: dict[str, Any] = dataclasses.field(default_factory=dict)
    weights_sha256: str = ""
    base_model: dict[str, Any] | None = None
    patient_id: str | None = None
    created: str = dataclasses.field(
        default_factory=lambda: _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat()
    )
    description: str = ""
    #: Where the card was read from (not serialised).
    path: Path | None = dataclasses.field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        where = f"model card {self.id!r}"
        try:
            self.inputs = list(parse_lead_list(self.inputs)) if self.inputs else []
            self.outputs = list(parse_lead_list(self.outputs))
        except ValueError as exc:
            raise ModelError(f"{where}: bad lead list: {exc}") from None
        for field in ("inputs", "outputs"):
            bad = [n for n in getattr(self, field) if n not in INDEPENDENT_LEADS]
            if bad:
                raise ModelError(
                    f"{where}: field {field!r} names {', '.join(bad)}; only the independent leads "
                    f"{', '.join(INDEPENDENT_LEADS)} are modelled"
                )
        if self.any_subset and self.inputs:
            raise ModelError(f"{where}: an any-subset model must have empty 'inputs'")
        if not self.any_subset and not self.inputs:
            raise ModelError(f"{where}: field 'inputs' is empty and 'any_subset' is false")
        method = self.normalization.get("method")
        if method not in NORMALIZATION_METHODS:
            raise ModelError(
                f"{where}: normalization method {method!r} unknown; valid: {', '.join(NORMALIZATION_METHODS)}"
            )
        if self.window % 16 or self.hop <= 0 or self.hop > self.window:
            raise ModelError(f"{where}: window {self.window} must be a multiple of 16 and 0 < hop <= window")

    # ---------------------------------------------------------------- derived
    @property
    def in_channels(self) -> int:
        return 2 * len(INDEPENDENT_LEADS) if self.any_subset else len(self.inputs)

    @property
    def is_personal(self) -> bool:
        return self.patient_id is not None

    @property
    def is_baseline(self) -> bool:
        """True for the linear population baselines."""
        return self.architecture == "linear"

    def accepts(self, independent: tuple[str, ...] | list[str]) -> bool:
        """True if the model takes exactly this set of independent leads as input."""
        if self.any_subset:
            return len(independent) > 0
        return list(independent) == list(self.inputs)

    def validation_pcc(self, inputs: tuple[str, ...] | list[str]) -> tuple[float, str] | None:
        """Mean PCC the card reports for these measured leads on its validation data, and
        which data that was; ``None`` when the card has no figure for this exact set
        (personal models, unusual subsets)."""
        entry = (self.metrics.get("by_inputs") or {}).get(",".join(inputs))
        pcc = entry.get("mean_pcc") if isinstance(entry, dict) else None
        if not isinstance(pcc, (int, float)) or isinstance(pcc, bool):
            return None
        return float(pcc), str(self.metrics.get("data") or "validation records")

    def validation_lead_pcc(self, inputs: tuple[str, ...] | list[str]) -> dict[str, float]:
        """Mean PCC of each synthesized lead the card reports for these measured leads on its
        validation data (:meth:`validation_pcc` names that data); empty when it has none.

        Where no lead is measured to compare with (a patch, a watch), this is what a
        reader can expect of each lead from this model with these inputs, on records
        it never saw: a population figure, not the recording's own.
        """
        entry = (self.metrics.get("by_inputs") or {}).get(",".join(inputs))
        leads = entry.get("leads") if isinstance(entry, dict) else None
        if not isinstance(leads, dict):
            return {}
        out: dict[str, float] = {}
        for lead, figures in leads.items():
            pcc = figures.get("mean_pcc") if isinstance(figures, dict) else None
            if isinstance(pcc, (int, float)) and not isinstance(pcc, bool):
                out[str(lead)] = float(pcc)
        return out

    def summary(self) -> str:
        """One line for listings."""
        ins = "any subset" if self.any_subset else ",".join(self.inputs)
        who = f" patient={self.patient_id}" if self.patient_id else ""
        pcc = self.metrics.get("mean_pcc")
        score = f" val PCC {pcc:.3f}" if isinstance(pcc, (int, float)) else ""
        if self.any_subset:
            # One figure for "any subset" would not say for which measured leads it holds.
            by_inputs = [(k, self.validation_pcc(k.split(","))) for k in (self.metrics.get("by_inputs") or {})]
            scored = [f"{v[0]:.3f} from {k}" for k, v in by_inputs if v is not None]
            if scored:
                score = " val PCC " + "; ".join(scored)
            elif score:
                score += " (measured leads not recorded)"
        return f"{self.id}: {self.architecture} [{ins}] -> [{','.join(self.outputs)}]{who}{score}"

    # ----------------------------------------------------------- (de)serialise
    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d.pop("path")
        return d

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=False) + "\n"

    @classmethod
    def from_dict(cls, data: dict[str, Any], path: Path | None = None) -> ModelCard:
        where = str(path) if path else "model card"
        if not isinstance(data, dict):
            raise ModelError(f"{where}: a model card must be a JSON object")
        names = {f.name for f in dataclasses.fields(cls)} - {"path"}
        unknown = sorted(set(data) - names)
        if unknown:
            raise ModelError(f"{where}: unknown field(s) {', '.join(unknown)}")
        required = ("id", "name", "architecture", "arch_params", "outputs")
        missing = [k for k in required if k not in data]
        if missing:
            raise ModelError(f"{where}: missing field(s) {', '.join(missing)}")
        try:
            card = cls(**data)
        except (TypeError, ValueError) as exc:
            raise ModelError(f"{where}: {exc}") from None
        card.path = path
        return card


def read_card(path: str | Path) -> ModelCard:
    """Read a model card JSON file (ModelError naming the file on any problem)."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ModelError(f"{path}: cannot read model card: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise ModelError(f"{path}: model card is not valid UTF-8: {exc.reason} at byte {exc.start}") from None
    except json.JSONDecodeError as exc:
        raise ModelError(f"{path}: model card is not valid JSON: {exc}") from None
    return ModelCard.from_dict(data, path)


def write_card_text(card: ModelCard) -> str:
    """The JSON text of ``card``."""
    return card.to_json()
