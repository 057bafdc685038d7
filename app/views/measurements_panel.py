"""The Measurements panel: global values and a per-lead table, measured beside synthesized.

Synthesized leads are marked as such in every row; where the file also holds the measured
truth of a synthesized lead, its measured value stands in brackets beside the synthesized
one, and disagreements a cardiologist would read differently are flagged (red cell and the
reason in the Flags column).  Missing values read "-" with the reason in the tooltip.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QHeaderView, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget

from leadsynth_core.measurement import Measurements, basis_notes, transition_zone
from leadsynth_core.measurement.compare import ST_FINDING_MV
from leadsynth_core.uncertainty.confidence import band_verdict, t_polarity_uncertain

from ..controllers.measurements import MeasurementController
from .active_panel import ActivePanel
from .dock_label import dock_note

FLAG_BRUSH = QBrush(QColor(255, 205, 205))
CART_COLUMN = 3
#: The global table's "truth" and "diff" columns.
TRUTH_COLUMNS = (1, 2)
SYNTH_BRUSH = QBrush(QColor(0, 71, 212, 28))

GLOBAL_ROWS: tuple[tuple[str, str, str], ...] = (
    ("Heart rate", "heart_rate_bpm", "bpm"), ("RR SD", "rr_sd_ms", "ms"), ("PR", "pr_ms", "ms"),
    ("QRS", "qrs_ms", "ms"), ("QT", "qt_ms", "ms"), ("QTc Bazett", "qtc_bazett_ms", "ms"),
    ("QTc Fridericia", "qtc_fridericia_ms", "ms"), ("P axis", "axis_p_deg", "°"),
    ("QRS axis", "axis_qrs_deg", "°"), ("T axis", "axis_t_deg", "°"),
)
LEAD_COLUMNS: tuple[tuple[str, str], ...] = (
    # What a reader checks first (ST, T, R/S), then the rest.
    ("ST J+60", "st_j60_mv"), ("T mV", "t_mv"), ("T polarity", "t_polarity"), ("R mV", "r_mv"), ("S mV", "s_mv"),
    ("Q mV", "q_mv"), ("ST J", "st_j_mv"), ("ST J+80", "st_j80_mv"), ("P mV", "p_mv"),
)


#: The column that shows the band beside a synthesized lead's value
#: (``leadsynth_core.uncertainty.confidence.band_at``).  Not the T wave: there the band held
#: the true amplitude in only 42-73 % of synthesized leads (``benchmarks/st_t_band.py``).
BAND_KEY = "st_j60_mv"


def band_text(value: float, band: float) -> str:
    """What the band says of a synthesized lead's ST level (the cell's tooltip)."""
    low, high = value - band, value + band
    says = {"present": f"an ST {'elevation' if value > 0 else 'depression'} of {ST_FINDING_MV} mV or more survives the band",
            "absent": f"no ST deviation of {ST_FINDING_MV} mV or more, even at the band's edges",
            "undecided": f"the band reaches across {ST_FINDING_MV} mV: an ST deviation can be neither claimed nor excluded"}
    return (f"ST at J+60 {value:+.2f} mV, the 90 % band there ±{band:.2f} mV (true level between {low:+.2f} and "
            f"{high:+.2f} mV): {says[band_verdict(BAND_KEY, value, band)]}.")


def polarity_text(t_mv: float, band: float) -> str:
    """Why a synthesized T wave's polarity carries a "?" (the cell's tooltip)."""
    return (f"T wave {t_mv:+.2f} mV, the 90 % band at its peak ±{band:.2f} mV reaches across zero: its polarity "
            "is uncertain. On records never trained on, such synthesized T waves had the opposite polarity of the "
            "truth far more often than the others (benchmarks/st_t_band.py); the band does not give the T "
            "amplitude itself, which it holds less often than 90 %.")


def _fmt(value: Any, unit: str = "") -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.0f}" if unit in ("bpm", "ms", "°") else f"{value:.2f}"
    return str(value)


class MeasurementsPanel(ActivePanel):
    """Global values and the per-lead table of a :class:`MeasurementController`."""

    def __init__(self, controller: MeasurementController, parent: QWidget | None = None) -> None:
        super().__init__(controller, parent)
        self._ctl: MeasurementController = controller
        self.info = dock_note()
        self.global_table = QTableWidget(len(GLOBAL_ROWS) + 1, 4)
        # Short headers: four columns share a narrow dock; the tooltips say them in full.
        self.global_table.setHorizontalHeaderLabels(["shown", "truth", "diff", "cart"])
        for c, tip in enumerate(("LeadSynth on what the page shows (the synthesized 12-lead when there is one)",
                                 "LeadSynth on the measured truth of the synthesized leads",
                                 "shown - truth", "the device's own measurement")):
            self.global_table.horizontalHeaderItem(c).setToolTip(tip)
        self.global_table.setColumnHidden(CART_COLUMN, True)
        self.global_table.setVerticalHeaderLabels([r[0] for r in GLOBAL_ROWS] + ["R/S transition"])
        self.global_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.lead_table = QTableWidget(0, len(LEAD_COLUMNS) + 2)
        self.lead_table.setHorizontalHeaderLabels(["provenance", *[c[0] for c in LEAD_COLUMNS], "flags"])
        self.lead_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        for table in (self.global_table, self.lead_table):
            table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addWidget(self.info)
        lay.addWidget(self.global_table, 2)
        lay.addWidget(self.lead_table, 3)
        controller.changed.connect(self.refresh)
        self.refresh()

    # ---------------------------------------------------------------- public
    def flagged_cells(self) -> list[tuple[str, str]]:
        """``(lead, column header)`` of every flagged cell (tests and the export read them)."""
        out = []
        for r in range(self.lead_table.rowCount()):
            lead = self.lead_table.verticalHeaderItem(r).text()
            for c in range(self.lead_table.columnCount()):
                item = self.lead_table.item(r, c)
                if item is not None and item.background() == FLAG_BRUSH:
                    out.append((lead, self.lead_table.horizontalHeaderItem(c).text()))
        return out

    def global_text(self, row: str, column: str) -> str:
        """Text of one cell of the global table (row label, column header)."""
        t = self.global_table
        r = next(i for i in range(t.rowCount()) if t.verticalHeaderItem(i).text() == row)
        c = next(i for i in range(t.columnCount()) if t.horizontalHeaderItem(i).text() == column)
        item = t.item(r, c)
        return item.text() if item is not None else ""

    def cell_text(self, lead: str, column: str) -> str:
        for r in range(self.lead_table.rowCount()):
            if self.lead_table.verticalHeaderItem(r).text() == lead:
                for c in range(self.lead_table.columnCount()):
                    if self.lead_table.horizontalHeaderItem(c).text() == column:
                        item = self.lead_table.item(r, c)
                        return item.text() if item is not None else ""
        raise KeyError(f"no cell {lead}/{column}")

    # --------------------------------------------------------------- private
    def refresh(self) -> None:
        shown, truth, cmp = self._ctl.shown, self._ctl.truth, self._ctl.comparison
        self.global_table.clearContents()
        self.lead_table.setRowCount(0)
        if shown is None:
            if self._ctl.pending:
                self.info.setText("Measuring the 10 s from the page start…")
            elif self._ctl.error:
                self.info.setText(f"<b>Not measurable</b>: {self._ctl.error}")
            else:
                self.info.setText("No measurements: open a record.")
            return
        self._set_info(shown, truth)
        # Without a measured truth of the synthesized leads (a patch, a watch, nothing
        # synthesized) the truth and difference columns would stay empty: hidden instead.
        for c in TRUTH_COLUMNS:
            self.global_table.setColumnHidden(c, truth is None)
        self._fill_cart_column()
        if not shown.measurable:
            return
        g, t = shown.values, (truth.values if truth is not None else None)
        gflags = " ".join(cmp.global_flags) if cmp is not None else ""
        for r, (_name, key, unit) in enumerate(GLOBAL_ROWS):
            a = getattr(g, key)
            b = getattr(t, key) if t is not None else None
            diff = None if a is None or b is None else a - b
            cells = [_fmt(a, unit), _fmt(b, unit) if t is not None else "", "" if diff is None else f"{diff:+.0f}"]
            # A value read partly on synthesized leads is tinted like them, and says so.
            basis = basis_notes(shown.synthesized_basis(key),
                                shown.axis_leads_synthesized if key.startswith("axis_") else ())
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if c == 0 and basis:
                    item.setBackground(SYNTH_BRUSH)
                    item.setToolTip(" ".join(f"{n[:1].upper()}{n[1:]}." for n in basis))
                if key == "qrs_ms" and c == 2 and "QRS duration" in gflags:
                    item.setBackground(FLAG_BRUSH)
                    item.setToolTip(gflags)
                self.global_table.setItem(r, c, item)
        tz = [transition_zone(shown) or "-", (transition_zone(truth) or "-") if truth is not None else ""]
        chest = [n for n, lm in shown.leads.items() if n.startswith("V") and lm.provenance == "synthesized"]
        for c, text in enumerate(tz):
            item = QTableWidgetItem(text)
            if c == 0 and chest:
                item.setBackground(SYNTH_BRUSH)
                item.setToolTip(f"Read on the R and S waves of V1-V6, {', '.join(chest)} synthesized.")
            if c == 1 and cmp is not None and "transition" in gflags:
                item.setBackground(FLAG_BRUSH)
                item.setToolTip(gflags)
            self.global_table.setItem(len(GLOBAL_ROWS), c, item)
        st_band = self._ctl.value_band(BAND_KEY)
        t_band = self._ctl.value_band("t_mv")
        self.lead_table.setRowCount(len(shown.leads))
        self.lead_table.setVerticalHeaderLabels(list(shown.leads))
        for r, (name, lm) in enumerate(shown.leads.items()):
            synthesized = lm.provenance == "synthesized"
            tv = truth.leads[name].values if truth is not None and name in (cmp.lead_flags if cmp else {}) else None
            flags = cmp.lead_flags.get(name, []) if cmp is not None else []
            prov = QTableWidgetItem(lm.provenance.upper() if synthesized else lm.provenance)
            if synthesized:
                prov.setBackground(SYNTH_BRUSH)
            if lm.reason:
                prov.setToolTip(lm.reason)
            self.lead_table.setItem(r, 0, prov)
            for c, (_head, key) in enumerate(LEAD_COLUMNS, start=1):
                a = getattr(lm.values, key)
                text = _fmt(a)
                band = st_band.get(name) if key == BAND_KEY and isinstance(a, float) else None
                if band is not None:
                    text += f" ±{band:.2f}"
                uncertain = key == "t_polarity" and t_polarity_uncertain(lm.values.t_mv, t_band.get(name))
                if uncertain:
                    text += " ?"
                if tv is not None:
                    text += f" ({_fmt(getattr(tv, key))})"
                item = QTableWidgetItem(text)
                if lm.reason:
                    item.setToolTip(lm.reason)
                elif uncertain:
                    item.setToolTip(polarity_text(lm.values.t_mv, t_band[name])
                                    + (" Measured truth in brackets." if tv is not None else ""))
                elif band is not None:
                    item.setToolTip(band_text(a, band) + (" Measured truth in brackets." if tv is not None else ""))
                elif tv is not None:
                    item.setToolTip("synthesized (measured truth in brackets)")
                if synthesized:
                    item.setBackground(SYNTH_BRUSH)
                if (key == "st_j60_mv" and any(f.startswith("ST") for f in flags)) or \
                        (key == "t_polarity" and any("T polarity" in f for f in flags)):
                    item.setBackground(FLAG_BRUSH)
                self.lead_table.setItem(r, c, item)
            fl = QTableWidgetItem("; ".join(flags))
            if flags:
                fl.setBackground(FLAG_BRUSH)
            self.lead_table.setItem(r, len(LEAD_COLUMNS) + 1, fl)

    def _fill_cart_column(self) -> None:
        """The cart's own values (``metadata["device_report"]``) beside LeadSynth's, when the file has them."""
        rows = {r.key: r for r in self._ctl.device_rows()}
        self.global_table.setColumnHidden(CART_COLUMN, not rows)
        if not rows:
            return
        report = self._ctl.device_report or {}
        who = f"{report.get('device') or 'the cart'} ({report.get('source') or 'device report'})"
        self.global_table.horizontalHeaderItem(CART_COLUMN).setToolTip(
            f"What {who} measured on this recording: the device's own numbers, not LeadSynth's")
        for r, (_name, key, unit) in enumerate(GLOBAL_ROWS):
            row = rows.get(key)
            if row is None or row.device is None:
                continue
            item = QTableWidgetItem(_fmt(row.device, unit) + ("†" if row.note else ""))
            tip = f"{who}: {_fmt(row.device, unit)} {unit}"
            if row.note:
                tip += f" (QTc, {row.note}: beside LeadSynth's Bazett)"
            if row.difference is not None:
                tip += (f"; LeadSynth on the record as read: {_fmt(row.leadsynth, unit)} {unit}, "
                        f"difference {row.difference:+.0f} {unit}")
            item.setToolTip(tip)
            self.global_table.setItem(r, CART_COLUMN, item)

    def _set_info(self, shown: Measurements, truth: Measurements | None) -> None:
        w0, w1 = shown.window_s
        if not shown.measurable:
            self.info.setText(f"<b>Not measurable</b>: {shown.reason}")
            return
        what = ("the synthesized 12-lead (synthesized leads in CAPITALS and tinted; so are the global "
                "values read partly on them)"
                if any(lm.provenance == "synthesized" for lm in shown.leads.values()) else "the record as read")
        extra = " Measured truth of the synthesized leads in brackets; red: clinically meaningful disagreement." \
            if truth is not None else ""
        report = self._ctl.device_report
        if report is not None:
            extra += (f" Cart: what {report.get('device') or 'the recording cart'} itself measured "
                      "(its own algorithm; † QTc formula not stated).")
        self.info.setText(f"Median beats of {shown.n_beats} beats, {w1 - w0:.0f} s from the page start: "
                          f"{what}.{extra}")
