"""The viewer's state: one document object that views observe through signals.

``ViewerDocument`` holds what is open (the record as read, which leads count as
measured, the model that serves them, the synthesized 12-lead and its scores).
``ViewState`` holds how it is shown (layout, speed, gain, mode, theme, display filters,
time position).  Views never talk to each other; they read these two objects and react to
their signals (the napari pattern), and only controllers write to the document.
"""

from __future__ import annotations

import dataclasses
import logging
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import QObject, Signal

from leadsynth_core.leads import STANDARD_LEADS, parse_lead_list
from leadsynth_core.record import EcgRecord, Provenance, format_hms
from leadsynth_core.scoring import DEFAULT_REFERENCE, REFERENCES, LeadScore, reference_signal

from .filters import DisplayFilters
from .paper import CART_GAIN_12X1, DATA_WIDTH_MM, sample_range
from .settings import GAINS_MM_MV, LAYOUTS, LIMB_ORDERS, MODES, SPEEDS_MM_S, THEMES, Settings

if TYPE_CHECKING:  # the models package imports torch: only for the type checker here
    from leadsynth_core.agreement import Agreement
    from leadsynth_core.io import RecordInfo
    from leadsynth_core.measurement.electrodes import ElectrodeReversal
    from leadsynth_core.models import ModelCard

    from .band import BandData

log = logging.getLogger(__name__)


#: ``hh:mm:ss`` of a time position (one home: the core's, which the CLI prints too).
fmt_hms = format_hms


@dataclasses.dataclass(frozen=True)
class LeadDisplay:
    """What one lead's cell shows (samples are read-only views, never copies to edit)."""

    lead: str
    provenance: Provenance | None  # None: the lead is not in the record at all
    samples: np.ndarray | None  # the trace the device would give (measured/derived/synthesized)
    truth: np.ndarray | None  # the file's measured samples, when the lead was synthesized
    model: str | None
    score: LeadScore | None
    #: The lead's synthesis is running: the cell is drawn empty and says so (never the
    #: file's or another record's samples in the place of the synthesized lead).
    pending: bool = False


class ViewerDocument(QObject):
    """The open record, the measured-lead selection and the synthesis result.

    For a long recording (``long_info`` set) ``record`` is only the loaded window of the
    file, starting at sample ``offset``; ``result`` and ``scores`` are that window's.
    """

    record_changed = Signal()
    window_changed = Signal()  # a long recording's loaded window moved (same file)
    inputs_changed = Signal()
    model_changed = Signal()
    result_changed = Signal()
    synthesis_state_changed = Signal(str, str)  # state, message
    synthesis_progress = Signal(float, str)
    agreement_changed = Signal()
    band_changed = Signal()

    IDLE, RUNNING, DONE, FAILED, CANCELLED = "idle", "running", "done", "failed", "cancelled"

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.record: EcgRecord | None = None
        self.path: Path | None = None
        self.key: str | None = None
        self.long_info: RecordInfo | None = None
        self.offset: int = 0
        self.inputs: tuple[str, ...] = ("I", "II", "V2", "V4")
        self.model_card: ModelCard | None = None
        self.model_message: str = ""
        self.result: EcgRecord | None = None
        self.scores: dict[str, LeadScore] = {}
        #: What ``scores`` compare with (``leadsynth_core.scoring.REFERENCES``).
        self.score_reference: str = DEFAULT_REFERENCE
        # The reference truth drawn under synthesized leads, per (lead, reference), for
        # the record held in _truth_of (compared by identity: a new record or window
        # starts a new cache; an id() key could be reused by a later record).
        self._truth_cache: dict[tuple[str, str], np.ndarray] = {}
        self._truth_of: EcgRecord | None = None
        self.state: str = self.IDLE
        self.state_message: str = ""
        #: Per-segment agreement (``leadsynth_core.agreement``): of the whole record, also
        #: for a long recording once scored in full; None until computed.
        self.agreement: Agreement | None = None
        self._band: BandData | None = None
        #: Why there is no band (shown in the legend), e.g. a model without members.
        self.band_message: str = ""
        #: What the electrode checks found on the open file (``measurement.electrode_cautions``),
        #: one sentence each: shown beside the traces and printed on the page.
        self.cautions: tuple[ElectrodeReversal, ...] = ()

    # ----------------------------------------------------------------- writes
    def set_record(self, record: EcgRecord, path: Path | None, key: str | None = None, *,
                   long_info: RecordInfo | None = None, offset: int = 0,
                   inputs: tuple[str, ...] | None = None, cautions: tuple[ElectrodeReversal, ...] = ()) -> None:
        """Open ``record``; with ``long_info`` it is the window at ``offset`` of a long file.

        ``inputs``: the measured-lead selection chosen for this file, set with the record
        (one ``record_changed``, no ``inputs_changed``: one synthesis, not two).
        ``cautions``: what the electrode checks found on the file.
        """
        if inputs is not None:
            self.inputs = parse_lead_list(inputs)
        self.record = record
        self.path = path
        self.key = key
        self.long_info = long_info
        self.offset = offset if long_info is not None else 0
        self.cautions = tuple(cautions)
        self.result = None
        self.scores = {}
        self.agreement = None
        log.info("opened %s (%s)%s", path, record, " as a long recording" if long_info else "")
        # record_changed implies "no result yet": views redraw once, not twice.
        self.record_changed.emit()

    def set_window(self, record: EcgRecord, offset: int) -> None:
        """Swap in another window of the open long recording (samples from ``offset``)."""
        self.record = record
        self.offset = offset
        self.result = None
        self.scores = {}
        log.info("window %s-%s of %s", fmt_hms(offset / record.fs),
                 fmt_hms((offset + record.n_samples) / record.fs), self.path)
        self.window_changed.emit()

    def set_inputs(self, leads: str | tuple[str, ...] | list[str]) -> None:
        inputs = parse_lead_list(leads)
        if inputs == self.inputs:
            return
        self.inputs = inputs
        self.inputs_changed.emit()

    def set_model(self, card: ModelCard | None, message: str) -> None:
        self.model_card = card
        self.model_message = message
        self.model_changed.emit()

    def set_result(self, result: EcgRecord | None, scores: dict[str, LeadScore],
                   reference: str | None = None) -> None:
        if result is None and self.result is None and not scores and not self.scores:
            return  # nothing to clear: spare the views a redraw
        self.result = result
        self.scores = dict(scores)
        if reference is not None:
            self.score_reference = reference
        self.result_changed.emit()

    def set_band(self, band: BandData | None, message: str = "") -> None:
        """The calibrated band of the current result (or None, saying why in ``message``)."""
        self._band = band
        self.band_message = message
        self.band_changed.emit()

    @property
    def band(self) -> BandData | None:
        """The band of the result shown; None when there is none or it belongs to another result."""
        band = self._band
        return band if band is not None and self.result is not None and band.result is self.result else None

    def set_agreement(self, agreement: Agreement | None) -> None:
        if agreement is None and self.agreement is None:
            return
        self.agreement = agreement
        self.agreement_changed.emit()

    def set_state(self, state: str, message: str = "") -> None:
        self.state = state
        self.state_message = message
        self.synthesis_state_changed.emit(state, message)

    # ------------------------------------------------------------------ reads
    @property
    def model_name(self) -> str | None:
        if self.result is None or not self.result.model_id:
            return None
        card = self.model_card
        if card is not None and getattr(card, "id", None) == self.result.model_id:
            return str(card.name or card.id)
        return self.result.model_id

    @property
    def is_long(self) -> bool:
        return self.long_info is not None

    @property
    def electrodes_swapped_back(self) -> tuple[str, str] | None:
        """The two limb electrodes of the open record the user swapped back (``None``: none).
        Its audit trail says so; every window of a long file read afterwards is swapped back too."""
        from leadsynth_core.measurement.swap_back import electrodes_swapped_back

        return electrodes_swapped_back(self.record) if self.record is not None else None

    @property
    def duration(self) -> float:
        """Seconds of the whole file (not only of the loaded window)."""
        if self.long_info is not None:
            return self.long_info.duration
        return self.record.duration if self.record is not None else 0.0

    @property
    def n_samples(self) -> int:
        """Samples per lead in the whole file."""
        if self.long_info is not None:
            return self.long_info.n_samples
        return self.record.n_samples if self.record is not None else 0

    def covers(self, start_s: float, stop_s: float) -> bool:
        """True when the loaded samples span ``[start_s, stop_s)`` (clipped to the file)."""
        rec = self.record
        if rec is None:
            return False
        i0, i1 = self.sample_range(start_s, stop_s)
        return self.offset <= i0 and i1 <= self.offset + rec.n_samples

    def sample_range(self, start_s: float, stop_s: float) -> tuple[int, int]:
        """File sample indices ``[i0, i1)`` of the times ``[start_s, stop_s)``."""
        if self.record is None:
            return 0, 0
        return sample_range(start_s, stop_s, self.record.fs, self.n_samples)

    def loaded_range(self, start_s: float, stop_s: float) -> tuple[int, int]:
        """Indices into ``record`` of the loaded samples of ``[start_s, stop_s)``.

        Add :attr:`offset` for file indices.  Times outside the loaded window (a long
        recording whose next window is still being read) give an empty or shorter range.
        """
        if self.record is None:
            return 0, 0
        i0, i1 = self.sample_range(start_s, stop_s)
        n = self.record.n_samples
        a = min(max(0, i0 - self.offset), n)
        b = min(max(0, i1 - self.offset), n)
        return a, max(a, b)

    def score_scope(self) -> str:
        """What the scores cover: "whole record", or the loaded window's hh:mm:ss span."""
        rec = self.record
        if self.long_info is None or rec is None:
            return "whole record"
        return f"window {fmt_hms(self.offset / rec.fs)}-{fmt_hms((self.offset + rec.n_samples) / rec.fs)}"

    def rhythm_lead(self) -> str:
        """The rhythm strip's lead: II when measured, else the first measured lead.

        A rhythm strip is read for timing and P waves: it must be a measured lead whenever
        one exists (issue 13, item 11), never a synthesized lead II.
        """
        measured = [n for n in STANDARD_LEADS if n in self.inputs]
        rec = self.record
        if rec is not None:
            measured = [n for n in measured if n in rec.lead_names and rec.provenance_of(n) is Provenance.MEASURED]
        if not measured or "II" in measured:
            return "II"
        return measured[0]

    @property
    def synthesis_pending(self) -> bool:
        """A record is open and its synthesis is running: the non-input leads are pending."""
        return self.record is not None and self.result is None and self.state == self.RUNNING

    def needs_synthesis(self) -> bool:
        """False when every standard lead is measured: there is nothing to synthesize."""
        return set(self.inputs) != set(STANDARD_LEADS)

    def lead_pending(self, lead: str) -> bool:
        """Whether ``lead`` waits for the running synthesis (the measured inputs never do)."""
        return self.synthesis_pending and self.needs_synthesis() and not self._recorded(lead)

    def supplementary_leads(self) -> tuple[str, ...]:
        """The right-sided and posterior leads the file recorded (V4R, V7...), drawn after the
        12 as measured: they are what the device gave, in review as in compare."""
        return () if self.record is None else self.record.measured_supplementary_leads

    def _recorded(self, lead: str) -> bool:
        """Whether the device gave ``lead`` itself: a measured input or a supplementary lead
        (never waiting for the synthesis, shown in review)."""
        return lead in self.inputs or lead in self.supplementary_leads()

    def _reference_truth(self, rec: EcgRecord, lead: str) -> np.ndarray:
        """The truth a synthesized lead is drawn and scored against: the stored samples, or
        (the default) the baseline-corrected truth.  Drawing the stored samples under
        baseline-free synthesized leads while the badges score against the corrected truth
        would show a baseline-wander "difference" the PCC does not count.  Cached per
        record, lead and reference; the record's samples are never changed."""
        if self._truth_of is not rec:
            self._truth_cache.clear()
            self._truth_of = rec
        key = (lead, self.score_reference)
        if key not in self._truth_cache:
            self._truth_cache[key] = reference_signal(rec.lead(lead), rec.fs, self.score_reference)
        return self._truth_cache[key]

    def truth_drawn(self, lead: str, mode: str) -> bool:
        """Whether ``lead`` is drawn over its recorded truth in ``mode``: a synthesized lead the
        file measured, in compare mode (what a reader of the page saw besides the synthesis)."""
        rec, res = self.record, self.result
        return (mode == "compare" and rec is not None and res is not None and lead in res.lead_names
                and res.provenance_of(lead) is Provenance.SYNTHESIZED and lead in rec.lead_names
                and rec.provenance_of(lead) is Provenance.MEASURED)

    def lead_display(self, lead: str, mode: str) -> LeadDisplay:
        """What the cell of ``lead`` shows in ``mode`` ("compare" or "review")."""
        rec, res = self.record, self.result
        if rec is None:
            return LeadDisplay(lead, None, None, None, None, None)
        if res is not None and lead in res.lead_names:
            prov = res.provenance_of(lead)
            truth = None
            # Only synthesized leads are compared: a derived lead is exact algebra of the
            # measured I and II, so its difference to the file says nothing about the model.
            if self.truth_drawn(lead, mode):
                truth = self._reference_truth(rec, lead)
            model = self.model_name if prov is Provenance.SYNTHESIZED else None
            score = self.scores.get(lead) if truth is not None else None
            return LeadDisplay(lead, prov, res.lead(lead), truth, model, score)
        if self.lead_pending(lead):
            # The measured leads are drawn at once; the others wait for the synthesis
            # instead of showing the file's samples where the synthesized lead will go.
            return LeadDisplay(lead, None, None, None, None, None, pending=True)
        if lead in rec.lead_names:
            # No synthesis (not needed, failed or cancelled): the file as read, with its own provenance.
            prov = rec.provenance_of(lead)
            if mode == "review" and self.needs_synthesis() and not self._recorded(lead):
                # Review shows only what the device would give; the rest is pending.
                return LeadDisplay(lead, None, None, None, None, None)
            model = rec.model_id if prov is Provenance.SYNTHESIZED else None
            return LeadDisplay(lead, prov, rec.lead(lead), None, model, None)
        return LeadDisplay(lead, None, None, None, None, None)


class ViewState(QObject):
    """How the document is shown; persisted through :class:`~app.settings.Settings`."""

    changed = Signal(str)  # the attribute that changed
    position_changed = Signal(float)

    def __init__(self, settings: Settings, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._settings = settings
        self.layout: str = self._pick(settings.value("view/layout"), LAYOUTS)
        self.limb_order: str = self._pick(settings.value("view/limb_order"), LIMB_ORDERS)
        self.speed: float = self._pick(settings.value("view/speed_mm_s"), SPEEDS_MM_S)
        self.gain: float = self._pick(settings.value("view/gain_mm_mv"), GAINS_MM_MV)
        self.mode: str = self._pick(settings.value("view/mode"), MODES)
        self.theme: str = self._pick(settings.value("view/theme"), THEMES)
        #: What synthesized leads are scored against ("raw" or "highpass"); see DEFAULTS.
        self.score_reference: str = self._pick(settings.value("scores/reference"), REFERENCES,
                                                  DEFAULT_REFERENCE)
        self.filters = DisplayFilters(
            baseline=bool(settings.value("filters/baseline")),
            notch_hz=int(settings.value("filters/notch_hz")),
            lowpass_hz=int(settings.value("filters/lowpass_hz")),
        )
        self.position: float = 0.0  # seconds at the page's left edge
        self.band: bool = bool(settings.value("view/band"))
        self.band_in_presentation: bool = bool(settings.value("view/band_in_presentation"))
        #: Presentation mode is on (the window says so; not persisted).
        self.presenting: bool = False
        #: The gain to restore when leaving a 12x1 page entered at the cart's gain.
        self._gain_before_12x1: float | None = None

    @staticmethod
    def _pick(value: Any, allowed: tuple[Any, ...], default: Any = None) -> Any:
        """``value`` if allowed, else ``default`` (or the first allowed value)."""
        return value if value in allowed else (allowed[0] if default is None else default)

    def _set(self, attr: str, key: str | None, value: Any) -> None:
        if getattr(self, attr) == value:
            return
        setattr(self, attr, value)
        if key is not None:
            self._settings.set_value(key, value)
        self.changed.emit(attr)

    def set_layout(self, layout: str) -> None:
        """Change the layout; a 12x1 page starts at the gain a cart prints it at.

        12 rows of 13.75 mm cannot hold 10-mm/mV complexes without drawing over the
        neighbouring rows and their labels, so entering 12x1 above
        :data:`~app.state.paper.CART_GAIN_12X1` lowers the gain to it (the user may raise it
        again: traces are then clipped to their rows), and leaving 12x1 restores the gain
        the user had, unless it was changed meanwhile.
        """
        layout = self._pick(layout, LAYOUTS)
        if layout == self.layout:
            return
        if layout == "12x1" and self.gain > CART_GAIN_12X1:
            self._gain_before_12x1 = self.gain
            self._set("gain", "view/gain_mm_mv", CART_GAIN_12X1)
        elif self.layout == "12x1" and self._gain_before_12x1 is not None:
            if self.gain == CART_GAIN_12X1:
                self._set("gain", "view/gain_mm_mv", self._gain_before_12x1)
            self._gain_before_12x1 = None
        self._set("layout", "view/layout", layout)

    def set_limb_order(self, order: str) -> None:
        """Show the limb leads in ``order`` ("standard" or "cabrera"); a display order only."""
        self._set("limb_order", "view/limb_order", self._pick(order, LIMB_ORDERS))

    def set_speed(self, speed: float) -> None:
        self._set("speed", "view/speed_mm_s", float(speed))

    def set_gain(self, gain: float) -> None:
        self._set("gain", "view/gain_mm_mv", float(gain))

    def set_mode(self, mode: str) -> None:
        self._set("mode", "view/mode", self._pick(mode, MODES))

    def set_theme(self, name: str) -> None:
        self._set("theme", "view/theme", self._pick(name, THEMES))

    def set_band(self, on: bool) -> None:
        self._set("band", "view/band", bool(on))

    def set_band_in_presentation(self, on: bool) -> None:
        self._set("band_in_presentation", "view/band_in_presentation", bool(on))

    def set_presenting(self, on: bool) -> None:
        self._set("presenting", None, bool(on))

    @property
    def band_visible(self) -> bool:
        """Whether the band is drawn: chosen, and in presentation mode only if chosen for it."""
        return self.band and (not self.presenting or self.band_in_presentation)

    def set_score_reference(self, reference: str) -> None:
        self._set("score_reference", "scores/reference", self._pick(reference, REFERENCES, DEFAULT_REFERENCE))

    def set_filters(self, filters: DisplayFilters) -> None:
        if filters == self.filters:
            return
        self.filters = filters
        self._settings.set_value("filters/baseline", filters.baseline)
        self._settings.set_value("filters/notch_hz", filters.notch_hz)
        self._settings.set_value("filters/lowpass_hz", filters.lowpass_hz)
        self.changed.emit("filters")

    def set_position(self, seconds: float, duration: float | None = None) -> None:
        """Move the page's start time, kept inside ``[0, duration - page length]``."""
        pos = max(0.0, float(seconds))
        if duration is not None:
            page = DATA_WIDTH_MM / self.speed
            pos = min(pos, max(0.0, duration - page))
        if not math.isclose(pos, self.position, abs_tol=1e-9):
            self.position = pos
            self.position_changed.emit(pos)
